import AWSClassifier
import AuthzFixtures
import Policy
import SigV4
import Synchronization
import Testing

@testable import AuthzCore

/// The decision core with brokering: a virtual key's request is verified, decided as its role's
/// account, and signed again with the role's credentials; an unsigned request to a `sign_unsigned`
/// host is signed as its role; missing credentials deny `broker_unavailable`.
@Suite struct BrokeringEngineTests {
    /// Derives to 123456789012.
    static let virtualKey = "AKIARZPUZDIKGWNFC7AD"
    static let virtualSecret = "vIrTuAlSeCrEt/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let yaml = """
        brokering:
          virtual_keys:
            - access_key_id: \(virtualKey)
              secret_env: VIRTUAL_SECRET
              role: "arn:aws:iam::{account}:role/egress"
          sign_unsigned:
            - hosts: ["a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"]
              role: arn:aws:iam::123456789012:role/api-caller
            - hosts: ["search-logs-*.eu-west-1.es.amazonaws.com"]
              role: arn:aws:iam::123456789012:role/opensearch
        accounts:
          "123456789012":
            name: orders
            regions:
              eu-west-1: { services: [s3, dynamodb, sqs, es] }
        rules:
          - name: orders-api
            effect: allow
            hosts: ["a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"]
          - name: logs-search
            effect: allow
            hosts: ["search-logs-abc123.eu-west-1.es.amazonaws.com"]
            actions: ["es:ESHttpGet", "es:ESHttpPost"]
          - name: no-deletes
            effect: deny
            actions: ["s3:DeleteObject"]
        default: deny
        """

    /// A role credential source answering from a table, counting the questions.
    final class Roles: RoleCredentialSource {
        let table: [String: SigningCredentials]
        let asked = Mutex(0)
        let used = Mutex<Set<RoleTarget>>([])
        init(_ table: [String: SigningCredentials]) { self.table = table }
        func credentials(for target: RoleTarget) -> SigningCredentials? {
            asked.withLock { $0 += 1 }
            return table[target.roleARN]
        }
        func use(_ targets: Set<RoleTarget>) { used.withLock { $0 = targets } }
    }

    static let now = EngineFixtures.signingTime + 60
    static let role = SigningCredentials(
        accessKeyID: "ASIAR5FOWOULMEXAMPLE", secretAccessKey: "rOlEsEcReT", sessionToken: "role-token",
        expiration: now + 3600)

    static func engine(_ roles: Roles, yaml: String = yaml) throws -> AuthzEngine {
        let config = try PolicyConfig.parse(yaml, path: "brokering.yaml")
        let keys = try KeyStore(config: config, environment: ["VIRTUAL_SECRET": virtualSecret])
        return AuthzEngine(
            policy: try CompiledPolicy(config), classifier: RequestClassifier(model: try EngineFixtures.model.get()),
            keys: keys, roleCredentials: { roles.credentials(for: $0) }, now: { now * 1000 })
    }

    static func check(
        _ engine: AuthzEngine, method: String = "GET", host: String = "prod-data.s3.eu-west-1.amazonaws.com",
        target: String = "/k.txt", service: String = "s3", key: String = virtualKey, secret: String = virtualSecret,
        headers: [(String, String)] = [], body: [UInt8] = [], unsigned: Bool = false
    ) -> CheckResult {
        if unsigned {
            return engine.check(
                AuthzRequest(
                    method: method, host: host, target: target, headers: headers.map { HeaderField($0.0, $0.1) },
                    body: .complete(body), mode: .grpc))
        }
        let signed = EngineFixtures.signed(
            method: method, host: host, target: target, service: service, region: "eu-west-1", key: key,
            secret: secret, headers: headers, body: body)
        return engine.check(EngineFixtures.authz(signed))
    }

    @Test func aVirtualKeysAllowedRequestIsSignedAgainAsTheRole() throws {
        let roles = Roles(["arn:aws:iam::123456789012:role/egress": Self.role])
        let result = Self.check(try Self.engine(roles))
        #expect(result.decision.effect == .allow, "\(result.decision)")
        #expect(result.signature == .verified)
        #expect(result.account?.description == "123456789012")
        #expect(result.brokeredRole == "arn:aws:iam::123456789012:role/egress")
        let upstream = try #require(result.upstream)
        let names = upstream.setHeaders.map { $0.name.lowercased() }
        #expect(
            names == [
                "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "authorization",
                "x-amz-expected-bucket-owner",
            ])
        #expect(upstream.setHeaders.contains { $0.name == "X-Amz-Security-Token" && $0.value == "role-token" })
        #expect(upstream.setHeaders.contains { $0.value == "123456789012" })
        let authorization = try #require(upstream.setHeaders.first { $0.name == "Authorization" })
        #expect(
            authorization.value.hasPrefix("AWS4-HMAC-SHA256 Credential=ASIAR5FOWOULMEXAMPLE/20260115/eu-west-1/s3/"))
        #expect(roles.asked.withLock { $0 } == 1)
    }

    @Test func aWrongVirtualSecretIsDeniedAndNoCredentialsAreAskedFor() throws {
        let roles = Roles(["arn:aws:iam::123456789012:role/egress": Self.role])
        let result = Self.check(try Self.engine(roles), secret: "not-the-secret")
        #expect(result.decision.reason == .signatureMismatch)
        #expect(result.upstream == nil)
        #expect(roles.asked.withLock { $0 } == 0)
    }

    @Test func aPolicyDenyIsNotSignedAndAsksForNothing() throws {
        let roles = Roles(["arn:aws:iam::123456789012:role/egress": Self.role])
        let result = Self.check(try Self.engine(roles), method: "DELETE")
        #expect(result.decision.reason == .deniedByRule)
        #expect(result.upstream == nil)
        #expect(result.brokeredRole == "arn:aws:iam::123456789012:role/egress")
        #expect(roles.asked.withLock { $0 } == 0)
    }

    @Test func missingRoleCredentialsDenyBrokerUnavailable() throws {
        let result = Self.check(try Self.engine(Roles([:])))
        #expect(result.decision.effect == .deny)
        #expect(result.decision.reason == .brokerUnavailable)
        #expect(result.decision.message.contains("arn:aws:iam::123456789012:role/egress"))
        #expect(result.upstream == nil)
    }

    @Test func expiredRoleCredentialsDenyBrokerUnavailable() throws {
        var expired = Self.role
        expired.expiration = Self.now - 1
        let result = Self.check(try Self.engine(Roles(["arn:aws:iam::123456789012:role/egress": expired])))
        #expect(result.decision.reason == .brokerUnavailable)
    }

    @Test func anOrdinaryKeyIsNotBrokered() throws {
        let roles = Roles(["arn:aws:iam::123456789012:role/egress": Self.role])
        // A real key of the same account (its secret unknown): decided as today, never signed again.
        let result = Self.check(try Self.engine(roles), key: "AKIARZPUZDIKCEAQEAYE", secret: "whatever")
        #expect(result.decision.effect == .allow, "\(result.decision)")
        #expect(result.upstream == nil)
        #expect(result.brokeredRole == nil)
        #expect(roles.asked.withLock { $0 } == 0)
    }

    @Test func dynamoDBIsSignedOverItsBody() throws {
        let roles = Roles(["arn:aws:iam::123456789012:role/egress": Self.role])
        let body = Array(#"{"TableName":"orders","Key":{"id":{"S":"1"}}}"#.utf8)
        let result = Self.check(
            try Self.engine(roles), method: "POST", host: "dynamodb.eu-west-1.amazonaws.com", target: "/",
            service: "dynamodb",
            headers: [
                ("X-Amz-Target", "DynamoDB_20120810.GetItem"), ("Content-Type", "application/x-amz-json-1.0"),
            ], body: body)
        #expect(result.decision.effect == .allow, "\(result.decision)")
        let upstream = try #require(result.upstream)
        #expect(!upstream.setHeaders.contains { $0.name.lowercased() == "x-amz-expected-bucket-owner" })
        #expect(!upstream.setHeaders.contains { $0.name.lowercased() == "x-amz-content-sha256" })
    }

    @Test func anUnsignedRequestToASignUnsignedHostIsSignedAsItsRole() throws {
        let roles = Roles(["arn:aws:iam::123456789012:role/api-caller": Self.role])
        let result = Self.check(
            try Self.engine(roles), method: "POST", host: "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com",
            target: "/prod/orders", headers: [("content-type", "application/json")],
            body: Array(#"{"id":42}"#.utf8), unsigned: true)
        #expect(result.decision.effect == .allow, "\(result.decision)")
        #expect(result.account?.description == "123456789012")
        #expect(result.brokeredRole == "arn:aws:iam::123456789012:role/api-caller")
        #expect(result.decision.rule == "orders-api")
        let authorization = try #require(result.upstream?.setHeaders.first { $0.name == "Authorization" })
        #expect(authorization.value.contains("/eu-west-1/execute-api/aws4_request"))
    }

    @Test func anUnsignedRequestToAnotherHostIsStillRefused() throws {
        let result = Self.check(
            try Self.engine(Roles([:])), host: "zzzzzzzzzz.execute-api.eu-west-1.amazonaws.com", target: "/x",
            unsigned: true)
        #expect(result.decision.reason == .noCredentials)
        #expect(result.upstream == nil)
    }

    @Test func theAuditRecordNamesTheRoleAndNoSecret() throws {
        let roles = Roles(["arn:aws:iam::123456789012:role/egress": Self.role])
        let result = Self.check(try Self.engine(roles))
        var bytes: [UInt8] = []
        AuditRecord.appendJSON(of: result, to: &bytes)
        let fast = String(decoding: bytes, as: UTF8.self)
        #expect(fast == AuditRecord(result).json)
        #expect(
            fast.contains(#""signature":"verified","brokered":true,"role":"arn:aws:iam::123456789012:role/egress"}"#))
        #expect(!fast.contains("role-token"))
        #expect(!fast.contains("Credential="))
        #expect(!fast.contains("rOlEsEcReT"))
    }

    @Test func theEngineNamesEveryRoleItSignsAs() throws {
        let engine = try Self.engine(Roles([:]))
        #expect(
            Set(engine.roleTargets.map(\.roleARN)) == [
                "arn:aws:iam::123456789012:role/egress", "arn:aws:iam::123456789012:role/api-caller",
                "arn:aws:iam::123456789012:role/opensearch",
            ])
    }

    @Test(arguments: [
        (header: "x-amz-expected-bucket-owner", listed: false, allowed: false),
        (header: "x-amz-expected-bucket-owner", listed: true, allowed: true),
        (header: "x-amz-source-expected-bucket-owner", listed: false, allowed: false),
        (header: "x-amz-source-expected-bucket-owner", listed: true, allowed: true),
    ])
    func namingAnotherBucketOwnerNeedsS3BucketOwners(header: String, listed: Bool, allowed: Bool) throws {
        let roles = Roles(["arn:aws:iam::123456789012:role/egress": Self.role])
        let yaml = listed ? Self.yaml + "\ns3:\n  bucket_owners: [\"999999999999\", orders]\n" : Self.yaml
        var headers = [(header, "999999999999")]
        if header.contains("source") { headers.append(("x-amz-copy-source", "/other-bucket/k")) }
        let result = Self.check(try Self.engine(roles, yaml: yaml), method: "PUT", headers: headers)
        if allowed {
            #expect(result.decision.effect == .allow, "\(result.decision)")
            let set = result.upstream?.setHeaders ?? []
            // The client's own owner header stays (inside the new signature); the role's is added only
            // when the request names none.
            #expect(set.contains { $0.name == "x-amz-expected-bucket-owner" } == header.contains("source"))
        } else {
            #expect(result.decision.reason == .resourceOwnerNotAllowed, "\(result.decision)")
            #expect(result.decision.message.contains("999999999999"))
            #expect(result.upstream == nil)
        }
    }

    @Test func aVirtualKeysRequestThatCannotBeVerifiedIsNotResignableNotAMismatch() throws {
        let roles = Roles(["arn:aws:iam::123456789012:role/egress": Self.role])
        let signed = EngineFixtures.signed(
            method: "POST", host: "dynamodb.eu-west-1.amazonaws.com", target: "/", service: "dynamodb",
            region: "eu-west-1", key: Self.virtualKey, secret: Self.virtualSecret,
            headers: [("X-Amz-Target", "DynamoDB_20120810.GetItem"), ("Content-Type", "application/x-amz-json-1.0")],
            body: Array(#"{"TableName":"orders"}"#.utf8))
        // nginx: no body.
        let result = try Self.engine(roles).check(EngineFixtures.authz(signed, withBody: false, mode: .nginx))
        #expect(result.decision.reason == .notResignable, "\(result.decision)")
        #expect(result.decision.message.contains("with_request_body"))
        #expect(result.brokeredRole == "arn:aws:iam::123456789012:role/egress")
        #expect(roles.asked.withLock { $0 } == 0)
    }

    @Test func anUnsignedOpenSearchSearchIsSignedAsItsRole() throws {
        let roles = Roles(["arn:aws:iam::123456789012:role/opensearch": Self.role])
        let engine = try Self.engine(roles)
        let result = Self.check(
            engine, method: "POST", host: "search-logs-abc123.eu-west-1.es.amazonaws.com", target: "/logs/_search",
            headers: [("content-type", "application/json")], body: Array(#"{"query":{"match_all":{}}}"#.utf8),
            unsigned: true)
        #expect(result.decision.effect == .allow, "\(result.decision)")
        #expect(result.decision.rule == "logs-search")
        #expect(result.action == "es:ESHttpPost")
        let authorization = try #require(result.upstream?.setHeaders.first { $0.name == "Authorization" })
        #expect(authorization.value.contains("/eu-west-1/es/aws4_request"))
        // A method the rule does not allow is denied, and nothing is signed.
        let delete = Self.check(
            engine, method: "DELETE", host: "search-logs-abc123.eu-west-1.es.amazonaws.com", target: "/logs",
            unsigned: true)
        #expect(delete.decision.effect == .deny)
        #expect(delete.upstream == nil)
    }
}
