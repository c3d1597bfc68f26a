public import AuthzCore
internal import NIOCore
internal import NIOHTTP1
public import Policy

/// The HTTP/1.1 check handler: reads a request head and its body up to the
/// limit, asks the authorizer, and writes 200 (allow) or 403 (deny) with the decision headers and the
/// AWS-style deny body. It keeps no state between requests, so pipelined requests are answered in
/// order.
final class HTTPCheckHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let translator: CheckRequestTranslator
    private let authorizer: any Authorizer

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

    init(translator: CheckRequestTranslator, authorizer: any Authorizer) {
        self.translator = translator
        self.authorizer = authorizer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            inFlight = true
            let headBytes =
                head.uri.utf8.count + head.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
            if headBytes > translator.configuration.maxHeaderBytes {
                let result = authorizer.refuse(
                    Refusal(
                        reason: .malformedCredentials,
                        message:
                            "the request headers are larger than the \(translator.configuration.maxHeaderBytes) bytes this authorizer reads",
                        mode: translator.mode(of: head.uri), sourceAddress: context.channel.remoteAddress?.ipAddress,
                        requestID: head.headers.first(name: "x-request-id")))
                drain(answering: head, with: .decided(result), context: context)
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
                // The decision core denies it `body_too_large`, with the request's facts in the record.
                let answer = translator.answer(
                    head, body: .tooLarge(size), remoteAddress: context.channel.remoteAddress?.ipAddress,
                    authorizer: authorizer)
                drain(answering: head, with: answer, context: context)
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
    private func drain(
        answering head: HTTPRequestHead, with answer: CheckRequestTranslator.Answer, context: ChannelHandlerContext
    ) {
        state = .discarding(remaining: 4 * translator.configuration.maxBodyBytes + (1 << 20))
        switch answer {
        case .decided(let result):
            write(result, version: head.version, keepAlive: false, closeAfterWrite: false, context: context)
        case .notFound:
            writeNotFound(version: head.version, keepAlive: false, closeAfterWrite: false, context: context)
        }
    }

    private func answer(head: HTTPRequestHead, body: ByteBuffer?, context: ChannelHandlerContext) {
        let remote = context.channel.remoteAddress?.ipAddress
        let bytes = RequestBody(body.map { Array($0.readableBytesView) })
        let keepAlive = head.isKeepAlive && !quiescing
        switch translator.answer(head, body: bytes, remoteAddress: remote, authorizer: authorizer) {
        case .notFound:
            writeNotFound(version: head.version, keepAlive: keepAlive, context: context)
        case .decided(let result):
            write(result, version: head.version, keepAlive: keepAlive, context: context)
        }
    }

    private func writeNotFound(
        version: HTTPVersion, keepAlive: Bool, closeAfterWrite: Bool = true, context: ChannelHandlerContext
    ) {
        var headers = HTTPHeaders()
        headers.add(name: "content-length", value: "0")
        if !keepAlive { headers.add(name: "connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: version, status: .notFound, headers: headers))),
            promise: nil)
        finish(keepAlive: keepAlive || !closeAfterWrite, context: context)
    }

    /// Writes the answer. `keepAlive: false` sends `connection: close`; the connection is closed after
    /// the write unless `closeAfterWrite` is false (the caller closes once the body is drained).
    private func write(
        _ result: CheckResult, version: HTTPVersion, keepAlive: Bool, closeAfterWrite: Bool = true,
        context: ChannelHandlerContext
    ) {
        let answer = HTTPAnswer(result)
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
