package import AuthzCore
internal import AuthzGRPC
internal import AuthzHTTP2
package import Logging
package import NIOCore
internal import NIOHTTP2
internal import NIOSSL
internal import ServiceLifecycle

/// The gRPC listener: `envoy.service.auth.v3.Authorization/Check` and `grpc.health.v1.Health` over
/// HTTP/2 (h2c, or TLS with ALPN `h2`), served on the connection's frames by
/// ``GRPCConnectionHandler`` — no stream channel, no task per RPC. Graceful shutdown stops accepting,
/// sends GOAWAY on every connection and lets the checks in flight finish.
package struct GRPCListener: Service {
    let listener: Listener

    /// Creates the listener; `ready` answers the health service, `onBound` gets the bound port.
    /// A CheckRequest may carry a body of up to `maxBodyBytes` (larger ones are denied
    /// `body_too_large`) plus the request's headers and attributes (1 MiB more); a larger message is
    /// refused `RESOURCE_EXHAUSTED` before it is buffered.
    package init(
        address: ListenAddress, authorizer: any Authorizer, tls: TLSSupport?, maxBodyBytes: Int,
        maxHeaderBytes: Int = 64 << 10, idleTimeoutSeconds: Int64 = 60, requestTimeoutSeconds: Int64 = 10,
        maxConnections: Int = .max, onRefused: @escaping @Sendable () -> Void = {}, group: any EventLoopGroup,
        logger: Logger, ready: @escaping @Sendable () -> Bool, onBound: @escaping @Sendable (Int) -> Void
    ) {
        let maximumMessageBytes = maxBodyBytes + (1 << 20)
        let settings = GRPCConnectionHandler.initialSettings(
            maximumMessageBytes: maximumMessageBytes, maximumHeaderBytes: maxHeaderBytes)
        let tlsContext = tls?.serverContext
        listener = Listener(
            name: "grpc", address: address, group: group, logger: logger,
            onBound: { address in onBound(address.port ?? 0) }, maxConnections: maxConnections, onRefused: onRefused,
            initializer: { channel in
                let pipeline = channel.pipeline.syncOperations
                if let tlsContext { try pipeline.addHandler(NIOSSLServerHandler(context: tlsContext)) }
                try pipeline.addHandler(GoAwayCloser.http2Handler(channel: channel, settings: settings))
                try pipeline.addHandler(IdleStateHandler(allTimeout: .seconds(idleTimeoutSeconds)))
                let handler = GRPCConnectionHandler(
                    authorizer: authorizer, ready: ready, maximumMessageBytes: maximumMessageBytes)
                // A request (and its answer) within server.request_timeout; the first frame too, which
                // bounds a TLS handshake that stalls. The header list to max_header_bytes from the start.
                handler.requestTimeout = .seconds(requestTimeoutSeconds)
                handler.maximumHeaderListBytes = maxHeaderBytes
                try pipeline.addHandler(handler)
            })
    }

    package func run() async throws {
        try await listener.run()
    }
}
