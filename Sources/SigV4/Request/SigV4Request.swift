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
        // Most names differ in length: that test needs neither buffer.
        guard name.utf8.count == lowercasedName.utf8.count else { return false }
        return ASCII.equalsIgnoringCase(name, lowercasedName)
    }

    /// Whether the value equals `other` in ASCII letter case (host names).
    public func valueEqualsIgnoringCase(_ other: String) -> Bool {
        ASCII.equalsIgnoringCase(value, other)
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
        // The two offsets from the bytes in place, then one slice each.
        func split(_ bytes: UnsafeBufferPointer<UInt8>) -> (question: Int?, end: Int) {
            let end = ASCII.firstIndex(of: UInt8(ascii: "#"), in: bytes, from: 0, to: bytes.count)
            let question = ASCII.firstIndex(of: UInt8(ascii: "?"), in: bytes, from: 0, to: end)
            return (question < end ? question : nil, end)
        }
        let utf8 = requestTarget.utf8
        let (question, end) =
            utf8.withContiguousStorageIfAvailable(split) ?? Array(utf8).withUnsafeBufferPointer(split)
        let endIndex = utf8.index(utf8.startIndex, offsetBy: end)
        if let question {
            let questionIndex = utf8.index(utf8.startIndex, offsetBy: question)
            self.rawPath = String(Substring(utf8[..<questionIndex]))
            self.rawQuery = String(Substring(utf8[utf8.index(after: questionIndex)..<endIndex]))
        } else {
            self.rawPath = end == utf8.count ? requestTarget : String(Substring(utf8[..<endIndex]))
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

    /// The value of the first header whose name equals `lowercasedName` case-insensitively, `nil` when
    /// there is none (no array made).
    public func firstHeaderValue(_ lowercasedName: String) -> String? {
        for field in headers where field.hasName(lowercasedName) { return field.value }
        return nil
    }

    /// The first value of the header named `lowercasedName` (in any letter case) and how many times
    /// the header appears: what ``headerValues(_:)`` says of a header that must appear at most once,
    /// without an array.
    public func headerValue(_ lowercasedName: String) -> (first: String?, count: Int) {
        var first: String?
        var count = 0
        let length = lowercasedName.utf8.count
        // By index, the length compared first: a field of another length is neither copied nor
        // retained.
        for index in headers.indices
        where headers[index].name.utf8.count == length && headers[index].hasName(lowercasedName) {
            if count == 0 { first = headers[index].value }
            count += 1
        }
        return (first, count)
    }

    /// Whether a header named `lowercasedName` (in any letter case) is present.
    public func hasHeader(_ lowercasedName: String) -> Bool {
        headers.contains { $0.hasName(lowercasedName) }
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

/// HTTP tokens (RFC 9110 `token`): what header names and methods are made of.
package enum HTTPToken {
    /// Whether `byte` is a `tchar`.
    package static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// Whether `text` is a non-empty token.
    package static func isToken(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(isTokenByte)
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

    /// Whether two strings are equal in ASCII letter case, comparing their bytes in place: small
    /// strings too (whose UTF-8 view has no contiguous storage, which sent the generic form above
    /// through two iterators).
    static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        var a = a
        var b = b
        return a.withUTF8 { left in
            b.withUTF8 { right in
                for index in 0..<left.count where lower(left[index]) != lower(right[index]) { return false }
                return true
            }
        }
    }

    /// Whether `bytes` equal `lowercased` (a lower-case literal) in any ASCII letter case.
    @inline(__always)
    static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ lowercased: StaticString) -> Bool {
        let count = lowercased.utf8CodeUnitCount
        guard bytes.count == count else { return false }
        let literal = lowercased.utf8Start
        for index in 0..<count where lower(bytes[index]) != literal[index] { return false }
        return true
    }

    /// Whether the lower-case literal `lowercased` is `name` in any ASCII letter case, comparing the
    /// lengths first (no buffer is made for a name of another length).
    @inline(__always)
    static func nameEquals(_ name: String, _ lowercased: StaticString) -> Bool {
        let utf8 = name.utf8
        guard utf8.count == lowercased.utf8CodeUnitCount else { return false }
        return utf8.withContiguousStorageIfAvailable { equalsIgnoringCase($0, lowercased) }
            ?? equalsIgnoringCase(
                utf8, UnsafeBufferPointer(start: lowercased.utf8Start, count: lowercased.utf8CodeUnitCount))
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The offset of the first `byte` in `bytes[start..<end]`, or `end`: eight bytes per step.
    @inline(__always)
    static func firstIndex(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var index = start
        if let base = bytes.baseAddress {
            let pattern = ones &* UInt64(byte)
            while index &+ 8 <= end {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)) ^ pattern
                let found = (word &- ones) & ~word & highBits
                if found != 0 { return index &+ found.trailingZeroBitCount / 8 }
                index &+= 8
            }
        }
        while index < end, bytes[index] != byte { index &+= 1 }
        return index
    }

    /// Whether `bytes` holds only printable ASCII and tabs (no other control byte, no byte ≥ 0x7F).
    static func isPrintableOrTab(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        let end = bytes.count
        if let base = bytes.baseAddress {
            while index &+ 8 <= end {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
                // A byte below 0x20, or one of 0x7F…0xFF: look at those eight bytes one by one.
                let below = (word &- ones &* 0x20) & ~word & highBits
                let high = (word | (word &+ ones)) & highBits
                if below | high != 0 {
                    for offset in index..<(index &+ 8) where !isPrintableOrTab(bytes[offset]) { return false }
                }
                index &+= 8
            }
        }
        while index < end {
            guard isPrintableOrTab(bytes[index]) else { return false }
            index &+= 1
        }
        return true
    }

    /// Whether every byte of `bytes` is a lower-case hex digit (`0-9`, `a-f`): eight bytes per step.
    static func isLowerHex(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        let end = bytes.count
        if let base = bytes.baseAddress {
            while index &+ 8 <= end {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
                guard word & highBits == 0 else { return false }
                // Each byte is below 0x80, so adding less than 0x80 never carries into the next byte:
                // the high bit of byte + (0x80 - n) says whether byte >= n.
                let digit = (word &+ ones &* 0x50) & ~(word &+ ones &* 0x46)
                let letter = (word &+ ones &* 0x1F) & ~(word &+ ones &* 0x19)
                guard (digit | letter) & highBits == highBits else { return false }
                index &+= 8
            }
        }
        while index < end {
            guard isLowerHex(bytes[index]) else { return false }
            index &+= 1
        }
        return true
    }

    @inline(__always)
    private static func isPrintableOrTab(_ byte: UInt8) -> Bool { (byte >= 0x20 && byte < 0x7F) || byte == 0x09 }

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
