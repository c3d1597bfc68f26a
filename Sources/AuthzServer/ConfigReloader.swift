package import AWSClassifier
package import AuthzCore
internal import Foundation
package import Logging
internal import Policy
internal import ServiceLifecycle
internal import Synchronization
internal import UnixSignals

/// Reloads the configuration on SIGHUP and when the file changes.
///
/// The file is polled: its resolved path (so a Kubernetes ConfigMap's atomic `..data` symlink swap is
/// seen), inode, size and modification time. A change is parsed and compiled in the background and
/// swapped in atomically; a bad file leaves the policy in force, is logged with its positions and
/// counted in `sigv4authz_config_reloads_total{result="failed"}`, and readiness does not change.
///
/// The server's poll loads a change once two polls in a row see the same file: a file written in place
/// in several writes (an editor, `cat >`, a slow copy) is not loaded half-written, which could be a
/// valid configuration missing its later accounts or deny rules; a change is in force within two poll
/// intervals. SIGHUP loads the file as it is at once (whoever sends it says the file is complete).
///
/// A reload applies the policy, `server.max_body_bytes` as the engine applies it, and the audit
/// sampling; the listeners, TLS files, the other `server:` settings and the audit file are read at
/// start only.
///
/// The server runs it as a service; the Squid helper, which has no event loop, calls
/// ``reloadIfChanged()`` between lookups. Both swap the same ``LiveAuthorizer``.
package final class ConfigReloader: Service, Sendable {
    let path: String
    let model: AWSModel
    let authorizer: LiveAuthorizer
    let logger: Logger
    let pollInterval: Duration
    let environment: [String: String]?
    /// The brokered roles' credentials: told the roles of every configuration loaded.
    let roles: (any RoleCredentialSource)?
    /// The verifiers of identity tokens (`identity:`), kept across reloads.
    let identities: (any CallerIdentitySources)?
    /// The file's fingerprint when it was last loaded or looked at.
    private let lastSeen: Mutex<String>
    /// A changed fingerprint the server's poll saw once and loads when the next poll sees it again.
    private let pending = Mutex<String?>(nil)

    /// Creates a reloader for the file at `path`, whose current content is in force.
    package init(
        path: String, model: AWSModel, authorizer: LiveAuthorizer, logger: Logger, pollInterval: Duration,
        environment: [String: String]? = nil, roles: (any RoleCredentialSource)? = nil,
        identities: (any CallerIdentitySources)? = nil
    ) {
        self.roles = roles
        self.identities = identities
        self.path = path
        self.model = model
        self.authorizer = authorizer
        self.logger = logger
        self.pollInterval = pollInterval
        self.environment = environment
        self.lastSeen = Mutex(Self.fingerprint(path))
    }

    /// Reloads when the file changed since it was last seen; returns the new generation, or `nil`
    /// when it did not change or is invalid.
    @discardableResult
    package func reloadIfChanged() -> Int? {
        let now = Self.fingerprint(path)
        let changed = lastSeen.withLock { last in
            defer { last = now }
            return last != now
        }
        return changed ? reload(because: "the file changed") : nil
    }

    /// The server's poll: reloads when the file changed and has stayed the same since the previous
    /// poll (one poll interval to finish writing it); returns the new generation, or `nil` when it did
    /// not change, is still changing, or is invalid.
    @discardableResult
    package func reloadIfSettled() -> Int? {
        let now = Self.fingerprint(path)
        let load = pending.withLock { pending in
            guard lastSeen.withLock({ $0 }) != now else {
                pending = nil
                return false
            }
            guard pending == now else {
                pending = now  // first seen: the writer may not be done
                return false
            }
            pending = nil
            lastSeen.withLock { $0 = now }
            return true
        }
        return load ? reload(because: "the file changed") : nil
    }

    package func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        // Graceful shutdown cancels both loops.
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await _ in signals {
                        await self.reloadOffLoop(because: "SIGHUP")
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: self.pollInterval)
                        if !Task.isCancelled { await runBlocking { _ = self.reloadIfSettled() } }
                    }
                }
            }
        }
    }

    /// ``reload(because:)`` off the event loops: reading and compiling a large policy must not hold one.
    func reloadOffLoop(because trigger: String) async {
        await runBlocking { _ = self.reload(because: trigger) }
    }

    /// Reloads now; returns the new generation, or `nil` when the file is invalid.
    @discardableResult
    package func reload(because trigger: String) -> Int? {
        do {
            let (engine, server) = try PolicyLoader.load(
                path: path, model: model, environment: environment, roles: roles, identities: identities)
            roles?.use(engine.roleTargets)
            let generation = authorizer.replace(with: engine, audit: server.audit, path: path)
            logger.info(
                "configuration reloaded",
                metadata: [
                    "trigger": "\(trigger)", "generation": "\(generation)", "policy": "\(engine.policy.summary)",
                ])
            ActionWarnings.log(path: path, model: model, logger: logger)
            return generation
        } catch {
            authorizer.metrics.reloaded(generation: nil)
            logger.error(
                "configuration reload failed; the previous policy stays in force",
                metadata: ["trigger": "\(trigger)", "error": "\(error)"])
            return nil
        }
    }

    /// What identifies the file's current content cheaply.
    package static func fingerprint(_ path: String) -> String {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: resolved) else { return "missing" }
        let inode = attributes[.systemFileNumber].map { "\($0)" } ?? "?"
        let size = attributes[.size].map { "\($0)" } ?? "?"
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(resolved)|\(inode)|\(size)|\(modified)"
    }
}
