public import SigV4

/// A provider's credentials through an ``ExpiringCache`` of one key: fetched once, used until
/// ``CacheTiming/useMargin`` seconds before they expire, refreshed in the background
/// ``CacheTiming/refreshBefore`` seconds before (5 minutes by default). The chain wraps its temporary
/// sources (web identity, container, IMDS) in one, so an STS call does not fetch them again.
public struct CachedCredentialProvider: CredentialProvider {
    /// The only key of the cache.
    struct Only: Hashable, Sendable {}

    private let cache: ExpiringCache<Only>

    /// Wraps `provider`.
    public init(
        _ provider: any CredentialProvider, timing: CacheTiming = CacheTiming(),
        clock: any CacheClock = SystemCacheClock()
    ) {
        cache = ExpiringCache(timing: timing, clock: clock) {
            (_: Only) async throws(CredentialError) -> SigningCredentials in
            try await provider.credentials()
        }
    }

    /// The cached credentials, fetched when there are none fresh.
    public func credentials() async throws(CredentialError) -> SigningCredentials {
        try await cache.get(Only())
    }

    /// The cached credentials when fresh, without waiting.
    public func cachedCredentials() -> SigningCredentials? {
        cache.cached(Only())
    }

    /// Cancels the background refresh.
    public func shutdown() {
        cache.shutdown()
    }
}
