internal import AuthzCore

/// The `dynamic_metadata` of a CheckResponse (field 4, a `google.protobuf.Struct`): the decision as
/// string fields Envoy's ext_authz filter emits under its namespace `envoy.filters.http.ext_authz`,
/// where an access log reads them (`%DYNAMIC_METADATA(envoy.filters.http.ext_authz:decision)%`).
///
/// The fields are decision headers (``DecisionHeaders/forEach(_:_:)``) named without the
/// `x-sigv4-authz-` prefix, `-` as `_`: `decision`, `reason`, `rule`, `account`, `region`, `service`,
/// `action`, `request_id`, with the headers' values (one line of printable ASCII, empty when unknown),
/// on allow and on deny. The values are read from the headers, never recomputed, so the metadata says
/// what the headers say.
///
/// The Struct is written as protobuf bytes appended to the serialized CheckResponse (a field may
/// follow the others: protobuf decoders accept fields in any order), not built as swift-protobuf's
/// `Google_Protobuf_Struct`: that is a dictionary of heap-stored values per check, on the path every
/// check takes. Only bytes of this process's own strings are written; nothing is parsed.
enum DynamicMetadata {
    /// The field number of `dynamic_metadata` in `CheckResponse`.
    static let fieldNumber = 4

    /// The metadata key of a decision header, or `nil` for a header it does not carry
    /// (`account-name`, `message`).
    @inline(__always)
    static func key(_ header: String) -> StaticString? {
        switch header {
        case "x-sigv4-authz-decision": return "decision"
        case "x-sigv4-authz-reason": return "reason"
        case "x-sigv4-authz-rule": return "rule"
        case "x-sigv4-authz-account": return "account"
        case "x-sigv4-authz-region": return "region"
        case "x-sigv4-authz-service": return "service"
        case "x-sigv4-authz-action": return "action"
        case "x-sigv4-authz-request-id": return "request_id"
        default: return nil
        }
    }

    /// Appends field 4 of a CheckResponse — the Struct of the decision headers ``key(_:)`` names, in
    /// their order — to `out`, the response's serialized bytes.
    static func append(_ result: CheckResult, to out: inout [UInt8]) {
        // Tag of field 4, length-delimited; the Struct's length is written once its entries are.
        out.append(UInt8(truncatingIfNeeded: fieldNumber << 3 | 2))
        let lengthAt = out.count
        out.append(0)
        DecisionHeaders.forEach(result) { name, value in
            guard let key = key(name) else { return }
            let keyCount = key.utf8CodeUnitCount
            let valueCount = value.utf8.count
            // Value { string_value (3) }; entry { key (1), value (2) }; Struct { fields (1) entry }.
            let valueMessage = 1 + varintSize(valueCount) + valueCount
            let entry = 1 + varintSize(keyCount) + keyCount + 1 + varintSize(valueMessage) + valueMessage
            out.append(0x0A)  // Struct.fields: field 1, length-delimited
            appendVarint(entry, to: &out)
            out.append(0x0A)  // entry key: field 1, string
            appendVarint(keyCount, to: &out)
            out.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: keyCount))
            out.append(0x12)  // entry value: field 2, google.protobuf.Value
            appendVarint(valueMessage, to: &out)
            out.append(0x1A)  // Value.string_value: field 3, string
            appendVarint(valueCount, to: &out)
            out.append(contentsOf: value.utf8)
        }
        let length = out.count - lengthAt - 1
        if length < 0x80 {
            out[lengthAt] = UInt8(truncatingIfNeeded: length)
        } else {
            var varint: [UInt8] = []
            appendVarint(length, to: &varint)
            out.replaceSubrange(lengthAt..<lengthAt + 1, with: varint)
        }
    }

    /// The bytes of `value` as a protobuf varint.
    @inline(__always)
    static func varintSize(_ value: Int) -> Int {
        var size = 1
        var rest = value >> 7
        while rest != 0 {
            size += 1
            rest >>= 7
        }
        return size
    }

    /// Appends `value` (not negative) as a protobuf varint.
    @inline(__always)
    static func appendVarint(_ value: Int, to out: inout [UInt8]) {
        var rest = UInt(value)
        while rest >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        out.append(UInt8(truncatingIfNeeded: rest))
    }
}
