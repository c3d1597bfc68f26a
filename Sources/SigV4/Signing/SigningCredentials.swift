/// A set of AWS credentials to sign requests with: an access key id, its secret and, for temporary
/// credentials, the session token and the expiry.
///
/// sigv4-authz holds these for its own calls (STS) and for re-signing brokered requests; they come from
/// the credential chain or from `sts:AssumeRole`. The value never prints its secret or token.
public struct SigningCredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The access key id (`AKIA…` long-term, `ASIA…` temporary).
    public var accessKeyID: String
    /// The secret access key. Never log it.
    public var secretAccessKey: String
    /// The session token of temporary credentials. Never log it.
    public var sessionToken: String?
    /// When temporary credentials expire, in seconds since the epoch; `nil` for long-term keys.
    public var expiration: Int64?

    /// Creates a set of credentials.
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Int64? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    /// A signer for these credentials.
    public var signer: SigV4Signer {
        SigV4Signer(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, sessionToken: sessionToken)
    }

    /// Whether the credentials are still usable at `now` (seconds since the epoch) with `margin` seconds
    /// to spare; long-term credentials always are.
    public func isValid(at now: Int64, margin: Int64 = 0) -> Bool {
        guard let expiration else { return true }
        return now + margin < expiration
    }

    /// The key id and expiry; never the secret or the token.
    public var description: String {
        let expiry = expiration.map { ", expires \($0)" } ?? ""
        return "SigningCredentials(\(accessKeyID)\(sessionToken == nil ? "" : ", session")\(expiry))"
    }

    /// The same as ``description``.
    public var debugDescription: String { description }

    /// The key id and expiry only (`dump` and reflection never reach the secret or the token).
    public var customMirror: Mirror {
        Mirror(self, children: ["accessKeyID": accessKeyID, "expiration": expiration as Any], displayStyle: .struct)
    }
}
