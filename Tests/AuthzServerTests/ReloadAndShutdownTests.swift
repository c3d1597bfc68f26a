import AuthzGRPC
import AuthzServer
import Foundation
import GRPCCore
import Logging
import Policy
import Testing

/// Hot reload (file change, SIGHUP-equivalent call, invalid files, Kubernetes ConfigMap symlink swaps,
/// under load) and graceful shutdown with checks in flight.
@Suite("Reload and shutdown", .serialized)
struct ReloadAndShutdownTests {
    static let s3Host = "prod-data.s3.eu-west-1.amazonaws.com"
    static let denyS3 = TestServer.baseConfig.replacingOccurrences(
        of: "services: [s3, dynamodb, sts]", with: "services: [dynamodb]")

    static func check(_ port: Int) async throws -> RawResponse? {
        let connection = try await RawConnection(port: port)
        let headers = TestServer.signedHeaders(host: s3Host, target: "/k", service: "s3", region: "eu-west-1")
        try await connection.send(RawConnection.request("GET", "/envoy/k", headers: headers))
        let response = try await connection.readResponse()
        try await connection.close()
        return response
    }

    /// Polls `condition` every 50 ms for up to 30 s: the reload poll is 1 s, and a full `swift test` on a
    /// loaded 2-core machine has taken several seconds to get to it.
    static func waitFor(_ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    static func rewrite(_ path: String, policy: String, auditPath: String) throws {
        let text =
            policy
            + "\naudit: { file: \(auditPath) }\nserver: { reload_poll: 1s, idle_timeout: 2s, max_body_bytes: 4096 }\n"
        try text.write(toFile: path + ".tmp", atomically: true, encoding: .utf8)
        _ = rename(path + ".tmp", path)
    }

    @Test("a changed file is picked up; an invalid one leaves the old policy in force")
    func fileReload() async throws {
        try await TestServer.with { server in
            #expect(try await Self.check(server.httpPort)?.status == 200)
            try Self.rewrite(server.configPath, policy: Self.denyS3, auditPath: server.auditPath)
            #expect(try await Self.waitFor { try await Self.check(server.httpPort)?.status == 403 })
            #expect(server.server.authorizer.snapshot.generation == 2)

            try "rules:\n  - { name: broken, effect: perhaps }\n".write(
                toFile: server.configPath, atomically: true, encoding: .utf8)
            // The poll sees the invalid file (a failed reload is counted) and keeps the old policy.
            #expect(
                try await Self.waitFor {
                    server.server.metrics.render().contains("sigv4authz_config_reloads_total{result=\"failed\"} 1")
                })
            #expect(server.server.authorizer.snapshot.generation == 2)
            #expect(try await Self.check(server.httpPort)?.status == 403)
            #expect(server.server.isReady)
            #expect(server.server.reloader?.reload(because: "test") == nil)
        }
    }

    @Test("a Kubernetes ConfigMap update (atomic ..data symlink swap) is picked up")
    func configMapSwap() async throws {
        try await TestServer.with { server in
            // The ConfigMap layout: config.yaml → ..data/config.yaml, ..data → ..2026_01_15_v1.
            let root = server.directory.appendingPathComponent("configmap")
            let v1 = root.appendingPathComponent("..v1")
            let v2 = root.appendingPathComponent("..v2")
            try FileManager.default.createDirectory(at: v1, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: v2, withIntermediateDirectories: true)
            let audit = "\naudit: { file: \(server.auditPath) }\nserver: { reload_poll: 1s }\n"
            try (TestServer.baseConfig + audit).write(
                to: v1.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8)
            try (Self.denyS3 + audit).write(
                to: v2.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8)
            try FileManager.default.createSymbolicLink(
                atPath: root.appendingPathComponent("..data").path, withDestinationPath: "..v1")
            let mounted = root.appendingPathComponent("config.yaml").path
            try FileManager.default.createSymbolicLink(atPath: mounted, withDestinationPath: "..data/config.yaml")

            let reloader = ConfigReloader(
                path: mounted, model: try #require(TestServer.model), authorizer: server.server.authorizer,
                logger: .init(label: "test"), pollInterval: .milliseconds(200))
            #expect(reloader.reload(because: "mounted") == 2)
            #expect(try await Self.check(server.httpPort)?.status == 200)
            let before = ConfigReloader.fingerprint(mounted)

            // kubelet: create ..data_tmp → ..v2, rename it over ..data (atomic).
            try FileManager.default.createSymbolicLink(
                atPath: root.appendingPathComponent("..data_tmp").path, withDestinationPath: "..v2")
            #expect(
                rename(root.appendingPathComponent("..data_tmp").path, root.appendingPathComponent("..data").path) == 0)
            #expect(ConfigReloader.fingerprint(mounted) != before)
            #expect(reloader.reload(because: "swap") == 3)
            #expect(try await Self.check(server.httpPort)?.status == 403)
        }
    }

    @Test("reloads under concurrent load: every check is answered, none fails")
    func reloadUnderLoad() async throws {
        try await TestServer.with { server in
            let model = try #require(TestServer.model)
            let reloader = ConfigReloader(
                path: server.configPath, model: model, authorizer: server.server.authorizer,
                logger: .init(label: "test"),
                pollInterval: .seconds(60))
            let answered = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let connection = try await RawConnection(port: server.httpPort)
                        var count = 0
                        for _ in 0..<150 {
                            let headers = TestServer.signedHeaders(
                                host: Self.s3Host, target: "/k", service: "s3", region: "eu-west-1")
                            try await connection.send(RawConnection.request("GET", "/envoy/k", headers: headers))
                            guard let response = try await connection.readResponse(),
                                [200, 403].contains(response.status),
                                response.header("x-sigv4-authz-decision") != nil
                            else { break }
                            count += 1
                        }
                        try await connection.close()
                        return count
                    }
                }
                group.addTask {
                    for index in 0..<10 {
                        try Self.rewrite(
                            server.configPath, policy: index % 2 == 0 ? Self.denyS3 : TestServer.baseConfig,
                            auditPath: server.auditPath)
                        _ = reloader.reload(because: "load test")
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    try "default: [broken".write(toFile: server.configPath, atomically: true, encoding: .utf8)
                    _ = reloader.reload(because: "load test, invalid")
                    return 0
                }
                return try await group.reduce(0, +)
            }
            #expect(answered == 600)
            #expect(server.server.authorizer.snapshot.generation >= 11)
        }
    }

    @Test("graceful shutdown lets a check in flight finish")
    func gracefulShutdown() async throws {
        let response = ResponseBox()
        try await TestServer.with { server in
            let connection = try await RawConnection(port: server.httpPort)
            let body = "Action=GetCallerIdentity&Version=2011-06-15"
            let headers = TestServer.signedHeaders(
                method: "POST", host: "sts.eu-west-1.amazonaws.com", target: "/", service: "sts", region: "eu-west-1",
                headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(body.utf8))
            // Send the head and half the body, then shut down, then send the rest.
            let request = RawConnection.request("POST", "/envoy/", headers: headers, body: body)
            let cut = request.utf8.count - 10
            try await connection.send(bytes: Array(request.utf8.prefix(cut)))
            try await Task.sleep(for: .milliseconds(100))
            Task {
                try await Task.sleep(for: .milliseconds(300))
                try await connection.send(bytes: Array(request.utf8.dropFirst(cut)))
                response.set(try await connection.readResponse())
            }
        }
        // `with` returned: the server stopped only after answering.
        _ = try await Self.waitFor { response.get() != nil }
        #expect(response.get()?.status == 200)
        #expect(response.get()?.header("connection") == "close")
    }
}

extension ReloadAndShutdownTests {
    @Test("graceful shutdown sends GOAWAY on an idle h2c connection and closes it (Envoy keeps one open)")
    func gracefulShutdownHTTP2() async throws {
        let received = BytesBox()
        let clock = ContinuousClock()
        let shutdownStarted = TimeBox()
        try await TestServer.with { server in
            let connection = try await RawConnection(port: server.httpPort)
            // The client preface and an empty SETTINGS frame; the server answers with its SETTINGS.
            try await connection.send(
                bytes: Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 4, 0, 0, 0, 0, 0])
            Task {
                let bytes = try await connection.readBytesUntilClosed()
                received.set(bytes, at: clock.now)
            }
            try await Task.sleep(for: .milliseconds(200))
            shutdownStarted.set(clock.now)
        }
        _ = try await Self.waitFor { received.get() != nil }
        let (bytes, closedAt) = try #require(received.get(), "the connection was not closed")
        let started = try #require(shutdownStarted.get())
        // Frames: 3-byte length, type, flags, 4-byte stream id, payload.
        var types: [UInt8] = []
        var offset = 0
        while offset + 9 <= bytes.count {
            let length = Int(bytes[offset]) << 16 | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2])
            types.append(bytes[offset + 3])
            offset += 9 + length
        }
        #expect(types.contains(0x7), "no GOAWAY among the frames \(types)")
        // Closed by the shutdown, not by the 2 s idle timeout.
        #expect(closedAt - started < .seconds(1.5), "closed \(closedAt - started) after shutdown began")
    }
}

extension ReloadAndShutdownTests {
    @Test("server.shutdown_grace bounds graceful shutdown: a check that never completes is cut off")
    func shutdownGrace() async throws {
        let clock = ContinuousClock()
        let shutdownStarted = TimeBox()
        let closed = TimeBox()
        // Idle connections would be closed after 30 s; the grace is 1 s.
        try await TestServer.with(server: ["shutdown_grace": "1s", "idle_timeout": "30s"]) { server in
            let connection = try await RawConnection(port: server.httpPort)
            let headers = TestServer.signedHeaders(
                method: "POST", host: "sts.eu-west-1.amazonaws.com", target: "/", service: "sts", region: "eu-west-1",
                headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: Array("Action=GetCallerIdentity&Version=2011-06-15".utf8))
            let request = RawConnection.request(
                "POST", "/envoy/", headers: headers, body: "Action=GetCallerIdentity&Version=2011-06-15")
            // The head and part of the body; the rest never comes.
            try await connection.send(bytes: Array(request.utf8.dropLast(10)))
            Task {
                _ = try await connection.readUntilClosed()
                closed.set(clock.now)
            }
            try await Task.sleep(for: .milliseconds(100))
            shutdownStarted.set(clock.now)
        }
        let stopped = clock.now
        let started = try #require(shutdownStarted.get())
        #expect(stopped - started >= .milliseconds(900), "stopped \(stopped - started) after shutdown began")
        #expect(stopped - started < .seconds(5), "stopped \(stopped - started) after shutdown began")
        _ = try await Self.waitFor { closed.get() != nil }
        #expect(closed.get() != nil, "the connection left open at the end of the grace period was not closed")
    }

    @Test("an open grpc.health.v1 Watch stream ends at graceful shutdown (UNAVAILABLE), well within the grace")
    func watchEndsAtShutdown() async throws {
        let clock = ContinuousClock()
        let shutdownStarted = TimeBox()
        let outcome = WatchOutcome()
        try await TestServer.with(server: ["shutdown_grace": "10s", "idle_timeout": "30s"]) { server in
            let (first, firstSeen) = AsyncStream<Grpc_Health_V1_HealthCheckResponse.ServingStatus>.makeStream()
            Task {
                do {
                    try await GRPCTests.withClient(port: server.grpcPort) { _, health in
                        try await health.watch(Grpc_Health_V1_HealthCheckRequest()) { response in
                            for try await message in response.messages { firstSeen.yield(message.status) }
                        }
                    }
                    outcome.set("ended without an error")
                } catch let error as RPCError {
                    outcome.set("\(error.code): \(error.message)")
                } catch {
                    outcome.set("\(error)")
                }
                firstSeen.finish()
            }
            var statuses = first.makeAsyncIterator()
            #expect(await statuses.next() == .serving)
            shutdownStarted.set(clock.now)
        }
        let stopped = clock.now
        let started = try #require(shutdownStarted.get())
        #expect(stopped - started < .seconds(2), "stopped \(stopped - started) after shutdown began")
        _ = try await Self.waitFor { outcome.get() != nil }
        #expect(outcome.get() == "unavailable: the server is shutting down")
    }
}

final class WatchOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String?
    func set(_ text: String) { lock.lock(); value = text; lock.unlock() }
    func get() -> String? { lock.lock(); defer { lock.unlock() }; return value }
}

final class BytesBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: ([UInt8], ContinuousClock.Instant)?
    func set(_ bytes: [UInt8], at time: ContinuousClock.Instant) { lock.lock(); value = (bytes, time); lock.unlock() }
    func get() -> ([UInt8], ContinuousClock.Instant)? { lock.lock(); defer { lock.unlock() }; return value }
}

final class TimeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: ContinuousClock.Instant?
    func set(_ time: ContinuousClock.Instant) { lock.lock(); value = time; lock.unlock() }
    func get() -> ContinuousClock.Instant? { lock.lock(); defer { lock.unlock() }; return value }
}

final class ResponseBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: RawResponse?
    func set(_ response: RawResponse?) { lock.lock(); value = response; lock.unlock() }
    func get() -> RawResponse? { lock.lock(); defer { lock.unlock() }; return value }
}
