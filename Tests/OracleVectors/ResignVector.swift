package import Foundation
package import Testing

/// `resign.json` (scripts/generate-resign-vectors.py): requests as clients send them and the headers
/// botocore's signer writes when it signs each again with a role's credentials.
package struct ResignFile: Decodable, Sendable {
    /// A key pair of the file.
    package struct Keys: Decodable, Sendable {
        package var access_key_id: String
        package var secret_access_key: String
        package var session_token: String?
        package var arn: String?
    }

    package var botocore_version: String
    /// When the client signed (`yyyyMMdd'T'HHmmss'Z'`).
    package var client_time: String
    /// When the request is signed again.
    package var resign_time: String
    /// The virtual key the clients signed with.
    package var client: Keys
    /// The role's temporary credentials.
    package var role: Keys
    package var vectors: [ResignVector]

    /// The committed file; `nil` when it is missing or does not decode.
    package static func committed() -> ResignFile? { CommittedVectors.decode(ResignFile.self, "resign") }
}

/// One request and the headers botocore sets when signing it again.
package struct ResignVector: Decodable, Sendable, CustomTestStringConvertible {
    package var name: String
    package var description: String
    package var method: String
    package var path: String
    package var query: String
    /// The headers in order, `Host` first.
    package var headers: [[String]]
    /// The body, or `nil` when the proxy does not pass it.
    package var body_base64: String?
    /// Whether the client signed it (else: an unsigned request signed for it).
    package var client_signed: Bool
    package var service: String
    package var region: String
    package var expected_bucket_owner: String?
    /// `[lower-case name, value]` pairs, sorted: the headers the proxy sets.
    package var expected: [[String]]
    /// For a presigned URL: `[name, percent-encoded value]` pairs, sorted: the query parameters the
    /// proxy sets (the new signature's).
    package var expected_query: [[String]]?

    /// The body bytes, when passed.
    package var body: [UInt8]? { body_base64.flatMap { Data(base64Encoded: $0) }.map { Array($0) } }
    package var testDescription: String { name }
}
