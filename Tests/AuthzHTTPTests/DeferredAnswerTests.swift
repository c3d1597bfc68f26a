import AuthzCore
import HTTP2TestSupport
import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
import Testing

@testable import AuthzHTTP

/// Checks answered later (an identity token's first check waits for STS): HTTP/1.1 keeps pipelined
/// answers in order, h2c holds the stream and answers it when the decision comes, and neither writes
/// for a client that has gone.
@Suite("Checks answered later (HTTP/1.1 and h2c)")
struct DeferredAnswerTests {
    static let allowed = Requests.http1("GET", "/envoy/k.txt", headers: Requests.signedHeaders())
    static let unsigned = Requests.http1("GET", "/envoy/k.txt", headers: [("Host", Requests.s3Host)])

    @Test("HTTP/1.1: pipelined checks are answered in order, each when its decision comes")
    func http1Pipelined() throws {
        let connection = try EmbeddedConnection(deferring: true)
        defer { connection.finish() }
        try connection.send(Self.allowed + Self.unsigned)
        #expect(try connection.responses().isEmpty)
        // NIO's pipelining handler holds the second request until the first answer's end is written.
        #expect(connection.authorizer.waiting == 1)
        connection.authorizer.release()
        connection.channel.embeddedEventLoop.run()
        let first = try connection.responses()
        #expect(first.map(\.status) == [200])
        #expect(connection.authorizer.waiting == 1)
        connection.authorizer.release()
        connection.channel.embeddedEventLoop.run()
        let second = try connection.responses()
        #expect(second.map(\.status) == [403])
        #expect(second.first?.header("x-sigv4-authz-reason") == "no_credentials")
        #expect(connection.isOpen)
    }

    @Test("HTTP/1.1: a decision that comes after the client has gone writes nothing")
    func http1ClosedMeanwhile() throws {
        let connection = try EmbeddedConnection(deferring: true)
        try connection.send(Self.allowed)
        connection.channel.close(promise: nil)
        connection.channel.embeddedEventLoop.run()
        connection.authorizer.release()
        connection.channel.embeddedEventLoop.run()
        #expect(try connection.written().isEmpty)
        connection.finish()
    }

    @Test("h2c: the stream waits for its decision; a stream reset meanwhile gets nothing")
    func h2c() throws {
        let wire = try H2CWire(deferring: true)
        defer { wire.finish() }
        let signed = Requests.signedHeaders().filter { $0.0.lowercased() != "host" }.map { ($0.0.lowercased(), $0.1) }
        try wire.send(
            1, .headers(.init(headers: H2CWire.requestHeaders(path: "/envoy/k.txt", extra: signed), endStream: true)))
        try wire.send(3, .headers(.init(headers: H2CWire.requestHeaders(path: "/envoy/k.txt"), endStream: true)))
        try wire.pump()
        #expect(try wire.received().filter { $0.streamID != .rootStream }.isEmpty)
        #expect(wire.authorizer.waiting == 2)
        try wire.send(3, .rstStream(.cancel))
        try wire.pump()
        wire.authorizer.release()
        wire.server.embeddedEventLoop.run()
        try wire.pump()
        let frames = try wire.received()
        let answer = try #require(on(1, frames).first?.headerBlock, "\(frames)")
        #expect(answer.headers.first(name: ":status") == "200")
        #expect(answer.endStream)
        #expect(on(3, frames).isEmpty, "\(frames)")
        #expect(wire.server.isActive)
    }
}
