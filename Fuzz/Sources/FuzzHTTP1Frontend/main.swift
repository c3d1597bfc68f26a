// Property fuzz target of the HTTP check listener's HTTP/1.1 front end: the connection pipeline of
// HTTPCheckPipeline.configure (idle timer, ProtocolDetector, NIO's HTTP/1.1 server pipeline,
// HTTPCheckHandler, CheckRequestTranslator, the fixtures' engine) in an EmbeddedChannel, fed the
// input's bytes as a client would send them. The first byte sets how the bytes are cut into reads and
// how the client ends (nothing more, a graceful shutdown of the server, or the client's half of the
// connection closed); the rest is the byte stream. Properties:
// - no crash, no precondition failure, no error left uncaught in the pipeline;
// - every byte the server writes belongs to a well-formed HTTP/1.1 response: a status line
//   `HTTP/1.1 NNN reason` (`HTTP/1.0` to an HTTP/1.0 request), header lines `name: value` with token names and no control bytes,
//   content-length present and exact (no response cut short; none for a response to HEAD), no bytes
//   after the last response;
// - at most one response per request head the client sent (a request line), plus one 400;
// - the connection ends closed or answering: after the input and a minute of silence (the idle timeout),
//   the connection is closed.
import AuthzCore
import AuthzFixtures
import FuzzDriver
import NIOCore
import NIOEmbedded
import SigV4

@testable import AuthzHTTP

let engine: AuthzEngine = {
    do { return try EngineFixtures.engine() } catch { fatalError("engine: \(error)") }
}()
var configuration: HTTPCheckConfiguration = {
    var configuration = HTTPCheckConfiguration()
    configuration.maxBodyBytes = 4096
    configuration.maxHeaderBytes = 8192
    return configuration
}()

struct Malformed: Error { var reason: String }

func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"):
        return true
    default: return "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }
}

/// The number of whole responses in `bytes`; throws when they are not exactly well-formed responses.
func countResponses(_ bytes: [UInt8], headSent: Bool) throws -> Int {
    var index = 0
    var count = 0
    func line() throws -> ArraySlice<UInt8> {
        var end = index
        while end + 1 < bytes.count, !(bytes[end] == 0x0D && bytes[end + 1] == 0x0A) { end += 1 }
        guard end + 1 < bytes.count else { throw Malformed(reason: "a line without CRLF at \(index)") }
        defer { index = end + 2 }
        return bytes[index..<end]
    }
    while index < bytes.count {
        let status = try line()
        let text = String(decoding: status, as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == "HTTP/1.1" || parts[0] == "HTTP/1.0", parts[1].utf8.count == 3,
            let code = Int(parts[1]),
            (100...599).contains(code)
        else { throw Malformed(reason: "status line \(text.debugDescription)") }
        var length: Int?
        while true {
            let header = try line()
            if header.isEmpty { break }
            guard let colon = header.firstIndex(of: UInt8(ascii: ":")), colon > header.startIndex,
                header[..<colon].allSatisfy(isTokenByte)
            else { throw Malformed(reason: "header line \(String(decoding: header, as: UTF8.self).debugDescription)") }
            let value = header[(colon + 1)...]
            guard !value.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) else {
                throw Malformed(reason: "control byte in \(String(decoding: header, as: UTF8.self).debugDescription)")
            }
            let name = String(decoding: header[..<colon], as: UTF8.self).lowercased()
            if name == "transfer-encoding" { throw Malformed(reason: "transfer-encoding in a response") }
            if name == "content-length" {
                guard length == nil,
                    let value = Int(String(decoding: value, as: UTF8.self).trimmingCharacters(in: [" ", "\t"])),
                    value >= 0
                else { throw Malformed(reason: "content-length") }
                length = value
            }
        }
        guard let length else { throw Malformed(reason: "a response without content-length") }
        // A response to HEAD has its content-length and no body: when the client sent a HEAD, a
        // response followed by the end of the output or by the next status line may have no body.
        let next = bytes[index...]
        if headSent, next.isEmpty || next.starts(with: Array("HTTP/1.".utf8)) {
            count += 1
            continue
        }
        guard index + length <= bytes.count else { throw Malformed(reason: "a body cut short") }
        index += length
        count += 1
    }
    return count
}

extension String {
    fileprivate func trimmingCharacters(in set: Set<Character>) -> String {
        String(self.drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}

func http1(_ method: String, _ target: String, headers: [(String, String)], body: String? = nil) -> String {
    var text = "\(method) \(target) HTTP/1.1\r\n"
    for (name, value) in headers { text += "\(name): \(value)\r\n" }
    if let body { text += "content-length: \(body.utf8.count)\r\n" }
    return text + "\r\n" + (body ?? "")
}

func seeds() -> [[UInt8]] {
    let host = "prod-data.s3.eu-west-1.amazonaws.com"
    let (get, _) = EngineFixtures.signed(host: host, target: "/k.txt", service: "s3", region: "eu-west-1")
    let getHeaders = get.headers.map { ($0.name, $0.value) }
    let (put, _) = EngineFixtures.signed(
        method: "PUT", host: host, target: "/k.txt", service: "s3", region: "eu-west-1", body: Array("hello".utf8))
    let putHeaders = put.headers.map { ($0.name, $0.value) }
    let envoyGet = http1("GET", "/envoy/k.txt", headers: getHeaders)
    let envoyPut = http1("PUT", "/envoy/k.txt", headers: putHeaders, body: "hello")
    let nginx = http1(
        "GET", "/nginx",
        headers: [("X-Original-Method", "GET"), ("X-Original-URI", "/k.txt"), ("X-Original-Host", host)]
            + getHeaders.filter { $0.0.lowercased() != "host" } + [("Host", "authz")])
    let chunked =
        "POST /envoy/ HTTP/1.1\r\nHost: sts.amazonaws.com\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    let streams = [
        envoyGet, envoyPut, nginx, envoyGet + envoyGet + nginx, chunked, "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /envoy/x HTTP/1.0\r\n\r\n", "GET /envoy/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" + envoyGet,
        "POST /envoy/x HTTP/1.1\r\nHost: a\r\ncontent-length: 100000\r\n\r\nabc", "\r\n\r\nGET",
        "PRI * HTTP/2.0\r\n\r\nSM",
        "HEAD /envoy/k.txt HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /envoy/%zz?x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n",
    ]
    var out: [[UInt8]] = []
    for (index, stream) in streams.enumerated() { out.append([UInt8(index * 37 % 256)] + Array(stream.utf8)) }
    return out
}

/// A request line's method followed by a space, at the start of a line: an upper bound on the requests sent.
func countRequestLines(_ bytes: UnsafeRawBufferPointer.SubSequence) -> Int {
    var count = 0
    var atLineStart = true
    var index = bytes.startIndex
    while index < bytes.endIndex {
        if atLineStart, isTokenByte(bytes[index]) { count += 1 }
        atLineStart = bytes[index] == 0x0A
        index += 1
    }
    return count
}

FuzzDriver.run(seeds: seeds) { bytes in
    guard let control = bytes.first else { return }
    let stream = bytes.dropFirst()
    let channel = EmbeddedChannel()
    defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
    var problems: [String] = []
    do {
        try HTTPCheckPipeline.configure(channel, configuration: configuration, authorizer: engine)
        try channel.connect(to: SocketAddress(ipAddress: "10.9.8.7", port: 40_000)).wait()
    } catch {
        fatalError("setup: \(error)")
    }
    // Reads of 1 to 64 bytes (control's low bits), or the whole stream at once.
    let chunk = control & 0x40 == 0 ? Int(control & 0x3F) + 1 : stream.count
    var written: [UInt8] = []
    func drain() {
        do {
            while let data = try channel.readOutbound(as: IOData.self) {
                guard case .byteBuffer(let buffer) = data else {
                    problems.append("a file region was written")
                    continue
                }
                written += buffer.readableBytesView
            }
        } catch {
            problems.append("readOutbound: \(error)")
        }
    }
    var offset = stream.startIndex
    while offset < stream.endIndex, channel.isActive {
        let end = min(offset + max(chunk, 1), stream.endIndex)
        do {
            try channel.writeInbound(ByteBuffer(bytes: stream[offset..<end]))
        } catch {
            problems.append("an error reached the end of the pipeline: \(error)")
        }
        channel.embeddedEventLoop.run()
        drain()
        offset = end
    }
    switch control >> 7 {
    case 1:
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        channel.embeddedEventLoop.run()
    default:
        break
    }
    drain()
    // A minute of silence: the idle timeout closes what is still open.
    // IdleStateHandler measures idleness with the real clock, so its event is fired by hand.
    channel.pipeline.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.all)
    channel.embeddedEventLoop.run()
    drain()
    if channel.isActive { problems.append("the connection is still open after the idle timeout") }
    do {
        let headSent = String(decoding: stream, as: UTF8.self).uppercased().contains("HEAD")
        let responses = try countResponses(written, headSent: headSent)
        let requests = countRequestLines(stream)
        if responses > requests + 1 { problems.append("\(responses) responses to at most \(requests) requests") }
    } catch let error as Malformed {
        problems.append("malformed output: \(error.reason)")
    } catch {
        problems.append("\(error)")
    }
    if !problems.isEmpty {
        fatalError(
            """
            \(problems.joined(separator: "\n"))
            input (reads of \(chunk)): \(String(decoding: stream, as: UTF8.self).debugDescription)
            output: \(String(decoding: written, as: UTF8.self).debugDescription)
            """)
    }
}
