public import Policy

/// One audit record, exactly the contract's fields, written as one JSON object per line.
///
/// It never holds a signature, a session token, cookies or a body: the request's `path` is recorded
/// without its query (a presigned URL's query carries the signature and the token).
public struct AuditRecord: Sendable, Hashable {
    public var time: String
    public var decision: Effect
    public var reason: ReasonCode
    public var rule: String?
    public var requestID: String
    public var mode: AuthzMode
    public var sourceAddress: String?
    public var principal: String?
    public var method: String
    public var host: String
    public var path: String
    public var accessKeyID: String?
    public var account: String?
    public var accountName: String?
    public var region: String?
    public var service: String?
    public var action: String?
    public var resource: String?
    /// `header`, `presigned` or `none`.
    public var auth: String
    /// `verified`, `not_checked` or `mismatch`.
    public var signature: String
    public var latencyMicroseconds: Int

    /// The record as one line of JSON (no trailing newline), keys in the contract's order.
    public var json: String {
        var out = "{"
        out.reserveCapacity(512)
        func key(_ name: String) {
            out += "\""
            out += name
            out += "\":"
        }
        func value(_ text: String?) {
            if let text { JSONText.appendQuoted(text, to: &out) } else { out += "null" }
        }
        key("time"); value(time); out += ","
        key("decision"); value(decision.rawValue); out += ","
        key("reason"); value(reason.rawValue); out += ","
        key("rule"); value(rule); out += ","
        key("request_id"); value(requestID); out += ","
        key("mode"); value(mode.rawValue); out += ","
        key("source"); out += "{"; key("address"); value(sourceAddress); out += ","; key("principal"); value(principal);
        out += "},"
        key("request"); out += "{"; key("method"); value(method); out += ","; key("host"); value(host); out += ","
        key("path"); value(path); out += "},"
        key("aws"); out += "{"
        key("access_key_id"); value(accessKeyID); out += ","
        key("account"); value(account); out += ","
        key("account_name"); value(accountName); out += ","
        key("region"); value(region); out += ","
        key("service"); value(service); out += ","
        key("action"); value(action); out += ","
        key("resource"); value(resource); out += ","
        key("auth"); value(auth); out += ","
        key("signature"); value(signature); out += "},"
        key("latency_us"); out += String(latencyMicroseconds)
        out += "}"
        return out
    }
}

/// JSON string escaping (RFC 8259), used for audit records and deny bodies.
public enum JSONText {
    /// `text` as a JSON string literal, quotes included.
    public static func quoted(_ text: String) -> String {
        var out = ""
        appendQuoted(text, to: &out)
        return out
    }

    /// Appends `text` as a JSON string literal, quotes included, without a temporary string.
    public static func appendQuoted(_ text: String, to out: inout String) {
        // Fast path: printable ASCII without quotes or backslashes needs no escaping.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) {
            out += "\""
            out += text
            out += "\""
            return
        }
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
