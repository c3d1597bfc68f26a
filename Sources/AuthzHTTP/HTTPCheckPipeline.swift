package import AuthzCore
internal import AuthzHTTP2
package import NIOCore
internal import NIOHTTP1
internal import NIOHTTP2
package import NIOSSL
internal import NIOTLS

/// Sets up a check connection: HTTP/1.1 or h2c with prior knowledge, told apart by the first bytes.
package enum HTTPCheckPipeline {
    /// Configures an accepted connection (on its event loop).
    package static func configure(
        _ channel: any Channel, configuration: HTTPCheckConfiguration, authorizer: any Authorizer
    ) throws {
        let translator = CheckRequestTranslator(configuration: configuration)
        try channel.pipeline.syncOperations.addHandler(
            IdleStateHandler(allTimeout: .seconds(configuration.idleTimeoutSeconds)))
        try channel.pipeline.syncOperations.addHandler(ProtocolDetector(translator: translator, authorizer: authorizer))
    }

    /// Configures an accepted TLS connection: the handshake, then HTTP/2 or HTTP/1.1 by ALPN.
    package static func configureTLS(
        _ channel: any Channel, context: NIOSSLContext, configuration: HTTPCheckConfiguration,
        authorizer: any Authorizer
    ) throws {
        let translator = CheckRequestTranslator(configuration: configuration)
        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
        try channel.pipeline.syncOperations.addHandler(
            TLSHandshakeDeadline(timeout: .seconds(configuration.tlsHandshakeTimeoutSeconds)))
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
        let handler = H2CCheckHandler(translator: translator, authorizer: authorizer)
        handler.requestTimeout = .seconds(configuration.requestTimeoutSeconds)
        handler.maximumHeaderListBytes = configuration.maxHeaderBytes
        try channel.pipeline.syncOperations.addHandler(handler, position: .last)
    }

    /// Configures an HTTP/1.1 connection.
    static func configureHTTP1(
        _ channel: any Channel, translator: CheckRequestTranslator, authorizer: any Authorizer
    ) throws {
        // No NIO error handler: HTTPCheckHandler answers a malformed request 400 itself, and only when
        // the connection still owes an answer (NIO's handler also wrote one after graceful shutdown had
        // closed the connection). No outbound header validation: every response header name is a constant and every value is a
        // constant, a number or has been through `DecisionHeaders.safe` (printable ASCII, bounded), so
        // NIO's per-response re-check (about 6% of the HTTP/1.1 server's time) guards nothing here.
        let deadline = HTTP1RequestDeadline(timeout: .seconds(translator.configuration.requestTimeoutSeconds))
        try channel.pipeline.syncOperations.addHandler(deadline, position: .last)
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
            position: .last, withPipeliningAssistance: true, withErrorHandling: false,
            withOutboundHeaderValidation: false)
        try channel.pipeline.syncOperations.addHandler(HTTP1AnswerObserver(deadline: deadline), position: .last)
        try channel.pipeline.syncOperations.addHandler(
            HTTPCheckHandler(translator: translator, authorizer: authorizer), position: .last)
    }
}
