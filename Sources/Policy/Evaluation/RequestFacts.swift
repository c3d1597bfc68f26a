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
