public import Policy
public import SigV4

/// What the proxy changes in an allowed, brokered request before it goes upstream: the new signature
/// and the headers it rests on, set in place of the client's, and the client's headers that must go.
///
/// The values are secrets (a signature, a session token): they go to the proxy in the answer and
/// nowhere else — never into a log line, an audit record or a decision header.
public struct UpstreamRewrite: Sendable, Hashable {
    /// Headers the proxy sets, each replacing every header of the same name (`Authorization`,
    /// `X-Amz-Date`, `X-Amz-Security-Token`, `X-Amz-Content-SHA256`, `x-amz-expected-bucket-owner`).
    public var setHeaders: [HeaderField]
    /// The lower-case names of headers the proxy removes (the client's session token when the new
    /// credentials have none).
    public var removeHeaders: [String]
    /// Query parameters the proxy sets, each replacing the parameter of the same name (a presigned
    /// URL's new signature: `X-Amz-Credential`, `X-Amz-Signature`, …); values percent-encoded as they
    /// go into the URL. Only Envoy's gRPC mode can apply them.
    public var setQueryParameters: [QueryParameter]
    /// Query parameters the proxy removes (the client's session token when the new credentials have none).
    public var removeQueryParameters: [String]
    /// The role whose credentials signed (for the audit record; not a secret); `nil` when nothing is
    /// signed again (an identity-authenticated request's principal headers).
    public var roleARN: String?

    /// One query parameter, its value percent-encoded.
    public struct QueryParameter: Sendable, Hashable {
        /// The name.
        public var name: String
        /// The value, percent-encoded.
        public var value: String

        /// Creates a parameter.
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Creates a rewrite.
    public init(
        setHeaders: [HeaderField], removeHeaders: [String], setQueryParameters: [QueryParameter] = [],
        removeQueryParameters: [String] = [], roleARN: String? = nil
    ) {
        self.setHeaders = setHeaders
        self.removeHeaders = removeHeaders
        self.setQueryParameters = setQueryParameters
        self.removeQueryParameters = removeQueryParameters
        self.roleARN = roleARN
    }
}

/// Signs a request again, as it will reach AWS, with credentials sigv4-authz holds (a brokered role's).
///
/// The request is the one the decision judged: its client signature verified and the policy allowing
/// it. The new signature covers `host`, `content-type`, `content-md5` and every `x-amz-*` header the
/// request carries (S3 refuses a request with an unsigned `x-amz-*` header; the rest are what AWS acts
/// on), plus the new `X-Amz-Date`, session token and, for S3, `X-Amz-Content-SHA256`. Headers a proxy
/// may rewrite on the way (hop-by-hop ones, `user-agent`, `x-forwarded-*`, `x-envoy-*`) are never
/// signed, so the signature holds for what AWS receives.
///
/// The payload hash is the one the client signed where it is explicit (`x-amz-content-sha256`: a hex
/// SHA-256, `UNSIGNED-PAYLOAD`, `STREAMING-UNSIGNED-PAYLOAD-TRAILER`), else the SHA-256 of the whole
/// body, else the empty body's when the request declares none. What cannot be signed again through
/// headers is denied `not_resignable` with a sentence saying what to change: a signed aws-chunked
/// upload (its chunk signatures chain from the client's signature), a body the proxy did not pass, a
/// presigned URL (its signature is in the query), SigV4a.
package enum UpstreamSigner {
    /// The request signed again, or the deny saying why it cannot be.
    package enum Outcome: Sendable {
        /// The rewrite the proxy applies.
        case signed(UpstreamRewrite)
        /// The request cannot be signed again.
        case refused(Decision)

        /// The rewrite, when signed.
        package var rewrite: UpstreamRewrite? {
            if case .signed(let rewrite) = self { rewrite } else { nil }
        }
        /// The deny, when refused.
        package var refusal: Decision? {
            if case .refused(let decision) = self { decision } else { nil }
        }
    }

    /// The refusal of a request carrying a header that would be signed but whose name is not an HTTP
    /// token (AWS and every SigV4 parser refuse such a name in `SignedHeaders`).
    static func refuseName(_ name: String) -> Outcome {
        .refused(
            .deny(
                .ambiguousRequest,
                "the header name \(name.debugDescription) is not an HTTP token, so it cannot be signed again"))
    }

    /// Headers that are never signed again: hop-by-hop headers and those proxies add or rewrite.
    static func isSigned(_ lowercasedName: String) -> Bool {
        lowercasedName == "host" || lowercasedName == "content-type" || lowercasedName == "content-md5"
            || lowercasedName.hasPrefix("x-amz-")
    }

    /// The new signature's headers for `request`, signed for `region` and `service` at `now` (seconds
    /// since the epoch) with `credentials`.
    ///
    /// - Parameters:
    ///   - request: The request with its `Host` header, as the decision read it.
    ///   - body: What the proxy passed of the body.
    ///   - credential: The client's parsed credential (`nil` for an unsigned request).
    ///   - expectedBucketOwner: The account S3 must find owning the bucket: set as
    ///     `x-amz-expected-bucket-owner` when the request carries none (`nil`: no header added).
    /// - Returns: The rewrite, or the deny when the request cannot be signed again.
    ///   - canRewriteQuery: Whether the proxy can set query parameters (Envoy's gRPC mode): a presigned
    ///     URL is signed again in its query only then.
    package static func rewrite(
        _ request: SigV4Request, body: RequestBody, credential: SigV4Credential?, region: String, service: String,
        credentials: SigningCredentials, roleARN: String, expectedBucketOwner: String?, now: Int64,
        canRewriteQuery: Bool = false
    ) -> Outcome {
        if let credential {
            if credential.location == .presigned {
                guard canRewriteQuery else {
                    return .refused(
                        .deny(
                            .notResignable,
                            "a presigned URL's signature is in its query, which only Envoy's gRPC mode can rewrite; send it through Envoy ext_authz gRPC, or sign the request in the Authorization header"
                        ))
                }
                return presigned(
                    request, body: body, credential: credential, region: region, service: service,
                    credentials: credentials, roleARN: roleARN, expectedBucketOwner: expectedBucketOwner, now: now)
            }
            if credential.algorithm != .hmacSHA256 {
                return .refused(
                    .deny(
                        .notResignable,
                        "a SigV4a (multi-Region) request cannot be brokered; sign it with SigV4 for one Region"))
            }
        }
        let rules = CanonicalizationRules(signingName: service)

        // The payload hash.
        let payloadHash: String
        switch self.payloadHash(request, body: body, credential: credential, rules: rules, service: service) {
        case .success(let hash): payloadHash = hash
        case .failure(let refusal): return .refused(refusal.decision)
        }
        if payloadHash.hasPrefix("STREAMING-AWS4-") {
            return .refused(
                .deny(
                    .notResignable,
                    "a signed aws-chunked upload (x-amz-content-sha256: \(payloadHash)) carries chunk signatures chained to the client's signature and cannot be signed again; send an unsigned payload instead (AWS SDK for Java 2.x: S3Configuration chunkedEncodingEnabled(false); 1.x: disableChunkedEncoding())"
                ))
        }

        // The request as AWS will receive it, reduced to the headers the new signature covers.
        var signed = SigV4Request(
            method: request.method, rawPath: request.rawPath, rawQuery: request.rawQuery, headers: [])
        signed.headers.reserveCapacity(8)
        var clientToken = false
        var hasOwner = false
        for field in request.headers {
            let name = field.name.lowercased()
            guard isSigned(name) else { continue }
            guard HTTPToken.isToken(name) else { return refuseName(field.name) }
            switch name {
            case "x-amz-security-token":
                clientToken = true
                continue
            case "x-amz-date":
                continue
            case "x-amz-content-sha256" where rules == .s3:
                continue
            case "x-amz-expected-bucket-owner":
                hasOwner = true
            default: break
            }
            signed.headers.append(field)
        }
        var added: [HeaderField] = []
        if let expectedBucketOwner, !hasOwner {
            let owner = HeaderField("x-amz-expected-bucket-owner", expectedBucketOwner)
            signed.headers.append(owner)
            added.append(owner)
        }
        let timestamp = AmzTimestamp(secondsSinceEpoch: now)
        do {
            try credentials.signer.sign(
                &signed, region: region, service: service, timestamp: timestamp, payloadHash: payloadHash)
        } catch {
            return .refused(.deny(.internalError, "the request cannot be signed again: \(error.message)"))
        }
        // The signer appended, in this order: X-Amz-Date, the session token, X-Amz-Content-SHA256 (S3),
        // Authorization.
        var set: [HeaderField] = []
        set.reserveCapacity(5)
        for field in signed.headers {
            switch field.name {
            case "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-SHA256", "Authorization": set.append(field)
            default: break
            }
        }
        set.append(contentsOf: added)
        let remove = clientToken && credentials.sessionToken == nil ? ["x-amz-security-token"] : []
        return .signed(UpstreamRewrite(setHeaders: set, removeHeaders: remove, roleARN: roleARN))
    }

    /// A presigned URL signed again in its query: the same parameters but the signature's, the headers
    /// it signs (`host` and the `x-amz-*` headers sent), and an expiry no later than the client's URL's
    /// nor the credentials'.
    static func presigned(
        _ request: SigV4Request, body: RequestBody, credential: SigV4Credential, region: String, service: String,
        credentials: SigningCredentials, roleARN: String, expectedBucketOwner: String?, now: Int64
    ) -> Outcome {
        guard credential.algorithm == .hmacSHA256 else {
            return .refused(
                .deny(
                    .notResignable,
                    "a SigV4a (multi-Region) request cannot be brokered; sign it with SigV4 for one Region"))
        }
        let rules = CanonicalizationRules(signingName: service)
        var end = credential.timestamp.secondsSinceEpoch + Int64(credential.expires ?? 0)
        if let expiration = credentials.expiration { end = min(end, expiration) }
        let expires = min(end - now, 604_800)
        guard expires >= 1 else {
            return .refused(.deny(.requestExpired, "the presigned URL expires before it can be signed again"))
        }
        let payloadHash: String
        switch self.payloadHash(request, body: body, credential: credential, rules: rules, service: service) {
        case .success(let hash): payloadHash = hash
        case .failure(let refusal): return .refused(refusal.decision)
        }
        var signed = SigV4Request(
            method: request.method, rawPath: request.rawPath, rawQuery: request.rawQuery, headers: [])
        var clientTokenHeader = false
        for field in request.headers {
            let name = field.name.lowercased()
            guard name == "host" || name.hasPrefix("x-amz-") else { continue }
            guard HTTPToken.isToken(name) else { return refuseName(field.name) }
            if name == "x-amz-security-token" { clientTokenHeader = true }
            guard name != "x-amz-date", name != "x-amz-security-token", name != "x-amz-content-sha256" else { continue }
            signed.headers.append(field)
        }
        // The bucket-owner perimeter: a header the proxy adds, inside the query's signature.
        var added: [HeaderField] = []
        if let expectedBucketOwner, !request.hasHeader("x-amz-expected-bucket-owner") {
            let owner = HeaderField("x-amz-expected-bucket-owner", expectedBucketOwner)
            signed.headers.append(owner)
            added.append(owner)
        }
        let parameters: [(name: String, value: String)]
        do {
            parameters = try credentials.signer.presign(
                signed, region: region, service: service, timestamp: AmzTimestamp(secondsSinceEpoch: now),
                expires: Int(expires), payloadHash: payloadHash)
        } catch {
            return .refused(.deny(.internalError, "the request cannot be signed again: \(error.message)"))
        }
        let hadToken = request.rawQuery.split(separator: "&").contains {
            $0.hasPrefix("X-Amz-Security-Token=") || $0 == "X-Amz-Security-Token"
        }
        return .signed(
            UpstreamRewrite(
                // The client's own session token header goes: the role's token is in the query.
                setHeaders: added, removeHeaders: clientTokenHeader ? ["x-amz-security-token"] : [],
                setQueryParameters: parameters.map { UpstreamRewrite.QueryParameter($0.name, $0.value) },
                removeQueryParameters: hadToken && credentials.sessionToken == nil ? ["X-Amz-Security-Token"] : [],
                roleARN: roleARN))
    }

    /// A deny, as an error (for `Result`).
    struct Refusal: Error { var decision: Decision }

    /// The payload hash to sign: the one the client signed where it is explicit (`credential`: its
    /// request; `nil`: an unsigned request's), else the empty body's when the request declares none;
    /// a body the proxy did not pass is a refusal.
    static func payloadHash(
        _ request: SigV4Request, body: RequestBody, credential: SigV4Credential?, rules: CanonicalizationRules,
        service: String
    ) -> Result<String, Refusal> {
        do {
            let explicit: String?
            if let credential {
                explicit = try PayloadHash.resolve(
                    request: request, credential: credential, rules: rules, body: body.bytes)
            } else {
                explicit = try unsignedPayloadHash(request, rules: rules, body: body.bytes)
            }
            if let explicit { return .success(explicit) }
            if case .absent = body, declaresNoBody(request) { return .success(emptyPayloadSHA256) }
            return .failure(
                Refusal(
                    decision: .deny(
                        .notResignable,
                        "signing this \(service) request again needs its whole body, which the proxy did not pass (Envoy: ext_authz with_request_body, gRPC)"
                    )))
        } catch {
            return .failure(Refusal(decision: .deny(.malformedCredentials, error.message)))
        }
    }

    /// The payload hash of an unsigned request: its `x-amz-content-sha256` when it sends one, else
    /// S3's (a hash is required; an unsigned request has none to keep, so the body's), else the body's.
    static func unsignedPayloadHash(
        _ request: SigV4Request, rules: CanonicalizationRules, body: [UInt8]?
    )
        throws(SigV4Error) -> String?
    {
        let values = request.headerValues("x-amz-content-sha256")
        guard values.isEmpty else {
            guard values.count == 1 else {
                throw SigV4Error(.malformedContentSHA256, "the request has more than one x-amz-content-sha256 header")
            }
            let value = values[0]
            let isHash =
                value.utf8.count == 64
                && value.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
            guard isHash || PayloadHash.markers.contains(value) else {
                throw SigV4Error(
                    .malformedContentSHA256,
                    "x-amz-content-sha256 must be a lower-case hex SHA-256 or a payload marker such as UNSIGNED-PAYLOAD"
                )
            }
            return value
        }
        if let body { return PayloadHash.sha256Hex(of: body) }
        // S3 accepts an unsigned payload in a header-signed request.
        return rules == .s3 ? "UNSIGNED-PAYLOAD" : nil
    }

    /// Whether the request says it has no body: a method that carries none in AWS's APIs (GET, HEAD,
    /// DELETE, OPTIONS), no `transfer-encoding` and no `content-length` other than 0. (nginx's
    /// `auth_request` drops `content-length` from the check, so a POST without one proves nothing.)
    static func declaresNoBody(_ request: SigV4Request) -> Bool {
        guard ["GET", "HEAD", "DELETE", "OPTIONS"].contains(request.method),
            !request.hasHeader("transfer-encoding")
        else { return false }
        let lengths = request.headerValues("content-length")
        return lengths.allSatisfy { $0.trimmingSpaces == "0" }
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        var text = Substring(self)
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}
