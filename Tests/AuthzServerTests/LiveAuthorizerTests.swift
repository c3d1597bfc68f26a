import AWSClassifier
import AuthzCore
import AuthzFixtures
import AuthzServer
import CoreMetrics
import Foundation
import IAMIdentity
import Policy
import SigV4
import Synchronization
import Testing

/// The live authorizer: one place for the configuration in force, timing, metrics and the audit log.
@Suite("Live authorizer")
struct LiveAuthorizerTests {
    /// Keeps every record it is given.
    final class RecordingSink: AuditSink {
        let lines = Mutex<[String]>([])
        func record(_ line: String) { lines.withLock { $0.append(line) } }
        var records: [String] { lines.withLock { $0 } }
    }

    static func allowedRequest() -> AuthzRequest {
        EngineFixtures.authz(
            EngineFixtures.signed(
                host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/k.txt", service: "s3", region: "eu-west-1"))
    }

    static func deniedRequest() -> AuthzRequest {
        EngineFixtures.authz(
            EngineFixtures.signed(
                host: "prod-data.s3.us-west-2.amazonaws.com", target: "/k.txt", service: "s3", region: "us-west-2"))
    }

    @Test("every check is decided by the engine in force, counted, timed and audited once")
    func checkIsCountedAndAudited() throws {
        let sink = RecordingSink()
        let metrics = ServerMetrics(version: "test")
        let authorizer = LiveAuthorizer(
            engine: try EngineFixtures.engine(), audit: ServerConfiguration.Audit(), path: "test.yaml",
            metrics: metrics,
            sink: sink)
        let allowed = authorizer.check(Self.allowedRequest())
        let denied = authorizer.check(Self.deniedRequest())
        let refused = authorizer.refuse(Refusal(reason: .internalError, message: "unreadable", mode: .nginx))
        #expect(allowed.decision.reason == .allowed)
        #expect(denied.decision.reason == .regionNotAllowed)
        #expect(refused.decision.reason == .internalError)
        #expect(sink.records.count == 3)
        #expect(sink.records[0] == AuditRecord(allowed).json)
        #expect(sink.records[2].contains(#""reason":"internal_error""#))
        let text = metrics.render()
        #expect(
            text.contains(#"sigv4authz_decisions_total{decision="allow",reason="allowed",mode="grpc"} 1"#), "\(text)")
        #expect(
            text.contains(#"sigv4authz_decisions_total{decision="deny",reason="region_not_allowed",mode="grpc"} 1"#))
        #expect(text.contains(#"sigv4authz_decisions_total{decision="deny",reason="internal_error",mode="nginx"} 1"#))
        // By rule: the allowlist entry that allowed, the default that denied, none for a refusal.
        #expect(
            text.contains(
                #"sigv4authz_rule_decisions_total{rule="accounts[\"171436882533\"].regions[\"eu-west-1\"]",decision="allow"} 1"#
            ), "\(text)")
        #expect(text.contains(#"sigv4authz_rule_decisions_total{rule="default",decision="deny"} 1"#))
        #expect(text.contains(#"sigv4authz_rule_decisions_total{rule="none",decision="deny"} 1"#))
        // Every check is observed once in the duration histogram (a refusal takes no time).
        #expect(text.contains("sigv4authz_check_duration_seconds_count 3"), "\(text)")
        #expect(text.contains("sigv4authz_checks_in_flight 0.0"))
    }

    /// Verifies every token after a delay, counting the verifications.
    final class SlowIdentities: CallerIdentitySource {
        let verifications = Mutex(0)
        func cached(_ token: IdentityToken) -> IdentityOutcome? { nil }
        func verify(_ token: IdentityToken) async -> IdentityOutcome {
            verifications.withLock { $0 += 1 }
            try? await Task.sleep(for: .milliseconds(50))
            return .verified(
                CallerIdentity(arn: "arn:aws:iam::411435703965:role/reader", account: "411435703965", userID: "AROAX"))
        }
    }

    @Test("a check waiting for STS is decided again with its answer, counted, timed and audited once")
    func pendingIdentity() async throws {
        let sink = RecordingSink()
        let metrics = ServerMetrics(version: "test")
        let identities = SlowIdentities()
        let config = try PolicyConfig.parse(
            """
            identity: { audience: orders, hosts: [orders.internal] }
            rules:
              - { name: readers, effect: allow, principals_arn: ["arn:aws:iam::411435703965:role/*"] }
            """, path: "identity.yaml")
        let engine = AuthzEngine(
            policy: try CompiledPolicy(config), classifier: RequestClassifier(model: try EngineFixtures.model.get()),
            identities: identities, now: { (EngineFixtures.signingTime + 60) * 1000 })
        let authorizer = LiveAuthorizer(
            engine: engine, audit: ServerConfiguration.Audit(), path: "identity.yaml", metrics: metrics, sink: sink)
        let token = try IdentityTokenMinter.mint(
            credentials: SigningCredentials(
                accessKeyID: "AKIAV7S32T2OSBFJQOIY", secretAccessKey: EngineFixtures.secret),
            audience: "orders", region: "eu-west-1",
            timestamp: AmzTimestamp(secondsSinceEpoch: EngineFixtures.signingTime))
        let request = AuthzRequest(
            method: "GET", host: "orders.internal", target: "/v1/x",
            headers: [HeaderField("host", "orders.internal"), HeaderField("authorization", "Bearer \(token)")],
            body: .absent, mode: .grpc)
        guard case .later(let pending) = authorizer.answer(request) else {
            Issue.record("a token not verified yet was decided at once")
            return
        }
        #expect(sink.records.isEmpty)
        #expect(metrics.render().contains("sigv4authz_checks_in_flight 1.0"))
        let result = await pending.result()
        #expect(result.decision.reason == .allowed, "\(result.decision)")
        #expect(result.latencyMicroseconds >= 50_000)
        #expect(identities.verifications.withLock { $0 } == 1)
        #expect(sink.records == [AuditRecord(result).json])
        let text = metrics.render()
        #expect(
            text.contains(#"sigv4authz_decisions_total{decision="allow",reason="allowed",mode="grpc"} 1"#), "\(text)")
        #expect(text.contains("sigv4authz_checks_in_flight 0.0"))
    }

    @Test("the STS timers have buckets up to 60 s, the check histogram up to 250 ms")
    func stsBuckets() {
        let metrics = ServerMetrics(version: "test")
        let timer = CoreMetrics.Timer(
            label: "sigv4authz_identity_sts_seconds", dimensions: [], factory: metrics.factory)
        timer.recordNanoseconds(3_000_000_000)
        let text = metrics.render()
        #expect(text.contains(#"sigv4authz_identity_sts_seconds_bucket{le="2.5"} 0"#), "\(text)")
        #expect(text.contains(#"sigv4authz_identity_sts_seconds_bucket{le="5.0"} 1"#), "\(text)")
        #expect(text.contains(#"sigv4authz_identity_sts_seconds_bucket{le="60.0"} 1"#), "\(text)")
        #expect(text.contains(#"sigv4authz_check_duration_seconds_bucket{le="0.25"} 0"#), "\(text)")
    }

    @Test("a provisional decision is neither counted nor audited until it is settled, then once")
    func provisionalThenSettled() throws {
        let sink = RecordingSink()
        let metrics = ServerMetrics(version: "test")
        let authorizer = LiveAuthorizer(
            engine: try EngineFixtures.engine(), audit: ServerConfiguration.Audit(), path: "test.yaml",
            metrics: metrics, sink: sink)
        let provisional = authorizer.provisional(Self.allowedRequest())
        #expect(provisional.decision.reason == .allowed)
        #expect(sink.records.isEmpty)
        #expect(!metrics.render().contains("sigv4authz_decisions_total{"))
        authorizer.settle(provisional)
        #expect(sink.records == [AuditRecord(provisional).json])
        #expect(
            metrics.render().contains(#"sigv4authz_decisions_total{decision="allow",reason="allowed",mode="grpc"} 1"#))
    }

    @Test("the audit settings decide which records are kept: audit.allow none keeps only denials")
    func auditSelection() throws {
        let sink = RecordingSink()
        let yaml = EngineFixtures.yaml + "\naudit:\n  allow: none\n"
        let config = try ConfigurationFile.parse(yaml, path: "test.yaml")
        let engine = try PolicyLoader.engine(
            for: config, model: EngineFixtures.model.get(),
            environment: ["PARTNER_SECRET": EngineFixtures.secret, "STRICT_SECRET": EngineFixtures.secret],
            now: { (EngineFixtures.signingTime + 60) * 1000 })
        let authorizer = LiveAuthorizer(
            engine: engine, audit: config.server.audit, path: "test.yaml", metrics: ServerMetrics(version: "test"),
            sink: sink)
        _ = authorizer.check(Self.allowedRequest())
        _ = authorizer.check(Self.deniedRequest())
        #expect(sink.records.count == 1)
        #expect(sink.records.first?.contains(#""decision":"deny""#) == true)
    }

    @Test("a reload swaps the snapshot: later checks use the new engine, the generation counts up")
    func replace() throws {
        let metrics = ServerMetrics(version: "test")
        let authorizer = LiveAuthorizer(
            engine: try EngineFixtures.engine(), audit: ServerConfiguration.Audit(), path: "first.yaml",
            metrics: metrics, sink: nil)
        #expect(authorizer.snapshot.generation == 1)
        #expect(authorizer.check(Self.allowedRequest()).decision.effect == .allow)

        let denyAll = try PolicyConfig.parse("default: deny\n", path: "second.yaml")
        let engine = try PolicyLoader.engine(
            for: denyAll, model: EngineFixtures.model.get(), now: { (EngineFixtures.signingTime + 60) * 1000 })
        #expect(authorizer.replace(with: engine, audit: ServerConfiguration.Audit(), path: "second.yaml") == 2)
        #expect(authorizer.snapshot.path == "second.yaml")
        #expect(authorizer.check(Self.allowedRequest()).decision.reason == .noMatchingRule)
        #expect(metrics.render().contains("sigv4authz_config_generation 2"))
    }
}
