import ArgumentParser
import AuthzCore
import Policy

/// `sigv4-authz validate FILE`: check a configuration without starting anything.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a configuration file; print every problem with file:line:column.")

    @Argument(help: "The configuration file.")
    var file: String

    @Flag(help: "Also read the secrets of credentials.keys from their environment variables or files.")
    var checkSecrets = false

    func run() throws {
        do {
            let config = try ConfigLoader.load(path: file)
            let policy = try CompiledPolicy(config)
            if checkSecrets { _ = try KeyStore(config: config) }
            print("\(file): OK — \(summary(policy))")
        } catch {
            printError(error.description)
            throw ExitStatus.usage
        }
    }
}

/// A one-line summary of a policy.
func summary(_ policy: CompiledPolicy) -> String {
    let config = policy.config
    let accounts = config.accounts.map { "\($0.count) accounts" } ?? "no accounts: allowlist"
    let denies = config.rules.filter { $0.effect == .deny }.count
    return
        "\(accounts), \(config.rules.count) rules (\(denies) deny), default \(config.defaultEffect.rawValue), \(config.credentials.keys.count) known keys"
}
