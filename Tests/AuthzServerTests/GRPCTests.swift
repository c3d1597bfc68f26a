import AuthzGRPC
import AuthzServer
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Testing

/// Envoy's gRPC ext_authz protocol over a real HTTP/2 connection, with a grpc-swift client.
@Suite("gRPC Authorization and Health", .serialized)
struct GRPCTests {
    static let s3Host = "prod-data.s3.eu-west-1.amazonaws.com"

    static func checkRequest(
        method: String = "GET", path: String, host: String, headers: [(String, String)], rawHeaders: Bool = false,
        body: [UInt8]? = nil, principal: String = "", address: String = "10.0.0.7"
    ) -> Envoy_Service_Auth_V3_CheckRequest {
        var request = Envoy_Service_Auth_V3_CheckRequest()
        var http = Envoy_Service_Auth_V3_AttributeContext.HttpRequest()
        http.method = method
        http.path = path
        http.host = host
        // Envoy marks a forwarded body (with_request_body) with x-envoy-auth-partial-body.
        let all =
            [(":authority", host), (":method", method), (":path", path), (":scheme", "https")]
            + headers.filter { $0.0.lowercased() != "host" }
            + (body == nil ? [] : [("x-envoy-auth-partial-body", "false")])
        if rawHeaders {
            http.headerMap.headers = all.map { name, value in
                var header = Envoy_Config_Core_V3_HeaderValue()
                header.key = name.lowercased()
                header.rawValue = Data(value.utf8)
                return header
            }
        } else {
            for (name, value) in all { http.headers[name.lowercased()] = value }
        }
        if let body {
            http.rawBody = Data(body)
            http.size = Int64(body.count)
        } else {
            http.size = -1
        }
        request.attributes.request.http = http
        request.attributes.source.address.socketAddress.address = address
        request.attributes.source.principal = principal
        return request
    }

    static func withClient<T: Sendable>(
        port: Int,
        _ body:
            @Sendable (
                Envoy_Service_Auth_V3_Authorization.Client<HTTP2ClientTransport.Posix>,
                Grpc_Health_V1_Health.Client<HTTP2ClientTransport.Posix>
            ) async throws -> T
    ) async throws -> T {
        try await withGRPCClient(
            transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
        ) { client in
            try await body(
                Envoy_Service_Auth_V3_Authorization.Client(wrapping: client),
                Grpc_Health_V1_Health.Client(wrapping: client))
        }
    }

    @Test("allow: status 0, decision headers that overwrite, forged headers removed")
    func allow() async throws {
        try await TestServer.with { server in
            try await Self.withClient(port: server.grpcPort) { auth, _ in
                var headers = TestServer.signedHeaders(
                    host: Self.s3Host, target: "/k", service: "s3", region: "eu-west-1")
                headers += [("x-sigv4-authz-decision", "allow"), ("x-sigv4-authz-forged", "yes")]
                for raw in [false, true] {
                    let response = try await auth.check(
                        Self.checkRequest(path: "/k", host: Self.s3Host, headers: headers, rawHeaders: raw))
                    #expect(response.status.code == 0)
                    guard case .okResponse(let ok)? = response.httpResponse else {
                        Issue.record("not ok_response: \(response)")
                        return
                    }
                    let decision = ok.headers.first { $0.header.key == "x-sigv4-authz-decision" }
                    #expect(decision?.header.value == "allow")
                    #expect(ok.headers.allSatisfy { $0.appendAction == .overwriteIfExistsOrAdd })
                    #expect(
                        ok.headers.contains {
                            $0.header.key == "x-sigv4-authz-action" && $0.header.value == "s3:GetObject"
                        })
                    #expect(ok.headersToRemove == ["x-sigv4-authz-forged"])
                }
            }
        }
    }

    @Test("deny: status 7 with denied_response 403, headers and the AWS error body")
    func deny() async throws {
        try await TestServer.with { server in
            try await Self.withClient(port: server.grpcPort) { auth, _ in
                let headers = TestServer.signedHeaders(
                    method: "DELETE", host: Self.s3Host, target: "/k", service: "s3", region: "eu-west-1")
                let response = try await auth.check(
                    Self.checkRequest(method: "DELETE", path: "/k", host: Self.s3Host, headers: headers))
                #expect(response.status.code == 7)
                guard case .deniedResponse(let denied)? = response.httpResponse else {
                    Issue.record("not denied_response: \(response)")
                    return
                }
                #expect(denied.status.code == .forbidden)
                #expect(denied.body.contains("<Code>AccessDenied</Code>"))
                #expect(
                    denied.headers.contains {
                        $0.header.key == "x-sigv4-authz-reason" && $0.header.value == "denied_by_rule"
                    })
                #expect(
                    denied.headers.contains { $0.header.key == "content-type" && $0.header.value == "application/xml" })

                let unsigned = try await auth.check(
                    Self.checkRequest(path: "/k", host: "attacker.example", headers: []))
                #expect(unsigned.status.code == 7)
            }
        }
    }

    @Test("the body classifies query-protocol actions; without it the action is unknown")
    func bodies() async throws {
        try await TestServer.with(
            TestServer.baseConfig.replacingOccurrences(of: "default: deny", with: "default: deny")
                + "\n"
        ) { server in
            try await Self.withClient(port: server.grpcPort) { auth, _ in
                let form = Array("Action=GetCallerIdentity&Version=2011-06-15".utf8)
                let headers = TestServer.signedHeaders(
                    method: "POST", host: "sts.eu-west-1.amazonaws.com", target: "/", service: "sts",
                    region: "eu-west-1",
                    headers: [("Content-Type", "application/x-www-form-urlencoded")], body: form)
                let withBody = try await auth.check(
                    Self.checkRequest(
                        method: "POST", path: "/", host: "sts.eu-west-1.amazonaws.com", headers: headers, body: form))
                guard case .okResponse(let ok)? = withBody.httpResponse else {
                    Issue.record("\(withBody)")
                    return
                }
                #expect(
                    ok.headers.contains {
                        $0.header.key == "x-sigv4-authz-action" && $0.header.value == "sts:GetCallerIdentity"
                    })
                let withoutBody = try await auth.check(
                    Self.checkRequest(method: "POST", path: "/", host: "sts.eu-west-1.amazonaws.com", headers: headers))
                guard case .okResponse(let blind)? = withoutBody.httpResponse else {
                    Issue.record("\(withoutBody)")
                    return
                }
                #expect(blind.headers.contains { $0.header.key == "x-sigv4-authz-action" && $0.header.value == "" })
            }
        }
    }

    @Test("the peer principal and address reach the policy")
    func principals() async throws {
        let policy = """
            rules:
              - { name: ci, effect: allow, principals: ["spiffe://cluster.local/ns/ci/*"], sources: ["10.0.0.0/8"] }
            default: deny
            """
        try await TestServer.with(policy) { server in
            try await Self.withClient(port: server.grpcPort) { auth, _ in
                let headers = TestServer.signedHeaders(
                    host: Self.s3Host, target: "/k", service: "s3", region: "eu-west-1")
                let ci = try await auth.check(
                    Self.checkRequest(
                        path: "/k", host: Self.s3Host, headers: headers,
                        principal: "spiffe://cluster.local/ns/ci/sa/runner"))
                #expect(ci.status.code == 0)
                let other = try await auth.check(
                    Self.checkRequest(
                        path: "/k", host: Self.s3Host, headers: headers,
                        principal: "spiffe://cluster.local/ns/app/sa/web"))
                #expect(other.status.code == 7)
                let outside = try await auth.check(
                    Self.checkRequest(
                        path: "/k", host: Self.s3Host, headers: headers,
                        principal: "spiffe://cluster.local/ns/ci/sa/runner", address: "192.168.0.1"))
                #expect(outside.status.code == 7)
            }
        }
    }

    @Test("grpc.health.v1: SERVING for the server and the Authorization service, NOT_FOUND otherwise")
    func health() async throws {
        try await TestServer.with { server in
            try await Self.withClient(port: server.grpcPort) { _, health in
                var request = Grpc_Health_V1_HealthCheckRequest()
                let overall = try await health.check(request)
                #expect(overall.status == .serving)
                request.service = "envoy.service.auth.v3.Authorization"
                let authorization = try await health.check(request)
                #expect(authorization.status == .serving)
                request.service = "nope"
                let unknown = request
                await #expect(throws: RPCError.self) { try await health.check(unknown) }
            }
        }
    }
}
