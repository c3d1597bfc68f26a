public import AuthzCore
public import AuthzHTTP2
public import NIOCore
public import NIOHPACK
public import NIOHTTP2
internal import SwiftProtobuf

/// Serves Envoy's `envoy.service.auth.v3.Authorization/Check` and `grpc.health.v1.Health` on one
/// HTTP/2 connection, frame by frame (``HTTP2FrameServer``): a check is decoded, decided and answered
/// on the event loop, with no child channel, no task and no async hop per RPC.
///
/// gRPC semantics (the gRPC over HTTP/2 protocol): requests are `POST` with
/// `content-type: application/grpc[+proto]`; one length-prefixed message each (5-byte prefix:
/// compressed flag, big-endian length); answers are `:status 200` headers, the message, and
/// `grpc-status` / `grpc-message` trailers, or trailers alone for an error. An unknown method is
/// `UNIMPLEMENTED`, a `grpc-encoding` other than `identity` is `UNIMPLEMENTED` (with
/// `grpc-accept-encoding: identity`), a message over the limit is `RESOURCE_EXHAUSTED` as soon as
/// its prefix or its bytes pass the limit (it is never buffered whole), an expired `grpc-timeout` is
/// `DEADLINE_EXCEEDED`, as is a request not received whole within ``HTTP2FrameServer/requestTimeout``
/// (a trickled message); a request that is not `application/grpc` is HTTP 415. `Health/Watch` sends
/// the status once and stays open until the server shuts down (then `UNAVAILABLE`). A deny is never an
/// RPC error (see ``AuthorizationService``).
public final class GRPCConnectionHandler: HTTP2FrameServer {
    /// The methods served.
    enum Method {
        case check
        case healthCheck
        case healthWatch
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

    /// The HTTP/2 settings to announce: ``HTTP2FrameServer/settings(maximumRequestBytes:maximumHeaderBytes:)``
    /// for the largest message and its prefix.
    public static func initialSettings(maximumMessageBytes: Int, maximumHeaderBytes: Int) -> HTTP2Settings {
        settings(maximumRequestBytes: maximumMessageBytes + 5, maximumHeaderBytes: maximumHeaderBytes)
    }

    private let authorizer: any Authorizer
    private let ready: @Sendable () -> Bool
    private let maximumMessageBytes: Int
    /// Per open stream: the method and the deadline.
    private var calls: [HTTP2StreamID: (method: Method, deadline: NIODeadline?)] = [:]

    /// Creates the handler.
    /// - Parameters:
    ///   - authorizer: Decides each check.
    ///   - ready: Whether the server is ready (the health service's answer).
    ///   - maximumMessageBytes: The largest request message accepted (the body limit plus room for
    ///     the headers and attributes around it).
    public init(
        authorizer: any Authorizer, ready: @escaping @Sendable () -> Bool, maximumMessageBytes: Int
    ) {
        self.authorizer = authorizer
        self.ready = ready
        self.maximumMessageBytes = maximumMessageBytes
    }

    public override func accept(
        headers: HPACKHeaders, streamID: HTTP2StreamID, context: ChannelHandlerContext
    ) -> Int? {
        guard headers.first(name: ":method") == "POST",
            let contentType = headers.first(name: "content-type"),
            contentType == "application/grpc" || contentType.hasPrefix("application/grpc+")
                || contentType.hasPrefix("application/grpc;")
        else {
            // Not gRPC: HTTP 415, as the gRPC protocol asks.
            var response = HPACKHeaders()
            response.add(name: ":status", value: "415")
            response.add(name: "content-type", value: "text/plain")
            write(headers: response, endStream: true, streamID: streamID, context: context)
            return nil
        }
        let method: Method
        switch headers.first(name: ":path") {
        case "/envoy.service.auth.v3.Authorization/Check": method = .check
        case "/grpc.health.v1.Health/Check": method = .healthCheck
        case "/grpc.health.v1.Health/Watch": method = .healthWatch
        case let path:
            refuse(.unimplemented, "the method \(path ?? "-") is not served here", streamID: streamID, context: context)
            return nil
        }
        if let encoding = headers.first(name: "grpc-encoding"), encoding != "identity" {
            refuse(
                .unimplemented, "grpc-encoding \(encoding) is not supported; send identity", streamID: streamID,
                context: context, acceptEncoding: true)
            return nil
        }
        var deadline: NIODeadline?
        if let timeout = headers.first(name: "grpc-timeout") {
            guard let amount = Self.timeout(timeout) else {
                refuse(.internal, "grpc-timeout \(timeout) is malformed", streamID: streamID, context: context)
                return nil
            }
            deadline = .now() + amount
        }
        calls[streamID] = (method, deadline)
        return maximumMessageBytes + 5
    }

    public override func receivedData(streamID: HTTP2StreamID, context: ChannelHandlerContext) -> Bool {
        // Refuse as soon as the prefix announces more than the limit.
        guard let body = stream(streamID)?.body, body.readableBytes >= 5,
            let length = body.getInteger(at: body.readerIndex + 1, as: UInt32.self), Int(length) > maximumMessageBytes
        else { return true }
        tooLarge(streamID: streamID, size: Int(length) + 5, context: context)
        return false
    }

    public override func tooLarge(streamID: HTTP2StreamID, size: Int, context: ChannelHandlerContext) {
        refuse(
            .resourceExhausted, "the request message is larger than \(maximumMessageBytes) bytes", streamID: streamID,
            context: context)
    }

    public override func complete(streamID: HTTP2StreamID, context: ChannelHandlerContext) {
        guard let call = calls[streamID], var body = stream(streamID)?.body else { return }
        defer {
            if stream(streamID)?.keptOpen != true, !isAwaitingAnswer(streamID) {
                finish(streamID: streamID, context: context)
            }
        }
        if let deadline = call.deadline, deadline < .now() {
            refuse(.deadlineExceeded, "the deadline passed", streamID: streamID, context: context)
            return
        }
        guard Self.readPrefix(&body) else {
            refuse(
                .internal, "the request is not one gRPC message (5-byte prefix, uncompressed, exact length)",
                streamID: streamID, context: context)
            return
        }
        do {
            switch call.method {
            case .check:
                // Fields outside Protos/' subset (Envoy's destination, TLS session, metadata…) are
                // skipped, not kept as unknown fields: nothing reads them, and keeping them copies them.
                let request = try Envoy_Service_Auth_V3_CheckRequest(
                    serializedBytes: Array(body.readableBytesView), options: Self.decodingOptions)
                let (authz, clientDecisionHeaders) = AuthorizationService.translate(request)
                switch authorizer.answer(authz) {
                case .now(let result):
                    let response = try AuthorizationService.serializedResponse(
                        result, clientDecisionHeaders: clientDecisionHeaders)
                    writeResponse(response, streamID: streamID, context: context)
                case .later(let pending):
                    // An identity token verified with STS first: the stream waits (its deadline holds).
                    awaitAnswer(streamID: streamID)
                    let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
                    pending.whenDecided { result in
                        bound.eventLoop.execute {
                            let (handler, context) = bound.value
                            handler.answerLater(
                                result, clientDecisionHeaders: clientDecisionHeaders, streamID: streamID,
                                context: context)
                        }
                    }
                }
            case .healthCheck:
                let request = try Grpc_Health_V1_HealthCheckRequest(serializedBytes: Array(body.readableBytesView))
                guard HealthService.known.contains(request.service) else {
                    refuse(.notFound, "unknown service \(request.service)", streamID: streamID, context: context)
                    return
                }
                writeResponse(try healthStatus().serializedBytes(), streamID: streamID, context: context)
            case .healthWatch:
                let request = try Grpc_Health_V1_HealthCheckRequest(serializedBytes: Array(body.readableBytesView))
                var status = healthStatus()
                if !HealthService.known.contains(request.service) { status.status = .serviceUnknown }
                writeResponse(try status.serializedBytes(), streamID: streamID, context: context, end: false)
                if quiescing {
                    shutdown(openStream: streamID, context: context)
                } else {
                    keepOpen(streamID: streamID)
                }
            }
        } catch {
            refuse(.internal, "the request message cannot be decoded", streamID: streamID, context: context)
        }
    }

    /// Writes the answer of a check decided off the read path, when its stream still waits for it.
    private func answerLater(
        _ result: CheckResult, clientDecisionHeaders: [String], streamID: HTTP2StreamID, context: ChannelHandlerContext
    ) {
        guard isAwaitingAnswer(streamID) else { return }
        if let bytes = try? AuthorizationService.serializedResponse(
            result, clientDecisionHeaders: clientDecisionHeaders)
        {
            writeResponse(bytes, streamID: streamID, context: context)
        } else {
            refuse(.internal, "the response cannot be encoded", streamID: streamID, context: context)
        }
        answeredLater(streamID: streamID, context: context)
    }

    /// A request not received whole within the request timeout (a trickled message): `DEADLINE_EXCEEDED`.
    public override func requestTimedOut(streamID: HTTP2StreamID, context: ChannelHandlerContext) {
        refuse(
            .deadlineExceeded, "the request was not received within \(requestTimeout.nanoseconds / 1_000_000) ms",
            streamID: streamID, context: context)
    }

    public override func endsAtShutdown(streamID: HTTP2StreamID) -> Bool {
        calls[streamID]?.method == .healthWatch
    }

    public override func shutdown(openStream streamID: HTTP2StreamID, context: ChannelHandlerContext) {
        let message = "the server is shutting down"
        if stream(streamID)?.keptOpen == true {
            calls[streamID] = nil
            writeTrailers(status: .unavailable, message: message, streamID: streamID, context: context)
        } else {
            refuse(.unavailable, message, streamID: streamID, context: context)  // nothing sent yet: trailers only
        }
    }

    public override func streamClosed(_ streamID: HTTP2StreamID) {
        calls[streamID] = nil
    }

    // MARK: Answers

    private func healthStatus() -> Grpc_Health_V1_HealthCheckResponse {
        var response = Grpc_Health_V1_HealthCheckResponse()
        response.status = ready() ? .serving : .notServing
        return response
    }

    /// Checks the one message of a request — 5-byte prefix (flag 0, length), then exactly that many
    /// bytes — and leaves the buffer at the message.
    static func readPrefix(_ buffer: inout ByteBuffer) -> Bool {
        guard let flag = buffer.readInteger(as: UInt8.self), flag == 0,
            let length = buffer.readInteger(as: UInt32.self), Int(length) == buffer.readableBytes
        else { return false }
        return true
    }

    /// How requests are decoded: unknown fields dropped.
    static let decodingOptions: BinaryDecodingOptions = {
        var options = BinaryDecodingOptions()
        options.discardUnknownFields = true
        return options
    }()

    /// The headers of every answer with a message (built once: the same two entries each time).
    private static let responseHeaders: HPACKHeaders = [":status": "200", "content-type": "application/grpc"]
    /// The trailers of every successful call.
    private static let okTrailers: HPACKHeaders = ["grpc-status": "0"]

    private func writeResponse(
        _ bytes: [UInt8], streamID: HTTP2StreamID, context: ChannelHandlerContext, end: Bool = true
    ) {
        var buffer = context.channel.allocator.buffer(capacity: bytes.count + 5)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(UInt32(bytes.count))
        buffer.writeBytes(bytes)
        writeResponse(framed: buffer, streamID: streamID, context: context, end: end)
    }

    /// Headers, the framed message, and (with `end`) the OK trailers.
    private func writeResponse(
        framed message: ByteBuffer, streamID: HTTP2StreamID, context: ChannelHandlerContext, end: Bool = true
    ) {
        write(headers: Self.responseHeaders, endStream: false, streamID: streamID, context: context)
        write(data: message, endStream: false, streamID: streamID, context: context)
        if end { write(headers: Self.okTrailers, endStream: true, streamID: streamID, context: context) }
    }

    private func writeTrailers(
        status: Status, message: String?, streamID: HTTP2StreamID, context: ChannelHandlerContext
    ) {
        var trailers = HPACKHeaders()
        trailers.add(name: "grpc-status", value: String(status.rawValue))
        if let message { trailers.add(name: "grpc-message", value: Self.percentEncoded(message)) }
        write(headers: trailers, endStream: true, streamID: streamID, context: context)
    }

    /// A trailers-only answer with an error status.
    private func refuse(
        _ status: Status, _ message: String, streamID: HTTP2StreamID, context: ChannelHandlerContext,
        acceptEncoding: Bool = false
    ) {
        calls[streamID] = nil
        var headers = HPACKHeaders()
        headers.add(name: ":status", value: "200")
        headers.add(name: "content-type", value: "application/grpc")
        headers.add(name: "grpc-status", value: String(status.rawValue))
        headers.add(name: "grpc-message", value: Self.percentEncoded(message))
        if acceptEncoding { headers.add(name: "grpc-accept-encoding", value: "identity") }
        write(headers: headers, endStream: true, streamID: streamID, context: context)
    }

    // MARK: Header values

    /// `grpc-timeout`: at most 8 digits and a unit (H, M, S, m, u, n).
    static func timeout(_ text: String) -> TimeAmount? {
        let utf8 = text.utf8
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
