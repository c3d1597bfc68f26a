import AuthzServer
import Policy
import Testing

/// Safe rollout (`mode: dry_run`, `enforce: false`) and explanations (`evaluation`, `missing`) in the
/// policy: the configuration keys, the non-enforced deny statements and the words of every decision.
@Suite("Rollout and explanations")
struct RolloutTests {
    static let prod = "171436882533"

    // MARK: configuration

    struct ValidCase: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var yaml: String
        var mode: PolicyConfig.Mode
        var enforce: [Bool]
    }

    static let valid: [ValidCase] = [
        ValidCase(testDescription: "defaults", yaml: "default: deny\n", mode: .enforce, enforce: []),
        ValidCase(testDescription: "mode: dry_run", yaml: "mode: dry_run\n", mode: .dryRun, enforce: []),
        ValidCase(testDescription: "mode: enforce", yaml: "mode: enforce\n", mode: .enforce, enforce: []),
        ValidCase(
            testDescription: "enforce on deny statements; allow may say true",
            yaml:
                "rules:\n  - { name: a, effect: deny, enforce: false }\n  - { name: b, effect: deny, enforce: true }\n  - { name: c, effect: allow, enforce: true }\n  - { name: d, effect: deny }\n",
            mode: .enforce, enforce: [false, true, true, true]),
    ]

    @Test("rollout settings are read, whole file and policy alone", arguments: valid)
    func validConfig(_ testCase: ValidCase) throws {
        let file = try ConfigurationFile.parse(testCase.yaml, path: "config.yaml")
        #expect(file.policy.mode == testCase.mode)
        #expect(file.policy.rules.map(\.enforce) == testCase.enforce)
        let policy = try PolicyConfig.parse(testCase.yaml)
        #expect(policy.mode == testCase.mode)
    }

    // MARK: evaluation

    static let yaml = """
        accounts:
          "171436882533":
            name: prod
            regions:
              eu-west-1: { services: [s3, sqs] }
        rules:
          - name: try-no-deletes
            effect: deny
            enforce: false
            actions: ["s3:DeleteObject"]
          - name: no-secrets
            effect: deny
            actions: ["secretsmanager:GetSecretValue"]
          - name: try-no-sqs
            effect: deny
            enforce: false
            services: [sqs]
          - name: no-sqs-purge
            effect: deny
            actions: ["sqs:PurgeQueue"]
          - name: reports-reader
            effect: allow
            accounts: ["609629065308"]
            actions: ["s3:GetObject"]
            resources: ["arn:aws:s3:::reports/*"]
        default: deny
        """

    static let policy: CompiledPolicy? = try? CompiledPolicy(PolicyConfig.parse(yaml, path: "policy.yaml"))

    struct Case: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var facts: RequestFacts
        var outcome: Decision.Outcome
        var reason: ReasonCode
        var rule: String?
        var evaluation: Evaluation
        var missing: [String] = []
    }

    static func facts(
        _ account: String?, _ service: String?, _ action: String?, resource: String? = nil,
        region: String? = "eu-west-1"
    ) -> RequestFacts {
        RequestFacts(
            accountID: account, region: region, signingName: service, iamPrefix: service, action: action,
            resource: resource, host: "\(service ?? "x").eu-west-1.amazonaws.com", method: "GET")
    }

    static let cases: [Case] = [
        Case(
            testDescription: "allowed by the allowlist", facts: facts(prod, "s3", "s3:GetObject"), outcome: .allow,
            reason: .allowed, rule: "accounts[\"171436882533\"].regions[\"eu-west-1\"]", evaluation: .allowed),
        Case(
            testDescription: "a non-enforced deny, then an allow: would_deny",
            facts: facts(prod, "s3", "s3:DeleteObject"), outcome: .wouldDeny, reason: .deniedByRule,
            rule: "try-no-deletes", evaluation: .explicitDeny),
        Case(
            testDescription: "a non-enforced deny, then an enforced deny: deny",
            facts: facts(prod, "sqs", "sqs:PurgeQueue"), outcome: .deny, reason: .deniedByRule, rule: "no-sqs-purge",
            evaluation: .explicitDeny),
        Case(
            testDescription: "a non-enforced deny, then no allow: the implicit deny",
            facts: facts("999999999999", "s3", "s3:DeleteObject"), outcome: .deny, reason: .accountNotAllowed,
            rule: "default", evaluation: .implicitDeny),
        Case(
            testDescription: "a non-enforced services deny, then nothing allows: the implicit deny",
            facts: facts("609629065308", "sqs", "sqs:SendMessage"), outcome: .deny, reason: .accountNotAllowed,
            rule: "default", evaluation: .implicitDeny),
        Case(
            testDescription: "an enforced deny statement: explicit_deny",
            facts: facts(prod, "secretsmanager", "secretsmanager:GetSecretValue"), outcome: .deny,
            reason: .deniedByRule, rule: "no-secrets", evaluation: .explicitDeny),
        Case(
            testDescription: "region not allowed: implicit_deny",
            facts: facts(prod, "s3", "s3:GetObject", region: "us-east-1"),
            outcome: .deny, reason: .regionNotAllowed, rule: "default", evaluation: .implicitDeny),
        Case(
            testDescription: "service not allowed: implicit_deny", facts: facts(prod, "ec2", "ec2:RunInstances"),
            outcome: .deny, reason: .serviceNotAllowed, rule: "default", evaluation: .implicitDeny),
        Case(
            testDescription: "unknown account: account missing",
            facts: facts(nil, "s3", "s3:GetObject", resource: "arn:aws:s3:::prod/k"),
            outcome: .deny, reason: .accountNotAllowed, rule: "default", evaluation: .implicitDeny,
            missing: ["account"]),
        Case(
            testDescription: "an allow statement constrains the unknown action: action missing",
            facts: facts("609629065308", "s3", nil, resource: "arn:aws:s3:::reports/q1.csv"), outcome: .deny,
            reason: .accountNotAllowed, rule: "default", evaluation: .implicitDeny, missing: ["action"]),
        Case(
            testDescription: "an allow statement fails on a known fact: nothing missing",
            facts: facts("609629065308", "s3", nil, resource: "arn:aws:s3:::other/q1.csv"), outcome: .deny,
            reason: .accountNotAllowed, rule: "default", evaluation: .implicitDeny),
        Case(
            testDescription: "unknown action and resource: both missing",
            facts: facts("609629065308", "s3", nil), outcome: .deny, reason: .accountNotAllowed, rule: "default",
            evaluation: .implicitDeny, missing: ["action", "resource"]),
        Case(
            testDescription: "an enforced deny matched conservatively: action missing",
            facts: facts(prod, "secretsmanager", nil), outcome: .deny, reason: .deniedByRule, rule: "no-secrets",
            evaluation: .explicitDeny, missing: ["action"]),
        Case(
            testDescription: "a non-enforced deny matched conservatively: would_deny, action missing",
            facts: facts(prod, "s3", nil), outcome: .wouldDeny, reason: .deniedByRule, rule: "try-no-deletes",
            evaluation: .explicitDeny, missing: ["action"]),
    ]

    @Test("decision word, reason, rule, evaluation and missing facts", arguments: cases)
    func decide(_ testCase: Case) throws {
        let policy = try #require(Self.policy)
        let decision = policy.evaluate(testCase.facts)
        #expect(decision.outcome == testCase.outcome, "\(decision)")
        #expect(decision.reason == testCase.reason, "\(decision)")
        #expect(decision.rule == testCase.rule, "\(decision)")
        #expect(decision.evaluation == testCase.evaluation, "\(decision)")
        #expect(decision.missing.names == testCase.missing, "\(decision)")
        // The proxy's answer: allow for an allow and a would_deny.
        #expect((decision.answer == .allow) == (testCase.outcome != .deny))
        if testCase.outcome == .wouldDeny {
            #expect(decision.message.hasSuffix(" (not enforced: enforce: false)"), "\(decision.message)")
            #expect(decision.effect == .deny && !decision.enforced)
        }
        if testCase.outcome == .allow { #expect(decision.missing.isEmpty) }
    }

    @Test("the first non-enforced deny names the would_deny; an earlier pair's one is kept")
    func pairs() throws {
        let policy = try #require(Self.policy)
        var facts = Self.facts(Self.prod, "s3", "s3:GetObject")
        facts.additionalAuthorizations = [ActionResource(action: "s3:DeleteObject", resource: nil)]
        let decision = policy.evaluate(facts)
        #expect(decision.outcome == .wouldDeny)
        #expect(decision.rule == "try-no-deletes")
        // An enforced deny of another pair wins over the non-enforced one.
        facts.additionalAuthorizations.append(ActionResource(action: "secretsmanager:GetSecretValue", resource: nil))
        #expect(policy.evaluate(facts).outcome == .deny)
        #expect(policy.evaluate(facts).rule == "no-secrets")
    }

    @Test("every reason has one evaluation word")
    func evaluationWords() {
        let implicit: Set<ReasonCode> = [.noMatchingRule, .accountNotAllowed, .regionNotAllowed, .serviceNotAllowed]
        for reason in ReasonCode.allCases where reason != .allowed {
            let word = Decision.deny(reason, "m").evaluation
            #expect(word == (implicit.contains(reason) ? .implicitDeny : .explicitDeny), "\(reason)")
            // Not enforced, the would-be deny's word.
            #expect(Decision.deny(reason, "m").notEnforced(because: "mode: dry_run").evaluation == word)
        }
        #expect(Decision(effect: .allow, reason: .allowed, rule: nil, message: "").evaluation == .allowed)
        #expect(Evaluation.allCases.map(\.rawValue) == ["allowed", "explicit_deny", "implicit_deny"])
    }

    @Test("an allow is never made a would_deny; a would_deny is suffixed once")
    func notEnforced() {
        let allow = Decision(effect: .allow, reason: .allowed, rule: "r", message: "allowed by rule r")
        #expect(allow.notEnforced(because: "mode: dry_run") == allow)
        let once = Decision.deny(.deniedByRule, "x").notEnforced(because: "enforce: false")
        #expect(once.notEnforced(because: "mode: dry_run").message == "x (not enforced: enforce: false)")
        #expect(Decision.Outcome.allCases.map(\.rawValue) == ["allow", "deny", "would_deny"])
    }

    @Test("the bucket-owner rule: resource_owner missing")
    func bucketOwner() throws {
        let policy = try CompiledPolicy(
            PolicyConfig.parse(
                "accounts:\n  \"171436882533\": { regions: { \"*\": { services: [s3] } } }\ns3: { expected_bucket_owner: required }\n"
            ))
        var facts = Self.facts(Self.prod, "s3", "s3:GetObject")
        facts.addressesS3Bucket = true
        let decision = policy.evaluate(facts)
        #expect(decision.reason == .resourceOwnerNotAllowed)
        #expect(decision.evaluation == .explicitDeny)
        #expect(decision.missing.names == ["resource_owner"])
    }

    @Test("the summary says what is not enforced")
    func summary() throws {
        let policy = try #require(Self.policy)
        #expect(policy.summary.contains("2 deny rules not enforced"))
        let dry = try CompiledPolicy(PolicyConfig.parse("mode: dry_run\n"))
        #expect(dry.summary.contains("mode dry_run"))
    }
}
