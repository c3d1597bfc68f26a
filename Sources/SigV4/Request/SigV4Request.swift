/// One header line as it arrived on the wire: the name in any letter case and the raw value.
public struct HeaderField: Hashable, Sendable {
    /// The header name as sent (compared case-insensitively).
    public var name: String
    /// The header value as sent, before any trimming.
    public var value: String

    /// Creates a header field.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// Whether the name is `lowercasedName` in any ASCII letter case.
    public func hasName(_ lowercasedName: String) -> Bool {
        ASCII.equalsIgnoringCase(name.utf8, lowercasedName.utf8)
    }

    /// Whether the value equals `other` in ASCII letter case (host names).
    public func valueEqualsIgnoringCase(_ other: String) -> Bool {
        ASCII.equalsIgnoringCase(value.utf8, other.utf8)
    }
}

/// A request as a proxy sees it: the raw pieces SigV4 signs, before any decoding.
///
/// The path and query are kept exactly as they appear on the request line, because SigV4's
/// canonical form is defined over the wire bytes (S3 encodes the path once, other services twice).
/// Headers keep their arrival order and duplicates, because repeated headers are joined with `,`
/// in arrival order.
///
/// ```swift
/// let request = SigV4Request(
///     method: "GET",
///     requestTarget: "/my-bucket/key?versionId=1",
///     headers: [HeaderField("Host", "s3.us-east-1.amazonaws.com"), …])
/// ```
public struct SigV4Request: Sendable {
    /// The HTTP method, as sent.
    public var method: String
    /// The path part of the request target, percent-encoded as on the wire, without the query.
    public var rawPath: String
    /// The query part of the request target without the leading `?` (empty when there is none).
    public var rawQuery: String
    /// Every header line in arrival order, duplicates included.
    public var headers: [HeaderField]

    /// Creates a request from its separate parts.
    public init(method: String, rawPath: String, rawQuery: String, headers: [HeaderField]) {
        self.method = method
        self.rawPath = rawPath
        self.rawQuery = rawQuery
        self.headers = headers
    }

    /// Creates a request from a request target (`/path?query`), split at the first `?`.
    ///
    /// A fragment (`#…`) never reaches a server; if one is present it is dropped.
    public init(method: String, requestTarget: String, headers: [HeaderField]) {
        var target = Substring(requestTarget)
        if let hash = target.utf8.firstIndex(of: UInt8(ascii: "#")) {
            target = target[..<hash]
        }
        if let question = target.utf8.firstIndex(of: UInt8(ascii: "?")) {
            self.rawPath = String(target[..<question])
            self.rawQuery = String(target[target.utf8.index(after: question)...])
        } else {
            self.rawPath = String(target)
            self.rawQuery = ""
        }
        self.method = method
        self.headers = headers
    }

    /// The values of every header whose name equals `lowercasedName` case-insensitively, in order.
    public func headerValues(_ lowercasedName: String) -> [String] {
        var values: [String] = []
        for field in headers where field.hasName(lowercasedName) {
            values.append(field.value)
        }
        return values
    }

    /// The single value of a header, `nil` when absent; `.multiple` when it appears more than once.
    func singleHeaderValue(_ lowercasedName: String) -> SingleValue {
        var found: String?
        for field in headers where field.hasName(lowercasedName) {
            if found != nil { return .multiple }
            found = field.value
        }
        if let found { return .one(found) }
        return .none
    }

    /// The result of looking up a header that must appear at most once.
    enum SingleValue {
        case none
        case one(String)
        case multiple
    }
}

/// Byte-level ASCII helpers used on the hot path instead of Foundation or regular expressions.
enum ASCII {
    @inline(__always)
    static func lower(_ byte: UInt8) -> UInt8 {
        (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
    }

    static func equalsIgnoringCase<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
        guard a.count == b.count else { return false }
        // Native strings: compare the two buffers directly rather than through two view iterators.
        let direct = a.withContiguousStorageIfAvailable { left in
            b.withContiguousStorageIfAvailable { right in
                for index in 0..<left.count where lower(left[index]) != lower(right[index]) { return false }
                return true
            }
        }
        if let direct, let result = direct { return result }
        return zip(a, b).allSatisfy { lower($0) == lower($1) }
    }

    static func hasPrefixIgnoringCase<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ prefix: B) -> Bool {
        guard a.count >= prefix.count else { return false }
        return zip(a, prefix).allSatisfy { lower($0) == lower($1) }
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    @inline(__always)
    static func isLowerHex(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= 0x61 && byte <= 0x66)
    }

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// Parses a run of decimal digits into an integer; `nil` when empty, non-digit or too long.
    static func parseDecimal<C: Collection<UInt8>>(_ bytes: C, maxDigits: Int = 18) -> Int? {
        guard !bytes.isEmpty, bytes.count <= maxDigits else { return nil }
        var value = 0
        for byte in bytes {
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    /// Calls `body` with each part of `text` between `separator` bytes (empty parts included),
    /// without allocating an array of parts.
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

    /// Whether the `separator`-separated list `list` has an element equal to `name` — byte for byte,
    /// or in any ASCII letter case with `ignoringCase` — scanning the bytes in place (no parts made).
    static func list(
        _ list: Substring, separator: UInt8, contains name: some StringProtocol, ignoringCase: Bool = false
    ) -> Bool {
        func scan(_ bytes: UnsafeBufferPointer<UInt8>, _ wanted: UnsafeBufferPointer<UInt8>) -> Bool {
            var start = 0
            while start <= bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != separator { end += 1 }
                let part = UnsafeBufferPointer(rebasing: bytes[start..<end])
                if ignoringCase ? equalsIgnoringCase(part, wanted) : part.elementsEqual(wanted) { return true }
                start = end + 1
            }
            return false
        }
        var list = list
        var name = String(name)
        return list.withUTF8 { bytes in name.withUTF8 { wanted in scan(bytes, wanted) } }
    }

    /// Trims spaces and tabs from both ends.
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
