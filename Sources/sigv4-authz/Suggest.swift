import ArgumentParser
import Foundation
import PolicySuggestion

/// `sigv4-authz suggest AUDIT.jsonl…`: the smallest policy that allows what audit records show
/// (docs/suggest.md).
struct Suggest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the smallest policy that allows the requests of audit records (allow and would_deny).",
        discussion: """
            Reads audit records (one JSON object per line; - is standard input), for example those of a \
            dry-run period (mode: dry_run), and prints allow statements to paste under rules:, each line \
            with a comment counting the requests behind it. Review the output before use: docs/suggest.md.
            """)

    @Argument(help: "Audit files (JSON lines); - is standard input.")
    var files: [String]

    @Option(
        help:
            "The fewest distinct actions, resources or paths seen that a wildcard may stand for; 0: no wildcards.")
    var minWildcard = 3

    @Flag(help: "Also allow the requests of deny records (by default they are left out and counted).")
    var includeDenied = false

    func validate() throws {
        guard minWildcard == 0 || minWildcard >= 2 else {
            throw ValidationError("--min-wildcard is 0 (no wildcards) or at least 2, not \(minWildcard)")
        }
    }

    /// The most unreadable lines reported one by one; the rest are counted.
    static let reportedProblems = 20

    func run() throws {
        var input = AuditInput()
        var suggestion = PolicySuggestion(
            options: SuggestionOptions(minWildcard: minWildcard, includeDenied: includeDenied))
        var unreadableFiles: [String] = []
        for file in files {
            let handle: FileHandle
            if file == "-" {
                handle = FileHandle.standardInput
            } else {
                guard let opened = FileHandle(forReadingAtPath: file) else {
                    printError("\(file): cannot be read")
                    throw ExitStatus.usage
                }
                handle = opened
            }
            input.begin(file: file)
            do {
                while let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty {
                    input.feed(chunk)
                    for request in input.takeRequests() { suggestion.add(request) }
                }
            } catch {
                printError("\(file): cannot be read: \(error.localizedDescription)")
                throw ExitStatus.usage
            }
            if file != "-" { try? handle.close() }
            if !input.finish() { unreadableFiles.append(file) }
            for request in input.takeRequests() { suggestion.add(request) }
        }
        for problem in input.problems.prefix(Self.reportedProblems) { printError(problem.description) }
        if input.problemCount > Self.reportedProblems {
            printError("… and \(input.problemCount - Self.reportedProblems) more unreadable lines")
        }
        guard unreadableFiles.isEmpty else {
            for file in unreadableFiles { printError("\(file): no line is an audit record") }
            throw ExitStatus.usage
        }
        print(suggestion.yaml(unreadableLines: input.problemCount), terminator: "")
    }
}
