import AWSClassifier
import AuthzCore
import AuthzHTTP2
import HTTP2TestSupport
import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
import Policy
import SigV4
import SwiftProtobuf
import Synchronization
import Testing

@testable import AuthzGRPC

// MARK: - Fixtures

/// An authorizer that records what it is asked and answers with the decision core's result: allowed
/// when the original request's path starts with `/allow`, the engine's deny otherwise.
private final class StubResponder: Authorizer, Sendable {
    static let model = try? AWSModel.bundled()

    let engine: AuthzEngine
    private let seen = Mutex<[AuthzRequest]>([])
    private let refusals = Mutex<[ReasonCode]>([])

    init() throws {
        let config = try PolicyConfig.parse(
            """
            accounts:
              "111122223333":
                regions:
                  "*": { services: ["*"] }
            default: deny
            """, path: "stub.yaml")
        engine = AuthzEngine(
            policy: try CompiledPolicy(config), classifier: RequestClassifier(model: try #require(Self.model)))
    }

    /// The requests decided so far, in order.
    var requests: [AuthzRequest] { seen.withLock { $0 } }

    func check(_ request: AuthzRequest) -> CheckResult {
        seen.withLock { $0.append(request) }
        var response = engine.decide(request)
        if request.target.hasPrefix("/allow") {
            response.decision = Decision(effect: .allow, reason: .allowed, rule: "stub", message: "allowed by the stub")
        }
        return response
    }

    func refuse(_ refusal: Refusal) -> CheckResult {
        refusals.withLock { $0.append(refusal.reason) }
        return engine.refuse(refusal)
    }
}

/// The handler alone in an `EmbeddedChannel`, connected, its opening WINDOW_UPDATE read.
private struct Connection {
    static let checkPath = "/envoy.service.auth.v3.Authorization/Check"

    let channel: EmbeddedChannel
    let responder: StubResponder

    init(maximumMessageBytes: Int = 1 << 16, ready: Bool = true) throws {
        let responder = try StubResponder()
        self.responder = responder
        channel = EmbeddedChannel(
            handler: GRPCConnectionHandler(
                authorizer: responder, ready: { ready }, maximumMessageBytes: maximumMessageBytes))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 50_051)).wait()
        let window = try channel.readOutbound(as: HTTP2Frame.self)
        #expect(window?.windowIncrement == GRPCConnectionHandler.connectionWindow - 65_535)
    }

    /// The request headers of a gRPC call.
    static func requestHeaders(
        path: String = checkPath, method: String = "POST", contentType: String? = "application/grpc",
        extra: [(String, String)] = []
    ) -> HPACKHeaders {
        var fields = [(":method", method), (":scheme", "http"), (":path", path), (":authority", "authz")]
        if let contentType { fields.append(("content-type", contentType)) }
        fields.append(("te", "trailers"))
        return HPACKHeaders(fields + extra)
    }

    func headers(_ stream: Int, _ headers: HPACKHeaders = requestHeaders(), end: Bool = false) throws {
        try channel.writeInbound(
            HTTP2Frame(streamID: HTTP2StreamID(stream), payload: .headers(.init(headers: headers, endStream: end))))
    }

    func data(_ stream: Int, _ bytes: [UInt8], end: Bool = false) throws {
        try channel.writeInbound(
            HTTP2Frame(
                streamID: HTTP2StreamID(stream),
                payload: .data(.init(data: .byteBuffer(ByteBuffer(bytes: bytes)), endStream: end))))
    }

    func reset(_ stream: Int) throws {
        try channel.writeInbound(HTTP2Frame(streamID: HTTP2StreamID(stream), payload: .rstStream(.cancel)))
    }

    /// A whole unary call: headers, then the message in one DATA frame that ends the stream.
    func call(_ stream: Int, path: String = checkPath, message: [UInt8]) throws {
        try headers(stream, Self.requestHeaders(path: path))
        try data(stream, framed(message), end: true)
    }

    func quiesce() {
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
    }

    /// Every frame written (and flushed) since the last call.
    func written() throws -> [HTTP2Frame] {
        var frames: [HTTP2Frame] = []
        while let frame = try channel.readOutbound(as: HTTP2Frame.self) { frames.append(frame) }
        return frames
    }

    func finish() {
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }
}

/// A gRPC length-prefixed message: flag, big-endian length, bytes.
private func framed(_ message: [UInt8], flag: UInt8 = 0, length: Int? = nil) -> [UInt8] {
    let length = UInt32(length ?? message.count)
    return [flag, UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
        + message
}

/// Envoy's CheckRequest for an original request.
private func checkRequest(
    method: String = "GET", host: String = "bucket.s3.eu-west-1.amazonaws.com", path: String,
    headers: [String: String] = [:]
) -> Envoy_Service_Auth_V3_CheckRequest {
    var request = Envoy_Service_Auth_V3_CheckRequest()
    var http = Envoy_Service_Auth_V3_AttributeContext.HttpRequest()
    http.method = method
    http.path = path
    http.host = host
    http.headers = [":authority": host, ":method": method, ":path": path, ":scheme": "https"]
    for (name, value) in headers { http.headers[name] = value }
    http.size = -1
    request.attributes.request.http = http
    request.attributes.source.address.socketAddress.address = "10.0.0.7"
    return request
}

private func checkMessage(path: String, headers: [String: String] = [:]) throws -> [UInt8] {
    try checkRequest(path: path, headers: headers).serializedBytes()
}

private func healthMessage(_ service: String) throws -> [UInt8] {
    var request = Grpc_Health_V1_HealthCheckRequest()
    request.service = service
    return try request.serializedBytes()
}

extension HTTP2Frame {
    fileprivate var isReset: Bool { resetCode != nil }
}

/// The answer of a unary call on `stream`: HEADERS (`:status 200`, `application/grpc`), one DATA holding
/// exactly one message, trailers `grpc-status: 0` ending the stream. Returns the message.
private func unaryAnswer<M: SwiftProtobuf.Message>(
    _ frames: [HTTP2Frame], stream: Int, as type: M.Type, sourceLocation: SourceLocation = #_sourceLocation
) throws -> M {
    let mine = on(stream, frames)
    try #require(mine.count == 3, "frames: \(mine)", sourceLocation: sourceLocation)
    let head = try #require(mine[0].headerBlock, sourceLocation: sourceLocation)
    #expect(head.headers.first(name: ":status") == "200", sourceLocation: sourceLocation)
    #expect(head.headers.first(name: "content-type") == "application/grpc", sourceLocation: sourceLocation)
    #expect(!head.endStream, sourceLocation: sourceLocation)
    let body = try #require(mine[1].dataBlock, sourceLocation: sourceLocation)
    #expect(!body.endStream, sourceLocation: sourceLocation)
    try #require(body.bytes.count >= 5, sourceLocation: sourceLocation)
    #expect(body.bytes[0] == 0, sourceLocation: sourceLocation)
    let length = body.bytes[1..<5].reduce(0) { $0 << 8 | Int($1) }
    #expect(length == body.bytes.count - 5, sourceLocation: sourceLocation)
    let trailers = try #require(mine[2].headerBlock, sourceLocation: sourceLocation)
    #expect(trailers.endStream, sourceLocation: sourceLocation)
    #expect(trailers.headers.first(name: "grpc-status") == "0", sourceLocation: sourceLocation)
    #expect(trailers.headers.first(name: ":status") == nil, sourceLocation: sourceLocation)
    return try M(serializedBytes: Array(body.bytes.dropFirst(5)))
}

/// A trailers-only answer on `stream` (the first frame written on it): `:status 200`, `application/grpc`,
/// `grpc-status`, the end of the stream. Returns its headers.
private func trailersOnly(
    _ frames: [HTTP2Frame], stream: Int, sourceLocation: SourceLocation = #_sourceLocation
) throws -> HPACKHeaders {
    let mine = on(stream, frames)
    let first = try #require(mine.first?.headerBlock, "frames: \(mine)", sourceLocation: sourceLocation)
    #expect(first.endStream, sourceLocation: sourceLocation)
    #expect(first.headers.first(name: ":status") == "200", sourceLocation: sourceLocation)
    #expect(first.headers.first(name: "content-type") == "application/grpc", sourceLocation: sourceLocation)
    #expect(first.headers.first(name: "grpc-status") != nil, sourceLocation: sourceLocation)
    return first.headers
}

// MARK: - Tests

@Suite("GRPCConnectionHandler: gRPC on a connection's HTTP/2 frames")
struct GRPCConnectionHandlerTests {
    // MARK: Check

    @Test(
        "a Check is answered with the CheckResponse of the responder's decision",
        arguments: [("/allow/object.txt", 0), ("/private/object.txt", 7)])
    func check(path: String, code: Int32) throws {
        let connection = try Connection()
        defer { connection.finish() }
        try connection.headers(1)
        #expect(try connection.written().isEmpty)
        let message = try checkMessage(
            path: path, headers: ["x-request-id": "rid-1", "x-amz-date": "20260115T000000Z"])
        try connection.data(1, framed(message), end: true)
        let frames = try connection.written()
        #expect(frames.count == 3)
        let response = try unaryAnswer(frames, stream: 1, as: Envoy_Service_Auth_V3_CheckResponse.self)
        #expect(response.status.code == code)

        let seen = try #require(connection.responder.requests.first)
        #expect(connection.responder.requests.count == 1)
        #expect(seen.method == "GET")
        #expect(seen.host == "bucket.s3.eu-west-1.amazonaws.com")
        #expect(seen.target == path)
        #expect(seen.mode == .grpc)
        #expect(seen.requestID == "rid-1")
        #expect(seen.sourceAddress == "10.0.0.7")
        // The pseudo-headers are dropped; the authority becomes the request's Host header.
        #expect(seen.headers.map(\.name) == ["x-amz-date", "x-request-id", "host"])
        #expect(seen.headers.map(\.value) == ["20260115T000000Z", "rid-1", "bucket.s3.eu-west-1.amazonaws.com"])

        // The response is the responder's, translated.
        let expected = AuthorizationService.encode(
            connection.responder.engine.decide(seen), clientDecisionHeaders: [])
        // The decision for Envoy's access log, as dynamic metadata, on allow and on deny.
        let metadata = response.dynamicMetadata.fields
        #expect(metadata["decision"]?.stringValue == (code == 0 ? "allow" : "deny"))
        #expect(metadata["request_id"]?.stringValue == "rid-1")
        if code == 0 {
            #expect(response.okResponse.headers.first?.header.key == "x-sigv4-authz-decision")
        } else {
            #expect(response.deniedResponse.status.code == .forbidden)
            #expect(response.status.message == expected.status.message)
            #expect(!response.deniedResponse.body.isEmpty)
        }
    }

    @Test("content-type application/grpc+proto is gRPC")
    func protoContentType() throws {
        let connection = try Connection()
        defer { connection.finish() }
        try connection.headers(1, Connection.requestHeaders(contentType: "application/grpc+proto"))
        try connection.data(1, framed(try checkMessage(path: "/allow")), end: true)
        let response = try unaryAnswer(
            try connection.written(), stream: 1, as: Envoy_Service_Auth_V3_CheckResponse.self)
        #expect(response.status.code == 0)
    }

    enum Ending: String, Sendable, CaseIterable {
        /// The last DATA frame carries END_STREAM.
        case lastData
        /// An empty DATA frame with END_STREAM follows.
        case emptyData
        /// Client trailers (HEADERS with END_STREAM) follow.
        case trailers
    }

    @Test(
        "a message split over several DATA frames, however it ends",
        arguments: [[1], [3], [4], [5], [6], [1, 2, 3, 4, 5], [2, 5, 9, 40]], Ending.allCases)
    func split(cuts: [Int], ending: Ending) throws {
        let connection = try Connection()
        defer { connection.finish() }
        let message = framed(try checkMessage(path: "/allow/split"))
        try connection.headers(3)
        var start = 0
        let bounds = cuts + [message.count]
        for (index, end) in bounds.enumerated() {
            let last = index == bounds.count - 1
            try connection.data(3, Array(message[start..<end]), end: last && ending == .lastData)
            start = end
            if !last { #expect(try connection.written().isEmpty) }
        }
        switch ending {
        case .lastData: break
        case .emptyData: try connection.data(3, [], end: true)
        case .trailers: try connection.headers(3, HPACKHeaders([("x-client-trailer", "1")]), end: true)
        }
        let response = try unaryAnswer(
            try connection.written(), stream: 3, as: Envoy_Service_Auth_V3_CheckResponse.self)
        #expect(response.status.code == 0)
        #expect(connection.responder.requests.map(\.target) == ["/allow/split"])
    }

    @Test("interleaved streams on one connection are answered independently, each when it ends")
    func interleaved() throws {
        let connection = try Connection()
        defer { connection.finish() }
        let paths = [1: "/allow/one", 3: "/deny/three", 5: "/allow/five"]
        var messages: [Int: [UInt8]] = [:]
        for (stream, path) in paths { messages[stream] = framed(try checkMessage(path: path)) }
        for stream in [1, 3, 5] { try connection.headers(stream) }
        // First halves, in another order.
        for stream in [5, 1, 3] {
            let message = try #require(messages[stream])
            try connection.data(stream, Array(message[..<(message.count / 2)]))
        }
        #expect(try connection.written().isEmpty)
        // Second halves: each stream is answered as soon as it ends, and only it.
        for stream in [3, 5, 1] {
            let message = try #require(messages[stream])
            try connection.data(stream, Array(message[(message.count / 2)...]), end: true)
            let frames = try connection.written()
            #expect(frames.allSatisfy { $0.streamID == HTTP2StreamID(stream) })
            let response = try unaryAnswer(frames, stream: stream, as: Envoy_Service_Auth_V3_CheckResponse.self)
            #expect(response.status.code == (stream == 3 ? 7 : 0))
        }
        #expect(connection.responder.requests.map(\.target) == ["/deny/three", "/allow/five", "/allow/one"])
        #expect(connection.channel.isActive)
    }

    // MARK: Refusals at the headers

    struct HeaderRefusal: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var headers: HPACKHeaders
        /// The `:status` (415) or the `grpc-status` of a trailers-only answer.
        var httpStatus = "200"
        var grpcStatus: String?
        var acceptEncoding: String?
    }

    static let headerRefusals: [HeaderRefusal] = [
        HeaderRefusal(
            testDescription: "unknown :path → UNIMPLEMENTED",
            headers: Connection.requestHeaders(path: "/envoy.service.auth.v2.Authorization/Check"), grpcStatus: "12"),
        HeaderRefusal(
            testDescription: "no :path → UNIMPLEMENTED",
            headers: HPACKHeaders([(":method", "POST"), ("content-type", "application/grpc")]), grpcStatus: "12"),
        HeaderRefusal(
            testDescription: "grpc-encoding gzip → UNIMPLEMENTED with grpc-accept-encoding identity",
            headers: Connection.requestHeaders(extra: [("grpc-encoding", "gzip")]), grpcStatus: "12",
            acceptEncoding: "identity"),
        HeaderRefusal(
            testDescription: "malformed grpc-timeout → INTERNAL",
            headers: Connection.requestHeaders(extra: [("grpc-timeout", "10x")]), grpcStatus: "13"),
        HeaderRefusal(
            testDescription: "content-type application/json → 415",
            headers: Connection.requestHeaders(contentType: "application/json"), httpStatus: "415"),
        HeaderRefusal(
            testDescription: "content-type application/grpc-web → 415",
            headers: Connection.requestHeaders(contentType: "application/grpc-web"), httpStatus: "415"),
        HeaderRefusal(
            testDescription: "no content-type → 415",
            headers: Connection.requestHeaders(contentType: nil), httpStatus: "415"),
        HeaderRefusal(
            testDescription: ":method GET → 415",
            headers: Connection.requestHeaders(method: "GET"), httpStatus: "415"),
    ]

    @Test("requests refused at their headers", arguments: headerRefusals, [true, false])
    func refusedAtHeaders(refusal: HeaderRefusal, endedByClient: Bool) throws {
        let connection = try Connection()
        defer { connection.finish() }
        try connection.headers(1, refusal.headers, end: endedByClient)
        let frames = try connection.written()
        let answer = try #require(frames.first?.headerBlock)
        #expect(answer.endStream)
        #expect(answer.headers.first(name: ":status") == refusal.httpStatus)
        if let grpcStatus = refusal.grpcStatus {
            #expect(answer.headers.first(name: "content-type") == "application/grpc")
            #expect(answer.headers.first(name: "grpc-status") == grpcStatus)
            #expect(answer.headers.first(name: "grpc-message")?.isEmpty == false)
        } else {
            #expect(answer.headers.first(name: "grpc-status") == nil)
        }
        #expect(answer.headers.first(name: "grpc-accept-encoding") == refusal.acceptEncoding)
        // The stream is reset when the client is still sending (so that it stops).
        #expect(frames.count == (endedByClient ? 1 : 2))
        if !endedByClient { #expect(frames.last?.isReset == true) }
        #expect(frames.allSatisfy { $0.streamID == 1 })
        // What the client still sends on it is dropped.
        try connection.data(1, framed(try checkMessage(path: "/allow")), end: true)
        #expect(try connection.written().isEmpty)
        #expect(connection.responder.requests.isEmpty)
        #expect(connection.channel.isActive)
    }

    @Test("the grpc-message of a refusal is percent-encoded")
    func refusalMessageEncoded() throws {
        let connection = try Connection()
        defer { connection.finish() }
        try connection.headers(1, Connection.requestHeaders(path: "/svc/Méthode%"), end: true)
        let headers = try trailersOnly(try connection.written(), stream: 1)
        #expect(headers.first(name: "grpc-status") == "12")
        let message = try #require(headers.first(name: "grpc-message"))
        #expect(message.contains("/svc/M%C3%A9thode%25"))
        #expect(message.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E })
    }

    // MARK: Message size

    @Test("a prefix announcing more than the limit is refused at the first DATA frame, before the rest arrives")
    func announcedTooLarge() throws {
        let connection = try Connection(maximumMessageBytes: 100)
        defer { connection.finish() }
        try connection.headers(1)
        let message = framed(Array(repeating: 0x41, count: 101))
        try connection.data(1, Array(message[..<20]))
        let frames = try connection.written()
        let headers = try trailersOnly(frames, stream: 1)
        #expect(headers.first(name: "grpc-status") == "8")
        #expect(frames.count == 2)
        #expect(frames.last?.isReset == true)
        // The rest is dropped.
        try connection.data(1, Array(message[20...]), end: true)
        #expect(try connection.written().isEmpty)
        #expect(connection.responder.requests.isEmpty)
    }

    @Test("a prefix split over two frames is read across them")
    func announcedTooLargeSplitPrefix() throws {
        let connection = try Connection(maximumMessageBytes: 100)
        defer { connection.finish() }
        try connection.headers(1)
        let message = framed([], length: 1 << 20)
        try connection.data(1, Array(message[..<3]))
        #expect(try connection.written().isEmpty)
        try connection.data(1, Array(message[3...]))
        let frames = try connection.written()
        #expect(try trailersOnly(frames, stream: 1).first(name: "grpc-status") == "8")
        #expect(frames.last?.isReset == true)
    }

    @Test("an oversized message the client has ended is refused without RST_STREAM")
    func announcedTooLargeEnded() throws {
        let connection = try Connection(maximumMessageBytes: 100)
        defer { connection.finish() }
        try connection.headers(1)
        try connection.data(1, framed(Array(repeating: 0x41, count: 101)), end: true)
        let frames = try connection.written()
        #expect(frames.count == 1)
        #expect(try trailersOnly(frames, stream: 1).first(name: "grpc-status") == "8")
    }

    @Test("a message whose bytes pass the limit is refused as they arrive")
    func bytesTooLarge() throws {
        let connection = try Connection(maximumMessageBytes: 100)
        defer { connection.finish() }
        try connection.headers(1)
        // The prefix announces 50 bytes; 150 follow.
        try connection.data(1, framed(Array(repeating: 0x41, count: 60), length: 50))
        #expect(try connection.written().isEmpty)
        try connection.data(1, Array(repeating: 0x41, count: 90))
        let frames = try connection.written()
        #expect(try trailersOnly(frames, stream: 1).first(name: "grpc-status") == "8")
        #expect(frames.last?.isReset == true)
    }

    @Test("a message of exactly the limit is served")
    func exactlyTheLimit() throws {
        let message = try checkMessage(path: "/allow/limit")
        let connection = try Connection(maximumMessageBytes: message.count)
        defer { connection.finish() }
        try connection.call(1, message: message)
        let response = try unaryAnswer(
            try connection.written(), stream: 1, as: Envoy_Service_Auth_V3_CheckResponse.self)
        #expect(response.status.code == 0)
    }

    // MARK: Malformed messages

    static let malformed: [(name: String, bytes: [UInt8]?)] = {
        let message = (try? checkMessage(path: "/allow")) ?? []
        return [
            ("compressed flag 1", framed(message, flag: 1)),
            ("length larger than the bytes", framed(message, length: message.count + 1)),
            ("length smaller than the bytes", framed(message, length: message.count - 1)),
            ("fewer than 5 bytes", [0, 0, 0]),
            ("two messages", framed(message) + framed(message)),
            ("no message at all", nil),
            ("undecodable protobuf", framed([0xFF, 0xFF, 0xFF])),
        ]
    }()

    @Test(
        "a malformed request message is INTERNAL", arguments: malformed,
        [Connection.checkPath, "/grpc.health.v1.Health/Check"])
    func malformedMessage(testCase: (name: String, bytes: [UInt8]?), path: String) throws {
        let connection = try Connection()
        defer { connection.finish() }
        if let bytes = testCase.bytes {
            try connection.headers(1, Connection.requestHeaders(path: path))
            try connection.data(1, bytes, end: true)
        } else {
            try connection.headers(1, Connection.requestHeaders(path: path), end: true)
        }
        let frames = try connection.written()
        #expect(frames.count == 1)
        #expect(try trailersOnly(frames, stream: 1).first(name: "grpc-status") == "13")
        #expect(connection.responder.requests.isEmpty)
    }

    // MARK: grpc-timeout

    static let timeouts: [(String, TimeAmount?)] = [
        ("100m", .milliseconds(100)),
        ("5S", .seconds(5)),
        ("1H", .hours(1)),
        ("7M", .minutes(7)),
        ("250u", .microseconds(250)),
        ("9n", .nanoseconds(9)),
        ("0n", .nanoseconds(0)),
        ("12345678m", .milliseconds(12_345_678)),
        ("99999999H", .nanoseconds(.max)),  // capped, no overflow
        ("", nil),
        ("m", nil),
        ("123456789m", nil),
        ("10x", nil),
        ("-1S", nil),
        ("1.5S", nil),
        (" 1S", nil),
        ("S1", nil),
        ("1s", nil),
    ]

    @Test("grpc-timeout values", arguments: timeouts)
    func timeout(text: String, amount: TimeAmount?) {
        #expect(GRPCConnectionHandler.timeout(text) == amount)
    }

    @Test("an expired deadline is DEADLINE_EXCEEDED", arguments: ["1n", "0n", "1u"])
    func expiredDeadline(timeout: String) throws {
        let connection = try Connection()
        defer { connection.finish() }
        try connection.headers(1, Connection.requestHeaders(extra: [("grpc-timeout", timeout)]))
        try connection.data(1, framed(try checkMessage(path: "/allow")), end: true)
        let frames = try connection.written()
        #expect(frames.count == 1)
        #expect(try trailersOnly(frames, stream: 1).first(name: "grpc-status") == "4")
        #expect(connection.responder.requests.isEmpty)
    }

    @Test("a deadline not yet passed is served")
    func liveDeadline() throws {
        let connection = try Connection()
        defer { connection.finish() }
        try connection.headers(1, Connection.requestHeaders(extra: [("grpc-timeout", "10S")]))
        try connection.data(1, framed(try checkMessage(path: "/allow")), end: true)
        let response = try unaryAnswer(
            try connection.written(), stream: 1, as: Envoy_Service_Auth_V3_CheckResponse.self)
        #expect(response.status.code == 0)
    }

    // MARK: grpc-message

    @Test(
        "grpc-message percent-encoding",
        arguments: [
            ("plain text, with punctuation: ok!", "plain text, with punctuation: ok!"),
            ("100%", "100%25"),
            ("é", "%C3%A9"),
            ("a\nb\r", "a%0Ab%0D"),
            ("tab\there", "tab%09here"),
            ("~ \u{7F}", "~ %7F"),
            ("", ""),
            ("🙂", "%F0%9F%99%82"),
        ])
    func percentEncoding(text: String, encoded: String) {
        #expect(GRPCConnectionHandler.percentEncoded(text) == encoded)
    }

    // MARK: Health

    @Test(
        "Health/Check answers SERVING when ready, NOT_SERVING when not",
        arguments: ["", "envoy.service.auth.v3.Authorization"], [true, false])
    func healthCheck(service: String, ready: Bool) throws {
        let connection = try Connection(ready: ready)
        defer { connection.finish() }
        try connection.call(1, path: "/grpc.health.v1.Health/Check", message: try healthMessage(service))
        let response = try unaryAnswer(
            try connection.written(), stream: 1, as: Grpc_Health_V1_HealthCheckResponse.self)
        #expect(response.status == (ready ? .serving : .notServing))
    }

    @Test("Health/Check for an unknown service is NOT_FOUND")
    func healthCheckUnknown() throws {
        let connection = try Connection()
        defer { connection.finish() }
        try connection.call(1, path: "/grpc.health.v1.Health/Check", message: try healthMessage("other.Service"))
        let frames = try connection.written()
        #expect(frames.count == 1)
        #expect(try trailersOnly(frames, stream: 1).first(name: "grpc-status") == "5")
    }

    /// The Watch answer so far on `stream`: HEADERS 200 and one message, the stream left open.
    func watchAnswer(
        _ frames: [HTTP2Frame], stream: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Grpc_Health_V1_HealthCheckResponse {
        let mine = on(stream, frames)
        try #require(mine.count == 2, "frames: \(mine)", sourceLocation: sourceLocation)
        let head = try #require(mine[0].headerBlock, sourceLocation: sourceLocation)
        #expect(head.headers.first(name: ":status") == "200", sourceLocation: sourceLocation)
        #expect(!head.endStream, sourceLocation: sourceLocation)
        let body = try #require(mine[1].dataBlock, sourceLocation: sourceLocation)
        #expect(!body.endStream, sourceLocation: sourceLocation)
        #expect(Array(body.bytes.prefix(5)) == framed([], length: body.bytes.count - 5), sourceLocation: sourceLocation)
        return try Grpc_Health_V1_HealthCheckResponse(serializedBytes: Array(body.bytes.dropFirst(5)))
    }

    @Test(
        "Health/Watch sends the status once and keeps the stream open",
        arguments: [("", true, .serving), ("", false, .notServing), ("other.Service", true, .serviceUnknown)]
            as [(String, Bool, Grpc_Health_V1_HealthCheckResponse.ServingStatus)])
    func healthWatch(service: String, ready: Bool, status: Grpc_Health_V1_HealthCheckResponse.ServingStatus) throws {
        let connection = try Connection(ready: ready)
        defer { connection.finish() }
        try connection.call(1, path: "/grpc.health.v1.Health/Watch", message: try healthMessage(service))
        #expect(try watchAnswer(try connection.written(), stream: 1).status == status)
        // More from the client changes nothing.
        try connection.headers(1, HPACKHeaders([("x-trailer", "1")]), end: true)
        #expect(try connection.written().isEmpty)
        // An open Watch keeps an idle connection open.
        connection.channel.pipeline.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.all)
        #expect(connection.channel.isActive)
    }

    // MARK: Graceful shutdown

    @Test("quiesce: GOAWAY with the last stream, Watch streams ended UNAVAILABLE, the connection closed")
    func quiesceWithWatch() throws {
        let connection = try Connection()
        defer { connection.finish() }
        try connection.call(1, message: try checkMessage(path: "/allow"))
        try connection.call(3, path: "/grpc.health.v1.Health/Watch", message: try healthMessage(""))
        try connection.call(5, path: "/grpc.health.v1.Health/Watch", message: try healthMessage(""))
        _ = try connection.written()
        connection.quiesce()
        let frames = try connection.written()
        let goAway = try #require(frames.first?.goAway)
        #expect(frames.first?.streamID == .rootStream)
        #expect(goAway.lastStreamID == 5)
        #expect(goAway.errorCode == .noError)
        for stream in [3, 5] {
            let mine = on(stream, frames)
            #expect(mine.count == 1)
            let trailers = try #require(mine.first?.headerBlock)
            #expect(trailers.endStream)
            #expect(trailers.headers.first(name: "grpc-status") == "14")
            #expect(trailers.headers.first(name: "grpc-message") == "the server is shutting down")
        }
        #expect(!connection.channel.isActive)
    }

    @Test("quiesce with nothing open: GOAWAY, then closed at once; a second quiesce sends nothing more")
    func quiesceIdle() throws {
        let connection = try Connection()
        defer { connection.finish() }
        connection.quiesce()
        let frames = try connection.written()
        #expect(frames.count == 1)
        #expect(frames.first?.goAway?.lastStreamID == .rootStream)
        #expect(!connection.channel.isActive)
        connection.quiesce()
        #expect(try connection.written().isEmpty)
    }

    @Test("quiesce with a check in flight: closed only once it is answered")
    func quiesceWithCheckInFlight() throws {
        let connection = try Connection()
        defer { connection.finish() }
        try connection.headers(7)
        try connection.headers(9)
        connection.quiesce()
        let frames = try connection.written()
        #expect(frames.count == 1)
        #expect(frames.first?.goAway?.lastStreamID == 9)
        #expect(connection.channel.isActive)
        try connection.data(9, framed(try checkMessage(path: "/allow")), end: true)
        _ = try unaryAnswer(try connection.written(), stream: 9, as: Envoy_Service_Auth_V3_CheckResponse.self)
        #expect(connection.channel.isActive)
        try connection.data(7, framed(try checkMessage(path: "/deny")), end: true)
        let response = try unaryAnswer(
            try connection.written(), stream: 7, as: Envoy_Service_Auth_V3_CheckResponse.self)
        #expect(response.status.code == 7)
        #expect(!connection.channel.isActive)
    }

    @Test("quiesce with a check in flight that is then refused: closed after the refusal")
    func quiesceThenRefused() throws {
        let connection = try Connection(maximumMessageBytes: 10)
        defer { connection.finish() }
        try connection.headers(1)
        connection.quiesce()
        _ = try connection.written()
        #expect(connection.channel.isActive)
        try connection.data(1, framed(Array(repeating: 1, count: 11)))
        let frames = try connection.written()
        #expect(try trailersOnly(frames, stream: 1).first(name: "grpc-status") == "8")
        #expect(frames.last?.isReset == true)
        #expect(!connection.channel.isActive)
    }

    @Test("quiesce with a Watch whose request has not arrived: every frame on it is a valid gRPC answer")
    func quiesceWithUnansweredWatch() throws {
        let connection = try Connection()
        defer { connection.finish() }
        try connection.headers(1, Connection.requestHeaders(path: "/grpc.health.v1.Health/Watch"))
        connection.quiesce()
        let frames = try connection.written()
        #expect(frames.first?.goAway?.lastStreamID == 1)
        if on(1, frames).isEmpty {
            // Kept like any request in flight: served when its message arrives, then ended at once.
            #expect(connection.channel.isActive)
            try connection.data(1, framed(try healthMessage("")), end: true)
            let answer = try connection.written()
            let mine = on(1, answer)
            try #require(mine.count == 3, "frames: \(mine)")
            #expect(mine[0].headerBlock?.headers.first(name: ":status") == "200")
            #expect(mine[1].dataBlock != nil)
            #expect(mine[2].headerBlock?.endStream == true)
            #expect(mine[2].headerBlock?.headers.first(name: "grpc-status") == "14")
        } else {
            // Or ended at once: the stream has had no response headers, so this must be a
            // trailers-only response (`:status 200`, `content-type`, `grpc-status`), which
            // NIOHTTP2Handler would otherwise refuse to send.
            #expect(try trailersOnly(frames, stream: 1).first(name: "grpc-status") == "14")
        }
        #expect(!connection.channel.isActive)
    }

    @Test("quiesce, then the client resets the last open stream: closed")
    func quiesceThenReset() throws {
        let connection = try Connection()
        defer { connection.finish() }
        try connection.headers(1)
        connection.quiesce()
        _ = try connection.written()
        #expect(connection.channel.isActive)
        try connection.reset(1)
        #expect(try connection.written().isEmpty)
        #expect(!connection.channel.isActive)
    }

    @Test("quiesce, then a stream error on the last open stream: closed")
    func quiesceThenStreamError() throws {
        let connection = try Connection()
        defer { connection.finish() }
        try connection.headers(1)
        connection.quiesce()
        _ = try connection.written()
        connection.channel.pipeline.fireErrorCaught(
            NIOHTTP2Errors.streamError(streamID: 1, baseError: NIOHTTP2Errors.contentLengthViolated()))
        #expect(!connection.channel.isActive)
    }

    // MARK: Client resets, idleness, errors

    @Test("RST_STREAM from the client drops the stream: nothing is written for it afterwards")
    func clientReset() throws {
        let connection = try Connection()
        defer { connection.finish() }
        try connection.headers(1)
        try connection.headers(3)
        try connection.data(1, Array(framed(try checkMessage(path: "/allow")).prefix(10)))
        try connection.reset(1)
        try connection.data(1, Array(framed(try checkMessage(path: "/allow")).dropFirst(10)), end: true)
        #expect(try connection.written().isEmpty)
        #expect(connection.responder.requests.isEmpty)
        // The other stream is unaffected.
        try connection.data(3, framed(try checkMessage(path: "/allow")), end: true)
        _ = try unaryAnswer(try connection.written(), stream: 3, as: Envoy_Service_Auth_V3_CheckResponse.self)
        #expect(connection.channel.isActive)
    }

    @Test("RST_STREAM from the client ends an open Watch")
    func clientResetWatch() throws {
        let connection = try Connection()
        defer { connection.finish() }
        try connection.call(1, path: "/grpc.health.v1.Health/Watch", message: try healthMessage(""))
        _ = try connection.written()
        try connection.reset(1)
        // Nothing is open any more: idleness closes the connection.
        connection.channel.pipeline.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.all)
        #expect(!connection.channel.isActive)
    }

    @Test(
        "idleness closes a connection with no open stream",
        arguments: [
            (IdleStateHandler.IdleStateEvent.all, false, true),
            (.all, true, false),
            (.read, false, false),
            (.write, false, false),
        ])
    func idle(event: IdleStateHandler.IdleStateEvent, streamOpen: Bool, closes: Bool) throws {
        let connection = try Connection()
        defer { connection.finish() }
        try connection.call(1, message: try checkMessage(path: "/allow"))
        _ = try connection.written()
        if streamOpen { try connection.headers(3) }
        connection.channel.pipeline.fireUserInboundEventTriggered(event)
        #expect(connection.channel.isActive == !closes)
    }

    /// An error that is not NIOHTTP2Handler's (I/O, TLS).
    struct OtherError: Error {}

    @Test("an error that is not NIOHTTP2Handler's closes the connection")
    func connectionError() throws {
        let connection = try Connection()
        defer { connection.finish() }
        try connection.headers(1)
        connection.channel.pipeline.fireErrorCaught(OtherError())
        #expect(!connection.channel.isActive)
    }

    @Test("NIOHTTP2Handler's errors leave the closing to its GOAWAY: an error code closes, NO_ERROR does not")
    func connectionProtocolError() throws {
        let connection = try Connection()
        defer { connection.finish() }
        // Reported alone (a stream error NIOHTTP2Handler sends unwrapped): the connection stays.
        connection.channel.pipeline.fireErrorCaught(NIOHTTP2Errors.excessiveRSTFrames())
        #expect(connection.channel.isActive)
        let closer = GoAwayCloser(channel: connection.channel)
        closer.wroteFrame(
            HTTP2Frame(streamID: .rootStream, payload: .goAway(lastStreamID: 1, errorCode: .noError, opaqueData: nil)))
        connection.channel.embeddedEventLoop.run()
        #expect(connection.channel.isActive)
        // The GOAWAY NIOHTTP2Handler writes for a connection error closes it.
        closer.wroteFrame(
            HTTP2Frame(
                streamID: .rootStream, payload: .goAway(lastStreamID: 1, errorCode: .protocolError, opaqueData: nil)))
        connection.channel.embeddedEventLoop.run()
        #expect(!connection.channel.isActive)
    }

    @Test("a StreamError drops that stream only; the connection stays open")
    func streamError() throws {
        let connection = try Connection()
        defer { connection.finish() }
        try connection.headers(1)
        try connection.headers(3)
        connection.channel.pipeline.fireErrorCaught(
            NIOHTTP2Errors.streamError(streamID: 1, baseError: NIOHTTP2Errors.contentLengthViolated()))
        #expect(connection.channel.isActive)
        try connection.data(1, framed(try checkMessage(path: "/allow")), end: true)
        #expect(try connection.written().isEmpty)
        try connection.data(3, framed(try checkMessage(path: "/allow")), end: true)
        _ = try unaryAnswer(try connection.written(), stream: 3, as: Envoy_Service_Auth_V3_CheckResponse.self)
    }

    // MARK: Flow control

    @Test("the connection window is opened once, also when the handler joins an active channel")
    func windowOnActivation() throws {
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 50_051)).wait()
        try channel.pipeline.syncOperations.addHandler(
            GRPCConnectionHandler(authorizer: try StubResponder(), ready: { true }, maximumMessageBytes: 100))
        let window = try #require(try channel.readOutbound(as: HTTP2Frame.self))
        #expect(window.streamID == .rootStream)
        #expect(window.windowIncrement == (1 << 24) - 65_535)
        channel.pipeline.fireChannelActive()
        #expect(try channel.readOutbound(as: HTTP2Frame.self) == nil)
    }

    @Test("the connection window is topped up when NIOHTTP2Handler reports it below half, whatever consumed it")
    func windowReplenished() throws {
        let connection = try Connection(maximumMessageBytes: 100)
        defer { connection.finish() }
        let window = GRPCConnectionHandler.connectionWindow
        func report(_ inbound: Int) {
            connection.channel.pipeline.fireUserInboundEventTriggered(
                NIOHTTP2WindowUpdatedEvent(
                    streamID: .rootStream, inboundWindowSize: inbound, outboundWindowSize: 65_535))
        }
        // Above half: nothing.
        report(window / 2 + 1)
        #expect(try connection.written().filter { $0.streamID == .rootStream }.isEmpty)
        // Below half (also from DATA NIOHTTP2Handler dropped itself): back to the full window.
        report(window / 2 - 100)
        let windows = try connection.written().filter { $0.streamID == .rootStream }
        #expect(windows.count == 1)
        #expect(windows.first?.windowIncrement == window / 2 + 100)
        // A stream's window is not the connection's.
        connection.channel.pipeline.fireUserInboundEventTriggered(
            NIOHTTP2WindowUpdatedEvent(streamID: 1, inboundWindowSize: 0, outboundWindowSize: 0))
        #expect(try connection.written().filter { $0.streamID == .rootStream }.isEmpty)
    }

    @Test("initial settings: streams for Envoy, a stream window holding the largest message")
    func initialSettings() {
        let settings = GRPCConnectionHandler.initialSettings(maximumMessageBytes: 1 << 20, maximumHeaderBytes: 65_536)
        let values = Dictionary(uniqueKeysWithValues: settings.map { ($0.parameter, $0.value) })
        #expect(values[.maxConcurrentStreams] == 256)
        #expect(values[.initialWindowSize] == (1 << 20) + 5 + 16_384)
        #expect(values[.maxHeaderListSize] == 65_536)
        #expect(values[.maxFrameSize] == 16_384)
        let huge = GRPCConnectionHandler.initialSettings(maximumMessageBytes: Int(Int32.max), maximumHeaderBytes: 1)
        #expect(huge.first { $0.parameter == .initialWindowSize }?.value == Int(Int32.max))
    }
}

// MARK: - Behind a real NIOHTTP2Handler (in memory, no socket)

/// A client `NIOHTTP2Handler` and the server pipeline (`NIOHTTP2Handler`, `GRPCConnectionHandler`), each in
/// an `EmbeddedChannel`, their bytes moved by ``pump()``.
private struct WirePair {
    let wire: InMemoryHTTP2
    let responder: StubResponder
    var client: EmbeddedChannel { wire.client }
    var server: EmbeddedChannel { wire.server }

    init(maximumMessageBytes: Int = 1 << 16) throws {
        let responder = try StubResponder()
        self.responder = responder
        wire = try InMemoryHTTP2 { server in
            let settings = GRPCConnectionHandler.initialSettings(
                maximumMessageBytes: maximumMessageBytes, maximumHeaderBytes: 65_536)
            try server.pipeline.syncOperations.addHandler(NIOHTTP2Handler(mode: .server, initialSettings: settings))
            try server.pipeline.syncOperations.addHandler(
                GRPCConnectionHandler(authorizer: responder, ready: { true }, maximumMessageBytes: maximumMessageBytes))
        }
    }

    func pump() throws { try wire.pump() }
    func send(_ stream: Int, _ payload: HTTP2Frame.FramePayload) throws { try wire.send(stream, payload) }
    func received() throws -> [HTTP2Frame] { try wire.received() }
    func finish() { wire.finish() }

    /// A Check: headers, then the message in DATA frames of at most 16 KiB, the last ending the stream.
    func sendCall(_ stream: Int, framedMessage: [UInt8], headers: HPACKHeaders = Connection.requestHeaders()) throws {
        try send(stream, .headers(.init(headers: headers)))
        var start = 0
        repeat {
            let end = min(start + 16_384, framedMessage.count)
            try send(
                stream,
                .data(
                    .init(
                        data: .byteBuffer(ByteBuffer(bytes: framedMessage[start..<end])),
                        endStream: end == framedMessage.count)))
            start = end
        } while start < framedMessage.count
    }

}

@Suite("GRPCConnectionHandler behind NIOHTTP2Handler (in memory)")
struct GRPCConnectionHandlerWireTests {
    @Test("a Check over real HTTP/2 framing; the answer passes NIOHTTP2Handler's validation")
    func check() throws {
        let pair = try WirePair()
        defer { pair.finish() }
        try pair.sendCall(1, framedMessage: framed(try checkMessage(path: "/allow")))
        try pair.sendCall(3, framedMessage: framed(try checkMessage(path: "/deny")))
        try pair.pump()
        let frames = try pair.received()
        #expect(try unaryAnswer(frames, stream: 1, as: Envoy_Service_Auth_V3_CheckResponse.self).status.code == 0)
        #expect(try unaryAnswer(frames, stream: 3, as: Envoy_Service_Auth_V3_CheckResponse.self).status.code == 7)
    }

    @Test("refusals over real HTTP/2 framing (trailers-only, 415, RST_STREAM)")
    func refusals() throws {
        let pair = try WirePair(maximumMessageBytes: 100)
        defer { pair.finish() }
        try pair.send(1, .headers(.init(headers: Connection.requestHeaders(path: "/x/Y"), endStream: true)))
        try pair.send(3, .headers(.init(headers: Connection.requestHeaders(contentType: "text/plain"))))
        try pair.sendCall(5, framedMessage: framed(Array(repeating: 1, count: 200)))
        try pair.pump()
        let frames = try pair.received()
        #expect(try trailersOnly(frames, stream: 1).first(name: "grpc-status") == "12")
        #expect(on(3, frames).first?.headerBlock?.headers.first(name: ":status") == "415")
        #expect(try trailersOnly(frames, stream: 5).first(name: "grpc-status") == "8")
        #expect(pair.server.isActive)
    }

    @Test("a stream-level protocol error on one stream leaves the other checks of the connection alone")
    func streamProtocolError() throws {
        let pair = try WirePair()
        defer { pair.finish() }
        try pair.send(1, .headers(.init(headers: Connection.requestHeaders())))
        try pair.pump()
        // An upper-case header name is a stream error (RFC 9113 §8.2.1): NIOHTTP2Handler resets the
        // stream and reports the error.
        try pair.send(
            3, .headers(.init(headers: Connection.requestHeaders(extra: [("X-Upper", "1")]), endStream: true)))
        try pair.pump()
        let afterError = try pair.received()
        #expect(on(3, afterError).first?.isReset == true)
        // A stream error, not a connection error: no GOAWAY.
        #expect(afterError.allSatisfy { $0.goAway == nil })
        try pair.send(
            1,
            .data(
                .init(data: .byteBuffer(ByteBuffer(bytes: framed(try checkMessage(path: "/allow")))), endStream: true)))
        try pair.pump()
        #expect(pair.server.isActive)
        _ = try unaryAnswer(try pair.received(), stream: 1, as: Envoy_Service_Auth_V3_CheckResponse.self)
    }

    @Test("the connection window survives refused messages whose DATA was already in flight")
    func windowAfterRefusals() throws {
        let limit = 1 << 20
        let pair = try WirePair(maximumMessageBytes: limit)
        defer { pair.finish() }
        // Each message announces one byte more than the limit; the client sends it whole (its stream
        // window allows it) before the refusal reaches it.
        let oversized = framed(Array(repeating: 0x41, count: limit + 1))
        var stream = 1
        for _ in 0..<4 {
            try pair.sendCall(stream, framedMessage: oversized)
            try pair.pump()
            stream += 2
        }
        // Each was refused at its first DATA frame, and a check still gets through.
        let refusals = try pair.received()
        for refused in stride(from: 1, to: stream, by: 2) {
            #expect(try trailersOnly(refusals, stream: refused).first(name: "grpc-status") == "8")
        }
        try pair.sendCall(stream, framedMessage: framed(try checkMessage(path: "/allow")))
        try pair.pump()
        _ = try unaryAnswer(try pair.received(), stream: stream, as: Envoy_Service_Auth_V3_CheckResponse.self)
        stream += 2
        // About 1 MiB of connection window is lost with each: after 16 MiB the connection is stuck.
        for _ in 0..<16 {
            try pair.sendCall(stream, framedMessage: oversized)
            try pair.pump()
            stream += 2
        }
        _ = try pair.received()
        try pair.sendCall(stream, framedMessage: framed(try checkMessage(path: "/allow")))
        try pair.pump()
        let response = try unaryAnswer(
            try pair.received(), stream: stream, as: Envoy_Service_Auth_V3_CheckResponse.self)
        #expect(response.status.code == 0)
    }
}

// MARK: - Answers decided later

/// An authorizer whose answers come later (as an identity token's first check waits for STS): each
/// check is held until the test releases it, then allowed.
private final class DeferredResponder: Authorizer, Sendable {
    private let held = Mutex<[@Sendable () -> Void]>([])

    func check(_ request: AuthzRequest) -> CheckResult { Self.allowed }

    func answer(_ request: AuthzRequest) -> CheckAnswer {
        .later(PendingCheck { completion in self.held.withLock { $0.append { completion(Self.allowed) } } })
    }

    func refuse(_ refusal: Refusal) -> CheckResult {
        CheckResult(
            decision: .deny(refusal.reason, refusal.message), requestID: "r", mode: refusal.mode, time: 0)
    }

    /// How many checks wait.
    var waiting: Int { held.withLock { $0.count } }

    /// Answers every held check (on this thread, as a verification's task would on its own).
    func release() {
        let all = held.withLock { held in
            defer { held = [] }
            return held
        }
        for answer in all { answer() }
    }

    static let allowed = CheckResult(
        decision: Decision(effect: .allow, reason: .allowed, rule: "later", message: "allowed later"),
        requestID: "rid", mode: .grpc, time: 0)
}

@Suite("GRPCConnectionHandler: checks answered later")
struct GRPCDeferredAnswerTests {
    fileprivate static func connection(
        _ responder: DeferredResponder, requestTimeout: TimeAmount = .seconds(10)
    ) throws
        -> EmbeddedChannel
    {
        let handler = GRPCConnectionHandler(authorizer: responder, ready: { true }, maximumMessageBytes: 1 << 16)
        handler.requestTimeout = requestTimeout
        let channel = EmbeddedChannel(handler: handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 50_051)).wait()
        _ = try channel.readOutbound(as: HTTP2Frame.self)  // the connection window
        return channel
    }

    static func call(_ channel: EmbeddedChannel, _ stream: Int) throws {
        let id = HTTP2StreamID(stream)
        try channel.writeInbound(
            HTTP2Frame(streamID: id, payload: .headers(.init(headers: Connection.requestHeaders(), endStream: false))))
        try channel.writeInbound(
            HTTP2Frame(
                streamID: id,
                payload: .data(
                    .init(data: .byteBuffer(ByteBuffer(bytes: framed(try checkMessage(path: "/x")))), endStream: true)
                )))
    }

    static func written(_ channel: EmbeddedChannel) throws -> [HTTP2Frame] {
        var frames: [HTTP2Frame] = []
        while let frame = try channel.readOutbound(as: HTTP2Frame.self) { frames.append(frame) }
        return frames
    }

    @Test func theStreamWaitsAndIsAnsweredWhenTheDecisionComes() throws {
        let responder = DeferredResponder()
        let channel = try Self.connection(responder)
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
        try Self.call(channel, 1)
        #expect(try Self.written(channel).isEmpty)
        #expect(responder.waiting == 1)
        responder.release()
        channel.embeddedEventLoop.run()
        let response = try unaryAnswer(
            try Self.written(channel), stream: 1, as: Envoy_Service_Auth_V3_CheckResponse.self)
        #expect(response.status.code == 0)
        #expect(
            response.okResponse.headers.contains { $0.header.key == "x-sigv4-authz-rule" && $0.header.value == "later" }
        )
    }

    @Test func aStreamResetWhileWaitingGetsNothingAndOthersAreAnswered() throws {
        let responder = DeferredResponder()
        let channel = try Self.connection(responder)
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
        try Self.call(channel, 1)
        try Self.call(channel, 3)
        try channel.writeInbound(HTTP2Frame(streamID: HTTP2StreamID(1), payload: .rstStream(.cancel)))
        responder.release()
        channel.embeddedEventLoop.run()
        let frames = try Self.written(channel)
        #expect(on(1, frames).isEmpty, "\(frames)")
        _ = try unaryAnswer(frames, stream: 3, as: Envoy_Service_Auth_V3_CheckResponse.self)
    }

    @Test func theRequestDeadlineHoldsWhileWaiting() throws {
        let responder = DeferredResponder()
        let channel = try Self.connection(responder, requestTimeout: .seconds(2))
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
        try Self.call(channel, 1)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        let headers = try trailersOnly(try Self.written(channel), stream: 1)
        #expect(headers.first(name: "grpc-status") == "4")
        // The late decision writes nothing.
        responder.release()
        channel.embeddedEventLoop.run()
        #expect(try Self.written(channel).isEmpty)
    }

    @Test func gracefulShutdownWaitsForTheAnswerThenCloses() throws {
        let responder = DeferredResponder()
        let channel = try Self.connection(responder)
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
        try Self.call(channel, 1)
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(try Self.written(channel).contains { if case .goAway = $0.payload { true } else { false } })
        #expect(channel.isActive)
        responder.release()
        channel.embeddedEventLoop.run()
        _ = try unaryAnswer(try Self.written(channel), stream: 1, as: Envoy_Service_Auth_V3_CheckResponse.self)
        #expect(!channel.isActive)
    }
}
