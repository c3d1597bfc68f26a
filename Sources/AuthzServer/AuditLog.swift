internal import Foundation
public import Logging
public import ServiceLifecycle
internal import Synchronization

/// Audit records written off the request path: checks enqueue into a bounded buffer, a writer task
/// drains it to standard output or a file. A full buffer never blocks a check: the record is dropped,
/// counted in `sigv4authz_audit_dropped_total`, and the drops are logged once a second.
public final class AuditLog: Service, Sendable {
    private let continuation: AsyncStream<String>.Continuation
    private let stream: AsyncStream<String>
    private let path: String?
    private let metrics: ServerMetrics
    private let logger: Logger
    private let dropped = Atomic<Int>(0)

    /// Creates a log with room for `capacity` records; `path` nil means standard output.
    public init(capacity: Int, path: String?, metrics: ServerMetrics, logger: Logger) {
        (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(capacity))
        self.path = path
        self.metrics = metrics
        self.logger = logger
    }

    /// Enqueues a record (one JSON line, without the newline). Never blocks.
    public func record(_ line: String) {
        if case .dropped = continuation.yield(line) {
            dropped.add(1, ordering: .relaxed)
            metrics.auditRecordDropped()
        }
    }

    /// Writes records until graceful shutdown, then drains what is buffered.
    public func run() async throws {
        let handle: FileHandle
        if let path {
            if !FileManager.default.fileExists(atPath: path) {
                _ = FileManager.default.createFile(atPath: path, contents: nil)
            }
            guard let opened = FileHandle(forWritingAtPath: path) else {
                logger.error("cannot open the audit file", metadata: ["path": "\(path)"])
                throw AuditLogError(message: "cannot open the audit file \(path)")
            }
            opened.seekToEndOfFile()
            handle = opened
        } else {
            handle = FileHandle.standardOutput
        }
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask {
                    // Report drops once a second, never silently.
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(1))
                        let count = self.dropped.exchange(0, ordering: .relaxed)
                        if count > 0 {
                            self.logger.warning(
                                "audit records dropped: the writer cannot keep up", metadata: ["dropped": "\(count)"])
                        }
                    }
                }
                for await line in self.stream {
                    handle.write(Data((line + "\n").utf8))
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.continuation.finish()
        }
    }
}

/// The audit log could not be written.
public struct AuditLogError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
