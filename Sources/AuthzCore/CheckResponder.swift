public import Policy

/// Answers check requests: one `AuthzRequest` in, one decision out.
public protocol CheckResponder: Sendable {
    /// Decides about `request` (synchronously: the decision core does no I/O).
    func respond(to request: AuthzRequest) -> AuthzResponse
    /// Called for checks refused before the decision core (unreadable proxy request, oversized body).
    func refused(reason: ReasonCode, message: String, mode: AuthzMode) -> AuthzResponse
}
