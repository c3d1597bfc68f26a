internal import AWSClassifier
public import Policy
internal import SigV4

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
    /// The resource's owner, where the request states it (`x-amz-expected-bucket-owner`).
    public var resourceAccount: String?
    /// Every (action, resource) pair the request needs, ``action`` on ``resource`` first.
    public var authorizations: [ActionResource] = []
    /// `header`, `presigned` or `none`.
    public var auth: String
    /// `verified`, `not_checked` or `mismatch`.
    public var signature: String
    public var latencyMicroseconds: Int

    /// The record of a result. A refusal, whose request could not be read, records `-` for the
    /// method, host and path.
    public init(_ result: CheckResult) {
        time = UTCTime.rfc3339(millisecondsSinceEpoch: result.time)
        decision = result.decision.effect
        reason = result.decision.reason
        rule = result.decision.rule
        requestID = result.requestID
        mode = result.mode
        sourceAddress = result.sourceAddress
        principal = result.principal
        method = result.request?.method ?? "-"
        host = result.request?.host ?? "-"
        path = result.request?.path ?? "-"
        accessKeyID = result.accessKeyID
        account = result.account?.description
        accountName = result.accountName
        region = result.region
        service = result.service
        action = result.action
        resource = result.resource
        resourceAccount = result.classification?.resourceAccount
        authorizations = result.authorizations
        auth = result.authentication.rawValue
        signature = result.signature.rawValue
        latencyMicroseconds = result.latencyMicroseconds
    }

    /// The record as one line of JSON (no trailing newline), keys in the contract's order.
    public var json: String {
        // Built as UTF-8 bytes (keys are static strings, values copied and escaped in one pass), then
        // made a String once.
        var out: [UInt8] = []
        out.reserveCapacity(640)
        func raw(_ text: StaticString) {
            out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        }
        func value(_ text: String?) {
            if let text { JSONText.appendQuoted(text, to: &out) } else { raw("null") }
        }
        raw("{\"time\":"); value(time)
        raw(",\"decision\":"); value(decision.rawValue)
        raw(",\"reason\":"); value(reason.rawValue)
        raw(",\"rule\":"); value(rule)
        raw(",\"request_id\":"); value(requestID)
        raw(",\"mode\":"); value(mode.rawValue)
        raw(",\"source\":{\"address\":"); value(sourceAddress)
        raw(",\"principal\":"); value(principal)
        raw("},\"request\":{\"method\":"); value(method)
        raw(",\"host\":"); value(host)
        raw(",\"path\":"); value(path)
        raw("},\"aws\":{\"access_key_id\":"); value(accessKeyID)
        raw(",\"account\":"); value(account)
        raw(",\"account_name\":"); value(accountName)
        raw(",\"region\":"); value(region)
        raw(",\"service\":"); value(service)
        raw(",\"action\":"); value(action)
        raw(",\"resource\":"); value(resource)
        raw(",\"resource_account\":"); value(resourceAccount)
        raw(",\"authorizations\":[")
        for (index, pair) in authorizations.enumerated() {
            raw(index == 0 ? "{\"action\":" : ",{\"action\":"); value(pair.action)
            raw(",\"resource\":"); value(pair.resource)
            raw("}")
        }
        raw("]")
        raw(",\"auth\":"); value(auth)
        raw(",\"signature\":"); value(signature)
        raw("},\"latency_us\":"); out.append(contentsOf: String(latencyMicroseconds).utf8)
        raw("}")
        return String(decoding: out, as: UTF8.self)
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

    /// Appends `text` as a JSON string literal in UTF-8, quotes included: `"` and `\\` escaped,
    /// control characters, DEL, U+2028 and U+2029 as escapes, everything else copied.
    public static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var index = 0
            var copied = 0  // bytes before this index are written
            func escape(_ replacement: StaticString, skipping count: Int) {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<index]))
                out.append(
                    contentsOf: UnsafeBufferPointer(
                        start: replacement.utf8Start, count: replacement.utf8CodeUnitCount))
                index += count
                copied = index
            }
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""): escape("\\\"", skipping: 1)
                case UInt8(ascii: "\\"): escape("\\\\", skipping: 1)
                case UInt8(ascii: "\n"): escape("\\n", skipping: 1)
                case UInt8(ascii: "\r"): escape("\\r", skipping: 1)
                case UInt8(ascii: "\t"): escape("\\t", skipping: 1)
                case 0..<0x20, 0x7F:
                    // \u00XX
                    let digits: StaticString = "0123456789abcdef"
                    escape("\\u00", skipping: 1)
                    out.append(digits.utf8Start[Int(byte >> 4)])
                    out.append(digits.utf8Start[Int(byte & 0xF)])
                case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80 && bytes[index + 2] == 0xA8:
                    escape("\\u2028", skipping: 3)
                case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80 && bytes[index + 2] == 0xA9:
                    escape("\\u2029", skipping: 3)
                default:
                    index += 1
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<bytes.count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends `text` as a JSON string literal, quotes included.
    public static func appendQuoted(_ text: String, to out: inout String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 2)
        appendQuoted(text, to: &bytes)
        out += String(decoding: bytes, as: UTF8.self)
    }
}
