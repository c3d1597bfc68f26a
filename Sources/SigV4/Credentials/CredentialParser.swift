/// Reads SigV4, SigV4a and SigV2 credentials from the header or the query, strictly.
///
/// Strictness is the point: an authorizer that reads a request differently from AWS can be fooled,
/// so anything ambiguous (repeated fields, case variants of presigned parameters, two mechanisms at
/// once, unsorted `SignedHeaders`) is an error rather than a guess.
///
/// The parser reads the header's and the query's UTF-8 bytes in place and keeps byte offsets; the
/// result's `Substring`s are made once from those offsets into the original strings (a retain each,
/// no copy), so parsing a header-signed request allocates nothing.
enum CredentialParser {
    /// The longest `Authorization` header accepted.
    static let maximumAuthorizationLength = 8192
    /// The longest presigned parameter value accepted.
    static let maximumParameterLength = 8192

    /// The headers the parser reads, found in one pass over the request's headers.
    struct RelevantHeaders {
        var authorization: String?
        var authorizationCount = 0
        var amzDate: String?
        var amzDateCount = 0
        var date: String?
        var dateCount = 0
        var sessionTokens = 0
        var regionSet: String?
        var regionSetCount = 0

        init(_ headers: [HeaderField]) {
            for index in headers.indices {
                // Most names have none of the lengths looked for: no bytes are compared for those.
                switch headers[index].name.utf8.count {
                case 4:
                    if ASCII.nameEquals(headers[index].name, "date") { take(headers[index], &date, &dateCount) }
                case 10:
                    if ASCII.nameEquals(headers[index].name, "x-amz-date") {
                        take(headers[index], &amzDate, &amzDateCount)
                    }
                case 13:
                    if ASCII.nameEquals(headers[index].name, "authorization") {
                        take(headers[index], &authorization, &authorizationCount)
                    }
                case 16:
                    if ASCII.nameEquals(headers[index].name, "x-amz-region-set") {
                        take(headers[index], &regionSet, &regionSetCount)
                    }
                case 20:
                    if ASCII.nameEquals(headers[index].name, "x-amz-security-token") { sessionTokens += 1 }
                default:
                    break
                }
            }
        }

        @inline(__always)
        private func take(_ field: HeaderField, _ slot: inout String?, _ count: inout Int) {
            if count == 0 { slot = field.value }
            count += 1
        }
    }

    static func parse(_ request: SigV4Request) throws(SigV4Error) -> RequestAuthentication {
        let headers = RelevantHeaders(request.headers)
        guard headers.authorizationCount <= 1 else {
            throw SigV4Error(.multipleAuthorizationHeaders, "the request has more than one Authorization header")
        }
        // Most queries have no parameter that could be a signing parameter: nothing to read then.
        let query: PresignedParameters? =
            PresignedParameters.mayHaveParameters(request.rawQuery)
            ? try PresignedParameters(rawQuery: request.rawQuery) : nil

        if let authorization = headers.authorization {
            if let query, query.hasSigV4Parameters || query.sigV2AccessKeyID != nil {
                throw SigV4Error(
                    .conflictingAuthentication,
                    "the request carries both an Authorization header and signing parameters in the query")
            }
            return try parseHeader(authorization, headers: headers)
        }
        guard let query else { return .anonymous }
        if query.hasSigV4Parameters {
            if query.sigV2AccessKeyID != nil {
                throw SigV4Error(
                    .conflictingAuthentication, "the query carries both SigV4 and SigV2 signing parameters")
            }
            return try parsePresigned(query, headers: headers)
        }
        if let accessKeyID = query.sigV2AccessKeyID {
            return .sigV2(accessKeyID: accessKeyID, location: .presigned)
        }
        return .anonymous
    }

    // MARK: - Bytes

    /// Calls `body` with the UTF-8 bytes of `text` in place (a copy only for a non-contiguous string).
    @inline(__always)
    static func withBytes<R>(
        _ text: Substring, _ body: (UnsafeBufferPointer<UInt8>) throws(SigV4Error) -> R
    ) throws(SigV4Error) -> R {
        var text = text
        return try text.withUTF8 { bytes in Result { () throws(SigV4Error) in try body(bytes) } }.get()
    }

    /// `text`'s bytes `range` (offsets from its start) as a `Substring` of the same string.
    @inline(__always)
    static func slice(_ text: Substring, _ range: Range<Int>) -> Substring {
        let utf8 = text.utf8
        let lower = utf8.index(utf8.startIndex, offsetBy: range.lowerBound)
        let upper = utf8.index(lower, offsetBy: range.count)
        return Substring(utf8[lower..<upper])
    }

    @inline(__always)
    private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    /// `range` without spaces and tabs at either end.
    @inline(__always)
    private static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, isBlank(bytes[lower]) { lower += 1 }
        while lower < upper, isBlank(bytes[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    /// Whether `bytes[range]` is `literal` byte for byte.
    @inline(__always)
    private static func equals(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ literal: StaticString
    )
        -> Bool
    {
        let count = literal.utf8CodeUnitCount
        guard range.count == count else { return false }
        let pointer = literal.utf8Start
        for offset in 0..<count where bytes[range.lowerBound + offset] != pointer[offset] { return false }
        return true
    }

    // MARK: - Authorization header

    /// Where the parts of an `Authorization` header are, as byte offsets into its value.
    private struct HeaderLayout {
        var algorithm = SigningAlgorithm.hmacSHA256
        var sigV2AccessKeyID: Range<Int>?
        var credential = CredentialLayout()
        var signedHeaders = 0..<0
        var signature = 0..<0
    }

    private static func parseHeader(
        _ value: String, headers: RelevantHeaders
    ) throws(SigV4Error)
        -> RequestAuthentication
    {
        let text = Substring(value)
        let layout = try withBytes(text) { (bytes) throws(SigV4Error) in try headerLayout(bytes) }
        if let accessKeyID = layout.sigV2AccessKeyID {
            return .sigV2(accessKeyID: slice(text, accessKeyID), location: .header)
        }
        let algorithm = layout.algorithm

        // The request time: X-Amz-Date wins over Date, as in AWS.
        let timestamp: AmzTimestamp
        let source: TimestampSource
        if let text = headers.amzDate {
            guard headers.amzDateCount == 1 else {
                throw SigV4Error(.malformedDate, "the request has more than one X-Amz-Date header")
            }
            guard let parsed = AmzTimestamp(iso8601Basic: Substring(text)) else {
                throw SigV4Error(.malformedDate, "X-Amz-Date is not of the form YYYYMMDDTHHMMSSZ")
            }
            timestamp = parsed
            source = .xAmzDateHeader
        } else if let text = headers.date {
            guard headers.dateCount == 1 else {
                throw SigV4Error(.malformedDate, "the request has more than one Date header")
            }
            guard let parsed = AmzTimestamp(httpDate: ASCII.trimmed(Substring(text))) else {
                throw SigV4Error(.malformedDate, "the Date header is neither RFC 1123 nor YYYYMMDDTHHMMSSZ")
            }
            timestamp = parsed
            source = .dateHeader
        } else {
            throw SigV4Error(.missingDate, "the request has neither an X-Amz-Date nor a Date header")
        }
        let scope = layout.credential.scope(of: text)
        // Both dates are valid calendar dates from 1970 on: the same day is the same YYYYMMDD.
        guard Int64(layout.credential.day) == timestamp.secondsSinceEpoch / 86_400 else {
            try checkScopeDate(scope, timestamp)
            throw SigV4Error(.scopeDateMismatch, "the credential scope's date is not the request date")
        }

        guard headers.regionSetCount <= 1 else {
            throw SigV4Error(.malformedRegionSet, "the request has more than one X-Amz-Region-Set header")
        }
        guard headers.sessionTokens <= 1 else {
            throw SigV4Error(.conflictingAuthentication, "the request has more than one X-Amz-Security-Token header")
        }
        let regionSet = try algorithm == .ecdsaP256SHA256 ? parseRegionSet(headers.regionSet) : []

        return .sigV4(
            SigV4Credential(
                algorithm: algorithm, location: .header, accessKeyID: slice(text, layout.credential.accessKeyID),
                scope: scope, signedHeaders: slice(text, layout.signedHeaders),
                signature: slice(text, layout.signature), timestamp: timestamp, timestampSource: source,
                expires: nil, hasSessionToken: headers.sessionTokens == 1, regionSet: regionSet))
    }

    /// Checks the syntax of an `Authorization` header and finds its parts.
    private static func headerLayout(_ bytes: UnsafeBufferPointer<UInt8>) throws(SigV4Error) -> HeaderLayout {
        guard bytes.count <= maximumAuthorizationLength else {
            throw SigV4Error(
                .malformedAuthorization, "the Authorization header is longer than \(maximumAuthorizationLength) bytes")
        }
        guard ASCII.isPrintableOrTab(bytes) else {
            throw SigV4Error(.malformedAuthorization, "the Authorization header contains a control or non-ASCII byte")
        }
        let header = trimmed(bytes, 0..<bytes.count)
        guard !header.isEmpty else {
            throw SigV4Error(.malformedAuthorization, "the Authorization header is empty")
        }
        var space = header.lowerBound
        while space < header.upperBound, !isBlank(bytes[space]) { space += 1 }
        let algorithmName = header.lowerBound..<space
        let rest = trimmed(bytes, space..<header.upperBound)

        var layout = HeaderLayout()
        if equals(bytes, algorithmName, "AWS4-HMAC-SHA256") {
            layout.algorithm = .hmacSHA256
        } else if equals(bytes, algorithmName, "AWS4-ECDSA-P256-SHA256") {
            layout.algorithm = .ecdsaP256SHA256
        } else if equals(bytes, algorithmName, "AWS") {
            // SigV2: "AWS AKID:signature"
            var colon = rest.lowerBound
            while colon < rest.upperBound, bytes[colon] != UInt8(ascii: ":") { colon += 1 }
            guard colon < rest.upperBound, colon != rest.lowerBound, colon + 1 != rest.upperBound else {
                throw SigV4Error(.malformedAuthorization, "a SigV2 Authorization header must be 'AWS AKID:signature'")
            }
            layout.sigV2AccessKeyID = rest.lowerBound..<colon
            return layout
        } else {
            throw SigV4Error(
                .unsupportedAlgorithm,
                "the Authorization header's scheme is not AWS4-HMAC-SHA256 or AWS4-ECDSA-P256-SHA256")
        }
        guard !rest.isEmpty else {
            throw SigV4Error(.missingField, "the Authorization header has no Credential, SignedHeaders or Signature")
        }

        var credential: Range<Int>?
        var signedHeaders: Range<Int>?
        var signature: Range<Int>?
        var start = rest.lowerBound
        while start <= rest.upperBound {
            let end = ASCII.firstIndex(of: UInt8(ascii: ","), in: bytes, from: start, to: rest.upperBound)
            let part = trimmed(bytes, start..<end)
            start = end + 1
            guard !part.isEmpty else {
                throw SigV4Error(
                    .malformedAuthorization, "the Authorization header has an empty field (an extra comma)")
            }
            let equalsSign = ASCII.firstIndex(
                of: UInt8(ascii: "="), in: bytes, from: part.lowerBound, to: part.upperBound)
            guard equalsSign < part.upperBound else {
                throw SigV4Error(.malformedAuthorization, "an Authorization header field is not name=value")
            }
            let name = part.lowerBound..<equalsSign
            let fieldValue = (equalsSign + 1)..<part.upperBound
            if equals(bytes, name, "Credential") {
                guard credential == nil else { throw SigV4Error(.duplicateField, "Credential appears twice") }
                credential = fieldValue
            } else if equals(bytes, name, "SignedHeaders") {
                guard signedHeaders == nil else { throw SigV4Error(.duplicateField, "SignedHeaders appears twice") }
                signedHeaders = fieldValue
            } else if equals(bytes, name, "Signature") {
                guard signature == nil else { throw SigV4Error(.duplicateField, "Signature appears twice") }
                signature = fieldValue
            } else {
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
        layout.credential = try credentialLayout(bytes, credential, algorithm: layout.algorithm)
        try validateSignedHeaders(bytes, signedHeaders)
        try validateSignature(bytes, signature, algorithm: layout.algorithm)
        layout.signedHeaders = signedHeaders
        layout.signature = signature
        return layout
    }

    // MARK: - Presigned query

    private static func parsePresigned(
        _ query: PresignedParameters, headers: RelevantHeaders
    ) throws(SigV4Error)
        -> RequestAuthentication
    {
        guard let algorithmName = query.algorithm, !algorithmName.isEmpty else {
            throw SigV4Error(.missingField, "the presigned URL has no X-Amz-Algorithm")
        }
        let algorithm: SigningAlgorithm
        switch algorithmName {
        case Bytes("AWS4-HMAC-SHA256"): algorithm = .hmacSHA256
        case Bytes("AWS4-ECDSA-P256-SHA256"): algorithm = .ecdsaP256SHA256
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
        guard let timestamp = AmzTimestamp(iso8601Basic: dateText) else {
            throw SigV4Error(.malformedDate, "X-Amz-Date is not of the form YYYYMMDDTHHMMSSZ")
        }
        try checkScopeDate(scope, timestamp)
        guard let expires = ASCII.parseDecimal(expiresText.utf8, maxDigits: 6), (1...604_800).contains(expires) else {
            throw SigV4Error(.malformedExpires, "X-Amz-Expires must be a whole number of seconds from 1 to 604800")
        }
        let headerTokens = headers.sessionTokens
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

    /// Where the parts of a credential are, as byte offsets.
    struct CredentialLayout {
        var accessKeyID = 0..<0
        var date = 0..<0
        var region = 0..<0
        var service = 0..<0
        /// The scope date as days since 1970-01-01.
        var day = 0

        /// The scope, made of `Substring`s of `text` (whose bytes the offsets index).
        func scope(of text: Substring) -> CredentialScope {
            CredentialScope(
                date: slice(text, date), region: region.isEmpty ? Substring() : slice(text, region),
                service: slice(text, service))
        }
    }

    /// `AKID/date/region/service/aws4_request` (SigV4) or `AKID/date/service/aws4_request` (SigV4a).
    static func parseCredential(
        _ text: Substring, algorithm: SigningAlgorithm
    ) throws(SigV4Error)
        -> (Substring, CredentialScope)
    {
        let layout = try withBytes(text) { (bytes) throws(SigV4Error) in
            try credentialLayout(bytes, 0..<bytes.count, algorithm: algorithm)
        }
        return (slice(text, layout.accessKeyID), layout.scope(of: text))
    }

    /// Checks the credential at `bytes[range]` and finds its parts.
    private static func credentialLayout(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, algorithm: SigningAlgorithm
    ) throws(SigV4Error) -> CredentialLayout {
        // Up to six parts, as offsets (a seventh part is counted, not kept).
        var parts = (0..<0, 0..<0, 0..<0, 0..<0, 0..<0)
        var count = 0
        var start = range.lowerBound
        while true {
            let end = ASCII.firstIndex(of: UInt8(ascii: "/"), in: bytes, from: start, to: range.upperBound)
            switch count {
            case 0: parts.0 = start..<end
            case 1: parts.1 = start..<end
            case 2: parts.2 = start..<end
            case 3: parts.3 = start..<end
            case 4: parts.4 = start..<end
            default: break
            }
            count += 1
            guard end < range.upperBound else { break }
            start = end + 1
        }
        let isV4 = algorithm == .hmacSHA256
        let expected = isV4 ? 5 : 4
        guard count == expected else {
            throw SigV4Error(
                .malformedCredential,
                isV4
                    ? "Credential must be AKID/YYYYMMDD/region/service/aws4_request (5 parts, found \(count))"
                    : "a SigV4a Credential must be AKID/YYYYMMDD/service/aws4_request (4 parts, found \(count))")
        }
        var layout = CredentialLayout()
        layout.accessKeyID = parts.0
        guard (1...128).contains(parts.0.count) else {
            throw SigV4Error(.malformedAccessKeyID, "the access key id must be 1 to 128 upper-case letters and digits")
        }
        for index in parts.0 {
            let byte = bytes[index]
            guard ASCII.isDigit(byte) || (byte >= 0x41 && byte <= 0x5A) else {
                throw SigV4Error(
                    .malformedAccessKeyID, "the access key id must be 1 to 128 upper-case letters and digits")
            }
        }
        layout.date = parts.1
        guard let day = CivilTime.day(yyyymmdd: bytes, parts.1) else {
            throw SigV4Error(.malformedScope, "the credential scope's date is not a YYYYMMDD calendar date")
        }
        layout.day = day
        let terminator: Range<Int>
        if isV4 {
            layout.region = parts.2
            layout.service = parts.3
            terminator = parts.4
            guard isValidName(bytes, parts.2, maxLength: 32) else {
                throw SigV4Error(
                    .malformedScope, "the credential scope's region must be lower-case letters, digits and '-'")
            }
        } else {
            layout.service = parts.2
            terminator = parts.3
        }
        guard isValidName(bytes, layout.service, maxLength: 64) else {
            throw SigV4Error(
                .malformedScope, "the credential scope's service must be lower-case letters, digits and '-'")
        }
        guard equals(bytes, terminator, "aws4_request") else {
            throw SigV4Error(.malformedScope, "the credential scope must end in aws4_request")
        }
        return layout
    }

    private static func isValidName(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, maxLength: Int) -> Bool {
        guard (1...maxLength).contains(range.count), bytes[range.lowerBound] != UInt8(ascii: "-"),
            bytes[range.upperBound - 1] != UInt8(ascii: "-")
        else { return false }
        for index in range {
            let byte = bytes[index]
            guard ASCII.isDigit(byte) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "-") else {
                return false
            }
        }
        return true
    }

    /// Lower-case header names (RFC 9110 token characters), `;`-separated, strictly ascending.
    static func validateSignedHeaders(_ list: Substring) throws(SigV4Error) {
        try withBytes(list) { (bytes) throws(SigV4Error) in try validateSignedHeaders(bytes, 0..<bytes.count) }
    }

    /// Whether `byte` may appear in a `SignedHeaders` name: a lower-case RFC 9110 token character.
    @inline(__always)
    private static func isSignedHeaderNameByte(_ byte: UInt8) -> Bool {
        // Bit b of the mask is byte 64 * word + b: `!#$%&'*+-.` and 0-9 in the first word;
        // `^_`, a-z, `|~` and the back quote in the second.
        let mask: UInt64
        switch byte >> 6 {
        case 0: mask = 0x03FF_6CFA_0000_0000
        case 1: mask = 0x57FF_FFFF_C000_0000
        default: return false
        }
        return mask &>> UInt64(byte & 63) & 1 == 1
    }

    private static func validateSignedHeaders(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>
    )
        throws(SigV4Error)
    {
        // One pass: each byte is a name byte or the `;` that ends a name.
        var previousStart = -1
        var previousEnd = -1
        var start = range.lowerBound
        var index = start
        while true {
            let atEnd = index == range.upperBound
            let byte = atEnd ? UInt8(ascii: ";") : bytes[index]
            if byte != UInt8(ascii: ";") {
                guard isSignedHeaderNameByte(byte) else {
                    throw SigV4Error(.malformedSignedHeaders, "SignedHeaders must hold lower-case header names")
                }
                index += 1
                continue
            }
            guard index > start else {
                throw SigV4Error(.malformedSignedHeaders, "SignedHeaders has an empty name")
            }
            if previousStart >= 0, !precedes(bytes, previousStart..<previousEnd, start..<index) {
                throw SigV4Error(.malformedSignedHeaders, "SignedHeaders must be sorted and must not repeat a name")
            }
            guard !atEnd else { return }
            previousStart = start
            previousEnd = index
            index += 1
            start = index
        }
    }

    /// Whether `bytes[a]` comes strictly before `bytes[b]` in byte order.
    @inline(__always)
    private static func precedes(_ bytes: UnsafeBufferPointer<UInt8>, _ a: Range<Int>, _ b: Range<Int>) -> Bool {
        let common = min(a.count, b.count)
        for offset in 0..<common {
            let left = bytes[a.lowerBound + offset]
            let right = bytes[b.lowerBound + offset]
            if left != right { return left < right }
        }
        return a.count < b.count
    }

    /// SigV4: 64 lower-case hex digits. SigV4a: a hex DER ECDSA signature (8…72 bytes).
    static func validateSignature(_ signature: Substring, algorithm: SigningAlgorithm) throws(SigV4Error) {
        try withBytes(signature) { (bytes) throws(SigV4Error) in
            try validateSignature(bytes, 0..<bytes.count, algorithm: algorithm)
        }
    }

    private static func validateSignature(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, algorithm: SigningAlgorithm
    ) throws(SigV4Error) {
        let count = range.count
        let lengthOK = algorithm == .hmacSHA256 ? count == 64 : (count % 2 == 0 && (16...144).contains(count))
        guard lengthOK, ASCII.isLowerHex(UnsafeBufferPointer(rebasing: bytes[range])) else {
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
            let region = ASCII.trimmed(raw)
            guard (1...64).contains(region.utf8.count),
                region.utf8.allSatisfy({
                    ASCII.isDigit($0) || (0x61...0x7A).contains($0) || $0 == UInt8(ascii: "-")
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
struct PresignedParameters {
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

    /// The parameters' exact spellings; the index is the slot (8 is `AWSAccessKeyId`).
    private static let names: [StaticString] = [
        "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
        "X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Region-Set", "AWSAccessKeyId",
    ]
    /// The longest of ``names``.
    private static let longestName = 20

    /// Where a parameter's value is: its raw bytes, and its decoded text when it has escapes.
    private struct Found {
        var range: Range<Int>
        var decoded: String?
    }

    /// Whether a piece of `rawQuery` starts with a byte that could begin a signing parameter's name
    /// (`X`, `x`, `A`, `a` or an escape); when none does, the query has no signing parameter.
    static func mayHaveParameters(_ rawQuery: String) -> Bool {
        rawQuery.utf8.withContiguousStorageIfAvailable { mayHaveParameters($0) }
            ?? Array(rawQuery.utf8).withUnsafeBufferPointer { mayHaveParameters($0) }
    }

    private static func mayHaveParameters(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var atStart = true
        for byte in bytes {
            if atStart {
                switch byte {
                case UInt8(ascii: "X"), UInt8(ascii: "x"), UInt8(ascii: "%"), UInt8(ascii: "A"), UInt8(ascii: "a"):
                    return true
                default:
                    break
                }
            }
            atStart = byte == UInt8(ascii: "&")
        }
        return false
    }

    private typealias Slots = (Found?, Found?, Found?, Found?, Found?, Found?, Found?, Found?, Found?)

    init(rawQuery: String) throws(SigV4Error) {
        guard !rawQuery.isEmpty else { return }
        let text = Substring(rawQuery)
        let slots = try CredentialParser.withBytes(text) { (bytes) throws(SigV4Error) in try Self.scan(bytes) }
        func value(_ found: Found?) -> Substring? {
            guard let found else { return nil }
            if let decoded = found.decoded { return Substring(decoded) }
            return CredentialParser.slice(text, found.range)
        }
        algorithm = value(slots.0)
        credential = value(slots.1)
        date = value(slots.2)
        expires = value(slots.3)
        signedHeaders = value(slots.4)
        signature = value(slots.5)
        securityToken = value(slots.6)
        regionSet = value(slots.7)
        sigV2AccessKeyID = value(slots.8)
    }

    /// Finds the signing parameters among the `&`-separated pieces of the query.
    private static func scan(_ bytes: UnsafeBufferPointer<UInt8>) throws(SigV4Error) -> Slots {
        var slots: Slots = (nil, nil, nil, nil, nil, nil, nil, nil, nil)
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "&") { end += 1 }
            // Cheap filter: only names that could decode to X-Amz-* or AWSAccessKeyId are looked at.
            if end > start {
                switch bytes[start] {
                case UInt8(ascii: "X"), UInt8(ascii: "x"), UInt8(ascii: "%"), UInt8(ascii: "A"), UInt8(ascii: "a"):
                    try read(bytes, start..<end, into: &slots)
                default:
                    break
                }
            }
            start = end + 1
        }
        return slots
    }

    /// Calls `body` with each byte of `bytes[range]` percent-decoded (a `%` not followed by two hex
    /// digits kept as it is), until `body` returns `false`.
    @inline(__always)
    private static func forEachDecodedByte(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ body: (UInt8) -> Bool
    ) {
        _ = PercentDecoding.forEachDecodedByte(keepingBadEscapes: UnsafeBufferPointer(rebasing: bytes[range]), body)
    }

    private static func read(
        _ bytes: UnsafeBufferPointer<UInt8>, _ piece: Range<Int>, into slots: inout Slots
    ) throws(SigV4Error) {
        var equalsSign = piece.lowerBound
        while equalsSign < piece.upperBound, bytes[equalsSign] != UInt8(ascii: "=") { equalsSign += 1 }
        let rawName = piece.lowerBound..<equalsSign

        // The decoded name, when it is short enough to be one of the names.
        var name: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var nameCount = 0
        withUnsafeMutableBytes(of: &name) { buffer in
            forEachDecodedByte(bytes, rawName) { byte in
                guard nameCount < longestName else {
                    nameCount += 1
                    return false
                }
                buffer[nameCount] = byte
                nameCount += 1
                return true
            }
        }
        guard nameCount <= longestName else { return }
        let match: (index: Int, exact: Bool)? = withUnsafeBytes(of: &name) { buffer in
            let decoded = UnsafeRawBufferPointer(rebasing: buffer[0..<nameCount])
            for index in names.indices where names[index].utf8CodeUnitCount == nameCount {
                let literal = UnsafeBufferPointer(start: names[index].utf8Start, count: nameCount)
                if ASCII.equalsIgnoringCase(decoded, literal) {
                    return (index, decoded.elementsEqual(literal))
                }
            }
            return nil
        }
        guard let match else { return }
        let canonicalName = names[match.index]
        guard match.exact else {
            throw SigV4Error(
                .duplicateQueryParameter,
                "the query spells \(canonicalName) in another letter case; only the exact spelling is accepted")
        }
        let rawValue =
            equalsSign < piece.upperBound ? (equalsSign + 1)..<piece.upperBound : piece.upperBound..<piece.upperBound
        guard rawValue.count <= CredentialParser.maximumParameterLength else {
            throw SigV4Error(.malformedAuthorization, "the query parameter \(canonicalName) is too long")
        }
        var printable = true
        var escaped = false
        forEachDecodedByte(bytes, rawValue) { byte in
            guard byte >= 0x20 && byte < 0x7F else {
                printable = false
                return false
            }
            return true
        }
        guard printable else {
            throw SigV4Error(
                .malformedAuthorization, "the query parameter \(canonicalName) contains a control or non-ASCII byte")
        }
        for index in rawValue where bytes[index] == UInt8(ascii: "%") {
            escaped = true
            break
        }
        var found = Found(range: rawValue, decoded: nil)
        if escaped {
            found.decoded = String(unsafeUninitializedCapacity: rawValue.count) { buffer in
                var count = 0
                forEachDecodedByte(bytes, rawValue) { byte in
                    buffer[count] = byte
                    count += 1
                    return true
                }
                return count
            }
        }
        func set(_ slot: inout Found?) throws(SigV4Error) {
            guard slot == nil else {
                throw SigV4Error(.duplicateQueryParameter, "the query repeats \(canonicalName)")
            }
            slot = found
        }
        switch match.index {
        case 0: try set(&slots.0)
        case 1: try set(&slots.1)
        case 2: try set(&slots.2)
        case 3: try set(&slots.3)
        case 4: try set(&slots.4)
        case 5: try set(&slots.5)
        case 6: try set(&slots.6)
        case 7: try set(&slots.7)
        default: try set(&slots.8)
        }
    }
}

/// A pattern that matches a `Substring` byte for byte (no Unicode normalization: these are ASCII
/// protocol tokens, and byte comparison is both exact and fast).
struct Bytes {
    let literal: StaticString
    init(_ literal: StaticString) { self.literal = literal }

    static func ~= (pattern: Bytes, value: Substring) -> Bool {
        let utf8 = value.utf8
        guard utf8.count == pattern.literal.utf8CodeUnitCount else { return false }
        return pattern.literal.withUTF8Buffer { utf8.elementsEqual($0) }
    }
}
