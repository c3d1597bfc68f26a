public import AWSClassifier
internal import Foundation
public import IAMIdentity
public import Policy
public import SigV4

/// The decision core: the one function every transport calls.
///
/// Order (the contract's "Decision"): credential checks — missing, malformed, unsupported, legacy key,
/// time, scope/host mismatch, signature mismatch where the secret is known — then the policy: deny
/// statements, allow statements and the `accounts:` allowlist, the default. It never throws and
/// never traps on input: every failure is a deny with a reason.
///
/// ```swift
/// let engine = AuthzEngine(policy: policy, classifier: classifier, keys: keys)
/// let result = engine.decide(AuthzRequest(method: "GET", host: host, target: path, headers: headers, mode: .nginx))
/// let headers = DecisionHeaders.fields(result)
/// ```
///
/// The engine is the pure ``Authorizer``: it reads the clock once per check and does no I/O. The
/// server's live authorizer adds the configuration in force, timing, metrics and the audit log.
public struct AuthzEngine: Authorizer {
    /// The compiled policy.
    public let policy: CompiledPolicy
    /// The request classifier.
    public let classifier: RequestClassifier
    /// Known secrets.
    public let keys: KeyStore
    /// The clock, in milliseconds since the epoch (injectable for tests).
    public let now: @Sendable () -> Int64
    /// The largest body read for classification (`server.max_body_bytes`); a larger one is denied
    /// `body_too_large`, whichever front end carried it.
    public let maxBodyBytes: Int

    /// The credentials of a brokered role when they are at hand — the server's cache of STS answers,
    /// read without I/O; `nil` denies the request `broker_unavailable`.
    public let roleCredentials: @Sendable (RoleTarget) -> SigningCredentials?
    /// `brokering.sign_unsigned`: host patterns whose unsigned requests are signed as a role.
    let unsignedTargets: [(hosts: [Glob], target: RoleTarget)]
    /// Where identity tokens' verifications come from (the server's cache of STS answers); `nil`:
    /// tokens are checked offline and then denied `identity_unavailable`.
    public let identities: (any CallerIdentitySource)?
    /// The `identity:` section, compiled.
    let identitySettings: IdentitySettings?

    /// The default of `server.max_body_bytes`: 1 MiB.
    public static let defaultMaxBodyBytes = 1 << 20

    /// Creates an engine.
    public init(
        policy: CompiledPolicy, classifier: RequestClassifier, keys: KeyStore = KeyStore(),
        maxBodyBytes: Int = AuthzEngine.defaultMaxBodyBytes,
        roleCredentials: @escaping @Sendable (RoleTarget) -> SigningCredentials? = { _ in nil },
        identities: (any CallerIdentitySource)? = nil,
        now: @escaping @Sendable () -> Int64 = AuthzEngine.systemClock
    ) {
        self.identities = identities
        self.identitySettings = policy.config.identity.map { section in
            let partitions = classifier.model.partitions.filter { section.partitions.contains($0.id) }
            let regions = section.regions.map { Glob($0) }
            var rules = IdentityTokenRules(
                audience: section.audience, audienceHeader: section.audienceHeader, partitions: partitions,
                acceptsRegion: { region in regions.contains { $0.matches(region) } })
            rules.maxAgeSeconds = section.maxTokenAgeSeconds
            rules.maxClockSkewSeconds = section.maxClockSkewSeconds
            return IdentitySettings(
                section: section, hosts: section.hosts.map { Glob($0, caseInsensitive: true) }, rules: rules)
        }
        self.policy = policy
        self.classifier = classifier
        self.keys = keys
        self.maxBodyBytes = maxBodyBytes
        self.roleCredentials = roleCredentials
        self.unsignedTargets = policy.config.brokering.signUnsigned.map { entry in
            (entry.hosts.map { Glob($0, caseInsensitive: true) }, entry.target)
        }
        self.now = now
    }

    /// Every role this engine's configuration signs as (the server keeps their credentials fresh).
    public var roleTargets: Set<RoleTarget> {
        Set(policy.config.brokering.virtualKeys.map(\.target) + policy.config.brokering.signUnsigned.map(\.target))
    }

    /// The system clock in milliseconds since the epoch.
    public static let systemClock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Decides about one request, now.
    public func check(_ request: AuthzRequest) -> CheckResult { decide(request, at: now()) }

    /// Decides about one request, waiting for STS when its identity token is not verified yet.
    public func answer(_ request: AuthzRequest) -> CheckAnswer {
        let result = decide(request, at: now())
        guard let token = result.pendingIdentity, let identities else { return .now(result) }
        return .later(
            PendingCheck { completion in
                Task {
                    let outcome = await identities.verify(token)
                    completion(decide(request, verified: outcome))
                }
            })
    }

    /// Denies a check the front end could not read.
    public func refuse(_ refusal: Refusal) -> CheckResult { refuse(refusal, at: now()) }

    /// Decides about one request, now.
    public func decide(_ request: AuthzRequest) -> CheckResult { decide(request, at: now()) }

    /// Decides about one request whose identity token STS has answered for (``CheckResult/pendingIdentity``
    /// of the first decision), now.
    public func decide(_ request: AuthzRequest, verified: IdentityOutcome) -> CheckResult {
        decide(request, at: now(), verified: verified)
    }

    /// Decides about one request at `time` (milliseconds since the epoch); `verified`: STS's answer
    /// for the request's identity token, when the server waited for it.
    public func decide(_ request: AuthzRequest, at time: Int64, verified: IdentityOutcome? = nil) -> CheckResult {
        var result = CheckResult(
            decision: .deny(.internalError, "not decided"), requestID: Self.requestID(request.requestID),
            mode: request.mode, time: time)
        let target = Self.scan(request.target)
        result.request = (request.method, request.host, target.path)
        result.sourceAddress = request.sourceAddress
        result.principal = request.principal
        var readHeaders = false
        var decision = evaluate(
            request, targetHasHash: target.hasHash, path: target.path, nowSeconds: time / 1000, verified: verified,
            result: &result, readHeaders: &readHeaders)
        if decision.effect == .deny {
            // mode: dry_run: every deny of the engine — after every step, brokering and the identity
            // path's decision with STS's answer included — is answered allow and reported would_deny.
            if policy.config.mode == .dryRun { decision = decision.notEnforced(because: "mode: dry_run") }
            if !decision.enforced { result.upstream = unenforcedRewrite(request, caller: result.caller) }
        }
        result.decision = decision
        result.accountName = result.account.flatMap { policy.accountName(ofAccount: $0.value) }
        if decision.effect == .deny {
            // The caller's protocol, from the headers when the check got as far as reading them (the
            // request's own headers: the Host/authority fix-up touches neither of these).
            let headers = readHeaders ? request.headers : []
            result.errorFormat = DenyBody.format(
                wireProtocol: result.classification?.wireProtocol,
                isS3: result.classification?.endpoint?.isS3 ?? false,
                hasTarget: headers.contains { $0.hasName("x-amz-target") },
                isForm: headers.first { $0.hasName("content-type") }.map {
                    $0.value.lowercased().hasPrefix("application/x-www-form-urlencoded")
                } ?? false)
        }
        return result
    }

    /// Denies a check the front end could not read, at `time`.
    public func refuse(_ refusal: Refusal, at time: Int64) -> CheckResult {
        var result = CheckResult(
            decision: .deny(refusal.reason, refusal.message), requestID: Self.requestID(refusal.requestID),
            mode: refusal.mode, time: time)
        result.sourceAddress = refusal.sourceAddress
        return result
    }

    /// The proxy's request id when it is one printable token of at most 128 bytes, else a random one.
    static func requestID(_ proposed: String?) -> String {
        if let id = proposed, !id.isEmpty, id.utf8.count <= 128, id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            return id
        }
        return String(UInt64.random(in: .min ... .max), radix: 16)
    }

    /// The path of a request target: everything before the query (which may carry a presigned
    /// signature and session token).
    static func path(of target: String) -> String {
        scan(target).path
    }

    /// The path of a request target (``path(of:)``) and whether the target holds a raw `#`, in one
    /// pass over its bytes; the path is the target itself (no copy) when there is no query.
    static func scan(_ target: String) -> (path: String, hasHash: Bool) {
        var query: Int?
        var hasHash = false
        let scanned: Void? = target.utf8.withContiguousStorageIfAvailable { bytes in
            for index in bytes.indices {
                let byte = bytes[index]
                if byte == UInt8(ascii: "?"), query == nil {
                    query = index
                } else if byte == UInt8(ascii: "#") {
                    hasHash = true
                    if query != nil { break }
                }
            }
        }
        if scanned == nil {
            query = target.utf8.firstIndex(of: UInt8(ascii: "?")).map {
                target.utf8.distance(from: target.utf8.startIndex, to: $0)
            }
            hasHash = target.utf8.contains(UInt8(ascii: "#"))
        }
        guard let query else { return (target, hasHash) }
        return (String(target[..<target.utf8.index(target.utf8.startIndex, offsetBy: query)]), hasHash)
    }

    func evaluate(
        _ request: AuthzRequest, targetHasHash: Bool, path: String, nowSeconds: Int64, verified: IdentityOutcome?,
        result state: inout CheckResult, readHeaders: inout Bool
    ) -> Decision {
        let credentials = policy.config.credentials

        // The body limit holds for every front end (the HTTP listener refuses a larger body before
        // reading it; a gRPC CheckRequest carries it whole).
        let maxBodyBytes = self.maxBodyBytes
        let body: [UInt8]?
        switch request.body {
        case .absent, .truncated:
            body = nil
        case .complete(let bytes) where bytes.count <= maxBodyBytes:
            body = bytes
        case .complete(let bytes):
            return .deny(
                .bodyTooLarge,
                "the request body (\(bytes.count) bytes) is larger than server.max_body_bytes (\(maxBodyBytes))")
        case .tooLarge(let size):
            return .deny(
                .bodyTooLarge,
                "the request body (\(size) bytes or more) is larger than server.max_body_bytes (\(maxBodyBytes))")
        }

        // A raw '#' ends the URL for some readers and not for others (Envoy and nginx pass it on).
        if targetHasHash {
            return .deny(
                .ambiguousRequest, "the request target holds a raw '#', which AWS and proxies may read differently")
        }

        // The Host header the classifier reads is the authority the proxy reports; a different Host
        // header among the headers is a conflict.
        var hasHost = false
        var hasAuthority = false
        for field in request.headers {
            let isHost = field.hasName("host")
            guard isHost || field.name == ":authority" else { continue }
            guard field.valueEqualsIgnoringCase(request.host) else {
                return .deny(.ambiguousRequest, "the request's Host header and authority disagree")
            }
            if isHost { hasHost = true } else { hasAuthority = true }
        }
        // The services of `identity.hosts`: an identity token, never SigV4.
        if let identitySettings, isIdentityHost(request.host) {
            return evaluateIdentity(
                request, settings: identitySettings, path: path, nowSeconds: nowSeconds, verified: verified,
                result: &state)
        }

        // The request's own array when it already has the Host header and no `:authority`, else one copy
        // of the right size.
        let headers: [HeaderField]
        if hasHost && !hasAuthority {
            headers = request.headers
        } else {
            var copy: [HeaderField] = []
            copy.reserveCapacity(request.headers.count + 1)
            for field in request.headers where !(hasAuthority && field.name == ":authority") { copy.append(field) }
            if !hasHost { copy.append(HeaderField("host", request.host)) }
            headers = copy
        }
        let sigV4Request = SigV4Request(method: request.method, requestTarget: request.target, headers: headers)
        readHeaders = true

        // 1. Credentials.
        var credential: SigV4Credential?
        let authentication: RequestAuthentication
        do {
            authentication = try RequestAuthentication(parsing: sigV4Request)
        } catch {
            return .deny(ReasonCode(error), error.message)
        }
        // The role a brokered request is signed again as (a virtual key's, or an unsigned request's to a
        // `sign_unsigned` host).
        var brokered: RoleTarget?
        switch authentication {
        case .anonymous:
            if let target = unsignedTarget(host: request.host) {
                brokered = target
                state.brokeredRole = target.roleARN
                state.account = Self.account(ofRole: target.roleARN)
            } else if credentials.requireSignature {
                return .deny(.noCredentials, "the request is not signed; sign it with AWS credentials (SigV4)")
            }
        case .sigV2(let accessKeyID, let location):
            state.authentication = AuthenticationKind(location)
            state.accessKeyIDText = Substring(accessKeyID)
            if location == .presigned {
                // botocore (boto3, the aws CLI) still presigns S3 URLs with SigV2 unless told otherwise.
                return .deny(
                    .unsupportedSignature,
                    "this URL is presigned with Signature Version 2, which is not supported; presign with SigV4 (boto3: Config(signature_version='s3v4'); aws s3 presign: set s3.signature_version = s3v4 in ~/.aws/config)"
                )
            }
            return .deny(.unsupportedSignature, "Signature Version 2 is not supported; use a current AWS SDK (SigV4)")
        case .sigV4(let parsed):
            credential = parsed
            state.authentication = AuthenticationKind(parsed.location)
            state.accessKeyIDText = Substring(parsed.accessKeyID)
            do {
                state.account = try AWSAccountID(accessKeyID: parsed.accessKeyID)
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
            sigV4Request, body: body, credential: credential, accountID: state.account,
            knownHeaderNames: request.headersArePartial ? (request.passedHeaderNames ?? []) : nil)
        state.classification = classification
        if let problem = classification.problem {
            return .deny(ReasonCode(problem), problem.message)
        }

        // Signature, where the secret is known.
        if let credential, let key = keys.entry(for: credential.accessKeyID) {
            do {
                // Without every signed header (Squid) the canonical request cannot be rebuilt.
                let result: SignatureVerification =
                    request.headersArePartial
                    ? .notChecked(reason: "the proxy passes only some of the request's headers")
                    : try SigV4Verifier.verify(
                        sigV4Request, credential: credential, secretAccessKey: key.secret, body: body)
                switch result {
                case .verified:
                    state.signature = .verified
                    // A virtual key: decided as its role's account, then signed again as the role.
                    if let target = key.brokered {
                        brokered = target
                        state.brokeredRole = target.roleARN
                        state.account = Self.account(ofRole: target.roleARN)
                    }
                case .notChecked(let reason):
                    state.signature = .notChecked
                    // A known key's signature that the body would let be checked (ICAP reads it then).
                    state.verificationNeedsBody = body == nil && !request.headersArePartial
                    if let target = key.brokered {
                        // A virtual key whose signature this proxy cannot check (no body, or only some
                        // headers) cannot be brokered through it: the secret is not wrong.
                        state.brokeredRole = target.roleARN
                        return .deny(
                            .notResignable,
                            "the request of virtual key \(credential.accessKeyID) cannot be verified through this proxy, so it cannot be signed again: \(reason) (Envoy: ext_authz with_request_body, gRPC)"
                        )
                    }
                    if key.requireVerification {
                        return .deny(
                            .signatureMismatch,
                            "the signature of \(credential.accessKeyID) must be verified but cannot be: \(reason)")
                    }
                }
            } catch {
                state.signature = .mismatch
                return .deny(ReasonCode(error), error.message)
            }
        }

        // 2–4. Policy.
        var facts = RequestFacts(
            accountID: state.account.map { DecisionHeaders.accountDigits($0.value) }, region: classification.region,
            signingName: classification.signingName,
            iamPrefix: classification.iamPrefix, action: classification.action.name, resource: classification.resource,
            host: classification.endpoint?.host, method: request.method,
            sourceAddress: request.sourceAddress.flatMap(Self.address), principal: request.principal,
            // Only a policy with access_key_ids conditions reads the key id: a copy of it only then.
            accessKeyID: policy.readsAccessKeyIDs ? state.accessKeyID : nil)
        if classification.authorizations.count > 1 {
            facts.additionalAuthorizations = classification.authorizations.dropFirst().map {
                ActionResource(action: $0.action.name, resource: $0.resource)
            }
        }
        // Only a policy with paths conditions reads the path: decoded only then.
        if policy.readsPaths { facts.path = Self.decodedPath(path) }
        facts.resourceAccount = classification.resourceAccount
        facts.addressesS3Bucket = classification.addressesS3Bucket
        facts.ownerUnverifiable = classification.ownerUnverifiable
        let decision = policy.evaluate(facts)
        guard decision.effect == .allow, let brokered else { return decision }

        // 5. Brokering: the allowed request is signed again with the role's credentials.
        guard let role = roleCredentials(brokered), role.isValid(at: nowSeconds) else {
            return .deny(
                .brokerUnavailable,
                "the credentials of \(brokered.roleARN) are not available (sts:AssumeRole has not answered or has failed); the request is not forwarded"
            )
        }
        guard let region = credential.map({ String($0.scope.region) }) ?? classification.region,
            let service = credential.map({ String($0.scope.service) }) ?? classification.signingName
        else {
            return .deny(
                .notResignable, "the region and service of this unsigned request are unknown, so it cannot be signed",
                missing: [.region, .service])
        }
        // The bucket-owner perimeter: S3 itself refuses a bucket owned by another account than the role's.
        // A request naming another owner (or copy-source owner) is denied unless s3.bucket_owners lists
        // it; CreateBucket names no owner.
        let roleAccount = state.account.map { DecisionHeaders.accountDigits($0.value) }
        var owner: String?
        if classification.addressesS3Bucket, let roleAccount {
            for name in ["x-amz-expected-bucket-owner", "x-amz-source-expected-bucket-owner"] {
                for named in sigV4Request.headerValues(name)
                where named != roleAccount && !policy.listedBucketOwners.contains(named) {
                    return .deny(
                        .resourceOwnerNotAllowed,
                        "the bucket owner \(named) named in \(name) is not the account of \(brokered.roleARN); list it in s3.bucket_owners to allow a brokered request to reach it"
                    )
                }
            }
            if classification.action.name != "s3:CreateBucket" { owner = roleAccount }
        }
        switch UpstreamSigner.rewrite(
            sigV4Request, body: body.map(RequestBody.complete) ?? request.body, credential: credential,
            region: region, service: service, credentials: role, roleARN: brokered.roleARN,
            expectedBucketOwner: owner, now: nowSeconds, canRewriteQuery: request.mode == .grpc)
        {
        case .signed(let rewrite):
            state.upstream = rewrite
            return decision
        case .refused(let denial):
            return denial
        }
    }

    /// What the proxy changes in a request answered allow although denied (`would_deny`): never a
    /// brokered signature (a request the policy denies never gets a role's credentials); for an
    /// identity host, the principal headers only for a caller STS verified (else the client's copies
    /// are removed) and the token removed as on allow. `nil` for every other request.
    func unenforcedRewrite(_ request: AuthzRequest, caller: CallerIdentity?) -> UpstreamRewrite? {
        guard let identitySettings, isIdentityHost(request.host) else { return nil }
        var rewrite = Self.identityRewrite(caller: caller, identity: identitySettings.section)
        if caller == nil {
            rewrite.removeHeaders += [
                Self.principalHeaders.arn, Self.principalHeaders.account, Self.principalHeaders.userID,
            ]
        }
        return rewrite
    }

    /// The `sign_unsigned` target whose host patterns match `host` (its port dropped), if any.
    func unsignedTarget(host: String) -> RoleTarget? {
        guard !unsignedTargets.isEmpty else { return nil }
        let lowered = Self.hostWithoutPort(host)
        return unsignedTargets.first { entry in entry.hosts.contains { $0.matches(lowered) } }?.target
    }

    /// The account of a role ARN (`arn:PARTITION:iam::ACCOUNT:role/NAME`).
    static func account(ofRole arn: String) -> AWSAccountID? {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        return AWSAccountID(parts[4])
    }

    /// `10.0.0.1`, `10.0.0.1:5555`, `[::1]:5555` → the address.
    static func address(_ text: String) -> IPAddress? {
        IPAddress(socketAddress: text)
    }
}
