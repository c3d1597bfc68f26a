import AWSClassifier
import AuthzCore
import AuthzHTTP2
import HTTP2TestSupport
import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
import Policy
import Testing

@testable import AuthzGRPC

/// The gRPC listener's bounds on slow and stalled clients (``HTTP2FrameServer/requestTimeout``),
/// through a real NIOHTTP2Handler on both sides, in memory, the clock advanced by hand: a message
/// trickled past the timeout is `DEADLINE_EXCEEDED`, an answer a zero window holds is reset, and a
/// connection that sends no frame is closed.
@Suite("gRPC: slow and stalled clients")
struct GRPCSlowClientTests {
    static let checkPath = "/envoy.service.auth.v3.Authorization/Check"

    static func engine() throws -> AuthzEngine {
        let config = try PolicyConfig.parse("default: deny\n", path: "slow.yaml")
        return AuthzEngine(
            policy: try CompiledPolicy(config), classifier: RequestClassifier(model: try AWSModel.bundled()))
    }

    static func wire(requestTimeout: TimeAmount = .seconds(2), handshake: Bool = true) throws -> InMemoryHTTP2 {
        let engine = try engine()
        return try InMemoryHTTP2(handshake: handshake) { server in
            let settings = GRPCConnectionHandler.initialSettings(
                maximumMessageBytes: 1 << 16, maximumHeaderBytes: 1 << 16)
            try server.pipeline.syncOperations.addHandler(
                GoAwayCloser.http2Handler(channel: server, settings: settings))
            let handler = GRPCConnectionHandler(authorizer: engine, ready: { true }, maximumMessageBytes: 1 << 16)
            handler.requestTimeout = requestTimeout
            try server.pipeline.syncOperations.addHandler(handler)
        }
    }

    static let headers = HPACKHeaders([
        (":method", "POST"), (":scheme", "http"), (":path", checkPath), (":authority", "authz"),
        ("content-type", "application/grpc"), ("te", "trailers"),
    ])

    @Test("a message trickled past the request timeout: DEADLINE_EXCEEDED, never decided")
    func trickledMessage() throws {
        let wire = try Self.wire()
        defer { wire.finish() }
        try wire.send(1, .headers(.init(headers: Self.headers)))
        try wire.send(1, .data(.init(data: .byteBuffer(ByteBuffer(bytes: [0, 0, 0, 1, 0, 0x0A])))))
        try wire.pump()
        wire.server.embeddedEventLoop.advanceTime(by: .milliseconds(1900))
        try wire.pump()
        #expect(try wire.received().isEmpty)
        wire.server.embeddedEventLoop.advanceTime(by: .milliseconds(100))
        try wire.pump()
        let frames = on(1, try wire.received())
        let trailers = try #require(frames.first?.headerBlock, "\(frames)")
        #expect(trailers.endStream)
        #expect(trailers.headers.first(name: "grpc-status") == "4")
        #expect(frames.last?.resetCode == .noError)
        #expect(wire.server.isActive)
    }

    @Test("a connection that sends no frame is closed at the request timeout")
    func noFrame() throws {
        let wire = try Self.wire(handshake: false)
        defer { wire.finish() }
        // The client's preface is never delivered: the server sees a connection and nothing else.
        wire.server.embeddedEventLoop.advanceTime(by: .milliseconds(1900))
        #expect(wire.server.isActive)
        wire.server.embeddedEventLoop.advanceTime(by: .milliseconds(100))
        #expect(!wire.server.isActive)
    }

    @Test("a connection that has sent its first frame is not closed by the first-frame bound")
    func firstFrameDisarms() throws {
        let wire = try Self.wire()
        defer { wire.finish() }
        wire.server.embeddedEventLoop.advanceTime(by: .seconds(30))
        try wire.pump()
        #expect(wire.server.isActive)
    }
}
