internal import Foundation
public import Policy

/// The secrets of `credentials.keys` and of `brokering.virtual_keys`, read from environment
/// variables or files when the configuration is loaded (never from the YAML itself).
///
/// - Important: The store holds secrets; its description, debug description and mirror never show
///   them (nor do an entry's).
public struct KeyStore: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// One known key: a key of `credentials.keys`, or a virtual key (``brokered`` set).
    public struct Entry: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        let secret: String
        /// Deny requests whose signature cannot be checked (always for a virtual key).
        public let requireVerification: Bool
        /// The role a virtual key's verified requests are decided as and signed again as; `nil` for
        /// a key of `credentials.keys`, whose requests are forwarded as they are.
        public let brokered: RoleTarget?

        init(secret: String, requireVerification: Bool, brokered: RoleTarget? = nil) {
            self.secret = secret
            self.requireVerification = requireVerification
            self.brokered = brokered
        }

        public var description: String {
            if let brokered { return "KeyStore.Entry(virtual key, role \(brokered.roleARN))" }
            return "KeyStore.Entry(requireVerification: \(requireVerification))"
        }

        public var debugDescription: String { description }

        /// The fields but the secret.
        public var customMirror: Mirror {
            Mirror(
                self, children: ["requireVerification": requireVerification, "brokered": brokered as Any],
                displayStyle: .struct)
        }
    }

    let entries: [String: Entry]
    /// The number of virtual keys among ``count``.
    public let virtualKeyCount: Int

    /// An empty store.
    public init() {
        entries = [:]
        virtualKeyCount = 0
    }

    /// Reads every key's secret: `credentials.keys`, then `brokering.virtual_keys` (always
    /// verified, each with its role).
    /// - Parameter environment: The process environment (injectable for tests).
    /// - Throws: ``ConfigError`` at the key's position when a variable is unset or a file unreadable,
    ///   or when a key id is in both lists.
    public init(config: PolicyConfig, environment: [String: String]? = nil) throws(ConfigError) {
        let environment = environment ?? ProcessInfo.processInfo.environment
        var entries: [String: Entry] = [:]
        var issues: [ConfigIssue] = []
        for key in config.credentials.keys {
            if let secret = Self.secret(
                key.secret, of: key.accessKeyID, at: key.position, environment: environment, issues: &issues)
            {
                entries[key.accessKeyID] = Entry(secret: secret, requireVerification: key.requireVerification)
            }
        }
        var virtualKeyCount = 0
        for key in config.brokering.virtualKeys {
            guard entries[key.accessKeyID] == nil else {
                // The reader refuses this; a configuration built in code is refused here.
                issues.append(
                    ConfigIssue(
                        position: key.position,
                        message:
                            "the access key \(key.accessKeyID) is both in credentials.keys and brokering.virtual_keys; keep one entry"
                    ))
                continue
            }
            if let secret = Self.secret(
                key.secret, of: key.accessKeyID, at: key.position, environment: environment, issues: &issues)
            {
                entries[key.accessKeyID] = Entry(secret: secret, requireVerification: true, brokered: key.target)
                virtualKeyCount += 1
            }
        }
        if !issues.isEmpty { throw ConfigError(issues) }
        self.entries = entries
        self.virtualKeyCount = virtualKeyCount
    }

    /// The secret `source` holds for `accessKeyID`, or `nil` and an issue at `position`.
    private static func secret(
        _ source: PolicyConfig.SecretSource, of accessKeyID: String, at position: SourcePosition,
        environment: [String: String], issues: inout [ConfigIssue]
    ) -> String? {
        switch source {
        case .environment(let name):
            if let secret = environment[name], !secret.isEmpty { return secret }
            issues.append(
                ConfigIssue(
                    position: position,
                    message: "the environment variable \(name) holding the secret of \(accessKeyID) is not set"))
        case .file(let path):
            // Only a regular file (or a link to one, as Kubernetes mounts secrets) of a bounded size is
            // read: a device or a FIFO named by mistake (/dev/zero, /dev/stdin) fails the load instead
            // of stalling it.
            let problem: String
            switch RegularFile.contents(atPath: path, maxBytes: Self.maxSecretFileBytes) {
            case .success(let data):
                let secret = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines)
                if let secret, !secret.isEmpty { return secret }
                problem = "cannot be read or is empty"
            case .failure(.notRegular): problem = "is not a regular file"
            case .failure(.tooLarge(let size, let limit)):
                problem = "has \(size) bytes; a secret file may have at most \(limit)"
            case .failure(.unreadable): problem = "cannot be read or is empty"
            }
            issues.append(
                ConfigIssue(position: position, message: "the secret file \(path) of \(accessKeyID) \(problem)"))
        }
        return nil
    }

    /// The largest secret file read (a secret access key has 40 characters).
    static let maxSecretFileBytes = 65536

    /// The entry of `accessKeyID`, if its secret is known.
    /// (No key known: no lookup and no copy of the key id.)
    public func entry(for accessKeyID: some StringProtocol) -> Entry? {
        entries.isEmpty ? nil : entries[String(accessKeyID)]
    }

    /// The number of known keys, virtual ones included.
    public var count: Int { entries.count }

    public var description: String {
        virtualKeyCount == 0
            ? "KeyStore(\(entries.count) keys)" : "KeyStore(\(entries.count) keys, \(virtualKeyCount) virtual)"
    }

    public var debugDescription: String { description }

    /// The counts, never the secrets.
    public var customMirror: Mirror {
        Mirror(self, children: ["count": count, "virtualKeyCount": virtualKeyCount], displayStyle: .struct)
    }
}
