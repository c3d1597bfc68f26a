package import Policy

/// The configuration file, read whole: the policy (``PolicyConfig``: credentials, accounts, rules,
/// default, s3) and the server's settings (``ServerConfiguration``: listen, tls, server, audit).
///
/// Validation is strict: unknown keys, wrong types, bad patterns, bad CIDRs, bad durations, listen
/// addresses that are not `IP:port`, duplicate rule names and account names that collide with ids
/// are all errors with `file:line:column` and a sentence that says how to fix them. Every problem in
/// the file is reported, of both parts, in file order.
///
/// ```swift
/// do {
///     let file = try ConfigurationFile.load(path: "config.yaml")
///     let policy = try CompiledPolicy(file.policy)
///     print(file.server.listen.grpc)
/// } catch {
///     print(error)   // config.yaml:12:7: unknown key 'acounts' in the top level; expected one of …
/// }
/// ```
package struct ConfigurationFile: Sendable {
    /// The policy's sections.
    package var policy: PolicyConfig
    /// The server's sections.
    package var server: ServerConfiguration

    /// The file it came from (or the name given to ``parse(_:path:)``).
    package var path: String { policy.path }

    /// Both parts.
    package init(policy: PolicyConfig, server: ServerConfiguration) {
        self.policy = policy
        self.server = server
    }

    /// Every top-level key, in the order the error for an unknown one lists them.
    static let sectionKeys = [
        "listen", "tls", "credentials", "accounts", "rules", "default", "audit", "server", "s3", "brokering",
        "identity", "mode",
    ]

    /// Reads and validates the file at `path`.
    package static func load(path: String) throws(ConfigError) -> ConfigurationFile {
        try read(YAMLDocument.read(path: path), path: path)
    }

    /// Validates configuration text; `path` is used in positions.
    package static func parse(_ text: String, path: String = "<string>") throws(ConfigError) -> ConfigurationFile {
        try read(YAMLDocument.parse(text, path: path), path: path)
    }

    static func read(_ root: YAMLNode, path: String) throws(ConfigError) -> ConfigurationFile {
        var reader = ConfigReader(file: path)
        var file = ConfigurationFile(policy: PolicyConfig(path: path), server: ServerConfiguration(path: path))
        // Each section goes to the part that owns it, in file order, so the problems are in file order.
        for (key, _, value) in reader.sections(root, allowed: sectionKeys) {
            if ServerConfiguration.sectionKeys.contains(key) {
                file.server.read(section: key, value, reader: &reader)
            } else {
                file.policy.read(section: key, value, reader: &reader)
            }
        }
        if !reader.issues.isEmpty { throw ConfigError(reader.issues) }
        return file
    }
}
