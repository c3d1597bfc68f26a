import MetricsTestKit
import SigV4
import Synchronization
import Testing

@testable import AWSCredentials

/// A fetch the test scripts: counts calls per key, answers from a script, and can be held at a gate.
final class ScriptedFetch: Sendable {
    enum Step: Sendable {
        case credentials(expiresIn: Int64?)
        case failure(CredentialError.Reason)
    }

    private struct State {
        var calls: [String: Int] = [:]
        var script: [Step] = []
        var held = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    let clock: ManualClock

    init(clock: ManualClock, script: [Step] = []) {
        self.clock = clock
        state.withLock { $0.script = script }
    }

    func calls(_ key: String) -> Int { state.withLock { $0.calls[key, default: 0] } }
    var totalCalls: Int { state.withLock { $0.calls.values.reduce(0, +) } }
    var waiting: Int { state.withLock { $0.waiting.count } }

    /// Holds every fetch until ``release()``.
    func hold() { state.withLock { $0.held = true } }

    func release() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.held = false
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    func fetch(_ key: String) async throws(CredentialError) -> SigningCredentials {
        let (number, step) = state.withLock { state -> (Int, Step) in
            state.calls[key, default: 0] += 1
            let step = state.script.isEmpty ? .credentials(expiresIn: 900) : state.script.removeFirst()
            return (state.calls[key, default: 0], step)
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resume = state.withLock { state -> Bool in
                guard state.held else { return true }
                state.waiting.append(continuation)
                return false
            }
            if resume { continuation.resume() }
        }
        switch step {
        case .credentials(let expiresIn):
            return SigningCredentials(
                accessKeyID: "ASIA\(key.uppercased())\(number)", secretAccessKey: "secret-\(key)-\(number)",
                sessionToken: "token", expiration: expiresIn.map { clock.now() + $0 })
        case .failure(let reason):
            throw CredentialError(reason, "scripted failure \(number) of \(key)")
        }
    }
}

@Suite("Expiring cache")
struct ExpiringCacheTests {
    static let start: Int64 = 1_796_068_800

    static func cache(
        _ fetch: ScriptedFetch, timing: CacheTiming = CacheTiming(), metrics: BrokerMetrics? = nil
    ) -> ExpiringCache<String> {
        ExpiringCache(timing: timing, clock: fetch.clock, metrics: metrics) {
            (key: String) async throws(CredentialError) -> SigningCredentials in
            try await fetch.fetch(key)
        }
    }

    @Test("100 concurrent gets of a key make one fetch; every caller gets its result")
    func singleFlight() async throws {
        let fetch = ScriptedFetch(clock: ManualClock(now: Self.start))
        let cache = Self.cache(fetch)
        defer { cache.shutdown() }
        fetch.hold()
        let results = try await withThrowingTaskGroup(of: SigningCredentials.self) { group in
            for _ in 0..<100 { group.addTask { try await cache.get("a") } }
            #expect(await eventually { fetch.waiting == 1 })
            fetch.release()
            return try await group.reduce(into: [SigningCredentials]()) { $0.append($1) }
        }
        #expect(results.count == 100)
        #expect(Set(results.map(\.accessKeyID)) == ["ASIAA1"])
        #expect(fetch.calls("a") == 1)
        _ = try await cache.get("a")
        #expect(fetch.calls("a") == 1)
    }

    @Test("A failed fetch reaches every waiting caller; the next get fetches again")
    func failureShared() async throws {
        let fetch = ScriptedFetch(
            clock: ManualClock(now: Self.start), script: [.failure(.throttled), .credentials(expiresIn: 900)])
        let cache = Self.cache(fetch)
        defer { cache.shutdown() }
        fetch.hold()
        let errors = await withTaskGroup(of: CredentialError?.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    do throws(CredentialError) {
                        _ = try await cache.get("a")
                        return nil
                    } catch { return error }
                }
            }
            _ = await eventually { fetch.waiting == 1 }
            fetch.release()
            return await group.reduce(into: [CredentialError?]()) { $0.append($1) }
        }
        #expect(errors.allSatisfy { $0?.reason == .throttled })
        #expect(fetch.calls("a") == 1)
        #expect(try await cache.get("a").accessKeyID == "ASIAA2")
    }

    @Test("cached never waits: nil while a fetch is held, the credentials once it is done")
    func cachedNeverBlocks() async throws {
        let fetch = ScriptedFetch(clock: ManualClock(now: Self.start))
        let cache = Self.cache(fetch)
        defer { cache.shutdown() }
        #expect(cache.cached("a") == nil)
        fetch.hold()
        let waiter = Task { try await cache.get("a") }
        #expect(await eventually { fetch.waiting == 1 })
        let started = ContinuousClock.now
        for _ in 0..<1000 { #expect(cache.cached("a") == nil) }
        #expect(ContinuousClock.now - started < .seconds(10))  // blocking would never return; loose for slow machines
        fetch.release()
        let credentials = try await waiter.value
        #expect(cache.cached("a") == credentials)
    }

    @Test("Credentials are used until 60 s before expiry, refreshed 300 s before, once")
    func refreshBeforeExpiry() async throws {
        let clock = ManualClock(now: Self.start)
        let fetch = ScriptedFetch(clock: clock)
        let cache = Self.cache(fetch)
        defer { cache.shutdown() }
        let first = try await cache.get("a")
        #expect(first.expiration == Self.start + 900)
        // The maintainer sleeps until 300 s before expiry.
        #expect(await eventually { clock.deadlines == [Self.start + 600] })
        clock.advance(by: 599)
        #expect(cache.cached("a") == first)
        #expect(fetch.calls("a") == 1)
        clock.advance(by: 1)
        #expect(await eventually { fetch.calls("a") == 2 })
        #expect(await eventually { cache.cached("a")?.accessKeyID == "ASIAA2" })
        // Next refresh: 300 s before the new expiry (600 + 900 - 300).
        #expect(await eventually { clock.deadlines == [Self.start + 1200] })
        #expect(fetch.calls("a") == 2)
    }

    @Test(
        "A failed refresh is retried after 1, 2, 4 … 30 s while the old credentials are valid, which are used meanwhile"
    )
    func retryWithBackoff() async throws {
        let clock = ManualClock(now: Self.start)
        let failures = Array(repeating: ScriptedFetch.Step.failure(.unreachable), count: 7)
        let fetch = ScriptedFetch(
            clock: clock, script: [.credentials(expiresIn: 900)] + failures + [.credentials(expiresIn: 900)])
        let cache = Self.cache(fetch)
        defer { cache.shutdown() }
        let first = try await cache.get("a")
        #expect(await eventually { clock.sleeping == 1 })
        clock.advance(by: 600)  // refresh due: fails
        var delays: [Int64] = []
        for attempt in 2...8 {
            #expect(await eventually { fetch.calls("a") == attempt && clock.sleeping == 1 })
            guard let deadline = clock.deadlines.first else { break }
            delays.append(deadline - clock.now())
            #expect(cache.cached("a") == first)  // the old ones, still valid for the 60 s margin
            clock.advance(by: deadline - clock.now())
        }
        #expect(delays == [1, 2, 4, 8, 16, 30, 30])
        #expect(await eventually { fetch.calls("a") == 9 })
        #expect(await eventually { cache.cached("a")?.accessKeyID == "ASIAA9" })
    }

    @Test("Retries stop when the old credentials expire; the next get fetches on demand")
    func retriesStopAtExpiry() async throws {
        let clock = ManualClock(now: Self.start)
        let fetch = ScriptedFetch(
            clock: clock, script: [.credentials(expiresIn: 310)] + Array(repeating: .failure(.unreachable), count: 40))
        let cache = Self.cache(fetch)
        defer { cache.shutdown() }
        _ = try await cache.get("a")
        // Refresh due 10 s after the store; then retries after 1, 2, 4, 8, 16, 30, 30 … s until 310.
        var iterations = 0
        while clock.now() < Self.start + 310, iterations < 50 {
            iterations += 1
            #expect(await eventually { clock.sleeping == 1 })
            guard let deadline = clock.deadlines.first else { break }
            clock.advance(by: deadline - clock.now())
        }
        #expect(clock.now() >= Self.start + 310)
        #expect(await eventually { clock.sleeping == 0 })
        let calls = fetch.calls("a")
        #expect(calls > 5 && calls < 20)
        #expect(cache.cached("a") == nil)
        clock.advance(by: 100)
        try await Task.sleep(for: .milliseconds(50))
        #expect(fetch.calls("a") == calls)  // nothing in the background after expiry
        _ = try? await cache.get("a")
        #expect(fetch.calls("a") == calls + 1)
    }

    @Test("Long-term credentials (no expiry) are never refreshed")
    func longTerm() async throws {
        let clock = ManualClock(now: Self.start)
        let fetch = ScriptedFetch(clock: clock, script: [.credentials(expiresIn: nil)])
        let cache = Self.cache(fetch)
        defer { cache.shutdown() }
        _ = try await cache.get("a")
        try await Task.sleep(for: .milliseconds(50))
        #expect(clock.sleeping == 0)
        clock.advance(by: 10 * 365 * 86_400)
        #expect(cache.cached("a") != nil)
        _ = try await cache.get("a")
        #expect(fetch.calls("a") == 1)
    }

    @Test("setKeys fetches new keys at once and keeps retrying them; removed keys are forgotten")
    func setKeys() async throws {
        let clock = ManualClock(now: Self.start)
        let fetch = ScriptedFetch(clock: clock)
        let cache = Self.cache(fetch)
        defer { cache.shutdown() }
        cache.setKeys(["a", "b"])
        #expect(await eventually { cache.cached("a") != nil && cache.cached("b") != nil })
        #expect(fetch.calls("a") == 1 && fetch.calls("b") == 1)
        _ = try await cache.get("c")
        cache.setKeys(["b", "d"])
        #expect(cache.keys == ["b", "d"])
        #expect(cache.cached("a") == nil)
        #expect(cache.cached("c") == nil)
        #expect(await eventually { cache.cached("d") != nil })
        #expect(fetch.calls("b") == 1)  // kept, not fetched again
        // A removed key's maintainers are gone: only b's and d's sleep.
        #expect(await eventually { clock.sleeping == 2 })
    }

    @Test("A kept key whose first fetch fails is retried with backoff until it succeeds")
    func keptKeyRetried() async throws {
        let clock = ManualClock(now: Self.start)
        let fetch = ScriptedFetch(
            clock: clock, script: [.failure(.unreachable), .failure(.throttled), .credentials(expiresIn: 900)])
        let cache = Self.cache(fetch)
        defer { cache.shutdown() }
        cache.setKeys(["a"])
        #expect(await eventually { fetch.calls("a") == 1 && clock.deadlines == [Self.start + 1] })
        clock.advance(by: 1)
        #expect(await eventually { fetch.calls("a") == 2 && clock.deadlines == [Self.start + 3] })
        clock.advance(by: 2)
        #expect(await eventually { cache.cached("a")?.accessKeyID == "ASIAA3" })
    }

    @Test("A removed key's fetch in flight is cancelled and its result not stored")
    func removedWhileFetching() async throws {
        let clock = ManualClock(now: Self.start)
        let fetch = ScriptedFetch(clock: clock)
        let cache = Self.cache(fetch)
        defer { cache.shutdown() }
        fetch.hold()
        cache.setKeys(["a"])
        #expect(await eventually { fetch.waiting == 1 })
        cache.setKeys([])
        fetch.release()
        try await Task.sleep(for: .milliseconds(50))
        #expect(cache.keys.isEmpty)
        #expect(cache.cached("a") == nil)
    }

    @Test("Credentials that expire within the use margin are a failed fetch")
    func tooShort() async throws {
        let fetch = ScriptedFetch(clock: ManualClock(now: Self.start), script: [.credentials(expiresIn: 30)])
        let cache = Self.cache(fetch)
        defer { cache.shutdown() }
        let error = await #expect(throws: CredentialError.self) { _ = try await cache.get("a") }
        #expect(error?.reason == .expired)
        #expect(cache.cached("a") == nil)
    }

    @Test("After shutdown: background work cancelled, get throws")
    func shutdown() async throws {
        let clock = ManualClock(now: Self.start)
        let fetch = ScriptedFetch(clock: clock)
        let cache = Self.cache(fetch)
        _ = try await cache.get("a")
        #expect(await eventually { clock.sleeping == 1 })
        cache.shutdown()
        #expect(await eventually { clock.sleeping == 0 })
        let error = await #expect(throws: CredentialError.self) { _ = try await cache.get("a") }
        #expect(error?.reason == .shutDown)
    }

    @Test("Lookups are counted: sigv4authz_broker_cache_total{result=hit|miss}")
    func metrics() async throws {
        let metrics = TestMetrics()
        let fetch = ScriptedFetch(clock: ManualClock(now: Self.start))
        let cache = Self.cache(fetch, metrics: BrokerMetrics(factory: metrics))
        defer { cache.shutdown() }
        _ = cache.cached("a")  // miss
        _ = try await cache.get("a")  // miss (fetched)
        _ = try await cache.get("a")  // hit
        _ = cache.cached("a")  // hit
        #expect(try metrics.expectCounter("sigv4authz_broker_cache_total", [("result", "hit")]).totalValue == 2)
        #expect(try metrics.expectCounter("sigv4authz_broker_cache_total", [("result", "miss")]).totalValue == 2)
    }
}
