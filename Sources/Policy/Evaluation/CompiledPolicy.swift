/// A configuration compiled once into fast matchers, evaluated for every request.
///
/// Evaluation order (the contract's "Decision", after the credential checks done by the caller):
/// 1. any matching `deny` statement → deny (`denied_by_rule`, rule named);
/// 2. any matching `allow` statement, then the `accounts:` allowlist → allow (`allowed`, rule named);
/// 3. `default`; a denied default names the first allowlist level that failed
///    (`account_not_allowed`, `region_not_allowed`, `service_not_allowed`) or `no_matching_rule`.
///
/// Unknown facts never widen access: an allow statement constraining an unknown fact (other than
/// with `*`) does not match, while a deny statement does — for an unknown action, only when one of
/// its action patterns could name the request's service.
///
/// Statements whose `accounts` are plain ids or names are indexed by account, so a request is
/// compared only with the statements of its account and the ones that apply to every account.
public struct CompiledPolicy: Sendable {
    /// The configuration this policy was compiled from.
    public let config: PolicyConfig
    /// Account names by id.
    public let accountNames: [String: String]
    /// Whether a statement has an `access_key_ids` (or `not_access_key_ids`) condition: the only reader
    /// of ``RequestFacts/accessKeyID``.
    package let readsAccessKeyIDs: Bool
    /// Whether a statement has a `paths` (or `not_paths`) condition: the only reader of
    /// ``RequestFacts/path`` for SigV4 requests, so the path is decoded only then.
    package let readsPaths: Bool
    /// Account names by account number (``accountName(ofAccount:)``).
    let accountNamesByNumber: [UInt64: String]
    let statements: [Statement]
    /// Statement indices (ascending) by literal account id.
    let byAccount: [String: [Int]]
    /// Statement indices (ascending) that apply to any account.
    let anyAccount: [Int]
    /// Statement indices (ascending) by (account or any, action service or any).
    let buckets: [BucketKey: [Int]]
    /// The same buckets, by account id (literal accounts) …
    let accountBuckets: [String: ServiceBuckets]
    /// … and for any account.
    let anyAccountBuckets: ServiceBuckets
    let allowlist: [AllowlistAccount]?
    /// The account ids whose buckets S3 requests may address, when `s3.expected_bucket_owner` is required.
    let bucketOwners: Set<String>?
    /// Whether a deny statement has `enforce: false` (its matches are looked for past it).
    let hasUnenforced: Bool
    /// The account ids `s3.bucket_owners` lists (names resolved), required or not: the owners besides a
    /// brokered role's own account whose buckets its requests may name.
    package let listedBucketOwners: Set<String>

    /// Compiles `config`.
    /// - Throws: ``ConfigError`` for references that only make sense across the file (unknown account
    ///   names, names that collide with ids, names used twice).
    public init(_ config: PolicyConfig) throws(ConfigError) {
        var issues: [ConfigIssue] = []
        var names: [String: String] = [:]  // name → id
        var idsWithNames: [String: String] = [:]
        for entry in config.accounts ?? [] {
            guard let name = entry.name else { continue }
            if entry.pattern == "*" {
                issues.append(ConfigIssue(position: entry.position, message: "the \"*\" account cannot have a name"))
            } else if let other = names[name], other != entry.pattern {
                issues.append(
                    ConfigIssue(
                        position: entry.position, message: "the account name '\(name)' is already used for \(other)"))
            } else {
                names[name] = entry.pattern
                idsWithNames[entry.pattern] = name
            }
        }
        // (A name cannot collide with an id: the loader refuses names that are 12 digits.)

        var statements: [Statement] = []
        var byAccount: [String: [Int]] = [:]
        var anyAccount: [Int] = []
        var buckets: [BucketKey: [Int]] = [:]
        for (index, source) in config.rules.enumerated() {
            var conditions: [Condition] = []
            var literalAccounts: [String]?
            for (field, negated, patterns) in source.conditions {
                var expanded = patterns
                if field == .accounts {
                    expanded = []
                    for pattern in patterns {
                        if let id = names[pattern] {
                            expanded.append(id)
                        } else if pattern.contains("*") || pattern.contains("?")
                            || (pattern.count == 12 && pattern.allSatisfy(\.isNumber))
                        {
                            expanded.append(pattern)
                        } else {
                            issues.append(
                                ConfigIssue(
                                    position: source.position,
                                    message:
                                        "rule '\(source.name)' names the account '\(pattern)', which is neither a 12-digit id nor a name defined under accounts:"
                                ))
                        }
                    }
                    if !negated, expanded.allSatisfy({ !$0.contains("*") && !$0.contains("?") }) {
                        literalAccounts = expanded
                    }
                }
                conditions.append(Condition(field: field, negated: negated, patterns: expanded))
            }
            let hostPatterns = source.conditions.first { $0.field == .hosts && !$0.negated }?.patterns
            statements.append(
                Statement(
                    name: source.name, effect: source.effect, conditions: conditions, hostPatterns: hostPatterns,
                    enforced: source.effect == .allow || source.enforce))
            if let literalAccounts {
                for id in Set(literalAccounts) { byAccount[id, default: []].append(index) }
            } else {
                anyAccount.append(index)
            }
            // The action services a statement can match: the literal service parts of its actions
            // patterns, or any service.
            var services: [String?] = [nil]
            if let actions = source.conditions.first(where: { $0.field == .actions && !$0.negated }) {
                let parts = actions.patterns.map {
                    String($0.lowercased().split(separator: ":", maxSplits: 1).first ?? "*")
                }
                if parts.allSatisfy({ !$0.contains("*") && !$0.contains("?") }) { services = Array(Set(parts)) }
            }
            for account in (literalAccounts.map { Array(Set($0)) } ?? [nil]) as [String?] {
                for service in services {
                    buckets[BucketKey(account: account, service: service), default: []].append(index)
                }
            }
        }
        var listed: Set<String> = []
        for owner in config.s3.bucketOwners ?? [] {
            if let id = names[owner] {
                listed.insert(id)
            } else if owner.count == 12, owner.allSatisfy(\.isNumber) {
                listed.insert(owner)
            }
        }
        self.listedBucketOwners = listed
        self.hasUnenforced = config.rules.contains { $0.effect == .deny && !$0.enforce }
        var bucketOwners: Set<String>?
        if config.s3.expectedBucketOwner == .required {
            var owners: Set<String> = []
            if let listed = config.s3.bucketOwners {
                for owner in listed {
                    if let id = names[owner] {
                        owners.insert(id)
                    } else if owner.count == 12, owner.allSatisfy(\.isNumber) {
                        owners.insert(owner)
                    } else {
                        issues.append(
                            ConfigIssue(
                                position: config.s3.position ?? SourcePosition(file: config.path, line: 1, column: 1),
                                message:
                                    "s3.bucket_owners names '\(owner)', which is neither a 12-digit id nor a name defined under accounts:"
                            ))
                    }
                }
            } else {
                for entry in config.accounts ?? [] where entry.pattern != "*" { owners.insert(entry.pattern) }
            }
            bucketOwners = owners
        }
        if !issues.isEmpty { throw ConfigError(issues) }
        self.bucketOwners = bucketOwners

        self.config = config
        self.accountNames = idsWithNames
        var namesByNumber: [UInt64: String] = [:]
        for (id, name) in idsWithNames where id.utf8.count == 12 {
            if let number = UInt64(id) { namesByNumber[number] = name }
        }
        self.accountNamesByNumber = namesByNumber
        self.readsAccessKeyIDs = statements.contains { $0.conditions.contains { $0.field == .accessKeyIDs } }
        self.readsPaths = statements.contains { $0.conditions.contains { $0.field == .paths } }
        var accountBuckets: [String: ServiceBuckets] = [:]
        var anyAccountBuckets = ServiceBuckets()
        for (key, list) in buckets {
            if let account = key.account {
                accountBuckets[account, default: ServiceBuckets()].add(list, service: key.service)
            } else {
                anyAccountBuckets.add(list, service: key.service)
            }
        }
        self.accountBuckets = accountBuckets
        self.anyAccountBuckets = anyAccountBuckets
        self.statements = statements
        self.byAccount = byAccount
        self.anyAccount = anyAccount
        self.buckets = buckets
        self.allowlist = config.accounts.map { entries in
            entries.map { entry in
                AllowlistAccount(
                    pattern: entry.pattern, name: entry.name,
                    regions: entry.regions.map {
                        AllowlistRegion(
                            pattern: Glob($0.pattern), region: $0.pattern, services: $0.services.map { Glob($0) },
                            account: entry.pattern)
                    })
            }
        }
    }

    /// The configured name of an account, by its number (no text conversion per check).
    public func accountName(ofAccount number: UInt64) -> String? {
        accountNamesByNumber.isEmpty ? nil : accountNamesByNumber[number]
    }

    /// A one-line summary, for logs and `validate`.
    public var summary: String {
        let accounts = config.accounts.map { "\($0.count) accounts" } ?? "no accounts: allowlist"
        let denies = config.rules.filter { $0.effect == .deny }.count
        let unenforced = config.rules.filter { $0.effect == .deny && !$0.enforce }.count
        var text =
            "\(accounts), \(config.rules.count) rules (\(denies) deny), default \(config.defaultEffect.rawValue), \(config.credentials.keys.count) known keys"
        if unenforced > 0 { text += ", \(unenforced) deny rules not enforced" }
        if config.mode == .dryRun { text += ", mode dry_run (denies are not enforced)" }
        return text
    }

    /// Evaluates `facts`. Never throws: a denial is a result.
    ///
    /// With several (action, resource) pairs (``RequestFacts/additionalAuthorizations``), every pair
    /// is first compared with the deny statements — any match denies — and then each pair must be
    /// allowed; the first pair that is not gives the deny.
    ///
    /// A deny statement with `enforce: false` that matches does not deny: evaluation goes on as if it
    /// had not matched, and when the request is then allowed the decision is that statement's deny, not
    /// enforced (`would_deny`). `mode: dry_run` is applied by the caller, after every other check.
    public func evaluate(_ facts: RequestFacts) -> Decision {
        if let refusal = bucketOwnerRefusal(facts) { return refusal }
        var unenforced: Decision?
        if facts.additionalAuthorizations.isEmpty {
            let prepared = prepare(facts)
            let decision = firstDeny(prepared, unenforced: &unenforced) ?? allow(prepared)
            guard hasUnenforced, decision.effect == .allow, let unenforced else { return decision }
            return unenforced.notEnforced(because: "enforce: false")
        }
        var pairs = [prepare(facts)]
        for pair in facts.additionalAuthorizations {
            var pairFacts = facts
            pairFacts.action = pair.action
            pairFacts.resource = pair.resource
            // A dependent action of another service (kms:GenerateDataKey for an S3 upload) is matched,
            // and allowlisted, as that service's.
            if let prefix = pair.action?.split(separator: ":", maxSplits: 1).first.map(String.init),
                prefix.lowercased() != facts.iamPrefix?.lowercased()
            {
                pairFacts.iamPrefix = prefix
                pairFacts.signingName = prefix
            }
            pairs.append(prepare(pairFacts))
        }
        for pair in pairs {
            if let deny = firstDeny(pair, unenforced: &unenforced) { return deny }
        }
        var decision: Decision?
        for pair in pairs {
            var pairDecision = allow(pair)
            if pairDecision.effect == .deny {
                pairDecision.message += " (the request also needs \(describe(pair.facts)))"
                return pairDecision
            }
            if decision == nil { decision = pairDecision }
        }
        if let unenforced { return unenforced.notEnforced(because: "enforce: false") }
        return decision ?? allow(pairs[0])
    }

    /// The offline gate before an identity token is sent to STS: whether an allow statement for identity
    /// requests could allow a caller of `facts.accountID` — its ARN not known yet: a `principals_arn`
    /// pattern could match when its account part does — to this host, path and method, or the default
    /// allows. `false` means no STS call: the caller cannot be allowed whoever it turns out to be.
    public func mayAllowIdentity(_ facts: RequestFacts) -> Bool {
        if config.defaultEffect == .allow { return true }
        guard let account = facts.accountID else { return false }
        var gateFacts = facts
        gateFacts.identityRequest = true
        gateFacts.principalARNs = nil
        let prepared = prepare(gateFacts)
        for index in prepared.candidates {
            let statement = statements[index]
            guard statement.effect == .allow, statement.appliesToIdentity else { continue }
            if statement.conditions.allSatisfy({ $0.couldHold(prepared.evaluation, account: account) }) {
                return true
            }
        }
        return false
    }

    /// `s3.expected_bucket_owner: required`: an S3 request that addresses a bucket must name an allowed owner.
    func bucketOwnerRefusal(_ facts: RequestFacts) -> Decision? {
        guard let bucketOwners, facts.addressesS3Bucket else { return nil }
        guard let owner = facts.resourceAccount else {
            return .deny(
                .resourceOwnerNotAllowed,
                "S3 requests must name the bucket owner in a signed x-amz-expected-bucket-owner header (s3.expected_bucket_owner: required)",
                rule: "s3.expected_bucket_owner", missing: .resourceOwner)
        }
        guard bucketOwners.contains(owner) else {
            return .deny(
                .resourceOwnerNotAllowed, "the bucket owner \(owner) is not one of s3.bucket_owners",
                rule: "s3.expected_bucket_owner")
        }
        return nil
    }

    /// One pair's facts with their derived values and candidate statements.
    struct Prepared {
        let evaluation: EvaluationFacts
        let candidates: [Int]
        var facts: RequestFacts { evaluation.facts }
    }

    func prepare(_ facts: RequestFacts) -> Prepared {
        // The action's own prefix when known (it is what actions patterns match), else the IAM prefix.
        // (Lower-casing commutes with splitting at `:`, so the prefix alone is lower-cased.)
        let actionService =
            facts.action.flatMap { Self.firstComponent($0).map { Self.lowercased(String($0)) } }
            ?? (facts.iamPrefix ?? facts.signingName).map(Self.lowercased)

        // Candidate statements, each list ascending: with a known account and service, the four buckets
        // (account, service) × (exact, any); with a known account only, every statement of the account
        // and of any account; with an unknown account, every statement (an account-scoped deny could
        // be the unknown account's).
        let candidates: [Int]
        if let account = facts.accountID {
            if let actionService {
                let own = accountBuckets.isEmpty ? nil : accountBuckets[account]
                candidates = Self.merge(
                    own?.list(service: actionService), own?.anyService, anyAccountBuckets.list(service: actionService),
                    anyAccountBuckets.anyService)
            } else {
                candidates = Self.merge(byAccount.isEmpty ? nil : byAccount[account], anyAccount, nil, nil)
            }
        } else {
            candidates = Array(statements.indices)
        }
        // The lower-cased action and host are read only by statements' conditions: not made when no
        // statement is a candidate.
        let evaluation = EvaluationFacts(
            facts: facts, action: candidates.isEmpty ? nil : facts.action.map(Self.lowercased),
            actionService: actionService, host: candidates.isEmpty ? nil : facts.host.map(Self.lowercased))
        return Prepared(evaluation: evaluation, candidates: candidates)
    }

    /// `String.lowercased()`, without a copy when the text is ASCII without upper case letters.
    static func lowercased(_ text: String) -> String {
        // 0: nothing to change; 1: ASCII upper case letters; 2: non-ASCII (Unicode lower-casing).
        func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
            var upper = false
            for byte in bytes {
                if byte >= 0x80 { return 2 }
                if byte &- UInt8(ascii: "A") < 26 { upper = true }
            }
            return upper ? 1 : 0
        }
        let kind: Int
        if let scanned = text.utf8.withContiguousStorageIfAvailable(scan) {
            kind = scanned
        } else {
            var copy = text
            kind = copy.withUTF8(scan)
        }
        if kind == 0 { return text }
        if kind == 2 { return text.lowercased() }
        let count = text.utf8.count
        return String(unsafeUninitializedCapacity: count) { buffer in
            var index = 0
            for byte in text.utf8 {
                buffer[index] = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
                index += 1
            }
            return count
        }
    }

    /// The first component of `text` split at `:`, empty ones omitted (`split(separator: ":").first`).
    static func firstComponent(_ text: String) -> Substring? {
        let utf8 = text.utf8
        guard let start = utf8.firstIndex(where: { $0 != UInt8(ascii: ":") }) else { return nil }
        let end = utf8[start...].firstIndex(of: UInt8(ascii: ":")) ?? utf8.endIndex
        return text[start..<end]
    }

    /// The first matching enforced deny statement, in file order; the first matching statement with
    /// `enforce: false` is kept in `unenforced` (when it is still `nil`) and passed over.
    func firstDeny(_ prepared: Prepared, unenforced: inout Decision?) -> Decision? {
        for index in prepared.candidates {
            let statement = statements[index]
            if statement.effect == .deny, statement.appliesToIdentity == prepared.facts.identityRequest,
                statement.matches(prepared.evaluation, conservative: true)
            {
                let decision = Decision.deny(
                    .deniedByRule, "\(describe(prepared.facts)) is denied by rule \(statement.name)",
                    rule: statement.name, missing: statement.unknownFacts(prepared.evaluation))
                if statement.enforced { return decision }
                if unenforced == nil { unenforced = decision }
            }
        }
        return nil
    }

    /// The facts whose absence kept an allow statement from matching `prepared`: the unknown facts of
    /// every candidate allow statement that every known fact matches (the deny path only).
    func missingForAllow(_ prepared: Prepared) -> MissingFacts {
        let facts = prepared.facts
        var missing: MissingFacts = []
        for index in prepared.candidates {
            let statement = statements[index]
            guard statement.effect == .allow, statement.appliesToIdentity == facts.identityRequest,
                !facts.ownerUnverifiable || statement.pinsHost,
                statement.matches(prepared.evaluation, conservative: true)
            else { continue }
            missing.formUnion(statement.unknownFacts(prepared.evaluation))
        }
        return missing
    }

    /// The first matching allow statement, then the allowlist, then the default. Where the
    /// destination's owner cannot be known, neither the allowlist nor `default: allow` allows: only a
    /// statement that names the host.
    func allow(_ prepared: Prepared) -> Decision {
        let facts = prepared.facts
        for index in prepared.candidates {
            let statement = statements[index]
            // Where the owner cannot be known, only a statement that names the host allows.
            guard statement.effect == .allow, statement.appliesToIdentity == facts.identityRequest,
                !facts.ownerUnverifiable || statement.pinsHost
            else { continue }
            if statement.matches(prepared.evaluation, conservative: false) {
                return statement.allowed
            }
        }

        // The accounts: allowlist (never for a destination whose owner cannot be known).
        var failedLevel = ReasonCode.noMatchingRule
        if let allowlist, !facts.ownerUnverifiable, !facts.identityRequest {
            failedLevel = .accountNotAllowed
            let account = facts.accountID
            for entry in allowlist where entry.matches(account: account) {
                if failedLevel == .accountNotAllowed { failedLevel = .regionNotAllowed }
                for region in entry.regions where facts.region.map(region.pattern.matches) ?? region.pattern.isWildcard
                {
                    if failedLevel == .regionNotAllowed { failedLevel = .serviceNotAllowed }
                    let allowed = region.services.contains { glob in
                        (facts.signingName.map(glob.matches) ?? false) || (facts.iamPrefix.map(glob.matches) ?? false)
                    }
                    if allowed { return region.allowed }
                }
            }
        }

        if config.defaultEffect == .allow, !facts.ownerUnverifiable {
            return Self.allowedByDefault
        }
        let account = facts.accountID ?? "of an unknown account"
        let service = facts.signingName ?? facts.iamPrefix ?? "an unknown service"
        let region = facts.region ?? "an unknown region"
        // The deny path only: which unknown facts kept a statement or the allowlist from allowing.
        var missing = missingForAllow(prepared)
        switch failedLevel {
        case .accountNotAllowed:
            if facts.accountID == nil { missing.insert(.account) }
            return .deny(
                .accountNotAllowed, "account \(account) is not allowed to call \(service) in \(region)",
                rule: "default",
                missing: missing)
        case .regionNotAllowed:
            if facts.region == nil { missing.insert(.region) }
            return .deny(
                .regionNotAllowed, "account \(account) is not allowed to use region \(region) (service \(service))",
                rule: "default", missing: missing)
        case .serviceNotAllowed:
            if facts.signingName == nil, facts.iamPrefix == nil { missing.insert(.service) }
            return .deny(
                .serviceNotAllowed, "account \(account) is not allowed to call \(service) in \(region)",
                rule: "default",
                missing: missing)
        default:
            if facts.ownerUnverifiable {
                return .deny(
                    .noMatchingRule,
                    "no rule names the host of \(describe(facts)); the owner of this endpoint cannot be told from the request, so it is allowed only by a rule whose hosts: name it",
                    rule: "default", missing: missing)
            }
            return .deny(.noMatchingRule, "no rule allows \(describe(facts))", rule: "default", missing: missing)
        }
    }

    /// The decision of `default: allow`.
    static let allowedByDefault = Decision(
        effect: .allow, reason: .allowed, rule: "default", message: "allowed by default: allow")

    /// Merges ascending, disjoint index lists into one ascending list; one list (or none) is returned
    /// as it is, without a copy.
    static func merge(_ a: [Int]?, _ b: [Int]?, _ c: [Int]?, _ d: [Int]?) -> [Int] {
        var only: [Int]?
        var lists = 0
        var total = 0
        func note(_ list: [Int]?) {
            guard let list, !list.isEmpty else { return }
            lists += 1
            total += list.count
            only = list
        }
        note(a)
        note(b)
        note(c)
        note(d)
        if lists <= 1 { return only ?? [] }
        var merged: [Int] = []
        merged.reserveCapacity(total)
        if let a { merged.append(contentsOf: a) }
        if let b { merged.append(contentsOf: b) }
        if let c { merged.append(contentsOf: c) }
        if let d { merged.append(contentsOf: d) }
        merged.sort()
        return merged
    }

    func describe(_ facts: RequestFacts) -> String {
        if facts.identityRequest {
            let caller = facts.principalARNs?.first ?? "an unverified caller of account \(facts.accountID ?? "unknown")"
            return
                "\(facts.method ?? "a request") \(facts.path ?? "to an unreadable path") on \(facts.host ?? "an unknown host") by \(caller)"
        }
        let action = facts.action ?? "an unknown \(facts.iamPrefix ?? facts.signingName ?? "AWS") action"
        var text = "\(action) by account \(facts.accountID ?? "unknown") in \(facts.region ?? "an unknown region")"
        if let resource = facts.resource { text += " on \(resource)" }
        return text
    }
}

// MARK: - Compiled pieces

/// The facts of one evaluation, with the values derived once (lower-cased action, its service).
struct EvaluationFacts {
    let facts: RequestFacts
    let action: String?
    let actionService: String?
    let host: String?
}

/// An index bucket: statements for one account (or any) and one action service (or any).
struct BucketKey: Hashable, Sendable {
    let account: String?
    let service: String?
}

struct AllowlistRegion: Sendable {
    let pattern: Glob
    let region: String
    let services: [Glob]
    /// The decision when this entry allows (built once).
    let allowed: Decision

    init(pattern: Glob, region: String, services: [Glob], account: String) {
        self.pattern = pattern
        self.region = region
        self.services = services
        let rule = "accounts[\"\(account)\"].regions[\"\(region)\"]"
        self.allowed = Decision(effect: .allow, reason: .allowed, rule: rule, message: "allowed by \(rule)")
    }
}

/// The statements of one account (or of any account), by action service.
struct ServiceBuckets: Sendable {
    /// Statement indices (ascending) by literal action service.
    var byService: [String: [Int]] = [:]
    /// Statement indices (ascending) whose actions may be of any service.
    var anyService: [Int]?

    mutating func add(_ list: [Int], service: String?) {
        if let service { byService[service] = list } else { anyService = list }
    }

    func list(service: String) -> [Int]? {
        byService.isEmpty ? nil : byService[service]
    }
}

struct AllowlistAccount: Sendable {
    let pattern: String
    let name: String?
    let regions: [AllowlistRegion]

    func matches(account: String?) -> Bool {
        pattern == "*" || pattern == account
    }
}

struct Condition: Sendable {
    let field: PolicyConfig.Field
    let negated: Bool
    let globs: [Glob]
    let cidrs: [CIDR]
    let hasWildcard: Bool
    /// For `actions`: the lower-cased service part of each pattern (`*` for any).
    let actionServices: [Glob]
    /// For `principals_arn`: the account part of each pattern (`*` when the pattern leaves it open).
    let principalAccounts: [Glob]

    init(field: PolicyConfig.Field, negated: Bool, patterns: [String]) {
        self.field = field
        self.negated = negated
        let caseInsensitive = field == .actions || field == .hosts
        self.globs = field == .sources ? [] : patterns.map { Glob($0, caseInsensitive: caseInsensitive) }
        self.cidrs = field == .sources ? patterns.compactMap(CIDR.init) : []
        self.hasWildcard = patterns.contains("*")
        self.actionServices =
            field == .actions
            ? patterns.map { Glob(String($0.lowercased().split(separator: ":", maxSplits: 1).first ?? "*")) } : []
        self.principalAccounts =
            field == .principalsARN
            ? patterns.map { pattern in
                let parts = pattern.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
                return Glob(parts.count == 6 ? String(parts[4]) : "*")
            } : []
    }

    /// Whether the condition can hold for a caller not verified yet, whose account is `account` (the
    /// offline gate before an STS call): a `principals_arn` condition when one of its patterns leaves the
    /// account open or names it; every other condition as for an allow statement.
    func couldHold(_ evaluation: borrowing EvaluationFacts, account: String) -> Bool {
        guard field == .principalsARN else { return holds(evaluation, conservative: false) }
        return negated || principalAccounts.contains { $0.matches(account) }
    }

    /// Whether the condition holds; `conservative` (deny statements) makes unknown facts match.
    func holds(_ evaluation: borrowing EvaluationFacts, conservative: Bool) -> Bool {
        let value: String?
        switch field {
        case .accounts: value = evaluation.facts.accountID
        case .regions: value = evaluation.facts.region
        case .actions: value = evaluation.action
        case .resources: value = evaluation.facts.resource
        case .hosts: value = evaluation.host
        case .methods: value = evaluation.facts.method
        case .principals: value = evaluation.facts.principal
        case .accessKeyIDs: value = evaluation.facts.accessKeyID
        case .paths: value = evaluation.facts.path
        case .principalsARN:
            guard let arns = evaluation.facts.principalARNs else {
                return unknown(conservative: conservative, couldMatch: true)
            }
            for arn in arns where globs.contains(where: { $0.matches(arn) }) { return !negated }
            return negated
        case .services:
            let signingName = evaluation.facts.signingName
            let iamPrefix = evaluation.facts.iamPrefix
            if signingName == nil, iamPrefix == nil {
                return unknown(conservative: conservative, couldMatch: true)
            }
            var matched = false
            for glob in globs where (signingName.map(glob.matches) ?? false) || (iamPrefix.map(glob.matches) ?? false) {
                matched = true
                break
            }
            return matched != negated
        case .sources:
            guard let address = evaluation.facts.sourceAddress else { return negated }
            return cidrs.contains { $0.contains(address) } != negated
        }
        guard let value else {
            if field == .principals { return negated || hasWildcard }  // absent, not unknown
            var couldMatch = true
            if field == .actions, let service = evaluation.actionService {
                couldMatch = actionServices.contains { $0.matches(service) }
            }
            return unknown(conservative: conservative, couldMatch: couldMatch)
        }
        for glob in globs where glob.matches(value) { return !negated }
        return negated
    }

    /// The fact this condition reads when the request leaves it unknown and the condition constrains it
    /// (not a plain `*`); `[]` otherwise. (Hosts, methods, sources and principals have no word: a host
    /// and a method are always known, sources and principals are absent, not unknown.)
    func unknownFact(_ evaluation: borrowing EvaluationFacts) -> MissingFacts {
        if hasWildcard, !negated { return [] }
        let facts = evaluation.facts
        switch field {
        case .accounts: return facts.accountID == nil ? .account : []
        case .regions: return facts.region == nil ? .region : []
        case .services: return facts.signingName == nil && facts.iamPrefix == nil ? .service : []
        case .actions: return evaluation.action == nil && facts.action == nil ? .action : []
        case .resources: return facts.resource == nil ? .resource : []
        case .paths: return facts.path == nil ? .path : []
        case .principalsARN: return facts.principalARNs == nil ? .caller : []
        case .hosts, .methods, .sources, .principals, .accessKeyIDs: return []
        }
    }

    func unknown(conservative: Bool, couldMatch: Bool) -> Bool {
        if hasWildcard, !negated { return true }
        return conservative && couldMatch
    }
}

struct Statement: Sendable {
    let name: String
    let effect: Effect
    let conditions: [Condition]
    /// Whether the statement names its hosts: a `hosts` condition whose every pattern has a first DNS
    /// label without wildcards (an API id, a function URL id).
    let pinsHost: Bool
    /// The decision when this statement allows (built once).
    let allowed: Decision
    /// Whether the statement has a `principals_arn` condition: it then decides only identity-authenticated
    /// requests, and the others only SigV4 requests.
    let appliesToIdentity: Bool
    /// `false` for a deny statement with `enforce: false`.
    let enforced: Bool

    init(name: String, effect: Effect, conditions: [Condition], hostPatterns: [String]?, enforced: Bool = true) {
        self.name = name
        self.enforced = enforced
        self.effect = effect
        self.conditions = conditions
        self.appliesToIdentity = conditions.contains { $0.field == .principalsARN }
        self.allowed = Decision(effect: .allow, reason: .allowed, rule: name, message: "allowed by rule \(name)")
        self.pinsHost =
            hostPatterns.map { patterns in
                !patterns.isEmpty
                    && patterns.allSatisfy { pattern in
                        let label =
                            pattern.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                        return !label.isEmpty && !label.contains("*") && !label.contains("?")
                    }
            } ?? false
    }

    func matches(_ facts: borrowing EvaluationFacts, conservative: Bool) -> Bool {
        for condition in conditions where !condition.holds(facts, conservative: conservative) {
            return false
        }
        return true
    }

    /// The unknown facts this statement's conditions constrain.
    func unknownFacts(_ facts: borrowing EvaluationFacts) -> MissingFacts {
        var missing: MissingFacts = []
        for condition in conditions { missing.formUnion(condition.unknownFact(facts)) }
        return missing
    }
}
