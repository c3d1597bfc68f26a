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

    /// The decision headers carried, by name, and their keys.
    static let carried: [(header: StaticString, key: StaticString)] = [
        ("x-sigv4-authz-decision", "decision"), ("x-sigv4-authz-reason", "reason"),
        ("x-sigv4-authz-rule", "rule"), ("x-sigv4-authz-account", "account"),
        ("x-sigv4-authz-region", "region"), ("x-sigv4-authz-service", "service"),
        ("x-sigv4-authz-action", "action"), ("x-sigv4-authz-request-id", "request_id"),
    ]

    /// The metadata key of a decision header, or `nil` for a header it does not carry
    /// (`account-name`, `message`). The header's length and a letter after the prefix pick the one
    /// candidate, whose name is then compared byte for byte (no string comparison per header).
    static func key(_ header: String) -> StaticString? {
        let found = header.utf8.withContiguousStorageIfAvailable { name -> Int? in
            let prefix = 14  // "x-sigv4-authz-"
            guard name.count > prefix + 2 else { return nil }
            let candidate: Int
            switch (name.count, name[prefix]) {
            case (22, UInt8(ascii: "d")): candidate = 0
            case (20, UInt8(ascii: "r")): candidate = name[prefix + 2] == UInt8(ascii: "a") ? 1 : 4
            case (18, UInt8(ascii: "r")): candidate = 2
            case (21, UInt8(ascii: "a")): candidate = 3
            case (21, UInt8(ascii: "s")): candidate = 5
            case (20, UInt8(ascii: "a")): candidate = 6
            case (24, UInt8(ascii: "r")): candidate = 7
            default: return nil
            }
            let expected = carried[candidate].header
            guard expected.utf8CodeUnitCount == name.count else { return nil }
            for index in 0..<name.count where name[index] != expected.utf8Start[index] { return nil }
            return candidate
        }
        guard let found else {
            // Not contiguous UTF-8 (never for the literals DecisionHeaders passes): compare strings.
            return carried.first { $0.header.description == header }?.key
        }
        return found.map { carried[$0].key }
    }

    /// Appends the Struct entry (`fields` map entry: key, `Value.string_value`) of a decision header to
    /// `entries` when the metadata carries it.
    @inline(__always)
    static func appendEntry(header name: String, value: String, to entries: inout [UInt8]) {
        guard let key = key(name) else { return }
        let keyCount = key.utf8CodeUnitCount
        let valueCount = value.utf8.count
        // Value { string_value (3) }; entry { key (1), value (2) }; Struct { fields (1) entry }.
        let valueMessage = 1 + varintSize(valueCount) + valueCount
        let entry = 1 + varintSize(keyCount) + keyCount + 1 + varintSize(valueMessage) + valueMessage
        entries.append(0x0A)  // Struct.fields: field 1, length-delimited
        appendVarint(entry, to: &entries)
        entries.append(0x0A)  // entry key: field 1, string
        appendVarint(keyCount, to: &entries)
        entries.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: keyCount))
        entries.append(0x12)  // entry value: field 2, google.protobuf.Value
        appendVarint(valueMessage, to: &entries)
        entries.append(0x1A)  // Value.string_value: field 3, string
        appendVarint(valueCount, to: &entries)
        entries.append(contentsOf: value.utf8)
    }

    /// Appends field 4 of a CheckResponse, the Struct made of `entries`, to `out` (the response's
    /// serialized bytes).
    static func appendField(entries: [UInt8], to out: inout [UInt8]) {
        out.reserveCapacity(out.count + 1 + varintSize(entries.count) + entries.count)
        out.append(UInt8(truncatingIfNeeded: fieldNumber << 3 | 2))  // field 4, length-delimited
        appendVarint(entries.count, to: &out)
        out.append(contentsOf: entries)
    }

    /// Appends field 4 of a CheckResponse — the Struct of the decision headers ``key(_:)`` names, in
    /// their order — to `out`, the response's serialized bytes.
    static func append(_ result: CheckResult, to out: inout [UInt8]) {
        var entries: [UInt8] = []
        DecisionHeaders.forEach(result) { appendEntry(header: $0, value: $1, to: &entries) }
        appendField(entries: entries, to: &out)
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
