internal import IAMIdentity

/// How `suggest` groups and widens.
public struct SuggestionOptions: Sendable, Hashable {
    /// The fewest distinct values seen that a wildcard may stand for (`--min-wildcard`, 3); 0 never
    /// makes one.
    public var minWildcard: Int
    /// Whether `deny` records count as traffic to allow (`--include-denied`).
    public var includeDenied: Bool

    /// Creates options.
    public init(minWildcard: Int = 3, includeDenied: Bool = false) {
        self.minWildcard = minWildcard
        self.includeDenied = includeDenied
    }
}

/// One value of a suggested statement's condition, with the requests behind it.
public struct SuggestedPattern: Sendable, Hashable {
    /// The pattern as the configuration takes it.
    public var pattern: String
    /// The requests whose facts it matches (a request naming several values counts once per value).
    public var requests: Int
    /// The distinct values seen that a wildcard stands for (empty for an exact value).
    public var covers: [String]
    /// A remark for the comment (the account's name, a character a pattern cannot hold).
    public var note: String?
}

/// One suggested `effect: allow` statement.
public struct SuggestedStatement: Sendable, Hashable {
    /// The rule name (unique in the suggestion).
    public var name: String
    /// The requests it is for.
    public var requests: Int
    /// Its conditions in the order printed: the field name and its patterns (sorted).
    public var conditions: [(field: String, patterns: [SuggestedPattern])]

    /// The patterns of `field`, or `nil` when the statement has no such condition.
    public func patterns(_ field: String) -> [String]? {
        conditions.first { $0.field == field }?.patterns.map(\.pattern)
    }

    public static func == (lhs: SuggestedStatement, rhs: SuggestedStatement) -> Bool {
        lhs.name == rhs.name && lhs.requests == rhs.requests && lhs.conditions.count == rhs.conditions.count
            && zip(lhs.conditions, rhs.conditions).allSatisfy { $0.field == $1.field && $0.patterns == $1.patterns }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        for condition in conditions {
            hasher.combine(condition.field)
            hasher.combine(condition.patterns)
        }
    }
}

/// Requests of one account and service whose action is unknown: no actions list allows them, so the
/// statement that would is printed commented out, with the reason.
public struct WithheldStatement: Sendable, Hashable {
    /// The account, 12 digits.
    public var account: String
    /// The account's name in the records, if any.
    public var accountName: String?
    /// The signing name.
    public var service: String
    /// The regions seen.
    public var regions: [String]
    /// The requests.
    public var requests: Int
}

/// What happens to one record.
public enum Disposition: Sendable, Hashable {
    /// A `deny` record, left out (without `--include-denied`).
    case leftOut
    /// Traffic the suggestion allows.
    case allowed
    /// Traffic whose action is unknown: only a commented-out statement names it.
    case unknownAction
    /// Traffic no statement can allow, and why.
    case notAllowable(String)
}

/// The smallest policy that allows the requests of audit records: IAM Access Analyzer's policy
/// generation, for egress. See docs/suggest.md for the grouping and wildcard rules.
///
/// SigV4 requests: one statement per (account, action service) — split further when the owner of the
/// destination cannot be known (API Gateway, Lambda URLs, OpenSearch: the statement names the hosts)
/// and for requests that name no resource (`resources: ["*"]`) — with the accounts, regions, exact
/// actions and resources seen. Identity requests: one statement per (caller, host) — the role of an
/// assumed-role session — with the methods and paths seen. Wildcards: an action `svc:Verb*` stands
/// for at least ``SuggestionOptions/minWildcard`` distinct actions of that verb; a resource or path
/// prefix ending at `/` or `:` (never inside the ARN's account part or an S3 bucket's name, never the
/// path's first segment) stands for at least as many distinct values; neither when it would match a
/// value of a `deny` record left out of the same statement's scope.
public struct PolicySuggestion: Sendable {
    /// Traffic no statement can allow, by reason (sentence → requests).
    public private(set) var notAllowable: [String: Int] = [:]
    /// Records by decision (`allow`, `would_deny`, `deny`).
    public private(set) var decisions: [String: Int] = [:]
    /// Traffic records a deny statement decided (its rule → requests): an allow does not override it.
    public private(set) var deniedByStatements: [String: Int] = [:]
    /// The options used.
    public let options: SuggestionOptions

    /// The values of each statement's requests.
    private var groups: [GroupKey: Accumulator] = [:]
    /// Requests whose action is unknown: requests and regions.
    private var unknown: [UnknownKey: (requests: Int, regions: Set<String>)] = [:]
    /// Values of left-out deny records a wildcard must not match.
    private var refused: [RefusalKey: Set<String>] = [:]
    /// Account id → name → requests.
    private var names: [String: [String: Int]] = [:]

    /// Reasons decided before the policy: no statement changes them.
    static let policyReasons: Set<String> = [
        "allowed", "no_matching_rule", "account_not_allowed", "region_not_allowed", "service_not_allowed",
        "denied_by_rule",
    ]

    /// An empty suggestion; ``add(_:)`` the requests.
    public init(options: SuggestionOptions = SuggestionOptions()) {
        self.options = options
    }

    /// The suggestion for `requests`.
    public init(requests: [ObservedRequest], options: SuggestionOptions = SuggestionOptions()) {
        self.init(options: options)
        for request in requests { add(request) }
    }

    /// Takes one more request into account (only its counts and distinct values are kept).
    public mutating func add(_ request: ObservedRequest) {
        decisions[request.decision, default: 0] += 1
        if request.decision == "deny", !options.includeDenied {
            for (key, value) in Self.refusals(request) { refused[key, default: []].insert(value) }
            return
        }
        switch Self.grants(request) {
        case .failure(let reason):
            notAllowable[reason.sentence, default: 0] += 1
        case .success(.unknownAction(let key, let region)):
            var entry = unknown[key] ?? (0, [])
            entry.requests += 1
            entry.regions.insert(region)
            unknown[key] = entry
            if let name = request.accountName { names[key.account, default: [:]][name, default: 0] += 1 }
        case .success(.grants(let grants)):
            if request.reason == "denied_by_rule" {
                deniedByStatements[Sanitized.comment(request.rule ?? "unnamed"), default: 0] += 1
            }
            if let account = request.account, let name = request.accountName {
                names[account, default: [:]][name, default: 0] += 1
            }
            var byKey: [GroupKey: [Grant]] = [:]
            for grant in grants { byKey[grant.key, default: []].append(grant) }
            for (key, list) in byKey { groups[key, default: Accumulator()].add(list) }
        }
    }

    /// The suggested statements, sorted (by kind, account or caller, service or host).
    public var statements: [SuggestedStatement] {
        let accountLabels = Self.accountLabels(names)
        var statements: [SuggestedStatement] = []
        var used: Set<String> = []
        for key in groups.keys.sorted() {
            guard let accumulator = groups[key] else { continue }
            var statement = accumulator.statement(
                key: key, options: options, refused: refused, accountLabels: accountLabels)
            var name = statement.name
            var suffix = 2
            while !used.insert(name).inserted {
                name = "\(statement.name)-\(suffix)"
                suffix += 1
            }
            statement.name = name
            statements.append(statement)
        }
        return statements
    }

    /// The commented-out statements for unknown actions, sorted.
    public var withheld: [WithheldStatement] {
        let accountLabels = Self.accountLabels(names)
        return unknown.keys.sorted().compactMap { key in
            guard let entry = unknown[key] else { return nil }
            return WithheldStatement(
                account: key.account, accountName: accountLabels[key.account],
                service: key.service, regions: entry.regions.sorted(), requests: entry.requests)
        }
    }

    /// What happens to `request` under `options`: the property the tests check is that every
    /// ``Disposition/allowed`` request is allowed by the suggestion, and no other is.
    public static func disposition(of request: ObservedRequest, options: SuggestionOptions) -> Disposition {
        if request.decision == "deny", !options.includeDenied { return .leftOut }
        switch grants(request) {
        case .failure(let reason): return .notAllowable(reason.sentence)
        case .success(.unknownAction): return .unknownAction
        case .success(.grants): return .allowed
        }
    }

    // MARK: - One record

    /// Why a record cannot be allowed.
    struct Unallowable: Error {
        let sentence: String
    }

    enum Outcome {
        case grants([Grant])
        case unknownAction(UnknownKey, region: String)
    }

    /// The fixed actions whose destination's owner cannot be known (the contract's "Decision"): only
    /// a statement naming the host allows them.
    static func ownerUnverifiable(_ action: String) -> Bool {
        let lower = action.lowercased()
        return lower == "execute-api:invoke" || lower == "lambda:invokefunctionurl" || lower == "aoss:apiaccessall"
            || lower.hasPrefix("es:eshttp")
    }

    static func grants(_ request: ObservedRequest) -> Result<Outcome, Unallowable> {
        if let reason = request.reason, !policyReasons.contains(reason) {
            return .failure(
                Unallowable(
                    sentence:
                        "decided before the policy (\(Sanitized.comment(reason))): no statement changes that"))
        }
        if request.isIdentityRequest { return identityGrants(request).map { .grants([$0]) } }
        guard let account = request.account else {
            return .failure(Unallowable(sentence: "the account is unknown (an unsigned request or a legacy key)"))
        }
        guard Syntax.isAccount(account) else {
            return .failure(Unallowable(sentence: "the account is not a 12-digit id"))
        }
        guard let region = request.region else {
            return .failure(Unallowable(sentence: "the region is unknown"))
        }
        guard Syntax.isRegion(region) else {
            return .failure(Unallowable(sentence: "the region is not a region name"))
        }
        guard !request.pairs.isEmpty, !request.pairs.contains(where: { $0.action == nil }) else {
            guard let service = request.service, Syntax.isService(service) else {
                return .failure(Unallowable(sentence: "the action and the service are unknown"))
            }
            return .success(.unknownAction(UnknownKey(account: account, service: service), region: region))
        }
        var grants: [Grant] = []
        for pair in request.pairs {
            guard let action = pair.action, let service = Syntax.actionService(action) else {
                return .failure(Unallowable(sentence: "the action is not service:Action"))
            }
            var resource: Pattern?
            if let text = pair.resource {
                guard text.hasPrefix("arn:") else {
                    return .failure(Unallowable(sentence: "the resource is not an ARN"))
                }
                resource = Pattern(text)
            }
            var host: String?
            let pinned = ownerUnverifiable(action)
            if pinned {
                guard let name = request.host.flatMap(Syntax.hostName) else {
                    return .failure(
                        Unallowable(sentence: "the host, which must name an API, URL or domain, is not a host name"))
                }
                host = name
            }
            grants.append(
                Grant(
                    key: GroupKey(
                        kind: .sigV4(
                            account: account, service: service, pinned: pinned, anyResource: resource == nil)),
                    values: [
                        .accounts: [Pattern(account)], .regions: [Pattern(region)], .actions: [Pattern(action)],
                        .resources: resource.map { [$0] } ?? [Pattern("*")], .hosts: host.map { [Pattern($0)] } ?? [],
                    ]))
        }
        return .success(.grants(grants))
    }

    static func identityGrants(_ request: ObservedRequest) -> Result<Grant, Unallowable> {
        guard let arn = request.callerARN else {
            return .failure(Unallowable(sentence: "an identity request without a caller STS verified"))
        }
        guard arn.hasPrefix("arn:"), arn.split(separator: ":", omittingEmptySubsequences: false).count >= 6 else {
            return .failure(Unallowable(sentence: "the caller is not an ARN"))
        }
        let principal = CallerIdentity(arn: arn, account: "", userID: "").matchableARNs.last ?? arn
        guard let host = request.host.flatMap(Syntax.hostName) else {
            return .failure(Unallowable(sentence: "the host of an identity request is not a host name"))
        }
        guard let method = request.method, Syntax.isMethod(method) else {
            return .failure(Unallowable(sentence: "the method is not an HTTP method"))
        }
        guard let path = request.path.flatMap(Syntax.decodedPath) else {
            return .failure(
                Unallowable(
                    sentence:
                        "the path cannot be read one way (an encoded / or \\, a . or .. segment, //): paths conditions cannot match it"
                ))
        }
        let principalPattern = Pattern(principal)
        return .success(
            Grant(
                key: GroupKey(kind: .identity(principal: principalPattern.text, host: host)),
                values: [
                    .principalsARN: [principalPattern], .hosts: [Pattern(host)], .methods: [Pattern(method)],
                    .paths: [Pattern(path)],
                ]))
    }

    /// The values of a left-out deny record a wildcard must not match, by the scope they refuse.
    static func refusals(_ request: ObservedRequest) -> [(RefusalKey, String)] {
        if request.isIdentityRequest {
            guard let arn = request.callerARN, let host = request.host.flatMap(Syntax.hostName),
                let path = request.path.flatMap(Syntax.decodedPath)
            else { return [] }
            let principal = Pattern(CallerIdentity(arn: arn, account: "", userID: "").matchableARNs.last ?? arn).text
            return [(RefusalKey(scope: "identity \(principal) \(host)", field: .paths), path)]
        }
        guard let account = request.account else { return [] }
        var out: [(RefusalKey, String)] = []
        for pair in request.pairs {
            guard let action = pair.action, let service = Syntax.actionService(action) else { continue }
            let scope = "\(account) \(service)"
            out.append((RefusalKey(scope: scope, field: .actions), action))
            if let resource = pair.resource { out.append((RefusalKey(scope: scope, field: .resources), resource)) }
        }
        return out
    }

    /// The label of each account in rule names: its name in the records when that name is a valid rule
    /// name part and no other account has it, else its id.
    static func accountLabels(_ names: [String: [String: Int]]) -> [String: String] {
        var chosen: [String: String] = [:]
        for (account, counts) in names {
            // The most frequent name, ties broken by order: deterministic.
            if let best = counts.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }).first?
                .key, Syntax.isNamePart(best)
            {
                chosen[account] = best
            }
        }
        var users: [String: Int] = [:]
        for name in chosen.values { users[name, default: 0] += 1 }
        return chosen.filter { users[$0.value] == 1 }
    }
}

// MARK: - Grouping

/// The conditions a statement can have, in the order printed.
enum Field: String, CaseIterable, Comparable, Sendable {
    case accounts, regions, principalsARN = "principals_arn", actions, resources, hosts, methods, paths

    static func < (lhs: Field, rhs: Field) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}

/// A value made a pattern: bytes a pattern cannot hold (spaces, control and non-ASCII bytes) become
/// `?` (one byte each, as `Glob` matches), noted.
struct Pattern: Hashable, Comparable, Sendable {
    let text: String
    /// Whether a byte was replaced.
    let approximated: Bool

    init(_ value: String) {
        var bytes: [UInt8] = []
        var replaced = false
        for byte in value.utf8 {
            if byte > 0x20, byte < 0x7F {
                bytes.append(byte)
            } else {
                bytes.append(UInt8(ascii: "?"))
                replaced = true
            }
        }
        text = String(decoding: bytes, as: UTF8.self)
        approximated = replaced
    }

    static func < (lhs: Pattern, rhs: Pattern) -> Bool { lhs.text < rhs.text }
}

/// A statement's scope.
struct GroupKey: Hashable, Comparable, Sendable {
    enum Kind: Hashable, Sendable {
        case sigV4(account: String, service: String, pinned: Bool, anyResource: Bool)
        case identity(principal: String, host: String)
    }
    let kind: Kind

    var sortKey: [String] {
        switch kind {
        case .sigV4(let account, let service, let pinned, let anyResource):
            return ["0", account, service, pinned ? "1" : "0", anyResource ? "1" : "0"]
        case .identity(let principal, let host):
            return ["1", principal, host]
        }
    }

    static func < (lhs: GroupKey, rhs: GroupKey) -> Bool { lhs.sortKey.lexicographicallyPrecedes(rhs.sortKey) }
}

/// One pair of a request, as the values its statement's conditions must hold.
struct Grant {
    let key: GroupKey
    let values: [Field: [Pattern]]
}

/// Requests of a service whose action is unknown.
struct UnknownKey: Hashable, Comparable, Sendable {
    let account: String
    let service: String

    static func < (lhs: UnknownKey, rhs: UnknownKey) -> Bool {
        (lhs.account, lhs.service) < (rhs.account, rhs.service)
    }
}

/// Where a left-out deny record's value refuses a wildcard: `"ACCOUNT SERVICE"` for actions and
/// resources, `"identity PRINCIPAL HOST"` for paths.
struct RefusalKey: Hashable, Sendable {
    let scope: String
    let field: Field
}

/// The values of one statement's requests.
struct Accumulator {
    var requests = 0
    /// Requests by value, per field (a request counts once per distinct value).
    var values: [Field: [Pattern: Int]] = [:]

    mutating func add(_ grants: [Grant]) {
        requests += 1
        var seen: [Field: Set<Pattern>] = [:]
        for grant in grants {
            for (field, patterns) in grant.values {
                for pattern in patterns { seen[field, default: []].insert(pattern) }
            }
        }
        for (field, patterns) in seen {
            for pattern in patterns { values[field, default: [:]][pattern, default: 0] += 1 }
        }
    }

    func statement(
        key: GroupKey, options: SuggestionOptions, refused: [RefusalKey: Set<String>], accountLabels: [String: String]
    ) -> SuggestedStatement {
        let name: String
        let scope: String
        switch key.kind {
        case .sigV4(let account, let service, let pinned, let anyResource):
            name =
                "suggested-\(accountLabels[account] ?? account)-\(Syntax.namePart(service))\(pinned ? "-hosts" : "")\(anyResource ? "-any-resource" : "")"
            scope = "\(account) \(service)"
        case .identity(let principal, let host):
            let role = principal.split(separator: "/").last.map(String.init) ?? principal
            name = "suggested-identity-\(Syntax.namePart(role))-\(Syntax.namePart(host))"
            scope = "identity \(principal) \(host)"
        }
        var conditions: [(field: String, patterns: [SuggestedPattern])] = []
        for field in values.keys.sorted() {
            guard let counts = values[field], !counts.isEmpty else { continue }
            // A refused value the statement allows exactly anyway refuses no wildcard.
            let seen = Set(counts.keys.map(\.text))
            let denied = (refused[RefusalKey(scope: scope, field: field)] ?? []).filter { !seen.contains($0) }.sorted()
            let patterns: [SuggestedPattern]
            switch field {
            case .actions:
                patterns = Wildcards.actions(counts, min: options.minWildcard, refused: denied)
            case .resources:
                patterns = Wildcards.prefixes(
                    counts, min: options.minWildcard, refused: denied, fixedLength: Wildcards.arnFixedLength)
            case .paths:
                patterns = Wildcards.prefixes(
                    counts, min: options.minWildcard, refused: denied, fixedLength: Wildcards.pathFixedLength)
            default:
                patterns = Wildcards.exact(counts)
            }
            var noted = patterns
            if field == .accounts {
                for index in noted.indices {
                    if let label = accountLabels[noted[index].pattern] { noted[index].note = label }
                }
            }
            conditions.append((field.rawValue, noted))
        }
        return SuggestedStatement(name: name, requests: requests, conditions: conditions)
    }
}
