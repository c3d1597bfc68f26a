package import AuthzCore
package import Foundation
package import Logging
internal import ServiceLifecycle
internal import Synchronization

/// Audit records written off the request path: checks append to a bounded in-memory buffer, a writer
/// task swaps the buffer out every few milliseconds and writes it with one system call to standard
/// output or a file. A full buffer never blocks a check: the record is dropped, counted in
/// `sigv4authz_audit_dropped_total`, and the drops are logged once a second. The write itself runs on
/// NIO's blocking-I/O thread pool, never on an event loop (which `serve` also uses as Swift's executor),
/// so a stalled reader of standard output slows only the writer.
package final class AuditLog: Service, AuditSink, Sendable {
    private struct Buffer {
        /// The pending records, each one JSON line ending in a newline.
        var bytes: [UInt8] = []
        /// How many records `bytes` holds.
        var records = 0
        /// The buffer the writer last emptied, kept for its capacity: the two swap places.
        var spare: [UInt8] = []
        var dropped = 0
    }

    private let buffer = Mutex(Buffer())
    private let capacity: Int
    private let handle: FileHandle
    private let metrics: ServerMetrics
    private let logger: Logger
    private let interval: Duration

    /// Creates a log with room for `capacity` records; `path` nil means standard output. The file is
    /// opened here, so a path that cannot be written fails at startup.
    /// - Throws: ``ServerError`` when the file cannot be opened for appending.
    package init(
        capacity: Int, path: String?, metrics: ServerMetrics, logger: Logger, interval: Duration = .milliseconds(5)
    ) throws(ServerError) {
        self.capacity = capacity
        self.handle =
            try path.map { path throws(ServerError) in try Self.openForAppending(path) }
            ?? FileHandle.standardOutput
        self.metrics = metrics
        self.logger = logger
        self.interval = interval
    }

    /// Enqueues a record (one JSON line, without the newline). Never blocks for longer than a lock.
    package func record(_ line: String) {
        let accepted = buffer.withLock { state in
            guard state.records < capacity else {
                state.dropped += 1
                return false
            }
            state.bytes.append(contentsOf: line.utf8)
            state.bytes.append(UInt8(ascii: "\n"))
            state.records += 1
            return true
        }
        if !accepted { metrics.auditRecordDropped() }
    }

    /// Enqueues the record of a result, written as JSON straight into the pending bytes (no string
    /// per record; the buffers are reused). Never blocks for longer than a lock.
    package func record(_ result: CheckResult) {
        let accepted = buffer.withLock { state in
            guard state.records < capacity else {
                state.dropped += 1
                return false
            }
            AuditRecord.appendJSON(of: result, to: &state.bytes)
            state.bytes.append(UInt8(ascii: "\n"))
            state.records += 1
            return true
        }
        if !accepted { metrics.auditRecordDropped() }
    }

    /// Opens (creating it if needed) an audit file for appending. `O_APPEND`: every record is one
    /// write(2) at the end of the file, also when several processes (Squid's helpers) share it or a
    /// log rotator truncates it.
    package static func openForAppending(_ path: String) throws(ServerError) -> FileHandle {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            throw ServerError("cannot open the audit file \(path): \(String(cString: strerror(errno)))")
        }
        return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    /// Writes records until graceful shutdown, then writes what is left.
    package func run() async throws {
        let handle = self.handle
        var lastReport = ContinuousClock.now
        var droppedSinceReport = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await Task.sleep(for: interval)
            droppedSinceReport += await runBlocking { self.flush(to: handle) }
            if ContinuousClock.now - lastReport >= .seconds(1) {
                if droppedSinceReport > 0 {
                    logger.warning(
                        "audit records dropped: the writer cannot keep up",
                        metadata: ["dropped": "\(droppedSinceReport)"])
                }
                droppedSinceReport = 0
                lastReport = .now
            }
        }
        droppedSinceReport += await runBlocking { self.flush(to: handle) }
        if droppedSinceReport > 0 {
            logger.warning(
                "audit records dropped: the writer cannot keep up", metadata: ["dropped": "\(droppedSinceReport)"])
        }
    }

    /// Writes the buffered records; returns how many were dropped since the last flush.
    private func flush(to handle: FileHandle) -> Int {
        let (taken, dropped) = buffer.withLock { state in
            let taken = (state.bytes, state.dropped)
            state.bytes = state.spare
            state.spare = []
            state.records = 0
            state.dropped = 0
            return taken
        }
        var bytes = taken
        if !bytes.isEmpty {
            handle.write(Data(bytes))
            bytes.removeAll(keepingCapacity: true)
        }
        buffer.withLock { state in
            if state.spare.capacity < bytes.capacity { state.spare = bytes }
        }
        return dropped
    }
}
