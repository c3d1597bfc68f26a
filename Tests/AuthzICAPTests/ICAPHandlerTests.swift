import AWSClassifier
import AuthzCore
import AuthzFixtures
import Foundation
import NIOCore
import NIOEmbedded
import Policy
import SigV4
import Synchronization
import Testing

@testable import AuthzICAP

@Suite("ICAP front end")
struct ICAPHandlerTests {
    static let engine = Result { try EngineFixtures.engine() }
    static let denyingAssumeRole = Result { try StubAuthorizer.engineDenyingAssumeRole() }

    static func connection(
        _ configuration: ICAPConfiguration = ICAPConfiguration(), laterHost: String? = nil, stsRule: Bool = false
    ) throws -> (ICAPConnection, StubAuthorizer) {
        let engine = stsRule ? try Self.denyingAssumeRole.get() : try Self.engine.get()
        let authorizer = StubAuthorizer(engine: engine, laterHost: laterHost)
        return (try ICAPConnection(configuration: configuration, authorizer: authorizer), authorizer)
    }

    @Test("OPTIONS: every header, the ISTag from the closure")
    func options() throws {
        var configuration = ICAPConfiguration()
        configuration.isTag = { "\"gen-42\"" }
        configuration.previewBytes = 1024
        configuration.maxConnections = 77
        configuration.optionsTTL = 30
        let (icap, authorizer) = try Self.connection(configuration)
        try icap.send(ICAPRequests.options())
        let responses = try icap.responses()
        try #require(responses.count == 1)
        let answer = responses[0]
        #expect(answer.status == 200)
        #expect(answer.header("Methods") == "REQMOD")
        #expect(answer.header("Service") == ICAPAnswerWriter.serviceName)
        #expect(answer.header("ISTag") == "\"gen-42\"")
        #expect(answer.header("Options-TTL") == "30")
        #expect(answer.header("Max-Connections") == "77")
        #expect(answer.header("Preview") == "1024")
        #expect(answer.header("Allow") == "204")
        #expect(answer.header("Transfer-Preview") == "*")
        #expect(answer.header("Encapsulated") == "null-body=0")
        #expect(answer.header("Date")?.hasSuffix(" GMT") == true)
        #expect(authorizer.checks.isEmpty)
        #expect(icap.channel.isActive)
    }

    @Test("an HTTP date")
    func httpDate() {
        #expect(ICAPAnswerWriter.httpDate(secondsSinceEpoch: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(ICAPAnswerWriter.httpDate(secondsSinceEpoch: 1_768_480_496) == "Thu, 15 Jan 2026 12:34:56 GMT")
    }

    @Test("REQMOD without a body (null-body): allowed → 204, audited as icap with the client address")
    func nullBody() throws {
        let (icap, authorizer) = try Self.connection()
        try icap.send(ICAPRequests.reqmod(httpHead: ICAPRequests.httpHead(Signed.s3Get), body: nil))
        let responses = try icap.responses()
        #expect(responses.map(\.status) == [204])
        #expect(responses.first?.header("ISTag") == "\"sigv4-authz-1\"")
        let check = try #require(authorizer.checks.first)
        #expect(check.mode == .icap)
        #expect(check.sourceAddress == "10.1.2.3")
        #expect(check.host == "prod-data.s3.eu-west-1.amazonaws.com")
        #expect(check.target == "/k.txt")
        #expect(check.body == .complete([]))
    }

    @Test("an origin-form request reads its Host; an absolute-form one its URI")
    func originForm() throws {
        let (icap, authorizer) = try Self.connection()
        let head = ICAPRequests.httpHead(Signed.s3Get).replacingOccurrences(
            of: "https://prod-data.s3.eu-west-1.amazonaws.com", with: "")
        try icap.send(ICAPRequests.reqmod(httpHead: head, body: nil))
        #expect(try icap.responses().map(\.status) == [204])
        #expect(authorizer.checks.first?.host == "prod-data.s3.eu-west-1.amazonaws.com")
    }

    /// The STS request (Action in the body) whole, cut into two writes at `split`.
    static let stsWhole = ICAPRequests.reqmod(httpHead: ICAPRequests.httpHead(Signed.sts), body: Signed.callerIdentity)

    @Test("a chunked body, split at every byte boundary: the Action is read from it", arguments: 1..<stsWhole.count)
    func chunkedSplit(split: Int) throws {
        let (icap, authorizer) = try Self.connection()
        try icap.send(Array(Self.stsWhole.prefix(split)))
        #expect(try icap.written().isEmpty)
        try icap.send(Array(Self.stsWhole.dropFirst(split)))
        let responses = try icap.responses()
        #expect(responses.map(\.status) == [204])
        #expect(authorizer.checks.count == 1)
        #expect(authorizer.checks.first?.body == .complete(Signed.callerIdentity))
    }

    @Test("chunk extensions are tolerated")
    func chunkExtensions() throws {
        let (icap, authorizer) = try Self.connection()
        try icap.send(
            ICAPRequests.reqmod(
                httpHead: ICAPRequests.httpHead(Signed.sts), body: Signed.callerIdentity,
                chunkExtension: "; name=value;other"))
        #expect(try icap.responses().map(\.status) == [204])
        #expect(authorizer.checks.first?.body == .complete(Signed.callerIdentity))
    }

    @Test("a preview with ieof is the whole body: answered without 100 Continue")
    func previewIeof() throws {
        let (icap, authorizer) = try Self.connection()
        try icap.send(
            ICAPRequests.reqmod(
                httpHead: ICAPRequests.httpHead(Signed.sts), body: Signed.callerIdentity, preview: 4096))
        #expect(try icap.responses().map(\.status) == [204])
        #expect(authorizer.checks.map(\.body) == [.complete(Signed.callerIdentity)])
    }

    struct PreviewCase: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var signed: @Sendable () -> (SigV4Request, [UInt8])
        var allow204 = true
        /// The statuses after the preview, then after the rest (empty: nothing more is sent).
        var afterPreview: [Int]
        var afterRest: [Int]
        var decision: String
        /// The final check verified the known key's signature.
        var verified = false
    }

    static let previewCases: [PreviewCase] = [
        PreviewCase(
            testDescription: "STS, Action past the preview: denied on the preview, allowed on the whole body",
            signed: { Signed.sts }, afterPreview: [100], afterRest: [204], decision: "allow"),
        PreviewCase(
            testDescription: "STS AssumeRole past the preview: denied on the preview, denied on the whole body",
            signed: { Signed.stsAssumeRole }, afterPreview: [100], afterRest: [200], decision: "deny"),
        PreviewCase(
            testDescription: "STS from an account the policy does not name: denied after the whole body",
            signed: { Signed.stsOtherAccount }, afterPreview: [100], afterRest: [200], decision: "deny"),
        PreviewCase(
            testDescription: "a known key's signature needs the body: 100 Continue, then verified",
            signed: { Signed.stsKnown }, afterPreview: [100], afterRest: [204], decision: "allow", verified: true),
        PreviewCase(
            testDescription: "an allowed S3 PUT: 204 after the preview, the body never read",
            signed: { Signed.s3Put }, afterPreview: [204], afterRest: [], decision: "allow"),
        PreviewCase(
            testDescription: "without Allow: 204 the rest is read after 100 and the request echoed",
            signed: { Signed.sts }, allow204: false, afterPreview: [100], afterRest: [200], decision: "allow"),
        PreviewCase(
            testDescription: "without Allow: 204 an allow on the preview is still 204 (a preview answer)",
            signed: { Signed.s3Put }, allow204: false, afterPreview: [204], afterRest: [], decision: "allow"),
    ]

    @Test("a preview, then 100 Continue and the rest only when the decision needs it", arguments: previewCases)
    func preview(_ testCase: PreviewCase) throws {
        // The policy denies sts:AssumeRole: an STS call whose Action is not read yet may be one.
        let (icap, authorizer) = try Self.connection(stsRule: true)
        let signed = testCase.signed()
        let body = signed.1
        let preview = 16
        try icap.send(
            ICAPRequests.reqmod(
                httpHead: ICAPRequests.httpHead(signed), body: body, preview: preview, allow204: testCase.allow204))
        let first = try icap.responses()
        #expect(first.map(\.status) == testCase.afterPreview)
        #expect(authorizer.checks.first?.body == .truncated)
        guard !testCase.afterRest.isEmpty else {
            #expect(authorizer.checks.count == 1)
            // The preview's decision stood: recorded once.
            #expect(authorizer.recorded.count == 1)
            return
        }
        // The preview's decision did not stand: nothing recorded yet.
        #expect(authorizer.recorded.isEmpty)
        try icap.send(ICAPRequests.rest(body, after: preview))
        let second = try icap.responses()
        #expect(second.map(\.status) == testCase.afterRest)
        // One request, one record: the whole body's decision.
        #expect(authorizer.recorded.count == 1)
        #expect(authorizer.recorded.first?.decision.effect.rawValue == testCase.decision)
        #expect(authorizer.checks.last?.body == .complete(body))
        if testCase.verified {
            #expect(authorizer.results.first?.signature == .notChecked)
            #expect(authorizer.results.first?.verificationNeedsBody == true)
            #expect(authorizer.results.last?.signature == .verified)
        }
        let final = try #require(second.last)
        if final.status == 200 {
            #expect(final.httpHeader("x-sigv4-authz-decision") == [testCase.decision])
        }
        if testCase.decision == "allow", final.status == 200 {
            #expect(final.body == String(decoding: body, as: UTF8.self))
        }
    }

    @Test("without Allow: 204, an allow is the request echoed with the decision headers; client-sent ones removed")
    func echo() throws {
        let (icap, _) = try Self.connection()
        let head = ICAPRequests.httpHead(
            Signed.sts, extra: [("X-Sigv4-Authz-Decision", "forged"), ("x-sigv4-authz-account", "1")])
        try icap.send(ICAPRequests.reqmod(httpHead: head, body: Signed.callerIdentity, allow204: false))
        let responses = try icap.responses()
        let answer = try #require(responses.first)
        #expect(responses.count == 1)
        #expect(answer.status == 200)
        #expect(answer.header("Encapsulated")?.hasPrefix("req-hdr=0, req-body=") == true)
        #expect(answer.httpHead.hasPrefix("POST https://sts.eu-west-1.amazonaws.com/ HTTP/1.1\r\n"))
        #expect(answer.httpHeader("x-sigv4-authz-decision") == ["allow"])
        #expect(answer.httpHeader("x-sigv4-authz-account").first?.isEmpty == false)
        #expect(answer.httpHeader("x-sigv4-authz-account").count == 1)
        #expect(answer.httpHeader("authorization").count == 1)
        #expect(answer.body == String(decoding: Signed.callerIdentity, as: UTF8.self))
    }

    @Test(
        "client-sent x-sigv4-authz-* headers: an allow is never a 204 (they would reach the upstream)",
        arguments: [nil, 8] as [Int?])
    func forgedDecisionHeaders(preview: Int?) throws {
        let (icap, _) = try Self.connection()
        let head = ICAPRequests.httpHead(
            Signed.sts, extra: [("x-sigv4-authz-principal-arn", "arn:aws:iam::111122223333:role/admin")])
        try icap.send(ICAPRequests.reqmod(httpHead: head, body: Signed.callerIdentity, preview: preview))
        if let preview {
            #expect(try icap.responses().map(\.status) == [100])
            try icap.send(ICAPRequests.rest(Signed.callerIdentity, after: preview))
        }
        let responses = try icap.responses()
        #expect(responses.map(\.status) == [200])
        let answer = try #require(responses.first)
        #expect(answer.httpHead.hasPrefix("POST "))
        #expect(answer.httpHeader("x-sigv4-authz-principal-arn").isEmpty)
        #expect(answer.httpHeader("x-sigv4-authz-decision") == ["allow"])
        #expect(answer.body == String(decoding: Signed.callerIdentity, as: UTF8.self))
    }

    @Test("a deny: 200 with an encapsulated 403, the decision headers and the AWS error body")
    func deny() throws {
        let (icap, _) = try Self.connection()
        try icap.send(
            ICAPRequests.reqmod(httpHead: ICAPRequests.httpHead(Signed.secretRead), body: Signed.secretRead.1))
        let answer = try #require(try icap.responses().first)
        #expect(answer.status == 200)
        #expect(answer.header("Encapsulated")?.hasPrefix("res-hdr=0, res-body=") == true)
        #expect(answer.httpHead.hasPrefix("HTTP/1.1 403 Forbidden\r\n"))
        #expect(answer.httpHeader("x-sigv4-authz-decision") == ["deny"])
        #expect(answer.httpHeader("x-sigv4-authz-rule") == ["no-secret-reads"])
        #expect(answer.httpHeader("content-length") == ["\(answer.body.utf8.count)"])
        #expect(answer.body.contains("AccessDenied"))
        #expect(icap.channel.isActive)
    }

    @Test("a would_deny (mode: dry_run): answered as an allow, the decision headers say would_deny")
    func wouldDeny() throws {
        let config = try PolicyConfig.parse("mode: dry_run\n" + EngineFixtures.yaml, path: "test.yaml")
        let keys = try KeyStore(
            config: config,
            environment: ["PARTNER_SECRET": EngineFixtures.secret, "STRICT_SECRET": EngineFixtures.secret])
        let engine = AuthzEngine(
            policy: try CompiledPolicy(config), classifier: RequestClassifier(model: try EngineFixtures.model.get()),
            keys: keys, now: { (EngineFixtures.signingTime + 60) * 1000 })
        let authorizer = StubAuthorizer(engine: engine)
        let icap = try ICAPConnection(configuration: ICAPConfiguration(), authorizer: authorizer)
        // Without Allow: 204 the allowed request comes back with its decision headers.
        try icap.send(
            ICAPRequests.reqmod(
                httpHead: ICAPRequests.httpHead(Signed.secretRead), body: Signed.secretRead.1, allow204: false))
        let answer = try #require(try icap.responses().first)
        #expect(answer.status == 200)
        #expect(answer.header("Encapsulated")?.hasPrefix("req-hdr=0, req-body=") == true)
        #expect(!answer.httpHead.hasPrefix("HTTP/1.1 403"))
        #expect(answer.httpHeader("x-sigv4-authz-decision") == ["would_deny"])
        #expect(answer.httpHeader("x-sigv4-authz-rule") == ["no-secret-reads"])
        #expect(authorizer.recorded.first?.decision.outcome == .wouldDeny)
        // With Allow: 204, a 204.
        try icap.send(
            ICAPRequests.reqmod(httpHead: ICAPRequests.httpHead(Signed.secretRead), body: Signed.secretRead.1))
        #expect(try icap.responses().map(\.status) == [204])
    }

    @Test("persistent connection: three requests in one write, answered in order")
    func persistent() throws {
        let (icap, authorizer) = try Self.connection()
        let bytes =
            ICAPRequests.reqmod(httpHead: ICAPRequests.httpHead(Signed.s3Get), body: nil)
            + ICAPRequests.reqmod(httpHead: ICAPRequests.httpHead(Signed.secretRead), body: Signed.secretRead.1)
            + Array(ICAPRequests.options().utf8)
            + ICAPRequests.reqmod(httpHead: ICAPRequests.httpHead(Signed.sts), body: Signed.callerIdentity)
        try icap.send(bytes)
        let responses = try icap.responses()
        #expect(responses.map(\.status) == [204, 200, 200, 204])
        #expect(responses[1].httpHead.hasPrefix("HTTP/1.1 403"))
        #expect(
            authorizer.checks.map(\.host) == [
                "prod-data.s3.eu-west-1.amazonaws.com", "secretsmanager.eu-west-1.amazonaws.com",
                "sts.eu-west-1.amazonaws.com",
            ])
        #expect(icap.channel.isActive)
    }

    @Test("Connection: close is honoured")
    func connectionClose() throws {
        let (icap, _) = try Self.connection()
        try icap.send(
            ICAPRequests.reqmod(
                httpHead: ICAPRequests.httpHead(Signed.s3Get), body: nil, extra: "Connection: close\r\n")
                + Array(ICAPRequests.options().utf8))
        let responses = try icap.responses()
        #expect(responses.map(\.status) == [204])
        #expect(responses.first?.header("Connection") == "close")
        #expect(!icap.channel.isActive)
    }

    @Test("CONNECT is answered 204 without a check, and counted")
    func connect() throws {
        var configuration = ICAPConfiguration()
        let counted = Atomic<Int>(0)
        configuration.connectAnswered = { counted.add(1, ordering: .relaxed) }
        let (icap, authorizer) = try Self.connection(configuration)
        let head = "CONNECT sts.eu-west-1.amazonaws.com:443 HTTP/1.1\r\nHost: sts.eu-west-1.amazonaws.com:443\r\n\r\n"
        try icap.send(ICAPRequests.reqmod(httpHead: head, body: nil))
        #expect(try icap.responses().map(\.status) == [204])
        #expect(authorizer.checks.isEmpty)
        #expect(counted.load(ordering: .relaxed) == 1)
    }

    @Test("an allow with a rewrite (a brokered signature) is the modified request, even with Allow: 204")
    func rewrite() throws {
        let rewrite = UpstreamRewrite(
            setHeaders: [
                HeaderField("Authorization", "AWS4-HMAC-SHA256 Credential=NEW"),
                HeaderField("X-Amz-Date", "20260115T123500Z"),
            ],
            removeHeaders: ["x-amz-security-token"],
            setQueryParameters: [.init("X-Amz-Signature", "abc")], removeQueryParameters: ["versionId"],
            roleARN: "arn:aws:iam::171436882533:role/broker")
        let authorizer = StubAuthorizer(engine: try Self.engine.get(), rewrite: rewrite)
        let icap = try ICAPConnection(authorizer: authorizer)
        let signed = EngineFixtures.signed(
            host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/k.txt?a=1&versionId=3", service: "s3",
            region: "eu-west-1", token: "client-token")
        let head = ICAPRequests.httpHead(signed)
        try icap.send(ICAPRequests.reqmod(httpHead: head, body: nil))
        let responses = try icap.responses()
        let answer = try #require(responses.first)
        #expect(responses.map(\.status) == [200])
        #expect(answer.header("Encapsulated")?.hasPrefix("req-hdr=0, null-body=") == true)
        #expect(
            answer.httpHead.hasPrefix(
                "GET https://prod-data.s3.eu-west-1.amazonaws.com/k.txt?a=1&X-Amz-Signature=abc HTTP/1.1\r\n"))
        #expect(answer.httpHeader("authorization") == ["AWS4-HMAC-SHA256 Credential=NEW"])
        #expect(answer.httpHeader("x-amz-date") == ["20260115T123500Z"])
        #expect(answer.httpHeader("x-amz-security-token").isEmpty)
        #expect(answer.httpHeader("x-sigv4-authz-decision") == ["allow"])
        #expect(!answer.httpHead.contains("client-token"))
    }

    @Test("a check answered later holds the connection; answers stay in order")
    func later() throws {
        let (icap, authorizer) = try Self.connection(laterHost: "sts.")
        try icap.send(
            ICAPRequests.reqmod(httpHead: ICAPRequests.httpHead(Signed.sts), body: Signed.callerIdentity)
                + ICAPRequests.reqmod(httpHead: ICAPRequests.httpHead(Signed.secretRead), body: Signed.secretRead.1))
        icap.loop.run()
        #expect(try icap.written().isEmpty)
        #expect(authorizer.checks.count == 1)  // the second is not parsed while the first waits
        authorizer.release()
        icap.loop.run()
        let responses = try icap.responses()
        #expect(responses.map(\.status) == [204, 200])
        #expect(responses.last?.httpHead.hasPrefix("HTTP/1.1 403") == true)
        #expect(authorizer.checks.count == 2)
    }

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var bytes: [UInt8]
        var status: Int
    }

    static let errorCases: [ErrorCase] = {
        let http = ICAPRequests.httpHead(Signed.s3Get)
        let length = http.utf8.count
        func reqmod(_ encapsulated: String, extra: String = "", body: String = "") -> [UInt8] {
            Array(
                "REQMOD \(ICAPRequests.uri) ICAP/1.0\r\nHost: x\r\n\(extra)Encapsulated: \(encapsulated)\r\n\r\n\(http)\(body)"
                    .utf8)
        }
        return [
            ErrorCase(
                testDescription: "Encapsulated not monotonic",
                bytes: reqmod("req-hdr=\(length), null-body=0"), status: 400),
            ErrorCase(testDescription: "Encapsulated without req-hdr", bytes: reqmod("null-body=0"), status: 400),
            ErrorCase(
                testDescription: "Encapsulated with an unknown section",
                bytes: reqmod("req-hdr=0, foo-body=\(length)"), status: 400),
            ErrorCase(
                testDescription: "Encapsulated with a response section",
                bytes: reqmod("req-hdr=0, res-hdr=\(length)"), status: 400),
            ErrorCase(
                testDescription: "Encapsulated offset past the head",
                bytes: reqmod("req-hdr=0, req-body=\(length + 3)", body: "0\r\n\r\n"), status: 400),
            ErrorCase(
                testDescription: "Encapsulated offset inside the head",
                bytes: reqmod("req-hdr=0, null-body=\(length - 5)"), status: 400),
            ErrorCase(
                testDescription: "Encapsulated twice",
                bytes: reqmod(
                    "req-hdr=0, null-body=\(length)", extra: "Encapsulated: req-hdr=0, null-body=\(length)\r\n"),
                status: 400),
            ErrorCase(
                testDescription: "Encapsulated offset not a number",
                bytes: reqmod("req-hdr=0, null-body=1x"), status: 400),
            ErrorCase(
                testDescription: "a malformed chunk size",
                bytes: reqmod("req-hdr=0, req-body=\(length)", body: "zz\r\nabc\r\n0\r\n\r\n"), status: 400),
            ErrorCase(
                testDescription: "chunk data longer than its size",
                bytes: reqmod("req-hdr=0, req-body=\(length)", body: "2\r\nabc\r\n0\r\n\r\n"), status: 400),
            ErrorCase(
                testDescription: "a chunk size past Int",
                bytes: reqmod("req-hdr=0, req-body=\(length)", body: "fffffffffffffffff\r\n"), status: 400),
            ErrorCase(
                testDescription: "trailers after the last chunk",
                bytes: reqmod("req-hdr=0, req-body=\(length)", body: "0\r\nX: y\r\n\r\n"), status: 400),
            ErrorCase(
                testDescription: "a preview larger than announced",
                bytes: reqmod("req-hdr=0, req-body=\(length)", extra: "Preview: 2\r\n", body: "3\r\nabc\r\n0\r\n\r\n"),
                status: 400),
            ErrorCase(
                testDescription: "a bare LF",
                bytes: Array("OPTIONS \(ICAPRequests.uri) ICAP/1.0\nHost: x\r\n\r\n".utf8),
                status: 400),
            ErrorCase(
                testDescription: "a header without a colon",
                bytes: Array("OPTIONS \(ICAPRequests.uri) ICAP/1.0\r\nHost\r\n\r\n".utf8), status: 400),
            ErrorCase(
                testDescription: "an unknown service",
                bytes: Array("OPTIONS icap://127.0.0.1:1344/other ICAP/1.0\r\nHost: x\r\n\r\n".utf8), status: 404),
            ErrorCase(
                testDescription: "RESPMOD", bytes: reqmod("req-hdr=0, null-body=\(length)").replacingFirst(),
                status: 405),
            ErrorCase(
                testDescription: "ICAP/2.0",
                bytes: Array("OPTIONS \(ICAPRequests.uri) ICAP/2.0\r\nHost: x\r\n\r\n".utf8), status: 505),
            ErrorCase(
                testDescription: "an HTTP/2 encapsulated request",
                bytes: Array(
                    "REQMOD \(ICAPRequests.uri) ICAP/1.0\r\nEncapsulated: req-hdr=0, null-body=22\r\n\r\nGET http://a/ HTTP/2\r\n\r\n"
                        .utf8), status: 400),
            ErrorCase(
                testDescription: "an origin-form request without Host",
                bytes: Array(
                    "REQMOD \(ICAPRequests.uri) ICAP/1.0\r\nEncapsulated: req-hdr=0, null-body=16\r\n\r\nGET / HTTP/1.1\r\n\r\n"
                        .utf8), status: 400),
        ]
    }()

    @Test("malformed and unservable requests get an ICAP error status and the connection closes", arguments: errorCases)
    func errors(_ testCase: ErrorCase) throws {
        let (icap, authorizer) = try Self.connection()
        try icap.send(testCase.bytes)
        let responses = try icap.responses()
        #expect(responses.map(\.status) == [testCase.status])
        #expect(responses.first?.header("Connection") == "close")
        #expect(authorizer.checks.isEmpty)
        #expect(!icap.channel.isActive)
    }

    @Test("a head over maxHeaderBytes: 400 without waiting for its end")
    func oversizedHead() throws {
        var configuration = ICAPConfiguration()
        configuration.maxHeaderBytes = 1024
        let (icap, _) = try Self.connection(configuration)
        try icap.send("OPTIONS \(ICAPRequests.uri) ICAP/1.0\r\nX-Long: \(String(repeating: "a", count: 2000))")
        #expect(try icap.responses().map(\.status) == [400])
        #expect(!icap.channel.isActive)
        // The encapsulated head counts too.
        let (second, _) = try Self.connection(configuration)
        let head = ICAPRequests.httpHead(Signed.s3Get, extra: [("X-Pad", String(repeating: "b", count: 1000))])
        try second.send(ICAPRequests.reqmod(httpHead: head, body: nil))
        #expect(try second.responses().map(\.status) == [400])
    }

    @Test("a body over maxBodyBytes is read and dropped, and denied body_too_large")
    func oversizedBody() throws {
        var configuration = ICAPConfiguration()
        configuration.maxBodyBytes = 16
        let (icap, authorizer) = try Self.connection(configuration)
        try icap.send(ICAPRequests.reqmod(httpHead: ICAPRequests.httpHead(Signed.sts), body: Signed.callerIdentity))
        let answer = try #require(try icap.responses().first)
        #expect(answer.status == 200)
        #expect(answer.httpHeader("x-sigv4-authz-reason") == ["body_too_large"])
        #expect(authorizer.checks.first?.body == .tooLarge(Signed.callerIdentity.count))
        #expect(icap.channel.isActive)
    }

    @Test("a request that does not arrive in time: 408 and close")
    func requestTimeout() throws {
        var configuration = ICAPConfiguration()
        configuration.requestTimeout = .seconds(2)
        let (icap, _) = try Self.connection(configuration)
        try icap.send("OPTIONS \(ICAPRequests.uri) ICAP/1.0\r\n")
        icap.loop.advanceTime(by: .seconds(1))
        #expect(try icap.written().isEmpty)
        icap.loop.advanceTime(by: .seconds(2))
        #expect(try icap.responses().map(\.status) == [408])
        #expect(!icap.channel.isActive)
    }

    @Test("an idle persistent connection is closed; one waiting for a decision is not")
    func idle() throws {
        var configuration = ICAPConfiguration()
        configuration.idleTimeout = .seconds(5)
        configuration.requestTimeout = .seconds(60)
        let (icap, authorizer) = try Self.connection(configuration, laterHost: "sts.")
        try icap.send(ICAPRequests.reqmod(httpHead: ICAPRequests.httpHead(Signed.sts), body: Signed.callerIdentity))
        // IdleStateHandler measures idleness with the real clock, so the event is fired by hand.
        icap.channel.pipeline.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.all)
        #expect(icap.channel.isActive)
        authorizer.release()
        icap.loop.run()
        #expect(try icap.responses().map(\.status) == [204])
        icap.channel.pipeline.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.all)
        #expect(!icap.channel.isActive)
    }

    @Test("graceful shutdown: an idle connection closes; a request in flight is answered with Connection: close")
    func quiesce() throws {
        let (idle, _) = try Self.connection()
        idle.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(!idle.channel.isActive)
        let (icap, authorizer) = try Self.connection(laterHost: "sts.")
        try icap.send(ICAPRequests.reqmod(httpHead: ICAPRequests.httpHead(Signed.sts), body: Signed.callerIdentity))
        icap.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(icap.channel.isActive)
        authorizer.release()
        icap.loop.run()
        let responses = try icap.responses()
        #expect(responses.map(\.status) == [204])
        #expect(responses.first?.header("Connection") == "close")
        #expect(!icap.channel.isActive)
    }
}

extension [UInt8] {
    /// REQMOD → RESPMOD in the request line.
    fileprivate func replacingFirst() -> [UInt8] {
        Array(String(decoding: self, as: UTF8.self).replacingOccurrences(of: "REQMOD ", with: "RESPMOD ").utf8)
    }
}
