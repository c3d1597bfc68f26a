/// Why a token failed an offline check: which check, and a sentence saying what to change.
///
/// The sentence names the rule and, where it helps, a query parameter's name; it never repeats the
/// token's bytes (no signature, no session token, no host or value taken from the token).
public struct IdentityTokenError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The offline rule a token broke.
    public enum Check: String, Sendable, CaseIterable {
        /// Longer than ``IdentityTokenRules/maxTokenBytes``.
        case size
        /// Not `k8s-aws-v1.` followed by the encoded URL.
        case prefix
        /// Not base64url, or not decoding to printable ASCII.
        case encoding
        /// Not an absolute URL (`scheme://host/path?query`), or with userinfo, a port or a fragment.
        case url
        /// Not `https`.
        case scheme
        /// Not an STS endpoint of an accepted partition and region.
        case host
        /// A path other than `/`.
        case path
        /// A query parameter unknown, duplicated, missing, misspelled or malformed (`X-Amz-Date`, `X-Amz-Signature`).
        case parameters
        /// `Action` is not `GetCallerIdentity`.
        case action
        /// `Version` is not `2011-06-15`.
        case version
        /// `X-Amz-Algorithm` is not `AWS4-HMAC-SHA256`.
        case algorithm
        /// `X-Amz-Credential` malformed, not scoped to `sts` and the host's region, or its key id's
        /// account cannot be derived offline.
        case credential
        /// `X-Amz-SignedHeaders` malformed or not signing `host`.
        case signedHeaders
        /// The audience header is not signed.
        case audience
        /// `X-Amz-Expires` is not an integer 0…900.
        case expires
        /// `X-Amz-Date` is older than ``IdentityTokenRules/maxAgeSeconds``.
        case expired
        /// `X-Amz-Date` is later than now plus ``IdentityTokenRules/maxClockSkewSeconds``.
        case notYetValid
        /// A SigV2 presigned URL (`Signature`, `AWSAccessKeyId`, `SignatureVersion`).
        case signatureVersion
    }

    /// The rule the token broke.
    public let check: Check
    /// A sentence naming the rule and what to change.
    public let message: String

    /// An error of `check`, explained by `message`.
    public init(_ check: Check, _ message: String) {
        self.check = check
        self.message = message
    }

    /// `check: message`.
    public var description: String { "\(check.rawValue): \(message)" }
}
