/// The `identity:` section: IAM as the identity provider of internal services.
///
/// Requests to ``hosts`` are authenticated by an identity token — the aws-iam-authenticator format,
/// `k8s-aws-v1.` and a presigned `sts:GetCallerIdentity` URL that signs the audience header — instead
/// of SigV4. The token is checked offline, then verified by STS once per token, and statements with
/// `principals_arn` decide on the caller's ARN. See `docs/identity.md`.
public struct Identity: Sendable, Hashable {
    /// Where the token is read from.
    public enum TokenLocation: Sendable, Hashable {
        /// `Authorization: Bearer <token>`.
        case authorization
        /// A header (lower case) whose whole value is the token.
        case header(String)
        /// A cookie of this name.
        case cookie(String)
    }

    /// The value the audience header must carry (the service's name; `aws eks get-token`'s cluster name).
    public var audience: String
    /// Host patterns (lower case, the port dropped) of the services whose requests carry identity tokens.
    public var hosts: [String]
    /// The signed header naming the audience, lower case.
    public var audienceHeader = "x-k8s-aws-id"
    /// Where the token is read from.
    public var token = TokenLocation.authorization
    /// The partitions whose STS endpoints tokens may name.
    public var partitions = ["aws"]
    /// Region patterns of the STS endpoints tokens may name (`*`: every known region).
    public var regions = ["*"]
    /// How old a token may be (its `X-Amz-Date`), in seconds: 1…900.
    public var maxTokenAgeSeconds: Int64 = 900
    /// How far in the future a token's `X-Amz-Date` may be, in seconds.
    public var maxClockSkewSeconds: Int64 = 300
    /// Where verification requests go instead of the token's host (an STS VPC endpoint); the `Host`
    /// header stays the token's.
    public var stsEndpoint: String?
    /// The deadline of one STS call, in milliseconds.
    public var stsTimeoutMilliseconds: Int64 = 5000
    /// Whether the token goes on to the service (by default the token header is removed upstream: a
    /// token is a bearer credential for every service of the same audience while it lives).
    public var forwardToken = false
    /// Where the section is.
    public var position: SourcePosition

    /// The partitions an identity token's STS endpoint may be in.
    public static let knownPartitions = [
        "aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc",
    ]

    /// Creates the section with its defaults.
    public init(audience: String, hosts: [String], position: SourcePosition) {
        self.audience = audience
        self.hosts = hosts
        self.position = position
    }

    /// The name of the header the token is in (`authorization` for bearer tokens, `cookie` for cookies).
    public var tokenHeaderName: String {
        switch token {
        case .authorization: "authorization"
        case .header(let name): name
        case .cookie: "cookie"
        }
    }
}
