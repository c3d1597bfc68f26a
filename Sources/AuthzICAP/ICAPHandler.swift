internal import AuthzCore
internal import NIOCore
internal import SigV4

/// The ICAP check handler: raw bytes in, ICAP answers out. Its protocol state is one value
/// (``StateMachine``); the handler performs what it returns — asks the authorizer, writes answers,
/// arms the request timeout, closes. A decision that comes later (an identity token verified with
/// STS) holds the connection: nothing more is parsed or read until it is written, so answers stay in
/// order.
final class ICAPHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let configuration: ICAPConfiguration
    private let authorizer: any Authorizer
    private var machine: StateMachine
    private var timeout: Scheduled<Void>?
    private var readHeld = false
    private var removed = false

    init(configuration: ICAPConfiguration, authorizer: any Authorizer, allocator: ByteBufferAllocator) {
        self.configuration = configuration
        self.authorizer = authorizer
        self.machine = StateMachine(
            service: configuration.service, maxHeaderBytes: configuration.maxHeaderBytes,
            maxBodyBytes: configuration.maxBodyBytes, allocator: allocator)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        machine.receive(&bytes)
        drain(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        removed = true
        timeout?.cancel()
        timeout = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        machine.failed()
        timeout?.cancel()
        timeout = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        machine.failed()
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            perform(machine.quiesce(), context: context)
            context.flush()
            return
        }
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .all {
            perform(machine.idle(), context: context)
            context.flush()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: Backpressure: nothing is read while a decision is pending or answers are not taken.

    func read(context: ChannelHandlerContext) {
        guard context.channel.isWritable, !machine.isDeciding else {
            readHeld = true
            return
        }
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        resumeReading(context: context)
        context.fireChannelWritabilityChanged()
    }

    private func resumeReading(context: ChannelHandlerContext) {
        if readHeld, context.channel.isWritable, !machine.isDeciding {
            readHeld = false
            context.read()
        }
    }

    // MARK: Actions

    /// Performs actions until the machine needs more bytes or waits for a decision; then flushes and
    /// arms or cancels the request timeout.
    private func drain(context: ChannelHandlerContext) {
        while perform(machine.next(), context: context) {}
        context.flush()
        armTimeout(context: context)
    }

    /// Performs one action; `true`: ask the machine for the next one.
    @discardableResult
    private func perform(_ action: StateMachine.Action, context: ChannelHandlerContext) -> Bool {
        switch action {
        case .needMore, .wait:
            return false
        case .close:
            context.close(promise: nil)
            return false
        case .options(let close):
            var out = context.channel.allocator.buffer(capacity: 512)
            ICAPAnswerWriter.options(configuration, close: close, into: &out)
            return write(out, close: close, context: context)
        case .connect(let close):
            configuration.connectAnswered()
            var out = context.channel.allocator.buffer(capacity: 128)
            ICAPAnswerWriter.noContent(isTag: configuration.isTag(), close: close, into: &out)
            return write(out, close: close, context: context)
        case .sendContinue:
            var out = context.channel.allocator.buffer(capacity: 32)
            ICAPAnswerWriter.continueAnswer(into: &out)
            context.write(wrapOutboundOut(out), promise: nil)
            return true
        case .fail(let error):
            var out = context.channel.allocator.buffer(capacity: 128)
            ICAPAnswerWriter.error(error, isTag: configuration.isTag(), into: &out)
            return write(out, close: true, context: context)
        case .answer(let answer, let close):
            var out = context.channel.allocator.buffer(capacity: 1024)
            let tag = configuration.isTag()
            switch answer {
            case .noContent: ICAPAnswerWriter.noContent(isTag: tag, close: close, into: &out)
            case .deny(let result): ICAPAnswerWriter.deny(result, isTag: tag, close: close, into: &out)
            case .modified(let check, let result):
                ICAPAnswerWriter.modified(check, result, isTag: tag, close: close, into: &out)
            }
            return write(out, close: close, context: context)
        case .check(let check):
            timeout?.cancel()
            timeout = nil
            if case .truncated = check.body {
                // A preview: the rest of the body may change the decision, so it is recorded only if it
                // stands (one request, one record); asking for the rest makes the next check the one.
                let result = authorizer.provisional(Self.request(check))
                let next = machine.decided(result)
                if case .answer = next { authorizer.settle(result) }
                return perform(next, context: context)
            }
            switch authorizer.answer(Self.request(check)) {
            case .now(let result):
                return perform(machine.decided(result), context: context)
            case .later(let pending):
                let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
                pending.whenDecided { result in
                    bound.eventLoop.execute {
                        let (handler, context) = bound.value
                        guard !handler.removed, context.channel.isActive else { return }
                        if handler.perform(handler.machine.decided(result), context: context) {
                            handler.drain(context: context)
                        } else {
                            context.flush()
                        }
                        handler.resumeReading(context: context)
                    }
                }
                return false
            }
        }
    }

    /// Writes an answer; with `close`, closes once it is written. `true` when the connection goes on.
    private func write(_ out: ByteBuffer, close: Bool, context: ChannelHandlerContext) -> Bool {
        guard close else {
            context.write(wrapOutboundOut(out), promise: nil)
            return true
        }
        timeout?.cancel()
        timeout = nil
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(out)).whenComplete { _ in bound.value.close(promise: nil) }
        return false
    }

    /// A request being read must arrive whole within the request timeout (armed at its first byte,
    /// and again after `100 Continue`); a decided one cancels it.
    private func armTimeout(context: ChannelHandlerContext) {
        guard machine.isReading else {
            timeout?.cancel()
            timeout = nil
            return
        }
        guard timeout == nil else { return }
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        timeout = context.eventLoop.scheduleTask(in: configuration.requestTimeout) {
            let (handler, context) = bound.value
            handler.timeout = nil
            guard !handler.removed else { return }
            handler.perform(handler.machine.requestTimedOut(), context: context)
            context.flush()
        }
    }

    /// The request the decision core judges: the encapsulated HTTP request, the client address Squid
    /// reports (`X-Client-IP`, when it is an IP address), mode `icap`.
    static func request(_ check: ICAPCheck) -> AuthzRequest {
        var address: String?
        if let value = check.head.first("x-client-ip"), (try? SocketAddress(ipAddress: value, port: 0)) != nil {
            address = value
        }
        let requestID = check.request.headers.first { $0.name.lowercased() == "x-request-id" }?.value
        return AuthzRequest(
            method: check.request.method, host: check.request.host, target: check.request.target,
            headers: check.request.headers, body: check.body, sourceAddress: address, mode: .icap,
            requestID: requestID)
    }
}

@available(*, unavailable)
extension ICAPHandler: Sendable {}
