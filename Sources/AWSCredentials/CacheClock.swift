internal import Foundation

/// The time the credential cache runs on: wall-clock seconds (credentials expire at wall-clock times)
/// and a sleep. Tests inject a clock they advance by hand.
public protocol CacheClock: Sendable {
    /// Now, in seconds since the epoch.
    func now() -> Int64
    /// Sleeps `seconds` (at least 1); throws `CancellationError` when the task is cancelled.
    func sleep(seconds: Int64) async throws
}

/// The system's clock.
public struct SystemCacheClock: CacheClock {
    /// Creates the system clock.
    public init() {}

    /// Now, in seconds since the epoch.
    public static let seconds: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }

    public func now() -> Int64 { Self.seconds() }

    public func sleep(seconds: Int64) async throws {
        try await Task.sleep(for: .seconds(max(1, seconds)))
    }
}
