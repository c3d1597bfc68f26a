public import AuthzCore
public import Policy

/// One test file's results: its outcomes, or why it could not be run.
public struct PolicyTestFileResult: Sendable {
    /// The test file, as given.
    public var path: String
    /// The configuration under test, when the file could be read.
    public var configPath: String?
    /// The outcomes, in file order (empty when the file could not be run).
    public var outcomes: [PolicyTestOutcome]
    /// Why the file could not be run: its problems, or its configuration's.
    public var error: ConfigError?

    /// Creates a result.
    public init(path: String, configPath: String?, outcomes: [PolicyTestOutcome], error: ConfigError? = nil) {
        self.path = path
        self.configPath = configPath
        self.outcomes = outcomes
        self.error = error
    }

    /// Reads `path` and runs its tests with `runner` (at the file's `at:` or `now`, seconds since
    /// the epoch); a problem becomes ``error``.
    public static func run(path: String, runner: PolicyTestRunner, now: Int64) -> PolicyTestFileResult {
        let file: PolicyTestFile
        do {
            file = try PolicyTestFile.load(path: path)
        } catch {
            return PolicyTestFileResult(path: path, configPath: nil, outcomes: [], error: error)
        }
        do {
            return PolicyTestFileResult(
                path: path, configPath: file.configPath, outcomes: try runner.run(file, now: now))
        } catch {
            return PolicyTestFileResult(path: path, configPath: file.configPath, outcomes: [], error: error)
        }
    }
}

/// The `test` command's output: a line per test and a summary for people, one JSON object for
/// machines, and the exit status.
public enum PolicyTestReport {
    /// `PASS name`, or `FAIL name: expected …, got … — sentence`.
    public static func line(_ outcome: PolicyTestOutcome) -> String {
        guard !outcome.passed else { return "PASS \(outcome.test.name)" }
        return
            "FAIL \(outcome.test.name): expected \(expected(outcome.test.expect)), got \(got(outcome)) — \(outcome.observed.message)"
    }

    /// The expected fields as words: decision, reason, rule (`-`: none), evaluation, "message".
    static func expected(_ expect: PolicyTestExpectation) -> String {
        var words = [expect.decision]
        if let reason = expect.reason { words.append(reason) }
        switch expect.rule {
        case nil: break
        case .none?: words.append("rule -")
        case .named(let name)?: words.append(name)
        }
        if let evaluation = expect.evaluation { words.append(evaluation) }
        if let message = expect.message { words.append("message containing \"\(message)\"") }
        return words.joined(separator: " ")
    }

    /// What was decided: decision, reason, rule (`-`: none), and the evaluation when one was expected.
    static func got(_ outcome: PolicyTestOutcome) -> String {
        let observed = outcome.observed
        var words = [observed.decision, observed.reason, observed.rule ?? "-"]
        if outcome.test.expect.evaluation != nil {
            words.append(observed.evaluation ?? "(no evaluation: this build does not report one)")
        }
        return words.joined(separator: " ")
    }

    /// The text for people: per file (a header naming it when there are several) a line per test,
    /// then `N tests, P passed, F failed` (and the files that could not be run). Problems of the
    /// files are not here: they go to standard error (``problems(_:)``).
    public static func text(_ results: [PolicyTestFileResult]) -> String {
        var lines: [String] = []
        for result in results {
            if results.count > 1 { lines.append("\(result.path):") }
            lines += result.outcomes.map(line)
            if result.error != nil { lines.append("ERROR \(result.path): could not be run (see the problems above)") }
        }
        lines.append(summary(results))
        return lines.joined(separator: "\n")
    }

    /// `N tests, P passed, F failed`, and `, E files could not be run` when some could not.
    public static func summary(_ results: [PolicyTestFileResult]) -> String {
        let outcomes = results.flatMap(\.outcomes)
        let passed = outcomes.filter(\.passed).count
        let errors = results.filter { $0.error != nil }.count
        var text = "\(outcomes.count) tests, \(passed) passed, \(outcomes.count - passed) failed"
        if errors > 0 { text += ", \(errors) \(errors == 1 ? "file" : "files") could not be run" }
        return text
    }

    /// Every problem of every file, one `file:line:column: sentence` per line.
    public static func problems(_ results: [PolicyTestFileResult]) -> [String] {
        results.flatMap { $0.error?.issues.map(\.description) ?? [] }
    }

    /// 0 when every test passed, 1 when one failed, 2 when a file could not be run.
    public static func exitStatus(_ results: [PolicyTestFileResult]) -> Int32 {
        if results.contains(where: { $0.error != nil }) { return 2 }
        return results.allSatisfy { $0.outcomes.allSatisfy(\.passed) } ? 0 : 1
    }

    /// One JSON object: `files` (each with `file`, `config`, `tests` — `name`, `passed`, `mismatches`,
    /// `expected`, `got` — or `errors`), then `tests`, `passed`, `failed`, `errors`.
    public static func json(_ results: [PolicyTestFileResult]) -> String {
        func quoted(_ text: String?) -> String { text.map(JSONText.quoted) ?? "null" }
        var files: [String] = []
        for result in results {
            var fields = ["\"file\":\(quoted(result.path))", "\"config\":\(quoted(result.configPath))"]
            if let error = result.error {
                fields.append("\"errors\":[\(error.issues.map { quoted($0.description) }.joined(separator: ","))]")
            } else {
                fields.append("\"tests\":[\(result.outcomes.map(json).joined(separator: ","))]")
            }
            files.append("{\(fields.joined(separator: ","))}")
        }
        let outcomes = results.flatMap(\.outcomes)
        let passed = outcomes.filter(\.passed).count
        return
            "{\"files\":[\(files.joined(separator: ","))],\"tests\":\(outcomes.count),\"passed\":\(passed),\"failed\":\(outcomes.count - passed),\"errors\":\(results.filter { $0.error != nil }.count)}"
    }

    static func json(_ outcome: PolicyTestOutcome) -> String {
        func quoted(_ text: String?) -> String { text.map(JSONText.quoted) ?? "null" }
        let expect = outcome.test.expect
        var expected = ["\"decision\":\(quoted(expect.decision))"]
        if let reason = expect.reason { expected.append("\"reason\":\(quoted(reason))") }
        switch expect.rule {
        case nil: break
        case .none?: expected.append("\"rule\":null")
        case .named(let name)?: expected.append("\"rule\":\(quoted(name))")
        }
        if let evaluation = expect.evaluation { expected.append("\"evaluation\":\(quoted(evaluation))") }
        if let message = expect.message { expected.append("\"message\":\(quoted(message))") }
        let observed = outcome.observed
        var got = [
            "\"decision\":\(quoted(observed.decision))", "\"reason\":\(quoted(observed.reason))",
            "\"rule\":\(quoted(observed.rule))",
        ]
        if let evaluation = observed.evaluation { got.append("\"evaluation\":\(quoted(evaluation))") }
        got.append("\"message\":\(quoted(observed.message))")
        let mismatches = outcome.mismatches.map { quoted($0.rawValue) }.joined(separator: ",")
        return
            "{\"name\":\(quoted(outcome.test.name)),\"passed\":\(outcome.passed),\"mismatches\":[\(mismatches)],\"expected\":{\(expected.joined(separator: ","))},\"got\":{\(got.joined(separator: ","))}}"
    }
}
