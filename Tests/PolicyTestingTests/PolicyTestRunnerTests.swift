import AWSClassifier
import Foundation
import Policy
import PolicyTesting
import Testing

@Suite struct PolicyTestComparisonTests {
    static let denied = PolicyTestObservation(
        decision: "deny", reason: "denied_by_rule", rule: "no-secret-reads", evaluation: "explicit_deny",
        message: "sigv4-authz: secretsmanager:GetSecretValue … is denied by rule no-secret-reads")
    static let allowedWithoutEvaluation = PolicyTestObservation(
        decision: "allow", reason: "allowed", rule: "prod", evaluation: nil, message: "sigv4-authz: allowed by prod")
    static let noRule = PolicyTestObservation(
        decision: "deny", reason: "no_credentials", rule: nil, evaluation: nil, message: "sigv4-authz: unsigned")

    static let cases: [(PolicyTestExpectation, PolicyTestObservation, [PolicyTestField])] = [
        (PolicyTestExpectation(decision: "deny"), denied, []),
        (PolicyTestExpectation(decision: "allow"), denied, [.decision]),
        (PolicyTestExpectation(decision: "would_deny"), denied, [.decision]),
        (
            PolicyTestExpectation(decision: "deny", reason: "denied_by_rule", rule: .named("no-secret-reads")), denied,
            []
        ),
        (PolicyTestExpectation(decision: "deny", reason: "no_matching_rule"), denied, [.reason]),
        (PolicyTestExpectation(decision: "deny", rule: .named("no-secret")), denied, [.rule]),
        (PolicyTestExpectation(decision: "deny", rule: PolicyTestExpectation.Rule.none), denied, [.rule]),
        (PolicyTestExpectation(decision: "deny", rule: PolicyTestExpectation.Rule.none), noRule, []),
        (PolicyTestExpectation(decision: "deny", rule: .named("default")), noRule, [.rule]),
        (PolicyTestExpectation(decision: "deny", evaluation: "explicit_deny"), denied, []),
        (PolicyTestExpectation(decision: "deny", evaluation: "implicit_deny"), denied, [.evaluation]),
        (PolicyTestExpectation(decision: "allow", evaluation: "allowed"), allowedWithoutEvaluation, [.evaluation]),
        (PolicyTestExpectation(decision: "deny", message: "GetSecretValue"), denied, []),
        (PolicyTestExpectation(decision: "deny", message: "PutObject"), denied, [.message]),
        (
            PolicyTestExpectation(decision: "allow", reason: "allowed", rule: .named("x"), message: "allowed by"),
            denied,
            [.decision, .reason, .rule, .message]
        ),
    ]

    @Test("each expected field must match; the others are not compared", arguments: cases)
    func compare(expect: PolicyTestExpectation, observed: PolicyTestObservation, mismatches: [PolicyTestField]) {
        #expect(PolicyTestOutcome.compare(expect, observed) == mismatches)
    }

    static func outcome(_ expect: PolicyTestExpectation, _ observed: PolicyTestObservation) -> PolicyTestOutcome {
        PolicyTestOutcome(
            test: PolicyTestCase(
                name: "prod reads secrets", position: SourcePosition(file: "t.yaml", line: 3, column: 5),
                request: .credential("A/B/C/D/aws4_request"), expect: expect),
            observed: observed)
    }

    @Test func aPassAndAFailureAsPrinted() {
        #expect(
            PolicyTestReport.line(Self.outcome(PolicyTestExpectation(decision: "deny"), Self.denied))
                == "PASS prod reads secrets")
        let failed = Self.outcome(
            PolicyTestExpectation(decision: "allow", reason: "allowed", rule: .named("prod")), Self.denied)
        #expect(
            PolicyTestReport.line(failed)
                == "FAIL prod reads secrets: expected allow allowed prod, got deny denied_by_rule no-secret-reads — sigv4-authz: secretsmanager:GetSecretValue … is denied by rule no-secret-reads"
        )
        let noEvaluation = Self.outcome(
            PolicyTestExpectation(decision: "allow", evaluation: "allowed"), Self.allowedWithoutEvaluation)
        #expect(
            PolicyTestReport.line(noEvaluation).contains(
                "got allow allowed prod (no evaluation: this build does not report one)"))
        let results = [
            PolicyTestFileResult(
                path: "t.yaml", configPath: "c.yaml",
                outcomes: [failed, Self.outcome(PolicyTestExpectation(decision: "deny"), Self.denied)])
        ]
        #expect(PolicyTestReport.summary(results) == "2 tests, 1 passed, 1 failed")
        #expect(PolicyTestReport.exitStatus(results) == 1)
        let json = try? JSONSerialization.jsonObject(with: Data(PolicyTestReport.json(results).utf8)) as? [String: Any]
        #expect(json?["tests"] as? Int == 2)
        #expect(json?["failed"] as? Int == 1)
        let files = json?["files"] as? [[String: Any]]
        let tests = files?.first?["tests"] as? [[String: Any]]
        #expect(tests?.first?["mismatches"] as? [String] == ["decision", "reason", "rule"])
        #expect((tests?.first?["got"] as? [String: Any])?["rule"] as? String == "no-secret-reads")
    }
}

/// Files on disk run through the engine: the exit status of passing, failing and broken files.
@Suite struct PolicyTestRunTests {
    static let config = """
        credentials:
          keys:
            - { access_key_id: AKIAV7S32T2OSBFJQOIY, secret_env: NEVER_SET_IN_A_TEST_RUN }
        accounts:
          "171436882533":
            name: prod
            regions:
              eu-west-1: { services: [s3] }
        rules:
          - name: no-deletes
            effect: deny
            actions: ["s3:DeleteObject"]
        default: deny
        """

    static let tests = """
        config: config.yaml
        at: 20260101T000000Z
        tests:
          - name: prod reads
            request: { account: "171436882533", region: eu-west-1, service: s3, url: "https://s3.eu-west-1.amazonaws.com/b/k" }
            expect: { decision: allow, reason: allowed, rule: 'accounts["171436882533"].regions["eu-west-1"]' }
          - name: prod deletes
            request: { account: "171436882533", region: eu-west-1, service: s3, method: DELETE, url: "https://s3.eu-west-1.amazonaws.com/b/k" }
            expect: { decision: deny, reason: denied_by_rule, rule: no-deletes }
          - name: a known key is verified
            request: { access_key_id: AKIAV7S32T2OSBFJQOIY, region: eu-west-1, service: s3, url: "https://s3.eu-west-1.amazonaws.com/b/k" }
            expect: { decision: deny, reason: account_not_allowed }
          - name: a known key with a wrong signature
            request: { access_key_id: AKIAV7S32T2OSBFJQOIY, signature: wrong, region: eu-west-1, service: s3, url: "https://s3.eu-west-1.amazonaws.com/b/k" }
            expect: { decision: deny, reason: signature_mismatch }
          - name: signed a day earlier
            request:
              http: "GET /b/k HTTP/1.1\\r\\nHost: s3.eu-west-1.amazonaws.com\\r\\nX-Amz-Date: 20251231T000000Z\\r\\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIASP2TPHJSQH3FJRUX/20251231/eu-west-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000\\r\\n\\r\\n"
            expect: { decision: deny, reason: clock_skew, rule: "-" }
          - name: a credential names no action, so a deny statement of its service matches
            request: { credential: AKIASP2TPHJSQH3FJRUX/20260101/eu-west-1/s3/aws4_request }
            expect: { decision: deny, reason: denied_by_rule, rule: no-deletes }
        """

    /// A directory with `config.yaml` and `tests.yaml` (the tests with `edit` applied), the file's result.
    static func run(_ edit: (String) -> String = { $0 }, config: String = config) throws -> PolicyTestFileResult {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("policy-tests-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(config.utf8).write(to: directory.appendingPathComponent("config.yaml"))
        let path = directory.appendingPathComponent("tests.yaml").path
        try Data(edit(tests).utf8).write(to: URL(fileURLWithPath: path))
        return PolicyTestFileResult.run(
            path: path, runner: PolicyTestRunner(model: try AWSModel.bundled()), now: 1_900_000_000)
    }

    @Test func everyTestPassesAndTheExitStatusIsZero() throws {
        let result = try Self.run()
        #expect(result.error == nil, "\(result.error?.description ?? "")")
        #expect(result.outcomes.filter { !$0.passed }.map { PolicyTestReport.line($0) } == [])
        #expect(result.outcomes.count == 6)
        #expect(PolicyTestReport.exitStatus([result]) == 0)
    }

    @Test func aFailingTestGivesExitStatusOne() throws {
        let result = try Self.run {
            $0.replacingOccurrences(
                of: "reason: denied_by_rule, rule: no-deletes", with: "reason: denied_by_rule, rule: no-writes")
        }
        // Both tests that expect no-deletes fail.
        #expect(result.outcomes.map(\.passed) == [true, false, true, true, true, false])
        #expect(
            PolicyTestReport.line(result.outcomes[1]).hasPrefix(
                "FAIL prod deletes: expected deny denied_by_rule no-writes, got deny denied_by_rule no-deletes — sigv4-authz: "
            ))
        #expect(PolicyTestReport.exitStatus([result]) == 1)
    }

    @Test func withoutAtTheRequestsAreSignedAndDecidedNow() throws {
        let result = try Self.run { $0.replacingOccurrences(of: "at: 20260101T000000Z\n", with: "") }
        // Signed and decided at the run's "now" (2030), so fresh; the raw request of 2025 is skewed all the more.
        let passed = result.outcomes.map(\.passed)
        #expect(passed == [true, true, true, true, true, true])
    }

    @Test(
        "a broken file or configuration gives exit status 2 and file:line:column",
        arguments: [
            ("config: missing.yaml", "tests.yaml:1:9: config: "),
            ("config: config.yaml\nat: someday", "tests.yaml:2:5: at must be a time"),
        ])
    func brokenFile(replacement: String, problem: String) throws {
        let result = try Self.run {
            $0.replacingOccurrences(of: "config: config.yaml\nat: 20260101T000000Z", with: replacement)
        }
        #expect(PolicyTestReport.exitStatus([result]) == 2)
        let first = result.error?.issues.first?.description ?? ""
        #expect(first.hasSuffix(problem) || first.contains("/" + problem), "got \(first)")
    }

    @Test func aConfigurationProblemIsReportedAtItsOwnPosition() throws {
        let result = try Self.run(config: "default: maybe\n")
        #expect(PolicyTestReport.exitStatus([result]) == 2)
        #expect(
            result.error?.issues.first?.description.contains("config.yaml:1:10:") == true,
            "\(result.error?.description ?? "")")
    }
}

/// Safe rollout: a deny that is not enforced reads as would_deny with the would-be deny's words.
@Suite struct PolicyTestRolloutTests {
    static let tests = """
        config: config.yaml
        at: 20260101T000000Z
        tests:
          - name: a delete is a would_deny
            request: { account: "171436882533", region: eu-west-1, service: s3, method: DELETE, url: "https://s3.eu-west-1.amazonaws.com/b/k" }
            expect: { decision: would_deny, reason: denied_by_rule, rule: no-deletes, evaluation: explicit_deny, message: "not enforced" }
          - name: a read is allowed
            request: { account: "171436882533", region: eu-west-1, service: s3, url: "https://s3.eu-west-1.amazonaws.com/b/k" }
            expect: { decision: allow, evaluation: allowed }
          - name: another account is an implicit would_deny under dry_run, a deny otherwise
            request: { account: "999988887777", region: eu-west-1, service: s3, url: "https://s3.eu-west-1.amazonaws.com/b/k" }
            expect: { decision: DECISION, reason: account_not_allowed, evaluation: implicit_deny }
        """

    static func config(_ rollout: String, statement: String = "") -> String {
        """
        \(rollout)
        accounts:
          "171436882533":
            regions:
              eu-west-1: { services: [s3] }
        rules:
          - name: no-deletes
            effect: deny
            actions: ["s3:DeleteObject"]
        \(statement)
        default: deny
        """
    }

    static func run(config: String, decision: String) throws -> PolicyTestFileResult {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("policy-tests-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(config.utf8).write(to: directory.appendingPathComponent("config.yaml"))
        let path = directory.appendingPathComponent("tests.yaml").path
        try Data(tests.replacingOccurrences(of: "DECISION", with: decision).utf8).write(to: URL(fileURLWithPath: path))
        return PolicyTestFileResult.run(
            path: path, runner: PolicyTestRunner(model: try AWSModel.bundled()), now: 1_900_000_000)
    }

    @Test func modeDryRun() throws {
        let result = try Self.run(config: Self.config("mode: dry_run"), decision: "would_deny")
        #expect(result.error == nil, "\(result.error?.description ?? "")")
        #expect(result.outcomes.filter { !$0.passed }.map { PolicyTestReport.line($0) } == [])
        #expect(PolicyTestReport.exitStatus([result]) == 0)
    }

    @Test func enforceFalse() throws {
        let result = try Self.run(
            config: Self.config("", statement: "    enforce: false"), decision: "deny")
        #expect(result.error == nil, "\(result.error?.description ?? "")")
        #expect(result.outcomes.filter { !$0.passed }.map { PolicyTestReport.line($0) } == [])
    }

    @Test func enforcedTheDeleteIsADenyAndTheTestFails() throws {
        let result = try Self.run(config: Self.config(""), decision: "deny")
        #expect(result.outcomes.map(\.passed) == [false, true, true])
        #expect(result.outcomes.first?.mismatches == [.decision, .message])
        #expect(PolicyTestReport.exitStatus([result]) == 1)
    }
}
