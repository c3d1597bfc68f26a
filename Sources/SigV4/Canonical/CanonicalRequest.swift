/// The SigV4 canonical request and string to sign, built from the raw wire form of a request.
///
/// ```swift
/// let canonical = try CanonicalRequest(
///     request: request, signedHeaders: credential.signedHeaders,
///     rules: .s3, payloadHash: hash, location: .header)
/// print(canonical.string)
/// ```
public struct CanonicalRequest: Sendable {
    /// The canonical request's bytes (UTF-8).
    public let bytes: [UInt8]

    /// The canonical request as text.
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Hex SHA-256 of the canonical request, as it goes into the string to sign.
    public var hashHex: String { Hex.encode(SHA256Hasher.hash(bytes)) }

    /// Builds the canonical request.
    ///
    /// - Parameters:
    ///   - request: The request as on the wire.
    ///   - signedHeaders: The `SignedHeaders` list: lower-case names, `;`-separated, ascending.
    ///   - rules: S3-family or standard rules.
    ///   - payloadHash: The last line: a hex SHA-256 or a payload marker such as `UNSIGNED-PAYLOAD`.
    ///   - location: For presigned requests, `X-Amz-Signature` is left out of the canonical query.
    /// - Throws: ``SigV4Error/Code/signedHeaderMissing`` when a signed header is not in the request.
    public init(
        request: SigV4Request, signedHeaders: Substring, rules: CanonicalizationRules, payloadHash: String,
        location: CredentialLocation
    ) throws(SigV4Error) {
        var out: [UInt8] = []
        out.reserveCapacity(256 + request.rawPath.utf8.count + request.rawQuery.utf8.count)
        out.append(contentsOf: request.method.utf8)
        out.append(0x0A)
        Self.appendCanonicalURI(request.rawPath, rules: rules, to: &out)
        out.append(0x0A)
        Self.appendCanonicalQuery(request.rawQuery, excludeSignature: location == .presigned, to: &out)
        out.append(0x0A)
        try Self.appendCanonicalHeaders(request.headers, signedHeaders: signedHeaders, to: &out)
        out.append(0x0A)
        out.append(contentsOf: signedHeaders.utf8)
        out.append(0x0A)
        out.append(contentsOf: payloadHash.utf8)
        self.bytes = out
    }

    /// The canonical URI of a wire path under `rules`.
    public static func canonicalURI(_ rawPath: String, rules: CanonicalizationRules) -> String {
        var out: [UInt8] = []
        appendCanonicalURI(rawPath, rules: rules, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The canonical query string of a wire query (without `?`).
    public static func canonicalQuery(_ rawQuery: String, location: CredentialLocation = .header) -> String {
        var out: [UInt8] = []
        appendCanonicalQuery(rawQuery, excludeSignature: location == .presigned, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - URI

    static func appendCanonicalURI(_ rawPath: String, rules: CanonicalizationRules, to out: inout [UInt8]) {
        let path = Array(rawPath.utf8)
        if path.isEmpty {
            out.append(UInt8(ascii: "/"))
            return
        }
        switch rules {
        case .s3:
            URIEncoding.appendReencoded(path, keepSlash: true, to: &out)
        case .standard:
            // RFC 3986 remove_dot_segments as botocore applies it: empty and "." segments go,
            // ".." removes the previous segment; a leading and (if anything is left) a trailing
            // slash are kept. Then every byte but unreserved ones and "/" is encoded.
            var segments: [ArraySlice<UInt8>] = []
            for segment in path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
                if segment.count == 1, segment.first == UInt8(ascii: ".") { continue }
                if segment.count == 2, segment.first == UInt8(ascii: "."), segment.last == UInt8(ascii: ".") {
                    if !segments.isEmpty { segments.removeLast() }
                    continue
                }
                segments.append(segment)
            }
            if path.first == UInt8(ascii: "/") { out.append(UInt8(ascii: "/")) }
            for (index, segment) in segments.enumerated() {
                if index > 0 { out.append(UInt8(ascii: "/")) }
                for byte in segment { URIEncoding.appendEncoded(byte, to: &out) }
            }
            if path.last == UInt8(ascii: "/"), !segments.isEmpty { out.append(UInt8(ascii: "/")) }
        }
    }

    // MARK: - Query

    static func appendCanonicalQuery(_ rawQuery: String, excludeSignature: Bool, to out: inout [UInt8]) {
        guard !rawQuery.isEmpty else { return }
        var pairs: [(name: [UInt8], value: [UInt8])] = []
        for piece in rawQuery.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let bytes = Array(piece)
            let equals = bytes.firstIndex(of: UInt8(ascii: "="))
            let rawName = equals.map { bytes[..<$0] } ?? bytes[...]
            let rawValue = equals.map { bytes[($0 + 1)...] } ?? []
            var name: [UInt8] = []
            URIEncoding.appendReencoded(rawName, keepSlash: false, to: &name)
            if excludeSignature, name.elementsEqual("X-Amz-Signature".utf8) { continue }
            var value: [UInt8] = []
            URIEncoding.appendReencoded(rawValue, keepSlash: false, to: &value)
            pairs.append((name, value))
        }
        pairs.sort { lhs, rhs in
            if lhs.name != rhs.name { return lhs.name.lexicographicallyPrecedes(rhs.name) }
            return lhs.value.lexicographicallyPrecedes(rhs.value)
        }
        for (index, pair) in pairs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            out.append(contentsOf: pair.name)
            out.append(UInt8(ascii: "="))
            out.append(contentsOf: pair.value)
        }
    }

    // MARK: - Headers

    static func appendCanonicalHeaders(
        _ headers: [HeaderField], signedHeaders: Substring, to out: inout [UInt8]
    )
        throws(SigV4Error)
    {
        for name in signedHeaders.utf8.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false) {
            out.append(contentsOf: name)
            out.append(UInt8(ascii: ":"))
            var found = false
            for field in headers where ASCII.equalsIgnoringCase(field.name.utf8, name) {
                if found { out.append(UInt8(ascii: ",")) }
                found = true
                appendTrimmedValue(field.value, to: &out)
            }
            guard found else {
                throw SigV4Error(
                    .signedHeaderMissing,
                    "the header \(String(decoding: name, as: UTF8.self)) is listed in SignedHeaders but not sent")
            }
            out.append(0x0A)
        }
    }

    /// Trims a header value and collapses each inner run of whitespace to one space (also inside quotes).
    static func appendTrimmedValue(_ value: String, to out: inout [UInt8]) {
        var pendingSpace = false
        var started = false
        for byte in value.utf8 {
            if ASCII.isWhitespace(byte) || byte == 0x0B || byte == 0x0C {
                pendingSpace = started
                continue
            }
            if pendingSpace { out.append(0x20) }
            pendingSpace = false
            started = true
            out.append(byte)
        }
    }
}

/// The SigV4 string to sign.
public enum StringToSign {
    /// `ALGORITHM \n TIMESTAMP \n SCOPE \n hex(sha256(canonical request))`.
    public static func make(
        algorithm: SigningAlgorithm, timestamp: Substring, scope: String, canonicalRequest: CanonicalRequest
    ) -> String {
        "\(algorithm.rawValue)\n\(timestamp)\n\(scope)\n\(canonicalRequest.hashHex)"
    }
}
