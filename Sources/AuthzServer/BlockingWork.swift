internal import NIOPosix

/// Runs blocking work (file writes, reading and compiling a configuration) on NIO's blocking-I/O
/// pool, never on an event loop — which `serve` also uses as Swift's executor. Once the pool has
/// stopped (the process is shutting down) the work runs where it was asked for.
func runBlocking<Result: Sendable>(_ work: @escaping @Sendable () -> Result) async -> Result {
    do {
        return try await NIOThreadPool.singleton.runIfActive(work)
    } catch {
        return work()
    }
}
