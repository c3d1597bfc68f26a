public import Metrics

/// The credential metrics, through swift-metrics (Prometheus text names):
///
/// - `sigv4authz_broker_sts_calls_total{outcome="ok"|"refused"|"throttled"|"unreachable"}`: every STS
///   call (`AssumeRole`, `AssumeRoleWithWebIdentity`) by how it ended; an answer that cannot be read
///   counts as `unreachable`.
/// - `sigv4authz_broker_sts_seconds`: a timer of every STS call, whatever its outcome.
/// - `sigv4authz_broker_cache_total{result="hit"|"miss"}`: lookups of the role-credential cache
///   (``ExpiringCache/cached(_:)`` and ``ExpiringCache/get(_:)``).
public struct BrokerMetrics: Sendable {
    /// How an STS call ended.
    public enum Outcome: String, Sendable, CaseIterable {
        /// Credentials came back.
        case ok
        /// STS refused (an error code, a 4xx answer).
        case refused
        /// STS throttled the call.
        case throttled
        /// STS could not be reached, did not answer in time, answered a server error or something unreadable.
        case unreachable

        /// The outcome of a failed call.
        public init(_ error: CredentialError) {
            switch error.reason {
            case .refused, .misconfigured, .notConfigured: self = .refused
            case .throttled: self = .throttled
            case .unreachable, .malformedAnswer, .expired, .shutDown: self = .unreachable
            }
        }
    }

    private let calls: [Outcome: Counter]
    private let seconds: Timer
    private let hits: Counter
    private let misses: Counter

    /// Creates the metrics with `factory` (the server's Prometheus factory; tests their own).
    public init(factory: any MetricsFactory) {
        var calls: [Outcome: Counter] = [:]
        for outcome in Outcome.allCases {
            calls[outcome] = Counter(
                label: "sigv4authz_broker_sts_calls_total", dimensions: [("outcome", outcome.rawValue)],
                factory: factory)
        }
        self.calls = calls
        seconds = Timer(label: "sigv4authz_broker_sts_seconds", dimensions: [], factory: factory)
        hits = Counter(label: "sigv4authz_broker_cache_total", dimensions: [("result", "hit")], factory: factory)
        misses = Counter(label: "sigv4authz_broker_cache_total", dimensions: [("result", "miss")], factory: factory)
    }

    /// One STS call ended with `outcome` after `nanoseconds`.
    func stsCall(_ outcome: Outcome, nanoseconds: Int64) {
        calls[outcome]?.increment()
        seconds.recordNanoseconds(nanoseconds)
    }

    /// One cache lookup.
    func cacheLookup(hit: Bool) {
        (hit ? hits : misses).increment()
    }
}
