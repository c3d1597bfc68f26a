import AuthzCore
import AuthzHTTP
import AuthzServer
import Policy
import Testing

/// The server's sections of the configuration file, read into typed values.
@Suite("Server configuration")
struct ServerConfigurationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var yaml: String
        /// The settings the YAML should produce: the defaults, changed by `expected`.
        var expected: @Sendable (inout ServerConfiguration) -> Void
    }

    static let cases: [Case] = [
        Case(testDescription: "no server sections: the defaults", yaml: "default: deny\n") { _ in },
        Case(
            testDescription: "listen: IPv4, IPv6 in brackets, port 0",
            yaml: "listen: { http: \"127.0.0.1:0\", grpc: \"[::]:9001\", admin: \"[::1]:9090\" }\n"
        ) {
            $0.listen.http = ListenAddress(host: "127.0.0.1", port: 0)
            $0.listen.grpc = ListenAddress(host: "::", port: 9001)
            $0.listen.admin = ListenAddress(host: "::1", port: 9090)
        },
        Case(testDescription: "listen: one address, the others default", yaml: "listen: { grpc: \"10.0.0.5:19001\" }\n")
        {
            $0.listen.grpc = ListenAddress(host: "10.0.0.5", port: 19001)
        },
        Case(
            testDescription: "listen: the ICAP listener, when configured",
            yaml: "listen: { icap: \"127.0.0.1:1344\" }\n"
        ) {
            $0.listen.icap = ServerConfiguration.Listen.defaultICAP
        },
        Case(
            testDescription: "tls with and without client_ca",
            yaml: "tls: { cert: /etc/tls/tls.crt, key: /etc/tls/tls.key, client_ca: /etc/tls/ca.crt }\n"
        ) {
            $0.tls = ServerConfiguration.TLS(
                certificate: "/etc/tls/tls.crt", key: "/etc/tls/tls.key", clientCA: "/etc/tls/ca.crt")
        },
        Case(testDescription: "tls without client_ca", yaml: "tls: { cert: a.crt, key: a.key }\n") {
            $0.tls = ServerConfiguration.TLS(certificate: "a.crt", key: "a.key")
        },
        Case(
            testDescription: "server: every key",
            yaml: """
                server:
                  envoy_prefix: /check
                  nginx_path: /auth
                  max_body_bytes: 0
                  max_header_bytes: 2048
                  idle_timeout: 1m
                  shutdown_grace: 0s
                  audit_buffer: 5
                  reload_poll: 1h

                """
        ) {
            $0.envoyPrefix = "/check"
            $0.nginxPath = "/auth"
            $0.maxBodyBytes = 0
            $0.maxHeaderBytes = 2048
            $0.idleTimeout = .seconds(60)
            $0.shutdownGrace = .zero
            $0.auditBuffer = 5
            $0.reloadPoll = .seconds(3600)
        },
        Case(
            testDescription: "server: the bounds on slow clients and the connection cap",
            yaml: "server: { request_timeout: 3s, tls_handshake_timeout: 1m, max_connections: 250 }\n"
        ) {
            $0.requestTimeout = .seconds(3)
            $0.tlsHandshakeTimeout = .seconds(60)
            $0.maxConnections = 250
        },
        Case(
            testDescription: "audit: sampled allows, no denials, a file",
            yaml: "audit: { allow: 0.25, deny: none, file: /var/log/authz.log }\n"
        ) {
            $0.audit.allow = .sample(0.25)
            $0.audit.deny = .none
            $0.audit.file = "/var/log/authz.log"
        },
        Case(testDescription: "audit: none of the allows", yaml: "audit: { allow: none }\n") {
            $0.audit.allow = .none
        },
    ]

    @Test("each section is read into typed values", arguments: cases)
    func reads(_ testCase: Case) throws {
        let file = try ConfigurationFile.parse(testCase.yaml, path: "c.yaml")
        var expected = ServerConfiguration(path: "c.yaml")
        testCase.expected(&expected)
        #expect(file.server == expected)
    }

    @Test("the defaults are the contract's")
    func defaults() {
        let server = ServerConfiguration(path: "c.yaml")
        #expect(server.listen.http.description == "0.0.0.0:8080")
        #expect(server.listen.grpc.description == "0.0.0.0:9001")
        #expect(server.listen.admin.description == "127.0.0.1:9090")
        #expect(server.listen.icap == nil)  // no ICAP listener unless configured
        #expect(ServerConfiguration.Listen.defaultICAP.description == "127.0.0.1:1344")
        #expect(server.maxBodyBytes == 1 << 20)
        #expect(server.maxHeaderBytes == 64 << 10)
        #expect(server.idleTimeout == .seconds(60))
        #expect(server.shutdownGrace == .seconds(10))
        #expect(server.reloadPoll == .seconds(2))
        #expect(server.auditBuffer == 10_000)
        #expect(server.audit == ServerConfiguration.Audit())
        #expect(server.tls == nil)
        #expect(server.requestTimeout == .seconds(10))
        #expect(server.tlsHandshakeTimeout == .seconds(10))
        #expect(server.maxConnections == 10_000)
    }

    @Test("the bounds on slow clients reach the HTTP check listener")
    func boundsApplied() throws {
        let file = try ConfigurationFile.parse(
            "server: { request_timeout: 4s, tls_handshake_timeout: 3s }\n", path: "c.yaml")
        let http = HTTPCheckConfiguration(file.server)
        #expect(http.requestTimeoutSeconds == 4)
        #expect(http.tlsHandshakeTimeoutSeconds == 3)
    }

    @Test(
        "request_timeout, tls_handshake_timeout and max_connections are refused out of range",
        arguments: [
            "request_timeout: 0s", "request_timeout: 2h", "request_timeout: 1.5s", "tls_handshake_timeout: 0s",
            "tls_handshake_timeout: 11m", "tls_handshake_timeout: soon", "max_connections: 0",
            "max_connections: 1000001", "max_connections: many",
        ])
    func boundsOutOfRange(_ setting: String) {
        do {
            _ = try ConfigurationFile.parse("server: { \(setting) }\n", path: "c.yaml")
            Issue.record("accepted: \(setting)")
        } catch {
            #expect(error.issues.count == 1, "\(error)")
            #expect(error.issues.first?.position.line == 1)
        }
    }

    @Test("the HTTP check listener and the engine get the server's limits")
    func limitsApplied() throws {
        let yaml = "server: { max_body_bytes: 4096, max_header_bytes: 2048, idle_timeout: 5s, envoy_prefix: /e }\n"
        let file = try ConfigurationFile.parse(yaml, path: "c.yaml")
        let http = HTTPCheckConfiguration(file.server)
        #expect(http.maxBodyBytes == 4096)
        #expect(http.maxHeaderBytes == 2048)
        #expect(http.idleTimeoutSeconds == 5)
        #expect(http.envoyPrefix == "/e")
        #expect(http.nginxPath == "/nginx")
        let engine = try PolicyLoader.engine(for: file, model: try #require(TestServer.model))
        #expect(engine.maxBodyBytes == 4096)
    }

    static let addresses: [(String, ListenAddress?)] = [
        ("0.0.0.0:8080", ListenAddress(host: "0.0.0.0", port: 8080)),
        ("[2001:db8::1]:443", ListenAddress(host: "2001:db8::1", port: 443)),
        ("[::ffff:192.0.2.1]:1", ListenAddress(host: "::ffff:192.0.2.1", port: 1)),
        ("localhost:9001", nil), ("example.com:80", nil), ("0.0.0.0:", nil), (":8080", nil), ("0.0.0.0:+80", nil),
        ("0.0.0.0:65536", nil), ("0.0.0.0:080800", nil), ("256.0.0.1:80", nil), ("[::1]", nil), ("::1:80", nil),
        ("[10.0.0.1]:80", nil), ("[]:80", nil), ("10.0.0.1:٨٠", nil),
    ]

    @Test("listen addresses are IP literals and ports", arguments: addresses)
    func address(_ text: String, _ expected: ListenAddress?) {
        #expect(ListenAddress(text) == expected, "\(text)")
    }
}
