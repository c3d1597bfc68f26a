import AWSClassifier
import AuthzCore
import AuthzFixtures
import Foundation
import NIOCore
import NIOEmbedded
import Policy
import SigV4
import Synchronization

@testable import AuthzICAP

/// One ICAP answer as a test reads it.
struct ICAPResponse: Sendable {
    var status: Int
    var headers: [(String, String)]
    /// The encapsulated HTTP head (request or response), if any.
    var httpHead: String
    /// The encapsulated body, de-chunked.
    var body: String

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// A header of the encapsulated HTTP head.
    func httpHeader(_ name: String) -> [String] {
        httpHead.split(separator: "\r\n").dropFirst().compactMap { line in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == name.lowercased() else { return nil }
            return parts[1].trimmingCharacters(in: " ")
        }
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}

/// Parses every ICAP answer in `bytes` strictly; throws on anything malformed (so a test fails).
enum ICAPResponseParser {
    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ bytes: [UInt8]) throws -> [ICAPResponse] {
        var responses: [ICAPResponse] = []
        var index = 0
        func line() throws -> String {
            var end = index
            while end + 1 < bytes.count, !(bytes[end] == 0x0D && bytes[end + 1] == 0x0A) { end += 1 }
            guard end + 1 < bytes.count else { throw Malformed(description: "an unterminated line") }
            let text = String(decoding: bytes[index..<end], as: UTF8.self)
            index = end + 2
            return text
        }
        while index < bytes.count {
            let statusLine = try line()
            let parts = statusLine.split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, parts[0] == "ICAP/1.0", let status = Int(parts[1]) else {
                throw Malformed(description: "status line \(statusLine)")
            }
            var headers: [(String, String)] = []
            while true {
                let header = try line()
                if header.isEmpty { break }
                let pair = header.split(separator: ":", maxSplits: 1)
                guard pair.count == 2 else { throw Malformed(description: "header \(header)") }
                headers.append((String(pair[0]), String(pair[1].drop { $0 == " " })))
            }
            var response = ICAPResponse(status: status, headers: headers, httpHead: "", body: "")
            if status == 100 {
                responses.append(response)
                continue
            }
            guard let encapsulated = response.header("Encapsulated") else {
                throw Malformed(description: "no Encapsulated in a \(status)")
            }
            let sections = encapsulated.split(separator: ",").map {
                $0.split(separator: "=").map { $0.trimmingCharacters(in: " ") }
            }
            guard let last = sections.last, last.count == 2, let lastOffset = Int(last[1]) else {
                throw Malformed(description: "Encapsulated \(encapsulated)")
            }
            if sections.count == 2 {
                guard sections[0] == ["res-hdr", "0"] || sections[0] == ["req-hdr", "0"],
                    index + lastOffset <= bytes.count
                else { throw Malformed(description: "Encapsulated \(encapsulated)") }
                response.httpHead = String(decoding: bytes[index..<(index + lastOffset)], as: UTF8.self)
                guard response.httpHead.hasSuffix("\r\n\r\n") else { throw Malformed(description: "http head") }
                index += lastOffset
            } else if encapsulated != "null-body=0" {
                throw Malformed(description: "Encapsulated \(encapsulated)")
            }
            if last[0] == "res-body" || last[0] == "req-body" {
                var body: [UInt8] = []
                while true {
                    let sizeLine = try line()
                    guard let size = Int(sizeLine, radix: 16), size >= 0, index + size + 2 <= bytes.count else {
                        throw Malformed(description: "chunk size \(sizeLine)")
                    }
                    if size == 0 {
                        guard try line().isEmpty else { throw Malformed(description: "trailer") }
                        break
                    }
                    body += bytes[index..<(index + size)]
                    index += size
                    guard try line().isEmpty else { throw Malformed(description: "chunk end") }
                }
                response.body = String(decoding: body, as: UTF8.self)
            }
            responses.append(response)
        }
        return responses
    }
}

/// An ICAP connection on an EmbeddedChannel.
final class ICAPConnection {
    let channel: EmbeddedChannel
    let loop: EmbeddedEventLoop

    init(configuration: ICAPConfiguration = ICAPConfiguration(), authorizer: any Authorizer) throws {
        loop = EmbeddedEventLoop()
        channel = EmbeddedChannel(loop: loop)
        try ICAPPipeline.configure(channel, configuration: configuration, authorizer: authorizer)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).wait()
    }

    func send(_ bytes: [UInt8]) throws {
        try channel.writeInbound(channel.allocator.buffer(bytes: bytes))
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Everything written so far.
    func written() throws -> [UInt8] {
        var out: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { out += buffer.readableBytesView }
        return out
    }

    /// Everything written so far, parsed.
    func responses() throws -> [ICAPResponse] { try ICAPResponseParser.parse(written()) }
}

/// Builds ICAP requests.
enum ICAPRequests {
    static let uri = "icap://127.0.0.1:1344/sigv4-authz"

    static func options(extra: String = "") -> String {
        "OPTIONS \(uri) ICAP/1.0\r\nHost: 127.0.0.1:1344\r\n\(extra)\r\n"
    }

    /// An encapsulated HTTP head in absolute form from a signed request.
    static func httpHead(
        _ signed: (SigV4Request, [UInt8]), scheme: String = "https", extra: [(String, String)] = []
    )
        -> String
    {
        let request = signed.0
        let host = request.headerValues("host").first ?? ""
        let target = request.rawQuery.isEmpty ? request.rawPath : "\(request.rawPath)?\(request.rawQuery)"
        var head = "\(request.method) \(scheme)://\(host)\(target) HTTP/1.1\r\n"
        for field in request.headers { head += "\(field.name): \(field.value)\r\n" }
        for (name, value) in extra { head += "\(name): \(value)\r\n" }
        return head + "\r\n"
    }

    /// A REQMOD: `body` chunked (in `chunks` pieces), or null-body when `nil`; with `preview`, only
    /// the first `preview` bytes are sent (ending `0; ieof` when they are the whole body).
    static func reqmod(
        httpHead: String, body: [UInt8]?, preview: Int? = nil, allow204: Bool = true, extra: String = "",
        chunkExtension: String = ""
    ) -> [UInt8] {
        var head = "REQMOD \(uri) ICAP/1.0\r\nHost: 127.0.0.1:1344\r\nX-Client-IP: 10.1.2.3\r\n"
        if allow204 { head += "Allow: 204\r\n" }
        if let preview { head += "Preview: \(preview)\r\n" }
        head += extra
        let length = httpHead.utf8.count
        head +=
            body == nil
            ? "Encapsulated: req-hdr=0, null-body=\(length)\r\n" : "Encapsulated: req-hdr=0, req-body=\(length)\r\n"
        head += "\r\n" + httpHead
        var out = Array(head.utf8)
        guard let body else { return out }
        if let preview {
            let part = Array(body.prefix(preview))
            if !part.isEmpty { out += chunk(part, extension: chunkExtension) }
            out += Array((part.count == body.count ? "0; ieof\r\n\r\n" : "0\r\n\r\n").utf8)
        } else {
            out += chunked(body, extension: chunkExtension)
        }
        return out
    }

    /// The rest of a previewed body, after `100 Continue`.
    static func rest(_ body: [UInt8], after preview: Int) -> [UInt8] {
        chunked(Array(body.dropFirst(preview)))
    }

    static func chunk(_ bytes: [UInt8], extension ext: String = "") -> [UInt8] {
        Array("\(String(bytes.count, radix: 16))\(ext)\r\n".utf8) + bytes + Array("\r\n".utf8)
    }

    /// `body` in two chunks (when longer than one byte) and the last chunk.
    static func chunked(_ body: [UInt8], extension ext: String = "") -> [UInt8] {
        var out: [UInt8] = []
        if body.count > 1 {
            out += chunk(Array(body.prefix(body.count / 2)), extension: ext)
            out += chunk(Array(body.dropFirst(body.count / 2)), extension: ext)
        } else if !body.isEmpty {
            out += chunk(body, extension: ext)
        }
        return out + Array("0\r\n\r\n".utf8)
    }
}

/// Signed requests the tests send.
enum Signed {
    static let form = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
    /// A form body whose Action comes after the first 16 bytes.
    static let callerIdentity = Array("Version=2011-06-15&Action=GetCallerIdentity".utf8)

    static let s3Get = EngineFixtures.signed(
        host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/k.txt", service: "s3", region: "eu-west-1")
    static let s3Put = EngineFixtures.signed(
        method: "PUT", host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/k.txt", service: "s3",
        region: "eu-west-1", headers: [("X-Amz-Content-SHA256", PayloadHash.sha256Hex(of: putBody))], body: putBody)
    static let putBody = Array(String(repeating: "object-bytes ", count: 20).utf8)
    /// STS with an unknown key in an allowed account: allowed once the Action is read.
    static let sts = EngineFixtures.signed(
        method: "POST", host: "sts.eu-west-1.amazonaws.com", service: "sts", region: "eu-west-1",
        headers: form, body: callerIdentity)
    /// STS with a known key (partner): the signature needs the body.
    static let stsKnown = EngineFixtures.signed(
        method: "POST", host: "sts.eu-west-1.amazonaws.com", service: "sts", region: "eu-west-1",
        key: "AKIAV7S32T2OSBFJQOIY", headers: form, body: callerIdentity)
    /// STS AssumeRole (the Action past a 16-byte preview): denied by the test policy's rule.
    static let stsAssumeRole = EngineFixtures.signed(
        method: "POST", host: "sts.eu-west-1.amazonaws.com", service: "sts", region: "eu-west-1",
        headers: form,
        body: Array(
            "Version=2011-06-15&Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr&RoleSessionName=s".utf8))
    /// STS from an account the policy does not name: denied.
    static let stsOtherAccount = EngineFixtures.signed(
        method: "POST", host: "sts.eu-west-1.amazonaws.com", service: "sts", region: "eu-west-1",
        key: "ASIAY34FZKBOKMUTVV7A", headers: form, body: callerIdentity)
    /// A secret read: denied by the rule.
    static let secretRead = EngineFixtures.signed(
        method: "POST", host: "secretsmanager.eu-west-1.amazonaws.com", service: "secretsmanager",
        region: "eu-west-1", key: "AKIAV7S32T2OSBFJQOIY",
        headers: [("X-Amz-Target", "secretsmanager.GetSecretValue"), ("Content-Type", "application/x-amz-json-1.1")],
        body: Array(#"{"SecretId":"db"}"#.utf8))
}

/// An authorizer that counts checks and can hold answers for later.
final class StubAuthorizer: Authorizer {
    let engine: AuthzEngine
    /// Requests whose host contains this are answered later.
    let laterHost: String?
    private let state = Mutex<(checks: [AuthzRequest], results: [CheckResult], held: [@Sendable () -> Void])>(
        (checks: [], results: [], held: []))
    /// The results that stand as a request's decision (as the live authorizer counts and audits them):
    /// every answered check, and provisional ones once settled.
    private let standing = Mutex<[CheckResult]>([])

    /// The fixtures' engine with one more rule: `sts:AssumeRole` is denied.
    static func engineDenyingAssumeRole() throws -> AuthzEngine {
        let text = EngineFixtures.yaml.replacingOccurrences(
            of: "rules:\n",
            with: "rules:\n  - name: no-assume-role\n    effect: deny\n    actions: [\"sts:AssumeRole\"]\n")
        let config = try PolicyConfig.parse(text, path: "test.yaml")
        let keys = try KeyStore(
            config: config,
            environment: ["PARTNER_SECRET": EngineFixtures.secret, "STRICT_SECRET": EngineFixtures.secret])
        return AuthzEngine(
            policy: try CompiledPolicy(config), classifier: RequestClassifier(model: try EngineFixtures.model.get()),
            keys: keys, now: { (EngineFixtures.signingTime + 60) * 1000 })
    }

    /// Applied to every allow (a brokered signature).
    let rewrite: UpstreamRewrite?

    init(engine: AuthzEngine, laterHost: String? = nil, rewrite: UpstreamRewrite? = nil) {
        self.engine = engine
        self.laterHost = laterHost
        self.rewrite = rewrite
    }

    var checks: [AuthzRequest] { state.withLock { $0.checks } }
    var results: [CheckResult] { state.withLock { $0.results } }
    var recorded: [CheckResult] { standing.withLock { $0 } }

    func provisional(_ request: AuthzRequest) -> CheckResult {
        decide(request)
    }

    func settle(_ result: CheckResult) {
        standing.withLock { $0.append(result) }
    }

    func check(_ request: AuthzRequest) -> CheckResult {
        let result = decide(request)
        standing.withLock { $0.append(result) }
        return result
    }

    private func decide(_ request: AuthzRequest) -> CheckResult {
        state.withLock { $0.checks.append(request) }
        var result = engine.check(request)
        if let rewrite, result.decision.effect == .allow { result.upstream = rewrite }
        state.withLock { $0.results.append(result) }
        return result
    }

    func answer(_ request: AuthzRequest) -> CheckAnswer {
        let result = check(request)
        guard let laterHost, request.host.contains(laterHost) else { return .now(result) }
        return .later(
            PendingCheck { completion in
                self.state.withLock { $0.held.append { completion(result) } }
            })
    }

    func refuse(_ refusal: Refusal) -> CheckResult { engine.refuse(refusal) }

    /// Releases every held answer.
    func release() {
        let held = state.withLock { state in
            defer { state.held = [] }
            return state.held
        }
        for completion in held { completion() }
    }
}
