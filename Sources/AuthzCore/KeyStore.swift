internal import Foundation
public import Policy

/// The secrets of `credentials.keys`, read from environment variables or files when the
/// configuration is loaded (never from the YAML itself).
///
/// - Important: The store holds secrets; its description never shows them.
public struct KeyStore: Sendable, CustomStringConvertible {
    /// One known key.
    public struct Entry: Sendable {
        let secret: String
        /// Deny requests whose signature cannot be checked.
        public let requireVerification: Bool
    }

    let entries: [String: Entry]

    /// An empty store.
    public init() { entries = [:] }

    /// Reads every key's secret.
    /// - Parameter environment: The process environment (injectable for tests).
    /// - Throws: ``ConfigError`` at the key's position when a variable is unset or a file unreadable.
    public init(config: PolicyConfig, environment: [String: String]? = nil) throws(ConfigError) {
        let environment = environment ?? ProcessInfo.processInfo.environment
        var entries: [String: Entry] = [:]
        var issues: [ConfigIssue] = []
        for key in config.credentials.keys {
            let secret: String?
            switch key.secret {
            case .environment(let name):
                secret = environment[name].flatMap { $0.isEmpty ? nil : $0 }
                if secret == nil {
                    issues.append(
                        ConfigIssue(
                            position: key.position,
                            message:
                                "the environment variable \(name) holding the secret of \(key.accessKeyID) is not set"))
                }
            case .file(let path):
                secret = FileManager.default.contents(atPath: path).flatMap { String(data: $0, encoding: .utf8) }?
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                if secret?.isEmpty ?? true {
                    issues.append(
                        ConfigIssue(
                            position: key.position,
                            message: "the secret file \(path) of \(key.accessKeyID) cannot be read or is empty"))
                }
            }
            if let secret, !secret.isEmpty {
                entries[key.accessKeyID] = Entry(secret: secret, requireVerification: key.requireVerification)
            }
        }
        if !issues.isEmpty { throw ConfigError(issues) }
        self.entries = entries
    }

    /// The entry of `accessKeyID`, if its secret is known.
    /// (No key known: no lookup and no copy of the key id.)
    public func entry(for accessKeyID: some StringProtocol) -> Entry? {
        entries.isEmpty ? nil : entries[String(accessKeyID)]
    }

    /// The number of known keys.
    public var count: Int { entries.count }

    public var description: String { "KeyStore(\(entries.count) keys)" }
}
