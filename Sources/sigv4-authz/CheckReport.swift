import AWSClassifier
import AuthzCore
import Policy

/// The `check` command's report for people: the decision, the reason, the rule and every fact used.
enum CheckReport {
    static func text(_ result: CheckResult) -> String {
        let classification = result.classification
        let audit = AuditRecord(result)
        var lines = [
            "decision: \(DecisionHeaders.decisionValue(result))"
                + (result.decision.outcome == .wouldDeny ? " (the request is allowed: this deny is not enforced)" : ""),
            "reason:   \(result.decision.reason.rawValue) — \(result.message)",
            "rule:     \(result.decision.rule ?? "-")",
            "evaluation: \(evaluationLine(result.decision))",
            "facts:",
            "  access key id: \(audit.accessKeyID ?? "-") (\(audit.auth))",
            "  account:       \(audit.account ?? "unknown")\(audit.accountName.map { " (\($0))" } ?? "")",
            "  host:          \(audit.host)",
            "  endpoint:      \(classification?.endpoint.map { "\($0.kind.rawValue) in \($0.partition.id)" } ?? "-")",
            "  region:        \(audit.region ?? "-")",
            "  service:       \(audit.service ?? "-")\(classification?.iamPrefix.map { " (IAM prefix \($0))" } ?? "")",
            "  operation:     \(classification?.operation ?? "-")",
            "  action:        \(audit.action ?? "unknown")",
            "  resource:      \(audit.resource ?? "-")",
        ]
        if audit.authorizations.count > 1 {
            lines.append("  every action AWS authorizes for this request (each must be allowed):")
            for pair in audit.authorizations {
                lines.append("    \(pair.action ?? "unknown action") on \(pair.resource ?? "an unknown resource")")
            }
        }
        if let owner = audit.resourceAccount { lines.append("  resource owner: \(owner)") }
        lines.append("  signature:     \(audit.signature)")
        if case .unknown(let reason)? = classification?.action, classification?.problem == nil {
            lines.append("  (action unknown: \(reason))")
        }
        return lines.joined(separator: "\n")
    }

    /// The evaluation word (the IAM policy simulator's), what it rests on, and the missing facts:
    /// `implicit_deny — no statement, allowlist entry or default allows it; missing: action (…)`.
    static func evaluationLine(_ decision: Decision) -> String {
        var text = decision.evaluation.rawValue
        switch decision.evaluation {
        case .allowed:
            text += " — allowed by \(decision.rule.map { $0 == "default" ? "default: allow" : $0 } ?? "-")"
        case .explicitDeny:
            if decision.reason == .deniedByRule, let rule = decision.rule {
                text += " — the deny statement \(rule) matches"
            } else {
                text += " — the \(decision.rule ?? "built-in") check \(decision.reason.rawValue) denies it"
            }
        case .implicitDeny:
            text += " — no statement, allowlist entry or default allows it"
        }
        let missing = decision.missing
        if !missing.isEmpty {
            let explained = MissingFacts.words.filter { missing.contains($0.fact) }.map { fact, word in
                "\(word) (\(explanation(of: fact)))"
            }
            text += "; missing: " + explained.joined(separator: ", ")
        }
        return text
    }

    /// Why a fact can be missing, in words a user can act on.
    static func explanation(of fact: MissingFacts) -> String {
        switch fact {
        case .account: "the access key's account cannot be derived (an old-generation key)"
        case .region: "the request names no region"
        case .service: "the request names no service"
        case .action: "the operation is not known: its body was not forwarded, or a credential alone names none"
        case .resource: "the request names no resource"
        case .resourceOwner: "no signed x-amz-expected-bucket-owner header"
        case .path: "the path reads more than one way"
        case .caller: "the identity token's caller is not verified by STS"
        default: "unknown"
        }
    }
}
