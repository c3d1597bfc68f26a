/// Signs requests with SigV4 in the `Authorization` header.
///
/// The authorizer itself only verifies; signing exists for tests, tools (`sigv4-authz check`) and
/// features that re-sign. It signs every header present except the ones botocore never signs
/// (`authorization`, `user-agent`, `expect`, `x-amzn-trace-id`), so the request must already carry
/// its `Host` header.
///
/// ```swift
/// let signer = SigV4Signer(accessKeyID: "AKIA…", secretAccessKey: secret)
/// try signer.sign(&request, region: "us-east-1", service: "s3",
///                 timestamp: AmzTimestamp(secondsSinceEpoch: now), payloadHash: emptyPayloadSHA256)
/// ```
public struct SigV4Signer: Sendable {
    /// The access key id written into the credential.
    public var accessKeyID: String
    /// The secret access key. Never log it.
    public var secretAccessKey: String
    /// The session token of temporary credentials, sent as `X-Amz-Security-Token`.
    public var sessionToken: String?

    static let unsignedHeaders: Set<String> = ["authorization", "user-agent", "expect", "x-amzn-trace-id"]

    /// Creates a signer for one set of credentials.
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// Adds `X-Amz-Date`, the session token, `x-amz-content-sha256` (S3 family) and `Authorization`.
    ///
    /// - Returns: The signature (lower-case hex).
    @discardableResult
    public func sign(
        _ request: inout SigV4Request, region: String, service: String, timestamp: AmzTimestamp, payloadHash: String
    ) throws(SigV4Error) -> String {
        let rules = CanonicalizationRules(signingName: service)
        request.headers.removeAll {
            let name = $0.name.lowercased()
            return name == "authorization" || name == "x-amz-date"
                || (rules == .s3 && name == "x-amz-content-sha256")
                || (sessionToken != nil && name == "x-amz-security-token")
        }
        request.headers.append(HeaderField("X-Amz-Date", String(timestamp.iso8601Basic)))
        if let sessionToken { request.headers.append(HeaderField("X-Amz-Security-Token", sessionToken)) }
        if rules == .s3 { request.headers.append(HeaderField("X-Amz-Content-SHA256", payloadHash)) }

        let names = Set(request.headers.map { $0.name.lowercased() }).subtracting(Self.unsignedHeaders).sorted {
            $0.utf8.lexicographicallyPrecedes($1.utf8)
        }
        let signedHeaders = Substring(names.joined(separator: ";"))
        let canonical = try CanonicalRequest(
            request: request, signedHeaders: signedHeaders, rules: rules, payloadHash: payloadHash, location: .header)
        let scope = "\(timestamp.date)/\(region)/\(service)/aws4_request"
        let sts = StringToSign.make(
            algorithm: .hmacSHA256, timestamp: timestamp.iso8601Basic, scope: scope, canonicalRequest: canonical)
        let key = SigningKey(secretAccessKey: secretAccessKey, date: timestamp.date, region: region, service: service)
        let signature = key.signature(for: sts)
        request.headers.append(
            HeaderField(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
            ))
        return signature
    }

    /// The query parameters of a presigned URL for `request`: `X-Amz-Algorithm`, `-Credential`,
    /// `-Date`, `-Expires`, `-SignedHeaders`, the session token and `-Signature`, their values
    /// percent-encoded as they go into the URL.
    ///
    /// The request's own query keeps every parameter but these (any the request has are replaced:
    /// the canonical query is computed without them and with the new ones). The signed headers are the
    /// request's headers but the ones botocore never signs; the request must carry its `Host` header.
    ///
    /// - Parameters:
    ///   - expires: `X-Amz-Expires`, 1…604800 seconds.
    ///   - payloadHash: `UNSIGNED-PAYLOAD` for S3 (what presigned URLs use), else the body's hash.
    public func presign(
        _ request: SigV4Request, region: String, service: String, timestamp: AmzTimestamp, expires: Int,
        payloadHash: String
    ) throws(SigV4Error) -> [(name: String, value: String)] {
        let rules = CanonicalizationRules(signingName: service)
        let names = Set(request.headers.map { $0.name.lowercased() }).subtracting(Self.unsignedHeaders).sorted {
            $0.utf8.lexicographicallyPrecedes($1.utf8)
        }
        let signedHeaders = names.joined(separator: ";")
        let scope = "\(timestamp.date)/\(region)/\(service)/aws4_request"
        var parameters: [(name: String, value: String)] = [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", PercentEncoding.encode("\(accessKeyID)/\(scope)")),
            ("X-Amz-Date", String(timestamp.iso8601Basic)),
            ("X-Amz-Expires", String(expires)),
            ("X-Amz-SignedHeaders", PercentEncoding.encode(signedHeaders)),
        ]
        if let sessionToken { parameters.append(("X-Amz-Security-Token", PercentEncoding.encode(sessionToken))) }
        let replaced = Set(Self.presignParameters)
        var query = request.rawQuery.split(separator: "&", omittingEmptySubsequences: true).filter { piece in
            let name = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            return !replaced.contains(
                PercentEncoding.decodeStrictly(name).map { String(decoding: $0, as: UTF8.self) } ?? String(name))
        }.map(String.init)
        query += parameters.map { "\($0.name)=\($0.value)" }
        var signing = request
        signing.rawQuery = query.joined(separator: "&")
        let canonical = try CanonicalRequest(
            request: signing, signedHeaders: Substring(signedHeaders), rules: rules, payloadHash: payloadHash,
            location: .presigned)
        let sts = StringToSign.make(
            algorithm: .hmacSHA256, timestamp: timestamp.iso8601Basic, scope: scope, canonicalRequest: canonical)
        let key = SigningKey(secretAccessKey: secretAccessKey, date: timestamp.date, region: region, service: service)
        parameters.append(("X-Amz-Signature", key.signature(for: sts)))
        return parameters
    }

    /// The query parameters a presigned URL's signature consists of.
    public static let presignParameters = [
        "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
        "X-Amz-Security-Token", "X-Amz-Signature",
    ]
}
