internal import NIOCore
internal import NIOHTTP1

extension HTTPCheckHandler {
    /// The HTTP/1.1 check connection's protocol state as one value: each method takes an event (a
    /// request head, a body chunk, the request's end, graceful shutdown, the idle timeout, an answer
    /// written) and returns what the handler must do. The handler keeps no other state; it performs
    /// the actions (decides, writes, closes).
    ///
    /// ```
    ///            head ≤ limit            end (keep-alive)
    ///   idle ───────────────▶ receiving ──────────────────▶ idle
    ///     │                     │   │ end (close, or quiescing)
    ///     │ head > limit        │   └──────────────────────▶ closing ──▶ (answer written) close
    ///     ▼                     │ body > limit
    ///   discarding ◀────────────┘
    ///     │ end, or more than the drain bound
    ///     └──────────────────────────────────────────────▶ closing (close now)
    /// ```
    ///
    /// The idle timeout closes at once, also mid-request (a stalled client). Graceful shutdown closes
    /// at once unless a request is being read; with a request in flight, it makes the answer
    /// `connection: close`.
    ///
    /// A request over a limit is answered at once (with `connection: close`), then the rest of its
    /// body is read and dropped, so the client is not reset before it reads the answer, and the
    /// connection is closed at the body's end — or as soon as the client sends more than the drain
    /// bound. Every mutation happens before the action is returned, so an event delivered while the
    /// handler performs an action (NIO's pipelining handler releases the next request when an answer's
    /// end is written) finds the state already moved on.
    struct StateMachine {
        enum State {
            /// No request in flight.
            case idle
            /// A request's head has been read; its body is read up to the limit.
            case receiving(head: HTTPRequestHead, body: ByteBuffer?)
            /// A request over a limit has been answered; the rest of its body (at most `remaining`
            /// more bytes) is read and dropped, and the connection closed at its end.
            case discarding(remaining: Int)
            /// The connection is closing (an answer with `connection: close` is being written, or it
            /// is closed): nothing more is read.
            case closing
        }

        /// The limit a request went over.
        enum Limit: Equatable {
            /// The request head (request line and headers) is this many bytes, over the header limit.
            case head(bytes: Int)
            /// The body is at least this many bytes, over the body limit.
            case body(size: Int)
        }

        /// What the handler does after an event.
        enum Action {
            /// Nothing: keep reading.
            case ignore
            /// Decide the request and write the answer. `keepAlive: false`: with `connection: close`, and
            /// the connection is closed once it is written (``StateMachine/answerWritten()``).
            case answer(head: HTTPRequestHead, body: ByteBuffer?, keepAlive: Bool)
            /// The request went over a limit: write its denial with `connection: close` now and keep the
            /// connection open to read and drop the rest of the body.
            case refuseAndDrain(head: HTTPRequestHead, over: Limit)
            /// Close the connection.
            case close
        }

        /// The largest request head read (bytes of the target, names and values, 4 per header).
        let maxHeaderBytes: Int
        /// The largest body read.
        let maxBodyBytes: Int
        /// How much more of a refused request's body is read and dropped before the client is cut off.
        let drainBytes: Int

        private(set) var state = State.idle
        /// Whether graceful shutdown has begun: the request in flight is answered with
        /// `connection: close`.
        private(set) var quiescing = false

        init(maxHeaderBytes: Int, maxBodyBytes: Int) {
            self.maxHeaderBytes = maxHeaderBytes
            self.maxBodyBytes = maxBodyBytes
            // Four bodies and a MiB, saturating for an absurd limit.
            let (four, overflowed) = maxBodyBytes.multipliedReportingOverflow(by: 4)
            let (bound, overflowedAgain) = four.addingReportingOverflow(1 << 20)
            self.drainBytes = overflowed || overflowedAgain ? .max : bound
        }

        /// Whether a request is being read (its answer not yet written).
        var inFlight: Bool {
            if case .receiving = state { return true }
            return false
        }

        /// The size of a request head as the limit counts it.
        static func headBytes(_ head: HTTPRequestHead) -> Int {
            head.headers.reduce(head.uri.utf8.count) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
        }

        // MARK: Events

        /// A request head has been read.
        mutating func head(_ head: HTTPRequestHead) -> Action {
            if case .closing = state { return .ignore }
            let bytes = Self.headBytes(head)
            guard bytes <= maxHeaderBytes else {
                state = .discarding(remaining: drainBytes)
                return .refuseAndDrain(head: head, over: .head(bytes: bytes))
            }
            state = .receiving(head: head, body: nil)
            return .ignore
        }

        /// A chunk of the request's body has been read.
        mutating func body(_ chunk: ByteBuffer) -> Action {
            switch state {
            case .receiving(let head, var body):
                let size = (body?.readableBytes ?? 0) + chunk.readableBytes
                guard size <= maxBodyBytes else {
                    // The decision core denies it `body_too_large`, with the request's facts.
                    state = .discarding(remaining: drainBytes)
                    return .refuseAndDrain(head: head, over: .body(size: size))
                }
                // Drop the state's reference first, so the body is appended to in place, not copied.
                state = .idle
                if body == nil {
                    body = chunk
                } else {
                    var chunk = chunk
                    body?.writeBuffer(&chunk)
                }
                state = .receiving(head: head, body: body)
                return .ignore
            case .discarding(let remaining):
                // Bounded: a client that keeps sending is cut off.
                guard chunk.readableBytes <= remaining else {
                    state = .closing
                    return .close
                }
                state = .discarding(remaining: remaining - chunk.readableBytes)
                return .ignore
            case .idle, .closing:
                return .ignore
            }
        }

        /// The request has ended.
        mutating func end() -> Action {
            switch state {
            case .receiving(let head, let body):
                let keepAlive = head.isKeepAlive && !quiescing
                state = keepAlive ? .idle : .closing
                return .answer(head: head, body: body, keepAlive: keepAlive)
            case .discarding:
                state = .closing
                return .close
            case .idle, .closing:
                return .ignore
            }
        }

        /// An answer sent with `connection: close` has been written (or failed to be).
        mutating func answerWritten() -> Action {
            guard case .closing = state else { return .ignore }
            return .close
        }

        /// Graceful shutdown (`ChannelShouldQuiesceEvent`): answer the request in flight, then close.
        /// Behind NIO's `HTTPServerPipelineHandler` (in the pipeline ``HTTPCheckPipeline`` builds) the
        /// event never arrives: that handler quiesces the connection itself, the same way.
        mutating func quiesce() -> Action {
            quiescing = true
            switch state {
            case .receiving, .closing:
                return .ignore
            case .idle, .discarding:
                state = .closing
                return .close
            }
        }

        /// The connection has been idle for the idle timeout (`IdleStateHandler`, reads and writes):
        /// close it, also mid-request — a client that sends a head and then stalls (slowloris) would
        /// otherwise hold the connection, and delay graceful shutdown, for as long as it likes. Nothing
        /// is owed to it: its request was never complete.
        mutating func idleTimeout() -> Action {
            state = .closing
            return .close
        }

        /// A malformed request or a reset: nothing more can be answered.
        mutating func failed() -> Action {
            state = .closing
            return .close
        }

        /// Whether a malformed request may still be answered `400 Bad Request`: no answer is owed or
        /// has been started for it (idle, or mid-request), and neither graceful shutdown nor a close
        /// has begun — after an answer with `connection: close`, or once the connection is being shut,
        /// nothing more is written.
        var mayAnswerMalformedRequest: Bool {
            guard !quiescing else { return false }
            switch state {
            case .idle, .receiving: return true
            case .discarding, .closing: return false
            }
        }
    }
}
