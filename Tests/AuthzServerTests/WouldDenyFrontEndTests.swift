import AWSClassifier
import AuthzCore
import AuthzFixtures
import AuthzSquid
import Foundation
import Policy
import SigV4
import Testing

@testable import AuthzGRPC
@testable import AuthzHTTP

/// Every front end answers a `would_deny` (a deny not enforced: `mode: dry_run`, `enforce: false`) as
/// an allow, with the decision word and the would-be deny's reason, rule and message: gRPC OK, HTTP
/// 200 without a deny body, Squid `OK`. (ICAP: ICAPHandlerTests.)
@Suite("would_deny at the front ends")
struct WouldDenyFrontEndTests {
    /// The fixtures' policy in dry run; the request reads a secret, which no-secret-reads denies.
    static func wouldDeny() throws -> CheckResult {
        let config = try PolicyConfig.parse("mode: dry_run\n" + EngineFixtures.yaml, path: "test.yaml")
        let keys = try KeyStore(
            config: config,
            environment: ["PARTNER_SECRET": EngineFixtures.secret, "STRICT_SECRET": EngineFixtures.secret])
        let engine = AuthzEngine(
            policy: try CompiledPolicy(config), classifier: RequestClassifier(model: try EngineFixtures.model.get()),
            keys: keys, now: { (EngineFixtures.signingTime + 60) * 1000 })
        let signed = EngineFixtures.signed(
            method: "POST", host: "secretsmanager.eu-west-1.amazonaws.com", service: "secretsmanager",
            region: "eu-west-1",
            headers: [
                ("x-amz-target", "secretsmanager.GetSecretValue"), ("content-type", "application/x-amz-json-1.1"),
            ], body: Array("{\"SecretId\":\"db\"}".utf8))
        let result = engine.decide(EngineFixtures.authz(signed))
        #expect(result.decision.outcome == .wouldDeny, "\(result.decision)")
        return result
    }

    @Test("gRPC: status OK with ok_response, the decision headers say would_deny")
    func grpc() throws {
        let result = try Self.wouldDeny()
        let response = AuthorizationService.encode(result, clientDecisionHeaders: ["x-sigv4-authz-decision"])
        #expect(response.status.code == 0)
        guard case .okResponse = response.httpResponse else {
            Issue.record("not an ok_response: \(response)")
            return
        }
        let headers = Dictionary(
            response.okResponse.headers.map { ($0.header.key, $0.header.value) }, uniquingKeysWith: { $1 })
        #expect(headers["x-sigv4-authz-decision"] == "would_deny")
        #expect(headers["x-sigv4-authz-reason"] == "denied_by_rule")
        #expect(headers["x-sigv4-authz-rule"] == "no-secret-reads")
        #expect(headers["x-sigv4-authz-message"]?.hasSuffix("(not enforced: mode: dry_run)") == true)
        // A client's forged decision header is overwritten, not kept.
        #expect(response.okResponse.headersToRemove.isEmpty)
    }

    @Test("HTTP (Envoy HTTP mode, nginx, h2c): 200, no deny body, the decision headers say would_deny")
    func http() throws {
        let answer = HTTPAnswer(try Self.wouldDeny())
        #expect(answer.status == 200)
        #expect(answer.body == nil)
        var headers: [String: String] = [:]
        answer.forEachHeader { headers[$0] = $1 }
        #expect(headers["x-sigv4-authz-decision"] == "would_deny")
        #expect(headers["x-sigv4-authz-message"] != nil)
        #expect(headers["content-type"] == nil)
    }

    @Test("Squid helper: OK with decision=would_deny")
    func squid() throws {
        let reply = SquidHelperCodec.reply(channel: "7", result: try Self.wouldDeny())
        #expect(reply.hasPrefix("7 OK message="), "\(reply)")
        #expect(reply.contains(" decision=would_deny"), "\(reply)")
        #expect(reply.contains(" reason=denied_by_rule"), "\(reply)")
        #expect(reply.contains(" rule=no-secret-reads"), "\(reply)")
    }
}
