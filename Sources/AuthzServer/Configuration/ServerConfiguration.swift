internal import AuthzCore

/// The server's own settings from the configuration file: the `listen`, `tls`, `server` and `audit`
/// sections. The policy's sections are ``PolicyConfig``; ``ConfigurationFile`` reads both.
///
/// Every value is typed and checked when the file is read (`validate` refuses what `serve` could not
/// use): listen addresses are parsed, durations are `Duration`s, limits are in range.
public struct ServerConfiguration: Sendable, Hashable {
    /// `listen:`: where the listeners bind.
    public struct Listen: Sendable, Hashable {
        /// HTTP/1.1 + h2c listener (Envoy HTTP mode, nginx).
        public var http = ListenAddress(host: "0.0.0.0", port: 8080)
        /// gRPC listener (Envoy ext_authz).
        public var grpc = ListenAddress(host: "0.0.0.0", port: 9001)
        /// Admin listener (health, readiness, metrics).
        public var admin = ListenAddress(host: "127.0.0.1", port: 9090)

        /// The defaults.
        public init() {}
    }

    /// `tls:`: TLS for the check listeners.
    public struct TLS: Sendable, Hashable {
        /// PEM certificate chain.
        public var certificate: String
        /// PEM private key.
        public var key: String
        /// PEM CA bundle; when set, clients must present a certificate it signed (mTLS).
        public var clientCA: String?

        /// TLS from its files.
        public init(certificate: String, key: String, clientCA: String? = nil) {
            self.certificate = certificate
            self.key = key
            self.clientCA = clientCA
        }
    }

    /// Which decisions of one effect are audited.
    public enum AuditMode: Sendable, Hashable {
        case all
        case none
        /// Record this fraction (0…1) of decisions.
        case sample(Double)
    }

    /// `audit:`: which decisions are recorded, and where.
    public struct Audit: Sendable, Hashable {
        /// Allowed requests.
        public var allow = AuditMode.all
        /// Denied requests (never sampled).
        public var deny = AuditMode.all
        /// A file to append records to; standard output when absent.
        public var file: String?

        /// Every decision, to standard output.
        public init() {}
    }

    public var listen = Listen()
    /// `nil`: the check listeners speak plain text.
    public var tls: TLS?
    public var audit = Audit()

    // `server:`

    /// `server.envoy_prefix`: the path prefix of Envoy HTTP mode.
    public var envoyPrefix = "/envoy"
    /// `server.nginx_path`: the path of nginx `auth_request`.
    public var nginxPath = "/nginx"
    /// `server.max_body_bytes`: the largest body read for classification (larger: deny `body_too_large`).
    public var maxBodyBytes = AuthzEngine.defaultMaxBodyBytes
    /// `server.max_header_bytes`: the largest request head.
    public var maxHeaderBytes = 64 << 10
    /// `server.idle_timeout`: how long a connection may stay idle before it is closed.
    public var idleTimeout = Duration.seconds(60)
    /// `server.shutdown_grace`: how long the checks in flight get to finish on SIGTERM/SIGINT before
    /// the connections left are closed.
    public var shutdownGrace = Duration.seconds(10)
    /// `server.audit_buffer`: audit records held for the writer; beyond this they are dropped and counted.
    public var auditBuffer = 10_000
    /// `server.reload_poll`: how often the configuration file is checked for changes.
    public var reloadPoll = Duration.seconds(2)

    /// The file the settings came from.
    public var path: String

    /// The defaults, for `path`.
    public init(path: String) { self.path = path }
}
