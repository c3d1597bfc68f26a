internal import AuthzCore
internal import AuthzHTTP2
internal import NIOCore
internal import NIOHPACK
internal import NIOHTTP1
internal import NIOHTTP2
internal import Policy

/// Envoy HTTP mode and nginx checks over HTTP/2 (h2c prior knowledge, or TLS with ALPN `h2`), answered
/// on the connection's frames (``HTTP2FrameServer``): each stream's request is read up to the body
/// limit, translated as HTTP/1.1 requests are (``CheckRequestTranslator``), decided, and answered with
/// 200 or 403, the decision headers and the AWS-style deny body — no stream channel and no HTTP/1
/// codec per request.
final class H2CCheckHandler: HTTP2FrameServer {
    private let translator: CheckRequestTranslator
    private let authorizer: any Authorizer

    init(translator: CheckRequestTranslator, authorizer: any Authorizer) {
        self.translator = translator
        self.authorizer = authorizer
    }

    override func accept(headers: HPACKHeaders, streamID: HTTP2StreamID, context: ChannelHandlerContext) -> Int? {
        translator.configuration.maxBodyBytes
    }

    override func tooLarge(streamID: HTTP2StreamID, size: Int, context: ChannelHandlerContext) {
        // The decision core denies it `body_too_large`, with the request's facts in the record.
        guard let stream = stream(streamID) else { return }
        answer(stream, body: .tooLarge(size), streamID: streamID, context: context)
    }

    override func complete(streamID: HTTP2StreamID, context: ChannelHandlerContext) {
        guard let stream = stream(streamID) else { return }
        defer { if !isAwaitingAnswer(streamID) { finish(streamID: streamID, context: context) } }
        let body = RequestBody(stream.body.readableBytes > 0 ? Array(stream.body.readableBytesView) : nil)
        answer(stream, body: body, streamID: streamID, context: context)
    }

    private func answer(
        _ stream: HTTP2FrameServer.Stream, body: RequestBody, streamID: HTTP2StreamID, context: ChannelHandlerContext
    ) {
        // The HTTP/1.1 view of the request: method and target from the pseudo-headers, the authority
        // as Host, every other header as sent.
        var headers = HTTPHeaders()
        var method = "GET"
        var uri = "/"
        var authority: String?
        var hasHost = false
        for (name, value, _) in stream.headers {
            switch name {
            case ":method": method = value
            case ":path": uri = value
            case ":authority": authority = value
            case ":scheme": continue
            default:
                if name == "host" { hasHost = true }
                headers.add(name: name, value: value)
            }
        }
        if !hasHost, let authority { headers.add(name: "host", value: authority) }
        let head = HTTPRequestHead(version: .http2, method: HTTPMethod(rawValue: method), uri: uri, headers: headers)
        switch translator.answer(
            head, body: body, remoteAddress: context.channel.remoteAddress?.ipAddress, authorizer: authorizer)
        {
        case .notFound:
            var response = HPACKHeaders()
            response.add(name: ":status", value: "404")
            response.add(name: "content-length", value: "0")
            write(headers: response, endStream: true, streamID: streamID, context: context)
        case .decided(let result):
            write(result, streamID: streamID, context: context)
        case .later(let pending):
            awaitAnswer(streamID: streamID)
            let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            pending.whenDecided { result in
                bound.eventLoop.execute {
                    let (handler, context) = bound.value
                    guard handler.isAwaitingAnswer(streamID) else { return }
                    handler.write(result, streamID: streamID, context: context)
                    handler.answeredLater(streamID: streamID, context: context)
                }
            }
        }
    }

    private func write(_ result: CheckResult, streamID: HTTP2StreamID, context: ChannelHandlerContext) {
        let answer = HTTPAnswer(result)
        var headers = HPACKHeaders()
        headers.reserveCapacity(14)
        headers.add(name: ":status", value: answer.status == 200 ? "200" : "403")
        answer.forEachHeader { headers.add(name: $0, value: $1) }
        let body = answer.body.map { context.channel.allocator.buffer(string: $0) }
        headers.add(name: "content-length", value: String(body?.readableBytes ?? 0))
        write(headers: headers, endStream: body == nil, streamID: streamID, context: context)
        if let body { write(data: body, endStream: true, streamID: streamID, context: context) }
    }
}
