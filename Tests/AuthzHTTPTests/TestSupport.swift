import AuthzCore
import AuthzFixtures
import Foundation
import HTTP2TestSupport
import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
import SigV4
import Synchronization
import Testing

@testable import AuthzHTTP

// MARK: - The authorizer

/// The decision core of the fixtures (``EngineFixtures/engine(legacy:requireSignature:)``), recording
/// what each front end asked of it.
final class RecordingAuthorizer: Authorizer, Sendable {
    let engine: AuthzEngine
    private let checks = Mutex<[AuthzRequest]>([])
    private let refusals = Mutex<[Refusal]>([])
    /// Whether ``answer(_:)`` holds each decision until ``release()`` (as an identity token's first check
    /// waits for STS).
    let deferring: Bool
    private let held = Mutex<[@Sendable () -> Void]>([])

    init(deferring: Bool = false) throws {
        engine = try EngineFixtures.engine()
        self.deferring = deferring
    }

    func answer(_ request: AuthzRequest) -> CheckAnswer {
        guard deferring else { return .now(check(request)) }
        let result = check(request)
        return .later(PendingCheck { completion in self.held.withLock { $0.append { completion(result) } } })
    }

    /// How many decisions are held.
    var waiting: Int { held.withLock { $0.count } }

    /// Hands every held decision to its front end (on this thread, as a verification's task would).
    func release() {
        let all = held.withLock { held in
            defer { held = [] }
            return held
        }
        for answer in all { answer() }
    }

    /// The requests decided so far, in order.
    var requests: [AuthzRequest] { checks.withLock { $0 } }
    /// The refusals so far, in order.
    var refused: [Refusal] { refusals.withLock { $0 } }

    func check(_ request: AuthzRequest) -> CheckResult {
        checks.withLock { $0.append(request) }
        return engine.check(request)
    }

    func refuse(_ refusal: Refusal) -> CheckResult {
        refusals.withLock { $0.append(refusal) }
        return engine.refuse(refusal)
    }
}

// MARK: - Requests

enum Requests {
    /// An S3 bucket of the fixtures' allowed `prod` account.
    static let s3Host = "prod-data.s3.eu-west-1.amazonaws.com"

    /// The headers of a GET of `/k.txt` signed by an allowed key (the engine allows it), `Host` first.
    static func signedHeaders(target: String = "/k.txt") -> [(String, String)] {
        let (request, _) = EngineFixtures.signed(host: s3Host, target: target, service: "s3", region: "eu-west-1")
        return request.headers.map { ($0.name, $0.value) }
    }

    /// An HTTP/1.1 request as bytes on the wire (`content-length` added for a body).
    static func http1(
        _ method: String = "GET", _ target: String, headers: [(String, String)], body: String? = nil
    ) -> String {
        var text = "\(method) \(target) HTTP/1.1\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body { text += "content-length: \(body.utf8.count)\r\n" }
        text += "\r\n"
        return text + (body ?? "")
    }
}

// MARK: - HTTP/1.1 responses

/// An HTTP/1.1 response parsed from the bytes the server wrote.
struct HTTP1Response: Sendable {
    var statusLine: String
    var status: Int
    var headers: [(name: String, value: String)]
    var body: String

    /// The first value of a header (any letter case).
    func header(_ name: String) -> String? { values(name).first }

    /// Every value of a header (any letter case).
    func values(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    /// Every response in `text`, which must hold whole responses only (each with `content-length`).
    static func parseAll(_ text: String) throws -> [HTTP1Response] {
        var rest = Substring(text)
        var responses: [HTTP1Response] = []
        while !rest.isEmpty {
            guard let end = rest.range(of: "\r\n\r\n") else { throw Malformed(description: "no end of head: \(rest)") }
            let lines = rest[..<end.lowerBound].components(separatedBy: "\r\n")
            rest = rest[end.upperBound...]
            let statusLine = lines[0]
            let parts = statusLine.split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, parts[0] == "HTTP/1.1" || parts[0] == "HTTP/1.0", let status = Int(parts[1]) else {
                throw Malformed(description: "status line: \(statusLine)")
            }
            var headers: [(name: String, value: String)] = []
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { throw Malformed(description: "header: \(line)") }
                headers.append(
                    (String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " })))
            }
            var response = HTTP1Response(statusLine: statusLine, status: status, headers: headers, body: "")
            guard let length = response.header("content-length").flatMap(Int.init), length <= rest.utf8.count else {
                throw Malformed(description: "content-length of \(statusLine)")
            }
            let bodyEnd = rest.utf8.index(rest.startIndex, offsetBy: length)
            response.body = String(rest[..<bodyEnd])
            rest = rest[bodyEnd...]
            responses.append(response)
        }
        return responses
    }
}

// MARK: - The pipeline in an EmbeddedChannel

/// ``HTTPCheckPipeline/configure(_:configuration:authorizer:)`` on an `EmbeddedChannel`, connected from
/// 10.9.8.7: raw bytes in, raw bytes out.
struct EmbeddedConnection {
    static let peer = "10.9.8.7"

    let channel: EmbeddedChannel
    let authorizer: RecordingAuthorizer

    init(configuration: HTTPCheckConfiguration = HTTPCheckConfiguration(), deferring: Bool = false) throws {
        authorizer = try RecordingAuthorizer(deferring: deferring)
        channel = EmbeddedChannel()
        try HTTPCheckPipeline.configure(channel, configuration: configuration, authorizer: authorizer)
        try channel.connect(to: SocketAddress(ipAddress: Self.peer, port: 40_000)).wait()
    }

    /// Writes bytes as the client (nothing, once the server has closed).
    func send(_ text: String) throws {
        try send(bytes: Array(text.utf8))
    }

    func send(bytes: [UInt8]) throws {
        guard channel.isActive else { return }
        try channel.writeInbound(ByteBuffer(bytes: bytes))
        channel.embeddedEventLoop.run()
    }

    /// Every byte written since the last call.
    func written() throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let data = try channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(let buffer) = data else {
                Issue.record("a file region was written")
                continue
            }
            bytes += buffer.readableBytesView
        }
        return bytes
    }

    /// The HTTP/1.1 responses written since the last call.
    func responses() throws -> [HTTP1Response] {
        try HTTP1Response.parseAll(String(decoding: try written(), as: UTF8.self))
    }

    func quiesce() {
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        channel.embeddedEventLoop.run()
    }

    var isOpen: Bool { channel.isActive }

    func finish() {
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }
}

// MARK: - HTTP/2 in memory

/// A client `NIOHTTP2Handler` in one `EmbeddedChannel` and the check pipeline
/// (``HTTPCheckPipeline/configure(_:configuration:authorizer:)``: h2c by its preface) in another, their
/// bytes moved by ``pump()``.
struct H2CWire {
    let wire: InMemoryHTTP2
    let authorizer: RecordingAuthorizer
    var client: EmbeddedChannel { wire.client }
    var server: EmbeddedChannel { wire.server }

    /// `handshake: false` leaves the client's preface, SETTINGS and what it sends next unsent until the
    /// first ``pump()``, so the server reads them before it has the client's SETTINGS ACK.
    init(
        configuration: HTTPCheckConfiguration = HTTPCheckConfiguration(), handshake: Bool = true,
        deferring: Bool = false
    ) throws {
        let authorizer = try RecordingAuthorizer(deferring: deferring)
        self.authorizer = authorizer
        wire = try InMemoryHTTP2(peer: EmbeddedConnection.peer, handshake: handshake) { server in
            try HTTPCheckPipeline.configure(server, configuration: configuration, authorizer: authorizer)
        }
    }

    func pump() throws { try wire.pump() }
    func send(_ stream: Int, _ payload: HTTP2Frame.FramePayload) throws { try wire.send(stream, payload) }
    func received() throws -> [HTTP2Frame] { try wire.received() }
    func finish() { wire.finish() }

    /// The request headers of a check: pseudo-headers, then `extra` (lower-case names).
    static func requestHeaders(
        method: String = "GET", path: String, authority: String = Requests.s3Host, extra: [(String, String)] = []
    ) -> HPACKHeaders {
        HPACKHeaders([(":method", method), (":scheme", "http"), (":path", path), (":authority", authority)] + extra)
    }
}
