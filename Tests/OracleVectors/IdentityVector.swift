package import Foundation
package import Testing

/// `identity.json` (scripts/generate-identity-vectors.py): identity tokens as `aws eks get-token`
/// mints them (awscli's TokenGenerator over botocore's presigner), at one frozen time.
package struct IdentityFile: Decodable, Sendable {
    package var botocore_version: String
    package var awscli_version: String
    /// When every token was signed (`yyyyMMdd'T'HHmmss'Z'`).
    package var time: String
    /// ``time`` in seconds since the epoch.
    package var epoch_seconds: Int64
    /// The token `aws eks get-token --cluster-name orders --region us-east-1` printed (the CLI run
    /// in-process): the generator checked it equals the `regional` vector's.
    package var cli_token: String
    package var vectors: [IdentityVector]

    /// The committed file; `nil` when it is missing or does not decode.
    package static func committed() -> IdentityFile? { CommittedVectors.decode(IdentityFile.self, "identity") }
}

/// One token and the inputs it was minted from.
package struct IdentityVector: Decodable, Sendable, CustomTestStringConvertible {
    package var name: String
    package var description: String
    package var region: String
    /// The STS host botocore chose (regional, global, FIPS, dual-stack).
    package var host: String
    /// The audience (`--cluster-name`), signed as `x-k8s-aws-id`.
    package var audience: String
    package var access_key_id: String
    package var secret_access_key: String
    package var session_token: String?
    /// The account the key id encodes, derived by the generator.
    package var account: String
    /// The presigned URL the token encodes.
    package var url: String
    /// `k8s-aws-v1.` + base64url(url) without padding.
    package var token: String

    package var testDescription: String { name }
}
