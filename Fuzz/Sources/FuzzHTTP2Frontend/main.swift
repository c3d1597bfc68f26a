// Property fuzz target of the HTTP/2 front ends: the h2c check listener (HTTPCheckPipeline.configure:
// ProtocolDetector, NIOHTTP2Handler, H2CCheckHandler over HTTP2FrameServer) or the gRPC listener's
// pipeline (NIOHTTP2Handler, idle timer, GRPCConnectionHandler, as GRPCListener builds it), in an
// EmbeddedChannel, fed raw client bytes. The input's first byte picks the listener, how the bytes are
// cut into reads and how the client ends; the rest is a program of frames: raw frames (any type,
// flags, stream, payload), HEADERS with a real check request (signed, HPACK-encoded), with header
// lists made of pieces, DATA with real bodies or gRPC messages, CONTINUATION, SETTINGS, PING,
// WINDOW_UPDATE, RST_STREAM, PRIORITY, GOAWAY and raw bytes. The connection preface and an empty
// SETTINGS come first. Properties:
// - no crash, no precondition failure, no error left uncaught in the pipeline;
// - every byte the server writes is a well-formed HTTP/2 frame (9-byte header, a known type, the
//   length the frame type allows), SETTINGS first, every header block (HEADERS + CONTINUATION) whole
//   and decodable by an HPACK decoder, no bytes after the last frame;
// - the connection ends closed or answering: after the input and a minute of silence (the idle
//   timeout), it is closed unless a stream is still open (a request the client has not finished),
//   and after a graceful shutdown with no stream open it is closed.
import AuthzCore
import AuthzFixtures
import Foundation
import FuzzDriver
import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
import SigV4
import SwiftProtobuf

@testable import AuthzGRPC
@testable import AuthzHTTP
@testable import AuthzHTTP2

let engine: AuthzEngine = {
    do { return try EngineFixtures.engine() } catch { fatalError("engine: \(error)") }
}()
let configuration: HTTPCheckConfiguration = {
    var configuration = HTTPCheckConfiguration()
    configuration.maxBodyBytes = 4096
    configuration.maxHeaderBytes = 8192
    return configuration
}()
let grpcMaximumMessageBytes = 8192

// MARK: - What the frames carry

let host = "prod-data.s3.eu-west-1.amazonaws.com"

/// Header lists of real requests (lower-case names), pseudo-headers first.
let headerLists: [[(String, String)]] = {
    func signed(_ method: String, _ target: String, body: [UInt8] = []) -> [(String, String)] {
        let (request, _) = EngineFixtures.signed(
            method: method, host: host, target: target, service: "s3", region: "eu-west-1", body: body)
        return request.headers.filter { $0.name.lowercased() != "host" }.map { ($0.name.lowercased(), $0.value) }
    }
    let get = signed("GET", "/k.txt")
    let put = signed("PUT", "/k.txt", body: Array("hello".utf8))
    return [
        [(":method", "GET"), (":scheme", "http"), (":path", "/envoy/k.txt"), (":authority", host)] + get,
        [(":method", "PUT"), (":scheme", "http"), (":path", "/envoy/k.txt"), (":authority", host)] + put,
        [
            (":method", "GET"), (":scheme", "http"), (":path", "/nginx"), (":authority", "authz"),
            ("x-original-method", "GET"), ("x-original-uri", "/k.txt"), ("x-original-host", host),
        ] + get,
        [
            (":method", "POST"), (":scheme", "http"), (":path", "/envoy.service.auth.v3.Authorization/Check"),
            (":authority", "authz"), ("content-type", "application/grpc"), ("te", "trailers"),
        ],
        [
            (":method", "POST"), (":scheme", "http"), (":path", "/grpc.health.v1.Health/Check"),
            (":authority", "authz"), ("content-type", "application/grpc"), ("te", "trailers"), ("grpc-timeout", "1S"),
        ],
        [
            (":method", "POST"), (":scheme", "http"), (":path", "/grpc.health.v1.Health/Watch"),
            (":authority", "authz"), ("content-type", "application/grpc+proto"), ("te", "trailers"),
        ],
    ]
}()

/// Bodies: an object, and gRPC messages (a CheckRequest of a signed request, a health request).
let bodies: [[UInt8]] = {
    func grpc(_ message: [UInt8]) -> [UInt8] {
        let length = UInt32(message.count)
        return [0, UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
            + message
    }
    let (request, _) = EngineFixtures.signed(host: host, target: "/k.txt", service: "s3", region: "eu-west-1")
    var check = Envoy_Service_Auth_V3_CheckRequest()
    check.attributes.request.http.method = "GET"
    check.attributes.request.http.host = host
    check.attributes.request.http.path = "/k.txt"
    for header in request.headers where header.name.lowercased() != "host" {
        check.attributes.request.http.headers[header.name.lowercased()] = header.value
    }
    check.attributes.source.address.socketAddress.address = "10.1.2.3"
    let checkBytes: [UInt8] = (try? check.serializedBytes()) ?? []
    var health = Grpc_Health_V1_HealthCheckRequest()
    health.service = ""
    let healthBytes: [UInt8] = (try? health.serializedBytes()) ?? []
    return [
        Array("hello".utf8), grpc(checkBytes), grpc(healthBytes), grpc([]), [0, 0, 0, 0x10, 0], [1, 0, 0, 0, 1, 0],
    ]
}()

let names = [
    ":method", ":path", ":scheme", ":authority", ":status", ":protocol", "host", "content-type", "content-length",
    "te", "grpc-timeout", "authorization", "x-amz-date", "x-original-uri", "connection", "transfer-encoding",
    "x-sigv4-authz-decision", "Upper-Case", "", "a b",
]
let values = [
    "GET", "POST", "/envoy/k.txt", "/nginx", "/envoy.service.auth.v3.Authorization/Check", "http", host, "trailers",
    "application/grpc", "5", "0", "-1", "99999999999", "1S", "abc", "keep-alive", "chunked", "", " x ", "\u{0}", "\r\n",
]

// MARK: - Writing frames

func integer(_ value: Int, prefixBits: Int, flags: UInt8) -> [UInt8] {
    let limit = (1 << prefixBits) - 1
    if value < limit { return [flags | UInt8(value)] }
    var out = [flags | UInt8(limit)]
    var rest = value - limit
    while rest >= 128 {
        out.append(UInt8(rest & 0x7F) | 0x80)
        rest >>= 7
    }
    out.append(UInt8(rest))
    return out
}

/// A header block of literal fields without indexing (no Huffman): what any HPACK decoder reads.
func headerBlock(_ headers: [(String, String)]) -> [UInt8] {
    var out: [UInt8] = []
    for (name, value) in headers {
        out.append(0)
        out += integer(name.utf8.count, prefixBits: 7, flags: 0) + Array(name.utf8)
        out += integer(value.utf8.count, prefixBits: 7, flags: 0) + Array(value.utf8)
    }
    return out
}

func frame(type: UInt8, flags: UInt8, stream: UInt32, _ payload: [UInt8]) -> [UInt8] {
    let length = payload.count
    return [
        UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), type, flags,
        UInt8(stream >> 24 & 0x7F), UInt8(stream >> 16 & 0xFF), UInt8(stream >> 8 & 0xFF), UInt8(stream & 0xFF),
    ] + payload
}

/// Reads the program's choices out of the input.
struct Program {
    let bytes: UnsafeRawBufferPointer.SubSequence
    var index: Int
    init(_ bytes: UnsafeRawBufferPointer.SubSequence) {
        self.bytes = bytes
        index = bytes.startIndex
    }
    var done: Bool { index >= bytes.endIndex }
    mutating func byte() -> Int {
        guard index < bytes.endIndex else { return 0 }
        defer { index += 1 }
        return Int(bytes[index])
    }
    mutating func raw(_ count: Int) -> [UInt8] {
        let end = min(index + count, bytes.endIndex)
        defer { index = end }
        return Array(bytes[index..<end])
    }
    /// A client stream id: odd and small mostly, sometimes even, zero or large.
    mutating func stream() -> UInt32 {
        let choice = byte()
        switch choice {
        case 0..<200: return UInt32(choice % 16) * 2 + 1
        case 200..<220: return 0
        case 220..<240: return UInt32(choice % 8) * 2 + 2
        default: return 0x7FFF_FFFF - UInt32(choice % 4)
        }
    }
}

/// The client's bytes: preface, empty SETTINGS, then the program's frames.
func clientBytes(_ program: inout Program) -> [UInt8] {
    var out = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + frame(type: 4, flags: 0, stream: 0, [])
    while !program.done {
        switch program.byte() % 12 {
        case 0:  // any frame
            let type = UInt8(program.byte() % 12)
            let flags = UInt8(program.byte())
            let stream = program.stream()
            out += frame(type: type, flags: flags, stream: stream, program.raw(program.byte() % 32))
        case 1, 2:  // HEADERS with a real request; END_STREAM sometimes; the block maybe split into CONTINUATION
            let headers = headerLists[program.byte() % headerLists.count]
            let stream = program.stream()
            let endStream: UInt8 = program.byte() % 2 == 0 ? 0x1 : 0
            let block = headerBlock(headers)
            let split = program.byte()
            if split % 4 == 0, block.count > 1 {
                let cut = 1 + split % (block.count - 1)
                out += frame(type: 1, flags: endStream, stream: stream, Array(block[..<cut]))
                out += frame(type: 9, flags: 0x4, stream: stream, Array(block[cut...]))
            } else {
                out += frame(type: 1, flags: endStream | 0x4, stream: stream, block)
            }
        case 3:  // HEADERS made of pieces (trailers, bad pseudo-headers, upper case, …)
            var headers: [(String, String)] = []
            for _ in 0..<(program.byte() % 6) {
                headers.append((names[program.byte() % names.count], values[program.byte() % values.count]))
            }
            let flags = UInt8(program.byte() & 0x2D)  // END_STREAM, END_HEADERS, PADDED, PRIORITY
            var payload = headerBlock(headers)
            if flags & 0x20 != 0 { payload = [0, 0, 0, 0, 16] + payload }
            if flags & 0x8 != 0 { payload = [UInt8(program.byte() % 4)] + payload + [UInt8](repeating: 0, count: 3) }
            out += frame(type: 1, flags: flags, stream: program.stream(), payload)
        case 4, 5:  // DATA with a real body, END_STREAM sometimes
            let body = bodies[program.byte() % bodies.count]
            let flags: UInt8 = program.byte() % 3 == 0 ? 0 : 0x1
            out += frame(type: 0, flags: flags, stream: program.stream(), body)
        case 6:  // DATA of raw bytes
            let flags = UInt8(program.byte() & 0x9)
            out += frame(type: 0, flags: flags, stream: program.stream(), program.raw(program.byte() % 64))
        case 7:  // CONTINUATION
            let headers = headerLists[program.byte() % headerLists.count]
            out += frame(type: 9, flags: UInt8(program.byte() & 0x4), stream: program.stream(), headerBlock(headers))
        case 8:  // SETTINGS: a few parameters, or an ACK
            if program.byte() % 4 == 0 {
                out += frame(type: 4, flags: 1, stream: 0, [])
            } else {
                var payload: [UInt8] = []
                for _ in 0..<(program.byte() % 4) {
                    let identifier = UInt8(program.byte() % 8)
                    var value = program.raw(4)
                    // SETTINGS_HEADER_TABLE_SIZE at most 65,535: the server's encoder may use what the
                    // client allows, and this harness's HPACK decoder allocates that much.
                    if identifier == 1, value.count == 4 { value[0] = 0; value[1] = 0 }
                    payload += [0, identifier] + value
                }
                out += frame(type: 4, flags: 0, stream: 0, payload)
            }
        case 9:  // PING, WINDOW_UPDATE, RST_STREAM, PRIORITY, GOAWAY
            switch program.byte() % 5 {
            case 0: out += frame(type: 6, flags: UInt8(program.byte() & 1), stream: 0, program.raw(8))
            case 1: out += frame(type: 8, flags: 0, stream: program.stream(), program.raw(4))
            case 2: out += frame(type: 3, flags: 0, stream: program.stream(), [0, 0, 0, UInt8(program.byte() % 14)])
            case 3: out += frame(type: 2, flags: 0, stream: program.stream(), program.raw(5))
            default: out += frame(type: 7, flags: 0, stream: 0, [0, 0, 0, 0, 0, 0, 0, 0])
            }
        default:  // raw bytes
            out += program.raw(program.byte() % 16)
        }
    }
    return out
}

// MARK: - Reading the server's frames

struct Malformed: Error { var reason: String }

/// Checks the server's bytes are whole, well-formed frames; returns their types.
func readFrames(_ bytes: [UInt8]) throws -> [UInt8] {
    // The client's SETTINGS_HEADER_TABLE_SIZE (at most 65,535 in a program) bounds the server's
    // dynamic table, so the decoder accepts size updates up to that.
    var decoder = HPACKDecoder(allocator: ByteBufferAllocator(), maxDynamicTableSize: 65_535)
    var types: [UInt8] = []
    var index = 0
    var block: [UInt8]?
    var blockStream: UInt32 = 0
    while index < bytes.count {
        guard index + 9 <= bytes.count else { throw Malformed(reason: "a frame header cut short") }
        let length = Int(bytes[index]) << 16 | Int(bytes[index + 1]) << 8 | Int(bytes[index + 2])
        let type = bytes[index + 3]
        let flags = bytes[index + 4]
        let stream =
            UInt32(bytes[index + 5] & 0x7F) << 24 | UInt32(bytes[index + 6]) << 16 | UInt32(bytes[index + 7]) << 8
            | UInt32(bytes[index + 8])
        index += 9
        guard index + length <= bytes.count else { throw Malformed(reason: "a frame of type \(type) cut short") }
        let payload = Array(bytes[index..<index + length])
        index += length
        if types.isEmpty, type != 4 { throw Malformed(reason: "the first frame is of type \(type), not SETTINGS") }
        types.append(type)
        if let open = block, type != 9 || stream != blockStream {
            throw Malformed(reason: "a header block of \(open.count) bytes interrupted by a frame of type \(type)")
        }
        switch type {
        case 0: if stream == 0 { throw Malformed(reason: "DATA on stream 0") }
        case 1, 9:
            guard stream != 0 else { throw Malformed(reason: "a header block on stream 0") }
            var fragment = payload[...]
            if type == 1 {
                if flags & 0x8 != 0 {
                    guard let pad = fragment.first, Int(pad) < fragment.count else {
                        throw Malformed(reason: "padding")
                    }
                    fragment = fragment.dropFirst().dropLast(Int(pad))
                }
                if flags & 0x20 != 0 {
                    guard fragment.count >= 5 else { throw Malformed(reason: "priority") }
                    fragment = fragment.dropFirst(5)
                }
            } else if block == nil {
                throw Malformed(reason: "CONTINUATION without HEADERS")
            }
            block = (block ?? []) + fragment
            blockStream = stream
            if flags & 0x4 != 0, let whole = block {
                var buffer = ByteBuffer(bytes: whole)
                do {
                    _ = try decoder.decodeHeaders(from: &buffer)
                } catch {
                    throw Malformed(reason: "a header block HPACK cannot decode: \(error)")
                }
                if buffer.readableBytes != 0 { throw Malformed(reason: "bytes after a header block") }
                block = nil
            }
        case 3: if length != 4 || stream == 0 { throw Malformed(reason: "RST_STREAM") }
        case 4:
            if stream != 0 || length % 6 != 0 || (flags & 1 != 0 && length != 0) { throw Malformed(reason: "SETTINGS") }
        case 6: if length != 8 || stream != 0 { throw Malformed(reason: "PING") }
        case 7: if length < 8 || stream != 0 { throw Malformed(reason: "GOAWAY") }
        case 8: if length != 4 { throw Malformed(reason: "WINDOW_UPDATE") }
        default: throw Malformed(reason: "a frame of type \(type)")
        }
    }
    if block != nil { throw Malformed(reason: "a header block without its end") }
    return types
}

// MARK: - Seeds

func seeds() -> [[UInt8]] {
    // Program ops: 1 = HEADERS(list, stream, endStream?, split), 4 = DATA(body, endStream?, stream).
    let h2cGet: [UInt8] = [1, 0, 0, 0, 1]  // GET, stream 1, END_STREAM, unsplit
    let h2cPut: [UInt8] = [1, 1, 1, 1, 1, 4, 0, 1, 1]  // PUT headers on stream 3, DATA "hello" ending it
    let nginx: [UInt8] = [1, 2, 2, 0, 1]
    let grpcCheck: [UInt8] = [1, 3, 0, 1, 1, 4, 1, 1, 0]
    let grpcHealth: [UInt8] = [1, 4, 0, 1, 1, 4, 2, 1, 0]
    let grpcWatch: [UInt8] = [1, 5, 0, 1, 1, 4, 2, 1, 0]
    let split: [UInt8] = [1, 0, 0, 0, 4]
    let pings: [UInt8] = [9, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 0, 0, 0, 0, 1, 8, 1]
    return [
        [0x00] + h2cGet, [0x00] + h2cPut + h2cGet, [0x00] + nginx, [0x01] + grpcCheck, [0x01] + grpcHealth,
        [0x81] + grpcWatch, [0x80] + h2cGet + split, [0x01] + grpcCheck + [4, 1, 3, 0], [0x00] + pings + h2cGet,
        [0x21] + grpcCheck + [3, 2, 1, 7, 2, 1, 0x2D, 0], [0x40] + h2cGet + [0, 3, 0, 0, 0],
    ]
}

FuzzDriver.run(seeds: seeds) { bytes in
    guard let control = bytes.first else { return }
    var program = Program(bytes.dropFirst())
    let input = clientBytes(&program)
    let grpc = control & 1 == 1
    let channel = EmbeddedChannel()
    defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
    var problems: [String] = []
    do {
        if grpc {
            let settings = GRPCConnectionHandler.initialSettings(
                maximumMessageBytes: grpcMaximumMessageBytes, maximumHeaderBytes: configuration.maxHeaderBytes)
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(GoAwayCloser.http2Handler(channel: channel, settings: settings))
            try pipeline.addHandler(IdleStateHandler(allTimeout: .seconds(configuration.idleTimeoutSeconds)))
            try pipeline.addHandler(
                GRPCConnectionHandler(authorizer: engine, ready: { true }, maximumMessageBytes: grpcMaximumMessageBytes)
            )
        } else {
            try HTTPCheckPipeline.configure(channel, configuration: configuration, authorizer: engine)
        }
        try channel.connect(to: SocketAddress(ipAddress: "10.9.8.7", port: 40_000)).wait()
    } catch {
        fatalError("setup: \(error)")
    }
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
    // Reads of 1 to 64 bytes, or 4 KiB.
    let chunk = control & 0x40 == 0 ? Int(control >> 1 & 0x1F) * 2 + 1 : 4096
    var offset = 0
    while offset < input.count, channel.isActive {
        let end = min(offset + chunk, input.count)
        do {
            try channel.writeInbound(ByteBuffer(bytes: input[offset..<end]))
        } catch {
            problems.append("an error reached the end of the pipeline: \(error)")
        }
        channel.embeddedEventLoop.run()
        drain()
        offset = end
    }
    if control & 0x80 != 0 {
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        channel.embeddedEventLoop.run()
        drain()
    }
    // IdleStateHandler measures idleness with the real clock, so its event is fired by hand.
    channel.pipeline.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.all)
    channel.embeddedEventLoop.run()
    drain()
    do {
        _ = try readFrames(written)
    } catch let error as Malformed {
        problems.append("malformed output: \(error.reason)")
    } catch {
        problems.append("\(error)")
    }
    if channel.isActive, !input.isEmpty, openStreams(channel) == 0 {
        problems.append("the connection is open after the idle timeout with no stream open")
    }
    if !problems.isEmpty {
        fatalError(
            """
            \(problems.joined(separator: "\n"))
            \(grpc ? "gRPC" : "h2c") input (reads of \(chunk)): \(input.map { String($0, radix: 16) }.joined(separator: " "))
            output: \(written.map { String($0, radix: 16) }.joined(separator: " "))
            """)
    }
}

/// The streams the frame server still holds open (its table), or 0 when it is not in the pipeline.
func openStreams(_ channel: EmbeddedChannel) -> Int {
    if let server = try? channel.pipeline.syncOperations.handler(type: GRPCConnectionHandler.self) {
        return server.streams.count
    }
    if let server = try? channel.pipeline.syncOperations.handler(type: H2CCheckHandler.self) {
        return server.streams.count
    }
    return 0
}
