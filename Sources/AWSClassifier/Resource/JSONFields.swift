internal import SigV4

/// A JSON document (RFC 8259) read strictly enough that the service cannot read it differently.
///
/// ``parse(_:)`` returns `nil` — the body is unreadable, every fact from it unknown — when the bytes
/// are not exactly one JSON value: malformed, a byte-order mark, nesting deeper than 64 levels, a
/// lone surrogate, or an object that names a key twice. Keys are compared after unescaping and
/// without regard to ASCII letter case (`"TableName"` and `"table\u004eame"` or `"tablename"` are one
/// key twice): a parser that keeps the first, the last or folds case would each read another table.
package indirect enum JSONValue: Sendable, Equatable {
    /// An object's members, in document order.
    case object([Member])
    case array([JSONValue])
    case string(String)
    /// A number, `true`, `false` or `null` (classification never reads their values).
    case scalar

    /// One member of an object.
    package struct Member: Sendable, Equatable {
        package let key: String
        package let value: JSONValue
    }

    /// The deepest nesting of objects and arrays accepted.
    static let maximumDepth = 64

    /// Parses a whole body; `nil` when it is not one unambiguous JSON value.
    package static func parse(_ bytes: [UInt8]) -> JSONValue? {
        var scanner = JSONScanner(bytes: bytes)
        scanner.skipWhitespace()
        guard let value = scanner.value(depth: 0) else { return nil }
        scanner.skipWhitespace()
        return scanner.atEnd ? value : nil
    }

    /// The value of a member of an object; `nil` when this is not an object or it has no such member.
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        for member in members where member.key == key { return member.value }
        return nil
    }

    /// The string, when this is one.
    var string: String? {
        if case .string(let text) = self { text } else { nil }
    }

    /// The elements, when this is an array.
    var elements: [JSONValue]? {
        if case .array(let values) = self { values } else { nil }
    }

    /// The members, when this is an object.
    var members: [Member]? {
        if case .object(let members) = self { members } else { nil }
    }
}

/// Reads the string values of named top-level fields of a JSON object.
enum JSONFields {
    /// The named top-level string fields of an object; `nil` when the body is unreadable
    /// (``JSONValue/parse(_:)``) or is not an object.
    static func strings(in body: [UInt8], named names: Set<String>) -> [String: String]? {
        guard let document = JSONValue.parse(body), let members = document.members else { return nil }
        var result: [String: String] = [:]
        for member in members where names.contains(member.key) {
            if let text = member.value.string { result[member.key] = text }
        }
        return result
    }
}

/// The byte-level reader behind ``JSONValue/parse(_:)``.
struct JSONScanner {
    let bytes: [UInt8]
    var index = 0

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

    mutating func value(depth: Int) -> JSONValue? {
        guard let b = peek() else { return nil }
        switch b {
        case UInt8(ascii: "{"):
            guard depth < JSONValue.maximumDepth else { return nil }
            return object(depth: depth + 1)
        case UInt8(ascii: "["):
            guard depth < JSONValue.maximumDepth else { return nil }
            index += 1
            skipWhitespace()
            var elements: [JSONValue] = []
            if expect(UInt8(ascii: "]")) { return .array(elements) }
            while true {
                skipWhitespace()
                guard let element = value(depth: depth + 1) else { return nil }
                elements.append(element)
                skipWhitespace()
                if expect(UInt8(ascii: ",")) { continue }
                return expect(UInt8(ascii: "]")) ? .array(elements) : nil
            }
        case UInt8(ascii: "\""): return string().map(JSONValue.string)
        case UInt8(ascii: "t"): return literal("true") ? .scalar : nil
        case UInt8(ascii: "f"): return literal("false") ? .scalar : nil
        case UInt8(ascii: "n"): return literal("null") ? .scalar : nil
        default: return number() ? .scalar : nil
        }
    }

    mutating func object(depth: Int) -> JSONValue? {
        guard expect(UInt8(ascii: "{")) else { return nil }
        skipWhitespace()
        var members: [JSONValue.Member] = []
        if expect(UInt8(ascii: "}")) { return .object(members) }
        var seen: Set<String> = []
        while true {
            skipWhitespace()
            guard let key = string() else { return nil }
            // A key named twice, in any letter case, is read differently by different parsers.
            guard seen.insert(key.asciiLowercased()).inserted else { return nil }
            skipWhitespace()
            guard expect(UInt8(ascii: ":")) else { return nil }
            skipWhitespace()
            guard let value = value(depth: depth) else { return nil }
            members.append(JSONValue.Member(key: key, value: value))
            skipWhitespace()
            if expect(UInt8(ascii: ",")) { continue }
            return expect(UInt8(ascii: "}")) ? .object(members) : nil
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

    /// A JSON string, unescaped; `nil` when malformed (bad escape, lone surrogate, control byte,
    /// invalid UTF-8).
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
            guard let digit = Hex.value(ofDigit: bytes[index]) else { return nil }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}
