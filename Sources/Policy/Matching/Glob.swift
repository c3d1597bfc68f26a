/// A compiled `*` / `?` pattern, specialised to the cheapest matcher that does the job.
///
/// `*` matches any run of characters (also empty), `?` exactly one; everything else is literal.
/// Matching works on UTF-8 bytes (`?` matches one byte: patterns and facts are ASCII in practice).
public struct Glob: Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        case any
        case literal([UInt8])
        case prefix([UInt8])
        case suffix([UInt8])
        case contains([UInt8])
        case general([UInt8])
    }

    let kind: Kind
    /// The pattern as written.
    public let pattern: String

    /// Compiles `pattern`; with `caseInsensitive` the pattern is lower-cased (facts must be too).
    public init(_ pattern: String, caseInsensitive: Bool = false) {
        let text = caseInsensitive ? pattern.lowercased() : pattern
        self.pattern = pattern
        let bytes = Array(text.utf8)
        let stars = bytes.filter { $0 == UInt8(ascii: "*") }.count
        let hasQuestion = bytes.contains(UInt8(ascii: "?"))
        if bytes.allSatisfy({ $0 == UInt8(ascii: "*") }), !bytes.isEmpty {
            kind = .any
        } else if stars == 0, !hasQuestion {
            kind = .literal(bytes)
        } else if !hasQuestion, stars == 1, bytes.last == UInt8(ascii: "*") {
            kind = .prefix(Array(bytes.dropLast()))
        } else if !hasQuestion, stars == 1, bytes.first == UInt8(ascii: "*") {
            kind = .suffix(Array(bytes.dropFirst()))
        } else if !hasQuestion, stars == 2, bytes.count > 2, bytes.first == UInt8(ascii: "*"),
            bytes.last == UInt8(ascii: "*")
        {
            kind = .contains(Array(bytes.dropFirst().dropLast()))
        } else {
            kind = .general(bytes)
        }
    }

    public var description: String { pattern }

    /// Whether the pattern is a single `*` (matches everything, also unknown facts).
    public var isWildcard: Bool { kind == .any }

    /// The literal text when the pattern has no wildcard.
    public var literal: String? {
        if case .literal(let bytes) = kind { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    /// Whether `value` matches.
    public func matches(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { matches(bytes: $0) }
    }

    func matches(bytes value: UnsafeBufferPointer<UInt8>) -> Bool {
        switch kind {
        case .any: return true
        case .literal(let literal): return value.elementsEqual(literal)
        case .prefix(let prefix): return value.count >= prefix.count && value.prefix(prefix.count).elementsEqual(prefix)
        case .suffix(let suffix): return value.count >= suffix.count && value.suffix(suffix.count).elementsEqual(suffix)
        case .contains(let needle):
            guard value.count >= needle.count else { return false }
            if needle.isEmpty { return true }
            for start in 0...(value.count - needle.count) where value[start] == needle[0] {
                if value[start..<(start + needle.count)].elementsEqual(needle) { return true }
            }
            return false
        case .general(let pattern): return Self.wildcardMatch(pattern, value)
        }
    }

    /// Iterative wildcard matching with single-star backtracking: O(n·m) worst case, no recursion.
    static func wildcardMatch(_ pattern: [UInt8], _ value: UnsafeBufferPointer<UInt8>) -> Bool {
        var p = 0
        var v = 0
        var starP = -1
        var starV = 0
        while v < value.count {
            if p < pattern.count,
                pattern[p] == UInt8(ascii: "?") || (pattern[p] != UInt8(ascii: "*") && pattern[p] == value[v])
            {
                p += 1
                v += 1
            } else if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                starP = p
                starV = v
                p += 1
            } else if starP >= 0 {
                p = starP + 1
                starV += 1
                v = starV
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}
