/// The rules about *which* headers must be signed, checked before (and without) any secret.
///
/// - `host` must be signed.
/// - For a header-signed request, the header that carries the time (`x-amz-date` or `date`) must
///   be signed.
/// - Every name in `SignedHeaders` must be present in the request (unless the caller has only some of
///   the request's headers: `headersArePartial`).
/// - S3 family: every `x-amz-*` header in the request must be signed, except `x-amz-content-sha256`.
///   (S3 itself refuses such requests; an unsigned `x-amz-*` header could otherwise change what an
///   allowed request does, such as `x-amz-copy-source`.)
public enum SignedHeaderPolicy {
    /// Checks `credential`'s signed headers against `request`.
    /// - Throws: ``SigV4Error`` with ``SigV4Error/Code/hostNotSigned``, ``SigV4Error/Code/dateNotSigned``,
    ///   ``SigV4Error/Code/signedHeaderMissing`` or ``SigV4Error/Code/unsignedAmzHeader``.
    public static func check(
        _ credential: SigV4Credential, request: SigV4Request, rules: CanonicalizationRules,
        headersArePartial: Bool = false
    )
        throws(SigV4Error)
    {
        guard credential.isSigned("host") else {
            throw SigV4Error(.hostNotSigned, "the host header must be signed")
        }
        switch credential.timestampSource {
        case .xAmzDateHeader:
            guard credential.isSigned("x-amz-date") else {
                throw SigV4Error(.dateNotSigned, "the X-Amz-Date header must be signed")
            }
        case .dateHeader:
            guard credential.isSigned("date") else {
                throw SigV4Error(.dateNotSigned, "the Date header must be signed")
            }
        case .query:
            break
        }
        if !headersArePartial {
            try ASCII.forEachPart(of: credential.signedHeaders, separator: UInt8(ascii: ";")) {
                (name) throws(SigV4Error) in
                guard request.headers.contains(where: { ASCII.equalsIgnoringCase($0.name.utf8, name.utf8) }) else {
                    throw SigV4Error(
                        .signedHeaderMissing, "the header \(name) is listed in SignedHeaders but not sent")
                }
            }
        }
        if rules == .s3 {
            for field in request.headers where ASCII.hasPrefixIgnoringCase(field.name.utf8, "x-amz-".utf8) {
                if field.hasName("x-amz-content-sha256") { continue }
                // SignedHeaders is lower case (the parser refuses anything else).
                guard
                    ASCII.list(
                        credential.signedHeaders, separator: UInt8(ascii: ";"), contains: field.name, ignoringCase: true
                    )
                else {
                    throw SigV4Error(
                        .unsignedAmzHeader,
                        "S3 requires every x-amz-* header to be signed; \(field.name.lowercased()) is not")
                }
            }
        }
    }
}

/// What goes into the last line of the canonical request.
public enum PayloadHash {
    /// The payload markers S3 accepts in `x-amz-content-sha256` besides a hex SHA-256.
    public static let markers: Set<String> = [
        "UNSIGNED-PAYLOAD",
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
    ]

    /// The lower-case hex SHA-256 of a body, as a payload hash.
    public static func sha256Hex(of body: [UInt8]) -> String { SHA256Hasher.hex(body) }

    /// The payload hash the signer used, or `nil` when it depends on a body that is not available.
    ///
    /// - `x-amz-content-sha256`, when sent, is the payload hash (for every service, as botocore signs).
    /// - Otherwise S3 header-signed requests are malformed; S3 presigned URLs use `UNSIGNED-PAYLOAD`.
    /// - Otherwise the hash is SHA-256 of the body, or `nil` when `body` is `nil` (unknown).
    /// - Throws: ``SigV4Error/Code/missingContentSHA256`` or ``SigV4Error/Code/malformedContentSHA256``.
    public static func resolve(
        request: SigV4Request, credential: SigV4Credential, rules: CanonicalizationRules, body: [UInt8]?
    ) throws(SigV4Error) -> String? {
        switch request.singleHeaderValue("x-amz-content-sha256") {
        case .multiple:
            throw SigV4Error(.malformedContentSHA256, "the request has more than one x-amz-content-sha256 header")
        case .one(let value):
            let trimmed = String(ASCII.trimmed(Substring(value)))
            let isHash = trimmed.utf8.count == 64 && trimmed.utf8.allSatisfy(ASCII.isLowerHex)
            guard isHash || markers.contains(trimmed) else {
                throw SigV4Error(
                    .malformedContentSHA256,
                    "x-amz-content-sha256 must be a lower-case hex SHA-256 or a payload marker such as UNSIGNED-PAYLOAD"
                )
            }
            return trimmed
        case .none:
            switch (rules, credential.location) {
            case (.s3, .header):
                throw SigV4Error(
                    .missingContentSHA256, "an S3 request signed in the header must carry x-amz-content-sha256")
            case (.s3, .presigned):
                return "UNSIGNED-PAYLOAD"
            case (.standard, _):
                return body.map(SHA256Hasher.hex)
            }
        }
    }
}
