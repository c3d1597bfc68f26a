import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A request the test server received.
struct RecordedRequest: Sendable {
    var method: String
    var uri: String
    var headers: HTTPHeaders
    var body: [UInt8]

    var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The `application/x-www-form-urlencoded` fields of the body, decoded.
    var formFields: [String: String] {
        var fields: [String: String] = [:]
        for pair in bodyText.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { continue }
            fields[Self.percentDecoded(parts[0])] = Self.percentDecoded(parts[1])
        }
        return fields
    }

    private static func percentDecoded(_ text: Substring) -> String {
        var out: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let byte = bytes.first {
            if byte == UInt8(ascii: "%"), bytes.count >= 3,
                let value = UInt8(String(decoding: bytes.dropFirst().prefix(2), as: UTF8.self), radix: 16)
            {
                out.append(value)
                bytes = bytes.dropFirst(3)
            } else {
                out.append(byte)
                bytes = bytes.dropFirst()
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// What the test server answers.
enum TestAnswer: Sendable {
    case respond(status: Int, headers: [(String, String)] = [], body: String)
    /// Read the request and never answer (a timeout).
    case silence

    static func ok(_ body: String, contentType: String = "text/plain") -> TestAnswer {
        .respond(status: 200, headers: [("Content-Type", contentType)], body: body)
    }
}

/// A small HTTP/1.1 server on 127.0.0.1 (an ephemeral port) that plays IMDS, a container credentials
/// endpoint or STS: it records every request and answers what the test's closure says.
final class TestHTTPServer: Sendable {
    typealias Responder = @Sendable (RecordedRequest) -> TestAnswer

    let port: Int
    private let channel: any Channel
    private let recorded: Mutex<[RecordedRequest]>

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var requests: [RecordedRequest] { recorded.withLock { $0 } }

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
        self.recorded = Mutex([])
    }

    static func start(_ respond: @escaping Responder) async throws -> TestHTTPServer {
        let box = RecordBox()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(Handler(box: box, respond: respond))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else { throw ServerError.noPort }
        let server = TestHTTPServer(port: port, channel: channel)
        box.server.withLock { $0 = server }
        return server
    }

    func stop() async throws {
        try await channel.close()
    }

    fileprivate func record(_ request: RecordedRequest) {
        recorded.withLock { $0.append(request) }
    }

    enum ServerError: Error { case noPort }

    /// The server, reachable from handlers created before it exists.
    private final class RecordBox: Sendable {
        let server = Mutex<TestHTTPServer?>(nil)
        func record(_ request: RecordedRequest) {
            server.withLock { $0 }?.record(request)
        }
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let box: RecordBox
        let respond: Responder
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(box: RecordBox, respond: @escaping Responder) {
            self.box = box
            self.respond = respond
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
            case .body(var buffer):
                body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                guard let head else { return }
                let request = RecordedRequest(
                    method: head.method.rawValue, uri: head.uri, headers: head.headers, body: body)
                box.record(request)
                switch respond(request) {
                case .silence:
                    break
                case .respond(let status, let headers, let text):
                    var responseHeaders = HTTPHeaders(headers)
                    responseHeaders.replaceOrAdd(name: "Content-Length", value: String(text.utf8.count))
                    let responseHead = HTTPResponseHead(
                        version: head.version, status: HTTPResponseStatus(statusCode: status), headers: responseHeaders)
                    context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
                    context.write(
                        wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))),
                        promise: nil)
                    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                }
            }
        }
    }
}
