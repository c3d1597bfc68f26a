internal import Foundation
internal import Yams

/// Reads and validates a configuration file.
///
/// Validation is strict: unknown keys, wrong types, bad patterns, bad CIDRs, bad durations, duplicate
/// rule names and account names that collide with ids are all errors with `file:line:column` and a
/// sentence that says how to fix them. Every problem in the file is reported, not only the first.
///
/// ```swift
/// do {
///     let config = try ConfigLoader.load(path: "config.yaml")
///     let policy = try CompiledPolicy(config)
/// } catch {
///     print(error)   // config.yaml:12:7: unknown key 'acounts' at the top level; expected one of …
/// }
/// ```
public enum ConfigLoader {
    /// Reads and validates the file at `path`.
    public static func load(path: String) throws(ConfigError) -> PolicyConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError([
                ConfigIssue(position: SourcePosition(file: path, line: 0, column: 0), message: "cannot read the file")
            ])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError([
                ConfigIssue(
                    position: SourcePosition(file: path, line: 1, column: 1), message: "the file is not UTF-8 text")
            ])
        }
        return try parse(text, path: path)
    }

    /// Validates configuration text; `path` is used in positions.
    public static func parse(_ text: String, path: String = "<string>") throws(ConfigError) -> PolicyConfig {
        var reader = Reader(file: path)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError([reader.yamlIssue(error)])
        } catch {
            throw ConfigError([
                ConfigIssue(position: SourcePosition(file: path, line: 1, column: 1), message: "\(error)")
            ])
        }
        var config = PolicyConfig(path: path)
        guard let root else {
            throw ConfigError([
                ConfigIssue(
                    position: SourcePosition(file: path, line: 1, column: 1),
                    message: "the file is empty; write at least 'default: deny'")
            ])
        }
        reader.readTop(root, into: &config)
        if !reader.issues.isEmpty { throw ConfigError(reader.issues) }
        return config
    }
}

/// Walks the YAML tree, filling a ``PolicyConfig`` and collecting issues.
struct Reader {
    let file: String
    var issues: [ConfigIssue] = []

    init(file: String) { self.file = file }

    func position(_ node: Node) -> SourcePosition {
        let mark = node.mark
        return SourcePosition(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0)
    }

    mutating func fail(_ node: Node, _ message: String) {
        issues.append(ConfigIssue(position: position(node), message: message))
    }

    func yamlIssue(_ error: YamlError) -> ConfigIssue {
        func issue(_ mark: Mark, _ problem: String) -> ConfigIssue {
            ConfigIssue(
                position: SourcePosition(file: file, line: mark.line, column: mark.column),
                message: "YAML syntax: \(problem)")
        }
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return issue(mark, problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return issue(
                context.mark,
                "the key '\(duplicates.joined(separator: "', '"))' appears twice in the same mapping; keep one")
        default:
            return ConfigIssue(position: SourcePosition(file: file, line: 1, column: 1), message: "YAML: \(error)")
        }
    }

    // MARK: Generic shapes

    /// The pairs of a mapping with scalar keys, or `nil` (and an issue) when `node` is not a mapping.
    mutating func mapping(_ node: Node, _ what: String) -> [(key: String, keyNode: Node, value: Node)]? {
        guard let mapping = node.mapping else {
            fail(node, "\(what) must be a mapping of keys to values")
            return nil
        }
        var pairs: [(String, Node, Node)] = []
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                fail(key, "\(what) keys must be plain strings")
                continue
            }
            pairs.append((name, key, value))
        }
        return pairs
    }

    mutating func checkKeys(_ pairs: [(key: String, keyNode: Node, value: Node)], allowed: [String], in what: String) {
        for pair in pairs where !allowed.contains(pair.key) {
            fail(
                pair.keyNode,
                "unknown key '\(pair.key)' in \(what); expected one of: \(allowed.joined(separator: ", "))")
        }
    }

    mutating func string(_ node: Node, _ what: String) -> String? {
        guard let scalar = node.scalar, !scalar.string.isEmpty else {
            fail(node, "\(what) must be a non-empty string")
            return nil
        }
        return scalar.string
    }

    mutating func bool(_ node: Node, _ what: String) -> Bool? {
        guard let scalar = node.scalar, ["true", "false"].contains(scalar.string) else {
            fail(node, "\(what) must be true or false")
            return nil
        }
        return scalar.string == "true"
    }

    /// A string or a list of strings.
    mutating func strings(_ node: Node, _ what: String) -> [(String, Node)]? {
        if let scalar = node.scalar {
            guard !scalar.string.isEmpty else {
                fail(node, "\(what) must not be empty")
                return nil
            }
            return [(scalar.string, node)]
        }
        guard let sequence = node.sequence else {
            fail(node, "\(what) must be a string or a list of strings")
            return nil
        }
        guard !sequence.isEmpty else {
            fail(node, "\(what) is an empty list; remove it or list at least one value")
            return nil
        }
        var result: [(String, Node)] = []
        for item in sequence {
            guard let scalar = item.scalar, !scalar.string.isEmpty else {
                fail(item, "\(what) must hold only non-empty strings")
                continue
            }
            result.append((scalar.string, item))
        }
        return result
    }

    // MARK: Top level

    static let topKeys = ["listen", "tls", "credentials", "accounts", "rules", "default", "audit", "server", "s3"]

    mutating func readTop(_ root: Node, into config: inout PolicyConfig) {
        guard let pairs = mapping(root, "the configuration") else { return }
        checkKeys(pairs, allowed: Self.topKeys, in: "the top level")
        for (key, _, value) in pairs {
            switch key {
            case "listen": readListen(value, into: &config.listen)
            case "tls": config.tls = readTLS(value)
            case "credentials": readCredentials(value, into: &config.credentials)
            case "accounts": config.accounts = readAccounts(value)
            case "rules": config.rules = readRules(value)
            case "default":
                if let text = string(value, "default") {
                    if let effect = Effect(rawValue: text) {
                        config.defaultEffect = effect
                    } else {
                        fail(value, "default must be 'allow' or 'deny', not '\(text)'")
                    }
                }
            case "audit": readAudit(value, into: &config.audit)
            case "server": readServer(value, into: &config.server)
            case "s3": readS3(value, into: &config.s3)
            default: break
            }
        }
    }

    mutating func readListen(_ node: Node, into listen: inout PolicyConfig.Listen) {
        guard let pairs = mapping(node, "listen") else { return }
        checkKeys(pairs, allowed: ["http", "grpc", "admin"], in: "listen")
        for (key, _, value) in pairs {
            guard let address = string(value, "listen.\(key)") else { continue }
            guard Self.isHostPort(address) else {
                fail(
                    value,
                    "listen.\(key) must be host:port with a port from 0 (any free port) to 65535, such as 0.0.0.0:8080 or [::]:8080"
                )
                continue
            }
            switch key {
            case "http": listen.http = address
            case "grpc": listen.grpc = address
            case "admin": listen.admin = address
            default: break
            }
        }
    }

    static func isHostPort(_ text: String) -> Bool {
        guard let colon = text.lastIndex(of: ":") else { return false }
        let host = text[..<colon]
        let port = text[text.index(after: colon)...]
        guard let number = Int(port), (0...65535).contains(number), port.allSatisfy(\.isNumber) else { return false }
        if host.hasPrefix("[") { return host.hasSuffix("]") && IPAddress(host) != nil }
        return !host.isEmpty && host.allSatisfy { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }
    }

    mutating func readTLS(_ node: Node) -> PolicyConfig.TLS? {
        guard let pairs = mapping(node, "tls") else { return nil }
        checkKeys(pairs, allowed: ["cert", "key", "client_ca"], in: "tls")
        var cert: String?
        var key: String?
        var clientCA: String?
        for (name, _, value) in pairs {
            switch name {
            case "cert": cert = string(value, "tls.cert")
            case "key": key = string(value, "tls.key")
            case "client_ca": clientCA = string(value, "tls.client_ca")
            default: break
            }
        }
        guard let cert, let key else {
            fail(node, "tls needs both cert and key (paths to PEM files)")
            return nil
        }
        return PolicyConfig.TLS(certificate: cert, key: key, clientCA: clientCA)
    }

    mutating func readCredentials(_ node: Node, into credentials: inout PolicyConfig.Credentials) {
        guard let pairs = mapping(node, "credentials") else { return }
        checkKeys(
            pairs, allowed: ["require_signature", "max_clock_skew", "legacy_access_keys", "keys"], in: "credentials")
        for (key, _, value) in pairs {
            switch key {
            case "require_signature":
                if let flag = bool(value, "credentials.require_signature") { credentials.requireSignature = flag }
            case "max_clock_skew":
                guard let text = string(value, "credentials.max_clock_skew") else { continue }
                guard let milliseconds = DurationParser.milliseconds(text), milliseconds >= 1000,
                    milliseconds <= 86_400_000,
                    milliseconds % 1000 == 0
                else {
                    fail(
                        value,
                        "credentials.max_clock_skew must be a duration from 1s to 24h in whole seconds, such as 15m or 300s; '\(text)' is not"
                    )
                    continue
                }
                credentials.maxClockSkewSeconds = milliseconds / 1000
            case "legacy_access_keys":
                guard let text = string(value, "credentials.legacy_access_keys") else { continue }
                guard let mode = PolicyConfig.LegacyKeys(rawValue: text) else {
                    fail(value, "credentials.legacy_access_keys must be 'deny' or 'allow', not '\(text)'")
                    continue
                }
                credentials.legacyAccessKeys = mode
            case "keys":
                credentials.keys = readKeys(value)
            default: break
            }
        }
    }

    mutating func readKeys(_ node: Node) -> [PolicyConfig.Key] {
        guard let sequence = node.sequence else {
            fail(node, "credentials.keys must be a list of {access_key_id, secret_env or secret_file}")
            return []
        }
        var keys: [PolicyConfig.Key] = []
        var seen: Set<String> = []
        for item in sequence {
            guard let pairs = mapping(item, "a credentials.keys entry") else { continue }
            checkKeys(
                pairs, allowed: ["access_key_id", "secret_env", "secret_file", "require_verification", "secret"],
                in: "a credentials.keys entry")
            var id: String?
            var secret: PolicyConfig.SecretSource?
            var sources = 0
            var requireVerification = false
            for (key, keyNode, value) in pairs {
                switch key {
                case "access_key_id":
                    if let text = string(value, "access_key_id") {
                        if text.count >= 16, text.count <= 128,
                            text.allSatisfy({ ($0.isUppercase || $0.isNumber) && $0.isASCII })
                        {
                            id = text
                        } else {
                            fail(value, "access_key_id must be 16 to 128 upper-case letters and digits, such as AKIA…")
                        }
                    }
                case "secret_env":
                    sources += 1
                    if let name = string(value, "secret_env") {
                        if name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) {
                            secret = .environment(name)
                        } else {
                            fail(value, "secret_env must name an environment variable (letters, digits, _)")
                        }
                    }
                case "secret_file":
                    sources += 1
                    if let path = string(value, "secret_file") { secret = .file(path) }
                case "require_verification":
                    if let flag = bool(value, "require_verification") { requireVerification = flag }
                case "secret":
                    fail(keyNode, "secrets are never written in the configuration; use secret_env or secret_file")
                default: break
                }
            }
            guard sources == 1 else {
                fail(item, "each key needs exactly one of secret_env or secret_file")
                continue
            }
            guard let id, let secret else {
                if id == nil, !pairs.contains(where: { $0.key == "access_key_id" }) {
                    fail(item, "each key needs an access_key_id")
                }
                continue
            }
            guard seen.insert(id).inserted else {
                fail(item, "the access key \(id) is listed twice; keep one entry")
                continue
            }
            keys.append(
                PolicyConfig.Key(
                    accessKeyID: id, secret: secret, requireVerification: requireVerification, position: position(item))
            )
        }
        return keys
    }

    // MARK: accounts (Clotho-compatible)

    mutating func readAccounts(_ node: Node) -> [PolicyConfig.AccountEntry] {
        guard let pairs = mapping(node, "accounts") else { return [] }
        var entries: [PolicyConfig.AccountEntry] = []
        for (key, keyNode, value) in pairs {
            guard key == "*" || (key.count == 12 && key.allSatisfy { $0.isASCII && $0.isNumber }) else {
                fail(
                    keyNode,
                    "account keys are 12-digit account ids (quote them: \"012345678901\") or \"*\"; '\(key)' is neither"
                )
                continue
            }
            guard let fields = mapping(value, "accounts[\"\(key)\"]") else { continue }
            checkKeys(fields, allowed: ["name", "regions"], in: "accounts[\"\(key)\"]")
            var name: String?
            var regions: [(String, [String])] = []
            var sawRegions = false
            for (field, _, fieldValue) in fields {
                switch field {
                case "name":
                    guard let text = string(fieldValue, "an account name") else { continue }
                    if text.count == 12, text.allSatisfy(\.isNumber) {
                        fail(
                            fieldValue,
                            "the account name '\(text)' looks like an account id; choose a name with a letter in it")
                    } else if !Self.isName(text) || text.contains("*") || text.contains("?") {
                        fail(
                            fieldValue,
                            "an account name is letters, digits, '-', '_' and '.', such as 'prod'; '\(text)' is not")
                    } else {
                        name = text
                    }
                case "regions":
                    sawRegions = true
                    regions = readRegions(fieldValue, account: key)
                default: break
                }
            }
            if !sawRegions {
                fail(value, "accounts[\"\(key)\"] needs regions: with at least one region and its services")
            }
            entries.append(
                PolicyConfig.AccountEntry(pattern: key, name: name, regions: regions, position: position(keyNode)))
        }
        return entries
    }

    mutating func readRegions(_ node: Node, account: String) -> [(String, [String])] {
        guard let pairs = mapping(node, "accounts[\"\(account)\"].regions") else { return [] }
        var regions: [(String, [String])] = []
        for (region, regionNode, value) in pairs {
            guard Self.isPattern(region, extra: "-") else {
                fail(
                    regionNode,
                    "a region is lower-case letters, digits and '-', or a pattern with * and ?; '\(region)' is not")
                continue
            }
            guard let fields = mapping(value, "regions[\"\(region)\"]") else { continue }
            checkKeys(fields, allowed: ["services"], in: "regions[\"\(region)\"]")
            guard let servicesNode = fields.first(where: { $0.key == "services" })?.value else {
                fail(value, "regions[\"\(region)\"] needs services: [ … ]")
                continue
            }
            var services: [String] = []
            for (service, serviceNode) in strings(servicesNode, "services") ?? [] {
                guard Self.isPattern(service, extra: "-.") else {
                    fail(
                        serviceNode,
                        "a service is a signing name such as s3 or dynamodb, or a pattern with * and ?; '\(service)' is not"
                    )
                    continue
                }
                services.append(service)
            }
            regions.append((region, services))
        }
        return regions
    }

    // MARK: rules

    mutating func readRules(_ node: Node) -> [PolicyConfig.Statement] {
        guard let sequence = node.sequence else {
            fail(node, "rules must be a list of statements, each starting with '- name: …'")
            return []
        }
        var statements: [PolicyConfig.Statement] = []
        var names: Set<String> = []
        let allowedKeys =
            ["name", "effect"] + PolicyConfig.Field.allCases.flatMap { [$0.rawValue, "not_" + $0.rawValue] }
        for item in sequence {
            guard let pairs = mapping(item, "a rule") else { continue }
            checkKeys(pairs, allowed: allowedKeys, in: "a rule")
            var name: String?
            var effect: Effect?
            var conditions: [(PolicyConfig.Field, Bool, [String])] = []
            var seenFields: Set<PolicyConfig.Field> = []
            for (key, keyNode, value) in pairs {
                if key == "name" {
                    if let text = string(value, "a rule name") {
                        if !Self.isName(text) {
                            fail(value, "a rule name is letters, digits, '-', '_' and '.'; '\(text)' is not")
                        } else if !names.insert(text).inserted {
                            fail(value, "the rule name '\(text)' is used twice; rule names must be unique")
                        } else {
                            name = text
                        }
                    }
                    continue
                }
                if key == "effect" {
                    if let text = string(value, "effect") {
                        if let parsed = Effect(rawValue: text) {
                            effect = parsed
                        } else {
                            fail(value, "effect must be 'allow' or 'deny', not '\(text)'")
                        }
                    }
                    continue
                }
                let negated = key.hasPrefix("not_")
                guard let field = PolicyConfig.Field(rawValue: negated ? String(key.dropFirst(4)) : key) else {
                    continue
                }
                guard seenFields.insert(field).inserted else {
                    fail(keyNode, "use either \(field.rawValue) or not_\(field.rawValue) in one rule, not both")
                    continue
                }
                guard let values = strings(value, key) else { continue }
                var patterns: [String] = []
                for (pattern, patternNode) in values {
                    if let problem = Self.problem(with: pattern, field: field) {
                        fail(patternNode, problem)
                    } else {
                        patterns.append(pattern)
                    }
                }
                conditions.append((field, negated, patterns))
            }
            if effect == nil, !pairs.contains(where: { $0.key == "effect" }) {
                fail(item, "a rule needs effect: allow or effect: deny")
            }
            if name == nil, !pairs.contains(where: { $0.key == "name" }) { fail(item, "a rule needs a name") }
            guard let name, let effect else { continue }
            statements.append(
                PolicyConfig.Statement(name: name, effect: effect, conditions: conditions, position: position(item)))
        }
        return statements
    }

    /// Why `pattern` is not valid for `field`, or `nil`.
    static func problem(with pattern: String, field: PolicyConfig.Field) -> String? {
        guard
            pattern.allSatisfy({
                $0.isASCII && !$0.isWhitespace && !($0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } ?? true)
            })
        else {
            return "the \(field.rawValue) pattern '\(pattern)' contains spaces, control or non-ASCII characters"
        }
        switch field {
        case .accounts:
            return pattern.count <= 64 && isPattern(pattern, extra: "-_.")
                ? nil
                : "an account is a 12-digit id, a name from accounts:, or a pattern; '\(pattern)' is not"
        case .regions:
            return isPattern(pattern, extra: "-") ? nil : "a region is like eu-west-1 or eu-*; '\(pattern)' is not"
        case .services:
            return isPattern(pattern, extra: "-.")
                ? nil : "a service is a signing name like s3 or dynamodb; '\(pattern)' is not"
        case .actions:
            if pattern == "*" { return nil }
            let parts = pattern.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
                parts[0].allSatisfy({ $0.isLetter || $0.isNumber || "-*?".contains($0) }),
                parts[1].allSatisfy({ $0.isLetter || $0.isNumber || "*?".contains($0) })
            else { return "an action is service:Action such as s3:GetObject or s3:Get*; '\(pattern)' is not" }
            return nil
        case .resources:
            return pattern == "*" || pattern.hasPrefix("arn:")
                ? nil : "a resource is an ARN (arn:…) or *; '\(pattern)' is not"
        case .hosts:
            return pattern.allSatisfy({ $0.isLetter || $0.isNumber || "-.*?".contains($0) })
                ? nil
                : "a host is a DNS name or pattern such as *.amazonaws.com; '\(pattern)' is not"
        case .methods:
            return pattern.allSatisfy({ ($0.isUppercase && $0.isLetter) || "*?".contains($0) })
                ? nil
                : "a method is upper case, such as GET or PUT; '\(pattern)' is not"
        case .sources:
            return CIDR(pattern) != nil
                ? nil : "a source is a CIDR such as 10.0.0.0/8 or 2001:db8::/32 (no host bits set); '\(pattern)' is not"
        case .principals:
            return nil
        case .accessKeyIDs:
            return pattern.allSatisfy({ ($0.isUppercase && $0.isLetter) || $0.isNumber || "*?".contains($0) })
                ? nil
                : "an access key id is upper-case letters and digits, such as AKIA…; '\(pattern)' is not"
        }
    }

    /// Lower-case letters, digits, `*`, `?` and the extra characters.
    static func isPattern(_ text: String, extra: String) -> Bool {
        !text.isEmpty
            && text.allSatisfy {
                $0.isASCII
                    && (($0.isLetter && $0.isLowercase) || $0.isNumber || "*?".contains($0) || extra.contains($0))
            }
    }

    static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 128
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }

    // MARK: server

    mutating func readServer(_ node: Node, into server: inout PolicyConfig.Server) {
        guard let pairs = mapping(node, "server") else { return }
        checkKeys(
            pairs,
            allowed: [
                "envoy_prefix", "nginx_path", "max_body_bytes", "max_header_bytes", "idle_timeout", "shutdown_grace",
                "audit_buffer", "reload_poll",
            ],
            in: "server")
        func integer(_ value: Node, _ what: String, _ range: ClosedRange<Int>) -> Int? {
            guard let text = value.scalar?.string, let number = Int(text), range.contains(number) else {
                fail(value, "server.\(what) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
                return nil
            }
            return number
        }
        func seconds(_ value: Node, _ what: String, _ range: ClosedRange<Int64>) -> Int64? {
            guard let text = value.scalar?.string, let ms = DurationParser.milliseconds(text), ms % 1000 == 0,
                range.contains(ms / 1000)
            else {
                fail(
                    value,
                    "server.\(what) must be a duration in whole seconds from \(range.lowerBound)s to \(range.upperBound)s, such as 30s"
                )
                return nil
            }
            return ms / 1000
        }
        for (key, _, value) in pairs {
            switch key {
            case "envoy_prefix", "nginx_path":
                guard let text = string(value, "server.\(key)") else { continue }
                guard text.hasPrefix("/"), text.count > 1, !text.hasSuffix("/"),
                    text.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "?" })
                else {
                    fail(value, "server.\(key) must be a path such as /envoy (a leading /, no trailing / or ?)")
                    continue
                }
                if key == "envoy_prefix" { server.envoyPrefix = text } else { server.nginxPath = text }
            case "max_body_bytes": if let n = integer(value, key, 0...(64 << 20)) { server.maxBodyBytes = n }
            case "max_header_bytes": if let n = integer(value, key, 1024...(80 << 10)) { server.maxHeaderBytes = n }
            case "audit_buffer": if let n = integer(value, key, 1...1_000_000) { server.auditBuffer = n }
            case "idle_timeout": if let n = seconds(value, key, 1...3600) { server.idleTimeoutSeconds = n }
            case "shutdown_grace": if let n = seconds(value, key, 0...600) { server.shutdownGraceSeconds = n }
            case "reload_poll": if let n = seconds(value, key, 1...3600) { server.reloadPollSeconds = n }
            default: break
            }
        }
    }

    // MARK: s3

    mutating func readS3(_ node: Node, into s3: inout PolicyConfig.S3) {
        guard let pairs = mapping(node, "s3") else { return }
        checkKeys(pairs, allowed: ["expected_bucket_owner", "bucket_owners"], in: "s3")
        s3.position = position(node)
        for (key, _, value) in pairs {
            switch key {
            case "expected_bucket_owner":
                guard let text = string(value, "s3.expected_bucket_owner") else { continue }
                if let requirement = PolicyConfig.BucketOwnerRequirement(rawValue: text) {
                    s3.expectedBucketOwner = requirement
                } else {
                    fail(value, "s3.expected_bucket_owner must be 'optional' or 'required', not '\(text)'")
                }
            case "bucket_owners":
                guard let items = strings(value, "s3.bucket_owners") else { continue }
                var owners: [String] = []
                for (text, itemNode) in items {
                    let isID = text.count == 12 && text.allSatisfy { $0.isASCII && $0.isNumber }
                    if isID || (Self.isName(text) && !text.contains("*") && !text.contains("?")) {
                        owners.append(text)
                    } else {
                        fail(
                            itemNode,
                            "s3.bucket_owners lists 12-digit account ids or account names; '\(text)' is neither")
                    }
                }
                s3.bucketOwners = owners
            default: break
            }
        }
    }

    // MARK: audit

    mutating func readAudit(_ node: Node, into audit: inout PolicyConfig.Audit) {
        guard let pairs = mapping(node, "audit") else { return }
        checkKeys(pairs, allowed: ["allow", "deny", "file"], in: "audit")
        for (key, _, value) in pairs {
            switch key {
            case "allow", "deny":
                guard let text = string(value, "audit.\(key)") else { continue }
                if text == "all" {
                    if key == "allow" { audit.allow = .all } else { audit.deny = .all }
                } else if text == "none" {
                    if key == "allow" { audit.allow = .none } else { audit.deny = .none }
                } else if key == "allow", let rate = Double(text), rate >= 0, rate <= 1 {
                    audit.allow = .sample(rate)
                } else {
                    fail(
                        value,
                        key == "allow"
                            ? "audit.allow must be all, none, or a sample rate from 0 to 1"
                            : "audit.deny must be all or none (denials are never sampled)")
                }
            case "file":
                audit.file = string(value, "audit.file")
            default: break
            }
        }
    }
}
