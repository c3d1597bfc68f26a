internal import AuthzCore

/// The server's own settings from the configuration file: the `listen`, `tls`, `server` and `audit`
/// sections. The policy's sections are ``PolicyConfig``; ``ConfigurationFile`` reads both.
///
/// Every value is typed and checked when the file is read (`validate` refuses what `serve` could not
/// use): listen addresses are parsed, durations are `Duration`s, limits are in range.
package struct ServerConfiguration: Sendable, Hashable {
    /// `listen:`: where the listeners bind.
    package struct Listen: Sendable, Hashable {
        /// HTTP/1.1 + h2c listener (Envoy HTTP mode, nginx).
        package var http = ListenAddress(host: "0.0.0.0", port: 8080)
        /// gRPC listener (Envoy ext_authz).
        package var grpc = ListenAddress(host: "0.0.0.0", port: 9001)
        /// Admin listener (health, readiness, metrics).
        package var admin = ListenAddress(host: "127.0.0.1", port: 9090)
        /// ICAP listener (Squid's `icap_service … reqmod_precache`); none unless configured. Its usual
        /// address is ``defaultICAP``.
        package var icap: ListenAddress?
        /// The ICAP port on loopback, Squid's and RFC 3507's 1344.
        package static let defaultICAP = ListenAddress(host: "127.0.0.1", port: 1344)

        /// The defaults.
        package init() {}
    }

    /// `tls:`: TLS for the check listeners.
    package struct TLS: Sendable, Hashable {
        /// PEM certificate chain.
        package var certificate: String
        /// PEM private key.
        package var key: String
        /// PEM CA bundle; when set, clients must present a certificate it signed (mTLS).
        package var clientCA: String?

        /// TLS from its files.
        package init(certificate: String, key: String, clientCA: String? = nil) {
            self.certificate = certificate
            self.key = key
            self.clientCA = clientCA
        }
    }

    /// Which decisions of one effect are audited.
    package enum AuditMode: Sendable, Hashable {
        case all
        case none
        /// Record this fraction (0…1) of decisions.
        case sample(Double)
    }

    /// `audit:`: which decisions are recorded, and where.
    package struct Audit: Sendable, Hashable {
        /// Allowed requests.
        package var allow = AuditMode.all
        /// Denied requests (never sampled).
        package var deny = AuditMode.all
        /// A file to append records to; standard output when absent.
        package var file: String?

        /// Every decision, to standard output.
        package init() {}
    }

    package var listen = Listen()
    /// `nil`: the check listeners speak plain text.
    package var tls: TLS?
    package var audit = Audit()

    // `server:`

    /// `server.envoy_prefix`: the path prefix of Envoy HTTP mode.
    package var envoyPrefix = "/envoy"
    /// `server.nginx_path`: the path of nginx `auth_request`.
    package var nginxPath = "/nginx"
    /// `server.max_body_bytes`: the largest body read for classification (larger: deny `body_too_large`).
    package var maxBodyBytes = AuthzEngine.defaultMaxBodyBytes
    /// `server.max_header_bytes`: the largest request head.
    package var maxHeaderBytes = 64 << 10
    /// `server.idle_timeout`: how long a connection may stay idle before it is closed.
    package var idleTimeout = Duration.seconds(60)
    /// `server.request_timeout`: how long a client may take to send one whole request (head and body,
    /// from its first byte) and, on HTTP/2, to take its answer. Every byte resets the idle timeout, so
    /// only this bound stops a request trickled a byte at a time (slowloris).
    package var requestTimeout = Duration.seconds(10)
    /// `server.tls_handshake_timeout`: how long a TLS client may take to complete its handshake.
    package var tlsHandshakeTimeout = Duration.seconds(10)
    /// `server.max_connections`: the most connections each check listener holds at once; one over it
    /// is accepted and closed at once (`sigv4authz_connections_refused_total{listener}`).
    package var maxConnections = 10_000
    /// `server.shutdown_grace`: how long the checks in flight get to finish on SIGTERM/SIGINT before
    /// the connections left are closed.
    package var shutdownGrace = Duration.seconds(10)
    /// `server.audit_buffer`: audit records held for the writer; beyond this they are dropped and counted.
    package var auditBuffer = 10_000
    /// `server.reload_poll`: how often the configuration file is checked for changes.
    package var reloadPoll = Duration.seconds(2)

    /// The file the settings came from.
    package var path: String

    /// The defaults, for `path`.
    package init(path: String) { self.path = path }
}
