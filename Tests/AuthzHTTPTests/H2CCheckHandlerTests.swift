import AuthzCore
import HTTP2TestSupport
import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
import Policy
import SigV4
import Testing

@testable import AuthzHTTP

/// The signed headers of an allowed S3 GET as HTTP/2 sends them: lower-case names, the authority as
/// `:authority` (not `host`).
private func signedH2Headers() -> [(String, String)] {
    Requests.signedHeaders().filter { $0.0.lowercased() != "host" }.map { ($0.0.lowercased(), $0.1) }
}

/// h2c through the real pipeline (``HTTPCheckPipeline``: the preface, NIOHTTP2Handler, ``H2CCheckHandler``)
/// against a client NIOHTTP2Handler, in memory.
@Suite("h2c check handler (in-memory HTTP/2 client)")
struct H2CCheckHandlerTests {
    @Test("allow and deny are answered on their streams with the decision headers")
    func allowAndDeny() throws {
        let wire = try H2CWire()
        defer { wire.finish() }
        try wire.send(
            1,
            .headers(
                .init(
                    headers: H2CWire.requestHeaders(
                        path: "/envoy/k.txt", extra: signedH2Headers() + [("x-request-id", "r1")]),
                    endStream: true)))
        try wire.send(
            3,
            .headers(
                .init(
                    headers: H2CWire.requestHeaders(path: "/envoy/k.txt", extra: [("x-request-id", "r3")]),
                    endStream: true)))
        try wire.pump()
        let frames = try wire.received()

        let allowed = on(1, frames)
        try #require(allowed.count == 1, "\(allowed)")
        let allow = try #require(allowed[0].headerBlock)
        #expect(allow.endStream)
        #expect(allow.headers.first(name: ":status") == "200")
        #expect(allow.headers.first(name: "x-sigv4-authz-decision") == "allow")
        #expect(allow.headers.first(name: "x-sigv4-authz-reason") == "allowed")
        #expect(allow.headers.first(name: "x-sigv4-authz-account") == "171436882533")
        #expect(allow.headers.first(name: "x-sigv4-authz-request-id") == "r1")
        #expect(allow.headers.first(name: "content-length") == "0")

        let denied = on(3, frames)
        try #require(denied.count == 2, "\(denied)")
        let deny = try #require(denied[0].headerBlock)
        #expect(!deny.endStream)
        #expect(deny.headers.first(name: ":status") == "403")
        #expect(deny.headers.first(name: "x-sigv4-authz-decision") == "deny")
        #expect(deny.headers.first(name: "x-sigv4-authz-reason") == "no_credentials")
        #expect(deny.headers.first(name: "x-sigv4-authz-request-id") == "r3")
        #expect(deny.headers.first(name: "content-type") == "application/xml")
        let body = try #require(denied[1].dataBlock)
        #expect(body.endStream)
        #expect(deny.headers.first(name: "content-length") == String(body.bytes.count))
        #expect(String(decoding: body.bytes, as: UTF8.self).contains("<Code>AccessDenied</Code>"))

        // The original requests as the decision core saw them.
        let requests = wire.authorizer.requests
        #expect(requests.map(\.mode) == [.envoyHTTP, .envoyHTTP])
        #expect(requests.map(\.host) == [Requests.s3Host, Requests.s3Host])
        #expect(requests.map(\.target) == ["/k.txt", "/k.txt"])
        #expect(requests.map(\.sourceAddress) == [EmbeddedConnection.peer, EmbeddedConnection.peer])
        #expect(requests.allSatisfy { !$0.headers.contains { $0.name.hasPrefix(":") } })
        #expect(wire.server.isActive)
    }

    @Test("a JSON-protocol deny carries x-amzn-errortype in lower case")
    func jsonDeny() throws {
        let wire = try H2CWire()
        defer { wire.finish() }
        try wire.send(
            1,
            .headers(
                .init(
                    headers: H2CWire.requestHeaders(
                        method: "POST", path: "/envoy/", authority: "dynamodb.eu-west-1.amazonaws.com",
                        extra: [("x-amz-target", "DynamoDB_20120810.GetItem")]),
                    endStream: true)))
        try wire.pump()
        let head = try #require(on(1, try wire.received()).first?.headerBlock)
        #expect(head.headers.first(name: ":status") == "403")
        #expect(head.headers.first(name: "x-amzn-errortype") == "AccessDeniedException")
        #expect(
            head.headers.first(name: "content-type") == "application/x-amz-json-1.0"
                || head.headers.first(name: "content-type") == "application/x-amz-json-1.1")
    }

    @Test("nginx auth_request over h2c", arguments: [true, false])
    func nginx(complete: Bool) throws {
        let wire = try H2CWire()
        defer { wire.finish() }
        var extra = [("x-original-method", "GET"), ("x-original-uri", "/k.txt"), ("x-original-host", Requests.s3Host)]
        if !complete { extra.removeLast() }
        try wire.send(
            1,
            .headers(
                .init(
                    headers: H2CWire.requestHeaders(path: "/nginx", authority: "authz", extra: extra), endStream: true))
        )
        try wire.pump()
        let head = try #require(on(1, try wire.received()).first?.headerBlock)
        #expect(head.headers.first(name: ":status") == "403")
        if complete {
            #expect(head.headers.first(name: "x-sigv4-authz-reason") == "no_credentials")
            #expect(wire.authorizer.requests.map(\.mode) == [.nginx])
            #expect(wire.authorizer.requests.first?.host == Requests.s3Host)
        } else {
            #expect(head.headers.first(name: "x-sigv4-authz-reason") == "internal_error")
            #expect(wire.authorizer.refused.map(\.mode) == [.nginx])
        }
    }

    @Test("another path is 404", arguments: ["/other", "/", "/envoyx"])
    func notFound(path: String) throws {
        let wire = try H2CWire()
        defer { wire.finish() }
        try wire.send(1, .headers(.init(headers: H2CWire.requestHeaders(path: path), endStream: true)))
        try wire.pump()
        let frames = on(1, try wire.received())
        try #require(frames.count == 1, "\(frames)")
        let head = try #require(frames[0].headerBlock)
        #expect(head.endStream)
        #expect(head.headers.first(name: ":status") == "404")
        #expect(head.headers.first(name: "content-length") == "0")
        #expect(wire.authorizer.requests.isEmpty)
        #expect(wire.server.isActive)
    }

    @Test("a body within the limit is read whole")
    func body() throws {
        var configuration = HTTPCheckConfiguration()
        configuration.maxBodyBytes = 100
        let wire = try H2CWire(configuration: configuration)
        defer { wire.finish() }
        let text = "Action=ListQueues&Version=2012-11-05"
        try wire.send(
            1,
            .headers(
                .init(
                    headers: H2CWire.requestHeaders(
                        method: "POST", path: "/envoy/", authority: "sqs.eu-west-1.amazonaws.com",
                        extra: [("x-envoy-auth-partial-body", "false")]))))
        try wire.send(1, .data(.init(data: .byteBuffer(ByteBuffer(string: String(text.prefix(10)))))))
        try wire.send(
            1, .data(.init(data: .byteBuffer(ByteBuffer(string: String(text.dropFirst(10)))), endStream: true)))
        try wire.pump()
        #expect(on(1, try wire.received()).first?.headerBlock?.headers.first(name: ":status") == "403")
        #expect(wire.authorizer.requests.map(\.body) == [.complete(Array(text.utf8))])
    }

    @Test("a body over the limit is denied body_too_large by the decision core; the connection stays open")
    func bodyTooLarge() throws {
        var configuration = HTTPCheckConfiguration()
        configuration.maxBodyBytes = 100
        let wire = try H2CWire(configuration: configuration)
        defer { wire.finish() }
        try wire.send(
            1,
            .headers(
                .init(
                    headers: H2CWire.requestHeaders(
                        method: "PUT", path: "/envoy/k.txt", extra: [("x-envoy-auth-partial-body", "false")]))))
        try wire.send(1, .data(.init(data: .byteBuffer(ByteBuffer(repeating: 0x78, count: 150)), endStream: true)))
        try wire.pump()
        let frames = on(1, try wire.received())
        let head = try #require(frames.first?.headerBlock)
        #expect(head.headers.first(name: ":status") == "403")
        #expect(head.headers.first(name: "x-sigv4-authz-reason") == "body_too_large")
        // The client had ended the stream: no RST_STREAM.
        #expect(frames.allSatisfy { $0.resetCode == nil })
        let request = try #require(wire.authorizer.requests.first)
        #expect(request.body == .tooLarge(150))
        #expect(request.method == "PUT")
        #expect(request.target == "/k.txt")
        // The connection serves the next check.
        try wire.send(
            3,
            .headers(
                .init(headers: H2CWire.requestHeaders(path: "/envoy/k.txt", extra: signedH2Headers()), endStream: true))
        )
        try wire.pump()
        #expect(on(3, try wire.received()).first?.headerBlock?.headers.first(name: ":status") == "200")
        #expect(wire.server.isActive)
    }

    @Test("a body over the limit while the client is still sending: answered, then RST_STREAM")
    func bodyTooLargeStillSending() throws {
        var configuration = HTTPCheckConfiguration()
        configuration.maxBodyBytes = 100
        let wire = try H2CWire(configuration: configuration)
        defer { wire.finish() }
        try wire.send(1, .headers(.init(headers: H2CWire.requestHeaders(method: "PUT", path: "/envoy/k.txt"))))
        try wire.send(1, .data(.init(data: .byteBuffer(ByteBuffer(repeating: 0x78, count: 101)))))
        try wire.pump()
        let frames = on(1, try wire.received())
        #expect(frames.first?.headerBlock?.headers.first(name: "x-sigv4-authz-reason") == "body_too_large")
        #expect(frames.last?.resetCode == HTTP2ErrorCode.noError)
        #expect(wire.server.isActive)
    }

    // MARK: Header block limits

    struct HeaderBlock: Sendable, CustomTestStringConvertible {
        var testDescription: String
        /// `maxHeaderBytes`, announced as SETTINGS_MAX_HEADER_LIST_SIZE.
        var limit: Int
        /// Whether the client has acknowledged the server's SETTINGS before it sends the request.
        var acknowledged: Bool
        /// The length of the Authorization header's value ("a" repeated: Huffman-coded to 5/8).
        var authorization: Int
        /// The GOAWAY's error code, or `nil` when the check is answered.
        var goAway: HTTP2ErrorCode?
    }

    static let headerBlocks: [HeaderBlock] = [
        HeaderBlock(
            testDescription: "over the limit even compressed: PROTOCOL_ERROR", limit: 8_192, acknowledged: true,
            authorization: 20_000, goAway: .protocolError),
        HeaderBlock(
            testDescription: "over the limit once decoded: COMPRESSION_ERROR", limit: 8_192, acknowledged: true,
            authorization: 9_000, goAway: .compressionError),
        HeaderBlock(
            testDescription: "within the limit: answered", limit: 65_536, acknowledged: true, authorization: 20_000,
            goAway: nil),
        HeaderBlock(
            testDescription: "before the SETTINGS ACK, NIOHTTP2's default 16 KiB holds", limit: 65_536,
            acknowledged: false, authorization: 20_000, goAway: .compressionError),
        HeaderBlock(
            testDescription: "before the SETTINGS ACK, within 16 KiB: answered", limit: 65_536, acknowledged: false,
            authorization: 10_000, goAway: nil),
    ]

    @Test(
        "a header block over the limit is answered with GOAWAY and the server closes the connection",
        arguments: headerBlocks)
    func headerBlockLimit(case block: HeaderBlock) throws {
        var configuration = HTTPCheckConfiguration()
        configuration.maxHeaderBytes = block.limit
        let wire = try H2CWire(configuration: configuration, handshake: block.acknowledged)
        defer { wire.finish() }
        let authorization = String(repeating: "a", count: block.authorization)
        try wire.send(
            1,
            .headers(
                .init(
                    headers: H2CWire.requestHeaders(path: "/envoy/k.txt", extra: [("authorization", authorization)]),
                    endStream: true)))
        try wire.pump()
        let frames = try wire.received()
        if let code = block.goAway {
            let goAways = frames.compactMap(\.goAway)
            #expect(goAways.map(\.errorCode) == [code])
            #expect(on(1, frames).isEmpty, "no answer on the stream")
            #expect(!wire.server.isActive, "the server closed the connection")
            #expect(wire.authorizer.requests.isEmpty)
        } else {
            let head = try #require(on(1, frames).first?.headerBlock)
            #expect(head.headers.first(name: ":status") == "403")
            #expect(head.headers.first(name: "x-sigv4-authz-reason") == "malformed_credentials")
            #expect(frames.allSatisfy { $0.goAway == nil })
            #expect(wire.server.isActive)
        }
    }

    @Test("a header block over the limit takes the checks in flight on the connection with it")
    func headerBlockLimitOtherStreams() throws {
        var configuration = HTTPCheckConfiguration()
        configuration.maxHeaderBytes = 8_192
        let wire = try H2CWire(configuration: configuration)
        defer { wire.finish() }
        try wire.send(1, .headers(.init(headers: H2CWire.requestHeaders(method: "PUT", path: "/envoy/k.txt"))))
        try wire.pump()
        try wire.send(
            3,
            .headers(
                .init(
                    headers: H2CWire.requestHeaders(
                        path: "/envoy/k.txt", extra: [("authorization", String(repeating: "a", count: 20_000))]),
                    endStream: true)))
        try wire.pump()
        let frames = try wire.received()
        #expect(frames.compactMap(\.goAway).map(\.errorCode) == [.protocolError])
        #expect(!wire.server.isActive)
        #expect(on(1, frames).isEmpty)
    }
}
