import AWSClassifier
import AuthzCore
import Policy
import SigV4
import SwiftProtobuf
import Testing

@testable import AuthzGRPC

/// The CheckResponse's `dynamic_metadata` (field 4, a `google.protobuf.Struct`): on allow and on deny
/// the decision headers' values under keys without the `x-sigv4-authz-` prefix, read back by decoding
/// the serialized response as Envoy does.
@Suite struct DynamicMetadataTests {
    static let keys = ["decision", "reason", "rule", "account", "region", "service", "action", "request_id"]
    static let signingTime: Int64 = 1_768_480_496  // 2026-01-15T12:34:56Z

    /// An engine allowing account 171436882533 (the key id's) in eu-west-1 for S3, but not `private/`.
    static func engine() throws -> AuthzEngine {
        let config = try PolicyConfig.parse(
            """
            accounts:
              "171436882533":
                name: prod
                regions: { eu-west-1: { services: [s3] } }
            rules:
              - name: no-private
                effect: deny
                resources: ["arn:aws:s3:::prod-data/private/*"]
            default: deny
            """, path: "metadata.yaml")
        return AuthzEngine(
            policy: try CompiledPolicy(config), classifier: RequestClassifier(model: try AWSModel.bundled()))
    }

    /// A SigV4-signed S3 GetObject of `key` in `prod-data`, decided at the signing time.
    static func decide(key: String, requestID: String = "rid-42") throws -> CheckResult {
        let host = "prod-data.s3.eu-west-1.amazonaws.com"
        var signed = SigV4Request(method: "GET", requestTarget: "/\(key)", headers: [HeaderField("Host", host)])
        try SigV4Signer(accessKeyID: "AKIASP2TPHJSQH3FJRUX", secretAccessKey: "secret").sign(
            &signed, region: "eu-west-1", service: "s3", timestamp: AmzTimestamp(secondsSinceEpoch: signingTime),
            payloadHash: PayloadHash.sha256Hex(of: []))
        let request = AuthzRequest(
            method: "GET", host: host, target: "/\(key)", headers: signed.headers, mode: .grpc, requestID: requestID)
        return try engine().decide(request, at: signingTime * 1000)
    }

    /// The response Envoy receives for a result, decoded.
    static func decoded(_ result: CheckResult) throws -> Envoy_Service_Auth_V3_CheckResponse {
        try Envoy_Service_Auth_V3_CheckResponse(
            serializedBytes: AuthorizationService.serializedResponse(result, clientDecisionHeaders: []))
    }

    /// The metadata's string fields; a field that is not a string fails.
    static func strings(_ response: Envoy_Service_Auth_V3_CheckResponse) -> [String: String] {
        response.dynamicMetadata.fields.mapValues { value in
            guard case .stringValue(let text)? = value.kind else {
                Issue.record("not a string: \(value)")
                return ""
            }
            return text
        }
    }

    /// What the decision headers say, under the metadata's keys.
    static func fromHeaders(_ result: CheckResult) -> [String: String] {
        var expected: [String: String] = [:]
        for (name, value) in DecisionHeaders.fields(result) {
            let key = String(name.dropFirst(DecisionHeaders.prefix.count).map { $0 == "-" ? "_" : $0 })
            if keys.contains(key) { expected[key] = value }
        }
        return expected
    }

    @Test(
        "allow and deny carry the decision headers' values as string fields",
        arguments: [
            ("reports/q1.csv", "allow", "allowed", #"accounts["171436882533"].regions["eu-west-1"]"#),
            ("private/q1.csv", "deny", "denied_by_rule", "no-private"),
        ])
    func decisionFields(key: String, decision: String, reason: String, rule: String) throws {
        let result = try Self.decide(key: key)
        let response = try Self.decoded(result)
        let fields = Self.strings(response)
        #expect(Set(fields.keys) == Set(Self.keys))
        #expect(fields == Self.fromHeaders(result))
        #expect(fields["decision"] == decision)
        #expect(fields["reason"] == reason)
        #expect(fields["rule"] == rule)
        #expect(fields["account"] == "171436882533")
        #expect(fields["region"] == "eu-west-1")
        #expect(fields["service"] == "s3")
        #expect(fields["action"] == "s3:GetObject")
        #expect(fields["request_id"] == "rid-42")
        // The rest of the answer is the message encode(_:clientDecisionHeaders:) makes.
        var expected = AuthorizationService.encode(result, clientDecisionHeaders: [])
        expected.dynamicMetadata = response.dynamicMetadata
        #expect(response == expected)
        if decision == "allow" {
            #expect(response.status.code == 0)
            guard case .okResponse? = response.httpResponse else {
                Issue.record("an allow without ok_response")
                return
            }
        } else {
            #expect(response.status.code == 7)
            #expect(response.deniedResponse.status.code == .forbidden)
        }
    }

    @Test("the appended field decodes alone, with minimal lengths (the size swift-protobuf writes)")
    func sameBytesAsSwiftProtobuf() throws {
        for key in ["reports/q1.csv", "private/q1.csv"] {
            let result = try Self.decide(key: key)
            var bytes: [UInt8] = []
            DynamicMetadata.append(result, to: &bytes)
            // One field 4; its Struct decodes to the headers' values, and re-encoding it (deterministic
            // order aside) gives a Struct of the same size.
            var response = Envoy_Service_Auth_V3_CheckResponse()
            try response.merge(serializedBytes: bytes)
            #expect(Self.strings(response) == Self.fromHeaders(result))
            let structBytes: [UInt8] = try response.dynamicMetadata.serializedBytes()
            #expect(bytes.count == 1 + DynamicMetadata.varintSize(structBytes.count) + structBytes.count)
        }
    }

    @Test(
        "long and unsafe values: lengths over one varint byte, values made safe as the headers are",
        arguments: [100, 127, 128, 300, 1024, 5000])
    func longValues(length: Int) throws {
        let result = CheckResult(
            decision: Decision(
                effect: .deny, reason: .deniedByRule, rule: String(repeating: "r", count: length), message: "m"),
            requestID: String(repeating: "é", count: length), mode: .grpc, time: 0)
        let response = try Self.decoded(result)
        let fields = Self.strings(response)
        #expect(fields == Self.fromHeaders(result))
        #expect(fields["rule"]?.utf8.count == min(length, 1024))
        #expect(fields["request_id"] == String(repeating: "?", count: min(length, 1024)))
        #expect(fields["decision"] == "deny")
        #expect(fields["account"] == "")
    }

    @Test("a deny that is not enforced: answered OK, the metadata says would_deny with the deny's reason and rule")
    func wouldDeny() throws {
        var result = try Self.decide(key: "private/q1.csv")
        result.decision = result.decision.notEnforced(because: "mode: dry_run")
        let response = try Self.decoded(result)
        #expect(response.status.code == 0)
        guard case .okResponse? = response.httpResponse else {
            Issue.record("a would_deny without ok_response")
            return
        }
        let fields = Self.strings(response)
        #expect(fields == Self.fromHeaders(result))
        #expect(fields["decision"] == "would_deny")
        #expect(fields["reason"] == "denied_by_rule")
        #expect(fields["rule"] == "no-private")
    }

    @Test("a refused check (nothing known) carries the decision, the reason and the request id")
    func refusal() throws {
        let result = try Self.engine().refuse(
            Refusal(reason: .internalError, message: "unreadable", mode: .grpc, requestID: "rid-7"))
        let fields = Self.strings(try Self.decoded(result))
        #expect(fields["decision"] == "deny")
        #expect(fields["reason"] == ReasonCode.internalError.rawValue)
        #expect(fields["request_id"] == "rid-7")
        #expect(fields["region"] == "")
    }

    @Test(
        "header names to keys: every carried decision header, and nothing else",
        arguments: [
            ("x-sigv4-authz-decision", "decision"), ("x-sigv4-authz-reason", "reason"),
            ("x-sigv4-authz-rule", "rule"), ("x-sigv4-authz-account", "account"),
            ("x-sigv4-authz-region", "region"), ("x-sigv4-authz-service", "service"),
            ("x-sigv4-authz-action", "action"), ("x-sigv4-authz-request-id", "request_id"),
            ("x-sigv4-authz-account-name", nil), ("x-sigv4-authz-message", nil), ("x-sigv4-authz-regiom", nil),
            ("x-sigv4-authz-reasom", nil), ("y-sigv4-authz-reason", nil), ("x-sigv4-authz-Reason", nil),
            ("x-sigv4-authz-request_id", nil), ("x-sigv4-authz-", nil), ("", nil), ("decision", nil),
        ] as [(String, String?)])
    func keys(header: String, key: String?) {
        #expect(DynamicMetadata.key(header)?.description == key)
    }

    @Test("every decision header of a result is carried or deliberately left out")
    func everyHeaderKnown() throws {
        let result = try Self.decide(key: "private/q1.csv")
        let names = DecisionHeaders.fields(result).map(\.name)
        #expect(
            names.filter { DynamicMetadata.key($0) == nil } == ["x-sigv4-authz-account-name", "x-sigv4-authz-message"])
    }

    @Test("varint sizes at their boundaries", arguments: [(0, 1), (127, 1), (128, 2), (16383, 2), (16384, 3)])
    func varint(value: Int, size: Int) {
        var bytes: [UInt8] = []
        DynamicMetadata.appendVarint(value, to: &bytes)
        #expect(bytes.count == size)
        #expect(DynamicMetadata.varintSize(value) == size)
    }
}
