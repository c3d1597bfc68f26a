package import AWSClassifier
package import AuthzCore
package import Policy

/// Everything a configuration file turns into: the compiled policy, the known keys, the engine.
package enum PolicyLoader {
    /// Loads, validates and compiles `path`; reads the keys' secrets. The server's settings come
    /// along: the audit settings and the limits are applied by whoever runs the engine.
    /// - Throws: ``ConfigError`` with positions.
    package static func load(
        path: String, model: AWSModel, environment: [String: String]? = nil,
        roles: (any RoleCredentialSource)? = nil, identities: (any CallerIdentitySources)? = nil
    ) throws(ConfigError) -> (engine: AuthzEngine, server: ServerConfiguration) {
        let file = try ConfigurationFile.load(path: path)
        return (
            try engine(for: file, model: model, environment: environment, roles: roles, identities: identities),
            file.server
        )
    }

    /// Compiles a configuration file's policy into an engine with the file's body limit
    /// (`server.max_body_bytes`).
    package static func engine(
        for file: ConfigurationFile, model: AWSModel, environment: [String: String]? = nil,
        roles: (any RoleCredentialSource)? = nil, identities: (any CallerIdentitySources)? = nil,
        now: @escaping @Sendable () -> Int64 = AuthzEngine.systemClock
    ) throws(ConfigError) -> AuthzEngine {
        try engine(
            for: file.policy, maxBodyBytes: file.server.maxBodyBytes, model: model, environment: environment,
            roles: roles, identities: identities, now: now)
    }

    /// Compiles a policy into an engine; brokered requests are signed with `roles`' credentials (none
    /// given: every brokered request is denied `broker_unavailable`), identity tokens verified by
    /// `identities`' verifier for the `identity:` section (none given: denied `identity_unavailable`).
    package static func engine(
        for policy: PolicyConfig, maxBodyBytes: Int = AuthzEngine.defaultMaxBodyBytes, model: AWSModel,
        environment: [String: String]? = nil, roles: (any RoleCredentialSource)? = nil,
        identities: (any CallerIdentitySources)? = nil,
        now: @escaping @Sendable () -> Int64 = AuthzEngine.systemClock
    ) throws(ConfigError) -> AuthzEngine {
        let compiled = try CompiledPolicy(policy)
        let keys = try KeyStore(config: policy, environment: environment)
        return AuthzEngine(
            policy: compiled, classifier: RequestClassifier(model: model), keys: keys, maxBodyBytes: maxBodyBytes,
            roleCredentials: { roles?.credentials(for: $0) },
            identities: policy.identity.flatMap { section in identities?.source(for: section) }, now: now)
    }
}
