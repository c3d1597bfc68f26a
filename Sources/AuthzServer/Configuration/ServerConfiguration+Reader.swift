internal import Policy

/// Reading the server's sections of a configuration file: `listen`, `tls`, `server`, `audit`.
extension ServerConfiguration {
    /// The top-level keys of the server's sections.
    static let sectionKeys = ["listen", "tls", "audit", "server"]

    /// Reads one top-level section (one of ``sectionKeys``; any other key is ignored here).
    mutating func read(section key: String, _ value: YAMLNode, reader: inout ConfigReader) {
        switch key {
        case "listen": reader.readListen(value, into: &listen)
        case "tls": tls = reader.readTLS(value)
        case "audit": reader.readAudit(value, into: &audit)
        case "server": reader.readServer(value, into: &self)
        default: break
        }
    }
}

extension ConfigReader {
    mutating func readListen(_ node: YAMLNode, into listen: inout ServerConfiguration.Listen) {
        guard let pairs = mapping(node, "listen") else { return }
        checkKeys(pairs, allowed: ["http", "grpc", "admin", "icap"], in: "listen")
        for (key, _, value) in pairs {
            guard let text = string(value, "listen.\(key)") else { continue }
            let address: ListenAddress
            do {
                address = try ListenAddress(parsing: text, for: "listen.\(key)")
            } catch {
                fail(value, error.message)
                continue
            }
            switch key {
            case "http": listen.http = address
            case "grpc": listen.grpc = address
            case "admin": listen.admin = address
            case "icap": listen.icap = address
            default: break
            }
        }
    }

    mutating func readTLS(_ node: YAMLNode) -> ServerConfiguration.TLS? {
        guard let pairs = mapping(node, "tls") else { return nil }
        checkKeys(pairs, allowed: ["cert", "key", "client_ca"], in: "tls")
        var cert: String?
        var key: String?
        var clientCA: String?
        for (name, _, value) in pairs {
            switch name {
            case "cert": cert = string(value, "tls.cert")
            case "key": key = string(value, "tls.key")
            case "client_ca": clientCA = string(value, "tls.client_ca")
            default: break
            }
        }
        guard let cert, let key else {
            fail(node, "tls needs both cert and key (paths to PEM files)")
            return nil
        }
        return ServerConfiguration.TLS(certificate: cert, key: key, clientCA: clientCA)
    }

    mutating func readServer(_ node: YAMLNode, into server: inout ServerConfiguration) {
        guard let pairs = mapping(node, "server") else { return }
        checkKeys(
            pairs,
            allowed: [
                "envoy_prefix", "nginx_path", "max_body_bytes", "max_header_bytes", "idle_timeout", "shutdown_grace",
                "audit_buffer", "reload_poll", "request_timeout", "tls_handshake_timeout", "max_connections",
            ],
            in: "server")
        for (key, _, value) in pairs {
            let what = "server.\(key)"
            switch key {
            case "envoy_prefix", "nginx_path":
                guard let text = string(value, what) else { continue }
                guard text.hasPrefix("/"), text.count > 1, !text.hasSuffix("/"),
                    text.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "?" })
                else {
                    fail(value, "\(what) must be a path such as /envoy (a leading /, no trailing / or ?)")
                    continue
                }
                if key == "envoy_prefix" { server.envoyPrefix = text } else { server.nginxPath = text }
            case "max_body_bytes":
                if let n = wholeNumber(value, what, in: 0...(64 << 20)) { server.maxBodyBytes = n }
            case "max_header_bytes":
                if let n = wholeNumber(value, what, in: 1024...(80 << 10)) { server.maxHeaderBytes = n }
            case "audit_buffer":
                if let n = wholeNumber(value, what, in: 1...1_000_000) { server.auditBuffer = n }
            case "idle_timeout":
                if let n = wholeSeconds(value, what, in: 1...3600) { server.idleTimeout = .seconds(n) }
            case "request_timeout":
                if let n = wholeSeconds(value, what, in: 1...3600) { server.requestTimeout = .seconds(n) }
            case "tls_handshake_timeout":
                if let n = wholeSeconds(value, what, in: 1...600) { server.tlsHandshakeTimeout = .seconds(n) }
            case "max_connections":
                if let n = wholeNumber(value, what, in: 1...1_000_000) { server.maxConnections = n }
            case "shutdown_grace":
                if let n = wholeSeconds(value, what, in: 0...600) { server.shutdownGrace = .seconds(n) }
            case "reload_poll":
                if let n = wholeSeconds(value, what, in: 1...3600) { server.reloadPoll = .seconds(n) }
            default: break
            }
        }
    }

    mutating func readAudit(_ node: YAMLNode, into audit: inout ServerConfiguration.Audit) {
        guard let pairs = mapping(node, "audit") else { return }
        checkKeys(pairs, allowed: ["allow", "deny", "file"], in: "audit")
        for (key, _, value) in pairs {
            switch key {
            case "allow", "deny":
                guard let text = string(value, "audit.\(key)") else { continue }
                if text == "all" {
                    if key == "allow" { audit.allow = .all } else { audit.deny = .all }
                } else if text == "none" {
                    if key == "allow" { audit.allow = .none } else { audit.deny = .none }
                } else if key == "allow", let rate = Double(text), rate >= 0, rate <= 1 {
                    audit.allow = .sample(rate)
                } else {
                    fail(
                        value,
                        key == "allow"
                            ? "audit.allow must be all, none, or a sample rate from 0 to 1"
                            : "audit.deny must be all or none (denials are never sampled)")
                }
            case "file":
                audit.file = string(value, "audit.file")
            default: break
            }
        }
    }
}
