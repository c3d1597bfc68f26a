import AWSClassifier
import AuthzFixtures
import Foundation
import IAMIdentity
import Policy
import SigV4
import Synchronization
import Testing

@testable import AuthzCore

/// The decision core for `identity.hosts`: the token read from its one place, held to the offline
/// rules, the account gate before STS, the cached or awaited verification, STS's account against the
/// key's, the statements with `principals_arn`, and what goes upstream and into the audit record.
@Suite struct IdentityEngineTests {
    /// Derives to 411435703965.
    static let key = "AKIAV7S32T2OSBFJQOIY"
    /// Derives to another account, which no statement names.
    static let otherKey = "ASIAQNZGKIQY56JQ7WML"
    static let account = "411435703965"
    static let now = EngineFixtures.signingTime + 60

    static let yaml = """
        identity:
          audience: orders
          hosts: ["orders.internal", "*.orders.svc.cluster.local"]
        accounts:
          "411435703965":
            regions:
              "*": { services: ["*"] }
        rules:
          - name: admin-denied
            effect: deny
            principals_arn: ["*"]
            paths: ["/admin/*"]
          - name: readers
            effect: allow
            principals_arn: ["arn:aws:iam::411435703965:role/reader"]
            methods: [GET]
            paths: ["/v1/*"]
        default: deny
        """

    static let reader = CallerIdentity(
        arn: "arn:aws:sts::411435703965:assumed-role/reader/i-0123", account: "411435703965",
        userID: "AROAEXAMPLEID:i-0123")

    /// A verification source answering from fixed outcomes, counting verifications.
    final class Identities: CallerIdentitySource {
        let cachedOutcome: IdentityOutcome?
        let verifiedOutcome: IdentityOutcome
        let verifications = Mutex(0)
        init(cached: IdentityOutcome? = nil, verified: IdentityOutcome = .unavailable("no STS in this test")) {
            self.cachedOutcome = cached
            self.verifiedOutcome = verified
        }
        func cached(_ token: IdentityToken) -> IdentityOutcome? { cachedOutcome }
        func verify(_ token: IdentityToken) async -> IdentityOutcome {
            verifications.withLock { $0 += 1 }
            return verifiedOutcome
        }
    }

    static func engine(_ identities: Identities?, yaml: String = yaml, now: Int64 = now) throws -> AuthzEngine {
        let config = try PolicyConfig.parse(yaml, path: "identity.yaml")
        return AuthzEngine(
            policy: try CompiledPolicy(config), classifier: RequestClassifier(model: try EngineFixtures.model.get()),
            identities: identities, now: { now * 1000 })
    }

    static func token(
        key: String = key, audience: String = "orders", host: String? = nil, at time: Int64 = EngineFixtures.signingTime
    ) throws -> String {
        try IdentityTokenMinter.mint(
            credentials: SigningCredentials(accessKeyID: key, secretAccessKey: EngineFixtures.secret),
            audience: audience, region: "eu-west-1", host: host, timestamp: AmzTimestamp(secondsSinceEpoch: time))
    }

    static func request(
        _ headers: [(String, String)], method: String = "GET", host: String = "orders.internal:8080",
        target: String = "/v1/orders/7"
    ) -> AuthzRequest {
        AuthzRequest(
            method: method, host: host, target: target,
            headers: [HeaderField("host", host)] + headers.map { HeaderField($0.0, $0.1) }, body: .absent, mode: .grpc)
    }

    static func bearer(_ token: String) -> [(String, String)] { [("authorization", "Bearer \(token)")] }

    @Test func aVerifiedCallerIsAllowedAndNamedUpstream() throws {
        let identities = Identities(cached: .verified(Self.reader))
        let token = try Self.token()
        let result = try Self.engine(identities).check(Self.request(Self.bearer(token)))
        #expect(result.decision.effect == .allow, "\(result.decision)")
        #expect(result.decision.rule == "readers")
        #expect(result.authentication == .identityToken)
        #expect(result.signature == .verified)
        #expect(result.accessKeyID == Self.key)
        #expect(result.account?.description == Self.account)
        #expect(result.caller == Self.reader)
        let upstream = try #require(result.upstream)
        #expect(
            upstream.setHeaders.map { "\($0.name)=\($0.value)" } == [
                "x-sigv4-authz-principal-arn=arn:aws:sts::411435703965:assumed-role/reader/i-0123",
                "x-sigv4-authz-principal-account=411435703965",
                "x-sigv4-authz-principal-user-id=AROAEXAMPLEID:i-0123",
            ])
        #expect(upstream.removeHeaders == ["authorization"])
        #expect(upstream.roleARN == nil)
        #expect(identities.verifications.withLock { $0 } == 0)

        // The audit record names the caller and never holds the token.
        var line: [UInt8] = []
        AuditRecord.appendJSON(of: result, to: &line)
        let json = String(decoding: line, as: UTF8.self)
        #expect(json == AuditRecord(result).json)
        #expect(
            json.contains(
                "\"auth\":\"identity_token\",\"signature\":\"verified\"},\"caller\":{\"arn\":\"arn:aws:sts::411435703965:assumed-role/reader/i-0123\",\"account\":\"411435703965\",\"user_id\":\"AROAEXAMPLEID:i-0123\"},\"latency_us\""
            ), "\(json)")
        #expect(!json.contains(String(token.dropFirst(11).prefix(40))))
        #expect(!json.contains("X-Amz-Signature"))
    }

    @Test func forwardTokenKeepsTheTokenUpstream() throws {
        let yaml = Self.yaml.replacingOccurrences(
            of: "  audience: orders\n", with: "  audience: orders\n  forward_token: true\n")
        let result = try Self.engine(Identities(cached: .verified(Self.reader)), yaml: yaml)
            .check(Self.request(Self.bearer(try Self.token())))
        #expect(result.decision.effect == .allow)
        #expect(result.upstream?.removeHeaders == [])
    }

    @Test func anUnverifiedTokenWaitsForSTSOnceAndIsThenDecided() async throws {
        let identities = Identities(verified: .verified(Self.reader))
        let engine = try Self.engine(identities)
        let request = Self.request(Self.bearer(try Self.token()))
        // Synchronously: denied, with the token to verify.
        let first = engine.check(request)
        #expect(first.decision.reason == .identityUnavailable)
        #expect(first.pendingIdentity?.accessKeyID == Self.key)
        #expect(identities.verifications.withLock { $0 } == 0)
        // Answered: later, after one verification.
        guard case .later(let pending) = engine.answer(request) else {
            Issue.record("a token not verified yet was decided at once")
            return
        }
        let result = await pending.result()
        #expect(result.decision.effect == .allow, "\(result.decision)")
        #expect(result.pendingIdentity == nil)
        #expect(identities.verifications.withLock { $0 } == 1)
    }

    @Test func anEngineWithoutAVerifierDeniesUnverifiedTokens() throws {
        let result = try Self.engine(nil).check(Self.request(Self.bearer(try Self.token())))
        #expect(result.decision.reason == .identityUnavailable)
        #expect(result.decision.message == "identity tokens are verified with STS only by sigv4-authz serve")
        #expect(result.pendingIdentity == nil)
    }

    struct OutcomeCase: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var outcome: IdentityOutcome
        var reason: ReasonCode
        var message: String
    }

    static let outcomeCases: [OutcomeCase] = [
        OutcomeCase(
            testDescription: "STS refuses",
            outcome: .refused("STS refused the token (SignatureDoesNotMatch, HTTP 403)"),
            reason: .invalidToken, message: "STS refused the token (SignatureDoesNotMatch, HTTP 403)"),
        OutcomeCase(
            testDescription: "STS unreachable",
            outcome: .unavailable("STS at sts.eu-west-1.amazonaws.com is unreachable"),
            reason: .identityUnavailable,
            message: "the token cannot be verified now: STS at sts.eu-west-1.amazonaws.com is unreachable"),
        OutcomeCase(
            testDescription: "STS answers for another account",
            outcome: .verified(
                CallerIdentity(arn: "arn:aws:iam::999988887777:role/reader", account: "999988887777", userID: "AROAX")),
            reason: .invalidToken,
            message:
                "STS answered for account 999988887777, but the token's key AKIAV7S32T2OSBFJQOIY belongs to account 411435703965"
        ),
        OutcomeCase(
            testDescription: "a caller no statement allows",
            outcome: .verified(
                CallerIdentity(arn: "arn:aws:iam::411435703965:user/bob", account: "411435703965", userID: "AIDAB")),
            reason: .noMatchingRule,
            message: "no rule allows GET /v1/orders/7 on orders.internal by arn:aws:iam::411435703965:user/bob"),
    ]

    @Test("what STS answered decides", arguments: outcomeCases)
    func outcomes(_ testCase: OutcomeCase) throws {
        let result = try Self.engine(Identities(cached: testCase.outcome))
            .check(Self.request(Self.bearer(try Self.token())))
        #expect(result.decision.reason == testCase.reason)
        #expect(result.decision.message == testCase.message)
        #expect(result.upstream == nil)
    }

    @Test func aDenyStatementOnPathsDeniesAVerifiedCaller() throws {
        let result = try Self.engine(Identities(cached: .verified(Self.reader)))
            .check(Self.request(Self.bearer(try Self.token()), target: "/admin/users?x=1"))
        #expect(result.decision.reason == .deniedByRule)
        #expect(result.decision.rule == "admin-denied")
        #expect(result.upstream == nil)
    }

    @Test func anAccountNoStatementCouldAllowIsDeniedWithoutAnSTSCall() throws {
        let identities = Identities(verified: .verified(Self.reader))
        let engine = try Self.engine(identities)
        let answer = engine.answer(Self.request(Self.bearer(try Self.token(key: Self.otherKey))))
        guard case .now(let result) = answer else {
            Issue.record("a token of an account no statement names was sent to STS")
            return
        }
        #expect(result.decision.reason == .accountNotAllowed)
        #expect(result.decision.message.hasSuffix("; the token was not sent to STS"))
        #expect(result.pendingIdentity == nil)
        // A method no statement allows closes the gate as well.
        let deleting = engine.answer(Self.request(Self.bearer(try Self.token()), method: "DELETE"))
        guard case .now(let denied) = deleting else {
            Issue.record("a DELETE no statement could allow was sent to STS")
            return
        }
        #expect(denied.decision.reason == .accountNotAllowed)
        #expect(identities.verifications.withLock { $0 } == 0)
    }

    struct TokenCase: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var headers: [(String, String)]
        var reason: ReasonCode
        var message: String
    }

    static let tokenCases: [TokenCase] = [
        TokenCase(
            testDescription: "no Authorization header", headers: [], reason: .noCredentials,
            message:
                "requests to orders.internal need an IAM identity token in Authorization: Bearer … (k8s-aws-v1., as aws eks get-token or sigv4-authz token make)"
        ),
        TokenCase(
            testDescription: "a SigV4 Authorization header",
            headers: [
                ("authorization", "AWS4-HMAC-SHA256 Credential=AKIAV7S32T2OSBFJQOIY/20260115/eu-west-1/s3/aws4_request")
            ],
            reason: .invalidToken,
            message:
                "requests to orders.internal authenticate with an IAM identity token (Authorization: Bearer k8s-aws-v1.…), not with the AWS4-HMAC-SHA256 scheme"
        ),
        TokenCase(
            testDescription: "an empty bearer token", headers: [("authorization", "Bearer   ")], reason: .noCredentials,
            message:
                "requests to orders.internal need an IAM identity token in Authorization: Bearer … (the token is empty) (k8s-aws-v1., as aws eks get-token or sigv4-authz token make)"
        ),
        TokenCase(
            testDescription: "two Authorization headers",
            headers: [("authorization", "Bearer a"), ("Authorization", "Bearer b")], reason: .ambiguousRequest,
            message: "the request carries more than one Authorization header; send the token once"),
        TokenCase(
            testDescription: "not a token", headers: [("authorization", "Bearer k8s-aws-v2.abc")],
            reason: .invalidToken, message: ""),
    ]

    @Test("the token's place", arguments: tokenCases)
    func tokenPlace(_ testCase: TokenCase) throws {
        let result = try Self.engine(Identities(cached: .verified(Self.reader))).check(Self.request(testCase.headers))
        #expect(result.decision.reason == testCase.reason, "\(result.decision)")
        if !testCase.message.isEmpty { #expect(result.decision.message == testCase.message) }
        #expect(result.upstream == nil)
    }

    @Test func offlineRulesDenyInvalidToken() throws {
        let engine = try Self.engine(Identities(cached: .verified(Self.reader)))
        // Another service's host in the URL.
        let s3 = engine.check(Self.request(Self.bearer(try Self.token(host: "s3.eu-west-1.amazonaws.com"))))
        #expect(s3.decision.reason == .invalidToken)
        // Older than 15 minutes.
        let old = try Self.engine(Identities(cached: .verified(Self.reader)), now: EngineFixtures.signingTime + 901)
            .check(Self.request(Self.bearer(try Self.token())))
        #expect(old.decision.reason == .invalidToken)
        // Signed for another audience header value: offline the value is not in the token; what STS is sent
        // is the configured audience, so STS's signature check refuses it (the refusal is its outcome).
        #expect(s3.upstream == nil && old.upstream == nil)
    }

    @Test func aTokenInAHeaderOrACookie() throws {
        let token = try Self.token()
        let header = Self.yaml.replacingOccurrences(
            of: "  audience: orders\n", with: "  audience: orders\n  token_header: x-iam-token\n")
        let viaHeader = try Self.engine(Identities(cached: .verified(Self.reader)), yaml: header)
            .check(Self.request([("X-IAM-Token", " \(token) ")]))
        #expect(viaHeader.decision.effect == .allow, "\(viaHeader.decision)")
        #expect(viaHeader.upstream?.removeHeaders == ["x-iam-token"])

        let cookie = Self.yaml.replacingOccurrences(
            of: "  audience: orders\n", with: "  audience: orders\n  token_cookie: iam\n")
        let engine = try Self.engine(Identities(cached: .verified(Self.reader)), yaml: cookie)
        let viaCookie = engine.check(Self.request([("cookie", "theme=dark; iam=\"\(token)\"; lang=en")]))
        #expect(viaCookie.decision.effect == .allow, "\(viaCookie.decision)")
        // A cookie cannot be removed alone: nothing is removed.
        #expect(viaCookie.upstream?.removeHeaders == [])
        let twice = engine.check(Self.request([("cookie", "iam=\(token)"), ("cookie", "iam=\(token)")]))
        #expect(twice.decision.reason == .ambiguousRequest)
        let missing = engine.check(Self.request([("cookie", "iamx=\(token)")]))
        #expect(missing.decision.reason == .noCredentials)
    }

    @Test func otherHostsAreReadAsSigV4() throws {
        let result = try Self.engine(Identities(cached: .verified(Self.reader)))
            .check(Self.request(Self.bearer(try Self.token()), host: "orders.example.com"))
        #expect(result.authentication != .identityToken)
        #expect(result.decision.effect == .deny)
        #expect(result.caller == nil)
        let pattern = try Self.engine(Identities(cached: .verified(Self.reader)))
            .check(Self.request(Self.bearer(try Self.token()), host: "api.orders.svc.cluster.local"))
        #expect(pattern.decision.effect == .allow, "\(pattern.decision)")
    }

    @Test func aTokenIsParsedOnceAndUsedAgainOnlyWhileYoungEnough() throws {
        let engine = try Self.engine(Identities(cached: .verified(Self.reader)))
        let settings = try #require(engine.identitySettings)
        let request = Self.request(Self.bearer(try Self.token()))
        #expect(engine.decide(request, at: Self.now * 1000).decision.effect == .allow)
        #expect(settings.parsed.count == 1)
        #expect(engine.decide(request, at: (Self.now + 10) * 1000).decision.effect == .allow)
        #expect(settings.parsed.count == 1)
        // At max_token_age (900 s) it is still young enough; one second later the kept token is dropped
        // and the parse refuses it.
        #expect(engine.decide(request, at: (EngineFixtures.signingTime + 900) * 1000).decision.effect == .allow)
        let old = engine.decide(request, at: (EngineFixtures.signingTime + 901) * 1000)
        #expect(old.decision.reason == .invalidToken)
        #expect(settings.parsed.count == 0)
        // A refused token is never kept.
        _ = engine.check(Self.request(Self.bearer(try Self.token(host: "s3.eu-west-1.amazonaws.com"))))
        #expect(settings.parsed.count == 0)
    }

    @Test func theParsedTokensAreBounded() throws {
        let tokens = ParsedIdentityTokens(capacity: 2)
        let rules = IdentityTokenRules(
            audience: "orders", partitions: try EngineFixtures.model.get().partitions.filter { $0.id == "aws" })
        func parsed(_ time: Int64) throws -> IdentityToken {
            try IdentityToken.parse(Substring(try Self.token(at: time)), rules: rules, now: time)
        }
        let first = try parsed(EngineFixtures.signingTime)
        let second = try parsed(EngineFixtures.signingTime + 1)
        let third = try parsed(EngineFixtures.signingTime + 2)
        tokens.keep(first, now: EngineFixtures.signingTime + 2)
        tokens.keep(second, now: EngineFixtures.signingTime + 2)
        tokens.keep(third, now: EngineFixtures.signingTime + 2)
        #expect(tokens.count == 2)
        #expect(tokens.token(third.digest, now: EngineFixtures.signingTime + 2) == nil)
        // Once the first has expired, a new token takes its place.
        tokens.keep(third, now: EngineFixtures.signingTime + 900 + 1)
        #expect(tokens.token(third.digest, now: EngineFixtures.signingTime + 901)?.digest == third.digest)
        #expect(tokens.token(first.digest, now: EngineFixtures.signingTime + 901) == nil)
    }

    struct PathCase: Sendable, CustomTestStringConvertible {
        var testDescription: String { path }
        var path: String
        var decoded: String?
    }

    static let pathCases: [PathCase] = [
        PathCase(path: "/", decoded: "/"),
        PathCase(path: "/v1/orders/7", decoded: "/v1/orders/7"),
        PathCase(path: "/v1/orders/", decoded: "/v1/orders/"),
        PathCase(path: "/v1/caf%C3%A9", decoded: "/v1/café"),
        PathCase(path: "/v1/a%20b", decoded: "/v1/a b"),
        PathCase(path: "/v1/file%2etxt", decoded: "/v1/file.txt"),
        PathCase(path: "/v1/%2e%2e/admin", decoded: nil),
        PathCase(path: "/v1/../admin", decoded: nil),
        PathCase(path: "/v1/./x", decoded: nil),
        PathCase(path: "/v1//x", decoded: nil),
        PathCase(path: "/v1/a%2Fb", decoded: nil),
        PathCase(path: "/v1/a%2fb", decoded: nil),
        PathCase(path: "/v1/a%5Cb", decoded: nil),
        PathCase(path: "/v1/a\\b", decoded: nil),
        PathCase(path: "/v1/a%00", decoded: nil),
        PathCase(path: "/v1/a%0A", decoded: nil),
        PathCase(path: "/v1/%252F", decoded: nil),
        PathCase(path: "/v1/%zz", decoded: nil),
        PathCase(path: "/v1/%C3", decoded: nil),
        PathCase(path: "v1/x", decoded: nil),
        PathCase(path: "*", decoded: nil),
    ]

    @Test("paths are matched decoded, and are unknown when they read two ways", arguments: pathCases)
    func decodedPaths(_ testCase: PathCase) {
        #expect(AuthzEngine.decodedPath(testCase.path) == testCase.decoded)
    }
}
