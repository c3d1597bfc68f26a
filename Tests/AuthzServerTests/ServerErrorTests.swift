import AuthzServer
import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing

/// Start-up failures that are not the configuration's syntax: what failed and why, no position.
@Suite("Server errors")
struct ServerErrorTests {
    @Test("TLS files that cannot be loaded")
    func tls() {
        let missing = ServerConfiguration.TLS(certificate: "/nonexistent/tls.crt", key: "/nonexistent/tls.key")
        #expect {
            _ = try TLSSupport(missing, refresh: .seconds(60))
        } throws: { error in
            let message = (error as? ServerError)?.message ?? ""
            return message.contains("cannot load the TLS certificate /nonexistent/tls.crt") && !message.contains(":0:0")
        }
    }

    @Test("an audit file that cannot be opened fails when the server is built, not later")
    func auditFile() {
        #expect {
            _ = try AuditLog(
                capacity: 1, path: "/nonexistent/audit.log", metrics: ServerMetrics(version: "test"),
                logger: Logger(label: "test"))
        } throws: { error in
            (error as? ServerError)?.message.hasPrefix("cannot open the audit file /nonexistent/audit.log: ") == true
        }
    }

    @Test("an address that cannot be bound")
    func bind() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let taken = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        defer { taken.close(promise: nil) }
        let port = try #require(taken.localAddress?.port)
        let listener = Listener(
            name: "http", address: ListenAddress(host: "127.0.0.1", port: port), group: group,
            logger: Logger(label: "test"), initializer: { _ in })
        await #expect {
            try await listener.run()
        } throws: { error in
            (error as? ServerError)?.message.hasPrefix("cannot listen on 127.0.0.1:\(port) (http): ") == true
        }
    }
}
