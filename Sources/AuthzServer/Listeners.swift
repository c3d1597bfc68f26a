internal import AuthzHTTP
internal import Foundation
package import Logging
package import NIOCore
internal import NIOExtras
internal import NIOHTTP1
internal import NIOPosix
internal import ServiceLifecycle
internal import Synchronization

/// ServerQuiescingHelper is documented as usable from any thread (it locks internally) but is not
/// marked Sendable; this box states that.
final class QuiescingBox: @unchecked Sendable {
    let helper: ServerQuiescingHelper
    init(group: any EventLoopGroup) { helper = ServerQuiescingHelper(group: group) }
}

/// A listener's connections and its shutdown: graceful (stop accepting, `ChannelShouldQuiesceEvent`
/// on every connection, `drained` once the last has closed) and forced, when the service group's
/// grace period is over and it cancels the listener (every connection still open is closed).
final class ListenerShutdown: Sendable {
    private struct State {
        var started = false
        var forced = false
        var connections: [ObjectIdentifier: any Channel] = [:]
    }

    let quiescing: QuiescingBox
    /// Succeeds when the server channel and every connection have closed.
    let drained: EventLoopPromise<Void>
    private let state = Mutex(State())

    init(group: any EventLoopGroup) {
        quiescing = QuiescingBox(group: group)
        drained = group.next().makePromise(of: Void.self)
    }

    /// What ``register(_:limit:)`` did with a new connection.
    enum Admission {
        /// Tracked until it closes.
        case admitted
        /// Closed at once: `limit` connections were already open.
        case overLimit
        /// Closed at once: shutdown was forced.
        case shutDown
    }

    /// Tracks a new connection until it closes, or closes it at once when shutdown was forced or
    /// `limit` connections are already open.
    func register(_ channel: any Channel, limit: Int = .max) -> Admission {
        let id = ObjectIdentifier(channel)
        let admission = state.withLock { state -> Admission in
            if state.forced { return .shutDown }
            guard state.connections.count < limit else { return .overLimit }
            state.connections[id] = channel
            return .admitted
        }
        guard case .admitted = admission else {
            channel.close(promise: nil)
            return admission
        }
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.state.withLock { $0.connections.removeValue(forKey: id) }
        }
        return .admitted
    }

    /// Graceful shutdown (once).
    func begin() {
        let first = state.withLock { state in
            defer { state.started = true }
            return !state.started
        }
        if first { quiescing.helper.initiateShutdown(promise: drained) }
    }

    /// The grace period is over: close every connection left.
    func force() {
        begin()
        let open = state.withLock { state in
            state.forced = true
            return Array(state.connections.values)
        }
        for channel in open { channel.close(promise: nil) }
    }
}

/// A TCP listener whose connections are set up by `initializer`. It stops accepting on graceful
/// shutdown, lets open connections finish (they get `ChannelShouldQuiesceEvent`), and returns when
/// the last one has closed — or, when the service group cancels it at the end of the grace period,
/// closes the connections left and returns.
///
/// It holds at most `maxConnections` connections (`server.max_connections`): one more is accepted
/// and closed at once, before any byte is read or written, and reported to `onRefused` (a
/// counter), so a flood of connections costs one descriptor each only for as long as it takes to
/// close it.
package struct Listener: Service {
    /// What the listener serves, for logs.
    package let name: String
    let address: ListenAddress
    let group: any EventLoopGroup
    let logger: Logger
    let initializer: @Sendable (any Channel) throws -> Void
    let onBound: @Sendable (SocketAddress) -> Void
    let maxConnections: Int
    let onRefused: @Sendable () -> Void

    /// Creates a listener.
    package init(
        name: String, address: ListenAddress, group: any EventLoopGroup, logger: Logger,
        onBound: @escaping @Sendable (SocketAddress) -> Void = { _ in }, maxConnections: Int = .max,
        onRefused: @escaping @Sendable () -> Void = {},
        initializer: @escaping @Sendable (any Channel) throws -> Void
    ) {
        self.maxConnections = maxConnections
        self.onRefused = onRefused
        self.name = name
        self.address = address
        self.group = group
        self.logger = logger
        self.initializer = initializer
        self.onBound = onBound
    }

    /// Listens until shutdown.
    /// - Throws: ``ServerError`` when the address cannot be bound.
    package func run() async throws {
        let shutdown = ListenerShutdown(group: group)
        let initializer = self.initializer
        let maxConnections = self.maxConnections
        let onRefused = self.onRefused
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 1024)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            shutdown.quiescing.helper.makeServerChannelHandler(channel: channel))
                    }
                }
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.allowRemoteHalfClosure, value: false)
                .childChannelInitializer { channel in
                    switch shutdown.register(channel, limit: maxConnections) {
                    case .admitted:
                        return channel.eventLoop.makeCompletedFuture { try initializer(channel) }
                    case .overLimit:
                        onRefused()
                        return channel.eventLoop.makeSucceededVoidFuture()
                    case .shutDown:
                        return channel.eventLoop.makeSucceededVoidFuture()
                    }
                }
                .bind(host: address.host, port: address.port)
                .get()
        } catch {
            shutdown.drained.succeed()
            throw ServerError("cannot listen on \(address) (\(name)): \(error)")
        }
        if let local = channel.localAddress { onBound(local) }
        let shown = channel.localAddress.map { local in
            local.ipAddress.map { $0.contains(":") ? "[\($0)]:\(local.port ?? 0)" : "\($0):\(local.port ?? 0)" }
                ?? "\(local)"
        }
        logger.info("listening", metadata: ["listener": "\(name)", "address": "\(shown ?? "?")"])
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await channel.closeFuture.get()
                try await shutdown.drained.futureResult.get()
            } onGracefulShutdown: {
                shutdown.begin()
            }
        } onCancel: {
            shutdown.force()
        }
        logger.info("stopped", metadata: ["listener": "\(name)"])
    }
}
