internal import AuthzCore
internal import CoreMetrics
internal import Metrics
internal import Policy
package import Prometheus
internal import Synchronization

/// The server's metrics, registered with a Prometheus registry through swift-metrics.
///
/// Names (Prometheus text): `sigv4authz_decisions_total{decision,reason,mode}` (decision `allow`,
/// `deny` or `would_deny`: a deny not enforced, answered allow),
/// `sigv4authz_check_duration_seconds` (histogram), `sigv4authz_checks_in_flight`,
/// `sigv4authz_config_reloads_total{result}`, `sigv4authz_config_generation`,
/// `sigv4authz_audit_dropped_total` (records dropped: the buffer was full or their write failed),
/// `sigv4authz_audit_records_total` (records written), `sigv4authz_audit_write_errors_total` (failed
/// writes), `sigv4authz_audit_reopens_total{result}`, `sigv4authz_connections_refused_total{listener}`
/// (connections over `server.max_connections`, closed at once), `sigv4authz_build_info{version}`.
package final class ServerMetrics: Sendable {
    /// The registry `/metrics` renders.
    package let registry: PrometheusCollectorRegistry
    /// The factory of the registry, for metrics made outside the server (the credential broker's).
    package let factory: PrometheusMetricsFactory
    private let decisions = Mutex<[DecisionKey: CoreMetrics.Counter]>([:])
    /// `sigv4authz_rule_decisions_total{rule,decision}` by (rule, decision word): the rules are the
    /// configuration's names (statements, allowlist entries, `default`), never a client's text.
    private let ruleDecisions = Mutex<[RuleKey: CoreMetrics.Counter]>([:])
    let duration: CoreMetrics.Timer
    let inFlight: CoreMetrics.Meter
    let reloadsOK: CoreMetrics.Counter
    let reloadsFailed: CoreMetrics.Counter
    let generation: CoreMetrics.Gauge
    let auditDropped: CoreMetrics.Counter
    let auditWritten: CoreMetrics.Counter
    let auditWriteErrors: CoreMetrics.Counter
    let auditReopensOK: CoreMetrics.Counter
    let auditReopensFailed: CoreMetrics.Counter
    let connectionsRefusedHTTP: CoreMetrics.Counter
    let connectionsRefusedGRPC: CoreMetrics.Counter
    let connectionsRefusedICAP: CoreMetrics.Counter
    /// ICAP CONNECT requests answered 204 without a decision (the tunnel's requests are checked once
    /// Squid bumps it).
    let icapConnectsAnswered: CoreMetrics.Counter

    /// Creates the metrics in a new registry (tests get their own; nothing global is touched).
    package init(version: String) {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
            .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(250),
        ]
        // STS calls (brokering's AssumeRole, identity tokens' GetCallerIdentity) take tens of
        // milliseconds to seconds: buckets up to the longest sts_timeout, so their quantiles are readable.
        let stsBuckets: [Duration] = [
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
            .seconds(60),
        ]
        factory.durationHistogramBuckets = [
            "sigv4authz_broker_sts_seconds": stsBuckets, "sigv4authz_identity_sts_seconds": stsBuckets,
        ]
        self.registry = registry
        self.factory = factory
        duration = CoreMetrics.Timer(label: "sigv4authz_check_duration_seconds", dimensions: [], factory: factory)
        inFlight = CoreMetrics.Meter(label: "sigv4authz_checks_in_flight", dimensions: [], factory: factory)
        reloadsOK = CoreMetrics.Counter(
            label: "sigv4authz_config_reloads_total", dimensions: [("result", "ok")], factory: factory)
        reloadsFailed = CoreMetrics.Counter(
            label: "sigv4authz_config_reloads_total", dimensions: [("result", "failed")], factory: factory)
        generation = CoreMetrics.Gauge(label: "sigv4authz_config_generation", dimensions: [], factory: factory)
        auditDropped = CoreMetrics.Counter(label: "sigv4authz_audit_dropped_total", dimensions: [], factory: factory)
        auditWritten = CoreMetrics.Counter(label: "sigv4authz_audit_records_total", dimensions: [], factory: factory)
        auditWriteErrors = CoreMetrics.Counter(
            label: "sigv4authz_audit_write_errors_total", dimensions: [], factory: factory)
        auditReopensOK = CoreMetrics.Counter(
            label: "sigv4authz_audit_reopens_total", dimensions: [("result", "ok")], factory: factory)
        auditReopensFailed = CoreMetrics.Counter(
            label: "sigv4authz_audit_reopens_total", dimensions: [("result", "failed")], factory: factory)
        connectionsRefusedHTTP = CoreMetrics.Counter(
            label: "sigv4authz_connections_refused_total", dimensions: [("listener", "http")], factory: factory)
        connectionsRefusedGRPC = CoreMetrics.Counter(
            label: "sigv4authz_connections_refused_total", dimensions: [("listener", "grpc")], factory: factory)
        connectionsRefusedICAP = CoreMetrics.Counter(
            label: "sigv4authz_connections_refused_total", dimensions: [("listener", "icap")], factory: factory)
        icapConnectsAnswered = CoreMetrics.Counter(
            label: "sigv4authz_icap_connects_total", dimensions: [], factory: factory)
        CoreMetrics.Gauge(label: "sigv4authz_build_info", dimensions: [("version", version)], factory: factory).record(
            1)
    }

    /// A check started / finished (the in-flight gauge).
    func checkStarted() { inFlight.increment() }
    func checkFinished() { inFlight.decrement() }

    /// A reload succeeded (with the new generation) or failed.
    func reloaded(generation value: Int?) {
        if let value {
            reloadsOK.increment()
            generation.record(value)
        } else {
            reloadsFailed.increment()
        }
    }

    /// The first configuration is in force.
    func loaded(generation value: Int) { generation.record(value) }

    /// A connection over `server.max_connections` was closed at once (`listener`: http, grpc or icap).
    func connectionRefused(listener: String) {
        switch listener {
        case "grpc": connectionsRefusedGRPC.increment()
        case "icap": connectionsRefusedICAP.increment()
        default: connectionsRefusedHTTP.increment()
        }
    }

    /// An ICAP CONNECT was answered 204 without a decision.
    func icapConnectAnswered() { icapConnectsAnswered.increment() }

    /// An audit record was dropped.
    func auditRecordDropped() { auditDropped.increment() }

    /// Audit records were written.
    func auditRecordsWritten(_ count: Int) { auditWritten.increment(by: Int64(count)) }

    /// An audit write failed; its records were dropped.
    func auditWriteFailed(droppedRecords: Int) {
        auditWriteErrors.increment()
        if droppedRecords > 0 { auditDropped.increment(by: Int64(droppedRecords)) }
    }

    /// The audit file was reopened (or could not be).
    func auditReopened(ok: Bool) { (ok ? auditReopensOK : auditReopensFailed).increment() }

    /// Counts one decision: `outcome` is its word (`allow`, `deny`, `would_deny`).
    func decision(
        _ outcome: Decision.Outcome, reason: ReasonCode, mode: AuthzMode, rule: String?, nanoseconds: Int64
    ) {
        let effect = outcome
        let ruleKey = RuleKey(rule: rule ?? "none", effect: effect)
        let ruleCounter = ruleDecisions.withLock { counters in
            if let existing = counters[ruleKey] { return existing }
            let made = CoreMetrics.Counter(
                label: "sigv4authz_rule_decisions_total",
                dimensions: [("rule", ruleKey.rule), ("decision", effect.rawValue)], factory: factory)
            counters[ruleKey] = made
            return made
        }
        ruleCounter.increment()
        let key = DecisionKey(effect: effect, reason: reason, mode: mode)
        let counter = decisions.withLock { counters in
            if let existing = counters[key] { return existing }
            let made = CoreMetrics.Counter(
                label: "sigv4authz_decisions_total",
                dimensions: [("decision", effect.rawValue), ("reason", reason.rawValue), ("mode", mode.rawValue)],
                factory: factory)
            counters[key] = made
            return made
        }
        counter.increment()
        duration.recordNanoseconds(nanoseconds)
    }

    /// The Prometheus text exposition.
    package func render() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}

/// One `sigv4authz_rule_decisions_total` series.
struct RuleKey: Hashable {
    let rule: String
    let effect: Decision.Outcome
}

/// One `sigv4authz_decisions_total` series.
struct DecisionKey: Hashable {
    let effect: Decision.Outcome
    let reason: ReasonCode
    let mode: AuthzMode
}
