internal import Foundation
internal import SigV4

/// The parts of a request that classification reads, decoded once. A class: the resolver and the
/// deriver each keep it, and a reference is one retain where the fields would be a dozen.
final class WireRequest {
    let method: String
    let rawPath: String
    /// Query parameters, percent-decoded, in order.
    let query: [(name: String, value: String)]
    let request: SigV4Request
    /// The complete body, or `nil` when the proxy did not pass all of it.
    let body: [UInt8]?
    /// The lower-cased names of the headers the proxy passes, when it passes only some (Squid):
    /// another header is unknown, not absent. `nil`: every header is here.
    let knownHeaderNames: Set<String>?

    /// The body as the service parses it: `nil` when it was not seen whole, or when a
    /// `Content-Encoding` (other than `identity`) is applied, which the classifier does not decode.
    let readableBody: [UInt8]?
    /// The media type of `Content-Type` without parameters, lower case; `nil` when absent.
    let contentType: String?

    init(_ request: SigV4Request, body: [UInt8]?, knownHeaderNames: Set<String>? = nil) {
        self.method = request.method
        self.rawPath = request.rawPath
        self.query = FormDecoding.pairs(request.rawQuery)
        self.request = request
        self.body = body
        self.knownHeaderNames = knownHeaderNames
        self.readableBody = WireRequest.readable(body, request: request, knownHeaderNames: knownHeaderNames)
        self.contentType = WireRequest.mediaType(request)
    }

    private static func readable(_ body: [UInt8]?, request: SigV4Request, knownHeaderNames: Set<String>?) -> [UInt8]? {
        guard let body else { return nil }
        for field in request.headers where field.hasName("content-encoding") {
            let value = field.value
            if value.utf8.allSatisfy({ $0 < 0x80 }) {
                guard asciiEqualsIgnoringCase(trimmed(Substring(value).utf8), "identity") else { return nil }
            } else if value.trimmingASCIIWhitespace().lowercased() != "identity" {
                return nil
            }
        }
        if knownHeaderNames.map({ !$0.contains("content-encoding") }) ?? false { return nil }
        return body
    }

    /// `Content-Type` up to its first `;` (a leading run of `;` skipped), trimmed and lower-cased.
    private static func mediaType(_ request: SigV4Request) -> String? {
        var value: String?
        for field in request.headers where field.hasName("content-type") {
            value = field.value
            break
        }
        guard let value else { return nil }
        guard value.utf8.allSatisfy({ $0 < 0x80 }) else {
            return value.split(separator: ";", maxSplits: 1).first.map { $0.trimmingASCIIWhitespace().lowercased() }
        }
        let utf8 = value.utf8
        guard let start = utf8.firstIndex(where: { $0 != UInt8(ascii: ";") }) else { return nil }
        let end = utf8[start...].firstIndex(of: UInt8(ascii: ";")) ?? utf8.endIndex
        let media = trimmed(utf8[start..<end])
        if !media.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) { return String(Substring(media)) }
        return String(decoding: media.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// ASCII bytes without leading and trailing spaces and tabs.
    private static func trimmed(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        var bytes = bytes
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes = bytes.dropLast() }
        return bytes
    }

    private static func asciiEqualsIgnoringCase(_ bytes: Substring.UTF8View, _ lowercased: StaticString) -> Bool {
        guard bytes.count == lowercased.utf8CodeUnitCount else { return false }
        return lowercased.withUTF8Buffer { expected in
            zip(bytes, expected).allSatisfy { ($0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0) == $1 }
        }
    }

    /// Whether the presence of a header is known: always, unless the proxy passes only some headers.
    func isKnown(header lowercasedName: String) -> Bool {
        knownHeaderNames?.contains(lowercasedName) ?? true
    }

    func queryValues(_ name: String) -> [String] {
        query.filter { $0.name == name }.map(\.value)
    }

    func hasQuery(_ name: String) -> Bool { query.contains { $0.name == name } }

    func header(_ lowercasedName: String) -> [String] { request.headerValues(lowercasedName) }

    /// The first value of a header and how many times it appears (no array made).
    func headerValue(_ lowercasedName: String) -> (first: String?, count: Int) {
        request.headerValue(lowercasedName)
    }

    /// Whether the request has a header named `lowercasedName` (builds nothing).
    func hasHeader(_ lowercasedName: String) -> Bool {
        request.headers.contains { $0.hasName(lowercasedName) }
    }

}

/// `application/x-www-form-urlencoded` and query-string decoding (`+` is a space here, as in forms).
enum FormDecoding {
    static func pairs(_ text: String) -> [(name: String, value: String)] {
        guard !text.isEmpty else { return [] }
        var result: [(String, String)] = []
        for piece in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            result.append((decode(parts[0]), parts.count > 1 ? decode(parts[1]) : ""))
        }
        return result
    }

    /// A form or query name or value decoded (`+` is a space, a bad escape stays as it is, invalid
    /// UTF-8 becomes U+FFFD).
    static func decode(_ text: Substring) -> String {
        PercentDecoding.string(keepingBadEscapes: text, plusAsSpace: true)
    }

    /// Percent-decoding of a path segment (`+` stays `+`; bad escapes and invalid UTF-8 as in
    /// ``decode(_:)``).
    static func decodePathSegment(_ text: Substring) -> String {
        PercentDecoding.string(keepingBadEscapes: text, plusAsSpace: false)
    }

    /// Whether a body starts with a UTF-8 byte-order mark (which parsers strip or keep differently).
    static func hasByteOrderMark(_ body: [UInt8]) -> Bool {
        body.count >= 3 && body[0] == 0xEF && body[1] == 0xBB && body[2] == 0xBF
    }
}

extension StringProtocol {
    /// The text with ASCII letters lower-cased, other bytes as they are (names compared without
    /// letter case: JSON keys, query and form parameters).
    func asciiLowercased() -> String {
        guard utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return String(self) }
        return String(decoding: utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    func trimmingASCIIWhitespace() -> String {
        var s = Substring(self)
        while let first = s.first, first == " " || first == "\t" { s = s.dropFirst() }
        while let last = s.last, last == " " || last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
