import Foundation
import NIOCore
import NIOSSL
import Testing

/// TLS and mTLS on the check listeners, with certificates made by `openssl` for the test.
@Suite("TLS", .serialized)
struct TLSTests {
    /// A CA, a server certificate for localhost / 127.0.0.1 and a client certificate with a SPIFFE id.
    static func makeCertificates(in directory: URL) throws {
        let script = """
            set -e
            cd "\(directory.path)"
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt -days 1 -subj /CN=test-ca 2>/dev/null
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr -subj /CN=localhost 2>/dev/null
            printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > server.ext
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 1 -extfile server.ext 2>/dev/null
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout client.key -out client.csr -subj /CN=client 2>/dev/null
            printf 'subjectAltName=URI:spiffe://cluster.local/ns/ci/sa/runner\\n' > client.ext
            openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 1 -extfile client.ext 2>/dev/null
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "openssl failed (apt-get install openssl)")
    }

    static func client(_ directory: URL, withCertificate: Bool) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(directory.appendingPathComponent("ca.crt").path)
        configuration.applicationProtocols = ["http/1.1"]
        if withCertificate {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(
                directory.appendingPathComponent("client.crt").path
            ).map { .certificate($0) }
            configuration.privateKey = .privateKey(
                try NIOSSLPrivateKey(file: directory.appendingPathComponent("client.key").path, format: .pem))
        }
        return try NIOSSLContext(configuration: configuration)
    }

    @Test("HTTP/1.1 over TLS with mTLS: a client certificate is required")
    func mutualTLS() async throws {
        let certificates = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sigv4-authz-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: certificates, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: certificates) }
        try Self.makeCertificates(in: certificates)
        let tls =
            "tls: { cert: \(certificates.path)/server.crt, key: \(certificates.path)/server.key, client_ca: \(certificates.path)/ca.crt }\n"
        try await TestServer.with(TestServer.baseConfig + "\n" + tls) { server in
            let connection = try await RawConnection(
                port: server.httpPort, tls: try Self.client(certificates, withCertificate: true))
            let headers = TestServer.signedHeaders(
                host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/k", service: "s3", region: "eu-west-1")
            try await connection.send(RawConnection.request("GET", "/envoy/k", headers: headers))
            let response = try #require(try await connection.readResponse())
            #expect(response.status == 200)
            try await connection.close()

            // Without a client certificate the handshake fails: no answer, the connection closes.
            let anonymous = try await RawConnection(
                port: server.httpPort, tls: try Self.client(certificates, withCertificate: false))
            try? await anonymous.send(RawConnection.request("GET", "/envoy/k", headers: headers))
            let refused = try? await anonymous.readResponse()
            #expect(refused == nil)
            try? await anonymous.close()
        }
    }
}
