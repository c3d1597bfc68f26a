public import AuthzCore
internal import NIOCore
internal import NIOHTTP1
public import Policy

/// The HTTP/1.1 check handler: reads a request head and its body up to the
/// limit, asks the responder, and writes 200 (allow) or 403 (deny) with the decision headers and the
/// AWS-style deny body. It keeps no state between requests, so pipelined requests are answered in
/// order.
final class HTTPCheckHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let translator: CheckRequestTranslator
    private let responder: any CheckResponder

    private enum State {
        case idle
        case receiving(head: HTTPRequestHead, body: ByteBuffer?)
        /// The body passed the limit: the answer is sent, the rest of the body read and dropped (so the
        /// client is not reset before it reads the answer), and the connection closed at its end.
        case discarding(remaining: Int)
    }

    private var state = State.idle
    private var quiescing = false
    private var inFlight = false

    init(translator: CheckRequestTranslator, responder: any CheckResponder) {
        self.translator = translator
        self.responder = responder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            inFlight = true
            let headBytes =
                head.uri.utf8.count + head.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
            if headBytes > translator.configuration.maxHeaderBytes {
                refuseAndDrain(
                    head, reason: .malformedCredentials,
                    message:
                        "the request headers are larger than the \(translator.configuration.maxHeaderBytes) bytes this authorizer reads",
                    context: context)
                return
            }
            state = .receiving(head: head, body: nil)
        case .body(var chunk):
            if case .discarding(let remaining) = state {
                // Bounded: a client that keeps sending is cut off.
                if remaining < chunk.readableBytes { context.close(promise: nil) }
                state = .discarding(remaining: remaining - chunk.readableBytes)
                return
            }
            guard case .receiving(let head, var body) = state else { return }
            let size = (body?.readableBytes ?? 0) + chunk.readableBytes
            if size > translator.configuration.maxBodyBytes {
                refuseAndDrain(
                    head, reason: .bodyTooLarge,
                    message:
                        "the request body is larger than the \(translator.configuration.maxBodyBytes) bytes this authorizer reads",
                    context: context)
                return
            }
            if body == nil {
                body = chunk
            } else {
                body?.writeBuffer(&chunk)
            }
            state = .receiving(head: head, body: body)
        case .end:
            switch state {
            case .receiving(let head, let body):
                state = .idle
                answer(head: head, body: body, context: context)
            case .discarding:
                state = .idle
                context.close(promise: nil)
            case .idle:
                break
            }
        }
    }

    /// Denies a request that exceeds a limit at once, then reads and drops the rest of its body (so the
    /// client is not reset before it reads the answer) and closes at its end.
    private func refuseAndDrain(
        _ head: HTTPRequestHead, reason: ReasonCode, message: String, context: ChannelHandlerContext
    ) {
        state = .discarding(remaining: 4 * translator.configuration.maxBodyBytes + (1 << 20))
        let response = responder.refused(reason: reason, message: message, mode: translator.mode(of: head.uri))
        write(response, version: head.version, keepAlive: false, closeAfterWrite: false, context: context)
    }

    private func answer(head: HTTPRequestHead, body: ByteBuffer?, context: ChannelHandlerContext) {
        let remote = context.channel.remoteAddress?.ipAddress
        let bytes = body.map { Array($0.readableBytesView) }
        let keepAlive = head.isKeepAlive && !quiescing
        switch translator.answer(head, body: bytes, remoteAddress: remote, responder: responder) {
        case .notFound:
            var headers = HTTPHeaders()
            headers.add(name: "content-length", value: "0")
            if !keepAlive { headers.add(name: "connection", value: "close") }
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .notFound, headers: headers))),
                promise: nil)
            finish(keepAlive: keepAlive, context: context)
        case .decided(let response):
            write(response, version: head.version, keepAlive: keepAlive, context: context)
        }
    }

    /// Writes the answer. `keepAlive: false` sends `connection: close`; the connection is closed after
    /// the write unless `closeAfterWrite` is false (the caller closes once the body is drained).
    private func write(
        _ response: AuthzResponse, version: HTTPVersion, keepAlive: Bool, closeAfterWrite: Bool = true,
        context: ChannelHandlerContext
    ) {
        let answer = HTTPAnswer(response)
        var headers = HTTPHeaders()
        for (name, value) in answer.headers { headers.add(name: name, value: value) }
        let body = answer.body.map { context.channel.allocator.buffer(string: $0) }
        headers.add(name: "content-length", value: String(body?.readableBytes ?? 0))
        if !keepAlive { headers.add(name: "connection", value: "close") }
        let status = HTTPResponseStatus(statusCode: answer.status)
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        if let body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        finish(keepAlive: keepAlive || !closeAfterWrite, context: context)
    }

    private func finish(keepAlive: Bool, context: ChannelHandlerContext) {
        inFlight = false
        guard !keepAlive else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            // Graceful shutdown: answer the request in flight, then close.
            quiescing = true
            if !inFlight { context.close(promise: nil) }
            return
        }
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .all, !inFlight {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A malformed HTTP request or a reset: nothing can be answered on this connection.
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension HTTPCheckHandler: Sendable {}
