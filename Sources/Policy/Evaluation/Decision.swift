/// Allow or deny.
public enum Effect: String, Sendable, Hashable {
    case allow
    case deny
}

/// The stable reason codes (snake_case) of `docs/contract.md`.
public enum ReasonCode: String, Sendable, Hashable, CaseIterable {
    case allowed
    case noCredentials = "no_credentials"
    case malformedCredentials = "malformed_credentials"
    case unsupportedSignature = "unsupported_signature"
    case legacyAccessKey = "legacy_access_key"
    case clockSkew = "clock_skew"
    case requestExpired = "request_expired"
    case requestNotYetValid = "request_not_yet_valid"
    case scopeMismatch = "scope_mismatch"
    case unknownEndpoint = "unknown_endpoint"
    case ambiguousRequest = "ambiguous_request"
    case signatureMismatch = "signature_mismatch"
    /// The body is larger than the authorizer reads (`server.max_body_bytes`; see docs/contract.md, "Decision").
    case bodyTooLarge = "body_too_large"
    /// The request's resource owner (S3's `x-amz-expected-bucket-owner`) is missing or not allowed.
    case resourceOwnerNotAllowed = "resource_owner_not_allowed"
    case accountNotAllowed = "account_not_allowed"
    case regionNotAllowed = "region_not_allowed"
    case serviceNotAllowed = "service_not_allowed"
    case deniedByRule = "denied_by_rule"
    case noMatchingRule = "no_matching_rule"
    case internalError = "internal_error"
    /// A brokered request whose role credentials are not available (STS or the credential source
    /// unreachable or refusing): denied, never forwarded with the client's placeholder signature.
    case brokerUnavailable = "broker_unavailable"
    /// A brokered request that cannot be signed again through the proxy (a signed aws-chunked upload,
    /// a body the proxy did not pass, a presigned URL where the proxy cannot rewrite the query, SigV4a).
    case notResignable = "not_resignable"
    /// An identity token fails an offline rule, or STS refuses it (`identity:`).
    case invalidToken = "invalid_token"
    /// An identity token cannot be verified now: STS is unreachable, throttles or answers badly.
    case identityUnavailable = "identity_unavailable"
}

/// The IAM policy simulator's words for how a decision came about (`evaluation` in the audit record).
public enum Evaluation: String, Sendable, Hashable, CaseIterable {
    /// Allowed: a statement, the allowlist or the default allows it.
    case allowed
    /// A rule denies it: a deny statement, the bucket-owner rule, or a built-in check before the policy
    /// (credentials, time, classification, signature, body, brokering, token).
    case explicitDeny = "explicit_deny"
    /// Nothing allows it: no statement, allowlist level or default (`no_matching_rule`,
    /// `account_not_allowed`, `region_not_allowed`, `service_not_allowed`).
    case implicitDeny = "implicit_deny"
}

/// The facts a request did not establish that the deciding step needed (`missing` in the audit
/// record): an allow statement that could not match because the action is unknown, a deny statement
/// that matched only because it is.
public struct MissingFacts: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    /// Creates a set from its bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The signing account (an old-generation key).
    public static let account = MissingFacts(rawValue: 1 << 0)
    /// The region.
    public static let region = MissingFacts(rawValue: 1 << 1)
    /// The service.
    public static let service = MissingFacts(rawValue: 1 << 2)
    /// The action (a body the proxy did not forward).
    public static let action = MissingFacts(rawValue: 1 << 3)
    /// The resource.
    public static let resource = MissingFacts(rawValue: 1 << 4)
    /// The resource's owner (`x-amz-expected-bucket-owner`).
    public static let resourceOwner = MissingFacts(rawValue: 1 << 5)
    /// The path, when it reads two ways.
    public static let path = MissingFacts(rawValue: 1 << 6)
    /// The caller of an identity token (not verified by STS).
    public static let caller = MissingFacts(rawValue: 1 << 7)

    /// Every fact with its word, in the contract's order.
    public static let words: [(fact: MissingFacts, word: String)] = [
        (.account, "account"), (.region, "region"), (.service, "service"), (.action, "action"),
        (.resource, "resource"), (.resourceOwner, "resource_owner"), (.path, "path"), (.caller, "caller"),
    ]

    /// The words of the facts in the set, in the contract's order (`["action"]`).
    public var names: [String] { Self.words.filter { contains($0.fact) }.map(\.word) }
}

/// The outcome of evaluating a request: a result, never an error.
public struct Decision: Sendable, Hashable {
    /// The three decision words: what the decision header, the audit record, the metrics and `check`
    /// print.
    public enum Outcome: String, Sendable, Hashable, CaseIterable {
        /// Allowed.
        case allow
        /// Denied.
        case deny
        /// A deny that is not enforced (`mode: dry_run`, or a deny statement with `enforce: false`):
        /// the proxy is answered allow.
        case wouldDeny = "would_deny"
    }

    /// Allow or deny: what the policy decided (a not enforced deny is a deny here; ``answer`` is what
    /// the proxy is told).
    public var effect: Effect
    /// Why.
    public var reason: ReasonCode
    /// The statement or allowlist entry that decided, if any.
    public var rule: String?
    /// A sentence a user can act on (without the `sigv4-authz:` prefix).
    public var message: String
    /// `false` for a deny that is not enforced (``Outcome/wouldDeny``): the proxy is answered allow.
    public var enforced = true
    /// The facts the deciding step needed and the request did not establish (computed on denies only).
    public var missing: MissingFacts = []

    /// Creates a decision.
    public init(effect: Effect, reason: ReasonCode, rule: String?, message: String) {
        self.effect = effect
        self.reason = reason
        self.rule = rule
        self.message = message
    }

    /// A deny for `reason` with a message.
    public static func deny(_ reason: ReasonCode, _ message: String, rule: String? = nil) -> Decision {
        Decision(effect: .deny, reason: reason, rule: rule, message: message)
    }

    /// A deny for `reason` with a message and the facts it lacked.
    public static func deny(
        _ reason: ReasonCode, _ message: String, rule: String? = nil, missing: MissingFacts
    ) -> Decision {
        var decision = Decision(effect: .deny, reason: reason, rule: rule, message: message)
        decision.missing = missing
        return decision
    }

    /// What the proxy is answered: allow for an allow and for a deny that is not enforced. Every
    /// front end decides its answer from this property alone.
    @inline(__always)
    public var answer: Effect { effect == .allow || !enforced ? .allow : .deny }

    /// The decision word: `allow`, `deny` or `would_deny`.
    @inline(__always)
    public var outcome: Outcome { effect == .allow ? .allow : enforced ? .deny : .wouldDeny }

    /// The IAM policy simulator's word (a would-be deny's for ``Outcome/wouldDeny``).
    public var evaluation: Evaluation {
        if effect == .allow { return .allowed }
        switch reason {
        case .noMatchingRule, .accountNotAllowed, .regionNotAllowed, .serviceNotAllowed: return .implicitDeny
        default: return .explicitDeny
        }
    }

    /// This deny, not enforced: the proxy is answered allow; the message says why (`because`:
    /// `mode: dry_run` or `enforce: false`). An allow is returned unchanged.
    public func notEnforced(because setting: String) -> Decision {
        guard effect == .deny, enforced else { return self }
        var copy = self
        copy.enforced = false
        copy.message += " (not enforced: \(setting))"
        return copy
    }
}
