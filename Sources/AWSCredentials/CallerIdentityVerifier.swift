public import AsyncHTTPClient
public import IAMIdentity
internal import NIOCore
internal import NIOHTTP1
internal import Synchronization

/// Verifies identity tokens with STS: sends a token's presigned `GetCallerIdentity` once, however many
/// checks carry the token, and keeps what STS said until the token expires.
///
/// - ``cached(_:)`` reads the cache under a lock: no I/O, no `await` (the check path calls it).
/// - ``verify(_:)`` returns the cached outcome, else joins the STS call in flight for the same token,
///   else starts one (an unstructured task, so a caller that goes away does not cancel it for the others).
/// - The request: `GET https://HOST/?QUERY` (the token's host and raw query, byte for byte), with the
///   audience header set to the configured audience and `Accept: application/json`. With an endpoint
///   override (`identity.sts_endpoint`: an STS VPC endpoint, a test stand-in) the request goes to the
///   override's scheme, host and port, path `/` and the token's query, and its `Host` header is still the
///   token's host (the host the signature covers). The deadline covers the whole call; at most 64 KiB of
///   the answer is read; the answer becomes an outcome through ``CallerIdentityAnswer/outcome(status:body:)``.
/// - `.verified` and `.refused` are cached by the token's digest until ``IdentityToken/expiresAt``;
///   `.unavailable` is not (the next check asks again), but every check waiting on the call gets it.
/// - At most `maxEntries` outcomes are kept: when the cache is full the expired ones are dropped (at most
///   once per second of the clock, so a full cache does not scan on every call), and an outcome that
///   still does not fit is returned without being cached.
/// - The token is never logged, and no sentence it produces quotes the token's signature or session token.
///
/// Calls are counted in ``IdentityMetrics`` when given. An override that is not an http(s) URL makes
/// every verification `.unavailable` (fail closed; the configuration reader refuses it first).
public final class CallerIdentityVerifier: CallerIdentitySource {
    private struct Entry {
        let outcome: IdentityOutcome
        let expiresAt: Int64
    }

    private struct State {
        var entries: [TokenDigest: Entry] = [:]
        var inFlight: [TokenDigest: Task<IdentityOutcome, Never>] = [:]
        /// When a full cache may be scanned for expired entries again.
        var nextSweep: Int64 = .min
    }

    private enum Lookup {
        case hit(IdentityOutcome)
        case wait(Task<IdentityOutcome, Never>, IdentityMetrics.CacheResult)
    }

    /// The largest answer read.
    static let maxAnswerBytes = 64 * 1024

    private let client: HTTPClient
    /// The override's URL; `nil` without one.
    private let endpoint: EndpointURL?
    /// Whether an override was given (`endpoint` is `nil` for one that is not a URL).
    private let hasOverride: Bool
    private let metrics: IdentityMetrics?
    private let timeout: Duration
    private let maxEntries: Int
    private let now: @Sendable () -> Int64
    private let state = Mutex(State())
    private let taskExecutor: (any TaskExecutor)?

    /// Creates a verifier.
    ///
    /// - Parameters:
    ///   - client: the client STS calls go through (``CredentialHTTPClients/sts``).
    ///   - endpoint: where the calls go instead of the token's host (an http or https URL; only its scheme,
    ///     host and port are used); `nil`: the token's host over https.
    ///   - timeout: the deadline of each call, connection included.
    ///   - maxEntries: the most outcomes cached.
    ///   - now: the cache's clock, seconds since the epoch.
    ///   - taskExecutor: where each call's task runs (`nil`: the global executor, which `serve` makes NIO's
    ///     event loops); a test timing the deadline gives it a thread of its own.
    public init(
        client: HTTPClient, endpoint: String?, metrics: IdentityMetrics? = nil, timeout: Duration = .seconds(5),
        maxEntries: Int = 100_000, now: @escaping @Sendable () -> Int64 = SystemCacheClock.seconds,
        taskExecutor: (any TaskExecutor)? = nil
    ) {
        self.taskExecutor = taskExecutor
        self.client = client
        self.hasOverride = endpoint != nil
        self.endpoint = endpoint.flatMap { EndpointURL($0) }
        self.metrics = metrics
        self.timeout = timeout
        self.maxEntries = max(0, maxEntries)
        self.now = now
    }

    /// The outcome cached for `token` while it has not expired; `nil` otherwise. Counts a hit (a miss is
    /// counted by the ``verify(_:)`` that follows).
    public func cached(_ token: IdentityToken) -> IdentityOutcome? {
        let now = now()
        let entry = state.withLock { $0.entries[token.digest] }
        guard let entry, now < entry.expiresAt else { return nil }
        metrics?.cacheLookup(.hit)
        return entry.outcome
    }

    /// What STS says of `token`: the cached outcome, else the outcome of the one call in flight for it
    /// (started now when there is none).
    public func verify(_ token: IdentityToken) async -> IdentityOutcome {
        let now = now()
        let lookup: Lookup = state.withLock { state in
            if let entry = state.entries[token.digest], now < entry.expiresAt { return .hit(entry.outcome) }
            if let task = state.inFlight[token.digest] { return .wait(task, .joined) }
            // The one call every check of this token waits for (an unstructured task: it must outlive
            // the first waiter; it does not inherit a task executor preference, hence `taskExecutor`).
            let task = Task(executorPreference: taskExecutor) { [self] in await self.call(token) }
            state.inFlight[token.digest] = task
            return .wait(task, .miss)
        }
        switch lookup {
        case .hit(let outcome):
            metrics?.cacheLookup(.hit)
            return outcome
        case .wait(let task, let result):
            metrics?.cacheLookup(result)
            return await task.value
        }
    }

    /// How many outcomes are cached (tests, diagnostics).
    public var count: Int { state.withLock { $0.entries.count } }

    // MARK: - The call

    /// One STS call for `token`: sent, read, counted, and its outcome stored.
    private func call(_ token: IdentityToken) async -> IdentityOutcome {
        let started = ContinuousClock.now
        let (outcome, kind) = await exchange(token)
        let elapsed = ContinuousClock.now - started
        metrics?.stsCall(
            kind,
            nanoseconds: elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        let now = now()
        state.withLock { state in
            state.inFlight[token.digest] = nil
            if case .unavailable = outcome { return }
            store(outcome, for: token, now: now, in: &state)
        }
        return outcome
    }

    /// Caches `outcome` until the token expires, when there is room (after dropping expired entries).
    private func store(_ outcome: IdentityOutcome, for token: IdentityToken, now: Int64, in state: inout State) {
        guard now < token.expiresAt else { return }
        if state.entries.count >= maxEntries, state.entries[token.digest] == nil, now >= state.nextSweep {
            state.entries = state.entries.filter { now < $0.value.expiresAt }
            state.nextSweep = now + 1
        }
        guard state.entries.count < maxEntries || state.entries[token.digest] != nil else { return }
        state.entries[token.digest] = Entry(outcome: outcome, expiresAt: token.expiresAt)
    }

    /// The request sent and its answer read into an outcome, with the metric outcome of the call.
    private func exchange(_ token: IdentityToken) async -> (IdentityOutcome, IdentityMetrics.Outcome) {
        guard let url = url(for: token) else {
            return (
                .unavailable(
                    hasOverride
                        ? "the identity STS endpoint (identity.sts_endpoint) is not an http or https URL"
                        : "the token's STS URL cannot be sent"), .malformed
            )
        }
        var headers = [(token.audienceHeader, token.audience), ("Accept", "application/json")]
        if hasOverride { headers.append(("Host", token.host)) }
        let answer: EndpointAnswer
        do {
            answer = try await CredentialHTTP.send(
                client, method: .GET, url: url, headers: headers, deadline: .now() + TimeAmount(timeout),
                maxBytes: Self.maxAnswerBytes, what: "STS")
        } catch {
            return (
                .unavailable(error.message), error.reason == .malformedAnswer ? .malformed : .unreachable
            )
        }
        let outcome = Self.scrubbed(
            CallerIdentityAnswer.outcome(status: answer.status, body: answer.body), secrets: Self.secrets(of: token))
        return (outcome, Self.kind(of: outcome, status: answer.status, body: answer.body))
    }

    /// Where the request goes: the override's scheme, host and port, else `https://` and the token's host;
    /// path `/` and the token's query either way; `nil` when the query holds a space, a control character,
    /// a byte over 0x7E or `#` (it could not go into the request line unchanged).
    private func url(for token: IdentityToken) -> EndpointURL? {
        // Parsing allows no such byte; checked again here because the query goes into the request line.
        guard token.query.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "#") }) else { return nil }
        var url: EndpointURL
        if hasOverride {
            guard let endpoint else { return nil }
            url = endpoint
        } else {
            guard let tokenURL = EndpointURL("https://\(token.host)"), tokenURL.port == nil else { return nil }
            url = tokenURL
        }
        url.path = "/"
        url.query = token.query
        return url
    }

    /// How a call that STS answered counts: what the outcome says, and for an unavailable one whether STS
    /// throttled (HTTP 429 or 503, a `Throttling` code, or the outcome's sentence says so), failed (HTTP 5xx)
    /// or answered something unreadable.
    static func kind(of outcome: IdentityOutcome, status: Int, body: [UInt8]) -> IdentityMetrics.Outcome {
        switch outcome {
        case .verified: return .verified
        case .refused: return .refused
        case .unavailable(let sentence):
            if status == 429 || status == 503 || sentence.contains("throttled")
                || contains(body, Array("Throttling".utf8))
            {
                return .throttled
            }
            return status >= 500 ? .unreachable : .malformed
        }
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        for offset in 0...(haystack.count - needle.count)
        where haystack[offset] == needle[0] && haystack[offset..<(offset + needle.count)].elementsEqual(needle) {
            return true
        }
        return false
    }

    /// The token's signature and session token (as sent, percent-encoded, and decoded): no sentence may
    /// quote them.
    static func secrets(of token: IdentityToken) -> [String] {
        var secrets: [String] = []
        for pair in token.query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { continue }
            let name = parts[0].lowercased()
            guard name == "x-amz-signature" || name == "x-amz-security-token" else { continue }
            secrets.append(String(parts[1]))
            if let decoded = String(parts[1]).percentDecoded { secrets.append(decoded) }
        }
        return secrets
    }

    /// `outcome` with its sentence withheld when it quotes a secret the request carried (STS does not
    /// echo them, but a hostile endpoint must not get them into a log or an audit record).
    static func scrubbed(_ outcome: IdentityOutcome, secrets: [String]) -> IdentityOutcome {
        switch outcome {
        case .verified: return outcome
        case .refused(let sentence):
            return STSClient.quotesAny(of: secrets, in: sentence)
                ? .refused("STS refused the token (its answer quoted the token and is withheld)") : outcome
        case .unavailable(let sentence):
            return STSClient.quotesAny(of: secrets, in: sentence)
                ? .unavailable("STS's answer could not be used (it quoted the token and is withheld)") : outcome
        }
    }
}

extension String {
    /// The text with `%XX` sequences decoded (UTF-8); `nil` when one is malformed or the bytes are not UTF-8.
    fileprivate var percentDecoded: String? {
        var out: [UInt8] = []
        var bytes = Array(utf8)[...]
        while let byte = bytes.first {
            if byte == UInt8(ascii: "%") {
                guard bytes.count >= 3,
                    let value = UInt8(String(decoding: bytes.dropFirst().prefix(2), as: UTF8.self), radix: 16)
                else { return nil }
                out.append(value)
                bytes = bytes.dropFirst(3)
            } else {
                out.append(byte)
                bytes = bytes.dropFirst()
            }
        }
        return String(validating: out, as: UTF8.self)
    }
}
