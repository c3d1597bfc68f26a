import AWSClassifier
import ArgumentParser
import AuthzCore
import AuthzServer
import Policy

/// `sigv4-authz validate FILE`: check a configuration without starting anything.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a configuration file; print every problem with file:line:column.")

    @Argument(help: "The configuration file.")
    var file: String

    @Flag(
        help:
            "Also read the secrets of credentials.keys and brokering.virtual_keys from their environment variables or files."
    )
    var checkSecrets = false

    @Flag(help: "Treat warnings (an action name no request can carry) as errors: exit 2.")
    var strict = false

    func run() throws {
        let warnings: [ConfigWarning]
        let summary: String
        do {
            let config = try ConfigurationFile.load(path: file)
            let policy = try CompiledPolicy(config.policy)
            if checkSecrets { _ = try KeyStore(config: config.policy) }
            warnings = ActionWarnings.warnings(path: file, model: try AWSModel.bundled())
            summary = policy.summary
        } catch {
            printError("\(error)")
            throw ExitStatus.usage
        }
        for warning in warnings { printError(warning.description) }
        if strict, !warnings.isEmpty {
            printError("\(file): \(warnings.count) warning\(warnings.count == 1 ? "" : "s"), errors with --strict")
            throw ExitStatus.usage
        }
        print("\(file): OK — \(summary)")
    }
}
