public import SigV4

/// Which transport asked.
public enum AuthzMode: String, Sendable, Hashable {
    /// Envoy ext_authz over gRPC.
    case grpc
    /// Envoy ext_authz in HTTP mode.
    case envoyHTTP = "envoy-http"
    /// nginx auth_request (and other proxies that forward the original request's headers).
    case nginx
    /// Squid's `external_acl_type` helper (`sigv4-authz squid-helper`).
    case squid
    /// The `check` command line.
    case cli
}

/// The original request a proxy asks about, independent of how it asked.
public struct AuthzRequest: Sendable {
    /// The HTTP method.
    public var method: String
    /// The authority (`Host` / `:authority`), as sent.
    public var host: String
    /// The raw request target: path and query, as on the request line.
    public var target: String
    /// The original request's headers in order (the `Host` header may or may not be among them).
    public var headers: [HeaderField]
    /// The complete body, or `nil` when the proxy did not forward it.
    public var body: [UInt8]?
    /// The client address the proxy reports, if any.
    public var sourceAddress: String?
    /// The client identity the proxy reports (mTLS URI SAN), if any.
    public var principal: String?
    /// Which transport asked.
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
        method: String, host: String, target: String, headers: [HeaderField], body: [UInt8]? = nil,
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
