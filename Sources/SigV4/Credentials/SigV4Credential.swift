/// The signing algorithm named by a request.
public enum SigningAlgorithm: String, Sendable, Hashable {
    /// Signature Version 4: HMAC-SHA256 over a key derived from the secret and the scope.
    case hmacSHA256 = "AWS4-HMAC-SHA256"
    /// Signature Version 4a: ECDSA P-256 with a key pair derived from the secret; scope has no region.
    case ecdsaP256SHA256 = "AWS4-ECDSA-P256-SHA256"
}

/// Where a request carries its SigV4 credential.
public enum CredentialLocation: String, Sendable, Hashable {
    /// The `Authorization` header.
    case header
    /// `X-Amz-*` query parameters (a presigned URL).
    case presigned
}

/// Which part of the request carries the request time.
public enum TimestampSource: String, Sendable, Hashable {
    /// The `X-Amz-Date` header.
    case xAmzDateHeader = "x-amz-date"
    /// The `Date` header (RFC 1123 or ISO 8601 basic).
    case dateHeader = "date"
    /// The `X-Amz-Date` query parameter of a presigned URL.
    case query = "X-Amz-Date"
}

/// The credential scope: `date/region/service/aws4_request` (SigV4a: `date/service/aws4_request`).
public struct CredentialScope: Sendable, Hashable {
    /// The scope date, `YYYYMMDD`.
    public let date: Substring
    /// The scope region; empty for SigV4a, whose regions are in the region set.
    public let region: Substring
    /// The service signing name, such as `s3`, `dynamodb` or `execute-api`.
    public let service: Substring

    /// The scope as it appears in the string to sign.
    public var string: String {
        region.isEmpty ? "\(date)/\(service)/aws4_request" : "\(date)/\(region)/\(service)/aws4_request"
    }
}

/// A syntactically valid SigV4 or SigV4a credential read from a request.
///
/// A ``SigV4Credential`` says who claims to sign (``accessKeyID``), for what scope, over which
/// headers, and when. It has been checked for syntax and internal consistency (the scope date is
/// the timestamp's date) but not for time (``checkTime(now:maxClockSkew:)``) nor cryptographically
/// (``SigV4Verifier``).
///
/// - Important: ``signature`` is secret-adjacent material: never log it.
public struct SigV4Credential: Sendable {
    /// The signing algorithm.
    public let algorithm: SigningAlgorithm
    /// Whether the credential came from the `Authorization` header or the query.
    public let location: CredentialLocation
    /// The access key id, as sent.
    public let accessKeyID: Substring
    /// The credential scope.
    public let scope: CredentialScope
    /// The `SignedHeaders` list as sent: lower-case names separated by `;`, strictly ascending.
    public let signedHeaders: Substring
    /// The signature as lower-case hex. Never log it.
    public let signature: Substring
    /// The request time the signature claims.
    public let timestamp: AmzTimestamp
    /// Which part of the request carried ``timestamp``.
    public let timestampSource: TimestampSource
    /// Presigned only: seconds after ``timestamp`` during which the URL is valid (1…604800).
    public let expires: Int?
    /// Whether the request carries an `X-Amz-Security-Token` (temporary credentials).
    public let hasSessionToken: Bool
    /// SigV4a only: the regions from `X-Amz-Region-Set` (patterns such as `*` or `us-*` allowed).
    public let regionSet: [Substring]

    /// The signed header names in order.
    public var signedHeaderNames: [Substring] {
        signedHeaders.split(separator: ";", omittingEmptySubsequences: false)
    }

    /// Whether `name` (lower case) is in ``signedHeaders``.
    public func isSigned(_ lowercasedName: String) -> Bool {
        ASCII.list(signedHeaders, separator: UInt8(ascii: ";"), contains: lowercasedName)
    }

    /// Checks the request time against the local clock.
    ///
    /// - Header-signed requests fail with ``SigV4Error/Code/clockSkew`` when the timestamp is more
    ///   than `maxClockSkew` seconds away from `now` in either direction.
    /// - Presigned requests fail with ``SigV4Error/Code/requestNotYetValid`` when dated more than
    ///   `maxClockSkew` in the future, and with ``SigV4Error/Code/requestExpired`` once
    ///   `timestamp + expires` has passed.
    /// - Parameters:
    ///   - now: The current time in seconds since 1970-01-01T00:00:00Z.
    ///   - maxClockSkew: The allowed difference between the signer's and this host's clocks, in seconds.
    public func checkTime(now: Int64, maxClockSkew: Int64) throws(SigV4Error) {
        let signedAt = timestamp.secondsSinceEpoch
        switch location {
        case .header:
            if signedAt > now + maxClockSkew || signedAt < now - maxClockSkew {
                throw SigV4Error(
                    .clockSkew,
                    "the request time \(timestamp.iso8601Basic) is more than \(maxClockSkew) seconds from the server time"
                )
            }
        case .presigned:
            if signedAt > now + maxClockSkew {
                throw SigV4Error(
                    .requestNotYetValid,
                    "the presigned request is dated \(timestamp.iso8601Basic), in the future"
                )
            }
            if now > signedAt + Int64(expires ?? 0) {
                throw SigV4Error(
                    .requestExpired,
                    "the presigned request dated \(timestamp.iso8601Basic) expired after \(expires ?? 0) seconds"
                )
            }
        }
    }
}

/// How a request authenticates, as far as can be told without a secret.
///
/// ```swift
/// switch try RequestAuthentication(parsing: request) {
/// case .sigV4(let credential): …      // SigV4 or SigV4a, header or presigned
/// case .sigV2(let accessKeyID, _): …  // recognised, not supported by AWS for most services
/// case .anonymous: …                  // no credentials at all
/// }
/// ```
public enum RequestAuthentication: Sendable {
    /// No `Authorization` header and no signing parameters in the query.
    case anonymous
    /// A SigV4 or SigV4a credential, from the header or a presigned URL.
    case sigV4(SigV4Credential)
    /// A Signature Version 2 request (`AWS AKID:sig` header or `AWSAccessKeyId=` query).
    case sigV2(accessKeyID: Substring, location: CredentialLocation)

    /// Reads the request's credentials and checks their syntax and consistency.
    ///
    /// Conflicting or repeated signals (two `Authorization` headers, a header and presigned
    /// parameters, `X-Amz-Credential` and `x-amz-credential`) are errors, never resolved silently.
    /// - Throws: ``SigV4Error`` for every malformed or unsupported credential.
    public init(parsing request: SigV4Request) throws(SigV4Error) {
        self = try CredentialParser.parse(request)
    }

    /// The contract's audit value: `header`, `presigned` or `none`.
    public var auditName: String {
        switch self {
        case .anonymous: "none"
        case .sigV4(let credential): credential.location.rawValue
        case .sigV2(_, let location): location.rawValue
        }
    }
}
