public import AWSClassifier
internal import AuthzCore
internal import Foundation
public import Logging
internal import Policy
public import ServiceLifecycle
internal import UnixSignals

/// Reloads the configuration on SIGHUP and when the file changes.
///
/// The file is polled: its resolved path (so a Kubernetes ConfigMap's atomic `..data` symlink swap is
/// seen), inode, size and modification time. A change is parsed and compiled in the background and
/// swapped in atomically; a bad file leaves the policy in force, is logged with its positions and
/// counted in `sigv4authz_config_reloads_total{result="failed"}`, and readiness does not change.
public struct ConfigReloader: Service {
    let path: String
    let model: AWSModel
    let decisions: DecisionService
    let logger: Logger
    let pollInterval: Duration
    let environment: [String: String]?

    /// Creates a reloader for the file at `path`.
    public init(
        path: String, model: AWSModel, decisions: DecisionService, logger: Logger, pollInterval: Duration,
        environment: [String: String]? = nil
    ) {
        self.path = path
        self.model = model
        self.decisions = decisions
        self.logger = logger
        self.pollInterval = pollInterval
        self.environment = environment
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        let initial = Self.fingerprint(path)
        // Graceful shutdown cancels both loops.
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await _ in signals {
                        await self.reloadOffLoop(because: "SIGHUP")
                    }
                }
                group.addTask {
                    var last = initial
                    while !Task.isCancelled {
                        try? await Task.sleep(for: self.pollInterval)
                        let now = Self.fingerprint(self.path)
                        if now != last, !Task.isCancelled {
                            last = now
                            await self.reloadOffLoop(because: "the file changed")
                        }
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
    public func reload(because trigger: String) -> Int? {
        do {
            let engine = try PolicyLoader.load(path: path, model: model, environment: environment)
            let generation = decisions.replace(with: engine, path: path)
            logger.info(
                "configuration reloaded",
                metadata: [
                    "trigger": "\(trigger)", "generation": "\(generation)", "policy": "\(engine.policy.summary)",
                ])
            return generation
        } catch {
            decisions.metrics.reloaded(generation: nil)
            logger.error(
                "configuration reload failed; the previous policy stays in force",
                metadata: ["trigger": "\(trigger)", "error": "\(error)"])
            return nil
        }
    }

    /// What identifies the file's current content cheaply.
    public static func fingerprint(_ path: String) -> String {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: resolved) else { return "missing" }
        let inode = attributes[.systemFileNumber].map { "\($0)" } ?? "?"
        let size = attributes[.size].map { "\($0)" } ?? "?"
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(resolved)|\(inode)|\(size)|\(modified)"
    }
}
