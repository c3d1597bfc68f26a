extension PolicySuggestion {
    /// The suggestion as YAML: a `rules:` list to paste into a configuration, every statement and
    /// pattern with a comment counting the requests behind it, then the requests it does not allow and
    /// why, as comments. `unreadableLines` is said in the header.
    public func yaml(unreadableLines: Int = 0) -> String {
        var lines: [String] = []
        let traffic =
            (decisions["allow"] ?? 0) + (decisions["would_deny"] ?? 0)
            + (options.includeDenied ? decisions["deny"] ?? 0 : 0)
        lines.append("# sigv4-authz suggest: the smallest policy that allows the \(Self.count(traffic, "request")) of")
        lines.append("# these audit records (docs/suggest.md). A starting point to review, not to paste blindly:")
        lines.append("# it allows what the records show, and what each wildcard below stands for.")
        var seen =
            "# Records: \(Self.number(decisions["allow"] ?? 0)) allow, \(Self.number(decisions["would_deny"] ?? 0)) would_deny"
        if let denied = decisions["deny"], denied > 0 {
            seen +=
                options.includeDenied
                ? ", \(Self.number(denied)) deny (--include-denied)"
                : ", \(Self.number(denied)) deny left out (--include-denied takes them in)"
        }
        if unreadableLines > 0 { seen += "; \(Self.count(unreadableLines, "unreadable line")) skipped" }
        lines.append(seen + ".")
        if !deniedByStatements.isEmpty {
            let rules = deniedByStatements.keys.sorted().map { "\($0): \(Self.number(deniedByStatements[$0] ?? 0))" }
            lines.append(
                "# A deny statement decided some of them (\(rules.joined(separator: ", "))): an allow does not override a deny."
            )
        }
        if options.minWildcard >= 2 {
            lines.append(
                "# Wildcards stand for at least \(options.minWildcard) distinct values seen (--min-wildcard).")
        } else {
            lines.append("# No wildcards (--min-wildcard 0).")
        }
        let statements = self.statements
        if statements.isEmpty {
            lines.append("rules: []")
        } else {
            lines.append("rules:")
        }
        for statement in statements {
            lines.append("  - name: \(statement.name)  # \(Self.count(statement.requests, "request"))")
            lines.append("    effect: allow")
            for (field, patterns) in statement.conditions {
                lines.append("    \(field):")
                for pattern in patterns {
                    lines.append("      - \(Self.quoted(pattern.pattern))  # \(Self.comment(pattern, field: field))")
                }
            }
        }
        for group in withheld {
            let name = "suggested-\(group.accountName ?? group.account)-\(Syntax.namePart(group.service))-any-action"
            let who = group.accountName.map { "\(group.account) (\($0))" } ?? group.account
            lines.append("")
            lines.append(
                "# Not suggested: \(Self.count(group.requests, "request")) to \(group.service) by account \(who) whose action"
            )
            lines.append(
                "# is unknown (the proxy did not forward the body, or it could not be read one way): no actions")
            lines.append(
                "# list allows them. Forward the body to sigv4-authz, or allow every action of the service after review:"
            )
            lines.append("# - name: \(name)  # \(Self.count(group.requests, "request"))")
            lines.append("#   effect: allow")
            lines.append("#   accounts: [\(Self.quoted(group.account))]")
            lines.append("#   regions: [\(group.regions.map(Self.quoted).joined(separator: ", "))]")
            lines.append("#   services: [\(Self.quoted(group.service))]")
        }
        if !notAllowable.isEmpty {
            lines.append("")
            lines.append("# Not allowed by any statement above, and why:")
            for reason in notAllowable.keys.sorted() {
                lines.append("#   \(Self.count(notAllowable[reason] ?? 0, "request")): \(reason)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The comment of one pattern line.
    static func comment(_ pattern: SuggestedPattern, field: String) -> String {
        var text = count(pattern.requests, "request")
        if let note = pattern.note { text = "\(Sanitized.comment(note)); " + text }
        if pattern.pattern == "*", field == "resources" { text += ": no resource named, or it is unknown" }
        if !pattern.covers.isEmpty {
            let shown = pattern.covers.prefix(5).map { covered -> String in
                // Actions: the name only (the service is the statement's).
                if field == "actions", let colon = covered.firstIndex(of: ":") {
                    return String(covered[covered.index(after: colon)...])
                }
                return covered
            }
            var list = shown.joined(separator: ", ")
            if pattern.covers.count > shown.count { list += " and \(pattern.covers.count - shown.count) more" }
            text += "; stands for the \(pattern.covers.count) seen: \(Sanitized.comment(list))"
        }
        return text
    }

    /// `1 request`, `1,204 requests`.
    static func count(_ value: Int, _ noun: String) -> String {
        "\(number(value)) \(noun)\(value == 1 ? "" : "s")"
    }

    /// A count with thousands separators.
    static func number(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return value < 0 ? "-" + out : out
    }

    /// `text` as a YAML double-quoted scalar: `"` and `\` escaped, anything outside printable ASCII
    /// as `\uXXXX` / `\UXXXXXXXX`.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case " "..."~": out.unicodeScalars.append(scalar)
            default:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out +=
                    scalar.value <= 0xFFFF
                    ? "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    : "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
            }
        }
        return out + "\""
    }
}
