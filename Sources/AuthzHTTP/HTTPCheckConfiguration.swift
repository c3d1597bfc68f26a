internal import AuthzCore

/// How the HTTP check listener reads requests. The server builds it from its configuration's
/// `server:` section (AuthzServer's `ServerConfiguration`).
package struct HTTPCheckConfiguration: Sendable, Hashable {
    /// The path prefix of Envoy HTTP mode: `<prefix>/original/path?query`.
    package var envoyPrefix = "/envoy"
    /// The path of nginx `auth_request` (`X-Original-Method`, `X-Original-URI`, `X-Original-Host`).
    package var nginxPath = "/nginx"
    /// The largest body read for classification; larger bodies are denied (`body_too_large`).
    package var maxBodyBytes = AuthzEngine.defaultMaxBodyBytes
    /// The largest request head (request line and headers) in bytes.
    package var maxHeaderBytes = 64 << 10
    /// Seconds a connection may stay idle before it is closed.
    package var idleTimeoutSeconds: Int64 = 60
    /// Seconds a client may take to send one whole request (head and body), from its first byte; on
    /// HTTP/2 also to take the answer (a flow-control window never opened). An idle timeout that
    /// every byte resets does not stop a request trickled a byte at a time; this does.
    package var requestTimeoutSeconds: Int64 = 10
    /// Seconds a TLS client may take to complete its handshake.
    package var tlsHandshakeTimeoutSeconds: Int64 = 10
    /// The header a proxy sets to the client's address (Envoy `headers_to_add`, nginx `proxy_set_header`).
    package var clientAddressHeader = "x-sigv4-authz-client-address"
    /// The header a proxy sets to the client's mTLS identity (URI SAN).
    package var clientPrincipalHeader = "x-sigv4-authz-client-principal"

    /// The defaults of the contract.
    package init() {}
}
