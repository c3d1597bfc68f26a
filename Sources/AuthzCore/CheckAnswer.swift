public import IAMIdentity
public import Policy

/// What a check answers: its result now, or — when the decision needs I/O first (the first check of an
/// identity token, which STS verifies) — later.
///
/// Front ends call ``Authorizer/answer(_:)``: `.now` is written at once (every SigV4 check, and every
/// identity check whose token is verified already); `.later` holds the proxy's request open until
/// ``PendingCheck/whenDecided(_:)`` calls back, on any thread.
public enum CheckAnswer: Sendable {
    /// The result.
    case now(CheckResult)
    /// The result comes later.
    case later(PendingCheck)
}

/// A check whose result comes later: one callback, called exactly once, on any thread.
public struct PendingCheck: Sendable {
    private let start: @Sendable (@escaping @Sendable (CheckResult) -> Void) -> Void

    /// A pending check that `start` decides, calling its argument once with the result.
    public init(_ start: @escaping @Sendable (@escaping @Sendable (CheckResult) -> Void) -> Void) {
        self.start = start
    }

    /// Starts waiting for the result; `completion` is called exactly once, on any thread.
    public func whenDecided(_ completion: @escaping @Sendable (CheckResult) -> Void) {
        start(completion)
    }

    /// The result, awaited.
    public func result() async -> CheckResult {
        await withCheckedContinuation { continuation in
            whenDecided { continuation.resume(returning: $0) }
        }
    }
}

extension CheckAnswer {
    /// The result, awaited when it comes later.
    public func result() async -> CheckResult {
        switch self {
        case .now(let result): result
        case .later(let pending): await pending.result()
        }
    }
}

/// Makes the verifier of identity tokens an `identity:` section uses: the server keeps one per STS
/// endpoint and timeout, so its cache of verified tokens lives across reloads.
public protocol CallerIdentitySources: Sendable {
    /// The verifier for `identity`'s settings (`sts_endpoint`, `sts_timeout`).
    func source(for identity: Identity) -> any CallerIdentitySource
}
