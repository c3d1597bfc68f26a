public import AWSClassifier
public import AuthzCore
internal import AuthzServer
internal import Foundation
public import Policy
internal import SigV4

/// What the engine decided for a test's request, read as every front end reads it: the decision
/// headers' words (so `would_deny` reads as the proxy's headers say it) and the audit record's
/// `evaluation`, when the build writes one.
public struct PolicyTestObservation: Sendable, Hashable {
    /// `allow`, `deny` or `would_deny`.
    public var decision: String
    /// The reason code.
    public var reason: String
    /// The rule; `nil` when none decided.
    public var rule: String?
    /// `allowed`, `explicit_deny` or `implicit_deny`; `nil` when this build does not say.
    public var evaluation: String?
    /// The decision's sentence, with the `sigv4-authz:` prefix.
    public var message: String

    /// Creates an observation.
    public init(decision: String, reason: String, rule: String?, evaluation: String?, message: String) {
        self.decision = decision
        self.reason = reason
        self.rule = rule
        self.evaluation = evaluation
        self.message = message
    }

    /// What `result` says.
    public init(_ result: CheckResult) {
        var headers: [String: String] = [:]
        DecisionHeaders.forEach(result) { headers[$0] = $1 }
        decision = headers["x-sigv4-authz-decision"] ?? ""
        reason = headers["x-sigv4-authz-reason"] ?? ""
        rule = headers["x-sigv4-authz-rule"].flatMap { $0.isEmpty ? nil : $0 }
        let record = try? JSONSerialization.jsonObject(with: Data(AuditRecord(result).json.utf8)) as? [String: Any]
        evaluation = record?["evaluation"] as? String
        message = result.message
    }
}

/// The fields of an expectation, in the order they are compared and printed.
public enum PolicyTestField: String, Sendable, Hashable, CaseIterable {
    case decision, reason, rule, evaluation, message
}

/// One test's result.
public struct PolicyTestOutcome: Sendable {
    /// The test.
    public var test: PolicyTestCase
    /// What the engine decided.
    public var observed: PolicyTestObservation
    /// The expected fields that differ; empty when the test passed.
    public var mismatches: [PolicyTestField]

    /// Whether the test passed.
    public var passed: Bool { mismatches.isEmpty }

    /// Creates an outcome by comparing.
    public init(test: PolicyTestCase, observed: PolicyTestObservation) {
        self.test = test
        self.observed = observed
        self.mismatches = Self.compare(test.expect, observed)
    }

    /// The fields of `expect` that `observed` does not meet: each given one must be equal (the
    /// message: contained in the sentence); an expected evaluation fails when none is reported.
    public static func compare(
        _ expect: PolicyTestExpectation, _ observed: PolicyTestObservation
    ) -> [PolicyTestField] {
        var fields: [PolicyTestField] = []
        if expect.decision != observed.decision { fields.append(.decision) }
        if let reason = expect.reason, reason != observed.reason { fields.append(.reason) }
        switch expect.rule {
        case nil: break
        case .none?: if observed.rule != nil { fields.append(.rule) }
        case .named(let name)?: if observed.rule != name { fields.append(.rule) }
        }
        if let evaluation = expect.evaluation, evaluation != observed.evaluation { fields.append(.evaluation) }
        if let message = expect.message, !observed.message.contains(message) { fields.append(.message) }
        return fields
    }
}

/// Runs a test file's tests against the engine `check` and the server decide with
/// (``PolicyLoader``), built from the configuration under test.
///
/// Nothing leaves the machine and no secret is read: every key of `credentials.keys` and
/// `brokering.virtual_keys` gets a stand-in secret made for the run, requests signed by those key ids
/// are signed with it (so their signatures are verified, as the server verifies them with the real
/// ones), and a brokered allow gets stand-in role credentials instead of STS's. Identity tokens are
/// not verified (no STS): they are denied `identity_unavailable`.
public struct PolicyTestRunner: Sendable {
    /// The AWS model requests are classified with.
    public let model: AWSModel

    /// Creates a runner.
    public init(model: AWSModel) { self.model = model }

    /// The engine for `file`'s configuration at `time` (milliseconds since the epoch), and the stand-in
    /// secrets of its known keys by key id.
    /// - Throws: ``ConfigError``: the configuration's problems (a file that cannot be read at `config:`).
    func engine(for file: PolicyTestFile, time: Int64) throws(ConfigError) -> (AuthzEngine, [String: String]) {
        var configuration: ConfigurationFile
        do {
            configuration = try ConfigurationFile.load(path: file.configPath)
        } catch {
            throw ConfigError(
                error.issues.map { issue in
                    guard issue.position.line == 0 else { return issue }
                    return ConfigIssue(position: file.configPosition, message: "config: \(issue.description)")
                })
        }
        var environment: [String: String] = [:]
        var secrets: [String: String] = [:]
        func standIn(_ accessKeyID: String) -> PolicyConfig.SecretSource {
            let name = "SIGV4_AUTHZ_TEST_SECRET_\(environment.count)"
            let secret = secrets[accessKeyID] ?? AccessKeyIDGenerator.makeSecret()
            secrets[accessKeyID] = secret
            environment[name] = secret
            return .environment(name)
        }
        for index in configuration.policy.credentials.keys.indices {
            let key = configuration.policy.credentials.keys[index]
            configuration.policy.credentials.keys[index].secret = standIn(key.accessKeyID)
        }
        for index in configuration.policy.brokering.virtualKeys.indices {
            let key = configuration.policy.brokering.virtualKeys[index]
            configuration.policy.brokering.virtualKeys[index].secret = standIn(key.accessKeyID)
        }
        let engine = try PolicyLoader.engine(
            for: configuration, model: model, environment: environment, roles: StandInRoles(), now: { time })
        return (engine, secrets)
    }

    /// Runs every test of `file`, at `file.at` or else `now` (seconds since the epoch).
    /// - Throws: ``ConfigError`` when the configuration cannot be used, or a request cannot be built.
    public func run(_ file: PolicyTestFile, now: Int64) throws(ConfigError) -> [PolicyTestOutcome] {
        let seconds = file.at ?? now
        let time = seconds * 1000
        let (engine, secrets) = try engine(for: file, time: time)
        var outcomes: [PolicyTestOutcome] = []
        for test in file.tests {
            let result: CheckResult
            do {
                switch test.request {
                case .credential(let scope):
                    result = engine.decide(credentialScope: scope, at: time)
                case .http(let text, let peer):
                    var request = try RequestInput.raw(Array(text.utf8))
                    request.sourceAddress = peer.source
                    request.principal = peer.principal
                    result = engine.decide(request, at: time)
                case .url(let given):
                    result = engine.decide(try Self.request(given, secrets: secrets, time: seconds), at: time)
                }
            } catch {
                throw ConfigError([ConfigIssue(position: test.position, message: error.message)])
            }
            outcomes.append(PolicyTestOutcome(test: test, observed: PolicyTestObservation(result)))
        }
        return outcomes
    }

    /// The request of a URL test, signed at `time` (seconds since the epoch).
    static func request(
        _ given: PolicyTestRequest.URLRequest, secrets: [String: String], time: Int64
    ) throws(RequestInputError) -> AuthzRequest {
        var request: AuthzRequest
        let accessKeyID: String
        switch given.signer {
        case .unsigned:
            request = try RequestInput.curl(
                method: given.method, url: given.url, headers: given.headers, body: given.body)
            request.sourceAddress = given.peer.source
            request.principal = given.peer.principal
            return request
        case .account(let account): accessKeyID = SyntheticAccessKey.accessKeyID(for: account)
        case .accessKeyID(let id): accessKeyID = id
        }
        guard let region = given.region, let service = given.service else {
            throw RequestInputError("a signed request needs region and service")
        }
        // A key outside the configuration: any secret (its signature is never checked). A wrong
        // signature: a secret that is not the key's.
        let known = given.wrongSignature ? nil : secrets[accessKeyID]
        let signer = SigV4Signer(
            accessKeyID: accessKeyID, secretAccessKey: known ?? AccessKeyIDGenerator.makeSecret())
        request = try RequestInput.signed(
            method: given.method, url: given.url, headers: given.headers, body: given.body, signer: signer,
            region: region, service: service, time: time)
        request.sourceAddress = given.peer.source
        request.principal = given.peer.principal
        return request
    }
}

/// Role credentials for brokered allows in tests: a fixed stand-in set, never STS's.
struct StandInRoles: RoleCredentialSource {
    func credentials(for target: RoleTarget) -> SigningCredentials? {
        SigningCredentials(
            accessKeyID: "ASIASTANDINROLEKEY00", secretAccessKey: "stand-in-secret-of-a-policy-test",
            sessionToken: "stand-in-session-token")
    }

    func use(_ targets: Set<RoleTarget>) {}
}
