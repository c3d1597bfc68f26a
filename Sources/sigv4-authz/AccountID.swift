import ArgumentParser
import Foundation
import SigV4

/// `sigv4-authz account-id AKID`: the account of an access key id, derived offline.
struct AccountID: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account-id",
        abstract: "Print the AWS account that owns an access key id (derived offline).")

    @Argument(help: "An access key id such as AKIA… or ASIA….")
    var accessKeyID: String

    func run() throws {
        do {
            print(try AWSAccountID(accessKeyID: accessKeyID))
        } catch {
            printError("sigv4-authz: \(error.message)")
            throw ExitStatus.usage
        }
    }
}

/// Writes a line to standard error.
func printError(_ line: String) {
    var stream = StandardError()
    print(line, to: &stream)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}
