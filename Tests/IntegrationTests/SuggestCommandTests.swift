import Foundation
import Testing

/// `sigv4-authz suggest` as a process, on the committed audit records of Tests/Fixtures/suggest
/// (make-audit.sh wrote them with `sigv4-authz check --json`): its output is a valid configuration.
@Suite("Command line: suggest")
struct SuggestCommandTests {
    static let fixture = CommandLineTests.root.appendingPathComponent("Tests/Fixtures/suggest/audit.jsonl").path

    /// Runs the executable with `input` on its standard input (closed after it).
    static func run(_ arguments: [String], stdin input: String = "") throws -> CommandLineTests.Result {
        let binary = try #require(CommandLineTests.executable, "build the sigv4-authz product first")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let inPipe = Pipe()
        let out = Pipe()
        let err = Pipe()
        process.standardInput = inPipe
        process.standardOutput = out
        process.standardError = err
        try process.run()
        inPipe.fileHandleForWriting.write(Data(input.utf8))
        try inPipe.fileHandleForWriting.close()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandLineTests.Result(
            status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
            error: String(decoding: error, as: UTF8.self))
    }

    @Test("suggest on real audit records: rules validate, counts commented, the unreadable line reported")
    func suggestsValidRules() throws {
        let result = try Self.run(["suggest", Self.fixture])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.error.contains("audit.jsonl:15: not an audit record: 'aws.account' has the wrong type"))
        #expect(result.output.contains("  - name: suggested-e2e-allowed-s3  # 8 requests"))
        #expect(result.output.contains(#"      - "s3:GetObject"  # 6 requests"#))
        #expect(result.output.contains(#"      - "abc123defg.execute-api.us-east-1.amazonaws.com"  # 1 request"#))
        #expect(result.output.contains("# Not suggested: 1 request to sqs by account 171436882533 (e2e-allowed)"))
        #expect(!result.output.contains("DeleteObject"))
        // `validate` accepts the output wrapped as a configuration.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("suggested-\(UUID()).yaml")
        try ("default: deny\n" + result.output).write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let validate = try Self.run(["validate", file.path])
        #expect(validate.status == 0, "\(validate.output)\(validate.error)")
        #expect(validate.output.contains("OK"))
    }

    @Test("standard input, --include-denied, and exit 2 for a file of only unreadable lines")
    func inputsAndErrors() throws {
        let records = try String(contentsOfFile: Self.fixture, encoding: .utf8)
        let denied = try Self.run(["suggest", "--include-denied", "-"], stdin: records)
        #expect(denied.status == 0, "\(denied.error)")
        #expect(denied.output.contains(#""s3:DeleteObject""#))
        let garbage = try Self.run(["suggest", "-"], stdin: "not json\n{\"decision\":1}\n")
        #expect(garbage.status == 2)
        #expect(garbage.error.contains("-:1: not an audit record"))
        #expect(garbage.error.contains("-:2: not an audit record: 'decision' has the wrong type"))
        #expect(garbage.output.isEmpty)
        let usage = try Self.run(["suggest", "--min-wildcard", "1", Self.fixture])
        #expect(usage.status == 2)
    }
}
