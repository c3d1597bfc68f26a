import Policy
import Testing

/// A Clotho `config.yaml` (only `accounts:` → `regions:` → `services:`, quoted keys, `"*"` at any
/// level) loads unchanged and means what Clotho's README says: only allowed accounts, regions and
/// services pass. One deliberate difference: an exact account entry without the request's region
/// falls back to the `"*"` account entry instead of denying (see the README).
@Suite("Clotho configuration compatibility")
struct ClothoCompatibilityTests {
    static let clotho = """
        accounts:
          "123456789012":
            regions:
              "eu-west-1":
                services:
                  - "s3"
                  - "sts"
              "us-east-1":
                services:
                  - "*"
          "210987654321":
            regions:
              "*":
                services:
                  - "dynamodb"
          "*":
            regions:
              "eu-central-1":
                services:
                  - "sts"
        """

    static let policy: CompiledPolicy? = try? CompiledPolicy(PolicyConfig.parse(clotho, path: "config.yaml"))

    static let cases: [(String, String, String, Effect, ReasonCode)] = [
        ("123456789012", "eu-west-1", "s3", .allow, .allowed),
        ("123456789012", "eu-west-1", "sts", .allow, .allowed),
        ("123456789012", "eu-west-1", "ec2", .deny, .serviceNotAllowed),
        ("123456789012", "us-east-1", "ec2", .allow, .allowed),  // "*" services
        ("123456789012", "ap-south-1", "s3", .deny, .regionNotAllowed),
        ("210987654321", "ap-south-1", "dynamodb", .allow, .allowed),  // "*" region
        ("210987654321", "ap-south-1", "s3", .deny, .serviceNotAllowed),
        ("999999999999", "eu-central-1", "sts", .allow, .allowed),  // "*" account
        ("999999999999", "eu-central-1", "s3", .deny, .serviceNotAllowed),
        ("999999999999", "eu-west-1", "sts", .deny, .regionNotAllowed),
        // The deliberate difference: Clotho denies this (the exact account has no eu-central-1);
        // sigv4-authz falls back to the "*" account, which allows sts there.
        ("123456789012", "eu-central-1", "sts", .allow, .allowed),
    ]

    @Test("Clotho's example decisions", arguments: cases)
    func decisions(
        _ account: String, _ region: String, _ service: String, _ effect: Effect, _ reason: ReasonCode
    ) throws {
        let policy = try #require(Self.policy)
        let decision = policy.evaluate(RequestFacts(accountID: account, region: region, signingName: service))
        #expect(decision.effect == effect, "\(decision)")
        #expect(decision.reason == reason, "\(decision)")
    }
}
