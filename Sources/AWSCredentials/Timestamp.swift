internal import SigV4

/// The ISO 8601 times of credential answers (`2019-11-06T21:29:39Z`, STS's `2011-07-15T23:28:33.359Z`,
/// an offset such as `+00:00`) as seconds since the epoch, and back.
///
/// Proleptic Gregorian arithmetic (Howard Hinnant's `days_from_civil` / `civil_from_days`), no
/// Foundation formatter: the formats are fixed and a parser that accepts nothing else fails closed.
package enum Timestamp {
    /// Seconds since the epoch of `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, fraction dropped; `nil`
    /// for anything else.
    package static func seconds(iso8601 text: String) -> Int64? {
        let b = Array(text.utf8)
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
            b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"), b[13] == UInt8(ascii: ":"),
            b[16] == UInt8(ascii: ":"),
            let year = number(b, 0, 4), let month = number(b, 5, 2), let day = number(b, 8, 2),
            let hour = number(b, 11, 2), let minute = number(b, 14, 2), let second = number(b, 17, 2)
        else { return nil }
        var index = 19
        if index < b.count, b[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < b.count, isDigit(b[index]) { index += 1 }
            guard index > start, index - start <= 9 else { return nil }
        }
        var offset = 0
        guard index < b.count else { return nil }
        switch b[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard b.count == index + 6, b[index + 3] == UInt8(ascii: ":"), let hours = number(b, index + 1, 2),
                let minutes = number(b, index + 4, 2), hours <= 23, minutes <= 59
            else { return nil }
            offset = (hours * 3600 + minutes * 60) * (b[index] == UInt8(ascii: "+") ? 1 : -1)
            index += 6
        default:
            return nil
        }
        guard index == b.count, (1970...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= daysIn(month: month, year: year), hour <= 23, minute <= 59, second <= 59
        else { return nil }
        let days = CivilTime.daysFromCivil(year: year, month: month, day: day)
        return Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second - offset)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the epoch.
    package static func iso8601(seconds: Int64) -> String {
        let time = CivilTime.fields(seconds)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let yearText = String(time.year)
        let paddedYear = String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText
        return
            "\(paddedYear)-\(two(time.month))-\(two(time.day))T\(two(time.hour)):\(two(time.minute)):\(two(time.second))Z"
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func number(_ b: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start + count <= b.count else { return nil }
        var value = 0
        for index in start..<(start + count) {
            guard isDigit(b[index]) else { return nil }
            value = value * 10 + Int(b[index] - 0x30)
        }
        return value
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
