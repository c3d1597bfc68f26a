import AWSClassifier
import AuthzFixtures
import Foundation
import IAMIdentity
import Policy
import SigV4
import Testing

@testable import AuthzCore

/// `mode: dry_run` and `enforce: false` in the decision core: every deny of the engine, whatever its
/// step, becomes `would_deny` (the proxy is answered allow) with the would-be deny's reason, rule and
/// evaluation; a would_deny is never signed again as a brokered role; an identity host's would_deny
/// names only a caller STS verified.
@Suite("Rollout in the decision core")
struct RolloutEngineTests {
    static func engine(dryRun: Bool) throws -> AuthzEngine {
        let config = try PolicyConfig.parse(
            (dryRun ? "mode: dry_run\n" : "") + EngineFixtures.yaml, path: "test.yaml")
        let keys = try KeyStore(
            config: config,
            environment: ["PARTNER_SECRET": EngineFixtures.secret, "STRICT_SECRET": EngineFixtures.secret])
        return AuthzEngine(
            policy: try CompiledPolicy(config), classifier: RequestClassifier(model: try EngineFixtures.model.get()),
            keys: keys, now: { (EngineFixtures.signingTime + 60) * 1000 })
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var request: AuthzRequest
        var reason: ReasonCode
        var evaluation: Evaluation
    }

    static let cases: [Case] = [
        Case(
            testDescription: "not signed",
            request: AuthzRequest(
                method: "GET", host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/k", headers: [],
                mode: .envoyHTTP),
            reason: .noCredentials, evaluation: .explicitDeny),
        Case(
            testDescription: "a deny statement",
            request: EngineFixtures.authz(
                EngineFixtures.signed(
                    method: "POST", host: "secretsmanager.eu-west-1.amazonaws.com", service: "secretsmanager",
                    region: "eu-west-1",
                    headers: [
                        ("x-amz-target", "secretsmanager.GetSecretValue"),
                        ("content-type", "application/x-amz-json-1.1"),
                    ], body: Array("{\"SecretId\":\"db\"}".utf8))),
            reason: .deniedByRule, evaluation: .explicitDeny),
        Case(
            testDescription: "an account the allowlist does not name",
            request: EngineFixtures.authz(
                EngineFixtures.signed(
                    host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/k", service: "s3", region: "eu-west-1",
                    key: "AKIARZPUZDIKGWNFC7AD")),
            reason: .accountNotAllowed, evaluation: .implicitDeny),
        Case(
            testDescription: "a request signed an hour ago",
            request: EngineFixtures.authz(
                EngineFixtures.signed(
                    host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/k", service: "s3", region: "eu-west-1",
                    time: EngineFixtures.signingTime - 3600)),
            reason: .clockSkew, evaluation: .explicitDeny),
        Case(
            testDescription: "a wrong signature of a known key",
            request: EngineFixtures.authz(
                EngineFixtures.signed(
                    host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/k", service: "s3", region: "eu-west-1",
                    key: "AKIAV7S32T2OSBFJQOIY", secret: "not-the-secret")),
            reason: .signatureMismatch, evaluation: .explicitDeny),
        Case(
            testDescription: "a host that is no AWS endpoint",
            request: EngineFixtures.authz(
                EngineFixtures.signed(host: "example.com", target: "/k", service: "s3", region: "eu-west-1")),
            reason: .unknownEndpoint, evaluation: .explicitDeny),
    ]

    @Test("mode: dry_run answers allow for every deny, with the would-be deny's words", arguments: cases)
    func dryRun(_ testCase: Case) throws {
        let enforced = try Self.engine(dryRun: false).decide(testCase.request)
        #expect(enforced.decision.outcome == .deny)
        #expect(enforced.decision.reason == testCase.reason, "\(enforced.decision)")

        let result = try Self.engine(dryRun: true).decide(testCase.request)
        let decision = result.decision
        #expect(decision.outcome == .wouldDeny, "\(decision)")
        #expect(decision.answer == .allow)
        #expect(decision.reason == enforced.decision.reason)
        #expect(decision.rule == enforced.decision.rule)
        #expect(decision.evaluation == testCase.evaluation)
        #expect(decision.message == enforced.decision.message + " (not enforced: mode: dry_run)")
        #expect(result.upstream == nil)
        #expect(DenyBody(denying: result) == nil)
        // The decision headers say would_deny, with the would-be deny's reason, rule and message.
        let headers = Dictionary(uniqueKeysWithValues: DecisionHeaders.fields(result).map { ($0.name, $0.value) })
        #expect(headers["x-sigv4-authz-decision"] == "would_deny")
        #expect(headers["x-sigv4-authz-reason"] == testCase.reason.rawValue)
        #expect(headers["x-sigv4-authz-message"] == "sigv4-authz: \(decision.message)")
        var http: [UInt8] = []
        DecisionHeaders.appendHTTP1(result, to: &http)
        #expect(String(decoding: http, as: UTF8.self).hasPrefix("x-sigv4-authz-decision: would_deny\r\n"))
        // The audit record: both writers, the same bytes.
        let json = AuditRecord(result).json
        var fast: [UInt8] = []
        AuditRecord.appendJSON(of: result, to: &fast)
        #expect(fast == Array(json.utf8))
        #expect(
            json.contains(
                "\"decision\":\"would_deny\",\"reason\":\"\(testCase.reason.rawValue)\"")
        )
        #expect(json.contains("\"evaluation\":\"\(testCase.evaluation.rawValue)\""))
    }

    @Test("mode: dry_run leaves an allow alone and a refusal a refusal")
    func allowAndRefusal() throws {
        let engine = try Self.engine(dryRun: true)
        let allowed = engine.decide(
            EngineFixtures.authz(
                EngineFixtures.signed(
                    host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/k", service: "s3", region: "eu-west-1")))
        #expect(allowed.decision.outcome == .allow, "\(allowed.decision)")
        #expect(allowed.decision.evaluation == .allowed)
        #expect(DecisionHeaders.decisionValue(allowed) == "allow")
        let refused = engine.refuse(Refusal(reason: .internalError, message: "unreadable", mode: .nginx))
        #expect(refused.decision.outcome == .deny)
        #expect(DenyBody(denying: refused) != nil)
    }

    @Test("a credential scope alone is decided under mode: dry_run too")
    func credentialScope() throws {
        let result = try Self.engine(dryRun: true).decide(
            credentialScope: "AKIARZPUZDIKGWNFC7AD/20260115/eu-west-1/s3/aws4_request", at: 0)
        #expect(result.decision.outcome == .wouldDeny)
        #expect(result.decision.reason == .accountNotAllowed)
    }

    // MARK: brokering

    static func brokering(_ extra: String, deletes: String = "") -> String {
        extra
            + BrokeringEngineTests.yaml.replacingOccurrences(
                of: "    actions: [\"s3:DeleteObject\"]\n", with: "    actions: [\"s3:DeleteObject\"]\n\(deletes)")
    }

    struct BrokeredCase: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var yaml: String
        var method: String
        var roles: Bool
        var reason: ReasonCode
        var message: String
    }

    static let brokeredCases: [BrokeredCase] = [
        BrokeredCase(
            testDescription: "dry run: a denied delete", yaml: brokering("mode: dry_run\n"), method: "DELETE",
            roles: true, reason: .deniedByRule, message: " (not enforced: mode: dry_run)"),
        BrokeredCase(
            testDescription: "enforce: false: a denied delete", yaml: brokering("", deletes: "    enforce: false\n"),
            method: "DELETE", roles: true, reason: .deniedByRule, message: " (not enforced: enforce: false)"),
        BrokeredCase(
            testDescription: "dry run: the role's credentials are not at hand", yaml: brokering("mode: dry_run\n"),
            method: "GET", roles: false, reason: .brokerUnavailable, message: " (not enforced: mode: dry_run)"),
    ]

    @Test("a brokered would_deny is never signed as the role", arguments: brokeredCases)
    func brokered(_ testCase: BrokeredCase) throws {
        let roles = BrokeringEngineTests.Roles(
            testCase.roles ? ["arn:aws:iam::123456789012:role/egress": BrokeringEngineTests.role] : [:])
        let engine = try BrokeringEngineTests.engine(roles, yaml: testCase.yaml)
        let result = BrokeringEngineTests.check(engine, method: testCase.method)
        #expect(result.decision.outcome == .wouldDeny, "\(result.decision)")
        #expect(result.decision.reason == testCase.reason)
        #expect(result.decision.message.hasSuffix(testCase.message))
        #expect(result.upstream == nil)
        #expect(result.brokeredRole == "arn:aws:iam::123456789012:role/egress")
        #expect(result.decision.answer == .allow)
        // The same request allowed (GET with credentials) is signed: the guard is the decision, not the mode.
        if testCase.roles {
            let allowed = BrokeringEngineTests.check(engine, method: "GET")
            #expect(allowed.decision.outcome == .allow, "\(allowed.decision)")
            #expect(allowed.upstream != nil)
        }
    }

    // MARK: identity

    struct IdentityCase: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var outcome: IdentityOutcome?
        var path: String
        var reason: ReasonCode
        var namesCaller: Bool
        var missing: [String] = []
    }

    static let identityCases: [IdentityCase] = [
        IdentityCase(
            testDescription: "a verified caller a deny statement denies",
            outcome: .verified(IdentityEngineTests.reader),
            path: "/admin/users", reason: .deniedByRule, namesCaller: true),
        IdentityCase(
            testDescription: "a verified caller nothing allows", outcome: .verified(IdentityEngineTests.reader),
            path: "/v2/orders", reason: .noMatchingRule, namesCaller: true),
        IdentityCase(
            testDescription: "a token STS refused", outcome: .refused("STS refused the token (HTTP 403)"),
            path: "/v1/orders/7", reason: .invalidToken, namesCaller: false),
        IdentityCase(
            testDescription: "STS unavailable", outcome: .unavailable("no answer in time"), path: "/v1/orders/7",
            reason: .identityUnavailable, namesCaller: false, missing: ["caller"]),
    ]

    @Test(
        "an identity host's would_deny names only a verified caller and removes the client's copies",
        arguments: identityCases)
    func identity(_ testCase: IdentityCase) throws {
        let yaml = "mode: dry_run\n" + IdentityEngineTests.yaml
        let engine = try IdentityEngineTests.engine(IdentityEngineTests.Identities(), yaml: yaml)
        let request = IdentityEngineTests.request(
            IdentityEngineTests.bearer(try IdentityEngineTests.token())
                + [("x-sigv4-authz-principal-arn", "arn:aws:iam::999999999999:role/forged")],
            target: testCase.path)
        // The first decision waits for STS (dry run or not); the decision with STS's answer is the one.
        // (A path no statement could allow is denied before STS is asked: the offline gate.)
        let first = engine.decide(request)
        #expect((first.pendingIdentity != nil) == testCase.path.hasPrefix("/v1/"))
        #expect(first.decision.outcome == .wouldDeny)
        let outcome = try #require(testCase.outcome)
        let result = engine.decide(request, verified: outcome)
        #expect(result.decision.outcome == .wouldDeny, "\(result.decision)")
        #expect(result.decision.reason == testCase.reason)
        #expect(result.decision.missing.names == testCase.missing)
        let upstream = try #require(result.upstream)
        #expect(upstream.roleARN == nil)
        #expect(upstream.setQueryParameters.isEmpty)
        let set = upstream.setHeaders.map { "\($0.name)=\($0.value)" }
        if testCase.namesCaller {
            #expect(set.contains("x-sigv4-authz-principal-arn=\(IdentityEngineTests.reader.arn)"))
            #expect(!upstream.removeHeaders.contains("x-sigv4-authz-principal-arn"))
        } else {
            #expect(set.isEmpty)
            #expect(
                Set(upstream.removeHeaders).isSuperset(of: [
                    "x-sigv4-authz-principal-arn", "x-sigv4-authz-principal-account", "x-sigv4-authz-principal-user-id",
                ]))
        }
        #expect(upstream.removeHeaders.contains("authorization"))
    }

    @Test("without mode: dry_run an identity deny has no rewrite")
    func identityEnforced() throws {
        let engine = try IdentityEngineTests.engine(IdentityEngineTests.Identities())
        let request = IdentityEngineTests.request(
            IdentityEngineTests.bearer(try IdentityEngineTests.token()), target: "/admin/users")
        let result = engine.decide(request, verified: .verified(IdentityEngineTests.reader))
        #expect(result.decision.outcome == .deny)
        #expect(result.upstream == nil)
    }
}
