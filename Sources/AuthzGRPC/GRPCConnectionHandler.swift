import AuthzCore
import NIOCore
import NIOHPACK
import NIOHTTP2
import SwiftProtobuf

/// Serves Envoy's `envoy.service.auth.v3.Authorization/Check` and `grpc.health.v1.Health` on one
/// HTTP/2 connection, frame by frame: the frames of every stream reach this one handler
/// (``NIOHTTP2Handler`` without a stream multiplexer), so an RPC costs no child channel, no task and
/// no async hop — a check is decoded, decided and answered on the event loop.
///
/// gRPC semantics (the gRPC over HTTP/2 protocol): requests are `POST` with
/// `content-type: application/grpc[+proto]`; one length-prefixed message each (5-byte prefix:
/// compressed flag, big-endian length); answers are `:status 200` headers, the message, and
/// `grpc-status` / `grpc-message` trailers, or trailers alone for an error. An unknown method is
/// `UNIMPLEMENTED`, a `grpc-encoding` other than `identity` is `UNIMPLEMENTED` (with
/// `grpc-accept-encoding: identity`), a message over the limit is `RESOURCE_EXHAUSTED` as soon as
/// its prefix or its bytes pass the limit (it is never buffered whole), an expired `grpc-timeout` is
/// `DEADLINE_EXCEEDED`. A deny is never an RPC error (see ``AuthorizationService``).
///
/// Flow control: the connection window is opened wide once and replenished as data arrives; each
/// stream's window is the message limit (``initialSettings(maximumMessageBytes:)``), so a stream
/// never waits on a window update and one larger than the limit is refused. Graceful shutdown
/// (`ChannelShouldQuiesceEvent`) sends GOAWAY, ends `Health/Watch` streams and closes the connection
/// when the last stream is answered; a connection error closes it at once.
public final class GRPCConnectionHandler: ChannelInboundHandler {
    public typealias InboundIn = HTTP2Frame
    public typealias OutboundOut = HTTP2Frame

    /// The methods served.
    enum Method {
        case check
        case healthCheck
        case healthWatch
    }

    /// One open stream.
    struct Stream {
        var method: Method
        var message: ByteBuffer
        var deadline: NIODeadline?
        /// The answer has been written; further frames of the stream are dropped.
        var answered = false
    }

    /// Statuses used (gRPC status codes).
    enum Status: Int {
        case ok = 0
        case deadlineExceeded = 4
        case notFound = 5
        case resourceExhausted = 8
        case unimplemented = 12
        case `internal` = 13
        case unavailable = 14
    }

    /// The HTTP/2 settings to announce: streams sized for Envoy (which sends every check of a worker
    /// over one connection) and a stream window that holds the largest message accepted.
    public static func initialSettings(maximumMessageBytes: Int, maximumHeaderBytes: Int) -> HTTP2Settings {
        [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: 256),
            HTTP2Setting(
                parameter: .initialWindowSize, value: min(maximumMessageBytes + 5 + 16_384, Int(Int32.max))),
            HTTP2Setting(parameter: .maxHeaderListSize, value: maximumHeaderBytes),
            HTTP2Setting(parameter: .maxFrameSize, value: 1 << 14),
        ]
    }

    /// The connection window opened at the start and kept open (bytes).
    static let connectionWindow = 1 << 24

    private let responder: any CheckResponder
    private let ready: @Sendable () -> Bool
    private let maximumMessageBytes: Int
    private var streams: [HTTP2StreamID: Stream] = [:]
    private var lastStreamID = HTTP2StreamID.rootStream
    private var unacknowledgedBytes = 0
    private var quiescing = false
    private var needsFlush = false

    /// Creates the handler.
    /// - Parameters:
    ///   - responder: Decides each check.
    ///   - ready: Whether the server is ready (the health service's answer).
    ///   - maximumMessageBytes: The largest request message accepted (the body limit plus room for
    ///     the headers and attributes around it).
    public init(
        responder: any CheckResponder, ready: @escaping @Sendable () -> Bool, maximumMessageBytes: Int
    ) {
        self.responder = responder
        self.ready = ready
        self.maximumMessageBytes = maximumMessageBytes
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { openConnectionWindow(context: context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        openConnectionWindow(context: context)
        context.fireChannelActive()
    }

    private var windowOpened = false

    private func openConnectionWindow(context: ChannelHandlerContext) {
        guard !windowOpened else { return }
        windowOpened = true
        let increment = Self.connectionWindow - 65_535
        context.writeAndFlush(
            wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: increment))),
            promise: nil)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.payload {
        case .headers(let headers):
            receivedHeaders(headers, streamID: frame.streamID, context: context)
        case .data(let payload):
            receivedData(payload, streamID: frame.streamID, context: context)
        case .rstStream:
            streams[frame.streamID] = nil
            closeIfDrained(context: context)
        default:
            break
        }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        streams.removeAll()
        context.fireChannelInactive()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A stream error ends that stream (NIOHTTP2Handler has reset it); anything else is a
        // connection error: NIOHTTP2Handler has sent GOAWAY, and the connection is closed, never left
        // open for the client to time out on.
        if let streamError = error as? NIOHTTP2Errors.StreamError {
            streams[streamError.streamID] = nil
            return
        }
        context.close(promise: nil)
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let idle as IdleStateHandler.IdleStateEvent where idle == .all:
            if streams.isEmpty { context.close(promise: nil) }
        case is ChannelShouldQuiesceEvent where !quiescing:
            quiescing = true
            context.write(
                wrapOutboundOut(
                    HTTP2Frame(
                        streamID: .rootStream,
                        payload: .goAway(lastStreamID: lastStreamID, errorCode: .noError, opaqueData: nil))),
                promise: nil)
            // Watch streams never end by themselves: end them now.
            for (id, stream) in streams where stream.method == .healthWatch {
                writeTrailers(
                    status: .unavailable, message: "the server is shutting down", streamID: id, context: context)
                streams[id] = nil
            }
            context.flush()
            closeIfDrained(context: context)
        default:
            break
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: Frames

    private func receivedHeaders(
        _ payload: HTTP2Frame.FramePayload.Headers, streamID: HTTP2StreamID, context: ChannelHandlerContext
    ) {
        if streams[streamID] != nil {
            // Trailers from the client end its message.
            if payload.endStream { complete(streamID: streamID, context: context) }
            return
        }
        lastStreamID = max(lastStreamID, streamID)
        let headers = payload.headers
        guard headers.first(name: ":method") == "POST",
            let contentType = headers.first(name: "content-type"),
            contentType == "application/grpc" || contentType.hasPrefix("application/grpc+")
                || contentType.hasPrefix("application/grpc;")
        else {
            // Not gRPC: HTTP 415, as the gRPC protocol asks.
            var response = HPACKHeaders()
            response.add(name: ":status", value: "415")
            response.add(name: "content-type", value: "text/plain")
            write(.headers(.init(headers: response, endStream: true)), streamID: streamID, context: context)
            resetIfOpen(streamID: streamID, endedByClient: payload.endStream, context: context)
            return
        }
        let method: Method
        switch headers.first(name: ":path") {
        case "/envoy.service.auth.v3.Authorization/Check": method = .check
        case "/grpc.health.v1.Health/Check": method = .healthCheck
        case "/grpc.health.v1.Health/Watch": method = .healthWatch
        case let path:
            refuse(
                .unimplemented, "the method \(path ?? "-") is not served here", streamID: streamID,
                endedByClient: payload.endStream, context: context)
            return
        }
        if let encoding = headers.first(name: "grpc-encoding"), encoding != "identity" {
            refuse(
                .unimplemented, "grpc-encoding \(encoding) is not supported; send identity", streamID: streamID,
                endedByClient: payload.endStream, context: context, acceptEncoding: true)
            return
        }
        var deadline: NIODeadline?
        if let timeout = headers.first(name: "grpc-timeout") {
            guard let amount = Self.timeout(timeout) else {
                refuse(
                    .internal, "grpc-timeout \(timeout) is malformed", streamID: streamID,
                    endedByClient: payload.endStream, context: context)
                return
            }
            deadline = .now() + amount
        }
        streams[streamID] = Stream(
            method: method, message: context.channel.allocator.buffer(capacity: 0), deadline: deadline)
        if payload.endStream { complete(streamID: streamID, context: context) }
    }

    private func receivedData(
        _ payload: HTTP2Frame.FramePayload.Data, streamID: HTTP2StreamID, context: ChannelHandlerContext
    ) {
        guard case .byteBuffer(var bytes) = payload.data else { return }
        acknowledge(bytes.readableBytes + (payload.paddingBytes ?? 0), context: context)
        guard var stream = streams[streamID], !stream.answered else { return }
        // Refuse as soon as the prefix announces too much, or the bytes pass the limit.
        let announced = stream.message.readableBytes >= 5 ? nil : Self.announcedLength(stream.message, bytes)
        if stream.message.readableBytes + bytes.readableBytes > maximumMessageBytes + 5
            || (announced ?? 0) > maximumMessageBytes
        {
            streams[streamID] = nil
            refuse(
                .resourceExhausted, "the request message is larger than \(maximumMessageBytes) bytes",
                streamID: streamID, endedByClient: payload.endStream, context: context)
            return
        }
        stream.message.writeBuffer(&bytes)
        streams[streamID] = stream
        if payload.endStream { complete(streamID: streamID, context: context) }
    }

    /// The length a message prefix announces, when the bytes seen so far hold it.
    static func announcedLength(_ first: ByteBuffer, _ next: ByteBuffer) -> Int? {
        var prefix = first
        var more = next
        prefix.writeBuffer(&more)
        guard prefix.readableBytes >= 5, let length = prefix.getInteger(at: prefix.readerIndex + 1, as: UInt32.self)
        else { return nil }
        return Int(length)
    }

    /// Connection flow control: replenish the window as data arrives (the stream windows hold a
    /// whole message and are not replenished).
    private func acknowledge(_ count: Int, context: ChannelHandlerContext) {
        unacknowledgedBytes += count
        guard unacknowledgedBytes >= Self.connectionWindow / 2 else { return }
        write(.windowUpdate(windowSizeIncrement: unacknowledgedBytes), streamID: .rootStream, context: context)
        unacknowledgedBytes = 0
    }

    // MARK: Answers

    /// The client has sent the whole request: decode it and answer.
    private func complete(streamID: HTTP2StreamID, context: ChannelHandlerContext) {
        guard var stream = streams[streamID], !stream.answered else { return }
        if let deadline = stream.deadline, deadline < .now() {
            streams[streamID] = nil
            refuse(.deadlineExceeded, "the deadline passed", streamID: streamID, endedByClient: true, context: context)
            return
        }
        guard let message = Self.message(&stream.message) else {
            streams[streamID] = nil
            refuse(
                .internal, "the request is not one gRPC message (5-byte prefix, uncompressed, exact length)",
                streamID: streamID, endedByClient: true, context: context)
            return
        }
        do {
            switch stream.method {
            case .check:
                let request = try Envoy_Service_Auth_V3_CheckRequest(serializedBytes: message)
                let response = AuthorizationService.answer(request, responder: responder)
                writeResponse(try response.serializedBytes(), streamID: streamID, context: context)
                streams[streamID] = nil
            case .healthCheck:
                let request = try Grpc_Health_V1_HealthCheckRequest(serializedBytes: message)
                guard HealthService.known.contains(request.service) else {
                    streams[streamID] = nil
                    refuse(
                        .notFound, "unknown service \(request.service)", streamID: streamID, endedByClient: true,
                        context: context)
                    return
                }
                writeResponse(
                    try healthStatus(service: request.service).serializedBytes(), streamID: streamID, context: context)
                streams[streamID] = nil
            case .healthWatch:
                let request = try Grpc_Health_V1_HealthCheckRequest(serializedBytes: message)
                var status = healthStatus(service: request.service)
                if !HealthService.known.contains(request.service) { status.status = .serviceUnknown }
                writeResponse(try status.serializedBytes(), streamID: streamID, context: context, end: false)
                stream.answered = true
                streams[streamID] = stream
                if quiescing {
                    writeTrailers(
                        status: .unavailable, message: "the server is shutting down", streamID: streamID,
                        context: context)
                    streams[streamID] = nil
                }
            }
        } catch {
            streams[streamID] = nil
            refuse(
                .internal, "the request message cannot be decoded", streamID: streamID, endedByClient: true,
                context: context)
        }
        closeIfDrained(context: context)
    }

    private func healthStatus(service: String) -> Grpc_Health_V1_HealthCheckResponse {
        var response = Grpc_Health_V1_HealthCheckResponse()
        response.status = ready() ? .serving : .notServing
        return response
    }

    /// The one message of a request: 5-byte prefix (flag 0, length), then exactly that many bytes.
    static func message(_ buffer: inout ByteBuffer) -> [UInt8]? {
        guard let flag = buffer.readInteger(as: UInt8.self), flag == 0,
            let length = buffer.readInteger(as: UInt32.self), Int(length) == buffer.readableBytes
        else { return nil }
        return buffer.readBytes(length: Int(length))
    }

    private func writeResponse(
        _ bytes: [UInt8], streamID: HTTP2StreamID, context: ChannelHandlerContext, end: Bool = true
    ) {
        var headers = HPACKHeaders()
        headers.add(name: ":status", value: "200")
        headers.add(name: "content-type", value: "application/grpc")
        write(.headers(.init(headers: headers)), streamID: streamID, context: context)
        var buffer = context.channel.allocator.buffer(capacity: bytes.count + 5)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(UInt32(bytes.count))
        buffer.writeBytes(bytes)
        write(.data(.init(data: .byteBuffer(buffer))), streamID: streamID, context: context)
        if end { writeTrailers(status: .ok, message: nil, streamID: streamID, context: context) }
    }

    private func writeTrailers(
        status: Status, message: String?, streamID: HTTP2StreamID, context: ChannelHandlerContext
    ) {
        var trailers = HPACKHeaders()
        trailers.add(name: "grpc-status", value: String(status.rawValue))
        if let message { trailers.add(name: "grpc-message", value: Self.percentEncoded(message)) }
        write(.headers(.init(headers: trailers, endStream: true)), streamID: streamID, context: context)
    }

    /// A trailers-only answer with an error status; the stream is reset when the client has not
    /// finished sending (so it stops).
    private func refuse(
        _ status: Status, _ message: String, streamID: HTTP2StreamID, endedByClient: Bool,
        context: ChannelHandlerContext, acceptEncoding: Bool = false
    ) {
        var headers = HPACKHeaders()
        headers.add(name: ":status", value: "200")
        headers.add(name: "content-type", value: "application/grpc")
        headers.add(name: "grpc-status", value: String(status.rawValue))
        headers.add(name: "grpc-message", value: Self.percentEncoded(message))
        if acceptEncoding { headers.add(name: "grpc-accept-encoding", value: "identity") }
        write(.headers(.init(headers: headers, endStream: true)), streamID: streamID, context: context)
        resetIfOpen(streamID: streamID, endedByClient: endedByClient, context: context)
        closeIfDrained(context: context)
    }

    private func resetIfOpen(streamID: HTTP2StreamID, endedByClient: Bool, context: ChannelHandlerContext) {
        if !endedByClient {
            write(.rstStream(.noError), streamID: streamID, context: context)
        }
        streams[streamID] = nil
    }

    private func write(_ payload: HTTP2Frame.FramePayload, streamID: HTTP2StreamID, context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(HTTP2Frame(streamID: streamID, payload: payload)), promise: nil)
        needsFlush = true
    }

    private func closeIfDrained(context: ChannelHandlerContext) {
        guard quiescing, streams.isEmpty else { return }
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.close(promise: nil)
    }

    // MARK: Header values

    /// `grpc-timeout`: at most 8 digits and a unit (H, M, S, m, u, n).
    static func timeout(_ text: String) -> TimeAmount? {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8.count <= 9, let unit = utf8.last else { return nil }
        var value: Int64 = 0
        for digit in utf8.dropLast() {
            guard digit >= 0x30, digit <= 0x39 else { return nil }
            value = value * 10 + Int64(digit - 0x30)
        }
        switch unit {
        case UInt8(ascii: "H"): return .hours(value)
        case UInt8(ascii: "M"): return .minutes(value)
        case UInt8(ascii: "S"): return .seconds(value)
        case UInt8(ascii: "m"): return .milliseconds(value)
        case UInt8(ascii: "u"): return .microseconds(value)
        case UInt8(ascii: "n"): return .nanoseconds(value)
        default: return nil
        }
    }

    /// `grpc-message` is percent-encoded (bytes outside printable ASCII, and `%`).
    static func percentEncoded(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 > 0x7E || $0 == UInt8(ascii: "%") }) else { return text }
        var out = ""
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            if byte < 0x20 || byte > 0x7E || byte == UInt8(ascii: "%") {
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0xF)]))
            } else {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return out
    }
}

@available(*, unavailable)
extension GRPCConnectionHandler: Sendable {}
