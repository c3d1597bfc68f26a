import AuthzCore
import HTTP2TestSupport
import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
import NIOTLS
import Testing

@testable import AuthzHTTP

/// The bounds on slow and stalled clients, on the pipeline in an `EmbeddedChannel` with its clock
/// advanced by hand: the request timeout (a request head, a body or an h2c preface trickled a byte
/// at a time: each byte resets the idle timer, so only a bound on the whole request ends it), the
/// TLS handshake timeout, and the HTTP/2 header list limit before the client acknowledges SETTINGS.
/// Tests/Abuse drives the same over real sockets.
@Suite("Slow and stalled clients")
struct SlowClientTests {
    static var configuration: HTTPCheckConfiguration {
        var configuration = HTTPCheckConfiguration()
        configuration.requestTimeoutSeconds = 2
        configuration.idleTimeoutSeconds = 30
        return configuration
    }

    @Test("an HTTP/1.1 head trickled past the request timeout: 408, then the close")
    func http1HeadTrickled() throws {
        let connection = try EmbeddedConnection(configuration: Self.configuration)
        let loop = connection.channel.embeddedEventLoop
        for byte in "GET /envoy/k.txt HTTP/1.1\r\nHost: ".utf8 {
            try connection.send(bytes: [byte])
            loop.advanceTime(by: .milliseconds(50))
        }
        #expect(connection.channel.isActive)
        #expect(try connection.written().isEmpty)
        loop.advanceTime(by: .seconds(1))
        let answer = String(decoding: try connection.written(), as: UTF8.self)
        #expect(answer.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"), "\(answer)")
        #expect(!connection.channel.isActive)
        #expect(connection.authorizer.requests.isEmpty)
    }

    @Test("an HTTP/1.1 body trickled past the request timeout: 408, then the close")
    func http1BodyTrickled() throws {
        let connection = try EmbeddedConnection(configuration: Self.configuration)
        let loop = connection.channel.embeddedEventLoop
        try connection.send("PUT /envoy/k.txt HTTP/1.1\r\nHost: \(Requests.s3Host)\r\nContent-Length: 100\r\n\r\n")
        for _ in 0..<19 {
            try connection.send("x")
            loop.advanceTime(by: .milliseconds(100))
        }
        #expect(connection.channel.isActive)
        loop.advanceTime(by: .milliseconds(100))
        let answer = String(decoding: try connection.written(), as: UTF8.self)
        #expect(answer.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"), "\(answer)")
        #expect(!connection.channel.isActive)
        #expect(connection.authorizer.requests.isEmpty)
    }

    @Test("a request over the body limit answered early, its rest trickled: closed at the timeout, no 408 after")
    func http1DrainTrickled() throws {
        var configuration = Self.configuration
        configuration.maxBodyBytes = 16
        let connection = try EmbeddedConnection(configuration: configuration)
        let loop = connection.channel.embeddedEventLoop
        try connection.send(
            "PUT /envoy/k.txt HTTP/1.1\r\nHost: \(Requests.s3Host)\r\nContent-Length: 1000\r\n\r\n"
                + String(repeating: "x", count: 32))
        let answers = try connection.responses()
        try #require(answers.count == 1, "\(answers)")
        #expect(answers[0].header("connection") == "close")
        for _ in 0..<19 {
            try connection.send("x")
            loop.advanceTime(by: .milliseconds(100))
        }
        #expect(connection.channel.isActive)
        #expect(try connection.written().isEmpty)
        loop.advanceTime(by: .milliseconds(100))
        #expect(!connection.channel.isActive)
        // Closed without a 408 after the answer. (What the HTTP codec writes as the channel closes mid-body,
        // its 400, reaches an EmbeddedChannel's outbound buffer; a closed socket drops it.)
        let after = String(decoding: try connection.written(), as: UTF8.self)
        #expect(!after.contains("408"), "\(after)")
    }

    @Test("the request timeout bounds a request, not a keep-alive connection between requests")
    func http1KeepAlive() throws {
        let connection = try EmbeddedConnection(configuration: Self.configuration)
        let loop = connection.channel.embeddedEventLoop
        try connection.send(Requests.http1("GET", "/envoy/k.txt", headers: Requests.signedHeaders()))
        #expect(try connection.responses().map(\.status) == [200])
        loop.advanceTime(by: .seconds(5))
        #expect(connection.channel.isActive)
        try connection.send(Requests.http1("GET", "/envoy/k.txt", headers: Requests.signedHeaders()))
        #expect(try connection.responses().map(\.status) == [200])
        loop.advanceTime(by: .seconds(5))
        #expect(connection.channel.isActive)
    }

    @Test("an h2c preface trickled past the request timeout: the connection closes")
    func prefaceTrickled() throws {
        let connection = try EmbeddedConnection(configuration: Self.configuration)
        let loop = connection.channel.embeddedEventLoop
        for byte in "PRI * HTTP/2.0\r\n".utf8 {
            try connection.send(bytes: [byte])
            loop.advanceTime(by: .milliseconds(100))
        }
        #expect(connection.channel.isActive)
        loop.advanceTime(by: .milliseconds(500))
        #expect(!connection.channel.isActive)
    }

    @Test("an h2c request never ended: 408 and RST_STREAM at the request timeout, never decided")
    func h2cRequestTimeout() throws {
        let wire = try H2CWire(configuration: Self.configuration)
        defer { wire.finish() }
        try wire.send(1, .headers(.init(headers: H2CWire.requestHeaders(method: "PUT", path: "/envoy/k.txt"))))
        try wire.send(1, .data(.init(data: .byteBuffer(ByteBuffer(string: "x")))))
        try wire.pump()
        #expect(try wire.received().isEmpty)
        wire.server.embeddedEventLoop.advanceTime(by: .seconds(2))
        try wire.pump()
        let frames = on(1, try wire.received())
        try #require(frames.count == 2, "\(frames)")
        let head = try #require(frames[0].headerBlock)
        #expect(head.headers.first(name: ":status") == "408")
        #expect(head.endStream)
        #expect(frames[1].resetCode == .noError)
        #expect(wire.authorizer.requests.isEmpty)
        #expect(wire.server.isActive)
    }

    @Test("h2c: a header list over max_header_bytes before the SETTINGS ACK is refused 431, never decided")
    func h2cHeaderListBeforeAck() throws {
        var configuration = Self.configuration
        configuration.maxHeaderBytes = 8192
        // Without the handshake the server reads the request before the client's SETTINGS ACK, while
        // NIOHTTP2Handler's decoder still allows its default 16 KiB.
        let wire = try H2CWire(configuration: configuration, handshake: false)
        defer { wire.finish() }
        let large = [("x-large", String(repeating: "l", count: 12_000))]
        try wire.send(
            1, .headers(.init(headers: H2CWire.requestHeaders(path: "/envoy/k.txt", extra: large), endStream: true)))
        try wire.pump()
        let frames = on(1, try wire.received())
        let head = try #require(frames.first?.headerBlock, "\(frames)")
        #expect(head.headers.first(name: ":status") == "431")
        #expect(head.headers.first(name: "x-sigv4-authz-decision") == nil)
        #expect(wire.authorizer.requests.isEmpty)
    }

    @Test("a TLS handshake that does not complete within its timeout closes the connection")
    func tlsHandshakeStalls() throws {
        let channel = EmbeddedChannel(handler: TLSHandshakeDeadline(timeout: .seconds(2)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40_000)).wait()
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1900))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(100))
        #expect(!channel.isActive)
    }

    @Test("a completed TLS handshake disarms the deadline and removes the handler")
    func tlsHandshakeCompletes() throws {
        let channel = EmbeddedChannel(handler: TLSHandshakeDeadline(timeout: .seconds(2)))
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40_000)).wait()
        channel.pipeline.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: "h2"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(channel.isActive)
        #expect(throws: (any Error).self) {
            _ = try channel.pipeline.syncOperations.handler(type: TLSHandshakeDeadline.self)
        }
    }
}
