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
        if text.utf8.withContiguousStorageIfAvailable({ appendEscaped($0, to: &out) }) == nil {
            var text = text
            text.withUTF8 { appendEscaped($0, to: &out) }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends `text` as a JSON string literal in UTF-8, quotes included (as for a `String`).
    public static func appendQuoted(_ text: Substring, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if text.utf8.withContiguousStorageIfAvailable({ appendEscaped($0, to: &out) }) == nil {
            var copy = String(text)
            copy.withUTF8 { appendEscaped($0, to: &out) }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends `bytes` escaped for a JSON string (without quotes): copied whole when no byte needs it.
    static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var index = 0
        // Printable ASCII other than `"` and `\` is copied as it is; anything else is looked at. Eight
        // bytes at a time while no byte needs a look (a byte below 0x20 or at or above 0x7F, or equal
        // to `"` or `\`), then byte by byte.
        if let base = UnsafeRawPointer(bytes.baseAddress) {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            while index + 8 <= bytes.count {
                let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                let below20 = (word &- ones &* 0x20) & ~word & highs
                let quote = word ^ (ones &* 0x22)
                let backslash = word ^ (ones &* 0x5C)
                let plus1 = word &+ ones  // 0x7F becomes 0x80 (no carry out of a byte below 0x7F)
                let flagged =
                    below20 | (word & highs) | (plus1 & highs) | ((quote &- ones) & ~quote & highs)
                    | ((backslash &- ones) & ~backslash & highs)
                if flagged != 0 { break }
                index += 8
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x20 || byte >= 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { break }
            index += 1
        }
        if index == bytes.count {
            out.append(contentsOf: bytes)
            return
        }
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

    /// Appends `text` as a JSON string literal, quotes included.
    public static func appendQuoted(_ text: String, to out: inout String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 2)
        appendQuoted(text, to: &bytes)
        out += String(decoding: bytes, as: UTF8.self)
    }
}

extension AuditRecord {
    /// Appends the audit record of `result` to `out` as one line of JSON (no trailing newline): the
    /// same bytes as `AuditRecord(result).json`, written straight from the result into a buffer the
    /// caller keeps and clears per check (static byte strings for keys and fixed values, numbers as
    /// digits, strings copied whole unless a byte needs escaping).
    public static func appendJSON(of result: CheckResult, to out: inout [UInt8]) {
        let classification = result.classification
        if out.capacity - out.count < 768 { out.reserveCapacity(max(out.count + 768, out.capacity * 2)) }
        JSONBytes.append("{\"time\":\"", to: &out)
        JSONBytes.appendRFC3339(millisecondsSinceEpoch: result.time, to: &out)
        JSONBytes.append(
            result.decision.effect == .allow ? "\",\"decision\":\"allow" : "\",\"decision\":\"deny", to: &out)
        JSONBytes.append("\",\"reason\":", to: &out)
        JSONText.appendQuoted(result.decision.reason.rawValue, to: &out)
        JSONBytes.append(",\"rule\":", to: &out)
        JSONBytes.appendQuoted(result.decision.rule, to: &out)
        JSONBytes.append(",\"request_id\":", to: &out)
        JSONText.appendQuoted(result.requestID, to: &out)
        JSONBytes.append(",\"mode\":", to: &out)
        JSONText.appendQuoted(result.mode.rawValue, to: &out)
        JSONBytes.append(",\"source\":{\"address\":", to: &out)
        JSONBytes.appendQuoted(result.sourceAddress, to: &out)
        JSONBytes.append(",\"principal\":", to: &out)
        JSONBytes.appendQuoted(result.principal, to: &out)
        if let request = result.request {
            JSONBytes.append("},\"request\":{\"method\":", to: &out)
            JSONText.appendQuoted(request.method, to: &out)
            JSONBytes.append(",\"host\":", to: &out)
            JSONText.appendQuoted(request.host, to: &out)
            JSONBytes.append(",\"path\":", to: &out)
            JSONText.appendQuoted(request.path, to: &out)
        } else {
            JSONBytes.append("},\"request\":{\"method\":\"-\",\"host\":\"-\",\"path\":\"-\"", to: &out)
        }
        JSONBytes.append("},\"aws\":{\"access_key_id\":", to: &out)
        if let key = result.accessKeyIDText {
            JSONText.appendQuoted(key, to: &out)
        } else {
            JSONBytes.append("null", to: &out)
        }
        JSONBytes.append(",\"account\":", to: &out)
        if let account = result.account {
            out.append(UInt8(ascii: "\""))
            JSONBytes.appendAccount(account.value, to: &out)
            out.append(UInt8(ascii: "\""))
        } else {
            JSONBytes.append("null", to: &out)
        }
        JSONBytes.append(",\"account_name\":", to: &out)
        JSONBytes.appendQuoted(result.accountName, to: &out)
        JSONBytes.append(",\"region\":", to: &out)
        JSONBytes.appendQuoted(classification?.region, to: &out)
        JSONBytes.append(",\"service\":", to: &out)
        JSONBytes.appendQuoted(classification?.signingName, to: &out)
        if let classification {
            let pairs = classification.authorizations
            JSONBytes.append(",\"action\":", to: &out)
            JSONBytes.appendQuoted(pairs.first?.action.name, to: &out)
            JSONBytes.append(",\"resource\":", to: &out)
            JSONBytes.appendQuoted(pairs.first?.resource, to: &out)
            JSONBytes.append(",\"resource_account\":", to: &out)
            JSONBytes.appendQuoted(classification.resourceAccount, to: &out)
            JSONBytes.append(",\"authorizations\":[", to: &out)
            var first = true
            for pair in pairs {
                JSONBytes.append(first ? "{\"action\":" : ",{\"action\":", to: &out)
                first = false
                JSONBytes.appendQuoted(pair.action.name, to: &out)
                JSONBytes.append(",\"resource\":", to: &out)
                JSONBytes.appendQuoted(pair.resource, to: &out)
                out.append(UInt8(ascii: "}"))
            }
        } else {
            JSONBytes.append(
                ",\"action\":null,\"resource\":null,\"resource_account\":null,\"authorizations\":[{\"action\":null,\"resource\":null}",
                to: &out)
        }
        switch result.authentication {
        case .none: JSONBytes.append("],\"auth\":\"none\",\"signature\":\"", to: &out)
        case .header: JSONBytes.append("],\"auth\":\"header\",\"signature\":\"", to: &out)
        case .presigned: JSONBytes.append("],\"auth\":\"presigned\",\"signature\":\"", to: &out)
        }
        switch result.signature {
        case .verified: JSONBytes.append("verified\"},\"latency_us\":", to: &out)
        case .notChecked: JSONBytes.append("not_checked\"},\"latency_us\":", to: &out)
        case .mismatch: JSONBytes.append("mismatch\"},\"latency_us\":", to: &out)
        }
        JSONBytes.appendDecimal(result.latencyMicroseconds, to: &out)
        out.append(UInt8(ascii: "}"))
    }
}

/// The byte-level pieces of the audit writer.
enum JSONBytes {
    /// Appends a static byte string.
    @inline(__always)
    static func append(_ text: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends `text` as a JSON string literal, or `null`.
    @inline(__always)
    static func appendQuoted(_ text: String?, to out: inout [UInt8]) {
        if let text { JSONText.appendQuoted(text, to: &out) } else { append("null", to: &out) }
    }

    /// Appends an account number as its 12 digits.
    static func appendAccount(_ value: UInt64, to out: inout [UInt8]) {
        var digits: (UInt64, UInt64) = (0, 0)  // 16 bytes of room, 12 used
        var remaining = value
        withUnsafeMutableBytes(of: &digits) { raw in
            for index in stride(from: 11, through: 0, by: -1) {
                raw[index] = UInt8(truncatingIfNeeded: 0x30 &+ remaining % 10)
                remaining /= 10
            }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[0..<12]))
        }
    }

    /// Appends a decimal integer, as `String(value)` writes it.
    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        if value >= 0, value < 10 {
            out.append(UInt8(truncatingIfNeeded: 0x30 &+ value))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: a sign and 19 digits fit
        var magnitude = value.magnitude
        withUnsafeMutableBytes(of: &digits) { raw in
            var start = raw.count
            repeat {
                start -= 1
                raw[start] = UInt8(truncatingIfNeeded: 0x30 &+ magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                start -= 1
                raw[start] = UInt8(ascii: "-")
            }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[start...]))
        }
    }

    /// Appends `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC), as `UTCTime.rfc3339(millisecondsSinceEpoch:)` writes it.
    static func appendRFC3339(millisecondsSinceEpoch ms: Int64, to out: inout [UInt8]) {
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let secondOfDay = Int(seconds - Int64(days) * 86_400)
        // Days to civil date (H. Hinnant's algorithm, as SigV4's CivilTime).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        var text: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes
        withUnsafeMutableBytes(of: &text) { raw in
            func digits(_ value: Int, _ width: Int, at offset: Int) {
                var divisor = 1
                for _ in 1..<width { divisor *= 10 }
                for index in offset..<(offset + width) {
                    raw[index] = UInt8(truncatingIfNeeded: 0x30 + (value / divisor) % 10)
                    divisor /= 10
                }
            }
            digits(year, 4, at: 0)
            raw[4] = UInt8(ascii: "-")
            digits(month, 2, at: 5)
            raw[7] = UInt8(ascii: "-")
            digits(day, 2, at: 8)
            raw[10] = UInt8(ascii: "T")
            digits(secondOfDay / 3600, 2, at: 11)
            raw[13] = UInt8(ascii: ":")
            digits(secondOfDay % 3600 / 60, 2, at: 14)
            raw[16] = UInt8(ascii: ":")
            digits(secondOfDay % 60, 2, at: 17)
            raw[19] = UInt8(ascii: ".")
            digits(Int(ms - seconds * 1000), 3, at: 20)
            raw[23] = UInt8(ascii: "Z")
            out.append(contentsOf: raw)
        }
    }
}
