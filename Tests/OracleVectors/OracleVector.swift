internal import Foundation
package import SigV4
internal import Testing

/// A request in the wire form the committed oracle vectors use.
package struct VectorRequest: Codable, Sendable {
    package var method: String
    package var path: String
    package var query: String
    package var headers: [[String]]
    package var body_base64: String

    package var sigV4Request: SigV4Request {
        SigV4Request(
            method: method, rawPath: path, rawQuery: query,
            headers: headers.map { HeaderField($0[0], $0.count > 1 ? $0[1] : "") })
    }

    package var body: [UInt8] { Array(Data(base64Encoded: body_base64) ?? Data()) }
}

/// One signed request from an oracle (botocore or the AWS CRT) with its expected results.
package struct OracleVector: Codable, Sendable, CustomTestStringConvertible {
    package struct Expected: Codable, Sendable {
        package var canonical_request: String?
        package var string_to_sign: String?
        package var signature: String
        package var signed_headers: String
        package var public_key: String?
    }
    /// The request with one byte of one field changed: it must not verify.
    package struct Negative: Codable, Sendable {
        package var name: String
        package var field: String
        package var method: String
        package var path: String
        package var query: String
        package var headers: [[String]]
        package var body_base64: String
        package var wire: VectorRequest {
            VectorRequest(method: method, path: path, query: query, headers: headers, body_base64: body_base64)
        }
    }

    package var name: String
    package var description: String
    package var auth: String
    package var service: String
    package var region: String?
    package var region_set: String?
    package var access_key_id: String
    package var secret_access_key: String
    package var session_token: String?
    package var signing_time: String
    package var expires: Int?
    package var method: String
    package var path: String
    package var query: String
    package var headers: [[String]]
    package var body_base64: String
    package var expected: Expected
    package var negatives: [Negative]

    package var wire: VectorRequest {
        VectorRequest(method: method, path: path, query: query, headers: headers, body_base64: body_base64)
    }
    package var testDescription: String { name }

    /// The signing time in seconds since the epoch.
    package var signingSeconds: Int64 {
        AmzTimestamp(iso8601Basic: Substring(signing_time))?.secondsSinceEpoch ?? 0
    }
}

/// An oracle vector file: `{"vectors": [...]}`.
package struct OracleFile: Codable, Sendable {
    package var vectors: [OracleVector]
}
