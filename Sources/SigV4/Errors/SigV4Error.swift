/// An error found while reading, checking or verifying a request's AWS signature.
///
/// Every failure in this module is a ``SigV4Error``. Its ``code`` is stable and fixed-size, so it is
/// safe to use as a metric label; ``category`` groups codes by what a caller does about them (the
/// decision layer maps each category to one of its reason codes); ``message`` is a sentence a
/// person can act on. Messages never contain a signature, a secret or a session token.
///
/// Errors compare equal when their codes are equal, so tests can write
/// `#expect(throws: SigV4Error(.duplicateField)) { … }` without matching the message.
public struct SigV4Error: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as a closed set of stable values.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Wrapped: String, Hashable, Sendable {
            // Authorization header / presigned query syntax
            case malformedAuthorization = "malformed_authorization"
            case duplicateField = "duplicate_field"
            case missingField = "missing_field"
            case unknownField = "unknown_field"
            case malformedCredential = "malformed_credential"
            case malformedSignedHeaders = "malformed_signed_headers"
            case malformedSignature = "malformed_signature"
            case duplicateQueryParameter = "duplicate_query_parameter"
            case conflictingAuthentication = "conflicting_authentication"
            case multipleAuthorizationHeaders = "multiple_authorization_headers"
            case malformedRegionSet = "malformed_region_set"
            case unsupportedAlgorithm = "unsupported_algorithm"
            // Credential scope and time
            case malformedScope = "malformed_scope"
            case scopeDateMismatch = "scope_date_mismatch"
            case missingDate = "missing_date"
            case malformedDate = "malformed_date"
            case malformedExpires = "malformed_expires"
            case clockSkew = "clock_skew"
            case requestExpired = "request_expired"
            case requestNotYetValid = "request_not_yet_valid"
            // Access key id → account
            case malformedAccessKeyID = "malformed_access_key_id"
            case accessKeyIDLength = "access_key_id_length"
            case accessKeyIDCharacter = "access_key_id_character"
            case unknownAccessKeyPrefix = "unknown_access_key_prefix"
            case legacyAccessKeyID = "legacy_access_key_id"
            case accountOutOfRange = "account_out_of_range"
            // Signed-header policy and canonicalization input
            case hostNotSigned = "host_not_signed"
            case dateNotSigned = "date_not_signed"
            case signedHeaderMissing = "signed_header_missing"
            case unsignedAmzHeader = "unsigned_amz_header"
            case missingContentSHA256 = "missing_content_sha256"
            case malformedContentSHA256 = "malformed_content_sha256"
            case malformedRequest = "malformed_request"
            // Verification
            case signatureMismatch = "signature_mismatch"
            case malformedChunk = "malformed_chunk"
        }

        let wrapped: Wrapped
        init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The `Authorization` header is not of the form `ALGORITHM k=v, k=v, k=v`.
        public static let malformedAuthorization = Code(.malformedAuthorization)
        /// A field (`Credential`, `SignedHeaders`, `Signature`) appears twice.
        public static let duplicateField = Code(.duplicateField)
        /// A required field or presigned parameter is missing or empty.
        public static let missingField = Code(.missingField)
        /// The `Authorization` header has a field this module does not know.
        public static let unknownField = Code(.unknownField)
        /// `Credential=` is not `AKID/date/region/service/aws4_request` (SigV4a: without region).
        public static let malformedCredential = Code(.malformedCredential)
        /// `SignedHeaders=` is empty, not lower case, not sorted, or repeats a name.
        public static let malformedSignedHeaders = Code(.malformedSignedHeaders)
        /// `Signature=` is not 64 lower-case hex digits (SigV4a: not an even-length hex DER blob).
        public static let malformedSignature = Code(.malformedSignature)
        /// A presigned `X-Amz-*` parameter appears twice, or in another letter case (CVE-2022-2385).
        public static let duplicateQueryParameter = Code(.duplicateQueryParameter)
        /// More than one authentication mechanism is present (header and query, SigV2 and SigV4, …).
        public static let conflictingAuthentication = Code(.conflictingAuthentication)
        /// The request carries more than one `Authorization` header.
        public static let multipleAuthorizationHeaders = Code(.multipleAuthorizationHeaders)
        /// A SigV4a request's `X-Amz-Region-Set` is missing or malformed.
        public static let malformedRegionSet = Code(.malformedRegionSet)
        /// The algorithm is not `AWS4-HMAC-SHA256` or `AWS4-ECDSA-P256-SHA256`.
        public static let unsupportedAlgorithm = Code(.unsupportedAlgorithm)
        /// The credential scope's date, region, service or terminator is syntactically wrong.
        public static let malformedScope = Code(.malformedScope)
        /// The credential scope's date is not the request timestamp's date.
        public static let scopeDateMismatch = Code(.scopeDateMismatch)
        /// Neither `X-Amz-Date` nor `Date` carries the request time.
        public static let missingDate = Code(.missingDate)
        /// The request time is not ISO 8601 basic (`YYYYMMDDTHHMMSSZ`) or RFC 1123.
        public static let malformedDate = Code(.malformedDate)
        /// `X-Amz-Expires` is not an integer in 1…604800.
        public static let malformedExpires = Code(.malformedExpires)
        /// The request time is further from now than the allowed clock skew.
        public static let clockSkew = Code(.clockSkew)
        /// The presigned request's validity period has passed.
        public static let requestExpired = Code(.requestExpired)
        /// The presigned request is dated in the future beyond the allowed clock skew.
        public static let requestNotYetValid = Code(.requestNotYetValid)
        /// The access key id is empty or contains characters that no access key id has.
        public static let malformedAccessKeyID = Code(.malformedAccessKeyID)
        /// The access key id is not 20 (or 21) characters long.
        public static let accessKeyIDLength = Code(.accessKeyIDLength)
        /// The access key id's account part holds a character outside base32 (A–Z, 2–7).
        public static let accessKeyIDCharacter = Code(.accessKeyIDCharacter)
        /// The access key id does not start with a known AWS unique-id prefix (`AKIA`, `ASIA`, …).
        public static let unknownAccessKeyPrefix = Code(.unknownAccessKeyPrefix)
        /// The access key id is of the old generation, whose account cannot be derived offline.
        public static let legacyAccessKeyID = Code(.legacyAccessKeyID)
        /// The derived account number is above 999999999999.
        public static let accountOutOfRange = Code(.accountOutOfRange)
        /// `host` is not in `SignedHeaders`.
        public static let hostNotSigned = Code(.hostNotSigned)
        /// The header carrying the request time is not in `SignedHeaders`.
        public static let dateNotSigned = Code(.dateNotSigned)
        /// A header named in `SignedHeaders` is not in the request.
        public static let signedHeaderMissing = Code(.signedHeaderMissing)
        /// An S3 request carries an `x-amz-*` header that is not signed.
        public static let unsignedAmzHeader = Code(.unsignedAmzHeader)
        /// An S3 header-signed request has no `x-amz-content-sha256`.
        public static let missingContentSHA256 = Code(.missingContentSHA256)
        /// `x-amz-content-sha256` is neither a hex SHA-256 nor a known payload marker.
        public static let malformedContentSHA256 = Code(.malformedContentSHA256)
        /// The request line itself cannot be canonicalized (for example a NUL byte in the path).
        public static let malformedRequest = Code(.malformedRequest)
        /// The signature does not match the one computed with the known secret.
        public static let signatureMismatch = Code(.signatureMismatch)
        /// An aws-chunked chunk's signature is malformed or does not continue the chain.
        public static let malformedChunk = Code(.malformedChunk)

        /// The stable snake_case name of this code, fit for a metric label.
        public var description: String { wrapped.rawValue }

        /// The kind of failure, for callers that answer differently per kind (the product's reason codes).
        public var category: Category {
            switch wrapped {
            case .unsupportedAlgorithm: .unsupportedAlgorithm
            case .legacyAccessKeyID: .legacyAccessKey
            case .clockSkew: .clockSkew
            case .requestExpired: .requestExpired
            case .requestNotYetValid: .requestNotYetValid
            case .signatureMismatch, .malformedChunk: .signatureMismatch
            case .malformedAuthorization, .duplicateField, .missingField, .unknownField, .malformedCredential,
                .malformedSignedHeaders, .malformedSignature, .duplicateQueryParameter, .conflictingAuthentication,
                .multipleAuthorizationHeaders, .malformedRegionSet, .malformedScope, .scopeDateMismatch, .missingDate,
                .malformedDate, .malformedExpires, .malformedAccessKeyID, .accessKeyIDLength, .accessKeyIDCharacter,
                .unknownAccessKeyPrefix, .accountOutOfRange, .hostNotSigned, .dateNotSigned, .signedHeaderMissing,
                .unsignedAmzHeader, .missingContentSHA256, .malformedContentSHA256, .malformedRequest:
                .malformed
            }
        }
    }

    /// The kinds of failure: what a caller can do about it differs per kind.
    public enum Category: Sendable, Hashable, CaseIterable {
        /// The credentials cannot be read, or the request is not signed the way SigV4 requires.
        case malformed
        /// A signing algorithm other than SigV4 / SigV4a.
        case unsupportedAlgorithm
        /// An old-generation access key id, whose account cannot be derived.
        case legacyAccessKey
        /// The signing time is too far from now.
        case clockSkew
        /// A presigned URL past its expiry.
        case requestExpired
        /// A presigned URL signed in the future.
        case requestNotYetValid
        /// The signature (or an aws-chunked chunk's) does not match.
        case signatureMismatch
    }

    /// What went wrong.
    public let code: Code
    /// A sentence that says what was wrong, without any secret material.
    public let message: String

    /// Creates an error with a code and an optional message (the code's name when empty).
    public init(_ code: Code, _ message: String = "") {
        self.code = code
        self.message = message.isEmpty ? code.description : message
    }

    /// The kind of failure.
    public var category: Category { code.category }

    public var description: String { "SigV4Error(\(code)): \(message)" }

    public static func == (lhs: SigV4Error, rhs: SigV4Error) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
