public import AWSClassifier
public import AuthzCore
public import AuthzHTTP
internal import Foundation
public import Policy
internal import Synchronization

/// The current policy and everything that uses it, swapped atomically on reload.
///
/// Every transport calls ``respond(to:)``: it reads the current engine (a lock held for a pointer
/// copy), decides, counts the decision, and hands the audit record to the ``AuditLog``. A reload
/// builds the new engine off the request path and swaps it; checks already running finish on the
/// engine they started with.
public final class DecisionService: CheckResponder, Sendable {
    /// One loaded configuration.
    public struct Loaded: Sendable {
        /// The engine.
        public let engine: AuthzEngine
        /// 1 for the first configuration, +1 for every successful reload.
        public let generation: Int
        /// Where it came from.
        public let path: String
    }

    private let current: Mutex<Loaded>
    let metrics: ServerMetrics
    let audit: AuditLog?

    /// Creates the service with a first configuration.
    public init(engine: AuthzEngine, path: String, metrics: ServerMetrics, audit: AuditLog?) {
        current = Mutex(Loaded(engine: engine, generation: 1, path: path))
        self.metrics = metrics
        self.audit = audit
        metrics.loaded(generation: 1)
    }

    /// The configuration in force.
    public var loaded: Loaded { current.withLock { $0 } }

    /// Replaces the engine; returns the new generation.
    @discardableResult
    public func replace(with engine: AuthzEngine, path: String) -> Int {
        let generation = current.withLock { state in
            state = Loaded(engine: engine, generation: state.generation + 1, path: path)
            return state.generation
        }
        metrics.reloaded(generation: generation)
        return generation
    }

    public func respond(to request: AuthzRequest) -> AuthzResponse {
        let engine = current.withLock { $0.engine }
        metrics.checkStarted()
        defer { metrics.checkFinished() }
        let started = DispatchTime.now().uptimeNanoseconds
        let response = engine.decide(request)
        finish(
            response, config: engine.policy.config, nanoseconds: Int64(DispatchTime.now().uptimeNanoseconds - started))
        return response
    }

    public func refused(reason: ReasonCode, message: String, mode: AuthzMode) -> AuthzResponse {
        let engine = current.withLock { $0.engine }
        let response = engine.refuse(reason: reason, message: message, mode: mode)
        finish(response, config: engine.policy.config, nanoseconds: 0)
        return response
    }

    private func finish(_ response: AuthzResponse, config: PolicyConfig, nanoseconds: Int64) {
        metrics.decision(
            response.decision.effect, reason: response.decision.reason, mode: response.audit.mode,
            nanoseconds: nanoseconds)
        guard let audit, config.audit.records(response.decision.effect) else { return }
        audit.record(response.audit.json)
    }
}

/// Everything a configuration file turns into: the compiled policy, the known keys, the engine.
public enum PolicyLoader {
    /// Loads, validates and compiles `path`; reads the keys' secrets.
    /// - Throws: ``ConfigError`` with positions.
    public static func load(
        path: String, model: AWSModel, environment: [String: String]? = nil
    ) throws(ConfigError) -> AuthzEngine {
        let config = try ConfigLoader.load(path: path)
        return try engine(for: config, model: model, environment: environment)
    }

    /// Compiles a parsed configuration into an engine.
    public static func engine(
        for config: PolicyConfig, model: AWSModel, environment: [String: String]? = nil,
        now: @escaping @Sendable () -> Int64 = AuthzEngine.systemClock
    ) throws(ConfigError) -> AuthzEngine {
        let policy = try CompiledPolicy(config)
        let keys = try KeyStore(config: config, environment: environment)
        return AuthzEngine(policy: policy, classifier: RequestClassifier(model: model), keys: keys, now: now)
    }
}
