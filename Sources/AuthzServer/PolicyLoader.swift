public import AWSClassifier
public import AuthzCore
public import Policy

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
