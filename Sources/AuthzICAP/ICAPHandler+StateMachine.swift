internal import AuthzCore
internal import NIOCore
internal import Policy

extension ICAPHandler {
    /// An ICAP connection's protocol state as one value: bytes in, actions out. The handler feeds it
    /// what it reads (``receive(_:)``), asks it what to do next (``next()``) until it needs more
    /// bytes or waits for a decision, performs each action, and hands it the decision
    /// (``decided(_:)``), a timeout or the idle event.
    ///
    /// ```
    ///          ICAP head            req-hdr read         body end / null-body
    ///   head ────────────▶ httpHead ──────────────▶ body ───────────────────▶ deciding
    ///    ▲  │ OPTIONS, error                          ▲                          │
    ///    │  ▼                                          └──── 100 Continue ◀──────┤ preview not enough
    ///    │ answer / 400 + close                                                  │
    ///    └───────────────────────────── answer (204, 200) ◀──────────────────────┘
    /// ```
    ///
    /// Requests are served one at a time: while a decision is pending nothing more is parsed, so
    /// answers leave in order. Every malformed input is an ``ICAPError`` and the connection closes
    /// after its answer.
    struct StateMachine {
        /// A request whose encapsulated head has been read.
        struct Request: Sendable {
            var head: ICAPRequestHead
            var http: EncapsulatedRequest
            var hasBody: Bool
            var body: [UInt8] = []
            var size = 0
            /// Whether `100 Continue` was sent for it (a 204 then needs the client's `Allow: 204`).
            var continued = false
        }

        /// Where a body stands.
        enum Phase: Sendable, Equatable {
            /// The preview (the client sent `Preview`); more may follow after `100 Continue`.
            case preview(limit: Int)
            /// The whole body (no preview), or its rest after `100 Continue`.
            case whole
        }

        enum State {
            /// Waiting for, or reading, an ICAP head.
            case head
            /// The ICAP head is read; the encapsulated HTTP head (`length` bytes) is awaited.
            case httpHead(ICAPRequestHead, length: Int, hasBody: Bool)
            /// Reading the body.
            case body(Request, ChunkedBodyReader, Phase)
            /// The handler is deciding; `whole`: the body is all read (or there is none).
            case deciding(Request, whole: Bool)
            /// Closing: nothing more is read.
            case closed
        }

        /// What the handler does next.
        enum Action {
            /// Read more bytes.
            case needMore
            /// A decision is pending: do nothing until ``decided(_:)``.
            case wait
            /// Answer OPTIONS; then close when `close`.
            case options(close: Bool)
            /// Decide this request, then call ``decided(_:)``.
            case check(ICAPCheck)
            /// Answer `204 No Content` without a decision (a CONNECT; see ``connectIsCheckedInside``).
            case connect(close: Bool)
            /// Write `ICAP/1.0 100 Continue` and keep reading the body.
            case sendContinue
            /// Write the answer; then close when `close`.
            case answer(Answer, close: Bool)
            /// Write this error status and close.
            case fail(ICAPError)
            /// Close now without writing.
            case close
        }

        /// A decided request's ICAP answer.
        enum Answer {
            /// `204 No Content`: the request goes on unchanged.
            case noContent
            /// `200 OK` with the request, its decision headers and rewrite applied, body re-sent.
            case modified(ICAPCheck, CheckResult)
            /// `200 OK` with an encapsulated `HTTP/1.1 403` response.
            case deny(CheckResult)
        }

        private var state = State.head
        private var input: ByteBuffer
        private let service: String
        private let maxHeaderBytes: Int
        private let maxBodyBytes: Int
        /// Graceful shutdown: the request in flight is answered with `Connection: close`.
        private var quiescing = false
        /// How far the current head has been searched for its end, so a trickled head is not rescanned.
        private var scanned = 0

        /// Creates the state of a new connection.
        init(service: String, maxHeaderBytes: Int, maxBodyBytes: Int, allocator: ByteBufferAllocator) {
            self.service = service
            self.maxHeaderBytes = maxHeaderBytes
            self.maxBodyBytes = maxBodyBytes
            self.input = allocator.buffer(capacity: 0)
        }

        /// CONNECT requests are answered 204 without a decision and are not audited: they carry no
        /// AWS credentials (a CONNECT is a tunnel's opening), and the requests inside the tunnel are
        /// checked one by one when Squid bumps it (squid-icap.conf bumps every CONNECT it lets through).
        static let connectIsCheckedInside = true

        /// Appends bytes read from the connection.
        mutating func receive(_ bytes: inout ByteBuffer) {
            if case .closed = state { return }
            if input.readableBytes == 0 { input.clear() } else { input.discardReadBytes() }
            input.writeBuffer(&bytes)
        }

        /// Whether a request is being read (its first byte has arrived and it is not yet decided).
        var isReading: Bool {
            switch state {
            case .head: input.readableBytes > 0
            case .httpHead, .body: true
            case .deciding, .closed: false
            }
        }

        /// Whether a decision is pending.
        var isDeciding: Bool {
            if case .deciding = state { true } else { false }
        }

        /// Bytes received and not parsed yet.
        var buffered: Int { input.readableBytes }

        /// The next action on the bytes received so far.
        mutating func next() -> Action {
            do {
                return try step()
            } catch {
                state = .closed
                return .fail(error)
            }
        }

        private mutating func step() throws(ICAPError) -> Action {
            while true {
                switch state {
                case .closed:
                    return .needMore
                case .deciding:
                    return .wait
                case .head:
                    guard input.readableBytes > 0 else { return .needMore }
                    guard let end = headEnd() else {
                        if input.readableBytes > maxHeaderBytes { throw .badRequest("the ICAP head is too large") }
                        return .needMore
                    }
                    let length = end + 4
                    guard length <= maxHeaderBytes else { throw .badRequest("the ICAP head is too large") }
                    let bytes = input.readBytes(length: length) ?? []
                    scanned = 0
                    let head = try ICAPHeadParser.parseICAPHead(bytes[0..<(length - 2)], service: service)
                    switch head.method {
                    case .options:
                        guard head.encapsulated.isEmpty || head.encapsulated == [.init(name: .nullBody, offset: 0)]
                        else { throw .badRequest("an OPTIONS request with a body") }
                        let close = head.close || quiescing
                        if close { state = .closed }
                        return .options(close: close)
                    case .reqmod:
                        let (httpLength, hasBody) = try EncapsulatedHeader.reqmodShape(head.encapsulated)
                        guard length + httpLength <= maxHeaderBytes else {
                            throw .badRequest("the encapsulated HTTP head is too large")
                        }
                        state = .httpHead(head, length: httpLength, hasBody: hasBody)
                    }
                case .httpHead(let head, let length, let hasBody):
                    guard input.readableBytes >= length, let bytes = input.readBytes(length: length) else {
                        return .needMore
                    }
                    let http = try ICAPHeadParser.parseHTTPHead(bytes[...])
                    let request = Request(head: head, http: http, hasBody: hasBody)
                    if hasBody {
                        state = .body(request, ChunkedBodyReader(), head.preview.map { .preview(limit: $0) } ?? .whole)
                    } else {
                        return decide(request, whole: true)
                    }
                case .body(var request, var reader, let phase):
                    // The state is re-set after every read: the request and reader are values.
                    state = .closed
                    let event = try reader.read(
                        &input, into: &request.body, size: &request.size, limit: maxBodyBytes)
                    switch event {
                    case .needMore:
                        state = .body(request, reader, phase)
                        return .needMore
                    case .data:
                        if case .preview(let limit) = phase, request.size > limit {
                            throw .badRequest("a preview larger than announced")
                        }
                        state = .body(request, reader, phase)
                    case .end(let ieof):
                        if case .preview = phase, !ieof { return decide(request, whole: false) }
                        return decide(request, whole: true)
                    }
                }
            }
        }

        /// The CONNECT shortcut, or a check.
        private mutating func decide(_ request: Request, whole: Bool) -> Action {
            if request.http.method == "CONNECT", Self.connectIsCheckedInside {
                let close = request.head.close || quiescing
                state = close ? .closed : .head
                return .connect(close: close)
            }
            state = .deciding(request, whole: whole)
            let body: RequestBody =
                !whole ? .truncated : request.size > maxBodyBytes ? .tooLarge(request.size) : .complete(request.body)
            return .check(ICAPCheck(head: request.head, request: request.http, body: body, hasBody: request.hasBody))
        }

        /// The decision for the pending request: the answer, or `100 Continue` when the preview was
        /// not enough (a deny, an allow whose known key's signature needs the body, or an allow that
        /// must modify the request, which is then re-sent whole).
        mutating func decided(_ result: CheckResult) -> Action {
            guard case .deciding(let request, let whole) = state else { return .needMore }
            let allowed = result.decision.answer == .allow
            let close = request.head.close || quiescing
            // An allow goes on unchanged (204) unless the request must be rewritten: the rewrite's
            // headers (a brokered signature, identity principal headers) set, or client-sent
            // `x-sigv4-authz-*` headers stripped.
            let mustModify = result.upstream != nil || request.http.carriesDecisionHeaders
            guard whole else {
                // A deny, enforced or not (would_deny), may change with the rest of the body: it is read.
                if result.decision.effect == .allow, !result.verificationNeedsBody, !mustModify {
                    state = close ? .closed : .head
                    return .answer(.noContent, close: close)
                }
                var rest = request
                rest.continued = true
                state = .body(rest, ChunkedBodyReader(), .whole)
                return .sendContinue
            }
            state = close ? .closed : .head
            guard allowed else { return .answer(.deny(result), close: close) }
            if !mustModify, request.head.allows204 || (request.head.preview != nil && !request.continued) {
                return .answer(.noContent, close: close)
            }
            guard request.size <= maxBodyBytes else {
                // Cannot happen (the core denies a body it did not see); fail closed if it does.
                state = .closed
                return .fail(ICAPError(500, "an allowed request whose body was not kept"))
            }
            let check = ICAPCheck(
                head: request.head, request: request.http, body: .complete(request.body), hasBody: request.hasBody)
            return .answer(.modified(check, result), close: close)
        }

        /// The request timeout: a request still being read is answered 408 and the connection closed.
        mutating func requestTimedOut() -> Action {
            guard isReading else { return .needMore }
            state = .closed
            return .fail(ICAPError(408, "the request did not arrive in time"))
        }

        /// The idle timeout: close unless a decision is pending.
        mutating func idle() -> Action {
            if isDeciding { return .needMore }
            state = .closed
            return .close
        }

        /// Graceful shutdown: close now when no request is in flight, else after its answer.
        mutating func quiesce() -> Action {
            quiescing = true
            if isReading || isDeciding { return .needMore }
            state = .closed
            return .close
        }

        /// The connection failed or is closing: nothing more is parsed.
        mutating func failed() {
            state = .closed
        }

        /// The offset of the `\r\n\r\n` ending the head, searching on from where the last search stopped.
        private mutating func headEnd() -> Int? {
            let view = input.readableBytesView
            let limit = min(view.count, maxHeaderBytes + 4)
            var index = max(0, scanned - 3)
            while index + 3 < limit {
                let base = view.startIndex + index
                if view[base] == 0x0D, view[base + 1] == 0x0A, view[base + 2] == 0x0D, view[base + 3] == 0x0A {
                    return index
                }
                index += 1
            }
            scanned = limit
            return nil
        }
    }
}
