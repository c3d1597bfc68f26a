import AWSCredentials
import Synchronization

/// A ``CacheClock`` the test moves by hand: `sleep` returns when ``advance(by:)`` passes its deadline
/// (or throws when the sleeping task is cancelled).
final class ManualClock: CacheClock {
    private struct Sleeper {
        let id: Int
        let deadline: Int64
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Int64
        var sleepers: [Sleeper] = []
        var nextID = 0
    }

    private let state: Mutex<State>

    init(now: Int64) {
        state = Mutex(State(now: now))
    }

    func now() -> Int64 { state.withLock { $0.now } }

    /// How many tasks are sleeping.
    var sleeping: Int { state.withLock { $0.sleepers.count } }

    /// The deadlines of the sleeping tasks.
    var deadlines: [Int64] { state.withLock { $0.sleepers.map(\.deadline).sorted() } }

    func sleep(seconds: Int64) async throws {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Bool = state.withLock { state in
                    if Task.isCancelled { return true }
                    state.sleepers.append(
                        Sleeper(id: id, deadline: state.now + max(1, seconds), continuation: continuation))
                    return false
                }
                if resumeNow { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the time on and wakes the sleepers whose deadline has come.
    func advance(by seconds: Int64) {
        let due = state.withLock { state -> [Sleeper] in
            state.now += seconds
            let due = state.sleepers.filter { $0.deadline <= state.now }
            state.sleepers.removeAll { $0.deadline <= state.now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }
}

/// Waits (bounded: 5 s) until `condition` holds; returns whether it did.
func eventually(_ condition: @Sendable () -> Bool) async -> Bool {
    for _ in 0..<500 {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}
