internal import NIOCore
internal import NIOTLS

/// The bound on the time to read one HTTP/1.1 request (`server.request_timeout`): armed by the first
/// byte of a request, disarmed when the answer goes out; when it passes, the client gets
/// `408 Request Timeout` and the connection closes. The idle timeout, which every byte resets, cannot
/// stop a request head or body trickled a byte at a time (slowloris); this does.
///
/// It sits before the HTTP codec, so it sees the connection's raw bytes both ways.
final class HTTP1RequestDeadline: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let timeoutResponse = "HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    private var timedOut = false

    init(timeout: TimeAmount) { self.timeout = timeout }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !timedOut else { return }  // the connection is closing: nothing more is read
        if deadline == nil {
            deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
                deadline = nil
                expire(context: context)
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // An answer: its request has been read (the check handler answers once a request is whole, or
        // early and then closes).
        disarm()
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }

    private func expire(context: ChannelHandlerContext) {
        timedOut = true
        let response = context.channel.allocator.buffer(string: Self.timeoutResponse)
        context.writeAndFlush(wrapOutboundOut(response)).whenComplete { _ in context.close(promise: nil) }
    }
}

@available(*, unavailable)
extension HTTP1RequestDeadline: Sendable {}

/// Closes a TLS connection whose handshake has not completed within `timeout`
/// (`server.tls_handshake_timeout`): a client that connects and sends nothing, or half a
/// ClientHello, never holds the connection longer. It sits after the TLS handler and removes itself
/// once the handshake is done.
final class TLSHandshakeDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            deadline?.cancel()
            deadline = nil
            context.fireUserInboundEventTriggered(event)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

@available(*, unavailable)
extension TLSHandshakeDeadline: Sendable {}
