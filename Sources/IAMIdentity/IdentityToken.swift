public import SigV4

/// An identity token (`k8s-aws-v1.` + base64url of a presigned `sts:GetCallerIdentity` URL, the
/// format of aws-iam-authenticator and `aws eks get-token`) that passed every offline check.
///
/// The token itself is not kept: ``digest`` is its SHA-256, and ``host`` and ``query`` are what
/// verification sends to STS.
public struct IdentityToken: Sendable {
    /// The SHA-256 of the token's text.
    public let digest: TokenDigest
    /// The STS host of the URL, lower case, without a trailing dot (`sts.us-east-1.amazonaws.com`).
    public let host: String
    /// The URL's raw query, sent to STS byte for byte.
    public let query: String
    /// The credential scope's region.
    public let region: String
    /// The host's partition id (`aws`).
    public let partition: String
    /// The access key id of the credential.
    public let accessKeyID: String
    /// The account owning ``accessKeyID``, derived offline.
    public let account: AWSAccountID
    /// `X-Amz-Date`, seconds since the epoch.
    public let signedAt: Int64
    /// ``signedAt`` + the rules' maximum age: until when a verification of this token is reused.
    public let expiresAt: Int64
    /// The audience the token is checked for: the configured one, sent to STS in ``audienceHeader``.
    public let audience: String
    /// The lower-case name of the header the audience is sent in.
    public let audienceHeader: String

    /// The presigned URL verification sends to STS.
    public var url: String { "https://\(host)/?\(query)" }

    /// Reads `token` and holds it to every offline rule of `rules` at time `now` (seconds since the epoch).
    ///
    /// - Throws: ``IdentityTokenError`` naming the first rule broken.
    public static func parse(
        _ token: Substring, rules: IdentityTokenRules, now: Int64
    ) throws(IdentityTokenError)
        -> IdentityToken
    {
        throw IdentityTokenError(.prefix, "identity tokens are not read yet")
    }
}
