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
    let statements: [Statement]
    /// Statement indices (ascending) by literal account id.
    let byAccount: [String: [Int]]
    /// Statement indices (ascending) that apply to any account.
    let anyAccount: [Int]
    /// Statement indices (ascending) by (account or any, action service or any).
    let buckets: [BucketKey: [Int]]
    let allowlist: [AllowlistAccount]?

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
            statements.append(Statement(name: source.name, effect: source.effect, conditions: conditions))
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
        if !issues.isEmpty { throw ConfigError(issues) }

        self.config = config
        self.accountNames = idsWithNames
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
                            pattern: Glob($0.pattern), region: $0.pattern, services: $0.services.map { Glob($0) })
                    })
            }
        }
    }

    /// A one-line summary, for logs and `validate`.
    public var summary: String {
        let accounts = config.accounts.map { "\($0.count) accounts" } ?? "no accounts: allowlist"
        let denies = config.rules.filter { $0.effect == .deny }.count
        return
            "\(accounts), \(config.rules.count) rules (\(denies) deny), default \(config.defaultEffect.rawValue), \(config.credentials.keys.count) known keys"
    }

    /// Evaluates `facts`. Never throws: a denial is a result.
    public func evaluate(_ facts: RequestFacts) -> Decision {
        let lowerAction = facts.action?.lowercased()
        // The action's own prefix when known (it is what actions patterns match), else the IAM prefix.
        let actionService =
            lowerAction.flatMap { $0.split(separator: ":", maxSplits: 1).first.map(String.init) }
            ?? (facts.iamPrefix ?? facts.signingName)?.lowercased()

        // Candidate statements, each list ascending: with a known service, the four buckets
        // (account, service) × (exact, any); otherwise every statement of the account and of any account.
        var lists: [[Int]] = []
        lists.reserveCapacity(4)
        if let actionService {
            let accounts: [String?] = facts.accountID.map { [$0, nil] } ?? [nil]
            for account in accounts {
                for service in [actionService, nil] {
                    if let list = buckets[BucketKey(account: account, service: service)] { lists.append(list) }
                }
            }
        } else {
            if let account = facts.accountID, let list = byAccount[account] { lists.append(list) }
            lists.append(anyAccount)
        }
        let evaluation = EvaluationFacts(
            facts: facts, action: lowerAction, actionService: actionService, host: facts.host?.lowercased())
        let candidates: [Int] = lists.count == 1 ? lists[0] : Self.merge(lists)

        // 1. deny statements, 2. allow statements — each in file order over the candidates.
        var firstAllow: Int?
        for index in candidates {
            let statement = statements[index]
            switch statement.effect {
            case .deny:
                if statement.matches(evaluation, conservative: true) {
                    return .deny(
                        .deniedByRule, "\(describe(facts)) is denied by rule \(statement.name)", rule: statement.name)
                }
            case .allow:
                if firstAllow == nil, statement.matches(evaluation, conservative: false) {
                    firstAllow = index
                }
            }
        }
        if let firstAllow {
            let name = statements[firstAllow].name
            return Decision(effect: .allow, reason: .allowed, rule: name, message: "allowed by rule \(name)")
        }

        // The accounts: allowlist.
        var failedLevel = ReasonCode.noMatchingRule
        if let allowlist {
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
                    if allowed {
                        let rule = "accounts[\"\(entry.pattern)\"].regions[\"\(region.region)\"]"
                        return Decision(effect: .allow, reason: .allowed, rule: rule, message: "allowed by \(rule)")
                    }
                }
            }
        }

        if config.defaultEffect == .allow {
            return Decision(effect: .allow, reason: .allowed, rule: "default", message: "allowed by default: allow")
        }
        let account = facts.accountID ?? "of an unknown account"
        let service = facts.signingName ?? facts.iamPrefix ?? "an unknown service"
        let region = facts.region ?? "an unknown region"
        switch failedLevel {
        case .accountNotAllowed:
            return .deny(
                .accountNotAllowed, "account \(account) is not allowed to call \(service) in \(region)", rule: "default"
            )
        case .regionNotAllowed:
            return .deny(
                .regionNotAllowed, "account \(account) is not allowed to use region \(region) (service \(service))",
                rule: "default")
        case .serviceNotAllowed:
            return .deny(
                .serviceNotAllowed, "account \(account) is not allowed to call \(service) in \(region)", rule: "default"
            )
        default:
            return .deny(.noMatchingRule, "no rule allows \(describe(facts))", rule: "default")
        }
    }

    /// Merges ascending, disjoint index lists into one ascending list.
    static func merge(_ lists: [[Int]]) -> [Int] {
        var merged: [Int] = []
        merged.reserveCapacity(lists.reduce(0) { $0 + $1.count })
        for list in lists { merged.append(contentsOf: list) }
        merged.sort()
        return merged
    }

    func describe(_ facts: RequestFacts) -> String {
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

    func unknown(conservative: Bool, couldMatch: Bool) -> Bool {
        if hasWildcard, !negated { return true }
        return conservative && couldMatch
    }
}

struct Statement: Sendable {
    let name: String
    let effect: Effect
    let conditions: [Condition]

    func matches(_ facts: borrowing EvaluationFacts, conservative: Bool) -> Bool {
        for condition in conditions where !condition.holds(facts, conservative: conservative) {
            return false
        }
        return true
    }
}
