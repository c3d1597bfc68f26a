internal import AuthzHTTP
internal import Foundation
public import Logging
public import NIOCore
internal import NIOExtras
internal import NIOHTTP1
internal import NIOPosix
public import ServiceLifecycle

/// A `host:port` to listen on.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    /// Parses `0.0.0.0:8080` or `[::]:8080`.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host
        self.port = port
    }

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// ServerQuiescingHelper is documented as usable from any thread (it locks internally) but is not
/// marked Sendable; this box states that.
final class QuiescingBox: @unchecked Sendable {
    let helper: ServerQuiescingHelper
    init(group: any EventLoopGroup) { helper = ServerQuiescingHelper(group: group) }
}

/// A TCP listener whose connections are set up by `initializer`. It stops accepting on graceful
/// shutdown, lets open connections finish (they get `ChannelShouldQuiesceEvent`), and returns when
/// the last one has closed.
public struct Listener: Service {
    /// What the listener serves, for logs.
    public let name: String
    let address: ListenAddress
    let group: any EventLoopGroup
    let logger: Logger
    let initializer: @Sendable (any Channel) throws -> Void
    let onBound: @Sendable (SocketAddress) -> Void

    /// Creates a listener.
    public init(
        name: String, address: ListenAddress, group: any EventLoopGroup, logger: Logger,
        onBound: @escaping @Sendable (SocketAddress) -> Void = { _ in },
        initializer: @escaping @Sendable (any Channel) throws -> Void
    ) {
        self.name = name
        self.address = address
        self.group = group
        self.logger = logger
        self.initializer = initializer
        self.onBound = onBound
    }

    public func run() async throws {
        let quiescing = QuiescingBox(group: group)
        let initializer = self.initializer
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        quiescing.helper.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: false)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try initializer(channel) }
            }
            .bind(host: address.host, port: address.port)
            .get()
        if let local = channel.localAddress { onBound(local) }
        let shown = channel.localAddress.map { local in
            local.ipAddress.map { $0.contains(":") ? "[\($0)]:\(local.port ?? 0)" : "\($0):\(local.port ?? 0)" }
                ?? "\(local)"
        }
        logger.info("listening", metadata: ["listener": "\(name)", "address": "\(shown ?? "?")"])
        let drained = channel.eventLoop.makePromise(of: Void.self)
        try await withGracefulShutdownHandler {
            try await channel.closeFuture.get()
            try await drained.futureResult.get()
        } onGracefulShutdown: {
            quiescing.helper.initiateShutdown(promise: drained)
        }
        logger.info("stopped", metadata: ["listener": "\(name)"])
    }
}
