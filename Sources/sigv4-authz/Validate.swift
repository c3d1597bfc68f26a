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

    func run() throws {
        do {
            let config = try ConfigurationFile.load(path: file)
            let policy = try CompiledPolicy(config.policy)
            if checkSecrets { _ = try KeyStore(config: config.policy) }
            print("\(file): OK — \(policy.summary)")
        } catch {
            printError(error.description)
            throw ExitStatus.usage
        }
    }
}
