import AuthzGRPC
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import OracleVectors
import Synchronization
import Testing

/// The botocore-signed oracle vectors (Tests/OracleVectors/Vectors/botocore.json) sent through the real
/// gRPC listener, with their secrets configured as known keys: every request is verified end to end
/// (status 0), and every one-byte negative variant is denied with a signature or scope failure.
@Suite("botocore vectors through the gRPC listener", .serialized)
struct BotocoreOverGRPCTests {
    static let vectors = CommittedVectors.oracle("botocore")

    static let config = """
        credentials:
          max_clock_skew: 15m
          keys:
            - { access_key_id: AKIASP2TPHJSQH3FJRUX, secret_env: KEY_ONE }
            - { access_key_id: ASIAY34FZKBOKMUTVV7A, secret_env: KEY_TWO }
        rules:
          # An API Gateway API's owner is not in the request: only a statement naming it allows it.
          - { name: the-test-api, effect: allow, actions: ["execute-api:Invoke"], hosts: ["abc123def4.execute-api.*"] }
        default: allow
        """

    static func isLocal(_ vector: OracleVector) -> Bool {
        vector.headers.contains { $0.first?.lowercased() == "host" && ($0.last ?? "").hasPrefix("localhost") }
    }

    static func request(
        method: String, path: String, query: String, headers: [[String]], body: String
    ) -> Envoy_Service_Auth_V3_CheckRequest {
        let pairs = headers.map { ($0[0], $0.count > 1 ? $0[1] : "") }
        let host = pairs.first { $0.0.lowercased() == "host" }?.1 ?? ""
        let bytes = Array(Data(base64Encoded: body) ?? Data())
        return GRPCTests.checkRequest(
            method: method, path: query.isEmpty ? path : "\(path)?\(query)", host: host, headers: pairs,
            rawHeaders: true,
            body: bytes)
    }

    @Test("every vector verifies over gRPC; every negative is denied")
    func vectorsOverGRPC() async throws {
        #expect(Self.vectors.count >= 30)
        let clock = Atomic<Int64>(0)
        let now: @Sendable () -> Int64 = { clock.load(ordering: .relaxed) * 1000 }
        try await TestServer.with(
            Self.config,
            environment: [
                "KEY_ONE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                "KEY_TWO": "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
            ],
            now: now
        ) { server in
            try await GRPCTests.withClient(port: server.grpcPort) { auth, _ in
                for vector in Self.vectors {
                    clock.store(vector.signingSeconds + 5, ordering: .relaxed)
                    let response = try await auth.check(
                        Self.request(
                            method: vector.method, path: vector.path, query: vector.query, headers: vector.headers,
                            body: vector.body_base64))
                    if Self.isLocal(vector) {
                        // botocore against a local endpoint (localhost:4566) is not an AWS request.
                        #expect(response.status.code == 7)
                        continue
                    }
                    #expect(response.status.code == 0, "\(vector.name): \(response.status.message)")
                    for negative in vector.negatives {
                        let denied = try await auth.check(
                            Self.request(
                                method: negative.method, path: negative.path, query: negative.query,
                                headers: negative.headers,
                                body: negative.body_base64))
                        #expect(denied.status.code == 7, "\(vector.name)/\(negative.name)")
                        let reason = denied.deniedResponse.headers.first { $0.header.key == "x-sigv4-authz-reason" }?
                            .header.value
                        // A changed scope region or host is caught by the scope/host cross-check first; a
                        // changed path can name another operation; every other change fails the HMAC.
                        #expect(
                            [
                                "signature_mismatch", "malformed_credentials", "scope_mismatch", "unknown_endpoint",
                                "ambiguous_request",
                            ]
                            .contains(reason ?? ""),
                            "\(vector.name)/\(negative.name): \(reason ?? "-")")
                    }
                }
            }
            // Each positive was verified with the known secret, as the audit log says.
            var lines: [String] = []
            for _ in 0..<100 where lines.count < Self.vectors.count {
                try await Task.sleep(for: .milliseconds(20))
                lines = server.auditLines()
            }
            let verified = lines.filter { $0.contains("\"signature\":\"verified\"") }.count
            #expect(verified == Self.vectors.filter { !Self.isLocal($0) }.count)
        }
    }
}
