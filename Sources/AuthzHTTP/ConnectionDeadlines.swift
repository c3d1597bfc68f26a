internal import NIOCore
internal import NIOHTTP1
internal import NIOTLS

/// The bound on the time to read one HTTP/1.1 request (`server.request_timeout`): armed by the first
/// byte of a request, disarmed when the answer goes out; when it passes, the client gets
/// `408 Request Timeout` and the connection closes. The idle timeout, which every byte resets, cannot
/// stop a request head or body trickled a byte at a time (slowloris); this does.
///
/// It sits before the HTTP codec, so it sees the connection's raw bytes both ways. When the answer
/// already written closes the connection (`connection: close`: a request over a limit answered early,
/// whose rest is being drained), the deadline closes without a 408 after it (``HTTP1AnswerObserver``
/// tells it).
final class HTTP1RequestDeadline: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let timeoutResponse = "HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"

    private let timeout: TimeAmount
    /// When the request being read began (its first byte); `nil` between requests.
    private var armedAt: NIODeadline?
    /// The one timer of the connection: a request that begins while it is pending costs a clock read,
    /// not a scheduled task (a keep-alive connection's checks schedule about one per `timeout`).
    private var timer: Scheduled<Void>?
    private var timedOut = false
    /// An answer with `connection: close` has been written: the connection ends after it.
    var closingAfterAnswer = false

    init(timeout: TimeAmount) { self.timeout = timeout }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !timedOut else { return }  // the connection is closing: nothing more is read
        if armedAt == nil {
            let now = context.eventLoop.now
            armedAt = now
            if timer == nil { schedule(at: now + timeout, context: context) }
        }
        context.fireChannelRead(data)
    }

    private func schedule(at deadline: NIODeadline, context: ChannelHandlerContext) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            guard let armedAt else { return }  // no request in progress: the next one schedules again
            if armedAt + timeout <= context.eventLoop.now {
                expire(context: context)
            } else {
                schedule(at: armedAt + timeout, context: context)  // a later request's deadline
            }
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // An answer: its request has been read (the check handler answers once a request is whole, or
        // early and then closes). The timer stays; it finds nothing armed, or a later request.
        armedAt = nil
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
    }

    private func cancelTimer() {
        armedAt = nil
        timer?.cancel()
        timer = nil
    }

    private func expire(context: ChannelHandlerContext) {
        timedOut = true
        guard !closingAfterAnswer else {
            context.close(promise: nil)
            return
        }
        let response = context.channel.allocator.buffer(string: Self.timeoutResponse)
        context.writeAndFlush(wrapOutboundOut(response)).whenComplete { _ in context.close(promise: nil) }
    }
}

@available(*, unavailable)
extension HTTP1RequestDeadline: Sendable {}

/// Tells ``HTTP1RequestDeadline`` when an answer closes the connection (`connection: close`), so a
/// deadline that passes while the rest of that request is drained closes without a second answer.
/// It sits after the HTTP codec, where answers are `HTTPServerResponsePart`s.
final class HTTP1AnswerObserver: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let deadline: HTTP1RequestDeadline

    init(deadline: HTTP1RequestDeadline) { self.deadline = deadline }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .head(let head) = unwrapOutboundIn(data), !head.isKeepAlive {
            deadline.closingAfterAnswer = true
        }
        context.write(data, promise: promise)
    }
}

@available(*, unavailable)
extension HTTP1AnswerObserver: Sendable {}

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
