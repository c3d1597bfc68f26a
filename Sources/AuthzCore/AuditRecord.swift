internal import AWSClassifier
public import IAMIdentity
public import Policy
internal import SigV4

/// One audit record, exactly the contract's fields, written as one JSON object per line.
///
/// It never holds a signature, a session token, cookies or a body: the request's `path` is recorded
/// without its query (a presigned URL's query carries the signature and the token).
public struct AuditRecord: Sendable, Hashable {
    public var time: String
    /// `allow`, `deny` or `would_deny` (a deny not enforced: the proxy was answered allow).
    public var decision: Decision.Outcome
    public var reason: ReasonCode
    public var rule: String?
    /// `allowed`, `explicit_deny` or `implicit_deny` (a would-be deny's for `would_deny`).
    public var evaluation: Evaluation
    /// The facts the deciding step needed and the request did not establish (written only when any).
    public var missing: [String]
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
    /// The role of a brokered request (`"brokered":true,"role":…` in the record); `nil`: not brokered,
    /// and neither key is written.
    public var brokeredRole: String?
    /// The caller STS verified an identity token for (`"caller":{"arn","account","user_id"}` in the
    /// record); `nil`: no such caller, and the key is not written.
    public var caller: CallerIdentity?
    public var latencyMicroseconds: Int

    /// The record of a result. A refusal, whose request could not be read, records `-` for the
    /// method, host and path.
    public init(_ result: CheckResult) {
        time = UTCTime.rfc3339(millisecondsSinceEpoch: result.time)
        decision = result.decision.outcome
        reason = result.decision.reason
        rule = result.decision.rule
        evaluation = result.decision.evaluation
        missing = result.decision.missing.names
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
        brokeredRole = result.brokeredRole
        caller = result.caller
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
        raw(",\"evaluation\":"); value(evaluation.rawValue)
        if !missing.isEmpty {
            raw(",\"missing\":[")
            for (index, word) in missing.enumerated() {
                if index > 0 { raw(",") }
                value(word)
            }
            raw("]")
        }
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
        if let brokeredRole {
            raw(",\"brokered\":true,\"role\":"); value(brokeredRole)
        }
        if let caller {
            raw("},\"caller\":{\"arn\":"); value(caller.arn)
            raw(",\"account\":"); value(caller.account)
            raw(",\"user_id\":"); value(caller.userID)
        }
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
        JSONBytes.appending(to: &out, atMost: JSONBytes.quotedBound(text.utf8.count)) { writer in
            writer.quoted(text)
        }
    }

    /// Appends `text` as a JSON string literal in UTF-8, quotes included (as for a `String`).
    public static func appendQuoted(_ text: Substring, to out: inout [UInt8]) {
        JSONBytes.appending(to: &out, atMost: JSONBytes.quotedBound(text.utf8.count)) { writer in
            writer.quoted(text)
        }
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
        let pairs = classification?.authorizations ?? []
        // The most bytes the record can take: the fixed text, numbers and every string escaped at worst.
        var bound = 1024 + 128 + 48 * pairs.count
        func add(_ text: String?) { if let text { bound += JSONBytes.quotedBound(text.utf8.count) } }
        add(result.decision.reason.rawValue)
        add(result.mode.rawValue)
        add(result.decision.rule)
        add(result.requestID)
        add(result.sourceAddress)
        add(result.principal)
        if let request = result.request {
            add(request.method)
            add(request.host)
            add(request.path)
        }
        if let key = result.accessKeyIDText { bound += JSONBytes.quotedBound(key.utf8.count) }
        add(result.accountName)
        add(result.brokeredRole)
        if let caller = result.caller {
            add(caller.arn)
            add(caller.account)
            add(caller.userID)
        }
        if let classification {
            add(classification.region)
            add(classification.signingName)
            add(classification.resourceAccount)
            for pair in pairs {
                add(pair.action.name)
                add(pair.resource)
            }
            add(pairs.first?.action.name)
            add(pairs.first?.resource)
        }
        JSONBytes.appending(to: &out, atMost: bound) { writer in
            writer.write(result, classification: classification, pairs: pairs)
        }
    }
}

/// The byte-level pieces of the JSON writers.
enum JSONBytes {
    /// The most bytes a string of `count` UTF-8 bytes takes quoted (`\u00XX` for every byte at worst).
    @inline(__always)
    static func quotedBound(_ count: Int) -> Int { count * 6 + 2 }

    /// Appends at most `bound` bytes to `out`, written by `body` through a pointer: the array grows
    /// once (zero-filled), the writer copies without a capacity check per piece, and the unused tail is
    /// removed.
    @inline(__always)
    static func appending(to out: inout [UInt8], atMost bound: Int, _ body: (inout Writer) -> Void) {
        if out.capacity - out.count < bound { out.reserveCapacity(max(out.count + bound, out.capacity * 2)) }
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: bound))
        let end = out.withUnsafeMutableBufferPointer { buffer -> Int in
            guard let base = buffer.baseAddress else { return start }
            var writer = Writer(base + start)
            body(&writer)
            return writer.next - base
        }
        out.removeSubrange(end...)
    }

    /// Writes bytes through a pointer into room made beforehand.
    struct Writer {
        /// Where the next byte goes.
        var next: UnsafeMutablePointer<UInt8>

        init(_ start: UnsafeMutablePointer<UInt8>) { next = start }

        @inline(__always)
        mutating func byte(_ value: UInt8) {
            next.pointee = value
            next += 1
        }

        @inline(__always)
        mutating func raw(_ text: StaticString) {
            next.update(from: text.utf8Start, count: text.utf8CodeUnitCount)
            next += text.utf8CodeUnitCount
        }

        @inline(__always)
        mutating func bytes(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard let source = bytes.baseAddress else { return }
            next.update(from: source, count: bytes.count)
            next += bytes.count
        }

        /// The UTF-8 bytes of `text` as they are.
        mutating func text(_ text: String) {
            if text.utf8.withContiguousStorageIfAvailable({ bytes($0) }) == nil {
                var copy = text
                copy.withUTF8 { bytes($0) }
            }
        }

        /// `text` quoted, or `null`.
        @inline(__always)
        mutating func quoted(_ text: String?) {
            if let text { quoted(text) } else { raw("null") }
        }

        mutating func quoted(_ text: String) {
            byte(UInt8(ascii: "\""))
            if text.utf8.withContiguousStorageIfAvailable({ escaped($0) }) == nil {
                var copy = text
                copy.withUTF8 { escaped($0) }
            }
            byte(UInt8(ascii: "\""))
        }

        mutating func quoted(_ text: Substring) {
            byte(UInt8(ascii: "\""))
            if text.utf8.withContiguousStorageIfAvailable({ escaped($0) }) == nil {
                var copy = String(text)
                copy.withUTF8 { escaped($0) }
            }
            byte(UInt8(ascii: "\""))
        }

        /// `bytes` escaped for a JSON string (without quotes): `"` and `\\` escaped, control
        /// characters, DEL, U+2028 and U+2029 as escapes, everything else copied.
        mutating func escaped(_ bytes: UnsafeBufferPointer<UInt8>) {
            var index = 0
            // Printable ASCII other than `"` and `\\` is copied as it is; anything else is looked at.
            // Eight bytes at a time while no byte needs a look (a byte below 0x20 or at or above 0x7F,
            // or equal to `"` or `\\`), then byte by byte.
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
            var copied = 0  // bytes before this index are written
            while index < bytes.count {
                let byte = bytes[index]
                if byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
                    index += 1
                    continue
                }
                var skip = 1
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    flush(bytes, from: copied, to: index)
                    self.byte(UInt8(ascii: "\\"))
                    self.byte(byte)
                case UInt8(ascii: "\n"):
                    flush(bytes, from: copied, to: index)
                    raw("\\n")
                case UInt8(ascii: "\r"):
                    flush(bytes, from: copied, to: index)
                    raw("\\r")
                case UInt8(ascii: "\t"):
                    flush(bytes, from: copied, to: index)
                    raw("\\t")
                case 0..<0x20, 0x7F:
                    flush(bytes, from: copied, to: index)
                    let digits: StaticString = "0123456789abcdef"
                    raw("\\u00")
                    self.byte(digits.utf8Start[Int(byte >> 4)])
                    self.byte(digits.utf8Start[Int(byte & 0xF)])
                case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80 && bytes[index + 2] == 0xA8:
                    flush(bytes, from: copied, to: index)
                    raw("\\u2028")
                    skip = 3
                case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80 && bytes[index + 2] == 0xA9:
                    flush(bytes, from: copied, to: index)
                    raw("\\u2029")
                    skip = 3
                default:
                    index += 1
                    continue
                }
                index += skip
                copied = index
            }
            flush(bytes, from: copied, to: bytes.count)
        }

        @inline(__always)
        mutating func flush(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) {
            if start < end { self.bytes(UnsafeBufferPointer(rebasing: bytes[start..<end])) }
        }

        /// The audit record of `result` (see ``AuditRecord/appendJSON(of:to:)``).
        mutating func write(
            _ result: CheckResult, classification: Classification?, pairs: [Classification.Authorization]
        ) {
            raw("{\"time\":\"")
            rfc3339(millisecondsSinceEpoch: result.time)
            let decision = result.decision
            switch decision.outcome {
            case .allow: raw("\",\"decision\":\"allow")
            case .deny: raw("\",\"decision\":\"deny")
            case .wouldDeny: raw("\",\"decision\":\"would_deny")
            }
            raw("\",\"reason\":\"")
            raw(decision.reason.staticName)
            byte(UInt8(ascii: "\""))
            raw(",\"rule\":")
            quoted(decision.rule)
            switch decision.evaluation {
            case .allowed: raw(",\"evaluation\":\"allowed\"")
            case .explicitDeny: raw(",\"evaluation\":\"explicit_deny\"")
            case .implicitDeny: raw(",\"evaluation\":\"implicit_deny\"")
            }
            if !decision.missing.isEmpty {
                raw(",\"missing\":[")
                var first = true
                for (fact, word) in MissingFacts.words where decision.missing.contains(fact) {
                    if !first { byte(UInt8(ascii: ",")) }
                    first = false
                    quoted(word)
                }
                byte(UInt8(ascii: "]"))
            }
            raw(",\"request_id\":")
            quoted(result.requestID)
            raw(",\"mode\":\"")
            raw(result.mode.staticName)
            byte(UInt8(ascii: "\""))
            raw(",\"source\":{\"address\":")
            quoted(result.sourceAddress)
            raw(",\"principal\":")
            quoted(result.principal)
            if let request = result.request {
                raw("},\"request\":{\"method\":")
                quoted(request.method)
                raw(",\"host\":")
                quoted(request.host)
                raw(",\"path\":")
                quoted(request.path)
            } else {
                raw("},\"request\":{\"method\":\"-\",\"host\":\"-\",\"path\":\"-\"")
            }
            raw("},\"aws\":{\"access_key_id\":")
            if let key = result.accessKeyIDText { quoted(key) } else { raw("null") }
            raw(",\"account\":")
            if let account = result.account {
                byte(UInt8(ascii: "\""))
                accountDigits(account.value)
                byte(UInt8(ascii: "\""))
            } else {
                raw("null")
            }
            raw(",\"account_name\":")
            quoted(result.accountName)
            raw(",\"region\":")
            quoted(classification?.region)
            raw(",\"service\":")
            quoted(classification?.signingName)
            if let classification {
                raw(",\"action\":")
                quoted(pairs.first?.action.name)
                raw(",\"resource\":")
                quoted(pairs.first?.resource)
                raw(",\"resource_account\":")
                quoted(classification.resourceAccount)
                raw(",\"authorizations\":[")
                var first = true
                for pair in pairs {
                    raw(first ? "{\"action\":" : ",{\"action\":")
                    first = false
                    quoted(pair.action.name)
                    raw(",\"resource\":")
                    quoted(pair.resource)
                    byte(UInt8(ascii: "}"))
                }
            } else {
                raw(
                    ",\"action\":null,\"resource\":null,\"resource_account\":null,\"authorizations\":[{\"action\":null,\"resource\":null}"
                )
            }
            switch result.authentication {
            case .none: raw("],\"auth\":\"none\",\"signature\":\"")
            case .header: raw("],\"auth\":\"header\",\"signature\":\"")
            case .presigned: raw("],\"auth\":\"presigned\",\"signature\":\"")
            case .identityToken: raw("],\"auth\":\"identity_token\",\"signature\":\"")
            }
            switch result.signature {
            case .verified: raw("verified\"")
            case .notChecked: raw("not_checked\"")
            case .mismatch: raw("mismatch\"")
            }
            if let role = result.brokeredRole {
                raw(",\"brokered\":true,\"role\":")
                quoted(role)
            }
            if let caller = result.caller {
                raw("},\"caller\":{\"arn\":")
                quoted(caller.arn)
                raw(",\"account\":")
                quoted(caller.account)
                raw(",\"user_id\":")
                quoted(caller.userID)
            }
            raw("},\"latency_us\":")
            decimal(result.latencyMicroseconds)
            byte(UInt8(ascii: "}"))
        }

        /// An account number as its 12 digits.
        mutating func accountDigits(_ value: UInt64) {
            var remaining = value
            for index in stride(from: 11, through: 0, by: -1) {
                next[index] = UInt8(truncatingIfNeeded: 0x30 &+ remaining % 10)
                remaining /= 10
            }
            next += 12
        }

        /// A decimal integer, as `String(value)` writes it.
        mutating func decimal(_ value: Int) {
            if value < 0 { byte(UInt8(ascii: "-")) }
            var magnitude = value.magnitude
            var count = 1
            var probe = magnitude
            while probe >= 10 {
                probe /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) {
                next[index] = UInt8(truncatingIfNeeded: 0x30 &+ magnitude % 10)
                magnitude /= 10
            }
            next += count
        }

        /// `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC), as `UTCTime.rfc3339(millisecondsSinceEpoch:)` writes it.
        mutating func rfc3339(millisecondsSinceEpoch ms: Int64) {
            let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
            let (year, month, day, hour, minute, second) = CivilTime.fields(seconds)
            digits(year, 4)
            byte(UInt8(ascii: "-"))
            digits(month, 2)
            byte(UInt8(ascii: "-"))
            digits(day, 2)
            byte(UInt8(ascii: "T"))
            digits(hour, 2)
            byte(UInt8(ascii: ":"))
            digits(minute, 2)
            byte(UInt8(ascii: ":"))
            digits(second, 2)
            byte(UInt8(ascii: "."))
            digits(Int(ms - seconds * 1000), 3)
            byte(UInt8(ascii: "Z"))
        }

        /// The low `width` decimal digits of `value`, zero-padded (as SigV4's CivilTime writes them).
        @inline(__always)
        mutating func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 {
                byte(UInt8(truncatingIfNeeded: 0x30 + (value / divisor) % 10))
                divisor /= 10
            }
        }
    }
}

extension ReasonCode {
    /// The raw value as a static byte string (for the audit writer).
    var staticName: StaticString {
        switch self {
        case .allowed: "allowed"
        case .noCredentials: "no_credentials"
        case .malformedCredentials: "malformed_credentials"
        case .unsupportedSignature: "unsupported_signature"
        case .legacyAccessKey: "legacy_access_key"
        case .clockSkew: "clock_skew"
        case .requestExpired: "request_expired"
        case .requestNotYetValid: "request_not_yet_valid"
        case .scopeMismatch: "scope_mismatch"
        case .unknownEndpoint: "unknown_endpoint"
        case .ambiguousRequest: "ambiguous_request"
        case .signatureMismatch: "signature_mismatch"
        case .bodyTooLarge: "body_too_large"
        case .resourceOwnerNotAllowed: "resource_owner_not_allowed"
        case .accountNotAllowed: "account_not_allowed"
        case .regionNotAllowed: "region_not_allowed"
        case .serviceNotAllowed: "service_not_allowed"
        case .deniedByRule: "denied_by_rule"
        case .noMatchingRule: "no_matching_rule"
        case .internalError: "internal_error"
        case .brokerUnavailable: "broker_unavailable"
        case .notResignable: "not_resignable"
        case .invalidToken: "invalid_token"
        case .identityUnavailable: "identity_unavailable"
        }
    }
}

extension AuthzMode {
    /// The raw value as a static byte string (for the audit writer).
    var staticName: StaticString {
        switch self {
        case .grpc: "grpc"
        case .envoyHTTP: "envoy-http"
        case .nginx: "nginx"
        case .squid: "squid"
        case .icap: "icap"
        case .cli: "cli"
        }
    }
}
