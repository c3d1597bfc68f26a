import AWSClassifier
import AuthzCore
import AuthzFixtures
import Foundation
import Policy
import SigV4
import Testing

/// The decision core end to end (without a transport): every reason code, headers, deny bodies and
/// audit records.
@Suite("Decision core")
struct AuthzEngineTests {
    static let signingTime = EngineFixtures.signingTime
    static let secret = EngineFixtures.secret
    static let sessionToken = EngineFixtures.sessionToken
    static let yaml = EngineFixtures.yaml
    static let model = try? EngineFixtures.model.get()

    static func engine(legacy: String = "deny", requireSignature: Bool = true) throws -> AuthzEngine {
        try EngineFixtures.engine(legacy: legacy, requireSignature: requireSignature)
    }

    static func signed(
        method: String = "GET", host: String, target: String = "/", service: String, region: String,
        key: String = "AKIASP2TPHJSQH3FJRUX", secret: String = secret, token: String? = nil,
        headers: [(String, String)] = [], body: [UInt8] = [], time: Int64 = signingTime
    ) -> (SigV4Request, [UInt8]) {
        EngineFixtures.signed(
            method: method, host: host, target: target, service: service, region: region, key: key, secret: secret,
            token: token, headers: headers, body: body, time: time)
    }

    static func authz(_ signed: (SigV4Request, [UInt8]), withBody: Bool = true, mode: AuthzMode = .grpc) -> AuthzRequest
    {
        EngineFixtures.authz(signed, withBody: withBody, mode: mode)
    }

    static let sts = ("POST", "sts.eu-west-1.amazonaws.com", "sts", "eu-west-1")
    static let form = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
    static let callerIdentity = Array("Action=GetCallerIdentity&Version=2011-06-15".utf8)

    struct Case: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var request: AuthzRequest
        var reason: ReasonCode
        var engineOptions: [String] = []
    }

    static var cases: [Case] {
        let s3Get = signed(
            host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/k.txt", service: "s3", region: "eu-west-1")
        var unsigned = authz(s3Get)
        unsigned.headers.removeAll { $0.name == "Authorization" }
        var malformed = authz(s3Get)
        malformed.headers = malformed.headers.map {
            $0.name == "Authorization" ? HeaderField("Authorization", $0.value + ", Signature=00") : $0
        }
        var sigV2 = authz(s3Get)
        sigV2.headers = sigV2.headers.map {
            $0.name == "Authorization" ? HeaderField("Authorization", "AWS AKIASP2TPHJSQH3FJRUX:c2lnbmF0dXJl") : $0
        }
        let legacy = signed(
            host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/k", service: "s3", region: "eu-west-1",
            key: "AKIAIOSFODNN7EXAMPLE")
        let old = signed(
            host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/k", service: "s3", region: "eu-west-1",
            time: signingTime - 3600)
        let future = signed(
            host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/k", service: "s3", region: "eu-west-1",
            time: signingTime + 3600)
        let presignedExpired = AuthzRequest(
            method: "GET", host: "s3.amazonaws.com",
            target:
                "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIASP2TPHJSQH3FJRUX%2F20260115%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260115T120000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=\(String(repeating: "ab", count: 32))",
            headers: [], mode: .nginx)
        let presignedFuture = AuthzRequest(
            method: "GET", host: "s3.amazonaws.com",
            target:
                "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIASP2TPHJSQH3FJRUX%2F20260115%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260115T140000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=\(String(repeating: "ab", count: 32))",
            headers: [], mode: .nginx)
        let wrongRegion = signed(host: "dynamodb.us-east-1.amazonaws.com", service: "dynamodb", region: "eu-west-1")
        let attacker = signed(host: "s3.attacker.example", target: "/b/k", service: "s3", region: "eu-west-1")
        let forged = signed(
            method: "POST", host: "sts.eu-west-1.amazonaws.com", service: "sts", region: "eu-west-1",
            key: "AKIAV7S32T2OSBFJQOIY",
            secret: "not-the-secret", headers: form, body: callerIdentity)
        let strictNoBody = signed(
            method: "POST", host: "sts.eu-west-1.amazonaws.com", service: "sts", region: "eu-west-1",
            key: "ASIAQNZGKIQY56JQ7WML",
            headers: form + [("Content-Length", "\(callerIdentity.count)")], body: callerIdentity)
        let decoy = signed(
            method: "POST", host: "sts.eu-west-1.amazonaws.com", service: "sts", region: "eu-west-1",
            headers: form + [("X-Amz-Target", "DynamoDB_20120810.PutItem")], body: callerIdentity)
        let otherAccount = signed(
            method: "POST", host: "sts.eu-west-1.amazonaws.com", service: "sts", region: "eu-west-1",
            key: "ASIAY34FZKBOKMUTVV7A", headers: form, body: callerIdentity)
        let otherRegion = signed(
            host: "prod-data.s3.us-west-2.amazonaws.com", target: "/k", service: "s3", region: "us-west-2")
        let otherService = signed(
            host: "ec2.eu-west-1.amazonaws.com", target: "/?Action=DescribeInstances&Version=2016-11-15",
            service: "ec2", region: "eu-west-1")
        let secretRead = signed(
            method: "POST", host: "secretsmanager.eu-west-1.amazonaws.com", service: "secretsmanager",
            region: "eu-west-1",
            key: "AKIAV7S32T2OSBFJQOIY",
            headers: [
                ("X-Amz-Target", "secretsmanager.GetSecretValue"), ("Content-Type", "application/x-amz-json-1.1"),
            ],
            body: Array(#"{"SecretId":"db"}"#.utf8))
        var hostConflict = authz(s3Get)
        hostConflict.headers.append(HeaderField("Host", "evil.example"))
        return [
            Case(testDescription: "allowed", request: authz(s3Get), reason: .allowed),
            Case(testDescription: "no credentials", request: unsigned, reason: .noCredentials),
            Case(testDescription: "malformed credentials", request: malformed, reason: .malformedCredentials),
            Case(testDescription: "SigV2", request: sigV2, reason: .unsupportedSignature),
            Case(testDescription: "legacy key", request: authz(legacy), reason: .legacyAccessKey),
            Case(testDescription: "clock skew (old)", request: authz(old), reason: .clockSkew),
            Case(testDescription: "clock skew (future)", request: authz(future), reason: .clockSkew),
            Case(testDescription: "presigned expired", request: presignedExpired, reason: .requestExpired),
            Case(testDescription: "presigned not yet valid", request: presignedFuture, reason: .requestNotYetValid),
            Case(testDescription: "scope mismatch", request: authz(wrongRegion), reason: .scopeMismatch),
            Case(testDescription: "unknown endpoint", request: authz(attacker), reason: .unknownEndpoint),
            Case(testDescription: "host conflict", request: hostConflict, reason: .ambiguousRequest),
            Case(testDescription: "decoy X-Amz-Target", request: authz(decoy), reason: .ambiguousRequest),
            Case(
                testDescription: "signature mismatch with a known key", request: authz(forged),
                reason: .signatureMismatch),
            Case(
                testDescription: "verification required but no body",
                request: authz(strictNoBody, withBody: false, mode: .nginx), reason: .signatureMismatch),
            Case(testDescription: "account not allowed", request: authz(otherAccount), reason: .accountNotAllowed),
            Case(testDescription: "region not allowed", request: authz(otherRegion), reason: .regionNotAllowed),
            Case(testDescription: "service not allowed", request: authz(otherService), reason: .serviceNotAllowed),
            Case(testDescription: "denied by rule", request: authz(secretRead), reason: .deniedByRule),
        ]
    }

    @Test("every reason code through the decision core", arguments: cases)
    func reasons(_ testCase: Case) throws {
        let response = try Self.engine().decide(testCase.request)
        #expect(response.decision.reason == testCase.reason, "\(response.decision)")
        #expect(response.decision.effect == (testCase.reason == .allowed ? .allow : .deny))
        let header = Dictionary(
            DecisionHeaders.fields(response).map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(header["x-sigv4-authz-decision"] == response.decision.effect.rawValue)
        #expect(header["x-sigv4-authz-reason"] == testCase.reason.rawValue)
        #expect(header["x-sigv4-authz-request-id"] != nil)
        if testCase.reason == .allowed {
            #expect(DenyBody(denying: response) == nil)
            #expect(header["x-sigv4-authz-message"] == nil)
        } else {
            #expect(header["x-sigv4-authz-message"]?.hasPrefix("sigv4-authz: ") == true)
            #expect(DenyBody(denying: response)?.body.contains("sigv4-authz: ") == true)
        }
    }

    @Test("legacy keys pass the credential checks when allowed, but no account rule matches them")
    func legacyAllowed() throws {
        let legacy = Self.signed(
            host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/k", service: "s3", region: "eu-west-1",
            key: "AKIAIOSFODNN7EXAMPLE")
        let response = try Self.engine(legacy: "allow").decide(Self.authz(legacy))
        #expect(response.decision.reason == .accountNotAllowed)
    }

    @Test("known keys are verified; the audit says so")
    func verified() throws {
        let request = Self.signed(
            method: "POST", host: "sts.eu-west-1.amazonaws.com", service: "sts", region: "eu-west-1",
            key: "AKIAV7S32T2OSBFJQOIY",
            headers: Self.form, body: Self.callerIdentity)
        let engine = try Self.engine()
        let response = engine.decide(Self.authz(request))
        #expect(response.decision.effect == .allow)
        #expect(response.signature == .verified)
        #expect(response.accountName == "partner")
        let withoutBody = engine.decide(Self.authz(request, withBody: false, mode: .nginx))
        #expect(withoutBody.signature == .notChecked)
        #expect(withoutBody.action == nil)  // the query action is in the body
        // Only the missing body kept the known key's signature from being checked (ICAP reads it then).
        #expect(withoutBody.verificationNeedsBody)
        #expect(!response.verificationNeedsBody)
        let unknownKey = engine.decide(
            Self.authz(
                Self.signed(
                    method: "POST", host: "sts.eu-west-1.amazonaws.com", service: "sts", region: "eu-west-1",
                    headers: Self.form, body: Self.callerIdentity), withBody: false, mode: .nginx))
        #expect(unknownKey.signature == .notChecked)
        #expect(!unknownKey.verificationNeedsBody)
    }

    @Test("paths conditions read a SigV4 request's decoded path; a path that reads two ways is unknown")
    func paths() throws {
        let config = try PolicyConfig.parse(
            """
            rules:
              - { name: reports, effect: allow, accounts: ["171436882533"], services: [s3], paths: ["/reports/*"] }
              - { name: no-private, effect: deny, paths: ["/reports/private/*"] }
            default: deny
            """, path: "paths.yaml")
        let engine = AuthzEngine(
            policy: try CompiledPolicy(config), classifier: RequestClassifier(model: try #require(Self.model)),
            now: { (Self.signingTime + 60) * 1000 })
        #expect(engine.policy.readsPaths)
        func decide(_ target: String) -> CheckResult {
            engine.decide(
                Self.authz(
                    Self.signed(
                        host: "prod-data.s3.eu-west-1.amazonaws.com", target: target, service: "s3", region: "eu-west-1"
                    )
                ))
        }
        #expect(decide("/reports/2026%20q1.csv").decision.rule == "reports")
        #expect(decide("/other/x").decision.reason == .noMatchingRule)
        #expect(decide("/reports/private/x").decision.rule == "no-private")
        // Unknown (an encoded '/'): the allow does not match and the deny does.
        #expect(decide("/reports/a%2Fb").decision.rule == "no-private")
    }

    @Test("a SigV2 presigned URL's deny says how to presign with SigV4; a SigV2 header's, to use a current SDK")
    func sigV2Sentences() throws {
        let engine = try Self.engine()
        let presigned = engine.decide(
            AuthzRequest(
                method: "GET", host: "prod-data.s3.eu-west-1.amazonaws.com",
                target: "/k?AWSAccessKeyId=AKIASP2TPHJSQH3FJRUX&Expires=1768484096&Signature=abc%3D",
                headers: [HeaderField("Host", "prod-data.s3.eu-west-1.amazonaws.com")], body: .absent, mode: .grpc))
        #expect(presigned.decision.reason == .unsupportedSignature)
        #expect(presigned.authentication == .presigned)
        #expect(presigned.decision.message.contains("Config(signature_version='s3v4')"), "\(presigned.decision)")
        let header = engine.decide(
            AuthzRequest(
                method: "GET", host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/k",
                headers: [
                    HeaderField("Host", "prod-data.s3.eu-west-1.amazonaws.com"),
                    HeaderField("Authorization", "AWS AKIASP2TPHJSQH3FJRUX:abc="),
                ], body: .absent, mode: .grpc))
        #expect(header.decision.reason == .unsupportedSignature)
        #expect(header.decision.message == "Signature Version 2 is not supported; use a current AWS SDK (SigV4)")
    }

    @Test("deny bodies follow the caller's protocol")
    func denyBodies() throws {
        let engine = try Self.engine()
        let s3 = engine.decide(
            Self.authz(
                Self.signed(host: "bkt.s3.us-west-2.amazonaws.com", target: "/k", service: "s3", region: "us-west-2")))
        #expect(DenyBody(denying: s3)?.contentType == "application/xml")
        #expect(DenyBody(denying: s3)?.body.contains("<Error><Code>AccessDenied</Code><Message>sigv4-authz: ") == true)
        let json = engine.decide(
            Self.authz(
                Self.signed(
                    method: "POST", host: "dynamodb.us-west-2.amazonaws.com", service: "dynamodb", region: "us-west-2",
                    headers: [
                        ("X-Amz-Target", "DynamoDB_20120810.GetItem"), ("Content-Type", "application/x-amz-json-1.0"),
                    ])))
        #expect(
            DenyBody(denying: json)?.body.hasPrefix("{\"__type\":\"AccessDeniedException\",\"message\":\"sigv4-authz: ")
                == true)
        let query = engine.decide(
            Self.authz(
                Self.signed(
                    method: "POST", host: "sts.us-west-2.amazonaws.com", service: "sts", region: "us-west-2",
                    headers: Self.form, body: Self.callerIdentity)))
        #expect(
            DenyBody(denying: query)?.body.hasPrefix(
                "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>sigv4-authz: ") == true)
        let ec2 = engine.decide(
            Self.authz(
                Self.signed(
                    host: "ec2.us-west-2.amazonaws.com", target: "/?Action=DescribeInstances&Version=2016-11-15",
                    service: "ec2", region: "us-west-2")))
        #expect(DenyBody(denying: ec2)?.body.hasPrefix("<Response><Errors><Error><Code>AccessDenied</Code>") == true)
        let message = try #require(DecisionHeaders.fields(s3).first { $0.name == "x-sigv4-authz-message" }?.value)
        #expect(message == "sigv4-authz: account 171436882533 is not allowed to use region us-west-2 (service s3)")
    }

    @Test("the audit record has the contract's fields and no secrets")
    func auditRecord() throws {
        let presigned = AuthzRequest(
            method: "GET", host: "prod-data.s3.eu-west-1.amazonaws.com",
            target:
                "/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIASP2TPHJSQH3FJRUX%2F20260115%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date=20260115T123456Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Security-Token=\(Self.sessionToken)&X-Amz-Signature=\(String(repeating: "cd", count: 32))",
            headers: [HeaderField("Cookie", "session=topsecret")], sourceAddress: "10.1.2.3", principal: nil,
            mode: .nginx, requestID: "abc")
        let response = try Self.engine().decide(presigned)
        let line = AuditRecord(response).json
        #expect(!line.contains(Self.sessionToken))
        #expect(!line.contains(String(repeating: "cd", count: 32)))
        #expect(!line.contains("topsecret"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "time", "decision", "reason", "rule", "evaluation", "request_id", "mode", "source", "request", "aws",
                "latency_us",
            ])
        let aws = try #require(object["aws"] as? [String: Any])
        #expect(
            Set(aws.keys) == [
                "access_key_id", "account", "account_name", "region", "service", "action", "resource",
                "resource_account", "authorizations", "auth", "signature",
            ])
        #expect(aws["auth"] as? String == "presigned")
        #expect(aws["account_name"] as? String == "prod")
        #expect((object["request"] as? [String: Any])?["path"] as? String == "/k")
        #expect(object["request_id"] as? String == "abc")
        #expect(object["mode"] as? String == "nginx")
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
    }

    @Test("optional signatures: an anonymous request is judged by the policy")
    func optionalSignature() throws {
        let response = try Self.engine(requireSignature: false).decide(
            AuthzRequest(
                method: "GET", host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/public.txt", headers: [],
                mode: .envoyHTTP))
        #expect(response.decision.reason == .accountNotAllowed)
        #expect(response.authentication == .none)
    }

    @Test("header values are one printable line")
    func headerSafety() throws {
        var request = Self.authz(
            Self.signed(host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/k", service: "s3", region: "eu-west-1"))
        request.requestID = "evil\r\nSet-Cookie: x"
        let response = try Self.engine().decide(request)
        for (_, value) in DecisionHeaders.fields(response) {
            #expect(value.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F })
        }
    }
}
