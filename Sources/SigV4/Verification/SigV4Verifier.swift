/// The outcome of a signature check that did not fail.
public enum SignatureVerification: Sendable, Hashable {
    /// The signature was recomputed with the secret and matches.
    case verified
    /// The signature could not be checked; the reason says why (for example the body was not available).
    case notChecked(reason: String)
}

/// Verifies SigV4 and SigV4a signatures with a known secret.
///
/// ```swift
/// guard case .sigV4(let credential) = try RequestAuthentication(parsing: request) else { … }
/// let rules = CanonicalizationRules(signingName: credential.scope.service)
/// try SignedHeaderPolicy.check(credential, request: request, rules: rules)
/// let result = try SigV4Verifier.verify(request, credential: credential, secretAccessKey: secret, body: nil)
/// ```
public enum SigV4Verifier {
    /// The canonical request and string to sign for `request`, or `nil` when the payload hash
    /// depends on a body that is not available.
    public static func stringToSign(
        _ request: SigV4Request, credential: SigV4Credential, body: [UInt8]?
    ) throws(SigV4Error) -> (canonicalRequest: CanonicalRequest, stringToSign: String)? {
        let rules = CanonicalizationRules(signingName: credential.scope.service)
        guard
            let payloadHash = try PayloadHash.resolve(
                request: request, credential: credential, rules: rules, body: body)
        else { return nil }
        let canonical = try CanonicalRequest(
            request: request, signedHeaders: credential.signedHeaders, rules: rules, payloadHash: payloadHash,
            location: credential.location)
        let sts = StringToSign.make(
            algorithm: credential.algorithm, timestamp: credential.timestamp.iso8601Basic,
            scope: credential.scope.string, canonicalRequest: canonical)
        return (canonical, sts)
    }

    /// Recomputes the signature with `secretAccessKey` and compares it in constant time.
    ///
    /// - Parameters:
    ///   - body: The complete body, or `nil` when it is not available (then non-S3 requests
    ///     without `x-amz-content-sha256` are ``SignatureVerification/notChecked(reason:)``).
    /// - Returns: ``SignatureVerification/verified`` or ``SignatureVerification/notChecked(reason:)``.
    /// - Throws: ``SigV4Error/Code/signatureMismatch`` when the signature is wrong, or a
    ///   canonicalization error (``SigV4Error/Code/signedHeaderMissing``, …).
    public static func verify(
        _ request: SigV4Request, credential: SigV4Credential, secretAccessKey: String, body: [UInt8]?
    ) throws(SigV4Error) -> SignatureVerification {
        guard let (_, sts) = try stringToSign(request, credential: credential, body: body) else {
            return .notChecked(
                reason:
                    "the payload hash of a \(credential.scope.service) request needs the body, which is not available")
        }
        switch credential.algorithm {
        case .hmacSHA256:
            let key = SigningKey(
                secretAccessKey: secretAccessKey, date: credential.scope.date, region: credential.scope.region,
                service: credential.scope.service)
            guard key.isValidSignature(credential.signature, for: sts) else {
                throw SigV4Error(.signatureMismatch, "the signature does not match the request and the known secret")
            }
        case .ecdsaP256SHA256:
            let key = SigV4aSigningKey(accessKeyID: credential.accessKeyID, secretAccessKey: secretAccessKey)
            guard let key, key.isValidSignature(credential.signature, for: sts) else {
                throw SigV4Error(
                    .signatureMismatch, "the SigV4a signature does not match the request and the known secret")
            }
        }
        return .verified
    }
}
