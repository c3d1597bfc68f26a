package import AuthzCore
internal import Foundation
internal import IAMIdentity
internal import Policy
internal import Synchronization

/// Where audit records go: one JSON line per record, without the newline.
package protocol AuditSink: Sendable {
    /// Takes one record. Never blocks a check for longer than a lock.
    func record(_ line: String)
    /// Takes the record of a result (by default its ``AuditRecord`` JSON line as a string; the audit
    /// log writes the bytes straight into its buffer). Never blocks a check for longer than a lock.
    func record(_ result: CheckResult)
}

extension AuditSink {
    /// Hands the record's JSON line to the string-taking `record`.
    package func record(_ result: CheckResult) {
        var line: [UInt8] = []
        AuditRecord.appendJSON(of: result, to: &line)
        record(String(decoding: line, as: UTF8.self))
    }
}

/// The authorizer every front end of a process calls: the configuration in force, swapped atomically
/// on reload, with timing, metrics and the audit log in one place.
///
/// Each check reads the current snapshot (one reference, under a lock held for the copy), decides
/// with its engine, times the decision once, counts it in the metrics and hands its audit record to
/// the sink when the audit settings keep it. A reload builds the new engine off the request path and
/// swaps the snapshot; checks already running finish on the one they started with.
package final class LiveAuthorizer: Authorizer, Sendable {
    /// One loaded configuration: immutable, shared by every check that started under it.
    package final class Snapshot: Sendable {
        /// The engine.
        package let engine: AuthzEngine
        /// Which decisions are audited (the file's `audit:` section).
        package let audit: ServerConfiguration.Audit
        /// 1 for the first configuration, +1 for every successful reload.
        package let generation: Int
        /// Where it came from.
        package let path: String

        init(engine: AuthzEngine, audit: ServerConfiguration.Audit, generation: Int, path: String) {
            self.engine = engine
            self.audit = audit
            self.generation = generation
            self.path = path
        }
    }

    private let current: Mutex<Snapshot>
    /// The metrics every check is counted in.
    package let metrics: ServerMetrics
    let auditSink: (any AuditSink)?

    /// Creates the authorizer with a first configuration: its engine and its audit settings.
    /// `sink` nil: records are not written.
    package init(
        engine: AuthzEngine, audit: ServerConfiguration.Audit, path: String, metrics: ServerMetrics,
        sink: (any AuditSink)?
    ) {
        current = Mutex(Snapshot(engine: engine, audit: audit, generation: 1, path: path))
        self.metrics = metrics
        self.auditSink = sink
        metrics.loaded(generation: 1)
    }

    /// The configuration in force.
    package var snapshot: Snapshot { current.withLock { $0 } }

    /// Replaces the configuration (its engine and audit settings); returns the new generation.
    @discardableResult
    package func replace(with engine: AuthzEngine, audit: ServerConfiguration.Audit, path: String) -> Int {
        let generation = current.withLock { state in
            state = Snapshot(engine: engine, audit: audit, generation: state.generation + 1, path: path)
            return state.generation
        }
        metrics.reloaded(generation: generation)
        return generation
    }

    package func check(_ request: AuthzRequest) -> CheckResult {
        let snapshot = self.snapshot
        metrics.checkStarted()
        defer { metrics.checkFinished() }
        let started = ContinuousClock.now
        var result = snapshot.engine.decide(request)
        result.latencyMicroseconds = Self.microseconds(since: started)
        finish(result, snapshot: snapshot, nanoseconds: Int64(result.latencyMicroseconds) * 1000)
        return result
    }

    /// Decides, and when the request's identity token is not verified yet, asks STS (one call per token
    /// however many checks wait) and decides again with its answer under the same configuration; the
    /// latency, metrics and audit record are the whole check's.
    package func answer(_ request: AuthzRequest) -> CheckAnswer {
        let snapshot = self.snapshot
        metrics.checkStarted()
        let started = ContinuousClock.now
        var result = snapshot.engine.decide(request)
        guard let token = result.pendingIdentity, let identities = snapshot.engine.identities else {
            result.latencyMicroseconds = Self.microseconds(since: started)
            finish(result, snapshot: snapshot, nanoseconds: Int64(result.latencyMicroseconds) * 1000)
            metrics.checkFinished()
            return .now(result)
        }
        return .later(
            PendingCheck { completion in
                Task {
                    let outcome = await identities.verify(token)
                    var result = snapshot.engine.decide(request, verified: outcome)
                    result.latencyMicroseconds = Self.microseconds(since: started)
                    self.finish(result, snapshot: snapshot, nanoseconds: Int64(result.latencyMicroseconds) * 1000)
                    self.metrics.checkFinished()
                    completion(result)
                }
            })
    }

    /// Decides under the configuration in force, timed, but neither counted nor audited (an ICAP
    /// preview's decision, which the rest of the body may change): ``settle(_:)`` records it if it stands.
    package func provisional(_ request: AuthzRequest) -> CheckResult {
        let started = ContinuousClock.now
        var result = snapshot.engine.decide(request)
        result.latencyMicroseconds = Self.microseconds(since: started)
        return result
    }

    /// Counts and audits a provisional result that stands as the decision, under the audit settings in
    /// force.
    package func settle(_ result: CheckResult) {
        finish(result, snapshot: snapshot, nanoseconds: Int64(result.latencyMicroseconds) * 1000)
    }

    /// Whole microseconds since `started`.
    static func microseconds(since started: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - started
        return Int(elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000)
    }

    package func refuse(_ refusal: Refusal) -> CheckResult {
        let snapshot = self.snapshot
        let result = snapshot.engine.refuse(refusal)
        finish(result, snapshot: snapshot, nanoseconds: 0)
        return result
    }

    private func finish(_ result: CheckResult, snapshot: Snapshot, nanoseconds: Int64) {
        metrics.decision(
            result.decision.outcome, reason: result.decision.reason, mode: result.mode, rule: result.decision.rule,
            nanoseconds: nanoseconds)
        // A would_deny is recorded as a deny is (never sampled): it is what a dry run is read for.
        guard let auditSink, snapshot.audit.records(result.decision.effect) else { return }
        auditSink.record(result)
    }
}

extension ServerConfiguration.Audit {
    /// Whether the audit settings keep the record of a decision with this effect (`allow` may be sampled).
    func records(_ effect: Effect) -> Bool {
        switch effect == .allow ? allow : deny {
        case .all: true
        case .none: false
        case .sample(let rate): Double.random(in: 0..<1) < rate
        }
    }
}
