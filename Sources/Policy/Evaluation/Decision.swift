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
    /// The body is larger than the authorizer reads (see the README: an addition to the contract).
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

/// The outcome of evaluating a request: a result, never an error.
public struct Decision: Sendable, Hashable {
    /// Allow or deny.
    public var effect: Effect
    /// Why.
    public var reason: ReasonCode
    /// The statement or allowlist entry that decided, if any.
    public var rule: String?
    /// A sentence a user can act on (without the `sigv4-authz:` prefix).
    public var message: String

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
}
