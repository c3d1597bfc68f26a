// CredentialParser as it was before the rewrite over raw bytes (the differential oracle of
// FuzzCredentialParser), renamed Legacy….
@testable import SigV4

/// Reads SigV4, SigV4a and SigV2 credentials from the header or the query, strictly.
///
/// Strictness is the point: an authorizer that reads a request differently from AWS can be fooled,
/// so anything ambiguous (repeated fields, case variants of presigned parameters, two mechanisms at
/// once, unsorted `SignedHeaders`) is an error rather than a guess.
public enum LegacyCredentialParser {
    /// The longest `Authorization` header accepted.
    static let maximumAuthorizationLength = 8192
    /// The longest presigned parameter value accepted.
    static let maximumParameterLength = 8192

    public static func parse(_ request: SigV4Request) throws(SigV4Error) -> RequestAuthentication {
        var authorization: String?
        for field in request.headers where legacyHasName(field, "authorization") {
            guard authorization == nil else {
                throw SigV4Error(.multipleAuthorizationHeaders, "the request has more than one Authorization header")
            }
            authorization = field.value
        }
        let query = try LegacyPresignedParameters(rawQuery: request.rawQuery)

        if let authorization {
            if query.hasSigV4Parameters || query.sigV2AccessKeyID != nil {
                throw SigV4Error(
                    .conflictingAuthentication,
                    "the request carries both an Authorization header and signing parameters in the query")
            }
            return try parseHeader(authorization, request: request)
        }
        if query.hasSigV4Parameters {
            if query.sigV2AccessKeyID != nil {
                throw SigV4Error(
                    .conflictingAuthentication, "the query carries both SigV4 and SigV2 signing parameters")
            }
            return try parsePresigned(query, request: request)
        }
        if let accessKeyID = query.sigV2AccessKeyID {
            return .sigV2(accessKeyID: accessKeyID, location: .presigned)
        }
        return .anonymous
    }

    // MARK: - Authorization header

    private static func parseHeader(_ value: String, request: SigV4Request) throws(SigV4Error) -> RequestAuthentication
    {
        let utf8 = value.utf8
        guard utf8.count <= maximumAuthorizationLength else {
            throw SigV4Error(
                .malformedAuthorization, "the Authorization header is longer than \(maximumAuthorizationLength) bytes")
        }
        for byte in utf8 where byte >= 0x7F || (byte < 0x20 && byte != 0x09) {
            throw SigV4Error(.malformedAuthorization, "the Authorization header contains a control or non-ASCII byte")
        }
        let header = LegacyASCII.trimmed(Substring(value))
        guard !header.isEmpty else {
            throw SigV4Error(.malformedAuthorization, "the Authorization header is empty")
        }
        let space = header.utf8.firstIndex(where: { $0 == 0x20 || $0 == 0x09 }) ?? header.utf8.endIndex
        let algorithmName = header[..<space]
        let rest = LegacyASCII.trimmed(header[space...])

        let algorithm: SigningAlgorithm
        switch algorithmName {
        case LegacyBytes("AWS4-HMAC-SHA256"): algorithm = .hmacSHA256
        case LegacyBytes("AWS4-ECDSA-P256-SHA256"): algorithm = .ecdsaP256SHA256
        case LegacyBytes("AWS"):
            // SigV2: "AWS AKID:signature"
            guard let colon = rest.utf8.firstIndex(of: UInt8(ascii: ":")), colon != rest.utf8.startIndex,
                rest.utf8.index(after: colon) != rest.utf8.endIndex
            else {
                throw SigV4Error(.malformedAuthorization, "a SigV2 Authorization header must be 'AWS AKID:signature'")
            }
            return .sigV2(accessKeyID: rest[..<colon], location: .header)
        default:
            throw SigV4Error(
                .unsupportedAlgorithm,
                "the Authorization header's scheme is not AWS4-HMAC-SHA256 or AWS4-ECDSA-P256-SHA256")
        }
        guard !rest.isEmpty else {
            throw SigV4Error(.missingField, "the Authorization header has no Credential, SignedHeaders or Signature")
        }

        var credential: Substring?
        var signedHeaders: Substring?
        var signature: Substring?
        try LegacyASCII.forEachPart(of: rest, separator: UInt8(ascii: ",")) { (rawPart) throws(SigV4Error) in
            let part = LegacyASCII.trimmed(rawPart)
            guard !part.isEmpty else {
                throw SigV4Error(
                    .malformedAuthorization, "the Authorization header has an empty field (an extra comma)")
            }
            guard let equals = part.utf8.firstIndex(of: UInt8(ascii: "=")) else {
                throw SigV4Error(.malformedAuthorization, "an Authorization header field is not name=value")
            }
            let name = part[..<equals]
            let fieldValue = part[part.utf8.index(after: equals)...]
            switch name {
            case LegacyBytes("Credential"):
                guard credential == nil else { throw SigV4Error(.duplicateField, "Credential appears twice") }
                credential = fieldValue
            case LegacyBytes("SignedHeaders"):
                guard signedHeaders == nil else { throw SigV4Error(.duplicateField, "SignedHeaders appears twice") }
                signedHeaders = fieldValue
            case LegacyBytes("Signature"):
                guard signature == nil else { throw SigV4Error(.duplicateField, "Signature appears twice") }
                signature = fieldValue
            default:
                throw SigV4Error(
                    .unknownField,
                    "the Authorization header has a field other than Credential, SignedHeaders and Signature")
            }
        }
        guard let credential, !credential.isEmpty else {
            throw SigV4Error(.missingField, "the Authorization header has no Credential")
        }
        guard let signedHeaders, !signedHeaders.isEmpty else {
            throw SigV4Error(.missingField, "the Authorization header has no SignedHeaders")
        }
        guard let signature, !signature.isEmpty else {
            throw SigV4Error(.missingField, "the Authorization header has no Signature")
        }

        let (accessKeyID, scope) = try parseCredential(credential, algorithm: algorithm)
        try validateSignedHeaders(signedHeaders)
        try validateSignature(signature, algorithm: algorithm)

        // The request time: X-Amz-Date wins over Date, as in AWS.
        let timestamp: AmzTimestamp
        let source: TimestampSource
        switch legacySingleHeaderValue(request, "x-amz-date") {
        case .multiple:
            throw SigV4Error(.malformedDate, "the request has more than one X-Amz-Date header")
        case .one(let text):
            guard let parsed = legacyBasic(Substring(text)) else {
                throw SigV4Error(.malformedDate, "X-Amz-Date is not of the form YYYYMMDDTHHMMSSZ")
            }
            timestamp = parsed
            source = .xAmzDateHeader
        case .none:
            switch legacySingleHeaderValue(request, "date") {
            case .multiple:
                throw SigV4Error(.malformedDate, "the request has more than one Date header")
            case .one(let text):
                guard let parsed = legacyHTTPDate(LegacyASCII.trimmed(Substring(text))) else {
                    throw SigV4Error(.malformedDate, "the Date header is neither RFC 1123 nor YYYYMMDDTHHMMSSZ")
                }
                timestamp = parsed
                source = .dateHeader
            case .none:
                throw SigV4Error(.missingDate, "the request has neither an X-Amz-Date nor a Date header")
            }
        }
        try checkScopeDate(scope, timestamp)

        var sessionTokens = 0
        var regionSetValue: String?
        for field in request.headers {
            if legacyHasName(field, "x-amz-security-token") { sessionTokens += 1 }
            if legacyHasName(field, "x-amz-region-set") {
                guard regionSetValue == nil else {
                    throw SigV4Error(.malformedRegionSet, "the request has more than one X-Amz-Region-Set header")
                }
                regionSetValue = field.value
            }
        }
        guard sessionTokens <= 1 else {
            throw SigV4Error(.conflictingAuthentication, "the request has more than one X-Amz-Security-Token header")
        }
        let regionSet = try algorithm == .ecdsaP256SHA256 ? parseRegionSet(regionSetValue) : []

        return .sigV4(
            SigV4Credential(
                algorithm: algorithm, location: .header, accessKeyID: accessKeyID, scope: scope,
                signedHeaders: signedHeaders, signature: signature, timestamp: timestamp, timestampSource: source,
                expires: nil, hasSessionToken: sessionTokens == 1, regionSet: regionSet))
    }

    // MARK: - Presigned query

    private static func parsePresigned(
        _ query: LegacyPresignedParameters, request: SigV4Request
    ) throws(SigV4Error)
        -> RequestAuthentication
    {
        guard let algorithmName = query.algorithm, !algorithmName.isEmpty else {
            throw SigV4Error(.missingField, "the presigned URL has no X-Amz-Algorithm")
        }
        let algorithm: SigningAlgorithm
        switch algorithmName {
        case LegacyBytes("AWS4-HMAC-SHA256"): algorithm = .hmacSHA256
        case LegacyBytes("AWS4-ECDSA-P256-SHA256"): algorithm = .ecdsaP256SHA256
        default:
            throw SigV4Error(.unsupportedAlgorithm, "X-Amz-Algorithm is not AWS4-HMAC-SHA256 or AWS4-ECDSA-P256-SHA256")
        }
        guard let credential = query.credential, !credential.isEmpty else {
            throw SigV4Error(.missingField, "the presigned URL has no X-Amz-Credential")
        }
        guard let signedHeaders = query.signedHeaders, !signedHeaders.isEmpty else {
            throw SigV4Error(.missingField, "the presigned URL has no X-Amz-SignedHeaders")
        }
        guard let signature = query.signature, !signature.isEmpty else {
            throw SigV4Error(.missingField, "the presigned URL has no X-Amz-Signature")
        }
        guard let dateText = query.date, !dateText.isEmpty else {
            throw SigV4Error(.missingDate, "the presigned URL has no X-Amz-Date")
        }
        guard let expiresText = query.expires, !expiresText.isEmpty else {
            throw SigV4Error(.missingField, "the presigned URL has no X-Amz-Expires")
        }
        let (accessKeyID, scope) = try parseCredential(credential, algorithm: algorithm)
        try validateSignedHeaders(signedHeaders)
        try validateSignature(signature, algorithm: algorithm)
        guard let timestamp = legacyBasic(dateText) else {
            throw SigV4Error(.malformedDate, "X-Amz-Date is not of the form YYYYMMDDTHHMMSSZ")
        }
        try checkScopeDate(scope, timestamp)
        guard let expires = LegacyASCII.parseDecimal(expiresText.utf8, maxDigits: 6), (1...604_800).contains(expires)
        else {
            throw SigV4Error(.malformedExpires, "X-Amz-Expires must be a whole number of seconds from 1 to 604800")
        }
        var headerTokens = 0
        for field in request.headers where legacyHasName(field, "x-amz-security-token") {
            headerTokens += 1
        }
        if headerTokens > 0, query.securityToken != nil {
            throw SigV4Error(.conflictingAuthentication, "the session token is both in the query and in a header")
        }
        guard headerTokens <= 1 else {
            throw SigV4Error(.conflictingAuthentication, "the request has more than one X-Amz-Security-Token header")
        }
        let regionSet = try algorithm == .ecdsaP256SHA256 ? parseRegionSet(query.regionSet.map(String.init)) : []
        return .sigV4(
            SigV4Credential(
                algorithm: algorithm, location: .presigned, accessKeyID: accessKeyID, scope: scope,
                signedHeaders: signedHeaders, signature: signature, timestamp: timestamp, timestampSource: .query,
                expires: expires, hasSessionToken: query.securityToken != nil || headerTokens == 1,
                regionSet: regionSet))
    }

    // MARK: - Pieces

    /// `AKID/date/region/service/aws4_request` (SigV4) or `AKID/date/service/aws4_request` (SigV4a).
    static func parseCredential(
        _ text: Substring, algorithm: SigningAlgorithm
    ) throws(SigV4Error)
        -> (Substring, CredentialScope)
    {
        // Up to six parts, collected without allocating (a seventh part is counted, not kept).
        var parts = (Substring(), Substring(), Substring(), Substring(), Substring(), Substring())
        var count = 0
        LegacyASCII.forEachPart(of: text, separator: UInt8(ascii: "/")) { part in
            switch count {
            case 0: parts.0 = part
            case 1: parts.1 = part
            case 2: parts.2 = part
            case 3: parts.3 = part
            case 4: parts.4 = part
            case 5: parts.5 = part
            default: break
            }
            count += 1
        }
        let expected = algorithm == .hmacSHA256 ? 5 : 4
        guard count == expected else {
            throw SigV4Error(
                .malformedCredential,
                algorithm == .hmacSHA256
                    ? "Credential must be AKID/YYYYMMDD/region/service/aws4_request (5 parts, found \(count))"
                    : "a SigV4a Credential must be AKID/YYYYMMDD/service/aws4_request (4 parts, found \(count))")
        }
        let accessKeyID = parts.0
        guard (1...128).contains(accessKeyID.utf8.count),
            accessKeyID.utf8.allSatisfy({ LegacyASCII.isDigit($0) || (0x41...0x5A).contains($0) })
        else {
            throw SigV4Error(.malformedAccessKeyID, "the access key id must be 1 to 128 upper-case letters and digits")
        }
        let date = parts.1
        guard LegacyCivilTime.isValidDate(yyyymmdd: date) else {
            throw SigV4Error(.malformedScope, "the credential scope's date is not a YYYYMMDD calendar date")
        }
        let region = algorithm == .hmacSHA256 ? parts.2 : Substring()
        let service = algorithm == .hmacSHA256 ? parts.3 : parts.2
        let terminator = algorithm == .hmacSHA256 ? parts.4 : parts.3
        if algorithm == .hmacSHA256 {
            guard isValidName(region, maxLength: 32) else {
                throw SigV4Error(
                    .malformedScope, "the credential scope's region must be lower-case letters, digits and '-'")
            }
        }
        guard isValidName(service, maxLength: 64) else {
            throw SigV4Error(
                .malformedScope, "the credential scope's service must be lower-case letters, digits and '-'")
        }
        guard terminator.utf8.elementsEqual("aws4_request".utf8) else {
            throw SigV4Error(.malformedScope, "the credential scope must end in aws4_request")
        }
        return (accessKeyID, CredentialScope(date: date, region: region, service: service))
    }

    private static func isValidName(_ name: Substring, maxLength: Int) -> Bool {
        let utf8 = name.utf8
        guard (1...maxLength).contains(utf8.count), utf8.first != UInt8(ascii: "-"), utf8.last != UInt8(ascii: "-")
        else { return false }
        return utf8.allSatisfy { LegacyASCII.isDigit($0) || (0x61...0x7A).contains($0) || $0 == UInt8(ascii: "-") }
    }

    /// Lower-case header names (RFC 9110 token characters), `;`-separated, strictly ascending.
    static func validateSignedHeaders(_ list: Substring) throws(SigV4Error) {
        var previous: Substring?
        try LegacyASCII.forEachPart(of: list, separator: UInt8(ascii: ";")) { (name) throws(SigV4Error) in
            guard !name.isEmpty else {
                throw SigV4Error(.malformedSignedHeaders, "SignedHeaders has an empty name")
            }
            for byte in name.utf8 {
                let isToken =
                    LegacyASCII.isDigit(byte) || (0x61...0x7A).contains(byte) || "!#$%&'*+-.^_`|~".utf8.contains(byte)
                guard isToken else {
                    throw SigV4Error(.malformedSignedHeaders, "SignedHeaders must hold lower-case header names")
                }
            }
            if let previous, !previous.utf8.lexicographicallyPrecedes(name.utf8) {
                throw SigV4Error(.malformedSignedHeaders, "SignedHeaders must be sorted and must not repeat a name")
            }
            previous = name
        }
    }

    /// SigV4: 64 lower-case hex digits. SigV4a: a hex DER ECDSA signature (8…72 bytes).
    static func validateSignature(_ signature: Substring, algorithm: SigningAlgorithm) throws(SigV4Error) {
        let count = signature.utf8.count
        let lengthOK = algorithm == .hmacSHA256 ? count == 64 : (count % 2 == 0 && (16...144).contains(count))
        guard lengthOK, signature.utf8.allSatisfy(LegacyASCII.isLowerHex) else {
            throw SigV4Error(
                .malformedSignature,
                algorithm == .hmacSHA256
                    ? "the signature must be 64 lower-case hex digits"
                    : "a SigV4a signature must be a lower-case hex DER ECDSA signature")
        }
    }

    static func checkScopeDate(_ scope: CredentialScope, _ timestamp: AmzTimestamp) throws(SigV4Error) {
        guard scope.date.utf8.elementsEqual(timestamp.date.utf8) else {
            throw SigV4Error(
                .scopeDateMismatch,
                "the credential scope's date \(scope.date) is not the request date \(timestamp.date)")
        }
    }

    /// `X-Amz-Region-Set`: comma-separated region names or patterns (`*`, `us-*`).
    static func parseRegionSet(_ value: String?) throws(SigV4Error) -> [Substring] {
        guard let value else {
            throw SigV4Error(.malformedRegionSet, "a SigV4a request must carry X-Amz-Region-Set")
        }
        var regions: [Substring] = []
        for raw in value.split(separator: ",", omittingEmptySubsequences: false) {
            let region = LegacyASCII.trimmed(raw)
            guard (1...64).contains(region.utf8.count),
                region.utf8.allSatisfy({
                    LegacyASCII.isDigit($0) || (0x61...0x7A).contains($0) || $0 == UInt8(ascii: "-")
                        || $0 == UInt8(ascii: "*")
                })
            else {
                throw SigV4Error(.malformedRegionSet, "X-Amz-Region-Set must list regions such as us-east-1 or us-*")
            }
            regions.append(region)
        }
        return regions
    }
}

/// The signing parameters of a query string, each found at most once and in its exact spelling.
struct LegacyPresignedParameters {
    var algorithm: Substring?
    var credential: Substring?
    var date: Substring?
    var expires: Substring?
    var signedHeaders: Substring?
    var signature: Substring?
    var securityToken: Substring?
    var regionSet: Substring?
    var sigV2AccessKeyID: Substring?

    var hasSigV4Parameters: Bool {
        algorithm != nil || credential != nil || date != nil || expires != nil || signedHeaders != nil
            || signature != nil || securityToken != nil || regionSet != nil
    }

    private static let names = [
        "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
        "X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Region-Set",
    ]

    init(rawQuery: String) throws(SigV4Error) {
        guard !rawQuery.isEmpty else { return }
        try LegacyASCII.forEachPart(of: Substring(rawQuery), separator: UInt8(ascii: "&")) {
            (piece) throws(SigV4Error) in
            // Cheap filter: only names that could decode to X-Amz-* or AWSAccessKeyId are looked at.
            guard let first = piece.utf8.first,
                first == UInt8(ascii: "X") || first == UInt8(ascii: "x") || first == UInt8(ascii: "%")
                    || first == UInt8(ascii: "A") || first == UInt8(ascii: "a")
            else { return }
            try self.read(parameter: Array(piece.utf8))
        }
    }

    private mutating func read(parameter bytes: [UInt8]) throws(SigV4Error) {
        let equals = bytes.firstIndex(of: UInt8(ascii: "="))
        let rawName = equals.map { bytes[..<$0] } ?? bytes[...]
        let name = LegacyPercentDecoding.decode(keepingBadEscapes: rawName, plusAsSpace: false)
        let isAccessKeyParameter = LegacyASCII.equalsIgnoringCase(name, "AWSAccessKeyId".utf8)
        guard
            let index = Self.names.firstIndex(where: { LegacyASCII.equalsIgnoringCase(name, $0.utf8) })
                ?? (isAccessKeyParameter ? -1 : nil)
        else { return }
        let canonicalName = index >= 0 ? Self.names[index] : "AWSAccessKeyId"
        guard name.elementsEqual(canonicalName.utf8) else {
            throw SigV4Error(
                .duplicateQueryParameter,
                "the query spells \(canonicalName) in another letter case; only the exact spelling is accepted")
        }
        let rawValue = equals.map { bytes[($0 + 1)...] } ?? []
        guard rawValue.count <= LegacyCredentialParser.maximumParameterLength else {
            throw SigV4Error(.malformedAuthorization, "the query parameter \(canonicalName) is too long")
        }
        let decoded = LegacyPercentDecoding.decode(keepingBadEscapes: rawValue, plusAsSpace: false)
        guard decoded.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw SigV4Error(
                .malformedAuthorization, "the query parameter \(canonicalName) contains a control or non-ASCII byte")
        }
        let value = Substring(String(decoding: decoded, as: UTF8.self))
        func set(_ slot: inout Substring?) throws(SigV4Error) {
            guard slot == nil else {
                throw SigV4Error(.duplicateQueryParameter, "the query repeats \(canonicalName)")
            }
            slot = value
        }
        switch index {
        case 0: try set(&algorithm)
        case 1: try set(&credential)
        case 2: try set(&date)
        case 3: try set(&expires)
        case 4: try set(&signedHeaders)
        case 5: try set(&signature)
        case 6: try set(&securityToken)
        case 7: try set(&regionSet)
        default: try set(&sigV2AccessKeyID)
        }
    }
}

/// A pattern that matches a `Substring` byte for byte (no Unicode normalization: these are ASCII
/// protocol tokens, and byte comparison is both exact and fast).
struct LegacyBytes {
    let literal: StaticString
    init(_ literal: StaticString) { self.literal = literal }

    static func ~= (pattern: LegacyBytes, value: Substring) -> Bool {
        let utf8 = value.utf8
        guard utf8.count == pattern.literal.utf8CodeUnitCount else { return false }
        return pattern.literal.withUTF8Buffer { utf8.elementsEqual($0) }
    }
}
