import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// `sigv4-authz`: the authorization service's command line.
@main
struct SigV4Authz: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sigv4-authz",
        abstract: "Decide whether AWS API requests may leave through the proxy.",
        discussion: """
            Exit status: check exits 0 on allow, 1 on deny; every command exits 2 on a usage or configuration error.
            """,
        version: Version.current,
        subcommands: [
            Serve.self, Check.self, Validate.self, AccountID.self, SquidHelper.self, Broker.self, Token.self,
            Suggest.self, Test.self,
        ]
    )
}

extension SigV4Authz {
    /// Runs Swift concurrency on NIO's event loops, then the command.
    ///
    /// Installing NIO's singleton event-loop group as the global executor (before any async code runs)
    /// means the listeners, the gRPC server (whose transport uses the same singleton group) and every
    /// task share one thread per core: no hop to Dispatch's pool and back for each RPC.
    static func main() {
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let finished = DispatchSemaphore(value: 0)
        Task.detached {
            await runCommand()
            finished.signal()
        }
        finished.wait()
    }

    /// Runs a command; usage errors exit with status 2 (the contract's), not ArgumentParser's 64.
    static func runCommand() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                printError(fullMessage(for: error))
                Foundation.exit(ExitStatus.usage.rawValue)
            }
            exit(withError: error)
        }
    }
}

/// Exit codes shared by the commands.
enum ExitStatus {
    static let allow = ExitCode(0)
    static let deny = ExitCode(1)
    static let usage = ExitCode(2)
}
