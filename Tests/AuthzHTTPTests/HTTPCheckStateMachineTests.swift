import NIOCore
import NIOHTTP1
import Testing

@testable import AuthzHTTP

private typealias Machine = HTTPCheckHandler.StateMachine

/// An event, as the table writes it.
private enum Event: Sendable, CustomStringConvertible {
    /// A request head of `bytes` (as the limit counts them) on `/envoy/k`.
    case head(bytes: Int = 40, version: HTTPVersion = .http1_1, close: Bool = false)
    /// A body chunk of `n` bytes.
    case body(Int)
    case end
    case quiesce
    case idleTimeout
    case answerWritten
    case failed

    var description: String {
        switch self {
        case .head(let bytes, let version, let close):
            "head(\(bytes)\(version == .http1_1 ? "" : ", \(version)")\(close ? ", close" : ""))"
        case .body(let n): "body(\(n))"
        case .end: "end"
        case .quiesce: "quiesce"
        case .idleTimeout: "idle"
        case .answerWritten: "written"
        case .failed: "failed"
        }
    }

    /// A head of exactly `bytes`: the URI `/envoy/k` (8), `x-pad` (5), its value and 4 for the header,
    /// and with `close` `connection: close` (19).
    static func makeHead(bytes: Int, version: HTTPVersion, close: Bool) -> HTTPRequestHead {
        let padding = bytes - 8 - 5 - 4 - (close ? 19 : 0)
        var headers = HTTPHeaders([("x-pad", String(repeating: "p", count: max(padding, 0)))])
        if close { headers.add(name: "connection", value: "close") }
        return HTTPRequestHead(version: version, method: .POST, uri: "/envoy/k", headers: headers)
    }

    func apply(to machine: inout Machine) -> Machine.Action {
        switch self {
        case .head(let bytes, let version, let close):
            machine.head(Self.makeHead(bytes: bytes, version: version, close: close))
        case .body(let n): machine.body(ByteBuffer(repeating: 0x62, count: n))
        case .end: machine.end()
        case .quiesce: machine.quiesce()
        case .idleTimeout: machine.idleTimeout()
        case .answerWritten: machine.answerWritten()
        case .failed: machine.failed()
        }
    }
}

/// An action, as the table writes it.
private enum Act: Sendable, Equatable, CustomStringConvertible {
    case ignore
    case close
    /// Answer the request (with its body's size), keeping the connection or not.
    case answer(body: Int?, keepAlive: Bool)
    case refuseHead(bytes: Int)
    case refuseBody(size: Int)

    init(_ action: Machine.Action) {
        switch action {
        case .ignore: self = .ignore
        case .close: self = .close
        case .answer(_, let body, let keepAlive): self = .answer(body: body?.readableBytes, keepAlive: keepAlive)
        case .refuseAndDrain(_, .head(let bytes)): self = .refuseHead(bytes: bytes)
        case .refuseAndDrain(_, .body(let size)): self = .refuseBody(size: size)
        }
    }

    var description: String {
        switch self {
        case .ignore: "ignore"
        case .close: "close"
        case .answer(let body, let keepAlive):
            "answer(\(body.map(String.init) ?? "nil"), \(keepAlive ? "keep" : "close"))"
        case .refuseHead(let bytes): "refuseHead(\(bytes))"
        case .refuseBody(let size): "refuseBody(\(size))"
        }
    }
}

/// A state, as the table writes it.
private enum Phase: Sendable, Equatable {
    case idle
    case receiving(body: Int?)
    case discarding(remaining: Int)
    case closing

    init(_ state: Machine.State) {
        switch state {
        case .idle: self = .idle
        case .receiving(_, let body): self = .receiving(body: body?.readableBytes)
        case .discarding(let remaining): self = .discarding(remaining: remaining)
        case .closing: self = .closing
        }
    }
}

/// Limits of the table: a 100-byte head, a 10-byte body, so the drain bound is 4 × 10 + 1 MiB.
private let headLimit = 100
private let bodyLimit = 10
private let drain = 4 * bodyLimit + (1 << 20)

private struct Row: Sendable, CustomTestStringConvertible {
    var testDescription: String
    var events: [Event]
    var actions: [Act]
    var phase: Phase
    var quiescing = false
}

private let rows: [Row] = [
    // Requests answered.
    Row(
        testDescription: "a request without a body", events: [.head(), .end],
        actions: [.ignore, .answer(body: nil, keepAlive: true)], phase: .idle),
    Row(
        testDescription: "a body in chunks", events: [.head(), .body(4), .body(6), .end],
        actions: [.ignore, .ignore, .ignore, .answer(body: 10, keepAlive: true)], phase: .idle),
    Row(
        testDescription: "pipelined requests", events: [.head(), .end, .head(), .body(2), .end],
        actions: [.ignore, .answer(body: nil, keepAlive: true), .ignore, .ignore, .answer(body: 2, keepAlive: true)],
        phase: .idle),
    Row(
        testDescription: "a keep-alive answer written changes nothing", events: [.head(), .end, .answerWritten],
        actions: [.ignore, .answer(body: nil, keepAlive: true), .ignore], phase: .idle),
    Row(
        testDescription: "connection: close: answered, closed once written",
        events: [.head(close: true), .end, .answerWritten],
        actions: [.ignore, .answer(body: nil, keepAlive: false), .close], phase: .closing),
    Row(
        testDescription: "HTTP/1.0 without keep-alive", events: [.head(version: .http1_0), .end],
        actions: [.ignore, .answer(body: nil, keepAlive: false)], phase: .closing),
    Row(
        testDescription: "after connection: close nothing more is read",
        events: [.head(close: true), .end, .head(), .body(3), .end],
        actions: [.ignore, .answer(body: nil, keepAlive: false), .ignore, .ignore, .ignore], phase: .closing),
    Row(
        testDescription: "body and end without a head are ignored", events: [.body(3), .end, .answerWritten],
        actions: [.ignore, .ignore, .ignore], phase: .idle),

    // The head limit.
    Row(
        testDescription: "a head at the limit", events: [.head(bytes: headLimit), .end],
        actions: [.ignore, .answer(body: nil, keepAlive: true)], phase: .idle),
    Row(
        testDescription: "a head over the limit: refused, then drained", events: [.head(bytes: headLimit + 1)],
        actions: [.refuseHead(bytes: headLimit + 1)], phase: .discarding(remaining: drain)),
    Row(
        testDescription: "a head over the limit: its body dropped, closed at its end",
        events: [.head(bytes: headLimit + 1), .body(5), .end],
        actions: [.refuseHead(bytes: headLimit + 1), .ignore, .close], phase: .closing),

    // The body limit.
    Row(
        testDescription: "a body at the limit", events: [.head(), .body(bodyLimit), .end],
        actions: [.ignore, .ignore, .answer(body: bodyLimit, keepAlive: true)], phase: .idle),
    Row(
        testDescription: "a body over the limit in one chunk", events: [.head(), .body(bodyLimit + 1)],
        actions: [.ignore, .refuseBody(size: bodyLimit + 1)], phase: .discarding(remaining: drain)),
    Row(
        testDescription: "a body over the limit across chunks (the size seen so far)",
        events: [.head(), .body(6), .body(6)], actions: [.ignore, .ignore, .refuseBody(size: 12)],
        phase: .discarding(remaining: drain)),
    Row(
        testDescription: "drained up to the bound, closed at the end",
        events: [.head(), .body(11), .body(drain - 1), .body(1), .end],
        actions: [.ignore, .refuseBody(size: 11), .ignore, .ignore, .close], phase: .closing),
    Row(
        testDescription: "past the drain bound: cut off", events: [.head(), .body(11), .body(drain - 1), .body(2)],
        actions: [.ignore, .refuseBody(size: 11), .ignore, .close], phase: .closing),
    Row(
        testDescription: "nothing is read after the cut",
        events: [.head(), .body(11), .body(drain + 1), .body(1), .end],
        actions: [.ignore, .refuseBody(size: 11), .close, .ignore, .ignore], phase: .closing),

    // Graceful shutdown.
    Row(
        testDescription: "quiesce with nothing in flight closes", events: [.quiesce], actions: [.close],
        phase: .closing,
        quiescing: true),
    Row(
        testDescription: "quiesce after an answer closes", events: [.head(), .end, .quiesce],
        actions: [.ignore, .answer(body: nil, keepAlive: true), .close], phase: .closing, quiescing: true),
    Row(
        testDescription: "quiesce in flight: answered with connection: close, then closed",
        events: [.head(), .body(3), .quiesce, .body(2), .end, .answerWritten],
        actions: [.ignore, .ignore, .ignore, .ignore, .answer(body: 5, keepAlive: false), .close], phase: .closing,
        quiescing: true),
    Row(
        testDescription: "quiesce while draining closes", events: [.head(bytes: headLimit + 1), .quiesce],
        actions: [.refuseHead(bytes: headLimit + 1), .close], phase: .closing, quiescing: true),
    Row(
        testDescription: "quiesce while a closing answer is written waits for it",
        events: [.head(close: true), .end, .quiesce, .answerWritten],
        actions: [.ignore, .answer(body: nil, keepAlive: false), .ignore, .close], phase: .closing, quiescing: true),

    // The idle timeout.
    Row(
        testDescription: "idle with nothing in flight closes", events: [.idleTimeout], actions: [.close],
        phase: .closing),
    Row(
        testDescription: "idle after an answer closes", events: [.head(), .end, .idleTimeout],
        actions: [.ignore, .answer(body: nil, keepAlive: true), .close], phase: .closing),
    Row(
        testDescription: "idle while a request is read (a stalled client) closes, and nothing more is read",
        events: [.head(), .body(1), .idleTimeout, .end],
        actions: [.ignore, .ignore, .close, .ignore], phase: .closing),
    Row(
        testDescription: "idle while draining closes", events: [.head(), .body(11), .idleTimeout],
        actions: [.ignore, .refuseBody(size: 11), .close], phase: .closing),
    Row(
        testDescription: "idle while a closing answer is written closes",
        events: [.head(close: true), .end, .idleTimeout],
        actions: [.ignore, .answer(body: nil, keepAlive: false), .close], phase: .closing),

    // Errors.
    Row(
        testDescription: "an error in flight closes", events: [.head(), .body(2), .failed, .end],
        actions: [.ignore, .ignore, .close, .ignore], phase: .closing),
]

@Suite("HTTPCheckHandler.StateMachine: events in, actions out")
struct HTTPCheckStateMachineTests {
    @Test("each sequence of events gives these actions and ends in this state", arguments: rows)
    fileprivate func table(row: Row) {
        var machine = Machine(maxHeaderBytes: headLimit, maxBodyBytes: bodyLimit)
        var actions: [Act] = []
        for event in row.events { actions.append(Act(event.apply(to: &machine))) }
        #expect(actions == row.actions, "events: \(row.events)")
        #expect(Phase(machine.state) == row.phase)
        #expect(machine.quiescing == row.quiescing)
        if case .receiving = row.phase { #expect(machine.inFlight) } else { #expect(!machine.inFlight) }
    }

    @Test("the table's heads are the size they claim", arguments: [40, 100, 101])
    func headSize(bytes: Int) {
        for close in [false, true] {
            #expect(Machine.headBytes(Event.makeHead(bytes: bytes, version: .http1_1, close: close)) == bytes)
        }
    }

    @Test("the answer carries the request's head and its body's bytes, in order")
    func answerCarriesRequest() throws {
        var machine = Machine(maxHeaderBytes: 1_000, maxBodyBytes: 100)
        let head = HTTPRequestHead(
            version: .http1_1, method: .PUT, uri: "/envoy/b/k", headers: ["host": "b.s3.amazonaws.com"])
        #expect(Act(machine.head(head)) == .ignore)
        for part in ["Action=", "List", "Queues"] { _ = machine.body(ByteBuffer(string: part)) }
        guard case .answer(let answered, let body, let keepAlive) = machine.end() else {
            Issue.record("not answered")
            return
        }
        #expect(answered == head)
        #expect(body.map { String(buffer: $0) } == "Action=ListQueues")
        #expect(keepAlive)
    }

    @Test("the refusal carries the request's head")
    func refusalCarriesHead() {
        var machine = Machine(maxHeaderBytes: 1_000, maxBodyBytes: 3)
        let head = HTTPRequestHead(version: .http1_1, method: .PUT, uri: "/nginx", headers: ["x-request-id": "r"])
        _ = machine.head(head)
        guard case .refuseAndDrain(let refused, .body(size: 4)) = machine.body(ByteBuffer(string: "abcd")) else {
            Issue.record("not refused")
            return
        }
        #expect(refused == head)
    }

    @Test(
        "the drain bound: four bodies and a MiB, saturating",
        arguments: [(0, 1 << 20), (10, 40 + (1 << 20)), (Int.max / 4 + 1, Int.max), (Int.max, Int.max)])
    func drainBound(maxBodyBytes: Int, bound: Int) {
        #expect(Machine(maxHeaderBytes: 1, maxBodyBytes: maxBodyBytes).drainBytes == bound)
    }
}
