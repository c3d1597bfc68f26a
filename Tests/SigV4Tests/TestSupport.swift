import Foundation
import SigV4
import Testing

/// A request in the wire form the committed oracle vectors use.
struct WireRequest: Codable, Sendable {
    var method: String
    var path: String
    var query: String
    var headers: [[String]]
    var body_base64: String

    var sigV4Request: SigV4Request {
        SigV4Request(
            method: method, rawPath: path, rawQuery: query,
            headers: headers.map { HeaderField($0[0], $0.count > 1 ? $0[1] : "") })
    }

    var body: [UInt8] { Array(Data(base64Encoded: body_base64) ?? Data()) }
}

/// One signed request from an oracle (botocore or the AWS CRT) with its expected results.
struct OracleVector: Codable, Sendable, CustomTestStringConvertible {
    struct Expected: Codable, Sendable {
        var canonical_request: String?
        var string_to_sign: String?
        var signature: String
        var signed_headers: String
        var public_key: String?
    }
    struct Negative: Codable, Sendable {
        var name: String
        var field: String
        var method: String
        var path: String
        var query: String
        var headers: [[String]]
        var body_base64: String
        var wire: WireRequest {
            WireRequest(method: method, path: path, query: query, headers: headers, body_base64: body_base64)
        }
    }

    var name: String
    var description: String
    var auth: String
    var service: String
    var region: String?
    var region_set: String?
    var access_key_id: String
    var secret_access_key: String
    var session_token: String?
    var signing_time: String
    var expires: Int?
    var method: String
    var path: String
    var query: String
    var headers: [[String]]
    var body_base64: String
    var expected: Expected
    var negatives: [Negative]

    var wire: WireRequest {
        WireRequest(method: method, path: path, query: query, headers: headers, body_base64: body_base64)
    }
    var testDescription: String { name }

    /// The signing time in seconds since the epoch.
    var signingSeconds: Int64 { AmzTimestamp(iso8601Basic: Substring(signing_time))?.secondsSinceEpoch ?? 0 }
}

struct OracleFile: Codable, Sendable {
    var vectors: [OracleVector]
}

enum Fixtures {
    /// Loads a committed vector file from the test bundle's `Vectors` folder.
    static func vectors(_ name: String) -> [OracleVector] {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Vectors"),
            let data = try? Data(contentsOf: url),
            let file = try? JSONDecoder().decode(OracleFile.self, from: data)
        else {
            return []
        }
        return file.vectors
    }

    /// The package root, found from this file's path.
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }
}

/// Parses a request and returns its SigV4 credential, recording an issue otherwise.
func sigV4Credential(
    _ request: SigV4Request, sourceLocation: SourceLocation = #_sourceLocation
) throws -> SigV4Credential {
    let authentication = try RequestAuthentication(parsing: request)
    guard case .sigV4(let credential) = authentication else {
        Issue.record("expected a SigV4 credential, got \(authentication)", sourceLocation: sourceLocation)
        throw SigV4Error(.missingField)
    }
    return credential
}

/// The error `body` throws, or `nil`.
func sigV4Error(_ body: () throws(SigV4Error) -> Void) -> SigV4Error? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}

/// The error that parsing and verifying `wire` with `secret` ends in, or `nil` when it verifies.
/// A signature that cannot be checked counts as an error (`missingField`, "not checked").
func verificationError(_ wire: WireRequest, secret: String) -> SigV4Error? {
    let request = wire.sigV4Request
    return sigV4Error { () throws(SigV4Error) in
        guard case .sigV4(let credential) = try RequestAuthentication(parsing: request) else {
            throw SigV4Error(.missingField)
        }
        let result = try SigV4Verifier.verify(request, credential: credential, secretAccessKey: secret, body: wire.body)
        if result != .verified { throw SigV4Error(.missingField, "not checked") }
    }
}
