import AWSClassifier
import AuthzCore
import AuthzFixtures
import Policy
import SigV4
import Testing

/// A deny statement on `s3:GetObjectAttributes` (or its version form) matches GetObjectAttributes
/// requests through the decision core: the classifier derives the attributes permission beside
/// `s3:GetObject` (Amazon S3 API Reference, GetObjectAttributes, "Permissions").
@Suite("S3 GetObjectAttributes deny")
struct S3ObjectAttributesDenyTests {
    static let yaml = """
        accounts:
          "171436882533":
            name: prod
            regions:
              eu-west-1: { services: [s3] }
        rules:
          - name: no-attributes
            effect: deny
            actions: ["s3:GetObjectAttributes"]
            resources: ["arn:aws:s3:::prod-data/*"]
          - name: no-version-attributes
            effect: deny
            actions: ["s3:GetObjectVersionAttributes"]
        default: deny
        """

    struct Case: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var target: String
        var attributes = true
        var reason: ReasonCode
        var rule: String?
    }

    static let cases: [Case] = [
        Case(
            testDescription: "GetObjectAttributes: the deny on s3:GetObjectAttributes matches",
            target: "/k.txt?attributes", reason: .deniedByRule, rule: "no-attributes"),
        Case(
            testDescription: "GetObjectAttributes of a version: the deny on s3:GetObjectVersionAttributes matches",
            target: "/k.txt?attributes&versionId=v1", reason: .deniedByRule, rule: "no-version-attributes"),
        Case(
            testDescription: "GetObject: allowed by the allowlist", target: "/k.txt", attributes: false,
            reason: .allowed, rule: "accounts[\"171436882533\"].regions[\"eu-west-1\"]"),
    ]

    @Test("denies by request", arguments: cases)
    func deny(_ testCase: Case) throws {
        let config = try PolicyConfig.parse(Self.yaml, path: "attributes.yaml")
        let engine = AuthzEngine(
            policy: try CompiledPolicy(config), classifier: RequestClassifier(model: try EngineFixtures.model.get()),
            now: { (EngineFixtures.signingTime + 60) * 1000 })
        let request = EngineFixtures.signed(
            host: "prod-data.s3.eu-west-1.amazonaws.com", target: testCase.target, service: "s3", region: "eu-west-1",
            headers: testCase.attributes ? [("x-amz-object-attributes", "ETag")] : [])
        let response = engine.decide(EngineFixtures.authz(request))
        #expect(response.decision.reason == testCase.reason, "\(response.decision)")
        #expect(response.decision.rule == testCase.rule)
    }
}
