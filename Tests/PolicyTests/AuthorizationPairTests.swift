import Foundation
import Policy
import Testing

/// Requests that need several (action, resource) pairs, destinations whose owner cannot be known,
/// unknown accounts and the S3 bucket-owner requirement.
@Suite("Every pair, every owner")
struct AuthorizationPairTests {
    static let prod = "171436882533"
    static let attacker = "411435703965"

    static let yaml = """
        credentials: { legacy_access_keys: allow }
        accounts:
          "171436882533":
            name: prod
            regions:
              us-east-1: { services: [s3, execute-api] }
        rules:
          - name: no-protected-deletes
            effect: deny
            actions: ["s3:DeleteObject*"]
            resources: ["arn:aws:s3:::app-protected/*"]
          - name: deny-prod-secrets
            effect: deny
            accounts: [prod]
            actions: ["secretsmanager:*"]
          - name: our-tables
            effect: allow
            accounts: [prod]
            actions: ["dynamodb:*"]
            resources: ["arn:aws:dynamodb:*:171436882533:table/app-*"]
          - name: one-api
            effect: allow
            actions: ["execute-api:Invoke"]
            hosts: ["abc123.execute-api.us-east-1.amazonaws.com"]
          - name: any-api
            effect: allow
            accounts: [prod]
            actions: ["execute-api:Invoke"]
            hosts: ["*.execute-api.us-east-1.amazonaws.com"]
          - name: any-url-by-resource
            effect: allow
            accounts: [prod]
            actions: ["lambda:InvokeFunctionUrl"]
        default: deny
        """

    static func policy(_ text: String = yaml) throws -> CompiledPolicy {
        try CompiledPolicy(PolicyConfig.parse(text, path: "policy.yaml"))
    }

    static func facts(
        account: String? = prod, service: String, action: String?, resource: String?,
        more: [(String?, String?)] = [], host: String? = nil
    ) -> RequestFacts {
        var facts = RequestFacts(
            accountID: account, region: "us-east-1", signingName: service, iamPrefix: service, action: action,
            resource: resource, host: host ?? "\(service).us-east-1.amazonaws.com", method: "POST")
        facts.additionalAuthorizations = more.map { ActionResource(action: $0.0, resource: $0.1) }
        return facts
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var facts: RequestFacts
        var reason: ReasonCode
        var rule: String?
    }

    static let table = "arn:aws:dynamodb:us-east-1:171436882533:table/app-orders"
    static let attackerTable = "arn:aws:dynamodb:us-east-1:411435703965:table/exfil"

    static let cases: [Case] = [
        Case(
            testDescription: "every table ours: allowed by the first pair's rule",
            facts: facts(
                service: "dynamodb", action: "dynamodb:BatchWriteItem", resource: table,
                more: [("dynamodb:BatchWriteItem", table + "2")]),
            reason: .allowed, rule: "our-tables"),
        Case(
            testDescription: "one table of another account: the request is denied (the allowlist has no dynamodb)",
            facts: facts(
                service: "dynamodb", action: "dynamodb:BatchWriteItem", resource: table,
                more: [("dynamodb:BatchWriteItem", attackerTable)]),
            reason: .serviceNotAllowed, rule: "default"),
        Case(
            testDescription: "an unknown second resource never matches a resource-scoped allow",
            facts: facts(
                service: "dynamodb", action: "dynamodb:PutItem", resource: table, more: [("dynamodb:DeleteItem", nil)]),
            reason: .serviceNotAllowed, rule: "default"),
        Case(
            testDescription: "a deny on any pair wins over the allowlist, even when the first pair is allowed",
            facts: facts(
                service: "s3", action: "s3:DeleteObject", resource: "arn:aws:s3:::app-data/a",
                more: [("s3:DeleteObject", "arn:aws:s3:::app-protected/b")]),
            reason: .deniedByRule, rule: "no-protected-deletes"),
        Case(
            testDescription: "a deny matches an unknown resource of a later pair",
            facts: facts(
                service: "s3", action: "s3:PutObject", resource: "arn:aws:s3:::app-data/a",
                more: [("s3:DeleteObject", nil)]),
            reason: .deniedByRule, rule: "no-protected-deletes"),
        Case(
            testDescription: "a dependent action of another service needs that service allowlisted",
            facts: facts(
                service: "s3", action: "s3:PutObject", resource: "arn:aws:s3:::app-data/a",
                more: [("kms:GenerateDataKey", "arn:aws:kms:us-east-1:411435703965:key/k")]),
            reason: .serviceNotAllowed, rule: "default"),
        Case(
            testDescription: "S3 pairs alone are allowed by the allowlist",
            facts: facts(
                service: "s3", action: "s3:PutObject", resource: "arn:aws:s3:::app-data/a",
                more: [("s3:PutObjectAcl", "arn:aws:s3:::app-data/a")]),
            reason: .allowed, rule: "accounts[\"171436882533\"].regions[\"us-east-1\"]"),
        Case(
            testDescription: "an unknown account still meets the account-scoped deny",
            facts: facts(
                account: nil, service: "secretsmanager", action: "secretsmanager:GetSecretValue", resource: nil),
            reason: .deniedByRule, rule: "deny-prod-secrets"),
        Case(
            testDescription: "an unknown account never meets an account-scoped allow",
            facts: facts(account: nil, service: "dynamodb", action: "dynamodb:GetItem", resource: table),
            reason: .accountNotAllowed, rule: "default"),
    ]

    @Test("pairs, denies and unknown accounts", arguments: cases)
    func pairs(_ testCase: Case) throws {
        let decision = try Self.policy().evaluate(testCase.facts)
        #expect(decision.reason == testCase.reason, "\(decision.message)")
        #expect(decision.rule == testCase.rule)
    }

    @Test("a denied pair is named in the message")
    func message() throws {
        let decision = try Self.policy().evaluate(
            Self.facts(
                service: "dynamodb", action: "dynamodb:BatchWriteItem", resource: Self.table,
                more: [("dynamodb:BatchWriteItem", Self.attackerTable)]))
        #expect(decision.message.contains(Self.attackerTable))
    }

    @Test("a destination whose owner cannot be known is allowed only by a statement naming its host")
    func unverifiableOwner() throws {
        let policy = try Self.policy()
        func decide(
            _ host: String, action: String = "execute-api:Invoke", service: String = "execute-api"
        )
            -> Decision
        {
            var facts = Self.facts(service: service, action: action, resource: nil, host: host)
            facts.ownerUnverifiable = true
            return policy.evaluate(facts)
        }
        // Named by `one-api`.
        #expect(decide("abc123.execute-api.us-east-1.amazonaws.com").rule == "one-api")
        // `any-api` (a wildcard first label) and the allowlist (execute-api for prod) never allow it.
        let other = decide("zzz999.execute-api.us-east-1.amazonaws.com")
        #expect(other.effect == .deny)
        #expect(other.reason == .noMatchingRule)
        #expect(other.message.contains("hosts:"))
        // A statement with no hosts: at all neither.
        #expect(
            decide("abcdefghij.lambda-url.us-east-1.on.aws", action: "lambda:InvokeFunctionUrl", service: "lambda")
                .effect == .deny)
        // The same facts with a known owner are allowed by `any-api`.
        var known = Self.facts(
            service: "execute-api", action: "execute-api:Invoke", resource: nil,
            host: "zzz999.execute-api.us-east-1.amazonaws.com")
        known.ownerUnverifiable = false
        #expect(policy.evaluate(known).rule == "any-api")
    }

    static let ownerYAML = """
        accounts:
          "171436882533":
            name: prod
            regions:
              "*": { services: [s3] }
        s3:
          expected_bucket_owner: required
          bucket_owners: [prod, "210987654321"]
        default: deny
        """

    @Test(
        "s3.expected_bucket_owner: required",
        arguments: [
            (nil as String?, true, ReasonCode.resourceOwnerNotAllowed),
            ("411435703965", true, .resourceOwnerNotAllowed),
            ("171436882533", true, .allowed),
            ("210987654321", true, .allowed),
            (nil, false, .allowed),  // ListBuckets: no bucket
        ])
    func bucketOwner(_ owner: String?, _ addressesBucket: Bool, _ reason: ReasonCode) throws {
        let policy = try Self.policy(Self.ownerYAML)
        var facts = Self.facts(service: "s3", action: "s3:GetObject", resource: "arn:aws:s3:::b/k")
        facts.resourceAccount = owner
        facts.addressesS3Bucket = addressesBucket
        #expect(policy.evaluate(facts).reason == reason)
    }

    @Test("bucket owners default to the allowlist's account ids; optional reads nothing")
    func bucketOwnerDefaults() throws {
        let required = try Self.policy(
            Self.ownerYAML.replacingOccurrences(of: "  bucket_owners: [prod, \"210987654321\"]\n", with: ""))
        var facts = Self.facts(service: "s3", action: "s3:GetObject", resource: "arn:aws:s3:::b/k")
        facts.addressesS3Bucket = true
        facts.resourceAccount = Self.prod
        #expect(required.evaluate(facts).reason == .allowed)
        facts.resourceAccount = "210987654321"
        #expect(required.evaluate(facts).reason == .resourceOwnerNotAllowed)
        let optional = try Self.policy(
            Self.ownerYAML.replacingOccurrences(of: "required", with: "optional"))
        facts.resourceAccount = nil
        #expect(optional.evaluate(facts).reason == .allowed)
    }

    @Test("bad s3: sections are refused with their position")
    func badSections() {
        let cases: [(String, String)] = [
            ("s3: { expected_bucket_owner: always }\n", "policy.yaml:1:30"),
            ("s3: { bucket_owners: [\"12*\"] }\n", "policy.yaml:1:23"),
            ("s3: { owners: [prod] }\n", "policy.yaml:1:7"),
        ]
        for (text, position) in cases {
            #expect(throws: ConfigError.self) { try PolicyConfig.parse(text, path: "policy.yaml") }
            do {
                _ = try PolicyConfig.parse(text, path: "policy.yaml")
            } catch {
                #expect(error.issues.first?.position.description == position, "\(text): \(error)")
            }
        }
        // A name that is not defined under accounts: is found when compiling.
        #expect(throws: ConfigError.self) {
            try CompiledPolicy(
                PolicyConfig.parse(
                    "s3: { expected_bucket_owner: required, bucket_owners: [nobody] }\n", path: "policy.yaml"))
        }
    }
}
