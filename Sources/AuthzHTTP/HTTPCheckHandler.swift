internal import AuthzCore
internal import NIOCore
internal import NIOHTTP1
internal import Policy

/// The HTTP/1.1 check handler: reads a request head and its body up to the limit, asks the authorizer,
/// and writes 200 (allow), 403 (deny) or 404 (another path) with the decision headers and the AWS-style
/// deny body. Its protocol state is one value (``StateMachine``) that takes the connection's events and
/// returns actions; the handler performs them. It keeps nothing of a request once it is answered, so
/// pipelined requests are answered in order.
///
/// It stops reading while the connection is not writable (its answers wait beyond the outbound
/// buffer's high-water mark because the client does not read them), so a client that pipelines
/// requests and never reads holds at most one read's worth of answers, not one per request it sent.
final class HTTPCheckHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let translator: CheckRequestTranslator
    private let authorizer: any Authorizer

    /// The protocol state; every event goes through it and the handler performs what it returns.
    private var machine: StateMachine

    /// A read held back while the connection was not writable.
    private var readHeld = false
    /// Whether the handler has left the pipeline (an answer decided later is then not written).
    private var removed = false

    init(translator: CheckRequestTranslator, authorizer: any Authorizer) {
        self.translator = translator
        self.authorizer = authorizer
        self.machine = StateMachine(
            maxHeaderBytes: translator.configuration.maxHeaderBytes,
            maxBodyBytes: translator.configuration.maxBodyBytes)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let action: StateMachine.Action
        switch unwrapInboundIn(data) {
        case .head(let head): action = machine.head(head)
        case .body(let chunk): action = machine.body(chunk)
        case .end: action = machine.end()
        }
        perform(action, context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        removed = true
    }

    // MARK: Backpressure

    func read(context: ChannelHandlerContext) {
        guard context.channel.isWritable else {
            readHeld = true
            return
        }
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if readHeld, context.channel.isWritable {
            readHeld = false
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is ChannelShouldQuiesceEvent:
            perform(machine.quiesce(), context: context)
        case let idle as IdleStateHandler.IdleStateEvent where idle == .all:
            perform(machine.idleTimeout(), context: context)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A malformed HTTP request (NIO's parser): `400 Bad Request` with `connection: close`, as NIO's
        // HTTPServerProtocolErrorHandler answers — but only while the connection is open and owes no
        // other answer. That handler also wrote its 400 when the decoder read a half-sent head at the
        // end of input on a connection graceful shutdown had already closed, which NIO's pipelining
        // handler reports as a write after quiescing (an assertion failure in debug builds).
        // A reset or any other error: nothing can be answered.
        if error is HTTPParserError, machine.mayAnswerMalformedRequest, context.channel.isActive {
            var headers = HTTPHeaders()
            headers.add(name: "connection", value: "close")
            headers.add(name: "content-length", value: "0")
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))),
                promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        perform(machine.failed(), context: context)
    }

    // MARK: Actions

    private func perform(_ action: StateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .ignore:
            break
        case .close:
            context.close(promise: nil)
        case .answer(let head, let body, let keepAlive):
            let remote = context.channel.remoteAddress?.ipAddress
            let bytes = RequestBody(body.map { Array($0.readableBytesView) })
            let answer = translator.answer(head, body: bytes, remoteAddress: remote, authorizer: authorizer)
            if case .later(let pending) = answer {
                // An identity token verified with STS first. NIO's pipelining handler holds the next
                // request until this answer's end is written, so answers stay in order.
                let version = head.version
                let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
                pending.whenDecided { result in
                    bound.eventLoop.execute {
                        let (handler, context) = bound.value
                        guard !handler.removed, context.channel.isActive else { return }
                        handler.write(.decided(result), version: version, keepAlive: keepAlive, context: context)
                        handler.finish(thenClose: !keepAlive, context: context)
                    }
                }
                return
            }
            write(answer, version: head.version, keepAlive: keepAlive, context: context)
            finish(thenClose: !keepAlive, context: context)
        case .refuseAndDrain(let head, let limit):
            // Answered with `connection: close`; the machine closes once the body is read and dropped.
            write(
                refusal(head, over: limit, context: context), version: head.version, keepAlive: false, context: context)
            finish(thenClose: false, context: context)
        }
    }

    /// The answer to a request over a limit.
    private func refusal(
        _ head: HTTPRequestHead, over limit: StateMachine.Limit, context: ChannelHandlerContext
    ) -> CheckRequestTranslator.Answer {
        let remote = context.channel.remoteAddress?.ipAddress
        switch limit {
        case .head:
            return .decided(
                authorizer.refuse(
                    Refusal(
                        reason: .malformedCredentials,
                        message:
                            "the request headers are larger than the \(translator.configuration.maxHeaderBytes) bytes this authorizer reads",
                        mode: translator.mode(of: head.uri), sourceAddress: remote,
                        requestID: head.headers.first(name: "x-request-id"))))
        case .body(let size):
            // The decision core denies it `body_too_large`, with the request's facts in the record.
            return translator.answer(head, body: .tooLarge(size), remoteAddress: remote, authorizer: authorizer)
        }
    }

    /// Writes the response head and body (not the end). `keepAlive: false` sends `connection: close`.
    private func write(
        _ answer: CheckRequestTranslator.Answer, version: HTTPVersion, keepAlive: Bool, context: ChannelHandlerContext
    ) {
        var headers = HTTPHeaders()
        let status: HTTPResponseStatus
        var body: ByteBuffer?
        switch answer {
        case .notFound:
            status = .notFound
        case .later:
            // Not written: a pending answer is written once decided (``perform(_:context:)``).
            status = .serviceUnavailable
        case .decided(let result):
            let answer = HTTPAnswer(result)
            status = HTTPResponseStatus(statusCode: answer.status)
            headers.reserveCapacity(14)
            answer.forEachHeader { headers.add(name: $0, value: $1) }
            body = answer.body.map { context.channel.allocator.buffer(string: $0) }
        }
        headers.add(name: "content-length", value: String(body?.readableBytes ?? 0))
        if !keepAlive { headers.add(name: "connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        if let body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
    }

    /// Ends the response; with `thenClose`, the machine hears when it is written (and closes).
    private func finish(thenClose: Bool, context: ChannelHandlerContext) {
        guard thenClose else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            let (handler, context) = bound.value
            handler.perform(handler.machine.answerWritten(), context: context)
        }
    }
}

@available(*, unavailable)
extension HTTPCheckHandler: Sendable {}
