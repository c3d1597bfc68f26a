/// Parses durations such as `15m`, `30s`, `1h30m`, `500ms` into whole milliseconds.
public enum DurationParser {
    /// The duration in milliseconds, or `nil` when the text is not a sequence of `<number><unit>`
    /// with units `ms`, `s`, `m`, `h`.
    public static func milliseconds(_ text: String) -> Int64? {
        var total: Int64 = 0
        var bytes = Array(text.utf8)[...]
        guard !bytes.isEmpty else { return nil }
        while !bytes.isEmpty {
            let digits = bytes.prefix { $0 >= 0x30 && $0 <= 0x39 }
            guard !digits.isEmpty, digits.count <= 9, let number = Int64(String(decoding: digits, as: UTF8.self)) else {
                return nil
            }
            bytes = bytes.dropFirst(digits.count)
            let unit = bytes.prefix { ($0 >= 0x61 && $0 <= 0x7A) }
            bytes = bytes.dropFirst(unit.count)
            switch String(decoding: unit, as: UTF8.self) {
            case "ms": total += number
            case "s": total += number * 1000
            case "m": total += number * 60_000
            case "h": total += number * 3_600_000
            default: return nil
            }
        }
        return total
    }
}
