// The helpers LegacyCredentialParser used, copied from SigV4 as they were before the parser was
// rewritten over raw bytes (ASCII, CivilTime, AmzTimestamp's parsers, SigV4Request.singleHeaderValue),
// so that the oracle keeps its own behaviour whatever SigV4 changes.
@testable import SigV4

enum LegacySingleValue {
    case none
    case one(String)
    case multiple
}

func legacySingleHeaderValue(_ request: SigV4Request, _ lowercasedName: String) -> LegacySingleValue {
    var found: String?
    for field in request.headers where LegacyASCII.equalsIgnoringCase(field.name.utf8, lowercasedName.utf8) {
        if found != nil { return .multiple }
        found = field.value
    }
    if let found { return .one(found) }
    return .none
}

func legacyHasName(_ field: HeaderField, _ lowercasedName: String) -> Bool {
    LegacyASCII.equalsIgnoringCase(field.name.utf8, lowercasedName.utf8)
}

/// `AmzTimestamp(iso8601Basic:)` as it was: the timestamp keeps the text.
func legacyBasic(_ text: Substring) -> AmzTimestamp? {
    guard text.utf8.count == 16 else { return nil }
    let u = Array(text.utf8)
    guard u[8] == UInt8(ascii: "T"), u[15] == UInt8(ascii: "Z"),
        let year = LegacyASCII.parseDecimal(u[0..<4]), let month = LegacyASCII.parseDecimal(u[4..<6]),
        let day = LegacyASCII.parseDecimal(u[6..<8]), let hour = LegacyASCII.parseDecimal(u[9..<11]),
        let minute = LegacyASCII.parseDecimal(u[11..<13]), let second = LegacyASCII.parseDecimal(u[13..<15]),
        let seconds = LegacyCivilTime.seconds(
            year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    else { return nil }
    return AmzTimestamp(legacySeconds: seconds, text: text)
}

/// `AmzTimestamp(httpDate:)` as it was.
func legacyHTTPDate(_ text: Substring) -> AmzTimestamp? {
    if let basic = legacyBasic(text) { return basic }
    let u = Array(text.utf8)
    guard u.count >= 29, u.count <= 31, u[3] == UInt8(ascii: ","), u[4] == 0x20, u[7] == 0x20,
        u[11] == 0x20, u[16] == 0x20, u[19] == UInt8(ascii: ":"), u[22] == UInt8(ascii: ":"),
        u[25] == 0x20,
        legacyWeekdays.contains(where: { $0.elementsEqual(u[0..<3]) }),
        let monthIndex = legacyMonths.firstIndex(where: { $0.elementsEqual(u[8..<11]) }),
        let day = LegacyASCII.parseDecimal(u[5..<7]), let year = LegacyASCII.parseDecimal(u[12..<16]),
        let hour = LegacyASCII.parseDecimal(u[17..<19]), let minute = LegacyASCII.parseDecimal(u[20..<22]),
        let second = LegacyASCII.parseDecimal(u[23..<25]),
        legacyUTCZones.contains(where: { $0.elementsEqual(u[26...]) }),
        let seconds = LegacyCivilTime.seconds(
            year: year, month: monthIndex + 1, day: day, hour: hour, minute: minute, second: second)
    else { return nil }
    return AmzTimestamp(secondsSinceEpoch: seconds)
}

private let legacyWeekdays: [[UInt8]] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].map { Array($0.utf8) }
private let legacyMonths: [[UInt8]] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
].map { Array($0.utf8) }
private let legacyUTCZones: [[UInt8]] = ["GMT", "UTC", "+0000", "-0000"].map { Array($0.utf8) }

extension AmzTimestamp {
    /// A timestamp whose text is `text` (which must be `YYYYMMDDTHHMMSSZ` for `seconds`).
    init(legacySeconds seconds: Int64, text: Substring) {
        let formatted = AmzTimestamp(secondsSinceEpoch: seconds)
        precondition(formatted.iso8601Basic == text, "legacy basic time \(text) formats as \(formatted.iso8601Basic)")
        self = formatted
    }
}

enum LegacyCivilTime {
    static func seconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int64? {
        guard isValidDate(year: year, month: month, day: day), (0...23).contains(hour),
            (0...59).contains(minute), (0...59).contains(second)
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    static func isValidDate(yyyymmdd text: Substring) -> Bool {
        let utf8 = text.utf8
        guard utf8.count == 8 else { return false }
        let s = utf8.startIndex
        let four = utf8.index(s, offsetBy: 4)
        let six = utf8.index(s, offsetBy: 6)
        guard let year = LegacyASCII.parseDecimal(utf8[s..<four]),
            let month = LegacyASCII.parseDecimal(utf8[four..<six]),
            let day = LegacyASCII.parseDecimal(utf8[six...])
        else { return false }
        return isValidDate(year: year, month: month, day: day)
    }

    static func isValidDate(year: Int, month: Int, day: Int) -> Bool {
        guard (1970...9999).contains(year), (1...12).contains(month), day >= 1 else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= lengths[month - 1]
    }

    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

enum LegacyASCII {
    static func lower(_ byte: UInt8) -> UInt8 {
        (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
    }

    static func equalsIgnoringCase<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { lower($0) == lower($1) }
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    static func isLowerHex(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= 0x61 && byte <= 0x66)
    }

    static func parseDecimal<C: Collection<UInt8>>(_ bytes: C, maxDigits: Int = 18) -> Int? {
        guard !bytes.isEmpty, bytes.count <= maxDigits else { return nil }
        var value = 0
        for byte in bytes {
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    static func forEachPart<E: Error>(
        of text: Substring, separator: UInt8, _ body: (Substring) throws(E) -> Void
    ) throws(E) {
        var start = text.utf8.startIndex
        var index = start
        let end = text.utf8.endIndex
        while index != end {
            if text.utf8[index] == separator {
                try body(text[start..<index])
                start = text.utf8.index(after: index)
            }
            text.utf8.formIndex(after: &index)
        }
        try body(text[start..<end])
    }

    static func trimmed(_ s: Substring) -> Substring {
        var start = s.utf8.startIndex
        var end = s.utf8.endIndex
        while start < end, s.utf8[start] == 0x20 || s.utf8[start] == 0x09 { s.utf8.formIndex(after: &start) }
        while start < end {
            let before = s.utf8.index(before: end)
            guard s.utf8[before] == 0x20 || s.utf8[before] == 0x09 else { break }
            end = before
        }
        return s[start..<end]
    }
}

/// `PercentDecoding.decode(keepingBadEscapes:plusAsSpace:)` as it was.
enum LegacyPercentDecoding {
    static func decode<C: Collection<UInt8>>(keepingBadEscapes bytes: C, plusAsSpace: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        let end = bytes.endIndex
        while index < end {
            let byte = bytes[index]
            index = bytes.index(after: index)
            switch byte {
            case UInt8(ascii: "%"):
                if index < end, let high = hexValue(bytes[index]) {
                    let next = bytes.index(after: index)
                    if next < end, let low = hexValue(bytes[next]) {
                        out.append(high << 4 | low)
                        index = bytes.index(after: next)
                        continue
                    }
                }
                out.append(byte)
            case UInt8(ascii: "+") where plusAsSpace:
                out.append(UInt8(ascii: " "))
            default:
                out.append(byte)
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
