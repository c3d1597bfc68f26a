internal import Foundation
internal import SigV4

/// The parts of a request that classification reads, decoded once.
struct WireRequest {
    let method: String
    let rawPath: String
    /// Query parameters, percent-decoded, in order.
    let query: [(name: String, value: String)]
    let request: SigV4Request
    let body: [UInt8]?

    init(_ request: SigV4Request, body: [UInt8]?) {
        self.method = request.method
        self.rawPath = request.rawPath
        self.query = FormDecoding.pairs(request.rawQuery)
        self.request = request
        self.body = body
    }

    func queryValues(_ name: String) -> [String] {
        query.filter { $0.name == name }.map(\.value)
    }

    func hasQuery(_ name: String) -> Bool { query.contains { $0.name == name } }

    func header(_ lowercasedName: String) -> [String] { request.headerValues(lowercasedName) }

    /// The media type of `Content-Type` without parameters, lower case; `nil` when absent.
    var contentType: String? {
        guard let value = header("content-type").first else { return nil }
        return value.split(separator: ";", maxSplits: 1).first.map { $0.trimmingASCIIWhitespace().lowercased() }
    }

    /// Whether the request says it has a body (`Content-Length` > 0 or `Transfer-Encoding`).
    var declaresBody: Bool {
        if !header("transfer-encoding").isEmpty { return true }
        if let length = header("content-length").first { return length.trimmingASCIIWhitespace() != "0" }
        return false
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

    static func decode(_ text: Substring) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "+") {
                out.append(0x20)
            } else if byte == UInt8(ascii: "%"), iterator.count >= 2, let high = hex(iterator[iterator.startIndex]),
                let low = hex(iterator[iterator.startIndex + 1])
            {
                out.append(high << 4 | low)
                iterator = iterator.dropFirst(2)
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Percent-decoding of a path segment (`+` stays `+`).
    static func decodePathSegment(_ text: Substring) -> String {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return String(text) }
        var out: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%"), iterator.count >= 2, let high = hex(iterator[iterator.startIndex]),
                let low = hex(iterator[iterator.startIndex + 1])
            {
                out.append(high << 4 | low)
                iterator = iterator.dropFirst(2)
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}

extension StringProtocol {
    func trimmingASCIIWhitespace() -> String {
        var s = Substring(self)
        while let first = s.first, first == " " || first == "\t" { s = s.dropFirst() }
        while let last = s.last, last == " " || last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
