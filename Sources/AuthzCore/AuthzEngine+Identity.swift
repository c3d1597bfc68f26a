public import IAMIdentity
internal import Policy
internal import SigV4

/// Requests to the `identity:` section's hosts: authenticated by an identity token (IAM as the identity
/// provider), never read as SigV4.
///
/// Order: the token is read from its one place (a second copy, or none, denies); every offline rule
/// (``IdentityToken/parse(_:rules:now:)``); then the caller's verification — the cache, or, on a miss,
/// the offline gate (could any statement allow a caller of the key's account?) before the check waits
/// on STS (``CheckResult/pendingIdentity``); STS's account must be the key's; then the statements with
/// `principals_arn`. On allow the caller's identity goes upstream in `x-sigv4-authz-principal-*`
/// (the client's copies replaced) and the token is removed unless `identity.forward_token`.
extension AuthzEngine {
    /// The upstream headers naming the verified caller.
    public static let principalHeaders = (
        arn: "x-sigv4-authz-principal-arn", account: "x-sigv4-authz-principal-account",
        userID: "x-sigv4-authz-principal-user-id"
    )

    /// Whether `host` (its port dropped) is one of `identity.hosts`.
    func isIdentityHost(_ host: String) -> Bool {
        guard let identity = identitySettings else { return false }
        return identity.hosts.contains { $0.matches(Self.hostWithoutPort(host)) }
    }

    /// `host` lower-cased, without a port.
    static func hostWithoutPort(_ host: String) -> String {
        var name = Substring(host)
        if let colon = name.lastIndex(of: ":"), !name.hasSuffix("]"),
            name[name.index(after: colon)...].allSatisfy(\.isNumber)
        {
            name = name[..<colon]
        }
        return name.lowercased()
    }

    /// Decides an identity-authenticated request.
    func evaluateIdentity(
        _ request: AuthzRequest, settings: IdentitySettings, path: String, nowSeconds: Int64,
        verified: IdentityOutcome?, result state: inout CheckResult
    ) -> Decision {
        let identity = settings.section
        let tokenText: Substring
        switch Self.token(in: request.headers, location: identity.token) {
        case .missing(let what):
            return .deny(
                .noCredentials,
                "requests to \(Self.hostWithoutPort(request.host)) need an IAM identity token in \(what) (k8s-aws-v1., as aws eks get-token or sigv4-authz token make)"
            )
        case .ambiguous(let what):
            return .deny(.ambiguousRequest, "the request carries more than one \(what); send the token once")
        case .notBearer(let scheme):
            return .deny(
                .invalidToken,
                "requests to \(Self.hostWithoutPort(request.host)) authenticate with an IAM identity token (Authorization: Bearer k8s-aws-v1.…), not with \(scheme)"
            )
        case .found(let text):
            tokenText = text
        }
        state.authentication = .identityToken
        // Parsed once per token and configuration (size first: the digest of an oversized token is not
        // worth computing; the parse refuses it).
        let token: IdentityToken
        let digest = tokenText.utf8.count <= settings.rules.maxTokenBytes ? TokenDigest(of: tokenText) : nil
        if let digest, let kept = settings.parsed.token(digest, now: nowSeconds) {
            token = kept
        } else {
            do {
                token = try IdentityToken.parse(tokenText, rules: settings.rules, now: nowSeconds)
            } catch {
                return .deny(.invalidToken, error.message)
            }
            settings.parsed.keep(token, now: nowSeconds)
        }
        state.accessKeyIDText = Substring(token.accessKeyID)
        state.account = token.account
        let accountDigits = DecisionHeaders.accountDigits(token.account.value)

        var facts = RequestFacts(
            accountID: accountDigits, host: Self.hostWithoutPort(request.host), method: request.method,
            sourceAddress: request.sourceAddress.flatMap(Self.address), principal: request.principal)
        facts.identityRequest = true
        facts.path = Self.decodedPath(path)

        guard let outcome = verified ?? identities?.cached(token) else {
            // Not verified yet: no STS call for a caller no statement could allow.
            guard policy.mayAllowIdentity(facts) else {
                return .deny(
                    .accountNotAllowed,
                    "no rule could allow a caller of account \(accountDigits) to \(request.method) \(facts.path ?? "this path") on \(facts.host ?? request.host); the token was not sent to STS"
                )
            }
            guard identities != nil else {
                return .deny(
                    .identityUnavailable, "identity tokens are verified with STS only by sigv4-authz serve",
                    missing: .caller)
            }
            state.pendingIdentity = token
            return .deny(.identityUnavailable, "the token has not been verified with STS yet", missing: .caller)
        }
        let caller: CallerIdentity
        switch outcome {
        case .refused(let message):
            // The sentence names STS's refusal ("STS refused the token (SignatureDoesNotMatch, HTTP 403)").
            return .deny(.invalidToken, message)
        case .unavailable(let message):
            return .deny(.identityUnavailable, "the token cannot be verified now: \(message)", missing: .caller)
        case .verified(let identity):
            caller = identity
        }
        guard caller.account == accountDigits else {
            return .deny(
                .invalidToken,
                "STS answered for account \(caller.account), but the token's key \(token.accessKeyID) belongs to account \(accountDigits)"
            )
        }
        state.caller = caller
        state.signature = .verified
        facts.principalARNs = caller.matchableARNs
        let decision = policy.evaluate(facts)
        guard decision.effect == .allow else { return decision }
        state.upstream = Self.identityRewrite(caller: caller, identity: identity)
        return decision
    }

    /// The upstream changes of an identity host's request answered allow: the verified caller's
    /// principal headers (replacing the client's; none without a verified caller) and the token removed
    /// unless `identity.forward_token` (or it is a cookie, which the proxy cannot remove alone).
    static func identityRewrite(caller: CallerIdentity?, identity: Identity) -> UpstreamRewrite {
        UpstreamRewrite(
            setHeaders: caller.map { caller in
                [
                    HeaderField(principalHeaders.arn, caller.arn),
                    HeaderField(principalHeaders.account, caller.account),
                    HeaderField(principalHeaders.userID, caller.userID),
                ]
            } ?? [],
            removeHeaders: identity.forwardToken || identity.token.isCookie ? [] : [identity.tokenHeaderName])
    }

    /// Where the token was found.
    enum TokenSearch: Equatable {
        case found(Substring)
        case missing(String)
        case ambiguous(String)
        case notBearer(String)
    }

    /// The token at `location`: one `Authorization: Bearer …`, one header, or one cookie of the name.
    static func token(in headers: [HeaderField], location: Identity.TokenLocation) -> TokenSearch {
        switch location {
        case .authorization:
            var found: Substring?
            for field in headers where field.hasName("authorization") {
                guard found == nil else { return .ambiguous("Authorization header") }
                found = Substring(field.value)
            }
            guard let value = found else { return .missing("Authorization: Bearer …") }
            let trimmed = value.drop { $0 == " " || $0 == "\t" }
            let scheme = trimmed.prefix { $0 != " " && $0 != "\t" }
            guard scheme.lowercased() == "bearer" else {
                return .notBearer(scheme.isEmpty ? "an empty Authorization header" : "the \(scheme.prefix(32)) scheme")
            }
            let token = trimmed.dropFirst(scheme.count).drop { $0 == " " || $0 == "\t" }
            let end = token.lastIndex { $0 != " " && $0 != "\t" }
            guard let end else { return .missing("Authorization: Bearer … (the token is empty)") }
            return .found(token[...end])
        case .header(let name):
            var found: Substring?
            for field in headers where field.hasName(name) {
                guard found == nil else { return .ambiguous("\(name) header") }
                found = Substring(field.value)
            }
            let trimmed = found.map { $0.drop { $0 == " " || $0 == "\t" } }
            guard let trimmed, let end = trimmed.lastIndex(where: { $0 != " " && $0 != "\t" }) else {
                return .missing("the \(name) header")
            }
            return .found(trimmed[...end])
        case .cookie(let name):
            var found: Substring?
            for field in headers where field.hasName("cookie") {
                for pair in field.value.split(separator: ";", omittingEmptySubsequences: true) {
                    let pair = pair.drop { $0 == " " || $0 == "\t" }
                    guard let equals = pair.firstIndex(of: "="), pair[..<equals] == name else { continue }
                    guard found == nil else { return .ambiguous("\(name) cookie") }
                    var value = pair[pair.index(after: equals)...]
                    while let last = value.last, last == " " || last == "\t" { value = value.dropLast() }
                    if value.count >= 2, value.first == "\"", value.last == "\"" {
                        value = value.dropFirst().dropLast()
                    }
                    found = value
                }
            }
            guard let found, !found.isEmpty else { return .missing("the \(name) cookie") }
            return .found(found)
        }
    }

    /// The path percent-decoded, or `nil` when it cannot be read one way only: bad escapes, an encoded
    /// `/`, `\` or control character, a `\`, an empty, `.` or `..` segment, non-UTF-8 bytes.
    static func decodedPath(_ path: String) -> String? {
        guard path.hasPrefix("/"), path.utf8.count <= 8192 else { return nil }
        let raw = path.utf8
        var index = raw.startIndex
        while index != raw.endIndex {
            // An escaped separator reads differently to a proxy that decodes it and one that does not.
            if raw[index] == UInt8(ascii: "%") {
                let next = raw.index(after: index)
                if next != raw.endIndex, raw.index(after: next) != raw.endIndex {
                    let pair = path[next..<raw.index(after: raw.index(after: next))].uppercased()
                    if pair == "2F" || pair == "5C" || pair.first == "0" || pair.first == "1"
                        || pair == "7F" || pair == "25"
                    {
                        return nil
                    }
                }
            }
            index = raw.index(after: index)
        }
        guard let bytes = PercentEncoding.decodeStrictly(path),
            let decoded = String(validating: bytes, as: UTF8.self)
        else { return nil }
        for byte in decoded.utf8 where byte < 0x20 || byte == 0x7F || byte == UInt8(ascii: "\\") { return nil }
        let segments = decoded.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for (offset, segment) in segments.enumerated() {
            if segment == "." || segment == ".." { return nil }
            // An empty segment: `//` (an empty last segment, the trailing `/`, is kept).
            if segment.isEmpty, offset != segments.count - 1 { return nil }
        }
        return decoded
    }
}

/// The `identity:` section compiled once: its host patterns and the rules tokens are held to.
struct IdentitySettings: Sendable {
    let section: Identity
    let hosts: [Glob]
    let rules: IdentityTokenRules
    /// The tokens that passed the rules under this configuration.
    let parsed = ParsedIdentityTokens()
}

extension Identity.TokenLocation {
    /// Whether the token is a cookie (which the proxy cannot remove alone).
    var isCookie: Bool {
        if case .cookie = self { true } else { false }
    }
}
