internal import SigV4

/// The query of a presigned `GetCallerIdentity` URL, read parameter by parameter: only the names a
/// SigV4-presigned `GetCallerIdentity` has, each exactly once and spelled exactly.
struct QueryParameters {
    /// The parameters a token's URL may carry, as spelled in the URL.
    static let names = [
        "Action", "Version", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
        "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token",
    ]
    /// ``names`` by their lower-case spelling.
    static let namesByLowercase = Dictionary(uniqueKeysWithValues: names.map { ($0.lowercased(), $0) })
    /// The SigV2 parameters (lower case).
    static let signatureVersion2: Set<String> = ["signature", "awsaccesskeyid", "signatureversion"]

    /// The decoded value of each parameter, by its name as in ``names``.
    private(set) var values: [String: String] = [:]

    /// The value of `name`.
    subscript(_ name: String) -> String? { values[name] }

    /// Reads `query` (the raw bytes after `?`).
    init(_ query: Substring) throws(IdentityTokenError) {
        let pieces = query.split(separator: "&", omittingEmptySubsequences: false)
        var decoded: [(name: String, rawName: Substring, value: Substring)] = []
        for piece in pieces {
            guard !piece.isEmpty else {
                throw IdentityTokenError(
                    .parameters, "the URL's query has an empty parameter (`&&` or a trailing `&`): remove it")
            }
            let parts = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw IdentityTokenError(
                    .parameters, "a query parameter of the URL has no `=`: every one must be NAME=VALUE")
            }
            guard let nameBytes = PercentEncoding.decodeStrictly(parts[0]) else {
                throw IdentityTokenError(
                    .parameters, "a query parameter's name has a `%` not followed by two hex digits")
            }
            decoded.append((String(decoding: nameBytes, as: UTF8.self), parts[0], parts[1]))
        }
        // SigV2 first: its sentence says what the token is, not only that a name is unknown.
        if decoded.contains(where: { Self.signatureVersion2.contains($0.name.lowercased()) }) {
            throw IdentityTokenError(
                .signatureVersion,
                "the URL is presigned with SigV2 (Signature, AWSAccessKeyId, SignatureVersion): mint the token with "
                    + "SigV4 (X-Amz-Algorithm=AWS4-HMAC-SHA256), as `aws eks get-token` does")
        }
        for parameter in decoded {
            guard let name = Self.namesByLowercase[parameter.name.lowercased()] else {
                throw IdentityTokenError(
                    .parameters,
                    "the URL has a query parameter a presigned GetCallerIdentity does not have: only "
                        + Self.names.joined(separator: ", ") + " are accepted")
            }
            guard values[name] == nil else {
                throw IdentityTokenError(
                    .parameters, "the URL has \(name) more than once (names compared ignoring case): keep one")
            }
            guard parameter.rawName == name else {
                throw IdentityTokenError(.parameters, "the URL's \(name) parameter is not spelled \(name) exactly")
            }
            guard let valueBytes = PercentEncoding.decodeStrictly(parameter.value) else {
                throw IdentityTokenError(.parameters, "the value of \(name) has a `%` not followed by two hex digits")
            }
            guard valueBytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
                throw IdentityTokenError(
                    .parameters, "the value of \(name) decodes to bytes other than printable ASCII")
            }
            values[name] = String(decoding: valueBytes, as: UTF8.self)
        }
        for name in Self.names where name != "X-Amz-Security-Token" && values[name] == nil {
            throw IdentityTokenError(
                .parameters, "the URL has no \(name) parameter: a presigned GetCallerIdentity has one")
        }
    }
}
