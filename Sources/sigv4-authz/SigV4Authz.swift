import ArgumentParser

/// `sigv4-authz`: the authorization service's command line.
@main
struct SigV4Authz: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sigv4-authz",
        abstract: "Decide whether AWS API requests may leave through the proxy.",
        discussion: """
            Exit status: check exits 0 on allow, 1 on deny; every command exits 2 on a usage or configuration error.
            """,
        subcommands: [Check.self, Validate.self, AccountID.self]
    )
}

/// Exit codes shared by the commands.
enum ExitStatus {
    static let allow = ExitCode(0)
    static let deny = ExitCode(1)
    static let usage = ExitCode(2)
}
