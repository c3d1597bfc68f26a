import AWSClassifier
import ArgumentParser
import Foundation
import PolicyTesting

/// `sigv4-authz test FILE…`: run users' policy tests (docs/policy-tests.md).
struct Test: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run policy tests: requests and the decisions expected for them (docs/policy-tests.md).",
        discussion: """
            Prints PASS or FAIL per test and 'N tests, P passed, F failed'. Exit status: 0 every test passed, \
            1 a test failed, 2 a file or its configuration has a problem (file:line:column on standard error).
            """)

    @Argument(help: "Policy test files (YAML).")
    var files: [String]

    @Flag(help: "Print one JSON object for machines.")
    var json = false

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one policy test file") }
    }

    func run() throws {
        let model: AWSModel
        do {
            model = try AWSModel.bundled()
        } catch {
            printError("sigv4-authz: \(error)")
            throw ExitStatus.usage
        }
        let runner = PolicyTestRunner(model: model)
        let now = Int64(Date().timeIntervalSince1970)
        let results = files.map { PolicyTestFileResult.run(path: $0, runner: runner, now: now) }
        for problem in PolicyTestReport.problems(results) { printError(problem) }
        print(json ? PolicyTestReport.json(results) : PolicyTestReport.text(results))
        throw ExitCode(PolicyTestReport.exitStatus(results))
    }
}
