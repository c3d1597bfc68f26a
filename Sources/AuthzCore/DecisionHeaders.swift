internal import Policy
internal import SigV4

/// The `x-sigv4-authz-*` decision headers of a result, as every HTTP-speaking front end sends them
/// (HTTP/1.1, h2c, gRPC's `ok_response`/`denied_response`); the Squid reply carries the same facts.
public enum DecisionHeaders {
    /// The prefix of every decision header; client-sent headers with it must be removed upstream.
    public static let prefix = "x-sigv4-authz-"

    /// The headers in a fixed order, on allow and on deny: decision, reason, rule, account,
    /// account-name, region, service, action, request-id, and on deny the message. Values are one line
    /// of printable ASCII of at most 1024 bytes (anything else becomes `?`); unknown facts are empty.
    public static func fields(_ result: CheckResult) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [
            ("x-sigv4-authz-decision", result.decision.effect.rawValue),
            ("x-sigv4-authz-reason", result.decision.reason.rawValue),
            ("x-sigv4-authz-rule", safe(result.decision.rule ?? "")),
            ("x-sigv4-authz-account", result.account?.description ?? ""),
            ("x-sigv4-authz-account-name", safe(result.accountName ?? "")),
            ("x-sigv4-authz-region", safe(result.region ?? "")),
            ("x-sigv4-authz-service", safe(result.service ?? "")),
            ("x-sigv4-authz-action", safe(result.action ?? "")),
            ("x-sigv4-authz-request-id", safe(result.requestID)),
        ]
        if result.decision.effect == .deny {
            headers.append(("x-sigv4-authz-message", safe(result.message)))
        }
        return headers
    }

    /// Header values are one line of printable ASCII; anything else becomes `?`, and length is bounded.
    static func safe(_ value: String) -> String {
        if value.utf8.count <= 1024, value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return value }
        var out = ""
        for scalar in value.unicodeScalars.prefix(1024) {
            out.unicodeScalars.append(scalar.value >= 0x20 && scalar.value < 0x7F ? scalar : "?")
        }
        return out
    }
}
