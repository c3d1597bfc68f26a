/// A request time as SigV4 uses it: whole seconds in UTC and the ISO 8601 basic form
/// (`YYYYMMDDTHHMMSSZ`) that goes into the string to sign.
public struct AmzTimestamp: Sendable, Hashable {
    /// Seconds since 1970-01-01T00:00:00Z.
    public let secondsSinceEpoch: Int64
    /// The time as `YYYYMMDDTHHMMSSZ`.
    public let iso8601Basic: Substring

    /// The date part, `YYYYMMDD`.
    public var date: Substring {
        // ASCII by construction: eight bytes are eight characters.
        let utf8 = iso8601Basic.utf8
        return Substring(utf8.prefix(8))
    }

    /// Parses `YYYYMMDDTHHMMSSZ` (the form of `X-Amz-Date`).
    ///
    /// - Returns: `nil` when the text is not exactly that form or not a real calendar time.
    public init?(iso8601Basic text: Substring) {
        guard text.utf8.count == 16 else { return nil }
        // Native strings are contiguous, so this reads the bytes in place; the fallback copies.
        guard
            let parsed = text.utf8.withContiguousStorageIfAvailable({ Self.parseBasic($0) })
                ?? Self.parseBasic(Array(text.utf8))
        else { return nil }
        self.secondsSinceEpoch = parsed
        self.iso8601Basic = text
    }

    /// Parses the 16 bytes of `YYYYMMDDTHHMMSSZ` into seconds since the epoch.
    private static func parseBasic(_ u: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard u.count == 16, u[8] == UInt8(ascii: "T"), u[15] == UInt8(ascii: "Z"),
            let year = number(u, 0, 4), let month = number(u, 4, 2), let day = number(u, 6, 2),
            let hour = number(u, 9, 2), let minute = number(u, 11, 2), let second = number(u, 13, 2)
        else { return nil }
        return CivilTime.seconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// The decimal number in `u[start..<start + count]`; `nil` when a byte is not a digit.
    @inline(__always)
    private static func number(_ u: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Int? {
        var value = 0
        for index in start..<(start + count) {
            let digit = u[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value * 10 + Int(digit)
        }
        return value
    }

    private static func parseBasic(_ bytes: [UInt8]) -> Int64? {
        bytes.withUnsafeBufferPointer { parseBasic($0) }
    }

    /// Parses an HTTP `Date` header: RFC 1123 (`Sun, 06 Nov 1994 08:49:37 GMT`, also with
    /// `UTC`, `+0000` or botocore's `-0000` as the zone) or ISO 8601 basic.
    ///
    /// - Returns: `nil` when the text is in neither form or not a real calendar time.
    public init?(httpDate text: Substring) {
        if let basic = AmzTimestamp(iso8601Basic: text) {
            self = basic
            return
        }
        // "Www, DD Mon YYYY HH:MM:SS ZONE"
        guard
            let seconds = text.utf8.withContiguousStorageIfAvailable({ Self.parseHTTPDate($0) })
                ?? Array(text.utf8).withUnsafeBufferPointer({ Self.parseHTTPDate($0) })
        else { return nil }
        self.secondsSinceEpoch = seconds
        self.iso8601Basic = Substring(CivilTime.iso8601Basic(seconds))
    }

    /// Parses RFC 1123 with a UTC zone (`Sun, 06 Nov 1994 08:49:37 GMT`) into seconds since the epoch.
    private static func parseHTTPDate(_ u: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard u.count >= 29, u.count <= 31, u[3] == UInt8(ascii: ","), u[4] == 0x20, u[7] == 0x20,
            u[11] == 0x20, u[16] == 0x20, u[19] == UInt8(ascii: ":"), u[22] == UInt8(ascii: ":"),
            u[25] == 0x20,
            Self.weekdays.contains(where: { $0.elementsEqual(u[0..<3]) }),
            let monthIndex = Self.months.firstIndex(where: { $0.elementsEqual(u[8..<11]) }),
            let day = number(u, 5, 2), let year = number(u, 12, 4), let hour = number(u, 17, 2),
            let minute = number(u, 20, 2), let second = number(u, 23, 2),
            Self.utcZones.contains(where: { $0.elementsEqual(u[26...]) })
        else { return nil }
        return CivilTime.seconds(
            year: year, month: monthIndex + 1, day: day, hour: hour, minute: minute, second: second)
    }

    /// Creates a timestamp from seconds since the epoch.
    public init(secondsSinceEpoch: Int64) {
        self.secondsSinceEpoch = secondsSinceEpoch
        self.iso8601Basic = Substring(CivilTime.iso8601Basic(secondsSinceEpoch))
    }

    private static let weekdays: [[UInt8]] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].map { Array($0.utf8) }
    private static let months: [[UInt8]] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ].map { Array($0.utf8) }
    private static let utcZones: [[UInt8]] = ["GMT", "UTC", "+0000", "-0000"].map { Array($0.utf8) }
}

/// Proleptic Gregorian calendar arithmetic in UTC, without Foundation (Howard Hinnant's algorithms).
package enum CivilTime {
    /// Seconds since the epoch, or `nil` when a field is out of range (no leap seconds).
    static func seconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int64? {
        guard isValidDate(year: year, month: month, day: day), (0...23).contains(hour),
            (0...59).contains(minute), (0...59).contains(second)
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// The day (since 1970-01-01) that `bytes[range]` names as `YYYYMMDD`, `nil` when it is not a
    /// real calendar day from 1970 to 9999.
    static func day(yyyymmdd bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        guard range.count == 8 else { return nil }
        var value = 0
        for index in range {
            let byte = bytes[index]
            guard ASCII.isDigit(byte) else { return nil }
            value = value * 10 + Int(byte &- 0x30)
        }
        let (year, month, day) = (value / 10_000, value / 100 % 100, value % 100)
        guard isValidDate(year: year, month: month, day: day) else { return nil }
        return daysFromCivil(year: year, month: month, day: day)
    }

    static func isValidDate(year: Int, month: Int, day: Int) -> Bool {
        guard (1970...9999).contains(year), (1...12).contains(month), day >= 1 else { return false }
        let length: Int
        switch month {
        case 2: length = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: length = 30
        default: length = 31
        }
        return day <= length
    }

    package static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The UTC calendar fields of a time in seconds since the epoch.
    package static func fields(
        _ seconds: Int64
    ) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let secondOfDay = Int(seconds - Int64(days) * 86_400)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day, secondOfDay / 3600, secondOfDay % 3600 / 60, secondOfDay % 60)
    }

    /// Appends the low `width` decimal digits of `value`, zero-padded.
    static func appendDigits(_ value: Int, width: Int, to out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        while divisor > 0 {
            out.append(UInt8(truncatingIfNeeded: 0x30 + (value / divisor) % 10))
            divisor /= 10
        }
    }

    /// `YYYYMMDDTHHMMSSZ` for a time in seconds since the epoch.
    static func iso8601Basic(_ seconds: Int64) -> String {
        let time = fields(seconds)
        return String(unsafeUninitializedCapacity: 16) { out in
            var position = 0
            func put(_ value: Int, width: Int) {
                var value = value
                for offset in stride(from: width - 1, through: 0, by: -1) {
                    out[position + offset] = UInt8(truncatingIfNeeded: 0x30 + value % 10)
                    value /= 10
                }
                position += width
            }
            put(time.year, width: 4)
            put(time.month, width: 2)
            put(time.day, width: 2)
            out[position] = UInt8(ascii: "T")
            position += 1
            put(time.hour, width: 2)
            put(time.minute, width: 2)
            put(time.second, width: 2)
            out[position] = UInt8(ascii: "Z")
            return position + 1
        }
    }
}

/// UTC time formatting shared by the audit log and the signer.
public enum UTCTime {
    /// RFC 3339 with milliseconds: `2026-01-15T12:34:56.789Z`.
    public static func rfc3339(millisecondsSinceEpoch ms: Int64) -> String {
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let time = CivilTime.fields(seconds)
        var out: [UInt8] = []
        out.reserveCapacity(24)
        CivilTime.appendDigits(time.year, width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        CivilTime.appendDigits(time.month, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        CivilTime.appendDigits(time.day, width: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        CivilTime.appendDigits(time.hour, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        CivilTime.appendDigits(time.minute, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        CivilTime.appendDigits(time.second, width: 2, to: &out)
        out.append(UInt8(ascii: "."))
        CivilTime.appendDigits(Int(ms - seconds * 1000), width: 3, to: &out)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }
}
