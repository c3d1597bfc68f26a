package import AWSClassifier
package import AuthzCore
internal import AuthzHTTP
internal import AuthzICAP
internal import Foundation
package import Logging
package import NIOCore
internal import NIOHTTP1
internal import Policy
package import ServiceLifecycle
internal import Synchronization
package import UnixSignals

/// The authorization server: the check listeners, the admin listener, the audit writer and the
/// configuration reloader, as services for a `ServiceGroup`.
///
/// ```swift
/// let file = try ConfigurationFile.load(path: path)
/// let engine = try PolicyLoader.engine(for: file, model: model)
/// let server = try AuthzServer(configuration: file.server, engine: engine, path: path, model: model,
///                              group: group, logger: logger)
/// let group = ServiceGroup(configuration: server.serviceGroupConfiguration(signals: [.sigterm], logger: logger))
/// try await group.run()
/// ```
///
/// Services start in list order and stop in reverse: the check listeners stop accepting and drain
/// first, the audit writer drains last. Draining gets `server.shutdown_grace`; the connections still
/// open then are closed.
package final class AuthzServer: Sendable {
    /// Listener addresses in use (after overrides).
    package struct Addresses: Sendable {
        package var http: ListenAddress
        package var grpc: ListenAddress
        package var admin: ListenAddress
        /// The ICAP listener's, when there is one.
        package var icap: ListenAddress?

        /// Creates listener addresses.
        package init(http: ListenAddress, grpc: ListenAddress, admin: ListenAddress, icap: ListenAddress? = nil) {
            self.http = http
            self.grpc = grpc
            self.admin = admin
            self.icap = icap
        }
    }

    /// The authorizer every front end calls.
    package let authorizer: LiveAuthorizer
    /// The metrics `/metrics` renders.
    package let metrics: ServerMetrics
    /// The audit writer.
    package let audit: AuditLog
    /// The configuration reloader (`nil` for the bundled example, which never changes).
    package let reloader: ConfigReloader?
    /// Where the listeners listen.
    package let addresses: Addresses
    /// How long the checks in flight get to finish at shutdown (`server.shutdown_grace`).
    package let shutdownGrace: Duration
    let httpConfiguration: HTTPCheckConfiguration
    /// The ICAP listener's settings (used when ``Addresses/icap`` is set).
    let icapConfiguration: ICAPConfiguration
    /// `server.max_connections`, per check listener.
    let maxConnections: Int
    /// TLS for the check listeners, when configured.
    package let tls: TLSSupport?
    let group: any EventLoopGroup
    let logger: Logger
    let bound = BoundAddresses()
    /// What keeps brokered roles' credentials fresh (run before the listeners, stopped after them).
    let brokerServices: [any Service]

    /// Builds the server for its settings; the engine is the policy's (``PolicyLoader``).
    /// - Parameters:
    ///   - path: The configuration file, watched for changes; `nil` when there is none to watch.
    ///   - addresses: Listener addresses overriding the configuration's (tests use port 0).
    ///   - metrics: The metrics `/metrics` renders (made here when `nil`; given when other parts, such
    ///     as the credential broker, register their own in the same registry).
    ///   - roles: The brokered roles' credentials, told the roles of every configuration loaded.
    ///   - brokerServices: What keeps those credentials fresh, run before the listeners.
    ///   - identities: The verifiers of identity tokens, for the engines of reloaded configurations
    ///     (the first engine comes with its own).
    /// - Throws: ``ServerError`` when the TLS files cannot be loaded or the audit file cannot be opened.
    package init(
        configuration config: ServerConfiguration, engine: AuthzEngine, path: String?, model: AWSModel,
        group: any EventLoopGroup, logger: Logger, version: String = "dev", addresses: Addresses? = nil,
        environment: [String: String]? = nil, metrics: ServerMetrics? = nil,
        roles: (any RoleCredentialSource)? = nil, brokerServices: [any Service] = [],
        identities: (any CallerIdentitySources)? = nil
    ) throws(ServerError) {
        roles?.use(engine.roleTargets)
        self.brokerServices = brokerServices
        self.addresses =
            addresses
            ?? Addresses(
                http: config.listen.http, grpc: config.listen.grpc, admin: config.listen.admin, icap: config.listen.icap
            )
        self.shutdownGrace = config.shutdownGrace
        let metrics = metrics ?? ServerMetrics(version: version)
        let audit = try AuditLog(
            capacity: config.auditBuffer, path: config.audit.file, metrics: metrics, logger: logger)
        let authorizer = LiveAuthorizer(
            engine: engine, audit: config.audit, path: path ?? config.path, metrics: metrics, sink: audit)
        self.metrics = metrics
        self.audit = audit
        self.authorizer = authorizer
        self.reloader = path.map {
            ConfigReloader(
                path: $0, model: model, authorizer: authorizer, logger: logger, pollInterval: config.reloadPoll,
                environment: environment, roles: roles, identities: identities)
        }
        self.httpConfiguration = HTTPCheckConfiguration(config)
        // The ISTag changes with every configuration loaded (and between runs: the start time is in it),
        // so Squid drops what it adapted under an older policy.
        let started = Int64(Date().timeIntervalSince1970)
        var icapConfiguration = ICAPConfiguration(config) { [authorizer] in
            "\"sigv4-authz-\(started)-\(authorizer.snapshot.generation)\""
        }
        icapConfiguration.connectAnswered = { metrics.icapConnectAnswered() }
        self.icapConfiguration = icapConfiguration
        self.maxConnections = config.maxConnections
        self.tls = try config.tls.map { tls throws(ServerError) in try TLSSupport(tls, refresh: config.reloadPoll) }
        self.group = group
        self.logger = logger
        bound.requireICAP = self.addresses.icap != nil
    }

    /// The configuration of a `ServiceGroup` that runs ``services``: graceful shutdown on `signals`,
    /// escalated to closing the connections left after ``shutdownGrace``.
    package func serviceGroupConfiguration(
        signals: [UnixSignal] = [], logger: Logger
    ) -> ServiceGroupConfiguration {
        var configuration = ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: signals, cancellationSignals: [], logger: logger)
        configuration.maximumGracefulShutdownDuration = shutdownGrace
        return configuration
    }

    /// The services in start order.
    package var services: [any Service] {
        let authorizer = self.authorizer
        let httpConfiguration = self.httpConfiguration
        let metrics = self.metrics
        var services: [any Service] = [audit]
        services += brokerServices
        if let reloader { services.append(reloader) }
        if let tls { services.append(tls.reloader) }
        let tlsContext = tls?.serverContext
        services.append(
            Listener(
                name: "admin", address: addresses.admin, group: group, logger: logger,
                onBound: { [bound] address in bound.set("admin", address.port ?? 0) },
                initializer: { [bound] channel in
                    let ready: @Sendable () -> Bool = { bound.checksReady }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        AdminHandler(ready: ready, metrics: { metrics.render() }))
                }))
        services.append(
            Listener(
                name: "http", address: addresses.http, group: group, logger: logger,
                onBound: { [bound] address in bound.set("http", address.port ?? 0) }, maxConnections: maxConnections,
                onRefused: { metrics.connectionRefused(listener: "http") },
                initializer: { channel in
                    if let tlsContext {
                        try HTTPCheckPipeline.configureTLS(
                            channel, context: tlsContext, configuration: httpConfiguration, authorizer: authorizer)
                    } else {
                        try HTTPCheckPipeline.configure(
                            channel, configuration: httpConfiguration, authorizer: authorizer)
                    }
                }))
        let bound = self.bound
        services.append(
            GRPCListener(
                address: addresses.grpc, authorizer: authorizer, tls: tls,
                maxBodyBytes: httpConfiguration.maxBodyBytes, maxHeaderBytes: httpConfiguration.maxHeaderBytes,
                idleTimeoutSeconds: httpConfiguration.idleTimeoutSeconds,
                requestTimeoutSeconds: httpConfiguration.requestTimeoutSeconds, maxConnections: maxConnections,
                onRefused: { metrics.connectionRefused(listener: "grpc") }, group: group,
                logger: logger, ready: { bound.checksReady }, onBound: { port in bound.set("grpc", port) }))
        if let icap = addresses.icap {
            let icapConfiguration = self.icapConfiguration
            services.append(
                Listener(
                    name: "icap", address: icap, group: group, logger: logger,
                    onBound: { address in bound.set("icap", address.port ?? 0) }, maxConnections: maxConnections,
                    onRefused: { metrics.connectionRefused(listener: "icap") },
                    initializer: { channel in
                        try ICAPPipeline.configure(channel, configuration: icapConfiguration, authorizer: authorizer)
                    }))
        }
        return services
    }

    /// Whether the configuration is loaded and the check listeners are up.
    package var isReady: Bool { bound.checksReady }

    /// The port a listener is bound to (`http`, `grpc`, `admin`), once it is.
    package func boundPort(_ listener: String) -> Int? { bound.get(listener) }

    /// The startup line's facts.
    package var startupMetadata: Logger.Metadata {
        [
            "http": "\(addresses.http)", "grpc": "\(addresses.grpc)", "admin": "\(addresses.admin)",
            "icap": "\(addresses.icap.map { "\($0)" } ?? "off")",
            "policy": "\(authorizer.snapshot.engine.policy.summary)", "config": "\(authorizer.snapshot.path)",
        ]
    }
}

/// The ports listeners are bound to, by name.
final class BoundAddresses: Sendable {
    private let ports = Mutex<[String: Int]>([:])
    private let icapRequired = Mutex(false)
    func set(_ name: String, _ port: Int) { ports.withLock { $0[name] = port } }
    func get(_ name: String) -> Int? { ports.withLock { $0[name] } }
    /// Whether the ICAP listener is configured, so readiness waits for it too.
    var requireICAP: Bool {
        get { icapRequired.withLock { $0 } }
        set { icapRequired.withLock { $0 = newValue } }
    }
    /// Every check listener is up (HTTP and gRPC, and ICAP when configured).
    var checksReady: Bool {
        let icap = requireICAP
        return ports.withLock { $0["http"] != nil && $0["grpc"] != nil && (!icap || $0["icap"] != nil) }
    }
}
