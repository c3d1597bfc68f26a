/// A problem that does not stop a configuration from loading: `validate` prints it (and fails with
/// `--strict`), the server logs it when it loads or reloads the file.
public struct ConfigWarning: Sendable, Hashable, CustomStringConvertible {
    /// Where it is.
    public var position: SourcePosition
    /// What is wrong, starting with the rule's name.
    public var message: String

    /// Creates a warning.
    public init(position: SourcePosition, message: String) {
        self.position = position
        self.message = message
    }

    /// `file:line:column: warning: message`.
    public var description: String { "\(position): warning: \(message)" }
}

/// The IAM action names a request's facts can carry, by prefix, for the prefixes whose names are
/// all known (AWSClassifier's `IAMActionCatalog` fills it; Policy does not know AWS).
public struct KnownActions: Sendable {
    /// An operation whose action has another name.
    public struct Renamed: Sendable, Hashable {
        /// The service model (botocore's name: `s3`, `s3control`).
        public var model: String
        /// The operation (`PutPublicAccessBlock`).
        public var operation: String
        /// Its action (`s3:PutBucketPublicAccessBlock`).
        public var action: String

        /// Creates one.
        public init(model: String, operation: String, action: String) {
            self.model = model
            self.operation = operation
            self.action = action
        }
    }

    /// The prefixes checked (lower case); any other prefix is never warned about.
    public var checked: Set<String>
    /// By lower-case prefix: lower-case action name → the action as AWS spells it.
    public var actions: [String: [String: String]]
    /// By lower-case prefix and lower-case operation name: the operations whose action differs.
    public var renamedOperations: [String: [String: [Renamed]]]
    /// By lower-case prefix: the service's name in sentences (`S3`).
    public var titles: [String: String]

    /// Creates the table.
    public init(
        checked: Set<String>, actions: [String: [String: String]], renamedOperations: [String: [String: [Renamed]]],
        titles: [String: String]
    ) {
        self.checked = checked
        self.actions = actions
        self.renamedOperations = renamedOperations
        self.titles = titles
    }
}

/// The check that every action a statement names can match: a literal action of a checked prefix is
/// one classification derives, a wildcard pattern of one matches at least one (`s3:PutPublicAccessBlock`
/// never matched anything: S3 authorizes that operation as `s3:PutBucketPublicAccessBlock`).
///
/// Run when a configuration is loaded only (validate, serve, reload), never per request.
public enum ActionNameCheck {
    /// The warnings for the configuration file at `path` (already loaded without errors: a file that
    /// cannot be read gives none).
    public static func warnings(path: String, known: KnownActions) -> [ConfigWarning] {
        guard let root = try? YAMLDocument.read(path: path) else { return [] }
        return warnings(root: root, known: known)
    }

    /// The warnings for a configuration's text; `path` is used in positions.
    public static func warnings(text: String, path: String = "<string>", known: KnownActions) -> [ConfigWarning] {
        guard let root = try? YAMLDocument.parse(text, path: path) else { return [] }
        return warnings(root: root, known: known)
    }

    static func warnings(root: YAMLNode, known: KnownActions) -> [ConfigWarning] {
        guard let rules = root.mapping?.first(where: { $0.key.scalar == "rules" })?.value.sequence else { return [] }
        var warnings: [ConfigWarning] = []
        for rule in rules {
            guard let pairs = rule.mapping else { continue }
            let name = pairs.first(where: { $0.key.scalar == "name" })?.value.scalar ?? "?"
            for (key, value) in pairs where key.scalar == "actions" || key.scalar == "not_actions" {
                let items = value.sequence ?? [value]
                for item in items {
                    guard let pattern = item.scalar, let problem = problem(pattern, known: known) else { continue }
                    warnings.append(ConfigWarning(position: item.position, message: "rule \(name): \(problem)"))
                }
            }
        }
        return warnings
    }

    /// What is wrong with one action pattern; `nil` when it can match or its prefix is not checked.
    package static func problem(_ pattern: String, known: KnownActions) -> String? {
        guard let colon = pattern.firstIndex(of: ":") else { return nil }
        let prefix = pattern[..<colon].lowercased()
        let name = String(pattern[pattern.index(after: colon)...])
        guard known.checked.contains(prefix), !name.isEmpty, !prefix.contains(where: { $0 == "*" || $0 == "?" })
        else { return nil }
        let names = known.actions[prefix] ?? [:]
        let lowered = name.lowercased()
        if lowered.contains(where: { $0 == "*" || $0 == "?" }) {
            let glob = Array(lowered.utf8)
            if names.keys.contains(where: { matches(glob[...], Array($0.utf8)[...]) }) { return nil }
            return "\(pattern) matches no IAM action of \(prefix) that sigv4-authz derives"
        }
        if names[lowered] != nil { return nil }
        let head = "\(pattern) is not an IAM action of \(prefix) that sigv4-authz derives"
        if let renamed = known.renamedOperations[prefix]?[lowered], let first = renamed.first {
            let title = known.titles[prefix] ?? prefix
            var text = "\(head); \(title) authorizes the \(first.operation) operation as \(first.action)"
            for other in renamed.dropFirst() { text += " (\(other.model)'s \(other.operation) as \(other.action))" }
            return text
        }
        let close = names.map { (distance: editDistance(lowered, $0.key, limit: 3), action: $0.value) }
            .filter { $0.distance <= 3 }
            .sorted { ($0.distance, $0.action) < ($1.distance, $1.action) }
            .prefix(3).map(\.action)
        switch close.count {
        case 0: return head
        case 1: return "\(head); did you mean \(close[0])?"
        default:
            return "\(head); did you mean \(close.dropLast().joined(separator: ", ")) or \(close[close.count - 1])?"
        }
    }

    /// Whether the lower-case glob (`*`, `?`) matches the whole lower-case name (the two-pointer
    /// match: linear in practice, never exponential, whatever the pattern).
    package static func matches(_ pattern: ArraySlice<UInt8>, _ value: ArraySlice<UInt8>) -> Bool {
        let p = Array(pattern)
        let v = Array(value)
        var i = 0
        var j = 0
        var star: Int?
        var resume = 0
        while j < v.count {
            if i < p.count, p[i] == UInt8(ascii: "?") || p[i] == v[j] {
                i += 1
                j += 1
            } else if i < p.count, p[i] == UInt8(ascii: "*") {
                star = i
                resume = j
                i += 1
            } else if let star {
                i = star + 1
                resume += 1
                j = resume
            } else {
                return false
            }
        }
        while i < p.count, p[i] == UInt8(ascii: "*") { i += 1 }
        return i == p.count
    }

    /// Levenshtein distance of two ASCII-ish strings; anything above `limit` is `limit + 1`.
    package static func editDistance(_ a: String, _ b: String, limit: Int) -> Int {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        if abs(x.count - y.count) > limit { return limit + 1 }
        var previous = Array(0...y.count)
        for i in 1...max(x.count, 1) where !x.isEmpty {
            var current = [i] + Array(repeating: 0, count: y.count)
            for j in 1...max(y.count, 1) where !y.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            if current.min() ?? 0 > limit { return limit + 1 }
            previous = current
        }
        return min(previous[y.count], limit + 1)
    }
}
