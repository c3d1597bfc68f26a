public import AuthzCore
internal import Foundation
public import SigV4

/// A request given on the command line or in a policy test that cannot be built, and why.
public struct RequestInputError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The sentence (no position: the caller adds where the request came from).
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// The requests `sigv4-authz check` and `sigv4-authz test` decide, built one way: a raw HTTP request's
/// text, a curl-like method/URL/headers/body, and that request signed with SigV4 by this package's
/// signer.
public enum RequestInput {
    /// The authority and the request target (`/path?query`) of an absolute URL.
    public static func split(url: String) throws(RequestInputError) -> (authority: String, target: String) {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty,
            components.scheme != nil
        else {
            throw RequestInputError("the URL must be absolute, such as https://s3.amazonaws.com/bucket/key")
        }
        var authority = host
        if let port = components.port { authority += ":\(port)" }
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        let target = components.percentEncodedQuery.map { "\(path)?\($0)" } ?? path
        return (authority, target)
    }

    /// A header given as `Name: value`.
    public static func header(_ line: String) throws(RequestInputError) -> HeaderField {
        guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
            throw RequestInputError("a header must be 'Name: value'")
        }
        return HeaderField(
            String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
    }

    /// A curl-like request, as given: nothing is added (sign it with ``signed(method:url:headers:body:signer:region:service:time:)``).
    /// `body` `nil`: the body is unknown, as when a proxy does not forward it.
    public static func curl(
        method: String, url: String, headers: [HeaderField], body: [UInt8]?, mode: AuthzMode = .cli
    ) throws(RequestInputError) -> AuthzRequest {
        let (authority, target) = try split(url: url)
        return AuthzRequest(
            method: method, host: authority, target: target, headers: headers, body: RequestBody(body), mode: mode)
    }

    /// A curl-like request signed with SigV4 in the `Authorization` header at `time` (seconds since
    /// the epoch) with `signer`'s credentials, `region` and `service` in its scope, the payload hash of
    /// `body` (of an empty body when `body` is `nil`: the body is then unknown to the decision, as when
    /// a proxy does not forward it).
    public static func signed(
        method: String, url: String, headers: [HeaderField], body: [UInt8]?, signer: SigV4Signer, region: String,
        service: String, time: Int64, mode: AuthzMode = .cli
    ) throws(RequestInputError) -> AuthzRequest {
        let (authority, target) = try split(url: url)
        var request = SigV4Request(
            method: method, requestTarget: target, headers: [HeaderField("Host", authority)] + headers)
        do {
            try signer.sign(
                &request, region: region, service: service, timestamp: AmzTimestamp(secondsSinceEpoch: time),
                payloadHash: PayloadHash.sha256Hex(of: body ?? []))
        } catch {
            throw RequestInputError("the request cannot be signed: \(error.message)")
        }
        return AuthzRequest(
            method: method, host: authority, target: target,
            headers: request.headers.filter { !$0.hasName("host") }, body: RequestBody(body), mode: mode)
    }

    /// A raw HTTP request: `METHOD TARGET HTTP/1.1`, header lines (one of them `Host`), a blank line
    /// and the body (lines end with CRLF or LF). Nothing after the blank line: the body is unknown, as
    /// when a proxy does not forward it.
    public static func raw(_ bytes: [UInt8], mode: AuthzMode = .cli) throws(RequestInputError) -> AuthzRequest {
        var headerEnd = bytes.count
        var bodyStart = bytes.count
        for index in bytes.indices {
            if bytes[index...].starts(with: [0x0D, 0x0A, 0x0D, 0x0A]) {
                headerEnd = index
                bodyStart = index + 4
                break
            }
            if bytes[index...].starts(with: [0x0A, 0x0A]) {
                headerEnd = index
                bodyStart = index + 2
                break
            }
        }
        // Split on LF bytes (a String holds "\r\n" as one Character, which a split on "\n" never finds).
        var lines = bytes[..<headerEnd].split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self)
        }
        guard !lines.isEmpty, !(lines.count == 1 && lines[0].isEmpty) else {
            throw RequestInputError("the request is empty")
        }
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count == 3 else {
            throw RequestInputError("the first line must be 'METHOD /target HTTP/1.1'")
        }
        var headers: [HeaderField] = []
        var host: String?
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else {
                throw RequestInputError("'\(line)' is not a header line")
            }
            let name = String(line[..<colon])
            let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            if name.lowercased() == "host" { host = value }
            headers.append(HeaderField(name, value))
        }
        guard let host else { throw RequestInputError("the request has no Host header") }
        let body = RequestBody(bodyStart < bytes.count ? Array(bytes[bodyStart...]) : nil)
        return AuthzRequest(
            method: String(requestLine[0]), host: host, target: String(requestLine[1]), headers: headers, body: body,
            mode: mode)
    }

    /// ``raw(_:mode:)`` of the file at `path`.
    public static func rawFile(_ path: String, mode: AuthzMode = .cli) throws(RequestInputError) -> AuthzRequest {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RequestInputError("cannot read \(path)")
        }
        do {
            return try raw(Array(data), mode: mode)
        } catch {
            throw RequestInputError("\(path): \(error.message)")
        }
    }
}
