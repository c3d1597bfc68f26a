extension ConfigReader {
    // MARK: rules

    mutating func readRules(_ node: YAMLNode) -> [PolicyConfig.Statement] {
        guard let sequence = node.sequence else {
            fail(node, "rules must be a list of statements, each starting with '- name: …'")
            return []
        }
        var statements: [PolicyConfig.Statement] = []
        var names: Set<String> = []
        let allowedKeys =
            ["name", "effect", "enforce"] + PolicyConfig.Field.allCases.flatMap { [$0.rawValue, "not_" + $0.rawValue] }
        for item in sequence {
            guard let pairs = mapping(item, "a rule") else { continue }
            checkKeys(pairs, allowed: allowedKeys, in: "a rule")
            var name: String?
            var effect: Effect?
            var conditions: [(PolicyConfig.Field, Bool, [String])] = []
            var seenFields: Set<PolicyConfig.Field> = []
            var enforce = true
            var enforceNode: YAMLNode?
            for (key, keyNode, value) in pairs {
                if key == "enforce" {
                    if let flag = bool(value, "enforce") {
                        enforce = flag
                        enforceNode = value
                    }
                    continue
                }
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
            if !enforce, effect == .allow, let enforceNode {
                fail(
                    enforceNode,
                    "enforce: false applies to deny statements; to try a whole policy use mode: dry_run")
            }
            guard let name, let effect else { continue }
            var statement = PolicyConfig.Statement(
                name: name, effect: effect, conditions: conditions, position: item.position)
            statement.enforce = enforce
            statements.append(statement)
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
        case .principalsARN:
            let parts = pattern.split(separator: ":", omittingEmptySubsequences: false)
            return pattern == "*" || (pattern.hasPrefix("arn:") && parts.count >= 6)
                || (pattern.hasPrefix("arn:") && pattern.contains("*"))
                ? nil
                : "a principal ARN is an IAM or STS ARN such as arn:aws:iam::123456789012:role/orders-*, or *; '\(pattern)' is not"
        case .paths:
            return pattern == "*" || pattern.hasPrefix("/")
                ? nil : "a path starts with '/', such as /v1/orders/*; '\(pattern)' is not"
        case .accessKeyIDs:
            return pattern.allSatisfy({ ($0.isUppercase && $0.isLetter) || $0.isNumber || "*?".contains($0) })
                ? nil
                : "an access key id is upper-case letters and digits, such as AKIA…; '\(pattern)' is not"
        }
    }
}
