/// One (action, resource) pair; `nil` is unknown.
public struct ActionResource: Sendable, Hashable {
    /// The IAM-style action (`s3:GetObject`), `nil` when unknown.
    public var action: String?
    /// The resource ARN, `nil` when unknown or not named.
    public var resource: String?

    /// Creates a pair.
    public init(action: String?, resource: String?) {
        self.action = action
        self.resource = resource
    }
}

/// What a policy matches on: the facts the credential checks and the classification established.
///
/// `nil` means unknown (an action whose body was not available, a resource the request does not
/// name, an account of a legacy key). Unknown facts never widen access: allow statements that
/// constrain them do not match, deny statements that constrain them do (see ``CompiledPolicy``).
public struct RequestFacts: Sendable {
    /// The signing account, 12 digits.
    public var accountID: String?
    /// The region (credential scope, cross-checked with the host).
    public var region: String?
    /// The signing name (`s3`, `monitoring`).
    public var signingName: String?
    /// The IAM prefix (`s3`, `cloudwatch`).
    public var iamPrefix: String?
    /// The IAM-style action (`s3:GetObject`), `nil` when unknown.
    public var action: String?
    /// The resource ARN, `nil` when unknown.
    public var resource: String?
    /// The host, lower case without port.
    public var host: String?
    /// The HTTP method.
    public var method: String?
    /// The client address the proxy reports.
    public var sourceAddress: IPAddress?
    /// The peer identity the proxy reports (an mTLS URI SAN such as a SPIFFE id).
    public var principal: String?
    /// The access key id.
    public var accessKeyID: String?
    /// The further (action, resource) pairs AWS authorizes for the request beyond ``action`` on
    /// ``resource``: every resource of a batch, dependent actions. The request is allowed only when
    /// every pair is; any pair matching a deny statement denies it.
    public var additionalAuthorizations: [ActionResource] = []
    /// The account that owns the resource, where the request states it (S3's
    /// `x-amz-expected-bucket-owner`, an access point host's account); `nil` when unknown.
    public var resourceAccount: String?
    /// Whether the request addresses an S3 bucket (see `s3.expected_bucket_owner`).
    public var addressesS3Bucket = false
    /// Whether the request is authenticated by an identity token (`identity:`) rather than SigV4: only
    /// statements with `principals_arn` decide it, and the `accounts:` allowlist does not apply.
    public var identityRequest = false
    /// The caller's ARNs a `principals_arn` pattern may match (the ARN STS returned and, for an
    /// assumed-role session, its role's ARN); `nil` while the caller is not verified yet.
    public var principalARNs: [String]?
    /// The request's path, percent-decoded; `nil` when it cannot be read unambiguously (an encoded `/`
    /// or `\`, a `.` or `..` segment, an empty segment, a control character, bad percent-encoding).
    public var path: String?
    /// Whether the destination's owner cannot be known (API Gateway invocations, Lambda function
    /// URLs): the `accounts:` allowlist never allows such a request, and an allow statement does only
    /// when it pins the host (``CompiledPolicy``).
    public var ownerUnverifiable = false

    /// Creates facts; every fact starts unknown.
    public init(
        accountID: String? = nil, region: String? = nil, signingName: String? = nil, iamPrefix: String? = nil,
        action: String? = nil, resource: String? = nil, host: String? = nil, method: String? = nil,
        sourceAddress: IPAddress? = nil, principal: String? = nil, accessKeyID: String? = nil
    ) {
        self.accountID = accountID
        self.region = region
        self.signingName = signingName
        self.iamPrefix = iamPrefix
        self.action = action
        self.resource = resource
        self.host = host
        self.method = method
        self.sourceAddress = sourceAddress
        self.principal = principal
        self.accessKeyID = accessKeyID
    }
}
