import AuthzCore
import HTTP2TestSupport
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Policy
import Testing

@testable import AuthzHTTP

/// The HTTP/1.1 server in an `EmbeddedChannel` built by ``HTTPCheckPipeline``: raw request bytes in,
/// parsed responses out, no socket.
@Suite("HTTP/1.1 check pipeline (EmbeddedChannel)")
struct HTTPCheckHandlerTests {
    static let allowed = Requests.http1("GET", "/envoy/k.txt", headers: Requests.signedHeaders())
    static let unsigned = Requests.http1("GET", "/envoy/k.txt", headers: [("Host", Requests.s3Host)])

    // MARK: Protocol detection

    @Test("an HTTP/1.1 request is answered in HTTP/1.1, however its first bytes arrive", arguments: [1, 3, 1_000])
    func http1(chunk: Int) throws {
        let connection = try EmbeddedConnection()
        defer { connection.finish() }
        var bytes = Array(Self.allowed.utf8)[...]
        while !bytes.isEmpty {
            try connection.send(bytes: Array(bytes.prefix(chunk)))
            bytes = bytes.dropFirst(chunk)
        }
        let responses = try connection.responses()
        try #require(responses.count == 1)
        #expect(responses[0].statusLine == "HTTP/1.1 200 OK")
        #expect(responses[0].header("x-sigv4-authz-decision") == "allow")
        #expect(responses[0].header("connection") == nil)
        #expect(connection.isOpen)
        #expect(connection.authorizer.requests.first?.sourceAddress == EmbeddedConnection.peer)
    }

    @Test("the h2c preface is answered with the server's SETTINGS, however it arrives", arguments: [1, 5, 24])
    func h2cPreface(chunk: Int) throws {
        let connection = try EmbeddedConnection()
        defer { connection.finish() }
        var bytes = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)[...]
        while !bytes.isEmpty {
            // Nothing is written before the whole preface is read.
            #expect(try connection.written().isEmpty)
            try connection.send(bytes: Array(bytes.prefix(chunk)))
            bytes = bytes.dropFirst(chunk)
        }
        // The client's empty SETTINGS.
        try connection.send(bytes: [0, 0, 0, 4, 0, 0, 0, 0, 0])
        let written = try connection.written()
        // Frame header: 3-byte length, type, flags, 4-byte stream id.
        try #require(written.count >= 9)
        #expect(written[3] == 0x4, "the first frame is SETTINGS")
        #expect(written[4] == 0, "not an ACK")
        #expect(written[5..<9].allSatisfy { $0 == 0 }, "on stream 0")
        #expect(connection.isOpen)
    }

    @Test(
        "bytes that are neither HTTP/1.1 nor the h2c preface get 400 and the connection is closed",
        arguments: [
            Array("HELLO\r\n\r\n".utf8),
            [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03, 0x0D, 0x0A],
            Array("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n".utf8), Array("GET /envoy/k HTTP/1.1\r\nHost x\r\n\r\n".utf8),
        ])
    func garbage(bytes: [UInt8]) throws {
        let connection = try EmbeddedConnection()
        defer { connection.finish() }
        try connection.send(bytes: bytes)
        let responses = try connection.responses()
        #expect(responses.map(\.status) == [400])
        #expect(responses.first?.header("connection")?.lowercased() == "close")
        #expect(!connection.isOpen)
        #expect(connection.authorizer.requests.isEmpty)
    }

    // MARK: Keep-alive

    @Test("pipelined requests are answered in order; the connection stays open")
    func pipelined() throws {
        let connection = try EmbeddedConnection()
        defer { connection.finish() }
        let notFound = Requests.http1("GET", "/other", headers: [("Host", "x")])
        try connection.send(Self.allowed + Self.unsigned + notFound + Self.allowed)
        let responses = try connection.responses()
        #expect(responses.map(\.status) == [200, 403, 404, 200])
        #expect(responses.map { $0.header("x-sigv4-authz-reason") } == ["allowed", "no_credentials", nil, "allowed"])
        #expect(responses.allSatisfy { $0.header("connection") == nil })
        #expect(connection.isOpen)
        #expect(connection.authorizer.requests.count == 3)
    }

    struct Persistence: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var requestLine: String
        var connection: String?
        var keepAlive: Bool
    }

    static let persistenceCases: [Persistence] = [
        Persistence(testDescription: "HTTP/1.1", requestLine: "GET /envoy/k.txt HTTP/1.1", keepAlive: true),
        Persistence(
            testDescription: "HTTP/1.1, connection: close", requestLine: "GET /envoy/k.txt HTTP/1.1",
            connection: "close", keepAlive: false),
        Persistence(
            testDescription: "HTTP/1.1, Connection: Close", requestLine: "GET /envoy/k.txt HTTP/1.1",
            connection: "Close", keepAlive: false),
        Persistence(testDescription: "HTTP/1.0", requestLine: "GET /envoy/k.txt HTTP/1.0", keepAlive: false),
        Persistence(
            testDescription: "HTTP/1.0, connection: keep-alive", requestLine: "GET /envoy/k.txt HTTP/1.0",
            connection: "keep-alive", keepAlive: true),
    ]

    @Test(
        "keep-alive unless the client asks to close; then connection: close and the connection closed",
        arguments: persistenceCases)
    func persistence(case persistence: Persistence) throws {
        let connection = try EmbeddedConnection()
        defer { connection.finish() }
        var text = persistence.requestLine + "\r\nHost: \(Requests.s3Host)\r\n"
        if let value = persistence.connection { text += "Connection: \(value)\r\n" }
        try connection.send(text + "\r\n")
        let responses = try connection.responses()
        try #require(responses.count == 1)
        #expect(responses[0].status == 403)
        #expect(responses[0].statusLine.hasPrefix(persistence.requestLine.hasSuffix("1.0") ? "HTTP/1.0" : "HTTP/1.1"))
        #expect(responses[0].header("connection")?.lowercased() == (persistence.keepAlive ? nil : "close"))
        #expect(connection.isOpen == persistence.keepAlive)
    }

    @Test("a request pipelined after connection: close is never decided; the connection is closed")
    func pipelinedAfterClose() throws {
        let connection = try EmbeddedConnection()
        defer { connection.finish() }
        let closing = Requests.http1(
            "GET", "/envoy/k.txt", headers: [("Host", Requests.s3Host), ("Connection", "close")])
        try connection.send(closing + Self.allowed)
        let responses = try connection.responses()
        // NIO's decoder reads bytes after `connection: close` as an error; nothing more is written
        // after an answer that said the connection closes.
        #expect(responses.map(\.status) == [403])
        #expect(responses.map { $0.header("connection")?.lowercased() } == ["close"])
        #expect(!connection.isOpen)
        #expect(connection.authorizer.requests.count == 1)
    }

    // MARK: Limits

    @Test("a request head over maxHeaderBytes is denied with a reason, and the connection closed")
    func headerTooLarge() throws {
        var configuration = HTTPCheckConfiguration()
        configuration.maxHeaderBytes = 1_024
        let connection = try EmbeddedConnection(configuration: configuration)
        defer { connection.finish() }
        let big = Requests.http1(
            "GET", "/envoy/k.txt",
            headers: [
                ("Host", Requests.s3Host), ("Authorization", String(repeating: "a", count: 2_000)),
                ("x-request-id", "rid-h"),
            ])
        try connection.send(big)
        let responses = try connection.responses()
        try #require(responses.count == 1)
        #expect(responses[0].status == 403)
        #expect(responses[0].header("x-sigv4-authz-reason") == "malformed_credentials")
        #expect(responses[0].header("x-sigv4-authz-message")?.contains("larger than the 1024 bytes") == true)
        #expect(responses[0].header("x-sigv4-authz-request-id") == "rid-h")
        #expect(responses[0].header("connection") == "close")
        #expect(responses[0].body.contains("<Code>AccessDenied</Code>"))
        #expect(!connection.isOpen)
        // Refused before translation: the decision core was not asked about the request.
        #expect(connection.authorizer.requests.isEmpty)
        #expect(connection.authorizer.refused.map(\.mode) == [.envoyHTTP])
        #expect(connection.authorizer.refused.first?.sourceAddress == EmbeddedConnection.peer)
    }

    @Test("a head over the limit with a body: answered at once, the body read and dropped, then closed")
    func headerTooLargeWithBody() throws {
        var configuration = HTTPCheckConfiguration()
        configuration.maxHeaderBytes = 1_024
        let connection = try EmbeddedConnection(configuration: configuration)
        defer { connection.finish() }
        try connection.send(
            "POST /nginx HTTP/1.1\r\nHost: authz\r\nx-pad: \(String(repeating: "p", count: 2_000))\r\ncontent-length: 100\r\n\r\n"
                + String(repeating: "b", count: 40))
        let responses = try connection.responses()
        #expect(responses.map(\.status) == [403])
        #expect(responses.first?.header("connection") == "close")
        #expect(connection.authorizer.refused.map(\.mode) == [.nginx])
        #expect(connection.isOpen)
        try connection.send(String(repeating: "b", count: 60))
        #expect(try connection.written().isEmpty)
        #expect(!connection.isOpen)
    }

    @Test("a body over maxBodyBytes is denied body_too_large by the decision core, drained, then closed")
    func bodyTooLarge() throws {
        var configuration = HTTPCheckConfiguration()
        configuration.maxBodyBytes = 100
        let connection = try EmbeddedConnection(configuration: configuration)
        defer { connection.finish() }
        try connection.send(
            "PUT /envoy/k.txt HTTP/1.1\r\nHost: \(Requests.s3Host)\r\nx-request-id: rid-b\r\n"
                + "x-envoy-auth-partial-body: false\r\ncontent-length: 1000\r\n\r\n")
        try connection.send(String(repeating: "x", count: 60))
        #expect(try connection.written().isEmpty)
        try connection.send(String(repeating: "x", count: 90))
        let responses = try connection.responses()
        try #require(responses.count == 1)
        #expect(responses[0].status == 403)
        #expect(responses[0].header("x-sigv4-authz-reason") == "body_too_large")
        #expect(responses[0].header("x-sigv4-authz-request-id") == "rid-b")
        #expect(responses[0].header("connection") == "close")
        #expect(responses[0].body.contains("body_too_large") || responses[0].body.contains("larger than"))
        // The decision core decided it, from the request's facts.
        let request = try #require(connection.authorizer.requests.first)
        #expect(request.body == .tooLarge(150))
        #expect(request.host == Requests.s3Host)
        #expect(request.target == "/k.txt")
        #expect(request.method == "PUT")
        #expect(connection.authorizer.refused.isEmpty)
        // The rest of the body is read and dropped; the connection closes at its end.
        try connection.send(String(repeating: "x", count: 800))
        #expect(connection.isOpen)
        try connection.send(String(repeating: "x", count: 50))
        #expect(try connection.written().isEmpty)
        #expect(!connection.isOpen)
    }

    @Test("a client that keeps sending past the drain bound is cut off")
    func drainBound() throws {
        var configuration = HTTPCheckConfiguration()
        configuration.maxBodyBytes = 100
        let bound = 4 * 100 + (1 << 20)
        let connection = try EmbeddedConnection(configuration: configuration)
        defer { connection.finish() }
        try connection.send(
            "PUT /envoy/k.txt HTTP/1.1\r\nHost: \(Requests.s3Host)\r\ncontent-length: 10000000\r\n\r\n"
                + String(repeating: "x", count: 101))
        #expect(try connection.responses().map(\.status) == [403])
        let chunk = [UInt8](repeating: 0x78, count: 1 << 16)
        var sent = 0
        while sent + chunk.count <= bound {
            try connection.send(bytes: chunk)
            sent += chunk.count
        }
        #expect(connection.isOpen, "within the bound")
        try connection.send(bytes: chunk)
        #expect(!connection.isOpen)
    }

    // MARK: Shutdown and idle

    @Test("quiesce closes an idle keep-alive connection")
    func quiesceIdle() throws {
        let connection = try EmbeddedConnection()
        defer { connection.finish() }
        try connection.send(Self.allowed)
        #expect(try connection.responses().count == 1)
        #expect(connection.isOpen)
        connection.quiesce()
        #expect(!connection.isOpen)
    }

    // Part of an HTTP/1.1 head: NIO's pipelining handler closes the connection, and its decoder reads
    // the leftover bytes as an error at the end of input. NIO's error handler used to answer that with
    // a 400 on the closed connection, which NIO's pipelining handler asserts against (a crash of debug
    // builds, found by FuzzHTTP1Frontend); nothing may be written then.
    @Test(
        "quiesce closes a connection that has sent nothing yet, part of the h2c preface, or part of a head; nothing is written"
    )
    func quiesceBeforeRequest() throws {
        for bytes in ["", "PRI * HT", "GET /x HTTP/1.1\r\nHost: a\r\n", "GET /x HT"] {
            let connection = try EmbeddedConnection()
            defer { connection.finish() }
            try connection.send(bytes)
            connection.quiesce()
            #expect(!connection.isOpen, "after \(bytes.debugDescription)")
            #expect(try connection.written().isEmpty)
        }
    }

    @Test("quiesce lets the request in flight finish, answered with connection: close, then closes")
    func quiesceInFlight() throws {
        let connection = try EmbeddedConnection()
        defer { connection.finish() }
        let request = Requests.http1(
            "POST", "/envoy/", headers: [("Host", "sqs.eu-west-1.amazonaws.com")], body: "Action=ListQueues")
        let cut = request.utf8.count - 5
        try connection.send(String(request.prefix(cut)))
        connection.quiesce()
        #expect(connection.isOpen)
        try connection.send(String(request.dropFirst(cut)))
        let responses = try connection.responses()
        #expect(responses.map(\.status) == [403])
        #expect(responses.first?.header("connection") == "close")
        #expect(!connection.isOpen)
    }

    // IdleStateHandler measures idleness with the real clock, so the event is fired by hand.
    @Test(
        "the idle timeout closes a connection: nothing sent, half a preface, after an answer, a head without its body",
        arguments: ["", "PRI * HT", "answered", "stalled"])
    func idleTimeout(sent: String) throws {
        let connection = try EmbeddedConnection()
        defer { connection.finish() }
        switch sent {
        case "answered": try connection.send(Self.allowed)
        case "stalled":
            try connection.send("POST /envoy/ HTTP/1.1\r\nHost: s3.amazonaws.com\r\nContent-Length: 10\r\n\r\nabc")
        default: try connection.send(sent)
        }
        _ = try connection.written()
        #expect(connection.isOpen)
        connection.channel.pipeline.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.all)
        #expect(!connection.isOpen)
    }
}

/// Reads reaching the head of the pipeline.
private final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = Any
    var reads = 0
    func read(context: ChannelHandlerContext) {
        reads += 1
        context.read()
    }
}

@Suite("HTTP/1.1 backpressure (EmbeddedChannel)")
struct HTTPBackpressureTests {
    @Test("no read while the connection is not writable (answers the client does not take); one when it is again")
    func readsHeldWhileNotWritable() throws {
        let connection = try EmbeddedConnection()
        defer { connection.finish() }
        // The HTTP/1.1 handlers are in place once the first request has told the protocol.
        try connection.send(HTTPCheckHandlerTests.allowed)
        #expect(try connection.responses().map(\.status) == [200])
        let counter = ReadCounter()
        try connection.channel.pipeline.syncOperations.addHandler(counter, position: .first)
        connection.channel.read()
        #expect(counter.reads == 1)
        connection.channel.isWritable = false
        connection.channel.read()
        connection.channel.read()
        #expect(counter.reads == 1)
        connection.channel.isWritable = true
        connection.channel.pipeline.fireChannelWritabilityChanged()
        #expect(counter.reads == 2)
    }
}
