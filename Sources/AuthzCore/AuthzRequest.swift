public import Policy
public import SigV4

/// The front end that asked: it selects nothing in the decision, and is reported in the audit
/// record's `mode` and the decision metrics.
public enum AuthzMode: String, Sendable, Hashable {
    /// Envoy ext_authz over gRPC.
    case grpc
    /// Envoy ext_authz in HTTP mode.
    case envoyHTTP = "envoy-http"
    /// nginx auth_request (and other proxies that forward the original request's headers).
    case nginx
    /// Squid's `external_acl_type` helper (`sigv4-authz squid-helper`).
    case squid
    /// An ICAP client (Squid's `icap_service … reqmod_precache`): the whole request, body included.
    case icap
    /// The `check` command line.
    case cli
}

/// What a front end knows of the original request's body.
public enum RequestBody: Sendable, Hashable {
    /// The proxy did not forward it (nginx `auth_request`, Squid, Envoy without `with_request_body`):
    /// every fact the body carries is unknown.
    case absent
    /// The whole body, as the proxy forwarded it.
    case complete([UInt8])
    /// The proxy forwarded part of it (Envoy's `allow_partial_message`): as unknown as ``absent``.
    case truncated
    /// The front end saw a body of this many bytes (or at least this many) and did not read it: the
    /// decision core denies the request `body_too_large`.
    case tooLarge(Int)

    /// `.complete(bytes)`, or ``absent`` for `nil`.
    public init(_ bytes: [UInt8]?) {
        self = bytes.map(RequestBody.complete) ?? .absent
    }

    /// The bytes of a complete body; `nil` otherwise.
    public var bytes: [UInt8]? {
        if case .complete(let bytes) = self { bytes } else { nil }
    }
}

/// The original request a proxy asks about, independent of how it asked: the one request type every
/// front end (HTTP/1.1, h2c, gRPC, the Squid helper, `check`) builds for the decision core.
public struct AuthzRequest: Sendable {
    /// The HTTP method.
    public var method: String
    /// The authority (`Host` / `:authority`), as sent.
    public var host: String
    /// The raw request target: path and query, as on the request line.
    public var target: String
    /// The original request's headers in order (the `Host` header may or may not be among them).
    public var headers: [HeaderField]
    /// What the front end knows of the body.
    public var body: RequestBody
    /// The client address the proxy reports, if any.
    public var sourceAddress: String?
    /// The client identity the proxy reports (mTLS URI SAN), if any.
    public var principal: String?
    /// Which front end asked.
    public var mode: AuthzMode
    /// The proxy's request id (`x-request-id`), if any.
    public var requestID: String?
    /// Whether ``headers`` holds only some of the original request's headers (Squid passes the ones its
    /// `FORMAT` names): a signed header that is absent is then unknown rather than missing, and the
    /// signature cannot be verified (it is `not_checked`; a key that requires verification is denied).
    public var headersArePartial = false
    /// With ``headersArePartial``, the lower-cased names of the headers the proxy passes (present or
    /// not): a header outside them is unknown, so what it could trigger (an S3 ACL grant, an SSE-KMS
    /// key) is assumed. `nil`: unknown, every other header is unknown.
    public var passedHeaderNames: Set<String>?

    /// Creates a request.
    public init(
        method: String, host: String, target: String, headers: [HeaderField], body: RequestBody = .absent,
        sourceAddress: String? = nil, principal: String? = nil, mode: AuthzMode, requestID: String? = nil
    ) {
        self.method = method
        self.host = host
        self.target = target
        self.headers = headers
        self.body = body
        self.sourceAddress = sourceAddress
        self.principal = principal
        self.mode = mode
        self.requestID = requestID
    }
}

/// A check the front end cannot turn into an ``AuthzRequest`` (nginx without `X-Original-*`, a Squid
/// lookup line that cannot be read): the decision core denies it with this reason, and it is counted
/// and audited like every other check.
public struct Refusal: Sendable, Hashable {
    /// Why (``ReasonCode/internalError`` when the proxy's request is unreadable).
    public var reason: ReasonCode
    /// The sentence for the deny.
    public var message: String
    /// Which front end asked.
    public var mode: AuthzMode
    /// The client address, when the front end knows it.
    public var sourceAddress: String?
    /// The proxy's request id, when the front end read one.
    public var requestID: String?

    /// Creates a refusal.
    public init(
        reason: ReasonCode, message: String, mode: AuthzMode, sourceAddress: String? = nil, requestID: String? = nil
    ) {
        self.reason = reason
        self.message = message
        self.mode = mode
        self.sourceAddress = sourceAddress
        self.requestID = requestID
    }
}
