import AWSClassifier
import AuthzCore
import HTTP2TestSupport
import NIOHTTP1
import Policy
import SigV4
import Testing

@testable import AuthzHTTP

private let translator = CheckRequestTranslator(configuration: HTTPCheckConfiguration())

private func head(_ method: HTTPMethod = .GET, _ uri: String, _ headers: [(String, String)]) -> HTTPRequestHead {
    HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: HTTPHeaders(headers))
}

/// The original request of a check, or why there is none.
private func checked(
    _ head: HTTPRequestHead, body: RequestBody = .absent, remote: String? = "10.0.0.1",
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> AuthzRequest {
    switch translator.translate(head, body: body, remoteAddress: remote) {
    case .check(let request): return request
    case .notFound: throw TranslationFailure(description: "404")
    case .invalid(let message): throw TranslationFailure(description: "invalid: \(message)")
    }
}

private struct TranslationFailure: Error, CustomStringConvertible {
    var description: String
}

private let nginxOriginal = [
    ("x-original-method", "PUT"), ("x-original-uri", "/bucket/key?acl"),
    ("x-original-host", "bucket.s3.eu-west-1.amazonaws.com"),
]

@Suite("CheckRequestTranslator: a check request as the original request")
struct CheckRequestTranslatorTests {
    // MARK: Routing

    /// What a check request becomes.
    enum Expected: Sendable, Equatable {
        case check(mode: AuthzMode, method: String, host: String, target: String)
        case invalid
        case notFound
    }

    struct Route: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var method: HTTPMethod = .GET
        var uri: String
        var headers: [(String, String)] = [("host", "bucket.s3.amazonaws.com")]
        var expected: Expected
    }

    static let routes: [Route] = [
        Route(
            testDescription: "Envoy prefix with a path and query", method: .PUT,
            uri: "/envoy/bucket/key?x-id=PutObject",
            expected: .check(
                mode: .envoyHTTP, method: "PUT", host: "bucket.s3.amazonaws.com", target: "/bucket/key?x-id=PutObject")),
        Route(
            testDescription: "the Envoy prefix alone is the root", uri: "/envoy",
            expected: .check(mode: .envoyHTTP, method: "GET", host: "bucket.s3.amazonaws.com", target: "/")),
        Route(
            testDescription: "the Envoy prefix and a query is the root's query", uri: "/envoy?list-type=2",
            expected: .check(
                mode: .envoyHTTP, method: "GET", host: "bucket.s3.amazonaws.com", target: "/?list-type=2")),
        Route(
            testDescription: "the Envoy prefix and a slash", uri: "/envoy/",
            expected: .check(mode: .envoyHTTP, method: "GET", host: "bucket.s3.amazonaws.com", target: "/")),
        Route(testDescription: "a longer first segment is not the prefix", uri: "/envoyx/k", expected: .notFound),
        Route(testDescription: "another path", uri: "/other", expected: .notFound),
        Route(testDescription: "the root", uri: "/", expected: .notFound),
        Route(testDescription: "below the nginx path", uri: "/nginx/x", headers: nginxOriginal, expected: .notFound),
        Route(
            testDescription: "Envoy without Host", uri: "/envoy/k", headers: [("x-amz-date", "20260115T123456Z")],
            expected: .invalid),
        Route(
            testDescription: "Envoy with an empty Host", uri: "/envoy/k", headers: [("host", "")], expected: .invalid),
        Route(
            testDescription: "nginx: X-Original-* carry the request", uri: "/nginx",
            headers: [("host", "authz.internal")] + nginxOriginal,
            expected: .check(
                mode: .nginx, method: "PUT", host: "bucket.s3.eu-west-1.amazonaws.com", target: "/bucket/key?acl")),
        Route(
            testDescription: "nginx: the path is compared without the query", uri: "/nginx?from=edge",
            headers: nginxOriginal,
            expected: .check(
                mode: .nginx, method: "PUT", host: "bucket.s3.eu-west-1.amazonaws.com", target: "/bucket/key?acl")),
        Route(testDescription: "nginx without X-Original-*", uri: "/nginx", expected: .invalid),
        Route(
            testDescription: "nginx without X-Original-Method", uri: "/nginx",
            headers: nginxOriginal.filter { $0.0 != "x-original-method" }, expected: .invalid),
        Route(
            testDescription: "nginx with an empty X-Original-Method", uri: "/nginx",
            headers: [("x-original-method", "")] + nginxOriginal.filter { $0.0 != "x-original-method" },
            expected: .invalid),
        Route(
            testDescription: "nginx with an X-Original-URI that is not a path", uri: "/nginx",
            headers: [("x-original-uri", "http://bucket/key")] + nginxOriginal.filter { $0.0 != "x-original-uri" },
            expected: .invalid),
        Route(
            testDescription: "nginx without X-Original-Host", uri: "/nginx",
            headers: nginxOriginal.filter { $0.0 != "x-original-host" }, expected: .invalid),
    ]

    @Test("routing: Envoy prefix, nginx path, 404, unreadable checks", arguments: routes)
    func routing(route: Route) {
        let outcome = translator.translate(
            head(route.method, route.uri, route.headers), body: .absent, remoteAddress: "10.0.0.1")
        let actual: Expected
        switch outcome {
        case .check(let request):
            actual = .check(mode: request.mode, method: request.method, host: request.host, target: request.target)
        case .invalid(let message):
            actual = .invalid
            #expect(message.contains(route.uri.hasPrefix("/nginx") ? "X-Original-" : "Host"))
        case .notFound:
            actual = .notFound
        }
        #expect(actual == route.expected)
    }

    @Test(
        "the mode a URI selects (Envoy HTTP mode unless it is the nginx path)",
        arguments: [
            ("/nginx", AuthzMode.nginx), ("/nginx?x=1", .nginx), ("/nginx/", .envoyHTTP), ("/envoy/k", .envoyHTTP),
            ("/other", .envoyHTTP),
        ])
    func mode(uri: String, mode: AuthzMode) {
        #expect(translator.mode(of: uri) == mode)
    }

    @Test("a configured prefix and nginx path")
    func configuredPaths() throws {
        var configuration = HTTPCheckConfiguration()
        configuration.envoyPrefix = "/authz/envoy"
        configuration.nginxPath = "/authz/nginx"
        let custom = CheckRequestTranslator(configuration: configuration)
        let envoy = custom.translate(head(.GET, "/authz/envoy/k", [("host", "h")]), body: .absent, remoteAddress: nil)
        guard case .check(let request) = envoy else { throw TranslationFailure(description: "\(envoy)") }
        #expect(request.target == "/k")
        let nginx = custom.translate(head(.GET, "/authz/nginx", nginxOriginal), body: .absent, remoteAddress: nil)
        guard case .check(let original) = nginx else { throw TranslationFailure(description: "\(nginx)") }
        #expect(original.mode == .nginx)
        guard
            case .notFound = custom.translate(
                head(.GET, "/envoy/k", [("host", "h")]), body: .absent, remoteAddress: nil)
        else { throw TranslationFailure(description: "the default prefix still routes") }
    }

    // MARK: Headers

    @Test("headers that describe the check request are removed; the others kept in order, as sent")
    func checkOnlyHeaders() throws {
        let request = try checked(
            head(
                .POST, "/envoy/",
                [
                    ("Host", "sqs.eu-west-1.amazonaws.com"), ("X-Amz-Date", "20260115T123456Z"),
                    ("Content-Length", "12"), ("Connection", "keep-alive"), ("Keep-Alive", "timeout=5"),
                    ("Transfer-Encoding", "chunked"), ("TE", "trailers"), ("Upgrade", "h2c"),
                    ("x-envoy-auth-partial-body", "false"), ("x-envoy-expected-rq-timeout-ms", "200"),
                    ("x-envoy-internal", "true"), ("X-Forwarded-Proto", "https"),
                    ("Authorization", "AWS4-HMAC-SHA256 Credential=x"), ("x-request-id", "rid-7"),
                    ("Content-Type", "application/x-www-form-urlencoded"),
                ]))
        #expect(request.headers.map(\.name) == ["X-Amz-Date", "Authorization", "x-request-id", "Content-Type"])
        #expect(
            request.headers.map(\.value) == [
                "20260115T123456Z", "AWS4-HMAC-SHA256 Credential=x", "rid-7", "application/x-www-form-urlencoded",
            ])
        #expect(request.host == "sqs.eu-west-1.amazonaws.com")
        #expect(request.requestID == "rid-7")

        let nginx = try checked(head(.GET, "/nginx", [("Host", "authz"), ("X-Amz-Date", "d")] + nginxOriginal))
        #expect(nginx.headers.map(\.name) == ["X-Amz-Date"])
    }

    struct Client: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var headers: [(String, String)]
        var remote: String?
        var address: String?
        var principal: String?
    }

    static let clients: [Client] = [
        Client(
            testDescription: "the connection's peer without a header", headers: [], remote: "10.0.0.1",
            address: "10.0.0.1"),
        Client(testDescription: "no address at all", headers: [], remote: nil, address: nil),
        Client(
            testDescription: "the proxy's address header wins over the peer",
            headers: [("x-sigv4-authz-client-address", "203.0.113.9")], remote: "10.0.0.1", address: "203.0.113.9"),
        Client(
            testDescription: "header names in any letter case",
            headers: [
                ("X-SigV4-Authz-Client-Address", "203.0.113.9"),
                ("X-SigV4-Authz-Client-Principal", "spiffe://cluster.local/ns/app/sa/web"),
            ],
            remote: "10.0.0.1", address: "203.0.113.9", principal: "spiffe://cluster.local/ns/app/sa/web"),
    ]

    @Test("the client address and principal come from the proxy's headers, which are not passed on", arguments: clients)
    func client(case client: Client) throws {
        for uri in ["/envoy/k", "/nginx"] {
            let request = try checked(
                head(.GET, uri, [("host", "bucket.s3.amazonaws.com")] + nginxOriginal + client.headers),
                remote: client.remote)
            #expect(request.sourceAddress == client.address)
            #expect(request.principal == client.principal)
            #expect(!request.headers.contains { $0.name.lowercased().hasPrefix("x-sigv4-authz-") })
        }
    }

    @Test("x-request-id is the proxy's request id", arguments: [[("x-request-id", "abc-1")], []])
    func requestID(headers: [(String, String)]) throws {
        let request = try checked(head(.GET, "/envoy/k", [("host", "h")] + headers))
        #expect(request.requestID == headers.first?.1)
        let nginx = try checked(head(.GET, "/nginx", nginxOriginal + headers))
        #expect(nginx.requestID == headers.first?.1)
    }

    // MARK: Bodies

    struct BodyCase: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var marks: [String]
        var body: RequestBody
        var expected: RequestBody
    }

    static let bytes: [UInt8] = Array("Action=ListQueues".utf8)

    static let bodies: [BodyCase] = [
        BodyCase(
            testDescription: "no mark: Envoy did not forward it", marks: [], body: .complete(bytes), expected: .absent),
        BodyCase(testDescription: "no mark and no body", marks: [], body: .absent, expected: .absent),
        BodyCase(
            testDescription: "partial-body false: the whole body", marks: ["false"], body: .complete(bytes),
            expected: .complete(bytes)),
        BodyCase(
            testDescription: "partial-body FALSE (letter case)", marks: ["FALSE"], body: .complete(bytes),
            expected: .complete(bytes)),
        BodyCase(
            testDescription: "partial-body false and no body: an empty body", marks: ["false"], body: .absent,
            expected: .complete([])),
        BodyCase(
            testDescription: "partial-body true: cut", marks: ["true"], body: .complete(bytes), expected: .truncated),
        BodyCase(
            testDescription: "an unknown mark", marks: ["maybe"], body: .complete(bytes), expected: .truncated),
        BodyCase(
            testDescription: "duplicate marks, both false", marks: ["false", "false"], body: .complete(bytes),
            expected: .truncated),
        BodyCase(
            testDescription: "duplicate marks that disagree", marks: ["false", "true"], body: .complete(bytes),
            expected: .truncated),
        BodyCase(
            testDescription: "too large passes through, whatever the mark", marks: ["false"], body: .tooLarge(5_000),
            expected: .tooLarge(5_000)),
        BodyCase(
            testDescription: "too large passes through without a mark", marks: [], body: .tooLarge(5_000),
            expected: .tooLarge(5_000)),
    ]

    @Test("Envoy's body marks (x-envoy-auth-partial-body)", arguments: bodies)
    func envoyBody(case body: BodyCase) throws {
        let request = try checked(
            head(
                .POST, "/envoy/", [("host", "sqs.amazonaws.com")] + body.marks.map { ("x-envoy-auth-partial-body", $0) }
            ),
            body: body.body)
        #expect(request.body == body.expected)
    }

    @Test("nginx auth_request never forwards the body", arguments: [RequestBody.complete(bytes), .absent, .truncated])
    func nginxBody(body: RequestBody) throws {
        let request = try checked(
            head(.GET, "/nginx", nginxOriginal + [("x-envoy-auth-partial-body", "false")]), body: body)
        #expect(request.body == .absent)
    }

    @Test("a check request over the body limit stays too large on the nginx path too")
    func nginxTooLarge() throws {
        let request = try checked(head(.GET, "/nginx", nginxOriginal), body: .tooLarge(5_000))
        #expect(request.body == .tooLarge(5_000))
    }

    // MARK: Answers

    @Test("answer: 404 for another path, a refusal for an unreadable check, a decision otherwise")
    func answer() throws {
        let authorizer = try RecordingAuthorizer()
        guard
            case .notFound = translator.answer(
                head(.GET, "/x", []), body: .absent, remoteAddress: nil, authorizer: authorizer)
        else { throw TranslationFailure(description: "not 404") }

        let refused = translator.answer(
            head(.GET, "/nginx", [("x-request-id", "rid-9")]), body: .absent, remoteAddress: "10.0.0.2",
            authorizer: authorizer)
        guard case .decided(let refusal) = refused else { throw TranslationFailure(description: "not decided") }
        #expect(refusal.decision.effect == .deny)
        #expect(refusal.decision.reason == .internalError)
        #expect(refusal.requestID == "rid-9")
        #expect(authorizer.refused.map(\.mode) == [.nginx])
        #expect(authorizer.refused.first?.sourceAddress == "10.0.0.2")
        #expect(authorizer.requests.isEmpty)

        let decided = translator.answer(
            head(.PUT, "/envoy/k", [("host", Requests.s3Host)]), body: .tooLarge(2 << 20), remoteAddress: nil,
            authorizer: authorizer)
        guard case .decided(let tooLarge) = decided else { throw TranslationFailure(description: "not decided") }
        #expect(tooLarge.decision.reason == .bodyTooLarge)
        #expect(authorizer.requests.map(\.body) == [.tooLarge(2 << 20)])
        // The request's facts are in the result (and so in the audit record).
        #expect(tooLarge.request?.host == Requests.s3Host)
        #expect(tooLarge.request?.path == "/k")
    }

    /// The headers an answer gives its codec, in order.
    static func headers(of answer: HTTPAnswer) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        answer.forEachHeader { headers.append(($0, $1)) }
        return headers
    }

    @Test("HTTPAnswer of an allow: 200 and the decision headers, no body")
    func allowAnswer() throws {
        let signed = Requests.signedHeaders()
        let request = try checked(head(.GET, "/envoy/k.txt", signed))
        let result = try RecordingAuthorizer().check(request)
        try #require(result.decision.effect == .allow, "\(result.decision)")
        let answer = HTTPAnswer(result)
        let headers = Self.headers(of: answer)
        #expect(answer.status == 200)
        #expect(answer.body == nil)
        #expect(headers.map(\.name) == DecisionHeaders.fields(result).map(\.name))
        #expect(headers.map(\.value) == DecisionHeaders.fields(result).map(\.value))
        #expect(headers.first { $0.name == "x-sigv4-authz-decision" }?.value == "allow")
        #expect(headers.first { $0.name == "x-sigv4-authz-account" }?.value == "171436882533")
    }

    @Test(
        "HTTPAnswer of a brokered allow: the new signature's headers after the decision headers, the client's to remove"
    )
    func brokeredAllowAnswer() {
        var result = CheckResult(
            decision: Decision(effect: .allow, reason: .allowed, rule: "r", message: "allowed"), requestID: "rid-9",
            mode: .envoyHTTP, time: 0)
        result.upstream = UpstreamRewrite(
            setHeaders: [
                HeaderField("X-Amz-Date", "20260115T123456Z"), HeaderField("Authorization", "AWS4-HMAC-SHA256 new"),
            ], removeHeaders: ["x-amz-security-token"], roleARN: "arn:aws:iam::123456789012:role/egress")
        let headers = Self.headers(of: HTTPAnswer(result))
        let fields = DecisionHeaders.fields(result)
        #expect(headers.prefix(fields.count).map(\.name) == fields.map(\.name))
        #expect(
            headers.dropFirst(fields.count).map { "\($0.name): \($0.value)" } == [
                "x-amz-date: 20260115T123456Z", "authorization: AWS4-HMAC-SHA256 new",
                "x-envoy-auth-headers-to-remove: x-amz-security-token",
            ])
        // A deny never carries a signature, even with a rewrite at hand.
        result.decision = .deny(.noMatchingRule, "no")
        #expect(!Self.headers(of: HTTPAnswer(result)).contains { $0.name == "authorization" })
    }

    @Test(
        "the original Content-Length comes from x-sigv4-authz-content-length, never from the check request's own",
        arguments: [
            (values: ["11"], expected: "11" as String?), (values: ["0"], expected: "0"), (values: [""], expected: nil),
            (values: ["-"], expected: nil), (values: ["1e3"], expected: nil), (values: ["11", "11"], expected: nil),
            (values: [String(repeating: "9", count: 20)], expected: nil), (values: [], expected: nil),
        ])
    func originalContentLength(values: [String], expected: String?) throws {
        for mode in ["nginx", "envoy"] {
            var headers = HTTPHeaders([("Host", Requests.s3Host), ("Content-Length", "0")])
            if mode == "nginx" {
                headers.add(name: "X-Original-Method", value: "PUT")
                headers.add(name: "X-Original-URI", value: "/k")
                headers.add(name: "X-Original-Host", value: Requests.s3Host)
            }
            for value in values { headers.add(name: "X-Sigv4-Authz-Content-Length", value: value) }
            let head = HTTPRequestHead(
                version: .http1_1, method: .PUT, uri: mode == "nginx" ? "/nginx" : "/envoy/k", headers: headers)
            guard
                case .check(let request) = CheckRequestTranslator(configuration: HTTPCheckConfiguration()).translate(
                    head, body: .absent, remoteAddress: nil)
            else {
                Issue.record("\(mode): not a check")
                continue
            }
            let lengths = request.headers.filter { $0.hasName("content-length") }.map(\.value)
            #expect(lengths == (expected.map { [$0] } ?? []), "\(mode)")
            #expect(!request.headers.contains { $0.hasName("x-sigv4-authz-content-length") })
        }
    }

    struct DenyFormat: Sendable, CustomTestStringConvertible {
        var format: AWSModel.WireProtocol
        var contentType: String
        var errorType: String?
        var bodyStart: String
        var testDescription: String { format.rawValue }
    }

    static let denyFormats: [DenyFormat] = [
        DenyFormat(format: .restXML, contentType: "application/xml", bodyStart: "<?xml"),
        DenyFormat(format: .query, contentType: "text/xml", bodyStart: "<ErrorResponse>"),
        DenyFormat(format: .ec2, contentType: "text/xml", bodyStart: "<Response>"),
        DenyFormat(
            format: .json, contentType: "application/x-amz-json-1.1", errorType: "AccessDeniedException",
            bodyStart: "{\"__type\":\"AccessDeniedException\""),
        DenyFormat(
            format: .restJSON, contentType: "application/json", errorType: "AccessDeniedException",
            bodyStart: "{\"__type\":\"AccessDeniedException\""),
        DenyFormat(
            format: .rpcV2CBOR, contentType: "application/x-amz-json-1.1", errorType: "AccessDeniedException",
            bodyStart: "{\"__type\":\"AccessDeniedException\""),
    ]

    @Test(
        "HTTPAnswer of a deny: 403, the decision headers, the content type and error type of the protocol, the body",
        arguments: denyFormats)
    func denyAnswer(case expected: DenyFormat) throws {
        var result = CheckResult(
            decision: .deny(.noCredentials, "the request is not signed"), requestID: "rid-3", mode: .envoyHTTP,
            time: 0)
        result.errorFormat = expected.format
        let answer = HTTPAnswer(result)
        let headers = Self.headers(of: answer)
        #expect(answer.status == 403)
        let fields = DecisionHeaders.fields(result)
        #expect(headers.prefix(fields.count).map(\.name) == fields.map(\.name))
        #expect(headers.prefix(fields.count).map(\.value) == fields.map(\.value))
        #expect(headers.first { $0.name == "x-sigv4-authz-reason" }?.value == "no_credentials")
        #expect(
            headers.first { $0.name == "x-sigv4-authz-message" }?.value
                == "sigv4-authz: the request is not signed")
        let extra = headers.dropFirst(fields.count)
        #expect(extra.first { $0.name == "content-type" }?.value == expected.contentType)
        #expect(extra.first { $0.name == "x-amzn-errortype" }?.value == expected.errorType)
        #expect(extra.count == (expected.errorType == nil ? 1 : 2))
        let body = try #require(answer.body)
        #expect(body.hasPrefix(expected.bodyStart))
        #expect(body.contains("sigv4-authz: the request is not signed"))
        #expect(body == DenyBody(denying: result)?.body)
    }
}
