// Property fuzz target of the ICAP front end: the connection pipeline of ICAPPipeline.configure (idle
// timer, ICAPHandler and its state machine, the head, Encapsulated and chunked-body parsers, the answer
// writer) in an EmbeddedChannel with the fixtures' engine, fed the input's bytes as Squid would send
// them. The first byte sets how the bytes are cut into reads (bits 0-5: 1 to 64 bytes; bit 6: all at
// once), whether the authorizer answers later (bit 7: every answer held until after the read, as an
// identity token's first check is), and whether the server is shut down gracefully at the end
// (input length odd). Properties:
// - no crash, no precondition failure, no error left uncaught in the pipeline;
// - every byte the server writes belongs to a well-formed ICAP answer: `ICAP/1.0 NNN reason`, header
//   lines with token names and no control bytes, an `Encapsulated` header on every final answer whose
//   sections match what follows (`null-body=0`; `req-hdr=0, req-body|null-body=N` with an HTTP request
//   head of exactly N bytes; `res-hdr=0, res-body|null-body=N` with an `HTTP/1.1 403` head), chunked
//   bodies well-formed, no bytes after the last answer;
// - no allow for a request the policy did not allow: every 204 and every modified request (`req-hdr`)
//   is matched by an allow the engine returned, or by a CONNECT (answered 204 without a check), and a
//   modified request carries `x-sigv4-authz-decision: allow` exactly once; every deny the engine
//   returned that was answered is a 403;
// - at most one final answer per ICAP request line sent, plus one error; at most one 100 Continue per
//   `Preview` header;
// - the connection ends closed: after the input, the idle timeout closes what is still open.
import AuthzCore
import AuthzFixtures
import Foundation
import FuzzDriver
import NIOCore
import NIOEmbedded
import Policy
import SigV4
import Synchronization

@testable import AuthzICAP

let engine: AuthzEngine = {
    do { return try EngineFixtures.engine() } catch { fatalError("engine: \(error)") }
}()
let configuration: ICAPConfiguration = {
    var configuration = ICAPConfiguration()
    configuration.maxBodyBytes = 4096
    configuration.maxHeaderBytes = 8192
    return configuration
}()

/// The fixtures' engine, counting its allows and denies; with `later`, every answer is held until
/// ``release()``.
final class RecordingAuthorizer: Authorizer {
    let later: Bool
    private let state = Mutex<(allows: Int, denies: Int, held: [@Sendable () -> Void])>((0, 0, []))

    init(later: Bool) { self.later = later }

    var counts: (allows: Int, denies: Int) { state.withLock { ($0.allows, $0.denies) } }

    func check(_ request: AuthzRequest) -> CheckResult {
        let result = engine.check(request)
        state.withLock {
            if result.decision.answer == .allow { $0.allows += 1 } else { $0.denies += 1 }
        }
        return result
    }

    func answer(_ request: AuthzRequest) -> CheckAnswer {
        let result = check(request)
        guard later else { return .now(result) }
        return .later(PendingCheck { completion in self.state.withLock { $0.held.append { completion(result) } } })
    }

    func refuse(_ refusal: Refusal) -> CheckResult {
        state.withLock { $0.denies += 1 }
        return engine.refuse(refusal)
    }

    /// Answers every held check; the number answered.
    @discardableResult
    func release() -> Int {
        let held = state.withLock { state in
            defer { state.held = [] }
            return state.held
        }
        for completion in held { completion() }
        return held.count
    }
}

struct Malformed: Error { var reason: String }

func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"):
        return true
    default: return "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }
}

/// What the answers in `bytes` were; throws when they are not exactly well-formed ICAP answers.
struct Answers {
    var continues = 0
    var finals = 0
    var noContent = 0
    var modified = 0
    var denied = 0
    var errors = 0
}

func readAnswers(_ bytes: [UInt8]) throws -> Answers {
    var answers = Answers()
    var index = 0
    func line() throws -> ArraySlice<UInt8> {
        var end = index
        while end + 1 < bytes.count, !(bytes[end] == 0x0D && bytes[end + 1] == 0x0A) { end += 1 }
        guard end + 1 < bytes.count else { throw Malformed(reason: "a line without CRLF at \(index)") }
        defer { index = end + 2 }
        return bytes[index..<end]
    }
    func headers(_ block: ArraySlice<UInt8>) throws -> [(String, String)] {
        var out: [(String, String)] = []
        var rest = block
        while !rest.isEmpty {
            guard let cr = rest.firstIndex(of: 0x0D), cr + 1 < rest.endIndex, rest[cr + 1] == 0x0A else {
                throw Malformed(reason: "an encapsulated line without CRLF")
            }
            let header = rest[rest.startIndex..<cr]
            rest = rest[(cr + 2)...]
            if header.isEmpty { break }
            out.append(try field(header))
        }
        return out
    }
    func field(_ header: ArraySlice<UInt8>) throws -> (String, String) {
        guard let colon = header.firstIndex(of: UInt8(ascii: ":")), colon > header.startIndex,
            header[..<colon].allSatisfy(isTokenByte)
        else { throw Malformed(reason: "header line \(String(decoding: header, as: UTF8.self).debugDescription)") }
        let value = header[(colon + 1)...]
        guard !value.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) else {
            throw Malformed(reason: "control byte in \(String(decoding: header, as: UTF8.self).debugDescription)")
        }
        return (
            String(decoding: header[..<colon], as: UTF8.self).lowercased(),
            String(decoding: value.drop { $0 == 0x20 }, as: UTF8.self)
        )
    }
    while index < bytes.count {
        let status = String(decoding: try line(), as: UTF8.self)
        let parts = status.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "ICAP/1.0", parts[1].utf8.count == 3, let code = Int(parts[1]),
            [100, 200, 204, 400, 404, 405, 408, 500, 505].contains(code), !parts[2].isEmpty
        else { throw Malformed(reason: "status line \(status.debugDescription)") }
        var fields: [(String, String)] = []
        while true {
            let header = try line()
            if header.isEmpty { break }
            fields.append(try field(header))
        }
        if code == 100 {
            guard fields.isEmpty else { throw Malformed(reason: "headers on 100 Continue") }
            answers.continues += 1
            continue
        }
        answers.finals += 1
        let encapsulated = fields.filter { $0.0 == "encapsulated" }.map(\.1)
        guard encapsulated.count == 1 else { throw Malformed(reason: "Encapsulated \(encapsulated)") }
        guard fields.filter({ $0.0 == "istag" }).count == 1 || code >= 400 else { throw Malformed(reason: "ISTag") }
        let sections = encapsulated[0].split(separator: ",").map {
            $0.split(separator: "=").map { String($0.drop { $0 == " " }) }
        }
        guard sections.allSatisfy({ $0.count == 2 && Int($0[1]) != nil }) else {
            throw Malformed(reason: "Encapsulated \(encapsulated[0])")
        }
        switch (code, sections.map { $0[0] }) {
        case (200, ["req-hdr", "req-body"]), (200, ["req-hdr", "null-body"]),
            (200, ["res-hdr", "res-body"]), (200, ["res-hdr", "null-body"]):
            guard sections[0][1] == "0", let length = Int(sections[1][1]), index + length <= bytes.count else {
                throw Malformed(reason: "Encapsulated offsets \(encapsulated[0])")
            }
            let head = bytes[index..<(index + length)]
            index += length
            guard head.starts(with: Array((sections[0][0] == "res-hdr" ? "HTTP/1.1 403 Forbidden\r\n" : "").utf8)),
                head.suffix(4).elementsEqual([0x0D, 0x0A, 0x0D, 0x0A])
            else { throw Malformed(reason: "the encapsulated head") }
            let firstLineEnd = head.firstIndex(of: 0x0A) ?? head.endIndex
            let httpFields = try headers(head[(firstLineEnd + 1)...])
            if sections[0][0] == "req-hdr" {
                let decisions = httpFields.filter { $0.0 == "x-sigv4-authz-decision" }.map(\.1)
                guard decisions == ["allow"] else {
                    throw Malformed(reason: "a modified request's decision \(decisions)")
                }
                answers.modified += 1
            } else {
                answers.denied += 1
            }
            if sections[1][0].hasSuffix("-body") && sections[1][0] != "null-body" {
                while true {
                    let sizeLine = String(decoding: try line(), as: UTF8.self)
                    guard let size = Int(sizeLine, radix: 16), size >= 0, index + size + 2 <= bytes.count else {
                        throw Malformed(reason: "chunk size \(sizeLine.debugDescription)")
                    }
                    if size == 0 {
                        guard try line().isEmpty else { throw Malformed(reason: "trailers") }
                        break
                    }
                    index += size
                    guard try line().isEmpty else { throw Malformed(reason: "chunk end") }
                }
            }
        case (204, ["null-body"]), (400...505, ["null-body"]):
            guard sections[0][1] == "0" else { throw Malformed(reason: "null-body offset") }
            if code == 204 { answers.noContent += 1 } else { answers.errors += 1 }
        case (200, ["null-body"]):
            break  // OPTIONS
        default:
            throw Malformed(reason: "\(code) with Encapsulated \(encapsulated[0])")
        }
    }
    return answers
}

func occurrences(of needle: String, in haystack: [UInt8], caseInsensitive: Bool = false) -> Int {
    let pattern = Array((caseInsensitive ? needle.lowercased() : needle).utf8)
    let text = caseInsensitive ? haystack.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 } : haystack
    guard text.count >= pattern.count else { return 0 }
    var count = 0
    for start in 0...(text.count - pattern.count) where text[start..<(start + pattern.count)].elementsEqual(pattern) {
        count += 1
    }
    return count
}

enum Seeds {
    static let uri = "icap://127.0.0.1:1344/sigv4-authz"
    static let form = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
    static let callerIdentity = Array("Version=2011-06-15&Action=GetCallerIdentity".utf8)

    static func httpHead(_ signed: (SigV4Request, [UInt8])) -> String {
        let request = signed.0
        let host = request.headerValues("host").first ?? ""
        let target = request.rawQuery.isEmpty ? request.rawPath : "\(request.rawPath)?\(request.rawQuery)"
        var head = "\(request.method) http://\(host)\(target) HTTP/1.1\r\n"
        for field in request.headers { head += "\(field.name): \(field.value)\r\n" }
        return head + "\r\n"
    }

    static func chunk(_ bytes: [UInt8], _ ext: String = "") -> String {
        String(bytes.count, radix: 16) + ext + "\r\n" + String(decoding: bytes, as: UTF8.self) + "\r\n"
    }

    static func reqmod(_ http: String, body: [UInt8]?, preview: Int? = nil, extra: String = "") -> String {
        var text = "REQMOD \(uri) ICAP/1.0\r\nHost: 127.0.0.1\r\nAllow: 204\r\nX-Client-IP: 10.1.2.3\r\n" + extra
        if let preview { text += "Preview: \(preview)\r\n" }
        text +=
            body == nil
            ? "Encapsulated: req-hdr=0, null-body=\(http.utf8.count)\r\n\r\n"
            : "Encapsulated: req-hdr=0, req-body=\(http.utf8.count)\r\n\r\n"
        text += http
        guard let body else { return text }
        if let preview, preview < body.count {
            return text + chunk(Array(body.prefix(preview))) + "0\r\n\r\n" + chunk(Array(body.dropFirst(preview)))
                + "0\r\n\r\n"
        }
        return text + (body.isEmpty ? "" : chunk(body, preview == nil ? "" : "; x=y"))
            + (preview == nil ? "0\r\n\r\n" : "0; ieof\r\n\r\n")
    }

    static func all() -> [[UInt8]] {
        let s3 = EngineFixtures.signed(
            host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/k.txt", service: "s3", region: "eu-west-1")
        let sts = EngineFixtures.signed(
            method: "POST", host: "sts.eu-west-1.amazonaws.com", service: "sts", region: "eu-west-1",
            headers: form, body: callerIdentity)
        let known = EngineFixtures.signed(
            method: "POST", host: "sts.eu-west-1.amazonaws.com", service: "sts", region: "eu-west-1",
            key: "AKIAV7S32T2OSBFJQOIY", headers: form, body: callerIdentity)
        let secret = EngineFixtures.signed(
            method: "POST", host: "secretsmanager.eu-west-1.amazonaws.com", service: "secretsmanager",
            region: "eu-west-1", key: "AKIAV7S32T2OSBFJQOIY",
            headers: [
                ("X-Amz-Target", "secretsmanager.GetSecretValue"), ("Content-Type", "application/x-amz-json-1.1"),
            ],
            body: Array(#"{"SecretId":"db"}"#.utf8))
        let options = "OPTIONS \(uri) ICAP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
        let connect = "CONNECT sts.amazonaws.com:443 HTTP/1.1\r\nHost: sts.amazonaws.com:443\r\n\r\n"
        let streams = [
            options,
            reqmod(httpHead(s3), body: nil),
            reqmod(httpHead(sts), body: sts.1),
            reqmod(httpHead(sts), body: sts.1, preview: 10),
            reqmod(httpHead(known), body: known.1, preview: 4096),
            reqmod(httpHead(known), body: known.1, preview: 0),
            reqmod(httpHead(secret), body: secret.1),
            reqmod(connect, body: nil),
            reqmod(httpHead(sts), body: sts.1, extra: "Connection: close\r\n"),
            options + reqmod(httpHead(s3), body: nil) + reqmod(httpHead(secret), body: secret.1)
                + reqmod(httpHead(sts), body: sts.1, preview: 12),
            reqmod(httpHead(s3).replacingFirst("http://prod-data.s3.eu-west-1.amazonaws.com", ""), body: nil),
            "RESPMOD \(uri) ICAP/1.0\r\nEncapsulated: null-body=0\r\n\r\n",
            "REQMOD \(uri) ICAP/1.0\r\nEncapsulated: req-hdr=0, req-body=5\r\n\r\nGET /",
        ]
        return streams.enumerated().map { [UInt8(($0.offset * 37 + 5) % 256)] + Array($0.element.utf8) }
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, _ replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}

FuzzDriver.run(seeds: Seeds.all) { bytes in
    guard let control = bytes.first else { return }
    let stream = Array(bytes.dropFirst())
    let authorizer = RecordingAuthorizer(later: control & 0x80 != 0)
    let channel = EmbeddedChannel()
    defer { _ = try? channel.finish(acceptAlreadyClosed: true) }
    var problems: [String] = []
    do {
        try ICAPPipeline.configure(channel, configuration: configuration, authorizer: authorizer)
        try channel.connect(to: SocketAddress(ipAddress: "10.9.8.7", port: 40_000)).wait()
    } catch {
        fatalError("setup: \(error)")
    }
    let chunk = control & 0x40 == 0 ? Int(control & 0x3F) + 1 : max(stream.count, 1)
    var written: [UInt8] = []
    func drain() {
        do {
            while let buffer = try channel.readOutbound(as: ByteBuffer.self) { written += buffer.readableBytesView }
        } catch {
            problems.append("readOutbound: \(error)")
        }
    }
    /// Runs the loop and answers held checks until none is left: each answer lets the next buffered
    /// request be parsed, which may be held in turn (bounded: one check per request, each at least a
    /// few bytes).
    func settle() {
        channel.embeddedEventLoop.run()
        for _ in 0...stream.count {
            guard authorizer.release() > 0 else { break }
            channel.embeddedEventLoop.run()
        }
    }
    var offset = 0
    while offset < stream.count, channel.isActive {
        let end = min(offset + chunk, stream.count)
        do {
            try channel.writeInbound(ByteBuffer(bytes: stream[offset..<end]))
        } catch {
            problems.append("an error reached the end of the pipeline: \(error)")
        }
        settle()
        drain()
        offset = end
    }
    if bytes.count % 2 == 1 {
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        channel.embeddedEventLoop.run()
    }
    settle()
    drain()
    // The idle timeout (IdleStateHandler measures idleness with the real clock: fired by hand).
    channel.pipeline.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.all)
    channel.embeddedEventLoop.run()
    drain()
    if channel.isActive { problems.append("the connection is still open after the idle timeout") }
    do {
        let answers = try readAnswers(written)
        let (allows, denies) = authorizer.counts
        let connects = occurrences(of: "CONNECT", in: stream)
        if answers.noContent + answers.modified > allows + connects {
            problems.append(
                "\(answers.noContent) 204 and \(answers.modified) modified requests for \(allows) allows and at most \(connects) CONNECT"
            )
        }
        if answers.denied > denies { problems.append("\(answers.denied) 403 answers for \(denies) denies") }
        let requestLines = occurrences(of: "ICAP/", in: stream)
        if answers.finals > requestLines + 1 {
            problems.append("\(answers.finals) answers to at most \(requestLines) requests")
        }
        let previews = occurrences(of: "preview", in: stream, caseInsensitive: true)
        if answers.continues > previews {
            problems.append("\(answers.continues) 100 Continue for \(previews) previews")
        }
    } catch let error as Malformed {
        problems.append("malformed output: \(error.reason)")
    } catch {
        problems.append("\(error)")
    }
    if !problems.isEmpty {
        fatalError(
            """
            \(problems.joined(separator: "\n"))
            input (reads of \(chunk), later: \(authorizer.later)): \(String(decoding: stream, as: UTF8.self).debugDescription)
            output: \(String(decoding: written, as: UTF8.self).debugDescription)
            """)
    }
}
