/// The one port every front end calls: a request in, a typed result out.
///
/// ``AuthzEngine`` is the pure implementation (no clock beyond the one read per check, no I/O); the
/// server's live authorizer wraps it with the configuration in force, hot reload, timing, metrics and
/// the audit log, so every front end — HTTP/1.1, h2c, gRPC, the Squid helper — gets them alike.
/// Front ends render the result with plain functions (``DecisionHeaders``, ``DenyBody``,
/// ``AuditRecord``) and never re-decide.
public protocol Authorizer: Sendable {
    /// Decides about `request` (synchronously: the decision does no I/O).
    func check(_ request: AuthzRequest) -> CheckResult
    /// Denies a check the front end could not read.
    func refuse(_ refusal: Refusal) -> CheckResult
}
