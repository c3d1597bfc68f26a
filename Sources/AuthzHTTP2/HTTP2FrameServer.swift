public import NIOCore
public import NIOHPACK
public import NIOHTTP2

/// The connection side of an HTTP/2 server that answers each stream's request on the connection's
/// frames: behind ``NIOHTTP2Handler`` without a stream multiplexer, so a request costs no child
/// channel, no task and no async hop.
///
/// This class keeps what every such server needs — the table of open streams, each request's
/// headers and body up to a limit, connection flow control, graceful shutdown and error handling —
/// and leaves the protocol to a subclass (the gRPC check service, the h2c check handler), which
/// overrides ``accept(headers:streamID:context:)``, ``receivedData(streamID:context:)`` and
/// ``complete(streamID:context:)`` and answers with ``write(headers:endStream:streamID:context:)``,
/// ``write(data:endStream:streamID:context:)`` and ``finish(streamID:context:)``.
///
/// - Flow control: the connection window is opened wide once (``connectionWindow``) and topped up
///   whenever NIOHTTP2Handler reports it below half; stream windows come from the settings (``settings(maximumRequestBytes:maximumHeaderBytes:)``),
///   sized to hold a whole request, so a stream never waits for a window update and one larger than
///   the limit is refused by the subclass.
/// - Graceful shutdown (`ChannelShouldQuiesceEvent`): GOAWAY with the last stream seen, streams kept
///   open by the subclass (``keepOpen(streamID:)``) are ended through ``shutdown(openStream:context:)``,
///   and the connection closes once no stream is open.
/// - Errors: a stream error reported as `NIOHTTP2Errors.StreamError` ends that stream; any other error
///   (a protocol violation, a header block over the limit) closes the connection after
///   ``NIOHTTP2Handler`` has sent GOAWAY — it is never left open for the client to time out on.
///   NIOHTTP2Handler reports some stream-level errors unwrapped; they close the connection too (the
///   client reconnects), which is safe but costs the other checks in flight on it. An idle connection (`IdleStateHandler`) with no open stream
///   is closed.
/// - Bounds on a slow or stalled client (``requestTimeout``): a connection must send its first frame,
///   and a stream its whole request and take its whole answer, within the timeout — an idle timer
///   that every byte resets stops neither a trickled request nor a window never opened. The header
///   list is held to ``maximumHeaderListBytes`` from the first frame (NIOHTTP2Handler applies the
///   announced limit only once the client has acknowledged the settings).
open class HTTP2FrameServer: ChannelInboundHandler {
    public typealias InboundIn = HTTP2Frame
    public typealias OutboundOut = HTTP2Frame

    /// One request in progress.
    public struct Stream {
        /// The request headers.
        public var headers: HPACKHeaders
        /// The body received so far.
        public var body: ByteBuffer
        /// The largest body accepted.
        public var limit: Int
        /// Whether the client has ended the stream.
        public var endedByClient = false
        /// Whether the answer is written and the stream stays open until shutdown (a watch).
        public var keptOpen = false
        /// Whether the request is complete and its answer is decided off the read path (an identity
        /// token verified with STS): the stream stays until ``answeredLater(streamID:context:)``, or
        /// until its deadline passes.
        public var awaitingAnswer = false
    }

    /// The connection window opened at the start and kept open (bytes).
    public static let connectionWindow = 1 << 24

    /// The HTTP/2 settings to announce: 256 concurrent streams (Envoy sends every check of a worker
    /// over one connection), a stream window that holds the largest request, the header limit, and
    /// 16 KiB frames.
    public static func settings(maximumRequestBytes: Int, maximumHeaderBytes: Int) -> HTTP2Settings {
        [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: 256),
            HTTP2Setting(parameter: .initialWindowSize, value: min(maximumRequestBytes + 16_384, Int(Int32.max))),
            HTTP2Setting(parameter: .maxHeaderListSize, value: maximumHeaderBytes),
            HTTP2Setting(parameter: .maxFrameSize, value: 1 << 14),
        ]
    }

    /// The open streams.
    public private(set) var streams: [HTTP2StreamID: Stream] = [:]
    private var lastStreamID = HTTP2StreamID.rootStream
    private var windowOpened = false
    private var needsFlush = false
    /// Whether graceful shutdown has begun.
    public private(set) var quiescing = false

    /// How long a stream may take from its HEADERS to the last byte of its answer: the client's whole
    /// request (a body trickled a byte at a time, a header block trickled in CONTINUATION frames) and
    /// the answer's way out (a client that never opens its flow-control window). Past it a request
    /// still arriving is answered by ``requestTimedOut(streamID:context:)`` and an answer still held
    /// by flow control is reset (RST_STREAM CANCEL); streams kept open (``keepOpen(streamID:)``) are
    /// exempt. It also bounds the time from the connection's start to the client's first frame (the
    /// TLS handshake and the preface included). Set before the connection is active.
    public var requestTimeout = TimeAmount.seconds(10)

    /// The largest header list a request may carry (RFC 9113 section 6.5.2: name, value and 32 bytes
    /// per field); a larger one is answered 431 without being read further. NIOHTTP2Handler enforces
    /// the SETTINGS_MAX_HEADER_LIST_SIZE it announces only once the client has acknowledged the
    /// settings (until then its decoder allows 16 KiB), so this check holds from the first frame.
    public var maximumHeaderListBytes = 64 << 10

    /// The deadline of every stream NIOHTTP2Handler has open (from its `NIOHTTP2StreamCreatedEvent`, or
    /// its first HEADERS, to its `StreamClosedEvent`), whether its request is still arriving or its
    /// answer is still going out.
    private var deadlines: [HTTP2StreamID: NIODeadline] = [:]
    /// The next look at ``deadlines``.
    private var sweep: Scheduled<Void>?
    /// Closes the connection when no frame has arrived within ``requestTimeout`` of its start.
    private var firstFrameDeadline: Scheduled<Void>?
    private var receivedFrame = false

    /// Creates the handler.
    public init() {}

    // MARK: For subclasses

    /// A new stream's request headers. Return the largest body to accept, or `nil` after answering
    /// (a refusal) — then the stream is finished.
    open func accept(headers: HPACKHeaders, streamID: HTTP2StreamID, context: ChannelHandlerContext) -> Int? {
        nil
    }

    /// More of a stream's body has arrived (within the limit). Return `false` after answering early.
    open func receivedData(streamID: HTTP2StreamID, context: ChannelHandlerContext) -> Bool { true }

    /// The body passed the limit (`size`: the bytes seen so far, more than the limit): answer (the
    /// stream is then finished).
    open func tooLarge(streamID: HTTP2StreamID, size: Int, context: ChannelHandlerContext) {}

    /// The client has sent the whole request: answer, then ``finish(streamID:context:)`` or
    /// ``keepOpen(streamID:)``.
    open func complete(streamID: HTTP2StreamID, context: ChannelHandlerContext) {}

    /// Whether a stream whose request has not been answered is ended at shutdown rather than awaited
    /// (a watch that would never end by itself). Streams kept open are always ended.
    open func endsAtShutdown(streamID: HTTP2StreamID) -> Bool { false }

    /// The server is shutting down: end a stream kept open (or one ``endsAtShutdown(streamID:)`` names).
    open func shutdown(openStream streamID: HTTP2StreamID, context: ChannelHandlerContext) {}

    /// A stream is gone (answered, reset by the client, failed, ended at shutdown): drop its state.
    open func streamClosed(_ streamID: HTTP2StreamID) {}

    /// The client has not sent the whole request within ``requestTimeout``: answer (the stream is
    /// then finished, and reset since the client has not ended it). The default answers HTTP 408.
    open func requestTimedOut(streamID: HTTP2StreamID, context: ChannelHandlerContext) {
        write(
            headers: [":status": "408", "content-length": "0"], endStream: true, streamID: streamID, context: context)
    }

    /// The request's header list is larger than ``maximumHeaderListBytes``: answer (the stream is
    /// then finished). The default answers HTTP 431.
    open func headersTooLarge(streamID: HTTP2StreamID, size: Int, context: ChannelHandlerContext) {
        write(
            headers: [":status": "431", "content-length": "0"], endStream: true, streamID: streamID, context: context)
    }

    /// Writes headers on a stream (flushed at the end of the read batch).
    public func write(headers: HPACKHeaders, endStream: Bool, streamID: HTTP2StreamID, context: ChannelHandlerContext) {
        write(.headers(.init(headers: headers, endStream: endStream)), streamID: streamID, context: context)
    }

    /// Writes data on a stream (flushed at the end of the read batch).
    public func write(data: ByteBuffer, endStream: Bool, streamID: HTTP2StreamID, context: ChannelHandlerContext) {
        write(.data(.init(data: .byteBuffer(data), endStream: endStream)), streamID: streamID, context: context)
    }

    /// The answer is complete: forget the stream, and reset it when the client is still sending (so
    /// it stops).
    public func finish(streamID: HTTP2StreamID, context: ChannelHandlerContext) {
        if let stream = streams[streamID], !stream.endedByClient {
            write(.rstStream(.noError), streamID: streamID, context: context)
        }
        remove(streamID)
        closeIfDrained(context: context)
    }

    private func remove(_ streamID: HTTP2StreamID) {
        streams[streamID] = nil
        streamClosed(streamID)
    }

    /// The answer is written and the stream stays open until shutdown.
    public func keepOpen(streamID: HTTP2StreamID) {
        streams[streamID]?.keptOpen = true
    }

    /// The request is complete and its answer comes later (decided off the read path): the stream is
    /// not finished until ``answeredLater(streamID:context:)``; its request deadline still holds.
    public func awaitAnswer(streamID: HTTP2StreamID) {
        streams[streamID]?.awaitingAnswer = true
    }

    /// Whether `streamID` still waits for the answer ``awaitAnswer(streamID:)`` deferred (not reset by
    /// the client, timed out or closed with the connection meanwhile).
    public func isAwaitingAnswer(_ streamID: HTTP2StreamID) -> Bool {
        streams[streamID]?.awaitingAnswer == true
    }

    /// The deferred answer of `streamID` has been written (on the event loop, outside a read batch):
    /// finish the stream and flush.
    public func answeredLater(streamID: HTTP2StreamID, context: ChannelHandlerContext) {
        finish(streamID: streamID, context: context)
        flushIfNeeded(context: context)
    }

    /// A stream's state, for the subclass.
    public func stream(_ streamID: HTTP2StreamID) -> Stream? { streams[streamID] }

    // MARK: Channel events

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive {
            openConnectionWindow(context: context)
            awaitFirstFrame(context: context)
        }
    }

    public func channelActive(context: ChannelHandlerContext) {
        openConnectionWindow(context: context)
        awaitFirstFrame(context: context)
        context.fireChannelActive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
    }

    private func cancelTimers() {
        firstFrameDeadline?.cancel()
        firstFrameDeadline = nil
        sweep?.cancel()
        sweep = nil
    }

    /// A connection that sends no frame (a stalled TLS handshake, a preface never sent) is closed at
    /// ``requestTimeout``, however it trickles bytes.
    private func awaitFirstFrame(context: ChannelHandlerContext) {
        guard !receivedFrame, firstFrameDeadline == nil else { return }
        firstFrameDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: requestTimeout) {
            context.close(promise: nil)
        }
    }

    private func openConnectionWindow(context: ChannelHandlerContext) {
        guard !windowOpened else { return }
        windowOpened = true
        context.writeAndFlush(
            wrapOutboundOut(
                HTTP2Frame(
                    streamID: .rootStream,
                    payload: .windowUpdate(windowSizeIncrement: Self.connectionWindow - 65_535))),
            promise: nil)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if !receivedFrame {
            receivedFrame = true
            firstFrameDeadline?.cancel()
            firstFrameDeadline = nil
        }
        switch frame.payload {
        case .headers(let payload):
            receivedHeaders(payload, streamID: frame.streamID, context: context)
        case .data(let payload):
            receivedData(payload, streamID: frame.streamID, context: context)
        case .rstStream:
            remove(frame.streamID)
            closeIfDrained(context: context)
        default:
            break
        }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        flushIfNeeded(context: context)
        context.fireChannelReadComplete()
    }

    open func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        deadlines = [:]
        for streamID in streams.keys { remove(streamID) }
        context.fireChannelInactive()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let streamError = error as? NIOHTTP2Errors.StreamError {
            remove(streamError.streamID)
            closeIfDrained(context: context)
            return
        }
        // NIOHTTP2Handler's own errors: a stream error has reset its stream (the handler reports some
        // unwrapped, so they cannot be told from connection errors here); a connection error has sent
        // GOAWAY with an error code, which ``GoAwayCloser`` sees and closes the connection on. Any other
        // error (I/O, TLS) closes it now.
        if error is any NIOHTTP2Error { return }
        flushIfNeeded(context: context)
        context.close(promise: nil)
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let window as NIOHTTP2WindowUpdatedEvent where window.streamID == .rootStream:
            if let inbound = window.inboundWindowSize {
                replenish(inboundWindow: inbound, context: context)
                flushIfNeeded(context: context)
            }
        case let created as NIOHTTP2StreamCreatedEvent where deadlines[created.streamID] == nil:
            opened(created.streamID, context: context)
        case let closed as StreamClosedEvent:
            deadlines[closed.streamID] = nil
        case let idle as IdleStateHandler.IdleStateEvent where idle == .all:
            if streams.isEmpty { context.close(promise: nil) }
        case is ChannelShouldQuiesceEvent where !quiescing:
            quiescing = true
            write(
                .goAway(lastStreamID: lastStreamID, errorCode: .noError, opaqueData: nil), streamID: .rootStream,
                context: context)
            for (streamID, stream) in streams where stream.keptOpen || endsAtShutdown(streamID: streamID) {
                shutdown(openStream: streamID, context: context)
                if !stream.endedByClient { write(.rstStream(.noError), streamID: streamID, context: context) }
                remove(streamID)
            }
            flushIfNeeded(context: context)
            closeIfDrained(context: context)
        default:
            break
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: Deadlines

    private func opened(_ streamID: HTTP2StreamID, context: ChannelHandlerContext) {
        let deadline = context.eventLoop.now + requestTimeout
        deadlines[streamID] = deadline
        if sweep == nil { scheduleSweep(at: deadline, context: context) }
    }

    private func scheduleSweep(at deadline: NIODeadline, context: ChannelHandlerContext) {
        sweep = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            sweep = nil
            sweepDeadlines(context: context)
        }
    }

    /// Ends the streams past their deadline: a request still arriving is answered
    /// (``requestTimedOut(streamID:context:)``), an answer flow control still holds is reset.
    private func sweepDeadlines(context: ChannelHandlerContext) {
        let now = context.eventLoop.now
        var next: NIODeadline?
        for (streamID, deadline) in deadlines {
            guard deadline <= now else {
                next = min(next ?? deadline, deadline)
                continue
            }
            deadlines[streamID] = nil
            if let stream = streams[streamID] {
                if stream.keptOpen { continue }
                requestTimedOut(streamID: streamID, context: context)
                finish(streamID: streamID, context: context)
            } else {
                write(.rstStream(.cancel), streamID: streamID, context: context)
            }
        }
        flushIfNeeded(context: context)
        if let next { scheduleSweep(at: next, context: context) }
    }

    // MARK: Frames

    private func receivedHeaders(
        _ payload: HTTP2Frame.FramePayload.Headers, streamID: HTTP2StreamID, context: ChannelHandlerContext
    ) {
        if streams[streamID] != nil {
            // Trailers from the client end its request.
            if payload.endStream { ended(streamID: streamID, context: context) }
            return
        }
        lastStreamID = max(lastStreamID, streamID)
        if deadlines[streamID] == nil { opened(streamID, context: context) }
        let headerListBytes = payload.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 32 }
        if headerListBytes > maximumHeaderListBytes {
            streams[streamID] = Stream(
                headers: [:], body: context.channel.allocator.buffer(capacity: 0), limit: 0,
                endedByClient: payload.endStream)
            headersTooLarge(streamID: streamID, size: headerListBytes, context: context)
            finish(streamID: streamID, context: context)
            return
        }
        streams[streamID] = Stream(
            headers: payload.headers, body: context.channel.allocator.buffer(capacity: 0), limit: 0,
            endedByClient: payload.endStream)
        guard let limit = accept(headers: payload.headers, streamID: streamID, context: context) else {
            finish(streamID: streamID, context: context)
            return
        }
        streams[streamID]?.limit = limit
        if payload.endStream { complete(streamID: streamID, context: context) }
    }

    private func receivedData(
        _ payload: HTTP2Frame.FramePayload.Data, streamID: HTTP2StreamID, context: ChannelHandlerContext
    ) {
        guard case .byteBuffer(var bytes) = payload.data else { return }
        // Read through the table without a copy of the stream, so the body's storage stays unshared.
        guard streams[streamID]?.keptOpen == false, let received = streams[streamID]?.body.readableBytes,
            let limit = streams[streamID]?.limit
        else { return }
        streams[streamID]?.endedByClient = payload.endStream
        if received + bytes.readableBytes > limit {
            tooLarge(streamID: streamID, size: received + bytes.readableBytes, context: context)
            finish(streamID: streamID, context: context)
            return
        }
        // Appended in place (through the table), so the body's storage is never copied per frame.
        streams[streamID]?.body.writeBuffer(&bytes)
        guard receivedData(streamID: streamID, context: context) else {
            finish(streamID: streamID, context: context)
            return
        }
        if payload.endStream { complete(streamID: streamID, context: context) }
    }

    private func ended(streamID: HTTP2StreamID, context: ChannelHandlerContext) {
        guard streams[streamID]?.keptOpen == false else { return }
        streams[streamID]?.endedByClient = true
        complete(streamID: streamID, context: context)
    }

    /// Connection flow control: top the window up when it falls below half. NIOHTTP2Handler reports
    /// every change of the connection's inbound window — also for DATA it drops itself (frames on a
    /// stream already reset), which never reach this handler — so no byte is lost from the window.
    private func replenish(inboundWindow: Int, context: ChannelHandlerContext) {
        guard windowOpened, inboundWindow < Self.connectionWindow / 2 else { return }
        write(
            .windowUpdate(windowSizeIncrement: Self.connectionWindow - inboundWindow), streamID: .rootStream,
            context: context)
    }

    private func write(_ payload: HTTP2Frame.FramePayload, streamID: HTTP2StreamID, context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(HTTP2Frame(streamID: streamID, payload: payload)), promise: nil)
        needsFlush = true
    }

    private func flushIfNeeded(context: ChannelHandlerContext) {
        guard needsFlush else { return }
        needsFlush = false
        context.flush()
    }

    private func closeIfDrained(context: ChannelHandlerContext) {
        guard quiescing, streams.isEmpty else { return }
        flushIfNeeded(context: context)
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension HTTP2FrameServer: Sendable {}

/// Closes the connection once ``NIOHTTP2Handler`` has sent a GOAWAY with an error code (a connection
/// error: a protocol violation, a header block over the limit), so the client is never left waiting
/// on a connection the server has given up. Pass it as the handler's `frameDelegate`.
public struct GoAwayCloser: NIOHTTP2FrameDelegate, Sendable {
    let channel: any Channel

    /// Creates the delegate for `channel`.
    public init(channel: any Channel) { self.channel = channel }

    public func wroteFrame(_ frame: HTTP2Frame) {
        guard case .goAway(_, let errorCode, _) = frame.payload, errorCode != .noError else { return }
        let channel = self.channel
        // After the write in progress (NIOHTTP2Handler flushes the GOAWAY).
        channel.eventLoop.execute { channel.close(promise: nil) }
    }

    /// The server-side HTTP/2 handler with this delegate and `settings`.
    public static func http2Handler(channel: any Channel, settings: HTTP2Settings) -> NIOHTTP2Handler {
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = settings
        return NIOHTTP2Handler(
            mode: .server, frameDelegate: GoAwayCloser(channel: channel), connectionConfiguration: connection)
    }
}
