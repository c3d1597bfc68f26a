public import SigV4

/// An identity token (`k8s-aws-v1.` + base64url of a presigned `sts:GetCallerIdentity` URL, the
/// format of aws-iam-authenticator and `aws eks get-token`) that passed every offline check.
///
/// The token itself is not kept: ``digest`` is its SHA-256, and ``host`` and ``query`` are what
/// verification sends to STS.
///
/// The audience: a token carries it only as the NAME of a signed header (`X-Amz-SignedHeaders`
/// includes `x-k8s-aws-id`), not its value. As aws-iam-authenticator's server does, verification
/// sends the CONFIGURED audience as that header's value, so the offline check is that the audience
/// header is signed, and a token minted for another audience fails STS's signature check
/// (`SignatureDoesNotMatch`, refused) — OracleTokenTests shows both halves with botocore's tokens.
public struct IdentityToken: Sendable {
    /// The SHA-256 of the token's text.
    public let digest: TokenDigest
    /// The STS host of the URL, lower case, without a trailing dot (`sts.us-east-1.amazonaws.com`).
    public let host: String
    /// The URL's raw query, sent to STS byte for byte.
    public let query: String
    /// The credential scope's region.
    public let region: String
    /// The host's partition id (`aws`).
    public let partition: String
    /// The access key id of the credential.
    public let accessKeyID: String
    /// The account owning ``accessKeyID``, derived offline.
    public let account: AWSAccountID
    /// `X-Amz-Date`, seconds since the epoch.
    public let signedAt: Int64
    /// ``signedAt`` + the rules' maximum age: until when a verification of this token is reused.
    public let expiresAt: Int64
    /// The audience the token is checked for: the configured one, sent to STS in ``audienceHeader``.
    public let audience: String
    /// The lower-case name of the header the audience is sent in.
    public let audienceHeader: String

    /// The presigned URL verification sends to STS.
    public var url: String { "https://\(host)/?\(query)" }

    /// Reads `token` and holds it to every offline rule of `rules` at time `now` (seconds since the epoch).
    ///
    /// - Throws: ``IdentityTokenError`` naming the first rule broken.
    public static func parse(
        _ token: Substring, rules: IdentityTokenRules, now: Int64
    ) throws(IdentityTokenError)
        -> IdentityToken
    {
        let utf8 = token.utf8
        guard utf8.count <= rules.maxTokenBytes else {
            throw IdentityTokenError(
                .size, "the token has \(utf8.count) bytes, more than the \(rules.maxTokenBytes) accepted")
        }
        let prefix = IdentityTokenMinter.prefix.utf8
        guard utf8.starts(with: prefix) else {
            throw IdentityTokenError(
                .prefix, "the token does not start with k8s-aws-v1.: send the output of `aws eks get-token`")
        }
        guard let decoded = Base64URL.decode(utf8.dropFirst(prefix.count)), !decoded.isEmpty else {
            throw IdentityTokenError(
                .encoding,
                "the token after k8s-aws-v1. is not base64url (A-Z a-z 0-9 - _, padding `=` only at the end)")
        }
        guard decoded.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw IdentityTokenError(
                .encoding, "the token does not decode to a URL: it holds bytes other than printable ASCII")
        }
        let url = Substring(String(decoding: decoded, as: UTF8.self))
        let parts = try URLParts(url)
        guard
            let endpoint = STSHost.recognize(
                parts.host, partitions: rules.partitions, acceptsRegion: rules.acceptsRegion)
        else {
            throw IdentityTokenError(
                .host,
                "the URL's host is not an accepted STS endpoint: sts.amazonaws.com, or sts. / sts-fips. followed by "
                    + "a known region of an accepted partition and its DNS suffix")
        }
        guard parts.path == "/" else {
            throw IdentityTokenError(.path, "the URL's path is not `/`: a presigned GetCallerIdentity has none")
        }
        let parameters = try QueryParameters(parts.query)
        guard parameters["Action"] == "GetCallerIdentity" else {
            throw IdentityTokenError(.action, "the URL's Action is not GetCallerIdentity: it must be GetCallerIdentity")
        }
        guard parameters["Version"] == "2011-06-15" else {
            throw IdentityTokenError(.version, "the URL's Version is not 2011-06-15: STS's API version is 2011-06-15")
        }
        guard parameters["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256" else {
            throw IdentityTokenError(
                .algorithm, "X-Amz-Algorithm is not AWS4-HMAC-SHA256: presign the URL with SigV4 (not SigV4a)")
        }
        guard let dateText = parameters["X-Amz-Date"], let date = AmzTimestamp(iso8601Basic: Substring(dateText))
        else {
            throw IdentityTokenError(.parameters, "X-Amz-Date is not a time of the form YYYYMMDDTHHMMSSZ")
        }
        let credential = try Self.credential(
            parameters["X-Amz-Credential"] ?? "", date: date, region: endpoint.region)
        try Self.checkSignedHeaders(parameters["X-Amz-SignedHeaders"] ?? "", audienceHeader: rules.audienceHeader)
        guard let signature = parameters["X-Amz-Signature"], signature.utf8.count == 64,
            signature.utf8.allSatisfy({ Self.isLowerHex($0) })
        else {
            throw IdentityTokenError(.parameters, "X-Amz-Signature is not 64 lower-case hex digits")
        }
        if let sessionToken = parameters["X-Amz-Security-Token"], sessionToken.isEmpty {
            throw IdentityTokenError(
                .parameters, "X-Amz-Security-Token is empty: leave it out or send the session token")
        }
        guard let expiresText = parameters["X-Amz-Expires"], (1...3).contains(expiresText.utf8.count),
            expiresText.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let expires = Int(expiresText), expires <= 900
        else {
            throw IdentityTokenError(.expires, "X-Amz-Expires is not a whole number of seconds from 0 to 900")
        }
        let signedAt = date.secondsSinceEpoch
        guard now - signedAt <= rules.maxAgeSeconds else {
            throw IdentityTokenError(
                .expired,
                "the token was signed more than \(rules.maxAgeSeconds) seconds ago: mint a new one")
        }
        guard signedAt <= now + rules.maxClockSkewSeconds else {
            throw IdentityTokenError(
                .notYetValid,
                "the token is signed more than \(rules.maxClockSkewSeconds) seconds in the future: check the "
                    + "signer's clock")
        }
        return IdentityToken(
            digest: TokenDigest(of: token), host: endpoint.host, query: String(parts.query),
            region: endpoint.region, partition: endpoint.partition, accessKeyID: credential.accessKeyID,
            account: credential.account, signedAt: signedAt, expiresAt: signedAt + rules.maxAgeSeconds,
            audience: rules.audience, audienceHeader: rules.audienceHeader)
    }

    /// `X-Amz-Credential`: `KEY/DATE/REGION/sts/aws4_request`, the date `X-Amz-Date`'s, the region
    /// the host's, the key's account derivable offline.
    private static func credential(
        _ text: String, date: AmzTimestamp, region: String
    ) throws(IdentityTokenError)
        -> (accessKeyID: String, account: AWSAccountID)
    {
        let fields = text.split(separator: "/", omittingEmptySubsequences: false)
        guard fields.count == 5, fields[4] == "aws4_request" else {
            throw IdentityTokenError(
                .credential, "X-Amz-Credential is not KEY/DATE/REGION/sts/aws4_request")
        }
        guard fields[3] == "sts" else {
            throw IdentityTokenError(.credential, "X-Amz-Credential is not scoped to the sts service")
        }
        guard fields[2] == region else {
            throw IdentityTokenError(
                .credential,
                "X-Amz-Credential's region is not the region of the URL's host (\(region)): sign for the host's region")
        }
        guard fields[1] == date.date else {
            throw IdentityTokenError(.credential, "X-Amz-Credential's date is not the date of X-Amz-Date")
        }
        let account: AWSAccountID
        do {
            account = try AWSAccountID(accessKeyID: fields[0])
        } catch {
            throw IdentityTokenError(
                .credential,
                "X-Amz-Credential's access key id names no account sigv4-authz can derive offline (\(error.message))")
        }
        return (String(fields[0]), account)
    }

    /// `X-Amz-SignedHeaders`: lower-case names separated by `;`, exactly `host` and the audience header
    /// (the only headers verification sends).
    private static func checkSignedHeaders(_ text: String, audienceHeader: String) throws(IdentityTokenError) {
        let names = text.split(separator: ";", omittingEmptySubsequences: false)
        guard
            names.allSatisfy({ name in
                !name.isEmpty && name.utf8.allSatisfy { Self.isHeaderNameByte($0) }
            }), Set(names).count == names.count
        else {
            throw IdentityTokenError(
                .signedHeaders, "X-Amz-SignedHeaders is not a list of distinct lower-case header names separated by `;`"
            )
        }
        guard names.contains("host") else {
            throw IdentityTokenError(.signedHeaders, "X-Amz-SignedHeaders does not include host: sign the Host header")
        }
        guard names.contains(Substring(audienceHeader)) else {
            throw IdentityTokenError(
                .audience,
                "X-Amz-SignedHeaders does not include the audience header \(audienceHeader): mint the token for "
                    + "this audience (aws eks get-token --cluster-name AUDIENCE)")
        }
        guard names.count == 2 else {
            throw IdentityTokenError(
                .signedHeaders,
                "X-Amz-SignedHeaders signs headers other than host and \(audienceHeader), which verification does "
                    + "not send: sign only those two")
        }
    }

    @inline(__always)
    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    @inline(__always)
    private static func isHeaderNameByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
    }
}
