internal import AuthzGRPC
public import AuthzHTTP
internal import GRPCCore
internal import GRPCNIOTransportHTTP2
public import Logging
public import ServiceLifecycle

/// The gRPC listener: `envoy.service.auth.v3.Authorization` and `grpc.health.v1.Health` over HTTP/2
/// (h2c). Graceful shutdown stops accepting RPCs and lets the ones in flight finish.
public struct GRPCListener: Service {
    let address: ListenAddress
    let responder: any CheckResponder
    let tls: TLSSupport?
    let maxBodyBytes: Int
    let logger: Logger
    let ready: @Sendable () -> Bool
    let onBound: @Sendable (Int) -> Void

    /// Creates the listener; `ready` answers the health service, `onBound` gets the bound port.
    /// A CheckRequest may carry a body of up to `maxBodyBytes` (larger ones are denied
    /// `body_too_large`) plus the request's headers and attributes.
    public init(
        address: ListenAddress, responder: any CheckResponder, tls: TLSSupport?, maxBodyBytes: Int,
        logger: Logger, ready: @escaping @Sendable () -> Bool, onBound: @escaping @Sendable (Int) -> Void
    ) {
        self.address = address
        self.responder = responder
        self.tls = tls
        self.maxBodyBytes = maxBodyBytes
        self.logger = logger
        self.ready = ready
        self.onBound = onBound
    }

    public func run() async throws {
        var config = HTTP2ServerTransport.Posix.Config.defaults
        // The body limit plus 1 MiB for the headers and attributes around it.
        config.rpc.maxRequestPayloadSize = maxBodyBytes + (1 << 20)
        let socket: GRPCNIOTransportCore.SocketAddress =
            address.host.contains(":")
            ? .ipv6(host: address.host, port: address.port) : .ipv4(host: address.host, port: address.port)
        let security: HTTP2ServerTransport.Posix.TransportSecurity = try tls?.grpcSecurity() ?? .plaintext
        let transport = HTTP2ServerTransport.Posix(address: socket, transportSecurity: security, config: config)
        let server = GRPCServer(
            transport: transport,
            services: [AuthorizationService(responder: responder), HealthService(ready: ready)])
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await server.serve() }
                let bound = try await transport.listeningAddress
                let port = bound.ipv4?.port ?? bound.ipv6?.port ?? address.port
                onBound(port)
                logger.info("listening", metadata: ["listener": "grpc", "address": "\(address.host):\(port)"])
            }
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
        logger.info("stopped", metadata: ["listener": "grpc"])
    }
}
