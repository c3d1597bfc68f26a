import AuthzCore
import AuthzServer
import Foundation
import Testing

/// The ICAP listener as `serve` runs it (`listen.icap`), over real sockets: OPTIONS with an ISTag that
/// a reload changes, a REQMOD decided by the configuration in force and audited with mode `icap`, a
/// CONNECT answered without a decision and counted, readiness waiting for the listener.
@Suite("ICAP listener")
struct ICAPListenerTests {
    static let uri = "icap://127.0.0.1/sigv4-authz"

    static func options() -> String {
        "OPTIONS \(uri) ICAP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
    }

    /// A REQMOD of a GET with no body, closing the connection after the answer.
    static func reqmod(_ httpHead: String) -> String {
        let head = httpHead + "\r\n"
        return "REQMOD \(uri) ICAP/1.0\r\nHost: 127.0.0.1\r\nAllow: 204\r\nConnection: close\r\n"
            + "Encapsulated: req-hdr=0, null-body=\(head.utf8.count)\r\n\r\n" + head
    }

    static func istag(_ port: Int) async throws -> String? {
        let connection = try await RawConnection(port: port)
        try await connection.send(Self.options())
        let answer = try await connection.readResponse()
        try await connection.close()
        #expect(answer?.status == 200)
        #expect(answer?.header("methods") == "REQMOD")
        return answer?.header("istag")
    }

    @Test("OPTIONS names the service; a reload changes the ISTag")
    func optionsAndReload() async throws {
        try await TestServer.with(icap: true) { running in
            #expect(running.server.isReady)
            let before = try #require(try await Self.istag(running.icapPort))
            #expect(before.hasPrefix("\"sigv4-authz-"))
            #expect(try await Self.istag(running.icapPort) == before)
            try (TestServer.baseConfig + "\n# changed\n").write(
                toFile: running.configPath, atomically: true, encoding: .utf8)
            #expect(running.server.reloader?.reload(because: "test") != nil)
            let after = try #require(try await Self.istag(running.icapPort))
            #expect(after != before)
        }
    }

    @Test("a REQMOD is decided by the policy in force and audited with mode icap; a CONNECT is counted")
    func reqmodAndConnect() async throws {
        try await TestServer.with(icap: true) { running in
            let headers = TestServer.signedHeaders(
                host: "prod-data.s3.us-west-2.amazonaws.com", target: "/k", service: "s3", region: "us-west-2")
            var head = "GET http://prod-data.s3.us-west-2.amazonaws.com/k HTTP/1.1\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            let connection = try await RawConnection(port: running.icapPort)
            try await connection.send(Self.reqmod(head))
            let answer = String(decoding: try await connection.readBytesUntilClosed(), as: UTF8.self)
            #expect(answer.hasPrefix("ICAP/1.0 200 OK\r\n"), "\(answer)")
            #expect(answer.contains("HTTP/1.1 403 Forbidden\r\n"), "\(answer)")
            #expect(answer.lowercased().contains("x-sigv4-authz-reason: region_not_allowed"), "\(answer)")
            try await Task.sleep(for: .milliseconds(300))
            let records = running.auditLines()
            #expect(records.count == 1)
            #expect(records.first?.contains(#""mode":"icap""#) == true, "\(records)")

            let tunnel = try await RawConnection(port: running.icapPort)
            try await tunnel.send(Self.reqmod("CONNECT prod-data.s3.us-west-2.amazonaws.com:443 HTTP/1.1\r\n"))
            let connectAnswer = String(decoding: try await tunnel.readBytesUntilClosed(), as: UTF8.self)
            #expect(connectAnswer.hasPrefix("ICAP/1.0 204 No Content\r\n"), "\(connectAnswer)")
            #expect(running.server.metrics.render().contains("sigv4authz_icap_connects_total 1"))
            #expect(running.auditLines().count == 1)
        }
    }
}
