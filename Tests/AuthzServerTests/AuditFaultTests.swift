import AuthzServer
import Foundation
import Logging
import Synchronization
import Testing

/// Log lines kept for assertions.
final class CapturedLog: Sendable {
    let lines = Mutex<[(Logger.Level, String, Logger.Metadata)]>([])

    var logger: Logger {
        Logger(label: "test") { _ in CapturingHandler(log: self) }
    }

    func messages(_ level: Logger.Level) -> [String] {
        lines.withLock { $0.filter { $0.0 == level }.map(\.1) }
    }

    func metadata(of message: String) -> Logger.Metadata? {
        lines.withLock { $0.last { $0.1 == message }?.2 }
    }

    struct CapturingHandler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            log.lines.withLock { $0.append((event.level, "\(event.message)", event.metadata ?? [:])) }
        }
    }
}

/// A metric's value in the Prometheus text (0 when the series is absent).
func metricValue(_ text: String, _ series: String) -> Int {
    for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Int(Double(line.dropFirst(series.count + 1)) ?? -1)
    }
    return 0
}

/// The lines of a file, each parsed as a JSON object (a torn or interleaved line fails the test).
func jsonLines(_ path: String) throws -> [[String: Any]] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return try text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { line in
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(object as? [String: Any], "not a JSON object: \(line)")
    }
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("audit-faults-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite("Audit log faults and rotation")
struct AuditFaultTests {
    @Test("a full disk drops and counts the records, logs once per burst, and writing resumes")
    func fullDiskThenResume() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("audit.log").path
        let real = directory.appendingPathComponent("real.log").path
        // The configured path is a symbolic link: first to /dev/full (every write fails with ENOSPC).
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/dev/full")
        let metrics = ServerMetrics(version: "test")
        let log = CapturedLog()
        let audit = try AuditLog(capacity: 1000, path: path, metrics: metrics, logger: log.logger)
        let writer = Task { try await audit.run() }

        // Three bursts of records while the disk is full: the writer flushes each separately.
        for burst in 0..<3 {
            for index in 0..<10 { audit.record("{\"burst\":\(burst),\"n\":\(index)}") }
            try await Task.sleep(for: .milliseconds(50))
        }
        // The writer runs on its own schedule: wait (bounded) until it has handled all 30 records.
        for _ in 0..<200 where metricValue(metrics.render(), "sigv4authz_audit_dropped_total") < 30 {
            try await Task.sleep(for: .milliseconds(25))
        }
        let failing = metrics.render()
        #expect(metricValue(failing, "sigv4authz_audit_dropped_total") == 30)
        #expect(metricValue(failing, "sigv4authz_audit_write_errors_total") >= 1)
        #expect(metricValue(failing, "sigv4authz_audit_records_total") == 0)
        // One error line for the whole failing period, not one per record or per write.
        let started = "audit write failed: records are dropped (and counted) until writing succeeds again"
        #expect(log.messages(.error) == [started])
        #expect(log.metadata(of: started)?["error"] == "\(String(cString: strerror(ENOSPC)))")

        // Space returns (the link now names a writable file; SIGUSR1 in `serve` calls reopen()).
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: real)
        audit.reopen()
        try await Task.sleep(for: .milliseconds(50))
        for index in 0..<5 { audit.record("{\"after\":\(index)}") }
        writer.cancel()
        try await writer.value

        let lines = try jsonLines(real)
        #expect(lines.count == 5)
        let resumed = metrics.render()
        #expect(metricValue(resumed, "sigv4authz_audit_records_total") == 5)
        #expect(metricValue(resumed, "sigv4authz_audit_dropped_total") == 30)
        #expect(metricValue(resumed, "sigv4authz_audit_reopens_total{result=\"ok\"}") == 1)
        #expect(log.messages(.warning) == ["audit writing resumed"])
        #expect(log.metadata(of: "audit writing resumed")?["dropped"] == "30")
        #expect(log.messages(.error) == [started])
    }

    @Test("reopen after rotation: the renamed file keeps its records, the new one gets the rest, none lost or doubled")
    func reopenUnderLoad() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("audit.log").path
        let rotated = directory.appendingPathComponent("audit.log.1").path
        let metrics = ServerMetrics(version: "test")
        let audit = try AuditLog(capacity: 100_000, path: path, metrics: metrics, logger: Logger(label: "test"))
        let writer = Task { try await audit.run() }

        // Four writers record concurrently while the file is rotated twice (rename, then reopen).
        let writers = 4
        let perWriter = 5_000
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writerIndex in 0..<writers {
                group.addTask {
                    for index in 0..<perWriter {
                        audit.record(
                            "{\"w\":\(writerIndex),\"n\":\(index),\"pad\":\"\(String(repeating: "x", count: index % 200))\"}"
                        )
                        if index % 500 == 0 { try await Task.sleep(for: .milliseconds(2)) }
                    }
                }
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(15))
                try FileManager.default.moveItem(atPath: path, toPath: rotated)
                try await Task.sleep(for: .milliseconds(5))
                audit.reopen()
            }
            try await group.waitForAll()
        }
        writer.cancel()
        try await writer.value

        let old = try jsonLines(rotated)
        let new = try jsonLines(path)
        #expect(!old.isEmpty)
        #expect(!new.isEmpty)
        let keys = (old + new).map { "\($0["w"] ?? "?")/\($0["n"] ?? "?")" }
        #expect(keys.count == writers * perWriter)
        #expect(Set(keys).count == writers * perWriter)
        let text = metrics.render()
        #expect(metricValue(text, "sigv4authz_audit_records_total") == writers * perWriter)
        #expect(metricValue(text, "sigv4authz_audit_dropped_total") == 0)
        #expect(metricValue(text, "sigv4authz_audit_reopens_total{result=\"ok\"}") == 1)
    }

    @Test("a reopen that fails keeps writing to the file open before, counted and logged")
    func reopenFailureKeepsTheOldFile() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let sub = directory.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        let path = sub.appendingPathComponent("audit.log").path
        let metrics = ServerMetrics(version: "test")
        let log = CapturedLog()
        let audit = try AuditLog(capacity: 100, path: path, metrics: metrics, logger: log.logger)
        let writer = Task { try await audit.run() }
        audit.record("{\"n\":1}")
        try await Task.sleep(for: .milliseconds(30))
        // The directory is gone: the path cannot be opened again; the open file still takes records.
        let moved = directory.appendingPathComponent("moved")
        try FileManager.default.moveItem(at: sub, to: moved)
        audit.reopen()
        try await Task.sleep(for: .milliseconds(30))
        audit.record("{\"n\":2}")
        writer.cancel()
        try await writer.value
        #expect(try jsonLines(moved.appendingPathComponent("audit.log").path).count == 2)
        #expect(metricValue(metrics.render(), "sigv4authz_audit_reopens_total{result=\"failed\"}") == 1)
        #expect(log.messages(.error) == ["audit file reopen failed; records still go to the file open before"])
    }

    @Test("one record appended without a writer task: a full disk is an error returned, not a trap")
    func appendRecordReportsErrors() throws {
        let full = open("/dev/full", O_WRONLY | O_APPEND)
        try #require(full >= 0)
        defer { close(full) }
        #expect(AuditLog.appendRecord("{\"n\":1}", to: full) == ENOSPC)
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("audit.log").path
        let handle = try AuditLog.openForAppending(path)
        #expect(AuditLog.appendRecord("{\"n\":2}", to: handle.fileDescriptor) == nil)
        #expect(try jsonLines(path).count == 1)
    }
}
