public import Metrics

/// The identity-token metrics of ``CallerIdentityVerifier``, through swift-metrics (Prometheus text names):
///
/// - `sigv4authz_identity_sts_calls_total{outcome="verified"|"refused"|"throttled"|"unreachable"|"malformed"}`:
///   every presigned `GetCallerIdentity` sent to STS by how it ended: STS named the caller (`verified`),
///   rejected the token (`refused`), throttled the call (`throttled`: `Throttling`, HTTP 429 or 503),
///   could not be reached, did not answer in time or answered a server error (`unreachable`), or
///   answered something that cannot be read (`malformed`).
/// - `sigv4authz_identity_sts_seconds`: a timer of every such call, whatever its outcome.
/// - `sigv4authz_identity_cache_total{result="hit"|"miss"|"joined"}`: one per check that needed a token's
///   identity: the outcome was cached (`hit`), the check started the STS call (`miss`), or it waited for
///   the call another check had started (`joined`).
public struct IdentityMetrics: Sendable {
    /// How a call to STS ended.
    public enum Outcome: String, Sendable, CaseIterable {
        /// STS named the caller.
        case verified
        /// STS rejected the token.
        case refused
        /// STS throttled the call.
        case throttled
        /// STS could not be reached, did not answer in time, or answered a server error.
        case unreachable
        /// STS's answer could not be read (too long, not JSON or XML of the expected shape).
        case malformed
    }

    /// How a check found a token's identity.
    public enum CacheResult: String, Sendable, CaseIterable {
        /// The outcome was cached.
        case hit
        /// The check started the STS call.
        case miss
        /// The check joined the STS call in flight for the same token.
        case joined
    }

    private let calls: [Outcome: Counter]
    private let seconds: Timer
    private let lookups: [CacheResult: Counter]

    /// Creates the metrics with `factory` (the server's Prometheus factory; tests their own).
    public init(factory: any MetricsFactory) {
        var calls: [Outcome: Counter] = [:]
        for outcome in Outcome.allCases {
            calls[outcome] = Counter(
                label: "sigv4authz_identity_sts_calls_total", dimensions: [("outcome", outcome.rawValue)],
                factory: factory)
        }
        self.calls = calls
        seconds = Timer(label: "sigv4authz_identity_sts_seconds", dimensions: [], factory: factory)
        var lookups: [CacheResult: Counter] = [:]
        for result in CacheResult.allCases {
            lookups[result] = Counter(
                label: "sigv4authz_identity_cache_total", dimensions: [("result", result.rawValue)], factory: factory)
        }
        self.lookups = lookups
    }

    /// One STS call ended with `outcome` after `nanoseconds`.
    func stsCall(_ outcome: Outcome, nanoseconds: Int64) {
        calls[outcome]?.increment()
        seconds.recordNanoseconds(nanoseconds)
    }

    /// One check found a token's identity this way.
    func cacheLookup(_ result: CacheResult) {
        lookups[result]?.increment()
    }
}
