internal import AWSClassifier
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
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(10)
        forEach(result) { headers.append(($0, $1)) }
        return headers
    }

    /// Calls `body` with each header of ``fields(_:)``, in the same order, without building an array:
    /// the names are string literals, the values the result's own strings (or literals) unless one must
    /// be made safe.
    public static func forEach(
        _ result: CheckResult, _ body: (_ name: String, _ value: String) throws -> Void
    ) rethrows {
        let decision = result.decision
        let classification = result.classification
        try body("x-sigv4-authz-decision", decisionValue(result))
        try body("x-sigv4-authz-reason", decision.reason.rawValue)
        try body("x-sigv4-authz-rule", safe(decision.rule))
        try body("x-sigv4-authz-account", result.account.map { accountDigits($0.value) } ?? "")
        try body("x-sigv4-authz-account-name", safe(result.accountName))
        try body("x-sigv4-authz-region", safe(classification?.region))
        try body("x-sigv4-authz-service", safe(classification?.signingName))
        try body("x-sigv4-authz-action", safe(classification?.authorizations.first?.action.name))
        try body("x-sigv4-authz-request-id", safe(result.requestID))
        if decision.effect == .deny {
            try body("x-sigv4-authz-message", safe(result.message))
        }
    }

    /// The decision word every front end, the audit record, the metrics and `check` print: `allow`,
    /// `deny` or `would_deny` (a deny not enforced: `mode: dry_run` or `enforce: false`; the proxy is
    /// answered allow). What the proxy is answered is ``Policy/Decision/answer``.
    @inline(__always)
    public static func decisionValue(_ result: CheckResult) -> String {
        switch result.decision.outcome {
        case .allow: "allow"
        case .deny: "deny"
        case .wouldDeny: "would_deny"
        }
    }

    /// Appends the headers of ``fields(_:)`` to `out` as an HTTP/1.1 response carries them, one
    /// `name: value\r\n` line each, in the same order: a front end that writes its response head as
    /// bytes (into a buffer it keeps) adds them without building an array or a string per header.
    public static func appendHTTP1(_ result: CheckResult, to out: inout [UInt8]) {
        // A safe value is never longer than the value (one `?` per scalar of at least one byte).
        var bound = 512
        func add(_ value: String?) { bound += value?.utf8.count ?? 0 }
        add(result.decision.rule)
        add(result.accountName)
        add(result.classification?.region)
        add(result.classification?.signingName)
        add(result.classification?.authorizations.first?.action.name)
        add(result.requestID)
        if result.decision.effect == .deny { bound += 16 + result.decision.message.utf8.count }
        JSONBytes.appending(to: &out, atMost: bound) { writer in
            forEach(result) { name, value in
                writer.text(name)
                writer.byte(UInt8(ascii: ":"))
                writer.byte(UInt8(ascii: " "))
                writer.text(value)
                writer.byte(UInt8(ascii: "\r"))
                writer.byte(UInt8(ascii: "\n"))
            }
        }
    }

    /// An account number as its 12 digits (a small string: no allocation).
    static func accountDigits(_ value: UInt64) -> String {
        String(unsafeUninitializedCapacity: 12) { buffer in
            var remaining = value
            for index in stride(from: 11, through: 0, by: -1) {
                buffer[index] = UInt8(truncatingIfNeeded: 0x30 &+ remaining % 10)
                remaining /= 10
            }
            return 12
        }
    }

    /// ``safe(_:)`` of a value that may be unknown (empty).
    @inline(__always)
    static func safe(_ value: String?) -> String {
        guard let value else { return "" }
        return safe(value)
    }

    /// Header values are one line of printable ASCII; anything else becomes `?`, and length is bounded.
    static func safe(_ value: String) -> String {
        let isSafe =
            value.utf8.withContiguousStorageIfAvailable { bytes in
                bytes.count <= 1024 && !bytes.contains { $0 < 0x20 || $0 >= 0x7F }
            } ?? (value.utf8.count <= 1024 && value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F })
        if isSafe { return value }
        var out = ""
        for scalar in value.unicodeScalars.prefix(1024) {
            out.unicodeScalars.append(scalar.value >= 0x20 && scalar.value < 0x7F ? scalar : "?")
        }
        return out
    }
}
