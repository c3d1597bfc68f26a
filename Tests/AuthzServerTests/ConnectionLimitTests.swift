import AuthzServer
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// `server.max_connections`: a listener holding its cap accepts one connection more and closes it
/// at once (counted), keeps serving the ones it holds, and admits again once one has closed.
@Suite("Connection cap")
struct ConnectionLimitTests {
    /// Echoes what it reads: a held connection still answers.
    final class Echo: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.writeAndFlush(data, promise: nil)
        }
    }

    /// A plain TCP client: writes bytes, reads a count of them, or reads until the server closes.
    final class EchoClient: @unchecked Sendable {
        private let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        private var buffer = ByteBuffer()

        init(port: Int) async throws {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            iterator = channel.inbound.makeAsyncIterator()
        }

        func send(_ text: String) async throws { try await channel.outbound.write(ByteBuffer(string: text)) }

        /// `count` bytes, or fewer when the server closes first.
        func readBytes(count: Int) async throws -> [UInt8] {
            while buffer.readableBytes < count, var chunk = try await iterator.next() { buffer.writeBuffer(&chunk) }
            return buffer.readBytes(length: min(count, buffer.readableBytes)) ?? []
        }

        func readBytesUntilClosed() async throws -> [UInt8] {
            while var chunk = try await iterator.next() { buffer.writeBuffer(&chunk) }
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        }

        func close() async throws { try await channel.channel.close() }
    }

    @Test("connections over the cap are accepted and closed at once, and counted")
    func overTheCap() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let port = Mutex(0)
        let refused = Atomic(0)
        let listener = Listener(
            name: "test", address: ListenAddress(host: "127.0.0.1", port: 0), group: group,
            logger: Logger(label: "test"), onBound: { address in port.withLock { $0 = address.port ?? 0 } },
            maxConnections: 2, onRefused: { refused.add(1, ordering: .relaxed) },
            initializer: { channel in try channel.pipeline.syncOperations.addHandler(Echo()) })
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await listener.run() }
            defer { tasks.cancelAll() }
            var bound = 0
            for _ in 0..<200 where bound == 0 {
                try await Task.sleep(for: .milliseconds(10))
                bound = port.withLock { $0 }
            }
            try #require(bound != 0)

            let first = try await EchoClient(port: bound)
            let second = try await EchoClient(port: bound)
            try await first.send("one")
            try await second.send("two")
            #expect(try await first.readBytes(count: 3) == Array("one".utf8))
            #expect(try await second.readBytes(count: 3) == Array("two".utf8))

            let third = try await EchoClient(port: bound)
            #expect(try await third.readBytesUntilClosed().isEmpty)
            #expect(refused.load(ordering: .relaxed) == 1)

            // The held connections still answer; once one closes, a new one is admitted.
            try await first.send("again")
            #expect(try await first.readBytes(count: 5) == Array("again".utf8))
            try await second.close()
            var admitted = false
            for _ in 0..<100 where !admitted {
                let next = try await EchoClient(port: bound)
                try? await next.send("four")
                if let bytes = try? await next.readBytes(count: 4), bytes == Array("four".utf8) {
                    admitted = true
                }
                try? await next.close()
                if !admitted { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(admitted)
            try await first.close()
        }
    }
}
