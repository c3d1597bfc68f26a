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
}

extension Authorizer {
    /// The synchronous decision, now.
    public func answer(_ request: AuthzRequest) -> CheckAnswer { .now(check(request)) }
}
