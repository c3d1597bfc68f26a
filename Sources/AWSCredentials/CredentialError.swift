/// Why sigv4-authz could not get credentials: a reason a caller can act on and one sentence for logs.
///
/// The sentence never holds a secret, a session token, a web identity token or a signature, and never
/// echoes an answer's body (which could hold them): only names, paths, URLs, status codes and the
/// `Code` and `Message` AWS returned.
public struct CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, as a caller acts on it.
    public enum Reason: String, Sendable, Equatable, CaseIterable {
        /// No source of credentials is configured (no variable set and IMDS disabled).
        case notConfigured = "not_configured"
        /// A source is configured wrongly: a variable missing or invalid, a file unreadable, a refused
        /// endpoint address, a token with a line break.
        case misconfigured
        /// The endpoint could not be reached or did not answer in time, or answered a server error.
        case unreachable
        /// The service refused: an STS error (`AccessDenied`, `InvalidClientTokenId`, …), an HTTP
        /// 4xx answer, IMDS `Code` other than `Success`.
        case refused
        /// STS throttled the call (`Throttling`, HTTP 429 or 503): retry later.
        case throttled
        /// The answer could not be read (not the expected JSON or XML, a field missing, too large).
        case malformedAnswer = "malformed_answer"
        /// A source returned credentials that are already expired, or expire too soon to be used.
        case expired
        /// The credentials cache was shut down.
        case shutDown = "shut_down"
    }

    /// What went wrong.
    public var reason: Reason
    /// One sentence saying what and where, without secrets.
    public var message: String

    /// Creates an error.
    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    /// `reason: message`.
    public var description: String { "\(reason.rawValue): \(message)" }
}
