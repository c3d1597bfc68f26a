package import AuthzCore
package import Foundation
package import Logging
internal import Policy
internal import ServiceLifecycle
internal import Synchronization

/// Audit records written off the request path: checks append to a bounded in-memory buffer, a writer
/// task swaps the buffer out every few milliseconds and writes it with one `write(2)` to standard
/// output or a file. A full buffer never blocks a check: the record is dropped, counted in
/// `sigv4authz_audit_dropped_total`, and the drops are logged once a second. The write itself runs on
/// NIO's blocking-I/O thread pool, never on an event loop (which `serve` also uses as Swift's executor),
/// so a stalled reader of standard output slows only the writer.
///
/// A write that fails (a full disk, a file made unwritable, a closed pipe) never stops the checks:
/// the records of that write are dropped and counted in `sigv4authz_audit_dropped_total` and
/// `sigv4authz_audit_write_errors_total`, the first failure of a burst is logged with its error and
/// the end of the burst with the number of records it dropped (one log line per burst, never one per
/// record), and writing resumes by itself when the file takes writes again. A write cut short by a
/// full disk leaves no torn record behind: the partial record is cut off the end of the file.
///
/// ``reopen()`` (SIGUSR1 in `serve`, logrotate's usual `postrotate`) makes the writer open the
/// configured path anew after writing what is pending to the file it had: a file renamed away keeps
/// every record written before, the new file gets every record after, none is written twice.
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

    /// The writer's side: touched by the writer only (the lock makes it `Sendable`).
    private struct Output {
        /// Where records are written (1 for standard output).
        var descriptor: Int32
        /// Whether ``descriptor`` is ours to close.
        var owned: Bool
        /// A torn record could not be cut off the end of the file: start the next write on a new line.
        var needsNewline = false
    }

    /// What one flush did.
    package struct FlushOutcome: Sendable, Equatable {
        /// Records written whole.
        package var written = 0
        /// Records dropped because the buffer was full when they came.
        package var droppedFull = 0
        /// Records dropped because the write failed.
        package var droppedFailed = 0
        /// The write's error (`errno`), when it failed.
        package var error: Int32?
    }

    private let buffer = Mutex(Buffer())
    private let output: Mutex<Output>
    private let reopenRequested = Atomic<Bool>(false)
    private let capacity: Int
    private let path: String?
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
        self.path = path
        if let path {
            output = Mutex(Output(descriptor: try Self.openDescriptor(path), owned: true))
        } else {
            output = Mutex(Output(descriptor: STDOUT_FILENO, owned: false))
        }
        self.metrics = metrics
        self.logger = logger
        self.interval = interval
    }

    deinit {
        output.withLock { output in
            if output.owned { _ = close(output.descriptor) }
        }
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

    /// Asks the writer to reopen the configured file (after log rotation) before its next write; the
    /// records pending now go to the file it has open. Standard output is never reopened.
    package func reopen() {
        reopenRequested.store(true, ordering: .releasing)
    }

    /// Opens (creating it if needed) an audit file for appending. `O_APPEND`: every record is one
    /// write(2) at the end of the file, also when several processes (Squid's helpers) share it or a
    /// log rotator truncates it.
    package static func openForAppending(_ path: String) throws(ServerError) -> FileHandle {
        FileHandle(fileDescriptor: try openDescriptor(path), closeOnDealloc: true)
    }

    /// ``openForAppending(_:)``'s descriptor.
    static func openDescriptor(_ path: String) throws(ServerError) -> Int32 {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            throw ServerError("cannot open the audit file \(path): \(String(cString: strerror(errno)))")
        }
        return descriptor
    }

    /// Writes records until graceful shutdown (or cancellation), then writes what is left.
    package func run() async throws {
        var lastReport = ContinuousClock.now
        var droppedSinceReport = 0
        var burst: WriteFailureBurst?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await Task.sleep(for: interval)
            let outcome = await runBlocking { self.flushAndReopen() }
            droppedSinceReport += outcome.droppedFull
            report(outcome, burst: &burst)
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
        let outcome = await runBlocking { self.flushAndReopen() }
        droppedSinceReport += outcome.droppedFull
        report(outcome, burst: &burst)
        if droppedSinceReport > 0 {
            logger.warning(
                "audit records dropped: the writer cannot keep up", metadata: ["dropped": "\(droppedSinceReport)"])
        }
        if let burst {
            logger.error(
                "audit writing still failing at shutdown",
                metadata: ["dropped": "\(burst.dropped)", "error": "\(burst.error)"])
        }
    }

    /// A run of failed writes, logged when it starts and when it ends.
    private struct WriteFailureBurst {
        var dropped: Int
        var error: String
        var started: ContinuousClock.Instant
    }

    /// Logs the first failed write of a burst and the first successful one after it.
    private func report(_ outcome: FlushOutcome, burst: inout WriteFailureBurst?) {
        if let error = outcome.error {
            if burst == nil {
                let message = String(cString: strerror(error))
                burst = WriteFailureBurst(dropped: 0, error: message, started: .now)
                logger.error(
                    "audit write failed: records are dropped (and counted) until writing succeeds again",
                    metadata: [
                        "file": "\(path ?? "stdout")", "error": "\(message)",
                        "dropped": "\(outcome.droppedFailed)",
                    ])
            }
            burst?.dropped += outcome.droppedFailed
        } else if let ended = burst, outcome.written > 0 {
            burst = nil
            logger.warning(
                "audit writing resumed",
                metadata: [
                    "file": "\(path ?? "stdout")", "dropped": "\(ended.dropped)", "error": "\(ended.error)",
                    "failing_for": "\(ContinuousClock.now - ended.started)",
                ])
        }
    }

    /// Writes the pending records, then reopens the file when ``reopen()`` asked for it. Runs on the
    /// writer only (one at a time).
    package func flushAndReopen() -> FlushOutcome {
        let outcome = flush()
        if reopenRequested.exchange(false, ordering: .acquiring) { reopenFile() }
        return outcome
    }

    /// Writes the buffered records; counts what was written and what was dropped.
    private func flush() -> FlushOutcome {
        let (taken, records, dropped) = buffer.withLock { state in
            let taken = (state.bytes, state.records, state.dropped)
            state.bytes = state.spare
            state.spare = []
            state.records = 0
            state.dropped = 0
            return taken
        }
        var bytes = taken
        var outcome = FlushOutcome(droppedFull: dropped)
        if !bytes.isEmpty {
            let result = output.withLock { output in
                var result = Self.append(
                    bytes, records: records, to: output.descriptor, newlineFirst: output.needsNewline)
                output.needsNewline = result.torn
                result.torn = false
                return result
            }
            outcome.written = result.written
            outcome.droppedFailed = records - result.written
            outcome.error = result.error
            bytes.removeAll(keepingCapacity: true)
        }
        if outcome.written > 0 { metrics.auditRecordsWritten(outcome.written) }
        if outcome.error != nil { metrics.auditWriteFailed(droppedRecords: outcome.droppedFailed) }
        buffer.withLock { state in
            if state.spare.capacity < bytes.capacity { state.spare = bytes }
        }
        return outcome
    }

    /// Opens the configured path and switches to it; on failure keeps the file it has.
    private func reopenFile() {
        guard let path else { return }
        let opened: Int32
        do {
            opened = try Self.openDescriptor(path)
        } catch {
            metrics.auditReopened(ok: false)
            logger.error(
                "audit file reopen failed; records still go to the file open before", metadata: ["error": "\(error)"])
            return
        }
        output.withLock { output in
            if output.owned { _ = close(output.descriptor) }
            output = Output(descriptor: opened, owned: true)
        }
        metrics.auditReopened(ok: true)
        logger.info("audit file reopened", metadata: ["file": "\(path)"])
    }

    /// Appends one record (a JSON line, without its newline) to an open audit file with one write(2),
    /// as a process without a writer task does (Squid's helper); returns the error (`errno`) when the
    /// write failed (a full disk), in which case the record was not written (no partial line is left
    /// when it can be cut off). Never traps, unlike `FileHandle.write(_:)`.
    package static func appendRecord(_ line: String, to descriptor: Int32) -> Int32? {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        return append(bytes, records: 1, to: descriptor, newlineFirst: false).error
    }

    /// What ``append(_:records:to:newlineFirst:)`` did.
    struct AppendResult: Equatable {
        /// Records written whole.
        var written: Int
        /// The error that stopped the write (`errno`), if one did.
        var error: Int32?
        /// A partial record was left at the end of the file and could not be cut off.
        var torn = false
    }

    /// Writes `bytes` (`records` whole JSON lines) at the end of the file, retrying short writes and
    /// interruptions. A write that stops inside a record (a full disk) has the partial record cut off
    /// the end of the file when nothing was appended after it, so a reader never sees a torn line.
    static func append(_ bytes: [UInt8], records: Int, to descriptor: Int32, newlineFirst: Bool) -> AppendResult {
        if newlineFirst {
            var newline = UInt8(ascii: "\n")
            guard write(descriptor, &newline, 1) == 1 else { return AppendResult(written: 0, error: errno, torn: true) }
        }
        var offset = 0
        var failure: Int32?
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            while offset < raw.count {
                let count = write(descriptor, base + offset, raw.count - offset)
                if count > 0 {
                    offset += count
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    failure = count < 0 ? errno : EIO
                    return
                }
            }
        }
        guard let failure else { return AppendResult(written: records) }
        // Whole records written: the newlines in what the kernel took.
        let complete = bytes[..<offset].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        let written = bytes[..<complete].reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        let partial = offset - complete
        guard partial > 0 else { return AppendResult(written: written, error: failure) }
        return AppendResult(written: written, error: failure, torn: !cutTail(partial, of: descriptor))
    }

    /// Cuts the last `count` bytes off the file when they are still its end (nothing appended since).
    private static func cutTail(_ count: Int, of descriptor: Int32) -> Bool {
        guard let status = FileStatus.of(descriptor: descriptor), status.kind == .regular else { return false }
        let end = lseek(descriptor, 0, SEEK_CUR)
        guard end >= off_t(count), Int64(end) == status.size else { return false }
        return ftruncate(descriptor, end - off_t(count)) == 0
    }
}
