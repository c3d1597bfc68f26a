internal import Foundation

@testable import AWSClassifier
@testable import SigV4

/// The parts of a request that classification reads, decoded once.
struct LegacyWireRequest {
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

    init(_ request: SigV4Request, body: [UInt8]?, knownHeaderNames: Set<String>? = nil) {
        self.method = request.method
        self.rawPath = request.rawPath
        self.query = LegacyFormDecoding.pairs(request.rawQuery)
        self.request = request
        self.body = body
        self.knownHeaderNames = knownHeaderNames
    }

    /// The body as the service parses it: `nil` when it was not seen whole, or when a
    /// `Content-Encoding` (other than `identity`) is applied, which the classifier does not decode.
    var readableBody: [UInt8]? {
        guard let body else { return nil }
        for value in header("content-encoding") where value.legacyTrimmingASCIIWhitespace().lowercased() != "identity" {
            return nil
        }
        if knownHeaderNames.map({ !$0.contains("content-encoding") }) ?? false { return nil }
        return body
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

    /// The media type of `Content-Type` without parameters, lower case; `nil` when absent.
    var contentType: String? {
        guard let value = header("content-type").first else { return nil }
        return value.split(separator: ";", maxSplits: 1).first.map { $0.legacyTrimmingASCIIWhitespace().lowercased() }
    }
}

/// `application/x-www-form-urlencoded` and query-string decoding (`+` is a space here, as in forms).
enum LegacyFormDecoding {
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
    func legacyASCIILowercased() -> String {
        guard utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return String(self) }
        return String(decoding: utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    func legacyTrimmingASCIIWhitespace() -> String {
        var s = Substring(self)
        while let first = s.first, first == " " || first == "\t" { s = s.dropFirst() }
        while let last = s.last, last == " " || last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
