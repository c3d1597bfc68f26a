/// What verifying a token with STS established.
public enum IdentityOutcome: Sendable, Hashable {
    /// STS accepted the token: the caller is this identity.
    case verified(CallerIdentity)
    /// STS rejected the token (`InvalidClientTokenId`, `SignatureDoesNotMatch`, `ExpiredToken`,
    /// `AccessDenied`, another 4xx): deny with `invalid_token`. The sentence says why.
    case refused(String)
    /// STS could not say (unreachable, throttled, 5xx, a malformed answer): deny with
    /// `identity_unavailable`. The sentence says why.
    case unavailable(String)
}
