import AWSClassifier
import AuthzCore
import AuthzFixtures
import Foundation
import Policy
import SigV4
import Testing

@testable import PolicySuggestion

/// The key property on real traffic: requests signed as SDKs sign them go through the real engine,
/// which writes their audit records; the suggestion made of those records, loaded by the real
/// configuration reader, allows every one of them that it counts as allowable — through the engine
/// again, classification and all — and no other.
@Suite("suggest: audit records of real requests, and the engine again")
struct EngineRoundTripTests {
    static let bucketHost = "app-data.s3.eu-west-1.amazonaws.com"
    static let kmsKey = "arn:aws:kms:eu-west-1:171436882533:key/1234abcd-12ab-34cd-56ef-1234567890ab"

    /// (label, request, body forwarded).
    static func traffic() -> [(String, (SigV4Request, [UInt8]), Bool)] {
        typealias F = EngineFixtures
        var out: [(String, (SigV4Request, [UInt8]), Bool)] = []
        for month in 1...5 {
            out.append(
                (
                    "s3 GetObject \(month)",
                    F.signed(
                        host: bucketHost, target: "/reports/2026-0\(month).csv", service: "s3", region: "eu-west-1"),
                    true
                ))
        }
        out.append(
            (
                "s3 GetObject logs",
                F.signed(host: bucketHost, target: "/logs/a.txt", service: "s3", region: "eu-west-1"), true
            ))
        out.append(
            (
                "s3 PutObject with SSE-KMS",
                F.signed(
                    method: "PUT", host: bucketHost, target: "/uploads/x.bin", service: "s3", region: "eu-west-1",
                    headers: [
                        ("x-amz-server-side-encryption", "aws:kms"),
                        ("x-amz-server-side-encryption-aws-kms-key-id", kmsKey),
                    ], body: Array("data".utf8)),
                true
            ))
        out.append(
            (
                "s3 ListObjectsV2",
                F.signed(host: bucketHost, target: "/?list-type=2", service: "s3", region: "eu-west-1"), true
            ))
        out.append(
            (
                "s3 ListBuckets",
                F.signed(host: "s3.eu-west-1.amazonaws.com", target: "/", service: "s3", region: "eu-west-1"), true
            ))
        for operation in [
            "GetItem", "PutItem", "Query", "DescribeTable", "DescribeTimeToLive", "DescribeContinuousBackups",
        ] {
            out.append(
                (
                    "dynamodb \(operation)",
                    F.signed(
                        method: "POST", host: "dynamodb.eu-west-1.amazonaws.com", service: "dynamodb",
                        region: "eu-west-1",
                        headers: [
                            ("x-amz-target", "DynamoDB_20120810.\(operation)"),
                            ("content-type", "application/x-amz-json-1.0"),
                        ], body: Array(#"{"TableName":"orders"}"#.utf8)),
                    true
                ))
        }
        out.append(
            (
                "sqs query protocol without its body (action unknown)",
                F.signed(
                    method: "POST", host: "sqs.eu-west-1.amazonaws.com", service: "sqs", region: "eu-west-1",
                    headers: [("content-type", "application/x-www-form-urlencoded")],
                    body: Array("Action=SendMessage&QueueUrl=x".utf8)),
                false
            ))
        out.append(
            (
                "API Gateway invoke",
                F.signed(
                    method: "POST", host: "abc123defg.execute-api.eu-west-1.amazonaws.com", target: "/prod/orders",
                    service: "execute-api", region: "eu-west-1"),
                true
            ))
        out.append(
            (
                "Lambda function URL",
                F.signed(
                    host: "abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws", target: "/hello",
                    service: "lambda", region: "eu-west-1"),
                true
            ))
        out.append(
            (
                "sts GetCallerIdentity in us-east-1",
                F.signed(
                    method: "POST", host: "sts.us-east-1.amazonaws.com", service: "sts", region: "us-east-1",
                    headers: [("content-type", "application/x-www-form-urlencoded")],
                    body: Array("Action=GetCallerIdentity&Version=2011-06-15".utf8)),
                true
            ))
        out.append(
            (
                "another account's bucket",
                F.signed(
                    host: "partner-data.s3.us-east-1.amazonaws.com", target: "/in/a.csv", service: "s3",
                    region: "us-east-1",
                    key: "AKIAV7S32T2OSBFJQOIY"),
                true
            ))
        return out
    }

    static func engine(_ yaml: String) throws -> AuthzEngine {
        let config = try PolicyConfig.parse(yaml, path: "engine.yaml")
        return AuthzEngine(
            policy: try CompiledPolicy(config), classifier: RequestClassifier(model: try EngineFixtures.model.get()),
            now: { (EngineFixtures.signingTime + 60) * 1000 })
    }

    @Test("every request the records count as allowable is allowed by the suggestion, through the engine")
    func roundTrip() throws {
        let requests = Self.traffic()
        // A dry run before any rule: everything denied, every decision written.
        let before = try Self.engine("default: deny\n")
        var lines = ""
        var results: [CheckResult] = []
        for (_, signed, withBody) in requests {
            let result = before.check(EngineFixtures.authz(signed, withBody: withBody))
            results.append(result)
            lines += AuditRecord(result).json + "\n"
        }
        var input = AuditInput()
        let readable = input.read(Array(lines.utf8), file: "audit.jsonl")
        #expect(readable)
        #expect(input.problems.isEmpty)
        #expect(input.requests.count == requests.count)
        let options = SuggestionOptions(includeDenied: true)
        let suggestion = PolicySuggestion(requests: input.requests, options: options)
        let yaml = suggestion.yaml()

        let after = try Self.engine(yaml + "default: deny\n")
        var allowed = 0
        for ((label, signed, withBody), record) in zip(requests, input.requests) {
            let result = after.check(EngineFixtures.authz(signed, withBody: withBody))
            switch PolicySuggestion.disposition(of: record, options: options) {
            case .allowed:
                allowed += 1
                #expect(result.decision.effect == .allow, "\(label): \(result.decision.message)\n\(yaml)")
            case .unknownAction, .notAllowable, .leftOut:
                #expect(result.decision.effect == .deny, "\(label)\n\(yaml)")
            }
        }
        // Every request but the one whose body was not forwarded.
        #expect(allowed == requests.count - 1, "\(yaml)")
        // The wildcards the data supports, and the hosts the unknown owners need.
        let statements = Dictionary(uniqueKeysWithValues: suggestion.statements.map { ($0.name, $0) })
        // reports/, logs/ and uploads/: three ways on after the bucket, so one wildcard there; the bucket
        // itself (ListObjectsV2) stays exact.
        #expect(
            statements["suggested-171436882533-s3"]?.patterns("resources")
                == ["arn:aws:s3:::app-data", "arn:aws:s3:::app-data/*"])
        #expect(
            statements["suggested-171436882533-dynamodb"]?.patterns("actions")?.contains("dynamodb:Describe*") == true)
        #expect(statements["suggested-171436882533-kms"]?.patterns("resources") == [Self.kmsKey])
        #expect(
            statements["suggested-171436882533-execute-api-hosts"]?.patterns("hosts") == [
                "abc123defg.execute-api.eu-west-1.amazonaws.com"
            ])
        #expect(suggestion.withheld.map(\.service) == ["sqs"])

        // Without --include-denied, deny records are left out: nothing to allow.
        let leftOut = PolicySuggestion(requests: input.requests)
        #expect(leftOut.statements.isEmpty)
        #expect(leftOut.yaml().contains("\(requests.count) deny left out"))
    }
}
