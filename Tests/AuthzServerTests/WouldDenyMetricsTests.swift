import AWSClassifier
import AuthzCore
import AuthzFixtures
import AuthzServer
import Policy
import SigV4
import Testing

/// The live authorizer counts a `would_deny` under its own decision word and audits it as a denial
/// (never sampled away by `audit.allow`).
@Suite("would_deny in the metrics and the audit selection")
struct WouldDenyMetricsTests {
    static func dryRunEngine() throws -> AuthzEngine {
        let config = try PolicyConfig.parse("mode: dry_run\n" + EngineFixtures.yaml, path: "test.yaml")
        let keys = try KeyStore(
            config: config,
            environment: ["PARTNER_SECRET": EngineFixtures.secret, "STRICT_SECRET": EngineFixtures.secret])
        return AuthzEngine(
            policy: try CompiledPolicy(config), classifier: RequestClassifier(model: try EngineFixtures.model.get()),
            keys: keys, now: { (EngineFixtures.signingTime + 60) * 1000 })
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var allow: ServerConfiguration.AuditMode
        var deny: ServerConfiguration.AuditMode
        var audited: Bool
    }

    static let cases: [Case] = [
        Case(testDescription: "allow: none, deny: all — audited", allow: .none, deny: .all, audited: true),
        Case(testDescription: "allow: all, deny: none — not audited", allow: .all, deny: .none, audited: false),
    ]

    @Test("a would_deny is counted as would_deny and audited by audit.deny", arguments: cases)
    func wouldDeny(_ testCase: Case) throws {
        let sink = LiveAuthorizerTests.RecordingSink()
        let metrics = ServerMetrics(version: "test")
        var audit = ServerConfiguration.Audit()
        audit.allow = testCase.allow
        audit.deny = testCase.deny
        let authorizer = LiveAuthorizer(
            engine: try Self.dryRunEngine(), audit: audit, path: "test.yaml", metrics: metrics, sink: sink)
        let result = authorizer.check(LiveAuthorizerTests.deniedRequest())
        #expect(result.decision.outcome == .wouldDeny)
        #expect(sink.records.count == (testCase.audited ? 1 : 0))
        if testCase.audited { #expect(sink.records[0].contains(#""decision":"would_deny""#)) }
        let text = metrics.render()
        #expect(
            text.contains(
                #"sigv4authz_decisions_total{decision="would_deny",reason="region_not_allowed",mode="grpc"} 1"#),
            "\(text)")
        #expect(text.contains(#"sigv4authz_rule_decisions_total{rule="default",decision="would_deny"} 1"#), "\(text)")
        #expect(!text.contains(#"decision="deny""#))
    }
}
