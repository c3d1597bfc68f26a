/// Where the authorizer learns who a token's caller is: a cache read without I/O, and a
/// verification (one STS call per token, however many checks wait for it).
///
/// `CallerIdentityVerifier` (AWSCredentials) is the implementation; tests use a stand-in.
public protocol CallerIdentitySource: Sendable {
    /// The outcome cached for `token`, without I/O; `nil` when there is none yet.
    func cached(_ token: IdentityToken) -> IdentityOutcome?
    /// Verifies `token` (joining a verification already in flight) and caches the outcome.
    func verify(_ token: IdentityToken) async -> IdentityOutcome
}
