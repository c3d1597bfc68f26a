public import AuthzCore
internal import AuthzHTTP2
public import NIOCore
internal import NIOHTTP1
internal import NIOHTTP2
public import NIOSSL
internal import NIOTLS

/// Sets up a check connection: HTTP/1.1 or h2c with prior knowledge, told apart by the first bytes.
public enum HTTPCheckPipeline {
    /// Configures an accepted connection (on its event loop).
    public static func configure(
        _ channel: any Channel, configuration: HTTPCheckConfiguration, authorizer: any Authorizer
    ) throws {
        let translator = CheckRequestTranslator(configuration: configuration)
        try channel.pipeline.syncOperations.addHandler(
            IdleStateHandler(allTimeout: .seconds(configuration.idleTimeoutSeconds)))
        try channel.pipeline.syncOperations.addHandler(ProtocolDetector(translator: translator, authorizer: authorizer))
    }

    /// Configures an accepted TLS connection: the handshake, then HTTP/2 or HTTP/1.1 by ALPN.
    public static func configureTLS(
        _ channel: any Channel, context: NIOSSLContext, configuration: HTTPCheckConfiguration,
        authorizer: any Authorizer
    ) throws {
        let translator = CheckRequestTranslator(configuration: configuration)
        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
        try channel.pipeline.syncOperations.addHandler(
            IdleStateHandler(allTimeout: .seconds(configuration.idleTimeoutSeconds)))
        try channel.pipeline.syncOperations.addHandler(
            ApplicationProtocolNegotiationHandler { result, channel in
                channel.eventLoop.makeCompletedFuture {
                    if case .negotiated("h2") = result {
                        try configureHTTP2(channel, translator: translator, authorizer: authorizer)
                    } else {
                        try configureHTTP1(channel, translator: translator, authorizer: authorizer)
                    }
                }
            })
    }

    /// Configures an HTTP/2 connection (h2c prior knowledge, or ALPN `h2` over TLS): every stream's
    /// check is answered on the connection's frames by ``H2CCheckHandler``.
    /// Handlers are added at the end of the pipeline (after the protocol detector, which then removes itself).
    static func configureHTTP2(
        _ channel: any Channel, translator: CheckRequestTranslator, authorizer: any Authorizer
    ) throws {
        let configuration = translator.configuration
        try channel.pipeline.syncOperations.addHandler(
            GoAwayCloser.http2Handler(
                channel: channel,
                settings: HTTP2FrameServer.settings(
                    maximumRequestBytes: configuration.maxBodyBytes, maximumHeaderBytes: configuration.maxHeaderBytes)),
            position: .last)
        try channel.pipeline.syncOperations.addHandler(
            H2CCheckHandler(translator: translator, authorizer: authorizer), position: .last)
    }

    /// Configures an HTTP/1.1 connection.
    static func configureHTTP1(
        _ channel: any Channel, translator: CheckRequestTranslator, authorizer: any Authorizer
    ) throws {
        // No outbound header validation: every response header name is a constant and every value has
        // been through `AuthzEngine.headerSafe` (printable ASCII, bounded), so NIO's per-response
        // re-check (about 6% of the HTTP/1.1 server's time) guards nothing here.
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
            position: .last, withPipeliningAssistance: true, withErrorHandling: true,
            withOutboundHeaderValidation: false)
        try channel.pipeline.syncOperations.addHandler(
            HTTPCheckHandler(translator: translator, authorizer: authorizer), position: .last)
    }
}

/// Tells HTTP/1.1 from h2c prior knowledge by the connection preface, then builds the matching pipeline
/// and removes itself.
final class ProtocolDetector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    private let translator: CheckRequestTranslator
    private let authorizer: any Authorizer
    private var buffered: ByteBuffer?

    init(translator: CheckRequestTranslator, authorizer: any Authorizer) {
        self.translator = translator
        self.authorizer = authorizer
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

    func channelInactive(context: ChannelHandlerContext) {
        buffered = nil
        context.fireChannelInactive()
    }
}

@available(*, unavailable)
extension ProtocolDetector: Sendable {}
