internal import AuthzCore
internal import NIOCore

/// Tells HTTP/1.1 from h2c prior knowledge by the connection preface, then builds the matching pipeline
/// (``HTTPCheckPipeline``) and removes itself.
///
/// Until then no request has begun, so graceful shutdown (`ChannelShouldQuiesceEvent`) and the idle
/// timeout close the connection: a client that connects and sends nothing, or part of the preface,
/// neither holds the connection open nor delays shutdown. Nor does one that trickles the preface a
/// byte at a time (each byte resets the idle timer): the protocol must be known within the request
/// timeout of the connection's start.
final class ProtocolDetector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    private let translator: CheckRequestTranslator
    private let authorizer: any Authorizer
    private var buffered: ByteBuffer?
    private var deadline: Scheduled<Void>?

    init(translator: CheckRequestTranslator, authorizer: any Authorizer) {
        self.translator = translator
        self.authorizer = authorizer
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let timeout = TimeAmount.seconds(translator.configuration.requestTimeoutSeconds)
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        if buffered == nil { buffered = chunk } else { buffered?.writeBuffer(&chunk) }
        guard let bytes = buffered else { return }
        let view = bytes.readableBytesView
        let compared = min(view.count, Self.preface.count)
        let matches = view.prefix(compared).elementsEqual(Self.preface.prefix(compared))
        if matches && view.count < Self.preface.count { return }  // wait for more bytes
        do {
            if matches {
                try HTTPCheckPipeline.configureHTTP2(context.channel, translator: translator, authorizer: authorizer)
            } else {
                try HTTPCheckPipeline.configureHTTP1(context.channel, translator: translator, authorizer: authorizer)
            }
        } catch {
            context.close(promise: nil)
            return
        }
        buffered = nil
        context.fireChannelRead(wrapInboundOut(bytes))
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is ChannelShouldQuiesceEvent:
            context.close(promise: nil)
        case let idle as IdleStateHandler.IdleStateEvent where idle == .all:
            context.close(promise: nil)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        buffered = nil
        context.fireChannelInactive()
    }
}

@available(*, unavailable)
extension ProtocolDetector: Sendable {}
