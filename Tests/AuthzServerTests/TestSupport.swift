import AWSClassifier
import AuthzCore
import AuthzServer
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL
import Policy
import ServiceLifecycle
import SigV4
import Testing

/// A server started in-process on ephemeral ports, driven over real sockets.
struct RunningServer: Sendable {
    let server: AuthzServer
    let httpPort: Int
    let grpcPort: Int
    let adminPort: Int
    /// The ICAP listener's port (0 when the server has none).
    var icapPort = 0
    let configPath: String
    let directory: URL
    let auditPath: String

    /// The audit lines written so far.
    func auditLines() -> [String] {
        ((try? String(contentsOfFile: auditPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
}

enum TestServer {
    static let model = try? AWSModel.bundled()
    static let signingTime: Int64 = Int64(Date().timeIntervalSince1970) - 30

    static let baseConfig = """
        accounts:
          "171436882533":
            name: prod
            regions:
              eu-west-1: { services: [s3, dynamodb, sts] }
        rules:
          - { name: no-deletes, effect: deny, actions: ["s3:DeleteObject"] }
        default: deny
        """

    /// The `server:` settings of every test server: short timeouts, a small body limit.
    static let serverSettings = ["reload_poll": "1s", "idle_timeout": "2s", "max_body_bytes": "4096"]

    /// Starts a server with `yaml` (plus a test audit file and ``serverSettings``, overridden by
    /// `settings`), runs `body`, shuts down as `serve` does (graceful, within `server.shutdown_grace`).
    static func with(
        _ yaml: String = baseConfig, server settings: [String: String] = [:], environment: [String: String]? = nil,
        icap: Bool = false, now: @escaping @Sendable () -> Int64 = AuthzEngine.systemClock,
        _ body: @Sendable (RunningServer) async throws -> Void
    ) async throws {
        let model = try #require(model)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sigv4-authz-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let auditPath = directory.appendingPathComponent("audit.log").path
        let configPath = directory.appendingPathComponent("config.yaml").path
        let section = serverSettings.merging(settings) { $1 }.sorted { $0.key < $1.key }
            .map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        let full = yaml + "\naudit: { file: \(auditPath) }\nserver: { \(section) }\n"
        try full.write(toFile: configPath, atomically: true, encoding: .utf8)
        let config = try ConfigurationFile.load(path: configPath)
        let engine = try PolicyLoader.engine(for: config, model: model, environment: environment, now: now)
        var logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        logger.logLevel = .critical
        let server = try AuthzServer(
            configuration: config.server, engine: engine, path: configPath, model: model,
            group: MultiThreadedEventLoopGroup.singleton,
            logger: logger,
            addresses: .init(
                http: ListenAddress(host: "127.0.0.1", port: 0), grpc: ListenAddress(host: "127.0.0.1", port: 0),
                admin: ListenAddress(host: "127.0.0.1", port: 0),
                icap: icap ? ListenAddress(host: "127.0.0.1", port: 0) : nil))
        let group = ServiceGroup(configuration: server.serviceGroupConfiguration(logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var waited = 0
            while server.boundPort("http") == nil || server.boundPort("grpc") == nil || server.boundPort("admin") == nil
                || (icap && server.boundPort("icap") == nil)
            {
                try await Task.sleep(for: .milliseconds(10))
                waited += 1
                if waited > 500 { Issue.record("the server did not start"); break }
            }
            let running = RunningServer(
                server: server, httpPort: server.boundPort("http") ?? 0, grpcPort: server.boundPort("grpc") ?? 0,
                adminPort: server.boundPort("admin") ?? 0, icapPort: server.boundPort("icap") ?? 0,
                configPath: configPath, directory: directory, auditPath: auditPath)
            do {
                try await body(running)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// The headers of a request signed now-ish for `service` in `region` (Host first).
    static func signedHeaders(
        method: String = "GET", host: String, target: String, service: String, region: String,
        key: String = "AKIASP2TPHJSQH3FJRUX", headers: [(String, String)] = [], body: [UInt8] = []
    ) -> [(String, String)] {
        var request = SigV4Request(
            method: method, requestTarget: target,
            headers: [HeaderField("Host", host)] + headers.map { HeaderField($0.0, $0.1) })
        let signer = SigV4Signer(accessKeyID: key, secretAccessKey: "secret")
        _ = try? signer.sign(
            &request, region: region, service: service, timestamp: AmzTimestamp(secondsSinceEpoch: signingTime),
            payloadHash: PayloadHash.sha256Hex(of: body))
        return request.headers.map { ($0.name, $0.value) }
    }
}

/// A parsed HTTP/1.1 response.
struct RawResponse: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: String

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name }?.1 }
}

/// A deliberately small HTTP/1.1 client over a raw TCP connection: it writes exactly the bytes given
/// (so tests control Host, pipelining and slow clients) and reads responses by Content-Length.
final class RawConnection: @unchecked Sendable {
    private let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private var buffer = ByteBuffer()
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    init(port: Int, tls: NIOSSLContext? = nil) async throws {
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls, serverHostname: "localhost"))
                    }
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        iterator = channel.inbound.makeAsyncIterator()
        outbound = channel.outbound
    }

    func send(_ text: String) async throws { try await outbound.write(ByteBuffer(string: text)) }
    func send(bytes: [UInt8]) async throws { try await outbound.write(ByteBuffer(bytes: bytes)) }

    /// Reads one response; `nil` when the server closed the connection first.
    func readResponse() async throws -> RawResponse? {
        while true {
            if let response = parse() { return response }
            guard var chunk = try await iterator.next() else { return nil }
            buffer.writeBuffer(&chunk)
        }
    }

    /// Every byte the server sends until it closes the connection.
    func readBytesUntilClosed() async throws -> [UInt8] {
        var bytes = Array(buffer.readableBytesView)
        while var chunk = try await iterator.next() { bytes += chunk.readBytes(length: chunk.readableBytes) ?? [] }
        return bytes
    }

    /// Whether the server closes the connection (reads until EOF, ignoring data).
    func readUntilClosed() async throws -> Bool {
        while let _ = try await iterator.next() {}
        return true
    }

    private func parse() -> RawResponse? {
        let view = String(buffer: buffer)
        guard let headEnd = view.range(of: "\r\n\r\n") else { return nil }
        let head = view[..<headEnd.lowerBound]
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (
                String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            )
        }
        let length = Int(headers.first { $0.0.lowercased() == "content-length" }?.1 ?? "0") ?? 0
        let headBytes = view[..<headEnd.upperBound].utf8.count
        guard buffer.readableBytes >= headBytes + length else { return nil }
        buffer.moveReaderIndex(forwardBy: headBytes)
        let body = buffer.readString(length: length) ?? ""
        buffer.discardReadBytes()
        return RawResponse(status: status, headers: headers, body: body)
    }

    func close() async throws {
        outbound.finish()
        try await channel.channel.close()
    }

    deinit { outbound.finish() }

    /// One request: `method target`, headers, optional body.
    static func request(_ method: String, _ target: String, headers: [(String, String)], body: String = "") -> String {
        var text = "\(method) \(target) HTTP/1.1\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" { text += "Content-Length: \(body.utf8.count)\r\n" }
        return text + "\r\n" + body
    }
}

/// One request over h2c with prior knowledge.
enum H2CClient {
    static func get(
        port: Int, path: String, headers: [(String, String)]
    ) async throws -> (status: Int, headers: HTTPHeaders) {
        let group = MultiThreadedEventLoopGroup.singleton
        let channel = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get()
        defer { channel.close(promise: nil) }
        let multiplexer = try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                mode: .client, connectionConfiguration: .init(), streamConfiguration: .init()
            ) { $0.eventLoop.makeSucceededVoidFuture() }
        }.get()
        let promise = channel.eventLoop.makePromise(of: (Int, HTTPHeaders).self)
        let stream = try await multiplexer.createStreamChannel { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandlers([
                    HTTP2FramePayloadToHTTP1ClientCodec(httpProtocol: .http), ResponseCollector(promise: promise),
                ])
            }
        }.get()
        var head = HTTPRequestHead(version: .http2, method: .GET, uri: path)
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        stream.write(HTTPClientRequestPart.head(head), promise: nil)
        try await stream.writeAndFlush(HTTPClientRequestPart.end(nil)).get()
        let (status, responseHeaders) = try await promise.futureResult.get()
        return (status, responseHeaders)
    }

    final class ResponseCollector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPClientResponsePart
        let promise: EventLoopPromise<(Int, HTTPHeaders)>
        var head: HTTPResponseHead?
        init(promise: EventLoopPromise<(Int, HTTPHeaders)>) { self.promise = promise }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): self.head = head
            case .body: break
            case .end: if let head { promise.succeed((Int(head.status.code), head.headers)) }
            }
        }
        func errorCaught(context: ChannelHandlerContext, error: any Error) { promise.fail(error) }
    }
}
