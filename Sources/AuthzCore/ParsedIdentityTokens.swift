public import IAMIdentity
internal import Synchronization

/// Identity tokens that passed every offline rule under one configuration, by their SHA-256: a token
/// is parsed once, not on every check that carries it (the parse of a token is several times the cost
/// of a whole SigV4 check; its digest a small fraction).
///
/// A kept token is used again only while it is younger than the configuration's `max_token_age`
/// (``IdentityToken/expiresAt``) — the one offline rule time can break — and the cache belongs to one
/// engine, so a reload, which may change every other rule, starts empty. Bounded: expired tokens are
/// dropped when a token is added, and once full a new token is parsed on each check instead of kept.
public final class ParsedIdentityTokens: Sendable {
    private let tokens = Mutex<[TokenDigest: IdentityToken]>([:])
    /// The most tokens kept.
    public let capacity: Int

    /// An empty cache of at most `capacity` tokens.
    public init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// The token of `digest`, when it was kept and is still young enough at `now` (seconds).
    public func token(_ digest: TokenDigest, now: Int64) -> IdentityToken? {
        tokens.withLock { tokens in
            guard let token = tokens[digest] else { return nil }
            guard now <= token.expiresAt else {
                tokens[digest] = nil
                return nil
            }
            return token
        }
    }

    /// Keeps `token`, unless the cache is full of tokens still young at `now`.
    public func keep(_ token: IdentityToken, now: Int64) {
        tokens.withLock { tokens in
            if tokens.count >= capacity {
                tokens = tokens.filter { now <= $0.value.expiresAt }
                guard tokens.count < capacity else { return }
            }
            tokens[token.digest] = token
        }
    }

    /// How many tokens are kept.
    public var count: Int { tokens.withLock { $0.count } }
}
