public import SigV4
internal import Synchronization

/// How long the cache uses credentials and when it refreshes them.
public struct CacheTiming: Sendable, Equatable {
    /// ``ExpiringCache/cached(_:)`` and ``ExpiringCache/get(_:)`` hand out credentials only while they
    /// are valid for at least this many more seconds.
    public var useMargin: Int64
    /// Expiring credentials are refreshed this many seconds before they expire.
    public var refreshBefore: Int64
    /// The first delay after a failed fetch; it doubles after each failure…
    public var firstRetryDelay: Int64
    /// … up to this.
    public var maxRetryDelay: Int64

    /// Creates a timing; the defaults: use until 60 s before expiry, refresh 300 s before, retry after
    /// 1, 2, 4 … 30 s.
    public init(
        useMargin: Int64 = 60, refreshBefore: Int64 = 300, firstRetryDelay: Int64 = 1, maxRetryDelay: Int64 = 30
    ) {
        self.useMargin = useMargin
        self.refreshBefore = refreshBefore
        self.firstRetryDelay = max(1, firstRetryDelay)
        self.maxRetryDelay = max(self.firstRetryDelay, maxRetryDelay)
    }
}

/// Credentials per key, fetched once and kept fresh: the role credentials brokering signs with
/// (a key per target) and sigv4-authz's own temporary credentials (one key).
///
/// - ``cached(_:)`` is synchronous and does no I/O and no `await`: the check path calls it. It returns
///   credentials valid for at least ``CacheTiming/useMargin`` more seconds, or `nil`.
/// - ``get(_:)`` returns those, else fetches: one fetch per key at a time, however many callers wait
///   (they all await the same fetch).
/// - ``setKeys(_:)`` names the keys to keep warm: new ones are fetched at once in the background (and
///   retried with backoff until they succeed), keys not in the set are forgotten (their fetches
///   cancelled). A key only ever asked for with ``get(_:)`` is kept too, until the next ``setKeys(_:)``.
/// - Expiring credentials are refreshed in the background ``CacheTiming/refreshBefore`` seconds before
///   they expire (one fetch); a failed refresh is retried after 1, 2, 4 … 30 s while the old credentials
///   are still valid, and the old ones are used meanwhile. Credentials without an expiry are never
///   refreshed. Credentials a fetch returns that are not valid for ``CacheTiming/useMargin`` seconds
///   are a failed fetch (``CredentialError/Reason/expired``).
/// - ``shutdown()`` cancels the background work; later calls to ``get(_:)`` throw.
///
/// The state is one `Mutex`; no actor hop anywhere. Lookups are counted as
/// `sigv4authz_broker_cache_total{result}` when ``BrokerMetrics`` are given.
public final class ExpiringCache<Key: Hashable & Sendable>: Sendable {
    /// Fetches the credentials of a key (calls STS, a provider…).
    public typealias Fetch = @Sendable (Key) async throws(CredentialError) -> SigningCredentials

    private typealias FetchTask = Task<Result<SigningCredentials, CredentialError>, Never>

    private struct Entry {
        /// Tells this entry from a later one for the same key (a key removed and added again).
        let id: UInt64
        var credentials: SigningCredentials?
        var inFlight: FetchTask?
        var maintainer: Task<Void, Never>?
        /// A key of the last ``setKeys(_:)``: fetched until it succeeds, whatever happens.
        var keep: Bool
    }

    private enum Lookup {
        case hit(SigningCredentials)
        case wait(FetchTask)
        case shutDown
    }

    /// Background work to cancel, collected under the lock and cancelled outside it.
    private struct Cancellations {
        var fetches: [FetchTask] = []
        var maintainers: [Task<Void, Never>] = []

        mutating func add(_ entry: Entry) {
            if let task = entry.inFlight { fetches.append(task) }
            if let task = entry.maintainer { maintainers.append(task) }
        }

        func cancel() {
            for task in fetches { task.cancel() }
            for task in maintainers { task.cancel() }
        }
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var nextID: UInt64 = 0
        var isShutDown = false

        mutating func newEntry(keep: Bool) -> Entry {
            nextID += 1
            return Entry(id: nextID, credentials: nil, inFlight: nil, maintainer: nil, keep: keep)
        }
    }

    /// The timing in force.
    public let timing: CacheTiming
    private let fetch: Fetch
    private let clock: any CacheClock
    private let metrics: BrokerMetrics?
    private let state = Mutex(State())

    /// Creates an empty cache.
    ///
    /// - Parameters:
    ///   - metrics: when given, lookups are counted (`sigv4authz_broker_cache_total`).
    ///   - fetch: fetches one key's credentials; called at most once per key at a time.
    public init(
        timing: CacheTiming = CacheTiming(), clock: any CacheClock = SystemCacheClock(), metrics: BrokerMetrics? = nil,
        fetch: @escaping Fetch
    ) {
        self.timing = timing
        self.clock = clock
        self.metrics = metrics
        self.fetch = fetch
    }

    deinit {
        shutdown()
    }

    /// The key's credentials when they are valid for at least ``CacheTiming/useMargin`` more seconds;
    /// `nil` otherwise. Never waits and never fetches.
    public func cached(_ key: Key) -> SigningCredentials? {
        let now = clock.now()
        let credentials = state.withLock { $0.entries[key]?.credentials }
        if let credentials, credentials.isValid(at: now, margin: timing.useMargin) {
            metrics?.cacheLookup(hit: true)
            return credentials
        }
        metrics?.cacheLookup(hit: false)
        return nil
    }

    /// The key's credentials: the cached ones when fresh, else the result of the key's one fetch in
    /// flight (started now when there is none).
    ///
    /// - Throws: the fetch's error, ``CredentialError/Reason/expired`` when it returned credentials
    ///   that expire too soon, ``CredentialError/Reason/shutDown`` after ``shutdown()``.
    public func get(_ key: Key) async throws(CredentialError) -> SigningCredentials {
        let now = clock.now()
        let lookup: Lookup = state.withLock { state in
            guard !state.isShutDown else { return .shutDown }
            if let credentials = state.entries[key]?.credentials,
                credentials.isValid(at: now, margin: timing.useMargin)
            {
                return .hit(credentials)
            }
            return .wait(startFetch(key, in: &state))
        }
        switch lookup {
        case .hit(let credentials):
            metrics?.cacheLookup(hit: true)
            return credentials
        case .wait(let task):
            metrics?.cacheLookup(hit: false)
            return try await task.value.get()
        case .shutDown:
            throw CredentialError(.shutDown, "the credential cache is shut down")
        }
    }

    /// Keeps exactly `keys`: fetches the new ones now (in the background) and keeps them warm, forgets
    /// the others and cancels their fetches.
    public func setKeys(_ keys: Set<Key>) {
        let cancelled: Cancellations = state.withLock { state in
            var cancelled = Cancellations()
            guard !state.isShutDown else { return cancelled }
            for (key, entry) in state.entries where !keys.contains(key) {
                cancelled.add(entry)
                state.entries[key] = nil
            }
            for key in keys {
                var entry = state.entries[key] ?? state.newEntry(keep: true)
                entry.keep = true
                state.entries[key] = entry
                startMaintainer(key, in: &state)
            }
            return cancelled
        }
        cancelled.cancel()
    }

    /// The keys the cache holds (tests, diagnostics).
    public var keys: Set<Key> {
        state.withLock { Set($0.entries.keys) }
    }

    /// Cancels every fetch and refresh and forgets every key; ``get(_:)`` throws from now on.
    public func shutdown() {
        let cancelled: Cancellations = state.withLock { state in
            state.isShutDown = true
            var cancelled = Cancellations()
            for entry in state.entries.values { cancelled.add(entry) }
            state.entries = [:]
            return cancelled
        }
        cancelled.cancel()
    }

    // MARK: - Fetching

    /// The key's fetch in flight, started when there is none (the entry created when missing).
    private func startFetch(_ key: Key, in state: inout State) -> FetchTask {
        var entry = state.entries[key] ?? state.newEntry(keep: false)
        if let task = entry.inFlight { return task }
        let id = entry.id
        let task = FetchTask { [self] in await self.runFetch(key, id: id) }
        entry.inFlight = task
        state.entries[key] = entry
        return task
    }

    /// One fetch: its result stored in the entry it was started for (when that entry still exists),
    /// and the entry's maintainer started for expiring credentials.
    private func runFetch(_ key: Key, id: UInt64) async -> Result<SigningCredentials, CredentialError> {
        let result: Result<SigningCredentials, CredentialError>
        do {
            let credentials = try await fetch(key)
            if credentials.isValid(at: clock.now(), margin: timing.useMargin) {
                result = .success(credentials)
            } else {
                result = .failure(
                    CredentialError(
                        .expired, "the credentials fetched expire in less than \(timing.useMargin) seconds"))
            }
        } catch {
            result = .failure(error)
        }
        state.withLock { state in
            guard !state.isShutDown, var entry = state.entries[key], entry.id == id else { return }
            entry.inFlight = nil
            if case .success(let credentials) = result { entry.credentials = credentials }
            state.entries[key] = entry
            startMaintainer(key, in: &state)
        }
        return result
    }

    // MARK: - Refreshing

    /// Whether an entry needs its maintainer: a kept key, or credentials that are valid and expire.
    private func needsMaintainer(_ entry: Entry, now: Int64) -> Bool {
        if entry.keep { return entry.credentials?.expiration != nil || entry.credentials == nil }
        guard let credentials = entry.credentials, credentials.isValid(at: now) else { return false }
        return credentials.expiration != nil
    }

    /// Starts the key's maintainer when it needs one and has none.
    private func startMaintainer(_ key: Key, in state: inout State) {
        guard var entry = state.entries[key], entry.maintainer == nil, needsMaintainer(entry, now: clock.now()) else {
            return
        }
        let id = entry.id
        entry.maintainer = Task { [self] in await self.maintain(key, id: id) }
        state.entries[key] = entry
    }

    /// What the maintainer reads of its entry each turn; `nil` when the entry is gone.
    private func snapshot(_ key: Key, id: UInt64) -> (credentials: SigningCredentials?, keep: Bool)? {
        state.withLock { state in
            guard !state.isShutDown, let entry = state.entries[key], entry.id == id else { return nil }
            return (entry.credentials, entry.keep)
        }
    }

    /// Ends the maintainer unless its entry needs it again (a fetch stored new credentials meanwhile).
    private func finishMaintainer(_ key: Key, id: UInt64) -> Bool {
        state.withLock { state in
            guard !state.isShutDown, var entry = state.entries[key], entry.id == id else { return true }
            if needsMaintainer(entry, now: clock.now()) { return false }
            entry.maintainer = nil
            state.entries[key] = entry
            return true
        }
    }

    /// The key's fetch in flight (joined or started), or `nil` when the entry is gone.
    private func fetchTask(_ key: Key, id: UInt64) -> FetchTask? {
        state.withLock { state in
            guard !state.isShutDown, let entry = state.entries[key], entry.id == id else { return nil }
            return startFetch(key, in: &state)
        }
    }

    /// Keeps one key's credentials fresh: sleeps until ``CacheTiming/refreshBefore`` seconds before
    /// they expire, fetches, and after a failure retries with backoff while the old credentials are
    /// valid (a kept key: until a fetch succeeds). After a fetch that returned credentials already due
    /// for refresh it waits at least half their remaining life (at most the longest retry delay), so a
    /// source of short-lived credentials is not asked in a loop.
    private func maintain(_ key: Key, id: UInt64) async {
        var delay = timing.firstRetryDelay
        var pause: Int64 = 0
        while !Task.isCancelled {
            guard let current = snapshot(key, id: id) else { return }
            let now = clock.now()
            if let credentials = current.credentials, credentials.isValid(at: now) {
                guard let expiration = credentials.expiration else {
                    if finishMaintainer(key, id: id) { return } else { continue }
                }
                let wait = max(expiration - timing.refreshBefore - now, pause)
                if wait > 0 {
                    do { try await clock.sleep(seconds: wait) } catch { return }
                    pause = 0
                    continue
                }
            } else if !current.keep {
                if finishMaintainer(key, id: id) { return } else { continue }
            } else if pause > 0 {
                do { try await clock.sleep(seconds: pause) } catch { return }
                pause = 0
                continue
            }
            guard let task = fetchTask(key, id: id) else { return }
            switch await task.value {
            case .success(let fresh):
                delay = timing.firstRetryDelay
                let remaining = (fresh.expiration ?? now) - clock.now()
                pause = min(timing.maxRetryDelay, max(1, remaining / 2))
            case .failure:
                pause = delay
                delay = min(delay * 2, timing.maxRetryDelay)
            }
        }
    }
}
