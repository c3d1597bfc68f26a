import AuthzServer
import Foundation
import NIOHTTP1
import Policy
import Testing

/// The server over real sockets: Envoy HTTP mode and nginx over HTTP/1.1, h2c, limits, admin,
/// reload and shutdown. Every test starts its own server on ephemeral ports.
@Suite("Server over sockets", .serialized)
struct ServerTests {
    static let s3Host = "prod-data.s3.eu-west-1.amazonaws.com"

    @Test("Envoy HTTP mode: allow with decision headers, deny with an S3 error body")
    func envoyHTTPMode() async throws {
        try await TestServer.with { server in
            let connection = try await RawConnection(port: server.httpPort)
            let allowed = TestServer.signedHeaders(
                host: Self.s3Host, target: "/reports/q1.csv", service: "s3", region: "eu-west-1")
            try await connection.send(RawConnection.request("GET", "/envoy/reports/q1.csv", headers: allowed))
            let allow = try #require(try await connection.readResponse())
            #expect(allow.status == 200)
            #expect(allow.header("x-sigv4-authz-decision") == "allow")
            #expect(allow.header("x-sigv4-authz-account") == "171436882533")
            #expect(allow.header("x-sigv4-authz-account-name") == "prod")
            #expect(allow.header("x-sigv4-authz-action") == "s3:GetObject")
            #expect(allow.header("x-sigv4-authz-rule") == "accounts[\"171436882533\"].regions[\"eu-west-1\"]")

            let delete = TestServer.signedHeaders(
                method: "DELETE", host: Self.s3Host, target: "/reports/q1.csv", service: "s3", region: "eu-west-1")
            try await connection.send(RawConnection.request("DELETE", "/envoy/reports/q1.csv", headers: delete))
            let deny = try #require(try await connection.readResponse())
            #expect(deny.status == 403)
            #expect(deny.header("x-sigv4-authz-reason") == "denied_by_rule")
            #expect(deny.header("content-type") == "application/xml")
            #expect(deny.body.contains("<Code>AccessDenied</Code><Message>sigv4-authz: s3:DeleteObject"))
            try await connection.close()
        }
    }

    @Test("Envoy HTTP mode with a body: a DynamoDB JSON deny, and the body classifies query actions")
    func envoyBodies() async throws {
        try await TestServer.with { server in
            let connection = try await RawConnection(port: server.httpPort)
            let body = #"{"TableName":"orders"}"#
            let dynamo = TestServer.signedHeaders(
                method: "POST", host: "dynamodb.us-east-1.amazonaws.com", target: "/", service: "dynamodb",
                region: "us-east-1",
                headers: [
                    ("X-Amz-Target", "DynamoDB_20120810.GetItem"), ("Content-Type", "application/x-amz-json-1.0"),
                ],
                body: Array(body.utf8))
            // Envoy sends x-envoy-auth-partial-body: false with a whole body (with_request_body).
            let whole = [("x-envoy-auth-partial-body", "false")]
            try await connection.send(RawConnection.request("POST", "/envoy/", headers: dynamo + whole, body: body))
            let deny = try #require(try await connection.readResponse())
            #expect(deny.status == 403)
            #expect(deny.header("x-sigv4-authz-reason") == "region_not_allowed")
            #expect(deny.body.hasPrefix("{\"__type\":\"AccessDeniedException\",\"message\":\"sigv4-authz: "))
            #expect(deny.header("x-amzn-errortype") == "AccessDeniedException")

            let form = "Action=GetCallerIdentity&Version=2011-06-15"
            let sts = TestServer.signedHeaders(
                method: "POST", host: "sts.eu-west-1.amazonaws.com", target: "/", service: "sts", region: "eu-west-1",
                headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], body: Array(form.utf8))
            try await connection.send(RawConnection.request("POST", "/envoy/", headers: sts + whole, body: form))
            let allow = try #require(try await connection.readResponse())
            #expect(allow.status == 200)
            #expect(allow.header("x-sigv4-authz-action") == "sts:GetCallerIdentity")
            try await connection.close()
        }
    }

    @Test("nginx auth_request: X-Original-* carry the request; the body is never expected")
    func nginxMode() async throws {
        try await TestServer.with { server in
            let connection = try await RawConnection(port: server.httpPort)
            var headers = TestServer.signedHeaders(
                host: Self.s3Host, target: "/k?versionId=1", service: "s3", region: "eu-west-1")
            headers.removeAll { $0.0 == "Host" }
            headers += [
                ("Host", "sigv4-authz.internal"), ("X-Original-Method", "GET"), ("X-Original-URI", "/k?versionId=1"),
                ("X-Original-Host", Self.s3Host), ("X-Sigv4-Authz-Client-Address", "10.1.2.3"),
            ]
            try await connection.send(RawConnection.request("GET", "/nginx", headers: headers))
            let allow = try #require(try await connection.readResponse())
            #expect(allow.status == 200)
            #expect(allow.header("x-sigv4-authz-action") == "s3:GetObjectVersion")

            try await connection.send(
                RawConnection.request("GET", "/nginx", headers: [("Host", "x"), ("X-Original-Method", "GET")]))
            let invalid = try #require(try await connection.readResponse())
            #expect(invalid.status == 403)
            #expect(invalid.header("x-sigv4-authz-reason") == "internal_error")

            try await connection.send(RawConnection.request("GET", "/other", headers: [("Host", "x")]))
            #expect(try await connection.readResponse()?.status == 404)
            try await connection.close()
        }
        // The audit file holds one record per check, with the client address from the proxy.
    }

    @Test("pipelined requests are answered in order on one connection")
    func pipelining() async throws {
        try await TestServer.with { server in
            let connection = try await RawConnection(port: server.httpPort)
            let allowed = TestServer.signedHeaders(host: Self.s3Host, target: "/a", service: "s3", region: "eu-west-1")
            let text =
                RawConnection.request("GET", "/envoy/a", headers: allowed)
                + RawConnection.request("GET", "/envoy/b", headers: [("Host", Self.s3Host)])
                + RawConnection.request("GET", "/envoy/a", headers: allowed)
            try await connection.send(text)
            let first = try #require(try await connection.readResponse())
            let second = try #require(try await connection.readResponse())
            let third = try #require(try await connection.readResponse())
            let statuses: [Int] = [first.status, second.status, third.status]
            #expect(statuses == [200, 403, 200])
            #expect(second.header("x-sigv4-authz-reason") == "no_credentials")
            try await connection.close()
        }
    }

    @Test("h2c with prior knowledge on the same port")
    func h2c() async throws {
        try await TestServer.with { server in
            var headers = TestServer.signedHeaders(host: Self.s3Host, target: "/k", service: "s3", region: "eu-west-1")
            headers.removeAll { $0.0 == "Host" }
            headers.append(("host", Self.s3Host))
            let response = try await H2CClient.get(port: server.httpPort, path: "/envoy/k", headers: headers)
            #expect(response.status == 200)
            #expect(response.headers.first(name: "x-sigv4-authz-decision") == "allow")
            let denied = try await H2CClient.get(
                port: server.httpPort, path: "/envoy/k", headers: [("host", "attacker.example")])
            #expect(denied.status == 403)
            #expect(denied.headers.first(name: "x-sigv4-authz-reason") == "no_credentials")
            // A JSON-protocol deny carries x-amzn-errortype, which HTTP/2 must send in lower case.
            let json = try await H2CClient.get(
                port: server.httpPort, path: "/envoy/",
                headers: [("host", "dynamodb.us-east-1.amazonaws.com"), ("x-amz-target", "DynamoDB_20120810.GetItem")])
            #expect(json.status == 403)
            #expect(json.headers.first(name: "x-amzn-errortype") == "AccessDeniedException")
        }
    }

    @Test("an oversized body is denied at once and the connection closed, never a hang")
    func oversizedBody() async throws {
        try await TestServer.with { server in
            let connection = try await RawConnection(port: server.httpPort)
            let big = String(repeating: "x", count: 10_000)  // the test server reads at most 4096 bytes
            try await connection.send(
                RawConnection.request("PUT", "/envoy/k", headers: [("Host", Self.s3Host)], body: big))
            let response = try #require(try await connection.readResponse())
            #expect(response.status == 403)
            #expect(response.header("x-sigv4-authz-reason") == "body_too_large")
            #expect(response.header("connection") == "close")
            #expect(try await connection.readUntilClosed())
        }
    }

    @Test("a slow client is disconnected after the idle timeout")
    func slowClient() async throws {
        try await TestServer.with { server in
            let connection = try await RawConnection(port: server.httpPort)
            try await connection.send("GET /envoy/k HTTP/1.1\r\nHost: \(Self.s3Host)\r\n")  // never finishes
            let started = ContinuousClock.now
            #expect(try await connection.readUntilClosed())
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }

    @Test("admin: healthz, readyz and Prometheus metrics")
    func admin() async throws {
        try await TestServer.with { server in
            let check = try await RawConnection(port: server.httpPort)
            try await check.send(RawConnection.request("GET", "/envoy/k", headers: [("Host", Self.s3Host)]))
            _ = try await check.readResponse()
            let connection = try await RawConnection(port: server.adminPort)
            for path in ["/healthz", "/readyz"] {
                try await connection.send(RawConnection.request("GET", path, headers: [("Host", "admin")]))
                #expect(try await connection.readResponse()?.status == 200)
            }
            try await connection.send(RawConnection.request("GET", "/metrics", headers: [("Host", "admin")]))
            let metrics = try #require(try await connection.readResponse())
            #expect(
                metrics.body.contains(
                    "sigv4authz_decisions_total{decision=\"deny\",reason=\"no_credentials\",mode=\"envoy-http\"} 1"))
            #expect(metrics.body.contains("sigv4authz_check_duration_seconds_count"))
            #expect(metrics.body.contains("sigv4authz_config_generation 1"))
            #expect(metrics.body.contains("sigv4authz_build_info{version=\"dev\"} 1"))
            try await connection.close()
        }
    }

    @Test("audit: one record per check with the contract's fields, on the configured file")
    func audit() async throws {
        try await TestServer.with { server in
            let connection = try await RawConnection(port: server.httpPort)
            for _ in 0..<3 {
                try await connection.send(
                    RawConnection.request("GET", "/envoy/k?X-Amz-Signature=deadbeef", headers: [("Host", Self.s3Host)]))
                _ = try await connection.readResponse()
            }
            var lines: [String] = []
            for _ in 0..<100 where lines.count < 3 {
                try await Task.sleep(for: .milliseconds(20))
                lines = server.auditLines()
            }
            #expect(lines.count == 3)
            #expect(lines.allSatisfy { !$0.contains("deadbeef") })
            let object = try JSONSerialization.jsonObject(with: Data((lines.first ?? "").utf8)) as? [String: Any]
            #expect(object?["mode"] as? String == "envoy-http")
            #expect((object?["request"] as? [String: Any])?["path"] as? String == "/k")
        }
    }
}
