internal import AWSClassifier

/// STS's answer read into its string leaves by path (`GetCallerIdentityResponse/GetCallerIdentityResult/Arn`),
/// from JSON or XML, strictly: `nil` when the body is not one well-formed document, nests deeper than
/// ``maximumDepth``, or names a leaf (or a JSON key, in any letter case) twice. Anything a reader
/// could read two ways is unreadable.
package enum AnswerDocument {
    /// The deepest nesting read.
    static let maximumDepth = 16

    /// The leaves of `body`: JSON when its first non-blank byte is `{`, else XML.
    static func leaves(of body: [UInt8]) -> [String: String]? {
        let first = body.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        if first == UInt8(ascii: "{") { return jsonLeaves(of: body) }
        return xmlLeaves(of: body)
    }

    /// The string leaves of objects by path, read with AWSClassifier's strict JSON reader (one value,
    /// no key twice in any letter case, no lone surrogate); arrays, numbers, `true`, `false` and `null`
    /// are read and not kept.
    static func jsonLeaves(of body: [UInt8]) -> [String: String]? {
        guard let document = JSONValue.parse(body) else { return nil }
        var leaves: [String: String] = [:]
        func walk(_ value: JSONValue, path: String, depth: Int) -> Bool {
            guard depth < maximumDepth else { return false }
            switch value {
            case .object(let members):
                for member in members {
                    let child = path.isEmpty ? member.key : path + "/" + member.key
                    guard walk(member.value, path: child, depth: depth + 1) else { return false }
                }
                return true
            case .string(let text):
                guard leaves[path] == nil else { return false }
                leaves[path] = text
                return true
            case .array, .scalar:
                // An array's elements are never leaves; numbers and literals are not kept.
                return true
            }
        }
        return walk(document, path: "", depth: 0) ? leaves : nil
    }

    /// The character data of every element without children, by path, trimmed.
    package static func xmlLeaves(of body: [UInt8]) -> [String: String]? {
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
