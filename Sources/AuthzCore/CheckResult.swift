public import AWSClassifier
public import IAMIdentity
public import Policy
public import SigV4

/// How the request carried its credentials.
public enum AuthenticationKind: String, Sendable, Hashable {
    /// Not signed.
    case none
    /// The `Authorization` header.
    case header
    /// A presigned URL's query.
    case presigned
    /// An IAM identity token (`identity:`): a presigned `sts:GetCallerIdentity` URL, verified by STS.
    case identityToken = "identity_token"

    init(_ location: CredentialLocation) {
        switch location {
        case .header: self = .header
        case .presigned: self = .presigned
        }
    }
}

/// What became of the signature.
public enum SignatureCheck: String, Sendable, Hashable {
    /// The secret is known and the signature matches.
    case verified
    /// The secret is unknown, or the request cannot be rebuilt (a body or headers were not forwarded).
    case notChecked = "not_checked"
    /// The secret is known and the signature does not match.
    case mismatch
}

/// The outcome of one check: the decision and every fact it rests on, typed.
///
/// Nothing here is rendered: the decision headers (``DecisionHeaders``), the deny body
/// (``DenyBody/init(denying:)``), the audit record (``AuditRecord/init(_:)``), the gRPC response, the
/// Squid reply and the CLI report are plain functions of it.
public struct CheckResult: Sendable {
    /// Allow or deny, why, and the rule.
    public var decision: Decision
    /// The request id: the proxy's `x-request-id` when it is usable, else a random one.
    public var requestID: String
    /// Which front end asked.
    public var mode: AuthzMode
    /// The original request's method, authority and path (without the query, which may carry a
    /// presigned signature); `nil` for a ``Refusal``, whose request could not be read.
    public var request: (method: String, host: String, path: String)?
    /// The client address the proxy reported.
    public var sourceAddress: String?
    /// The client identity the proxy reported.
    public var principal: String?
    /// How the request was signed.
    public var authentication = AuthenticationKind.none
    /// The access key id, when the request is signed, as the request carries it: a view of the
    /// request's own text (no copy per check).
    public var accessKeyIDText: Substring?
    /// The access key id, when the request is signed.
    public var accessKeyID: String? {
        get { accessKeyIDText.map { String($0) } }
        set { accessKeyIDText = newValue.map { Substring($0) } }
    }
    /// The signer's account, derived offline from the access key id (unknown for old-generation keys
    /// and unsigned requests).
    public var account: AWSAccountID?
    /// The account's name in the configuration.
    public var accountName: String?
    /// The signature check.
    public var signature = SignatureCheck.notChecked
    /// Endpoint, service, region, operation and every (action, resource) pair, when classified.
    public var classification: Classification?
    /// The AWS error format a deny body is written in (the caller's protocol).
    public var errorFormat = AWSModel.WireProtocol.restXML
    /// When the check was decided, in milliseconds since the epoch.
    public var time: Int64
    /// How long the decision took (set by whoever timed it; 0 when untimed).
    public var latencyMicroseconds = 0
    /// On a brokered allow: the new signature and the headers the proxy sets and removes before the
    /// request goes upstream. Secrets: front ends put them in the answer to the proxy and nowhere else.
    public var upstream: UpstreamRewrite?
    /// The role a brokered request is signed again as (a verified virtual key's, or an unsigned
    /// request's to a `sign_unsigned` host), allowed or not; `nil` for every other request.
    public var brokeredRole: String?
    /// Whether the signature of a known key was not checked only because the body was not complete: a
    /// front end that can still read the body (ICAP) reads it and decides again.
    public var verificationNeedsBody = false
    /// The caller STS verified an identity token for (`identity:`), allowed or not.
    public var caller: CallerIdentity?
    /// An identity token that passed every offline rule and the offline account gate but whose
    /// verification is not at hand: the server asks STS (``CallerIdentitySource/verify(_:)``) and decides
    /// again with the answer (``AuthzEngine/decide(_:verified:)``). The decision meanwhile is a deny
    /// (`identity_unavailable`), what a caller without a server gets.
    public var pendingIdentity: IdentityToken?

    /// Creates a result.
    public init(decision: Decision, requestID: String, mode: AuthzMode, time: Int64) {
        self.decision = decision
        self.requestID = requestID
        self.mode = mode
        self.time = time
    }

    /// The message with the contract's prefix, as sent in `x-sigv4-authz-message` and deny bodies.
    public var message: String { "sigv4-authz: \(decision.message)" }
    /// The region, when classified.
    public var region: String? { classification?.region }
    /// The signing name (service), when classified.
    public var service: String? { classification?.signingName }
    /// The first pair's action, when known.
    public var action: String? { classification?.action.name }
    /// The first pair's resource, when named.
    public var resource: String? { classification?.resource }
    /// Every (action, resource) pair; one unknown pair when the request was not classified.
    public var authorizations: [ActionResource] {
        classification?.authorizations.map { ActionResource(action: $0.action.name, resource: $0.resource) }
            ?? [ActionResource(action: nil, resource: nil)]
    }
}
