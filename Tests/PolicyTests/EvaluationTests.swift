import Policy
import Testing

/// Decisions of compiled policies, table-driven.
@Suite("Policy evaluation")
struct EvaluationTests {
    static let prod = "171436882533"
    static let staging = "411435703965"
    static let other = "609629065308"

    static let yaml = """
        accounts:
          "171436882533":
            name: prod
            regions:
              eu-west-1: { services: [s3, dynamodb] }
              "us-*": { services: ["sq?", kms] }
              "*": { services: [sts] }
          "411435703965":
            name: staging
            regions:
              "*": { services: ["*"] }
        rules:
          - name: no-secret-reads
            effect: deny
            actions: ["secretsmanager:GetSecretValue", "ssm:GetParameter*"]
          - name: staging-no-iam
            effect: deny
            accounts: [staging]
            services: [iam]
          - name: prod-writes-own-buckets
            effect: deny
            accounts: [prod]
            actions: ["s3:Put*", "s3:Delete*"]
            not_resources: ["arn:aws:s3:::prod-*"]
          - name: ci-reads
            effect: allow
            accounts: ["609629065308"]
            actions: ["*:Get*", "*:List*", "*:Describe*"]
            principals: ["spiffe://cluster.local/ns/ci/*"]
            sources: ["10.0.0.0/8", "fd00::/8"]
          - name: lambda-anywhere
            effect: allow
            accounts: ["60962906530?"]
            not_regions: ["cn-*"]
            services: [lambda]
            methods: [POST]
            hosts: ["lambda.*.amazonaws.com"]
          - name: key-pinned
            effect: allow
            access_key_ids: ["ASIAY34FZKBOKMUTVV7A"]
            actions: ["sts:GetCallerIdentity"]
        default: deny
        """

    static let policy: CompiledPolicy? = try? CompiledPolicy(PolicyConfig.parse(yaml, path: "policy.yaml"))

    struct Case: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var facts: RequestFacts
        var effect: Effect
        var reason: ReasonCode
        var rule: String?
    }

    static func facts(
        _ account: String?, _ region: String?, _ service: String?, _ action: String? = nil, resource: String? = nil,
        host: String? = nil, method: String? = "GET", source: String? = nil, principal: String? = nil,
        key: String? = nil,
        iamPrefix: String? = nil
    ) -> RequestFacts {
        RequestFacts(
            accountID: account, region: region, signingName: service, iamPrefix: iamPrefix ?? service, action: action,
            resource: resource, host: host, method: method, sourceAddress: source.flatMap(IPAddress.init),
            principal: principal, accessKeyID: key)
    }

    static let cases: [Case] = [
        // The allowlist, each level and wildcard.
        Case(
            testDescription: "exact account, region and service", facts: facts(prod, "eu-west-1", "s3", "s3:GetObject"),
            effect: .allow, reason: .allowed, rule: "accounts[\"171436882533\"].regions[\"eu-west-1\"]"),
        Case(
            testDescription: "region pattern and ? in a service",
            facts: facts(prod, "us-east-2", "sqs", "sqs:SendMessage"), effect: .allow, reason: .allowed,
            rule: "accounts[\"171436882533\"].regions[\"us-*\"]"),
        Case(
            testDescription: "* region of an account", facts: facts(prod, "ap-south-1", "sts", "sts:GetCallerIdentity"),
            effect: .allow, reason: .allowed, rule: "accounts[\"171436882533\"].regions[\"*\"]"),
        Case(
            testDescription: "* services", facts: facts(staging, "eu-north-1", "ec2", "ec2:RunInstances"),
            effect: .allow, reason: .allowed, rule: "accounts[\"411435703965\"].regions[\"*\"]"),
        Case(
            testDescription: "service allowed by IAM prefix too",
            facts: facts(prod, "eu-west-1", "dynamodb", "dynamodb:PutItem", iamPrefix: "dynamodb"), effect: .allow,
            reason: .allowed, rule: "accounts[\"171436882533\"].regions[\"eu-west-1\"]"),
        Case(
            testDescription: "account not listed", facts: facts("999999999999", "eu-west-1", "s3", "s3:GetObject"),
            effect: .deny, reason: .accountNotAllowed, rule: "default"),
        Case(
            testDescription: "service not allowed in region", facts: facts(prod, "eu-west-1", "sqs", "sqs:SendMessage"),
            effect: .deny, reason: .serviceNotAllowed, rule: "default"),
        Case(
            testDescription: "unknown account (legacy key allowed)",
            facts: facts(nil, "eu-west-1", "s3", "s3:GetObject"), effect: .deny, reason: .accountNotAllowed,
            rule: "default"),
        // Deny statements win over every allow.
        Case(
            testDescription: "deny by action for an allowed account",
            facts: facts(staging, "eu-west-1", "secretsmanager", "secretsmanager:GetSecretValue"), effect: .deny,
            reason: .deniedByRule, rule: "no-secret-reads"),
        Case(
            testDescription: "action patterns are case-insensitive",
            facts: facts(staging, "eu-west-1", "ssm", "SSM:getparameters"), effect: .deny, reason: .deniedByRule,
            rule: "no-secret-reads"),
        Case(
            testDescription: "deny by account name and service",
            facts: facts(staging, "us-east-1", "iam", "iam:CreateUser"), effect: .deny, reason: .deniedByRule,
            rule: "staging-no-iam"),
        Case(
            testDescription: "not_resources: other bucket denied",
            facts: facts(prod, "eu-west-1", "s3", "s3:PutObject", resource: "arn:aws:s3:::attacker-drop/x"),
            effect: .deny, reason: .deniedByRule, rule: "prod-writes-own-buckets"),
        Case(
            testDescription: "not_resources: own bucket allowed",
            facts: facts(prod, "eu-west-1", "s3", "s3:PutObject", resource: "arn:aws:s3:::prod-data/x"), effect: .allow,
            reason: .allowed, rule: "accounts[\"171436882533\"].regions[\"eu-west-1\"]"),
        Case(
            testDescription: "not_resources with an unknown resource denies",
            facts: facts(prod, "eu-west-1", "s3", "s3:PutObject", resource: nil), effect: .deny, reason: .deniedByRule,
            rule: "prod-writes-own-buckets"),
        // Unknown actions never widen access.
        Case(
            testDescription: "unknown action matches a deny naming its service",
            facts: facts(staging, "eu-west-1", "ssm", nil), effect: .deny, reason: .deniedByRule,
            rule: "no-secret-reads"),
        Case(
            testDescription: "unknown action of another service passes the deny",
            facts: facts(staging, "eu-west-1", "sqs", nil), effect: .allow, reason: .allowed,
            rule: "accounts[\"411435703965\"].regions[\"*\"]"),
        Case(
            testDescription: "unknown action does not match an allow with actions",
            facts: facts(
                other, "eu-west-1", "ec2", nil, source: "10.1.2.3", principal: "spiffe://cluster.local/ns/ci/sa/runner"),
            effect: .deny, reason: .accountNotAllowed, rule: "default"),
        // principals and sources.
        Case(
            testDescription: "principal and source match",
            facts: facts(
                other, "eu-west-1", "ec2", "ec2:DescribeInstances", source: "10.1.2.3",
                principal: "spiffe://cluster.local/ns/ci/sa/runner"), effect: .allow, reason: .allowed, rule: "ci-reads"
        ),
        Case(
            testDescription: "IPv6 source",
            facts: facts(
                other, "eu-west-1", "ec2", "ec2:DescribeInstances", source: "fd00::1",
                principal: "spiffe://cluster.local/ns/ci/sa/runner"), effect: .allow, reason: .allowed, rule: "ci-reads"
        ),
        Case(
            testDescription: "source outside the CIDRs",
            facts: facts(
                other, "eu-west-1", "ec2", "ec2:DescribeInstances", source: "192.168.1.1",
                principal: "spiffe://cluster.local/ns/ci/sa/runner"), effect: .deny, reason: .accountNotAllowed,
            rule: "default"),
        Case(
            testDescription: "other principal",
            facts: facts(
                other, "eu-west-1", "ec2", "ec2:DescribeInstances", source: "10.1.2.3",
                principal: "spiffe://cluster.local/ns/prod/sa/app"), effect: .deny, reason: .accountNotAllowed,
            rule: "default"),
        Case(
            testDescription: "no principal at all",
            facts: facts(other, "eu-west-1", "ec2", "ec2:DescribeInstances", source: "10.1.2.3"), effect: .deny,
            reason: .accountNotAllowed, rule: "default"),
        Case(
            testDescription: "write action not in the allow",
            facts: facts(
                other, "eu-west-1", "ec2", "ec2:RunInstances", source: "10.1.2.3",
                principal: "spiffe://cluster.local/ns/ci/sa/runner"), effect: .deny, reason: .accountNotAllowed,
            rule: "default"),
        // Account patterns, not_regions, methods, hosts.
        Case(
            testDescription: "account pattern, host and method",
            facts: facts(
                other, "eu-west-1", "lambda", "lambda:InvokeFunction", host: "lambda.eu-west-1.amazonaws.com",
                method: "POST"), effect: .allow, reason: .allowed, rule: "lambda-anywhere"),
        Case(
            testDescription: "not_regions excludes China",
            facts: facts(
                other, "cn-north-1", "lambda", "lambda:InvokeFunction", host: "lambda.cn-north-1.amazonaws.com",
                method: "POST"), effect: .deny, reason: .accountNotAllowed, rule: "default"),
        Case(
            testDescription: "method mismatch",
            facts: facts(
                other, "eu-west-1", "lambda", "lambda:GetFunction", host: "lambda.eu-west-1.amazonaws.com",
                method: "GET"), effect: .deny, reason: .accountNotAllowed, rule: "default"),
        // access_key_ids.
        Case(
            testDescription: "pinned access key",
            facts: facts(other, "us-east-1", "sts", "sts:GetCallerIdentity", key: "ASIAY34FZKBOKMUTVV7A"),
            effect: .allow, reason: .allowed, rule: "key-pinned"),
        Case(
            testDescription: "another key of the same account",
            facts: facts(other, "us-east-1", "sts", "sts:GetCallerIdentity", key: "ASIAY34FZKBOKMUTVV7B"),
            effect: .deny, reason: .accountNotAllowed, rule: "default"),
    ]

    @Test("decisions", arguments: cases)
    func decide(_ testCase: Case) throws {
        let policy = try #require(Self.policy)
        let decision = policy.evaluate(testCase.facts)
        #expect(decision.effect == testCase.effect, "\(decision)")
        #expect(decision.reason == testCase.reason, "\(decision)")
        #expect(decision.rule == testCase.rule, "\(decision)")
    }

    @Test("messages say what failed in words")
    func messages() throws {
        let policy = try #require(Self.policy)
        #expect(
            policy.evaluate(Self.facts("999999999999", "us-east-1", "s3", "s3:GetObject")).message
                == "account 999999999999 is not allowed to call s3 in us-east-1")
        #expect(
            policy.evaluate(Self.facts(Self.staging, "eu-west-1", "ssm", "ssm:GetParameter")).message.contains(
                "is denied by rule no-secret-reads"))
        #expect(policy.accountNames[Self.prod] == "prod")
    }

    @Test("region_not_allowed names the level that failed")
    func regionLevel() throws {
        let policy = try CompiledPolicy(
            PolicyConfig.parse("accounts:\n  \"171436882533\":\n    regions:\n      eu-west-1: { services: [s3] }\n"))
        let decision = policy.evaluate(Self.facts(Self.prod, "us-east-1", "s3", "s3:GetObject"))
        #expect(decision.reason == .regionNotAllowed)
        #expect(
            policy.evaluate(Self.facts(Self.prod, "eu-west-1", "sqs", "sqs:SendMessage")).reason == .serviceNotAllowed)
    }

    @Test("without accounts: a failed default is no_matching_rule; default: allow allows")
    func defaults() throws {
        let none = try CompiledPolicy(PolicyConfig.parse("rules:\n  - { name: r, effect: allow, services: [s3] }\n"))
        #expect(none.evaluate(Self.facts(Self.prod, "eu-west-1", "sqs", "sqs:SendMessage")).reason == .noMatchingRule)
        #expect(none.evaluate(Self.facts(Self.prod, "eu-west-1", "s3", "s3:GetObject")).rule == "r")
        let open = try CompiledPolicy(
            PolicyConfig.parse("default: allow\nrules:\n  - { name: d, effect: deny, regions: [cn-*] }\n"))
        #expect(open.evaluate(Self.facts(Self.prod, "eu-west-1", "s3", nil)).effect == .allow)
        #expect(open.evaluate(Self.facts(Self.prod, "cn-north-1", "s3", nil)).reason == .deniedByRule)
        #expect(open.evaluate(Self.facts(Self.prod, nil, "s3", nil)).reason == .deniedByRule)  // unknown region
    }

    @Test("the account index does not change decisions: 1,000 statements")
    func largePolicy() throws {
        var yaml = "rules:\n"
        for index in 0..<1000 {
            let account = String(100_000_000_000 + index)
            yaml +=
                "  - { name: r\(index), effect: \(index % 10 == 0 ? "deny" : "allow"), accounts: [\"\(account)\"], actions: [\"s3:Get*\"] }\n"
        }
        yaml += "  - { name: everyone-sts, effect: allow, actions: [\"sts:GetCallerIdentity\"] }\n"
        let policy = try CompiledPolicy(PolicyConfig.parse(yaml))
        #expect(policy.evaluate(Self.facts("100000000010", "eu-west-1", "s3", "s3:GetObject")).rule == "r10")
        #expect(policy.evaluate(Self.facts("100000000011", "eu-west-1", "s3", "s3:GetObject")).rule == "r11")
        #expect(
            policy.evaluate(Self.facts("100000000011", "eu-west-1", "s3", "s3:PutObject")).reason == .noMatchingRule)
        #expect(
            policy.evaluate(Self.facts("999999999999", "eu-west-1", "sts", "sts:GetCallerIdentity")).rule
                == "everyone-sts")
    }
}
