import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `sigv4-authz serve` as a process: startup line, SIGHUP reload, SIGTERM graceful exit with status 0.
@Suite("serve as a process", .serialized)
struct ServeProcessTests {
    /// The ports the server reports in its "listening" log lines (it is started on port 0).
    static func ports(in log: String) -> [String: Int] {
        var ports: [String: Int] = [:]
        for line in log.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                object["msg"] as? String == "listening", let name = object["listener"] as? String,
                let address = object["address"] as? String,
                let port = address.split(separator: ":").last.flatMap({ Int($0) })
            else { continue }
            ports[name] = port
        }
        return ports
    }

    static func get(_ url: String, headers: [String: String] = [:]) async -> (Int, String)? {
        guard let url = URL(string: url) else { return nil }
        var request = URLRequest(url: url)
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.timeoutInterval = 2
        let box = ResultBox()
        let semaphore = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, _ in
            if let http = response as? HTTPURLResponse {
                box.set((http.statusCode, String(decoding: data ?? Data(), as: UTF8.self)))
            }
            semaphore.signal()
        }.resume()
        _ = semaphore.wait(timeout: .now() + 3)
        return box.get()
    }

    @Test("startup, SIGHUP reload, SIGTERM exits 0")
    func lifecycle() async throws {
        let binary = try #require(CommandLineTests.executable, "build the sigv4-authz product first")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sigv4-authz-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("config.yaml")
        func write(_ effect: String) throws {
            try """
            listen: { http: "127.0.0.1:0", grpc: "127.0.0.1:0", admin: "127.0.0.1:0" }
            credentials: { require_signature: false }
            default: \(effect)
            audit: { file: \(directory.appendingPathComponent("audit.log").path) }
            server: { reload_poll: 3600s }
            """.write(to: config, atomically: true, encoding: .utf8)
        }
        try write("allow")
        let process = Process()
        process.executableURL = binary
        process.arguments = ["serve", "--config", config.path]
        let errors = Pipe()
        let collected = LogBox()
        errors.fileHandleForReading.readabilityHandler = { handle in collected.append(handle.availableData) }
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var ports: [String: Int] = [:]
        for _ in 0..<100 where ports.count < 3 {
            try await Task.sleep(for: .milliseconds(100))
            ports = Self.ports(in: collected.text)
        }
        let http = try #require(ports["http"])
        let admin = try #require(ports["admin"])
        #expect(ports["grpc"] != nil)
        #expect(await Self.get("http://127.0.0.1:\(admin)/readyz")?.0 == 200)
        let nginx = [
            "X-Original-Method": "GET", "X-Original-URI": "/k", "X-Original-Host": "bucket.s3.eu-west-1.amazonaws.com",
        ]
        #expect(await Self.get("http://127.0.0.1:\(http)/nginx", headers: nginx)?.0 == 200)

        // SIGHUP: the file now denies (polling is off, so only the signal can reload it).
        try write("deny")
        kill(process.processIdentifier, SIGHUP)
        var denied = false
        for _ in 0..<50 where !denied {
            try await Task.sleep(for: .milliseconds(100))
            denied = await Self.get("http://127.0.0.1:\(http)/nginx", headers: nginx)?.0 == 403
        }
        #expect(denied)

        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        try await Task.sleep(for: .milliseconds(200))
        errors.fileHandleForReading.readabilityHandler = nil
        let log = collected.text
        #expect(log.contains("\"msg\":\"starting sigv4-authz\""))
        #expect(log.contains("\"trigger\":\"SIGHUP\""))
        #expect(log.contains("\"msg\":\"stopped\""))
    }
}

final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: (Int, String)?
    func set(_ new: (Int, String)) { lock.lock(); value = new; lock.unlock() }
    func get() -> (Int, String)? { lock.lock(); defer { lock.unlock() }; return value }
}

final class LogBox: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func append(_ more: Data) { lock.lock(); data.append(more); lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
}
