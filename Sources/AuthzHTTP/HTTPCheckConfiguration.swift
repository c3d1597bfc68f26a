internal import AuthzCore

/// How the HTTP check listener reads requests. The server builds it from its configuration's
/// `server:` section (AuthzServer's `ServerConfiguration`).
public struct HTTPCheckConfiguration: Sendable, Hashable {
    /// The path prefix of Envoy HTTP mode: `<prefix>/original/path?query`.
    public var envoyPrefix = "/envoy"
    /// The path of nginx `auth_request` (`X-Original-Method`, `X-Original-URI`, `X-Original-Host`).
    public var nginxPath = "/nginx"
    /// The largest body read for classification; larger bodies are denied (`body_too_large`).
    public var maxBodyBytes = AuthzEngine.defaultMaxBodyBytes
    /// The largest request head (request line and headers) in bytes.
    public var maxHeaderBytes = 64 << 10
    /// Seconds a connection may stay idle before it is closed.
    public var idleTimeoutSeconds: Int64 = 60
    /// The header a proxy sets to the client's address (Envoy `headers_to_add`, nginx `proxy_set_header`).
    public var clientAddressHeader = "x-sigv4-authz-client-address"
    /// The header a proxy sets to the client's mTLS identity (URI SAN).
    public var clientPrincipalHeader = "x-sigv4-authz-client-principal"

    /// The defaults of the contract.
    public init() {}
}
