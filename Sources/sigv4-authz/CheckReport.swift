import AWSClassifier
import AuthzCore
import Policy

/// The `check` command's report for people: the decision, the reason, the rule and every fact used.
enum CheckReport {
    static func text(_ result: CheckResult) -> String {
        let classification = result.classification
        let audit = AuditRecord(result)
        var lines = [
            "decision: \(result.decision.effect.rawValue)",
            "reason:   \(result.decision.reason.rawValue) — \(result.message)",
            "rule:     \(result.decision.rule ?? "-")",
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
}
