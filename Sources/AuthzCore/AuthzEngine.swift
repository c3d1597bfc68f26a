public import AWSClassifier
internal import Foundation
public import Policy
internal import SigV4

/// What a transport sends back: the decision, the headers to set, the deny body, the audit record.
public struct AuthzResponse: Sendable {
    /// The decision.
    public var decision: Decision
    /// The `x-sigv4-authz-*` decision headers, in a fixed order (on allow and on deny).
    public var headers: [(name: String, value: String)]
    /// The deny body in the caller's AWS error format; `nil` on allow.
    public var denyBody: DenyBody?
    /// The audit record of this check.
    public var audit: AuditRecord
    /// The classification, for callers that report more (the `check` command).
    public var classification: Classification?
    /// The signature check result: `verified`, `not_checked` or `mismatch`.
    public var signature: String

    /// The message with the contract's prefix, as sent in `x-sigv4-authz-message` and deny bodies.
    public var message: String { "sigv4-authz: \(decision.message)" }
}

/// The decision core: the one function every transport calls.
///
/// Order (the contract's "Decision"): credential checks — missing, malformed, unsupported, legacy key,
/// time, scope/host mismatch, signature mismatch where the secret is known — then the policy: deny
/// statements, allow statements and the `accounts:` allowlist, the default. It never throws and
/// never traps on input: every failure is a deny with a reason.
///
/// ```swift
/// let engine = AuthzEngine(policy: policy, classifier: classifier, keys: keys)
/// let response = engine.decide(AuthzRequest(method: "GET", host: host, target: path, headers: headers, mode: .nginx))
/// ```
public struct AuthzEngine: Sendable {
    /// The compiled policy.
    public let policy: CompiledPolicy
    /// The request classifier.
    public let classifier: RequestClassifier
    /// Known secrets.
    public let keys: KeyStore
    /// The clock, in milliseconds since the epoch (injectable for tests).
    public let now: @Sendable () -> Int64

    /// The header prefix of decision headers; client-sent headers with it must be removed upstream.
    public static let headerPrefix = "x-sigv4-authz-"

    /// Creates an engine.
    public init(
        policy: CompiledPolicy, classifier: RequestClassifier, keys: KeyStore = KeyStore(),
        now: @escaping @Sendable () -> Int64 = AuthzEngine.systemClock
    ) {
        self.policy = policy
        self.classifier = classifier
        self.keys = keys
        self.now = now
    }

    /// The system clock in milliseconds since the epoch.
    public static let systemClock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Decides about one request.
    public func decide(_ request: AuthzRequest) -> AuthzResponse {
        let started = ContinuousClock.now
        let nowMilliseconds = now()
        var state = State(request: request)
        let decision = evaluate(request, nowSeconds: nowMilliseconds / 1000, state: &state)
        let elapsed = ContinuousClock.now - started
        let micros = Int(elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000)
        return respond(decision, request: request, state: state, time: nowMilliseconds, latency: micros)
    }

    /// A deny for a check that never reached the decision core: the proxy's request could not be read
    /// (nginx without `X-Original-*`), the body was too large. Same headers and audit record as a decision.
    public func refuse(reason: ReasonCode, message: String, mode: AuthzMode) -> AuthzResponse {
        let request = AuthzRequest(method: "-", host: "-", target: "-", headers: [], mode: mode)
        return respond(
            .deny(reason, message), request: request, state: State(request: request), time: now(), latency: 0)
    }

    /// What the checks learnt, for headers and the audit record.
    struct State {
        var requestID: String
        var auth = "none"
        var accessKeyID: String?
        var account: String?
        var classification: Classification?
        var signature = "not_checked"
        var sigV4Request: SigV4Request?

        init(request: AuthzRequest) {
            if let id = request.requestID, !id.isEmpty, id.utf8.count <= 128,
                id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
            {
                requestID = id
            } else {
                requestID = String(UInt64.random(in: .min ... .max), radix: 16)
            }
        }
    }

    func evaluate(_ request: AuthzRequest, nowSeconds: Int64, state: inout State) -> Decision {
        let credentials = policy.config.credentials

        // The body limit holds for every front end (the HTTP listener refuses a larger body before
        // reading it; a gRPC CheckRequest carries it whole).
        if let body = request.body, body.count > policy.config.server.maxBodyBytes {
            return .deny(
                .bodyTooLarge,
                "the request body (\(body.count) bytes) is larger than server.max_body_bytes (\(policy.config.server.maxBodyBytes))"
            )
        }

        // A raw '#' ends the URL for some readers and not for others (Envoy and nginx pass it on).
        if request.target.utf8.contains(UInt8(ascii: "#")) {
            return .deny(
                .ambiguousRequest, "the request target holds a raw '#', which AWS and proxies may read differently")
        }

        // The Host header the classifier reads is the authority the proxy reports; a different Host
        // header among the headers is a conflict.
        var headers = request.headers
        var hasHost = false
        var hasAuthority = false
        for field in headers {
            let isHost = field.hasName("host")
            guard isHost || field.name == ":authority" else { continue }
            guard field.valueEqualsIgnoringCase(request.host) else {
                return .deny(.ambiguousRequest, "the request's Host header and authority disagree")
            }
            if isHost { hasHost = true } else { hasAuthority = true }
        }
        if hasAuthority { headers.removeAll { $0.name == ":authority" } }
        if !hasHost { headers.append(HeaderField("host", request.host)) }
        let sigV4Request = SigV4Request(method: request.method, requestTarget: request.target, headers: headers)
        state.sigV4Request = sigV4Request

        // 1. Credentials.
        var credential: SigV4Credential?
        let authentication: RequestAuthentication
        do {
            authentication = try RequestAuthentication(parsing: sigV4Request)
        } catch {
            return .deny(ReasonCode(error), error.message)
        }
        state.auth = authentication.auditName
        switch authentication {
        case .anonymous:
            if credentials.requireSignature {
                return .deny(.noCredentials, "the request is not signed; sign it with AWS credentials (SigV4)")
            }
        case .sigV2(let accessKeyID, _):
            state.accessKeyID = String(accessKeyID)
            return .deny(.unsupportedSignature, "Signature Version 2 is not supported; use a current AWS SDK (SigV4)")
        case .sigV4(let parsed):
            credential = parsed
            state.accessKeyID = String(parsed.accessKeyID)
            do {
                state.account = try AWSAccountID(accessKeyID: parsed.accessKeyID).description
            } catch  where error.code == .legacyAccessKeyID {
                if credentials.legacyAccessKeys == .deny {
                    return .deny(
                        .legacyAccessKey,
                        "the access key \(parsed.accessKeyID) is of the old generation, whose account cannot be determined; use a newer key"
                    )
                }
            } catch {
                return .deny(.malformedCredentials, error.message)
            }
            do {
                try parsed.checkTime(now: nowSeconds, maxClockSkew: credentials.maxClockSkewSeconds)
                try SignedHeaderPolicy.check(
                    parsed, request: sigV4Request, rules: CanonicalizationRules(signingName: parsed.scope.service),
                    headersArePartial: request.headersArePartial)
            } catch {
                return .deny(ReasonCode(error), error.message)
            }
        }

        // Classification: scope/host cross-check, endpoint, operation.
        let classification = classifier.classify(
            sigV4Request, body: request.body, credential: credential,
            accountID: state.account.flatMap { AWSAccountID($0) },
            knownHeaderNames: request.headersArePartial ? (request.passedHeaderNames ?? []) : nil)
        state.classification = classification
        if let problem = classification.problem {
            let reason = ReasonCode(rawValue: problem.reasonCode) ?? .internalError
            return .deny(reason, problem.message)
        }

        // Signature, where the secret is known.
        if let credential, let key = keys.entry(for: credential.accessKeyID) {
            do {
                // Without every signed header (Squid) the canonical request cannot be rebuilt.
                let result: SignatureVerification =
                    request.headersArePartial
                    ? .notChecked(reason: "the proxy passes only some of the request's headers")
                    : try SigV4Verifier.verify(
                        sigV4Request, credential: credential, secretAccessKey: key.secret, body: request.body)
                switch result {
                case .verified:
                    state.signature = "verified"
                case .notChecked(let reason):
                    state.signature = "not_checked"
                    if key.requireVerification {
                        return .deny(
                            .signatureMismatch,
                            "the signature of \(credential.accessKeyID) must be verified but cannot be: \(reason)")
                    }
                }
            } catch {
                state.signature = "mismatch"
                return .deny(ReasonCode(error), error.message)
            }
        }

        // 2–4. Policy.
        var facts = RequestFacts(
            accountID: state.account, region: classification.region, signingName: classification.signingName,
            iamPrefix: classification.iamPrefix, action: classification.action.name, resource: classification.resource,
            host: classification.endpoint?.host, method: request.method,
            sourceAddress: request.sourceAddress.flatMap(Self.address), principal: request.principal,
            accessKeyID: state.accessKeyID)
        if classification.authorizations.count > 1 {
            facts.additionalAuthorizations = classification.authorizations.dropFirst().map {
                ActionResource(action: $0.action.name, resource: $0.resource)
            }
        }
        facts.resourceAccount = classification.resourceAccount
        facts.addressesS3Bucket = classification.addressesS3Bucket
        facts.ownerUnverifiable = classification.ownerUnverifiable
        return policy.evaluate(facts)
    }

    /// `10.0.0.1`, `10.0.0.1:5555`, `[::1]:5555` → the address.
    static func address(_ text: String) -> IPAddress? {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            // `[v6]` or `[v6]:port`.
            let rest = text[text.index(after: close)...]
            guard rest.isEmpty || rest.hasPrefix(":") else { return nil }
            return IPAddress(text[text.index(after: text.startIndex)..<close])
        }
        var colons = 0
        var lastColon = text.utf8.startIndex
        for index in text.utf8.indices where text.utf8[index] == UInt8(ascii: ":") {
            colons += 1
            lastColon = index
        }
        // One colon: `v4:port` (an IPv6 address has at least two).
        if colons == 1 { return IPAddress(text[..<lastColon]) }
        return IPAddress(text)
    }

    func respond(_ decision: Decision, request: AuthzRequest, state: State, time: Int64, latency: Int) -> AuthzResponse
    {
        let classification = state.classification
        let accountName = state.account.flatMap { policy.accountNames[$0] }
        var headers: [(String, String)] = [
            ("x-sigv4-authz-decision", decision.effect.rawValue),
            ("x-sigv4-authz-reason", decision.reason.rawValue),
            ("x-sigv4-authz-rule", decision.rule ?? ""),
            ("x-sigv4-authz-account", state.account ?? ""),
            ("x-sigv4-authz-account-name", accountName ?? ""),
            ("x-sigv4-authz-region", classification?.region ?? ""),
            ("x-sigv4-authz-service", classification?.signingName ?? ""),
            ("x-sigv4-authz-action", classification?.action.name ?? ""),
            ("x-sigv4-authz-request-id", state.requestID),
        ]
        var denyBody: DenyBody?
        if decision.effect == .deny {
            let message = "sigv4-authz: \(decision.message)"
            headers.append(("x-sigv4-authz-message", message))
            let request = state.sigV4Request
            denyBody = DenyBody.make(
                message: message, wireProtocol: classification?.wireProtocol ?? Self.guessProtocol(classification),
                requestID: state.requestID, hasTarget: !(request?.headerValues("x-amz-target").isEmpty ?? true),
                isForm: request?.headerValues("content-type").first?.lowercased().hasPrefix(
                    "application/x-www-form-urlencoded") ?? false)
        }
        for index in headers.indices { headers[index].1 = Self.headerSafe(headers[index].1) }
        let path =
            request.target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)
            ?? "/"
        var audit = AuditRecord(
            time: UTCTime.rfc3339(millisecondsSinceEpoch: time), decision: decision.effect, reason: decision.reason,
            rule: decision.rule, requestID: state.requestID, mode: request.mode, sourceAddress: request.sourceAddress,
            principal: request.principal, method: request.method, host: request.host, path: path,
            accessKeyID: state.accessKeyID, account: state.account, accountName: accountName,
            region: classification?.region,
            service: classification?.signingName, action: classification?.action.name,
            resource: classification?.resource,
            auth: state.auth, signature: state.signature, latencyMicroseconds: latency)
        // The first pair is always the record's action and resource (unknown when unclassified).
        audit.authorizations =
            classification?.authorizations.map { ActionResource(action: $0.action.name, resource: $0.resource) }
            ?? [ActionResource(action: nil, resource: nil)]
        audit.resourceAccount = classification?.resourceAccount
        return AuthzResponse(
            decision: decision, headers: headers, denyBody: denyBody, audit: audit, classification: classification,
            signature: state.signature)
    }

    /// The service's first protocol when the operation was not found.
    static func guessProtocol(_ classification: Classification?) -> AWSModel.WireProtocol? {
        guard let classification, let endpoint = classification.endpoint else { return nil }
        if endpoint.isS3 { return .restXML }
        return nil
    }

    /// Header values are one line of printable ASCII; anything else becomes `?`, and length is bounded.
    static func headerSafe(_ value: String) -> String {
        if value.utf8.count <= 1024, value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return value }
        var out = ""
        for scalar in value.unicodeScalars.prefix(1024) {
            out.unicodeScalars.append(scalar.value >= 0x20 && scalar.value < 0x7F ? scalar : "?")
        }
        return out
    }
}

extension ReasonCode {
    /// The reason of a SigV4 error (its contract reason code).
    init(_ error: SigV4Error) {
        self = ReasonCode(rawValue: error.reasonCode) ?? .malformedCredentials
    }
}
