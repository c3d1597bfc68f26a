import ArgumentParser
import SigV4

/// `sigv4-authz broker`: the commands of credential brokering (virtual keys re-signed with a role's
/// credentials).
struct Broker: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Credential brokering: virtual keys and the role credentials they are re-signed with.",
        subcommands: [NewKey.self, BrokerCredentials.self]
    )
}

extension Broker {
    /// `sigv4-authz broker new-key --account ID`: a virtual key for an account, ready to paste into a
    /// workload's `~/.aws/credentials` and the configuration's `brokering.virtual_keys`.
    struct NewKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new-key",
            abstract: "Make a virtual key: an access key id that derives offline to an account, and a secret.",
            discussion: """
                The key id is new-generation and encodes the account (sigv4-authz account-id prints it back); \
                39 of its bits and the whole secret are random. The secret is printed once, for the workload's \
                credentials file; sigv4-authz reads the same secret from an environment variable or a file.
                """
        )

        @Option(help: "The 12-digit account the key id derives to (the account the policy decides its requests as).")
        var account: String

        @Option(help: "The key id's prefix: AKIA (a long-term key) or ASIA (a temporary one).")
        var prefix = AccessKeyIDGenerator.Prefix.akia.rawValue

        @Option(help: "The profile name in the credentials file.")
        var profile = "default"

        func validate() throws {
            guard AWSAccountID(account) != nil else {
                throw ValidationError(
                    "--account must be a 12-digit account id such as 123456789012; '\(account)' is not")
            }
            guard AccessKeyIDGenerator.Prefix(rawValue: prefix) != nil else {
                throw ValidationError("--prefix must be AKIA or ASIA; '\(prefix)' is not")
            }
            guard Self.isProfileName(profile) else {
                throw ValidationError(
                    "--profile must be 1 to 64 letters, digits and -_.@+; '\(profile)' is not")
            }
        }

        func run() throws {
            guard let accountID = AWSAccountID(account), let prefix = AccessKeyIDGenerator.Prefix(rawValue: prefix)
            else {
                throw ExitStatus.usage
            }
            let accessKeyID = AccessKeyIDGenerator.make(account: accountID, prefix: prefix)
            print(
                Self.render(
                    account: accountID, accessKeyID: accessKeyID, secret: AccessKeyIDGenerator.makeSecret(),
                    profile: profile),
                terminator: "")
        }

        /// The text `new-key` prints: a credentials-file profile and a `brokering.virtual_keys` entry.
        static func render(account: AWSAccountID, accessKeyID: String, secret: String, profile: String) -> String {
            let variable = "VIRTUAL_KEY_\(accessKeyID)"
            return """
                # a virtual key for account \(account) (derives offline to it); keep the secret out of the YAML
                [\(profile)]
                aws_access_key_id = \(accessKeyID)
                aws_secret_access_key = \(secret)
                # brokering.virtual_keys entry (sigv4-authz reads the same secret from \(variable)):
                - { access_key_id: \(accessKeyID), secret_env: \(variable), role: "arn:aws:iam::{account}:role/NAME" }

                """
        }

        /// A profile name that needs no quoting in an INI section header.
        static func isProfileName(_ name: String) -> Bool {
            !name.isEmpty && name.count <= 64
                && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.@+".contains($0)) }
        }
    }
}
