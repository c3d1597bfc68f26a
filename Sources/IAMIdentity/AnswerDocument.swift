internal import AWSClassifier

/// STS's answer read into its string leaves by path (`GetCallerIdentityResponse/GetCallerIdentityResult/Arn`),
/// from JSON or XML, strictly: `nil` when the body is not one well-formed document, nests deeper than
/// ``maximumDepth``, or names a leaf (or a JSON key, in any letter case) twice. Anything a reader
/// could read two ways is unreadable.
enum AnswerDocument {
    /// The deepest nesting read.
    static let maximumDepth = 16

    /// The leaves of `body`: JSON when its first non-blank byte is `{`, else XML.
    static func leaves(of body: [UInt8]) -> [String: String]? {
        let first = body.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        if first == UInt8(ascii: "{") {
            var reader = JSONLeaves(bytes: body)
            return reader.read()
        }
        return xmlLeaves(of: body)
    }

    /// The character data of every element without children, by path, trimmed.
    static func xmlLeaves(of body: [UInt8]) -> [String: String]? {
        var reader = XMLReader(bytes: body)
        reader.skipWhitespace()
        if reader.startsWith("<?xml") {
            guard reader.skip(past: "?>") else { return nil }
        }
        var stack: [(name: String, hasChildren: Bool)] = []
        var leaves: [String: String] = [:]
        var sawRoot = false
        while true {
            reader.skipWhitespace()
            if reader.atEnd { return stack.isEmpty && sawRoot ? leaves : nil }
            if reader.startsWith("<") {
                switch reader.tag() {
                case .open(let name)?:
                    guard !(stack.isEmpty && sawRoot), stack.count < maximumDepth else { return nil }
                    if !stack.isEmpty { stack[stack.count - 1].hasChildren = true }
                    stack.append((name, false))
                    sawRoot = true
                case .close(let name)?:
                    guard let top = stack.last, top.name == name else { return nil }
                    if !top.hasChildren {
                        let path = stack.map(\.name).joined(separator: "/")
                        guard leaves[path] == nil else { return nil }
                        leaves[path] = ""
                    }
                    stack.removeLast()
                case nil:
                    return nil
                }
            } else {
                guard let top = stack.last, !top.hasChildren, let text = reader.text() else { return nil }
                let path = stack.map(\.name).joined(separator: "/")
                guard leaves[path] == nil else { return nil }
                leaves[path] = trimmed(text)
                guard case .close(let name)? = reader.tag(), name == top.name else { return nil }
                stack.removeLast()
            }
        }
    }

    static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
            let last = scalars.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(scalars[first...last])
    }
}

/// A strict JSON (RFC 8259) reader keeping the string leaves of objects by path. Arrays, numbers,
/// `true`, `false` and `null` are read and not kept.
struct JSONLeaves {
    let bytes: [UInt8]
    var index = 0
    var leaves: [String: String] = [:]

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// The leaves; `nil` when the body is not exactly one readable JSON value.
    mutating func read() -> [String: String]? {
        skipWhitespace()
        guard value(path: "", depth: 0) else { return nil }
        skipWhitespace()
        return index == bytes.count ? leaves : nil
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let b = peek(), b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { index += 1 }
    }

    private mutating func expect(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        index += 1
        return true
    }

    private mutating func value(path: String, depth: Int) -> Bool {
        guard let b = peek(), depth < AnswerDocument.maximumDepth else { return false }
        switch b {
        case UInt8(ascii: "{"):
            index += 1
            skipWhitespace()
            if expect(UInt8(ascii: "}")) { return true }
            var seen: Set<String> = []
            while true {
                skipWhitespace()
                guard let key = string(), seen.insert(key.lowercased()).inserted else { return false }
                skipWhitespace()
                guard expect(UInt8(ascii: ":")) else { return false }
                skipWhitespace()
                guard value(path: path.isEmpty ? key : path + "/" + key, depth: depth + 1) else { return false }
                skipWhitespace()
                if expect(UInt8(ascii: ",")) { continue }
                return expect(UInt8(ascii: "}"))
            }
        case UInt8(ascii: "["):
            index += 1
            skipWhitespace()
            if expect(UInt8(ascii: "]")) { return true }
            while true {
                skipWhitespace()
                // Elements are not kept: an array's path is its own and never a leaf.
                guard value(path: path + "[]", depth: depth + 1) else { return false }
                skipWhitespace()
                if expect(UInt8(ascii: ",")) { continue }
                return expect(UInt8(ascii: "]"))
            }
        case UInt8(ascii: "\""):
            guard let text = string() else { return false }
            guard !path.contains("[]") else { return true }
            guard leaves[path] == nil else { return false }
            leaves[path] = text
            return true
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number()
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let matches = word.withUTF8Buffer { $0.elementsEqual(bytes[index..<index + count]) }
        if matches { index += count }
        return matches
    }

    private mutating func number() -> Bool {
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

    private mutating func digits() {
        while let d = peek(), d >= 0x30, d <= 0x39 { index += 1 }
    }

    /// A string, unescaped; `nil` when malformed (bad escape, lone surrogate, control byte, invalid UTF-8).
    private mutating func string() -> String? {
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

    private mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}
