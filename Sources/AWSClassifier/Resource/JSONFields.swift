/// Reads the string values of named top-level fields of a JSON object, without building the document.
///
/// The scanner validates the whole body as JSON (RFC 8259) and returns `nil` when it is not an
/// object, is malformed, is nested deeper than 64 levels, or names a wanted field twice (a duplicate
/// key could be read differently by the service, so it is never resolved here).
enum JSONFields {
    static func strings(in body: [UInt8], named names: Set<String>) -> [String: String]? {
        var scanner = Scanner(bytes: body)
        scanner.skipWhitespace()
        guard scanner.peek() == UInt8(ascii: "{") else { return nil }
        var result: [String: String] = [:]
        guard scanner.object(depth: 0, capture: names, into: &result) else { return nil }
        scanner.skipWhitespace()
        return scanner.atEnd && !scanner.duplicate ? result : nil
    }

    struct Scanner {
        let bytes: [UInt8]
        var index = 0
        var duplicate = false

        init(bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index == bytes.count }
        func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while let b = peek(), b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { index += 1 }
        }

        mutating func expect(_ byte: UInt8) -> Bool {
            guard peek() == byte else { return false }
            index += 1
            return true
        }

        mutating func object(depth: Int, capture: Set<String>, into result: inout [String: String]) -> Bool {
            guard depth < 64, expect(UInt8(ascii: "{")) else { return false }
            skipWhitespace()
            if expect(UInt8(ascii: "}")) { return true }
            while true {
                skipWhitespace()
                guard let key = string() else { return false }
                skipWhitespace()
                guard expect(UInt8(ascii: ":")) else { return false }
                skipWhitespace()
                if depth == 0, capture.contains(key) {
                    if result[key] != nil { duplicate = true }
                    if peek() == UInt8(ascii: "\"") {
                        guard let value = string() else { return false }
                        result[key] = value
                    } else {
                        guard value(depth: depth + 1) else { return false }
                    }
                } else {
                    guard value(depth: depth + 1) else { return false }
                }
                skipWhitespace()
                if expect(UInt8(ascii: ",")) { continue }
                return expect(UInt8(ascii: "}"))
            }
        }

        mutating func value(depth: Int) -> Bool {
            guard depth < 64, let b = peek() else { return false }
            switch b {
            case UInt8(ascii: "{"):
                var ignored: [String: String] = [:]
                return object(depth: depth, capture: [], into: &ignored)
            case UInt8(ascii: "["):
                index += 1
                skipWhitespace()
                if expect(UInt8(ascii: "]")) { return true }
                while true {
                    skipWhitespace()
                    guard value(depth: depth + 1) else { return false }
                    skipWhitespace()
                    if expect(UInt8(ascii: ",")) { continue }
                    return expect(UInt8(ascii: "]"))
                }
            case UInt8(ascii: "\""): return string() != nil
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            default: return number()
            }
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            let matches = word.withUTF8Buffer { $0.elementsEqual(bytes[index..<index + count]) }
            if matches { index += count }
            return matches
        }

        mutating func number() -> Bool {
            let start = index
            _ = expect(UInt8(ascii: "-"))
            guard let first = peek(), first >= 0x30, first <= 0x39 else { return false }
            if first == 0x30 { index += 1 } else { digits() }
            if expect(UInt8(ascii: ".")) {
                guard let d = peek(), d >= 0x30, d <= 0x39 else { return false }
                digits()
            }
            if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
                index += 1
                if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { index += 1 }
                guard let d = peek(), d >= 0x30, d <= 0x39 else { return false }
                digits()
            }
            return index > start
        }

        mutating func digits() {
            while let d = peek(), d >= 0x30, d <= 0x39 { index += 1 }
        }

        /// A JSON string, unescaped; `nil` when malformed.
        mutating func string() -> String? {
            guard expect(UInt8(ascii: "\"")) else { return nil }
            var out: [UInt8] = []
            while let b = peek() {
                index += 1
                switch b {
                case UInt8(ascii: "\""):
                    return String(validating: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let e = peek() else { return nil }
                    index += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        guard var scalar = hex4() else { return nil }
                        if (0xD800...0xDBFF).contains(scalar) {
                            guard expect(UInt8(ascii: "\\")), expect(UInt8(ascii: "u")), let low = hex4(),
                                (0xDC00...0xDFFF).contains(low)
                            else { return nil }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { return nil }
                        out.append(contentsOf: Array(String(Character(unicode)).utf8))
                    default: return nil
                    }
                default:
                    guard b >= 0x20 else { return nil }
                    out.append(b)
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = FormDecoding.hex(bytes[index]) else { return nil }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }
    }
}
