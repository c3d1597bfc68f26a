/// The one port every front end calls: a request in, a typed result out.
///
/// ``AuthzEngine`` is the pure implementation (no clock beyond the one read per check, no I/O); the
/// server's live authorizer wraps it with the configuration in force, hot reload, timing, metrics and
/// the audit log, so every front end — HTTP/1.1, h2c, gRPC, the Squid helper — gets them alike.
/// Front ends render the result with plain functions (``DecisionHeaders``, ``DenyBody``,
/// ``AuditRecord``) and never re-decide.
public protocol Authorizer: Sendable {
    /// Decides about `request` synchronously, without I/O: an identity token not verified yet is
    /// denied `identity_unavailable` (``answer(_:)`` waits for STS instead).
    func check(_ request: AuthzRequest) -> CheckResult
    /// Decides about `request`, now or — when an identity token must be verified with STS first — later.
    func answer(_ request: AuthzRequest) -> CheckAnswer
    /// Denies a check the front end could not read.
    func refuse(_ refusal: Refusal) -> CheckResult
    /// Decides about a request that may be decided again with more of it (an ICAP preview, before the
    /// rest of the body is asked for), without counting or auditing it: ``settle(_:)`` records the
    /// result when it stands, and a decision with more of the request is a check of its own. One
    /// request, one record.
    func provisional(_ request: AuthzRequest) -> CheckResult
    /// Counts and audits a ``provisional(_:)`` result that stands as the request's decision.
    func settle(_ result: CheckResult)
}

extension Authorizer {
    /// The synchronous decision, now.
    public func answer(_ request: AuthzRequest) -> CheckAnswer { .now(check(request)) }
    /// The synchronous decision (an authorizer that records nothing has nothing to hold back).
    public func provisional(_ request: AuthzRequest) -> CheckResult { check(request) }
    /// Nothing to record.
    public func settle(_ result: CheckResult) {}
}
