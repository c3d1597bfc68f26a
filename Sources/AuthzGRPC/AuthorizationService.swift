package import AuthzCore
package import NIOCore
internal import Policy
internal import SigV4
internal import SwiftProtobuf

/// `envoy.service.auth.v3.Authorization/Check`: Envoy's ext_authz in gRPC mode.
///
/// Reads the original request from `attributes.request.http` — headers from `header_map` when Envoy
/// sends raw headers (`encode_raw_headers`), else from `headers`; the body from `raw_body` or `body`;
/// the client address and mTLS identity from `attributes.source`. Answers allow as status 0 with
/// `ok_response` (decision headers with `OVERWRITE_IF_EXISTS_OR_ADD`, client-sent
/// `x-sigv4-authz-*` headers in `headers_to_remove`) and deny as status 7 with `denied_response`
/// (403, the decision headers, the AWS-style body). A deny is never an RPC error, so Envoy's
/// `failure_mode_allow` cannot turn it into an allow.
///
/// The translation is pure (request in, response out); ``GRPCConnectionHandler`` serves it. On the
/// wire, both directions skip swift-protobuf's message values: ``CheckFacts/read(_:)`` reads what the
/// translation needs straight from the request's bytes (and hands anything outside the shape it
/// knows to swift-protobuf), and ``writeFramedResponse(_:clientDecisionHeaders:into:)`` writes the
/// response's protobuf encoding directly; ``translate(_:)`` and ``encode(_:clientDecisionHeaders:)``
/// are the same translation on swift-protobuf's messages, the reference both are tested against.
public enum AuthorizationService {
    /// The whole check, synchronous and transport-free, on swift-protobuf's messages.
    package static func answer(
        _ request: Envoy_Service_Auth_V3_CheckRequest, authorizer: any Authorizer
    ) -> Envoy_Service_Auth_V3_CheckResponse {
        let (authz, clientDecisionHeaders) = translate(request)
        return encode(authorizer.check(authz), clientDecisionHeaders: clientDecisionHeaders)
    }

    /// The original request of a serialized CheckRequest, and the names of client-sent
    /// `x-sigv4-authz-*` headers. Throws when swift-protobuf cannot decode the bytes.
    package static func translate(serialized bytes: UnsafeRawBufferPointer) throws -> (AuthzRequest, [String]) {
        if let facts = CheckFacts.read(bytes) { return translate(facts) }
        return translate(try Envoy_Service_Auth_V3_CheckRequest(serializedBytes: Array(bytes)))
    }

    /// The original request, and the names of client-sent `x-sigv4-authz-*` headers.
    static func translate(_ check: Envoy_Service_Auth_V3_CheckRequest) -> (AuthzRequest, [String]) {
        translate(CheckFacts(check))
    }

    static func translate(_ facts: CheckFacts) -> (AuthzRequest, [String]) {
        var headers: [HeaderField] = []
        headers.reserveCapacity(facts.headers.count)
        var authority = facts.host
        var host: String?
        var clientDecisionHeaders: [String] = []
        // Envoy marks a forwarded body with x-envoy-auth-partial-body: "false" only when it sent all
        // of it. Without the header the body was not forwarded (Envoy's `size` may still be 0), so it
        // is unknown, never "absent".
        var partialBody: Bool?
        var requestID: String?
        for field in facts.headers {
            switch HeaderRole(field.name) {
            case .authority:
                if authority.isEmpty { authority = field.value }
                continue
            case .pseudo, .expectedTimeout:
                continue
            case .partialBody:
                partialBody = partialBody == nil ? field.value.lowercased() != "false" : true
                continue
            case .decision(let name): clientDecisionHeaders.append(name)
            case .requestID: requestID = field.value
            case .host: if host == nil { host = field.value }
            case .other: break
            }
            headers.append(field)
        }
        if authority.isEmpty, let host { authority = host }

        let body: RequestBody
        switch partialBody {
        case false?: body = .complete(facts.rawBody.isEmpty ? Array(facts.body.utf8) : facts.rawBody)
        case true?: body = .truncated
        case nil: body = .absent
        }

        let request = AuthzRequest(
            method: facts.method, host: authority, target: facts.path.isEmpty ? "/" : facts.path, headers: headers,
            body: body,
            sourceAddress: facts.sourceAddress.isEmpty ? nil : facts.sourceAddress,
            principal: facts.principal.isEmpty ? nil : facts.principal,
            mode: .grpc, requestID: requestID)
        return (request, clientDecisionHeaders)
    }

    /// What the translation makes of a header, by its name in lower case: `:authority` and every
    /// other pseudo-header, `x-envoy-auth-partial-body` and `x-envoy-expected-rq-timeout-ms` are
    /// dropped (the first gives the authority when `host` is empty, the second the body's state),
    /// `x-request-id` is the request id, `host` the authority when nothing else gives one, and a
    /// client-sent decision header (`x-sigv4-authz-*`) is named for removal.
    enum HeaderRole: Equatable {
        case authority, pseudo, partialBody, expectedTimeout, requestID, host, other
        /// A decision header, with its name in lower case.
        case decision(String)

        init(_ name: String) {
            // An ASCII name (what HTTP/2 and Envoy send) is compared byte by byte ignoring ASCII case,
            // which is what lower-casing it and comparing the strings amounts to.
            if let role = name.utf8.withContiguousStorageIfAvailable({ Self.ascii($0) }), let role {
                self = role == .decision("") ? .decision(name.lowercased()) : role
                return
            }
            // Anything else: Unicode lower-casing and String comparison.
            let lowered = name.lowercased()
            if lowered == ":authority" {
                self = .authority
            } else if lowered.hasPrefix(":") {
                self = .pseudo
            } else if lowered.hasPrefix(DecisionHeaders.prefix) {
                self = .decision(lowered)
            } else {
                switch lowered {
                case "x-envoy-auth-partial-body": self = .partialBody
                case "x-envoy-expected-rq-timeout-ms": self = .expectedTimeout
                case "x-request-id": self = .requestID
                case "host": self = .host
                default: self = .other
                }
            }
        }

        /// The role of an ASCII name (a decision header as `.decision("")`); `nil` when the name is
        /// not ASCII.
        private static func ascii(_ name: UnsafeBufferPointer<UInt8>) -> HeaderRole? {
            for byte in name where byte >= 0x80 { return nil }
            func equals(_ literal: StaticString, prefix: Bool = false) -> Bool {
                let count = literal.utf8CodeUnitCount
                guard prefix ? name.count >= count : name.count == count else { return false }
                let expected = literal.utf8Start
                for index in 0..<count {
                    var byte = name[index]
                    if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { byte |= 0x20 }
                    if byte != expected[index] { return false }
                }
                return true
            }
            switch name.first {
            case UInt8(ascii: ":"):
                return equals(":authority") ? .authority : .pseudo
            case UInt8(ascii: "x"), UInt8(ascii: "X"):
                if equals("x-sigv4-authz-", prefix: true) { return .decision("") }
                if equals("x-envoy-auth-partial-body") { return .partialBody }
                if equals("x-envoy-expected-rq-timeout-ms") { return .expectedTimeout }
                if equals("x-request-id") { return .requestID }
                return .other
            case UInt8(ascii: "h"), UInt8(ascii: "H"):
                return equals("host") ? .host : .other
            default:
                return .other
            }
        }
    }

    /// The CheckResponse of a result, as a swift-protobuf message (the reference the wire encoder
    /// ``writeFramedResponse(_:clientDecisionHeaders:into:)`` is tested against).
    static func encode(
        _ checked: CheckResult, clientDecisionHeaders: [String]
    ) -> Envoy_Service_Auth_V3_CheckResponse {
        func option(_ name: String, _ value: String) -> Envoy_Config_Core_V3_HeaderValueOption {
            var option = Envoy_Config_Core_V3_HeaderValueOption()
            option.header.key = name
            option.header.value = value
            option.appendAction = .overwriteIfExistsOrAdd
            return option
        }
        var result = Envoy_Service_Auth_V3_CheckResponse()
        let fields = DecisionHeaders.fields(checked)
        let decisionHeaders = fields.map { option($0.name, $0.value) }
        switch checked.decision.effect {
        case .allow:
            result.status.code = 0
            var ok = Envoy_Service_Auth_V3_OkHttpResponse()
            ok.headers = decisionHeaders
            ok.headersToRemove = headersToRemove(clientDecisionHeaders, sending: fields)
            result.okResponse = ok
        case .deny:
            result.status.code = 7  // PERMISSION_DENIED
            result.status.message = checked.message
            var denied = Envoy_Service_Auth_V3_DeniedHttpResponse()
            denied.status.code = .forbidden
            denied.headers = decisionHeaders
            if let body = DenyBody(denying: checked) {
                denied.headers.append(option("content-type", body.contentType))
                denied.headers += body.headers.map { option($0.name, $0.value) }
                denied.body = body.body
            }
            result.deniedResponse = denied
        }
        return result
    }

    /// The client-sent decision headers the answer does not overwrite, once each, sorted.
    static func headersToRemove(
        _ clientDecisionHeaders: [String], sending fields: [(name: String, value: String)]
    )
        -> [String]
    {
        if clientDecisionHeaders.isEmpty { return [] }
        return Array(Set(clientDecisionHeaders).subtracting(fields.map(\.name))).sorted()
    }

    /// Writes the gRPC message of a result's CheckResponse — the 5-byte prefix (uncompressed, length)
    /// and the protobuf encoding of exactly the message ``encode(_:clientDecisionHeaders:)`` builds,
    /// byte for byte as swift-protobuf serializes it (fields in number order, defaults omitted).
    ///
    /// The shape (field numbers from external_auth.proto, base.proto, google/rpc/status.proto,
    /// http_status.proto):
    ///
    ///     CheckResponse      1 status: google.rpc.Status (1 code, 2 message)
    ///                        2 denied_response: DeniedHttpResponse
    ///                          (1 status: HttpStatus (1 code), 2 headers, 3 body)
    ///                        3 ok_response: OkHttpResponse (2 headers, 5 headers_to_remove)
    ///     HeaderValueOption  1 header: HeaderValue (1 key, 2 value), 3 append_action
    package static func writeFramedResponse(
        _ checked: CheckResult, clientDecisionHeaders: [String], into buffer: inout ByteBuffer
    ) {
        let fields = DecisionHeaders.fields(checked)
        switch checked.decision.effect {
        case .allow:
            let remove = headersToRemove(clientDecisionHeaders, sending: fields)
            var ok = 0
            for field in fields { ok += ResponseWire.fieldSize(ResponseWire.optionSize(field.name, field.value)) }
            for name in remove { ok += ResponseWire.fieldSize(name.utf8.count) }
            let size = ResponseWire.fieldSize(0) + ResponseWire.fieldSize(ok)
            ResponseWire.write(size, into: &buffer) { wire in
                wire.field(1, length: 0)  // status: code 0, no message
                wire.field(3, length: ok)
                for field in fields { wire.option(2, field.name, field.value) }
                for name in remove { wire.element(5, name) }
            }
        case .deny:
            let message = checked.message
            let status = 2 + ResponseWire.stringSize(message)  // code 7: tag and one byte
            let body = DenyBody(denying: checked)
            var denied = ResponseWire.fieldSize(ResponseWire.httpStatusForbidden.count)
            for field in fields { denied += ResponseWire.fieldSize(ResponseWire.optionSize(field.name, field.value)) }
            if let body {
                denied += ResponseWire.fieldSize(ResponseWire.optionSize("content-type", body.contentType))
                for header in body.headers {
                    denied += ResponseWire.fieldSize(ResponseWire.optionSize(header.name, header.value))
                }
                denied += ResponseWire.stringSize(body.body)
            }
            let size = ResponseWire.fieldSize(status) + ResponseWire.fieldSize(denied)
            ResponseWire.write(size, into: &buffer) { wire in
                wire.field(1, length: status)
                wire.byte(0x08)  // code: 7 (PERMISSION_DENIED)
                wire.byte(7)
                wire.string(2, message)
                wire.field(2, length: denied)
                wire.field(1, length: ResponseWire.httpStatusForbidden.count)
                for byte in ResponseWire.httpStatusForbidden { wire.byte(byte) }
                for field in fields { wire.option(2, field.name, field.value) }
                if let body {
                    wire.option(2, "content-type", body.contentType)
                    for header in body.headers { wire.option(2, header.name, header.value) }
                    wire.string(3, body.body)
                }
            }
        }
    }
}

/// The protobuf wire encoding of the one CheckResponse shape the service sends: length-delimited
/// fields with one-byte tags (every field number used is below 16), strings, and the header option,
/// written into memory reserved for the whole message (sizes first, then one pass of writes).
struct ResponseWire {
    /// `HttpStatus { code: 403 }`: field 1, varint 403.
    static let httpStatusForbidden: [UInt8] = [0x08, 0x93, 0x03]

    /// The memory reserved for the message, and where the next byte goes.
    private let memory: UnsafeMutableRawBufferPointer
    private var index = 0

    private init(_ memory: UnsafeMutableRawBufferPointer) {
        self.memory = memory
    }

    /// Bytes of `value` as a varint.
    static func varintSize(_ value: Int) -> Int {
        var value = UInt64(value)
        var count = 1
        while value >= 0x80 {
            value >>= 7
            count += 1
        }
        return count
    }

    /// A length-delimited field with a one-byte tag and a body of `length` bytes.
    static func fieldSize(_ length: Int) -> Int { 1 + varintSize(length) + length }

    /// A string field, omitted when empty (proto3).
    static func stringSize(_ text: String) -> Int {
        let count = text.utf8.count
        return count == 0 ? 0 : fieldSize(count)
    }

    /// `HeaderValueOption { header { key, value }, append_action: OVERWRITE_IF_EXISTS_OR_ADD }`.
    static func optionSize(_ name: String, _ value: String) -> Int {
        fieldSize(stringSize(name) + stringSize(value)) + 2
    }

    /// Writes the gRPC prefix (uncompressed, `size` bytes) and the `size` bytes `body` writes.
    static func write(_ size: Int, into buffer: inout ByteBuffer, _ body: (inout ResponseWire) -> Void) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 5 + size) { memory in
            var wire = ResponseWire(UnsafeMutableRawBufferPointer(rebasing: memory[0..<(5 + size)]))
            wire.byte(0)
            for shift in stride(from: 24, through: 0, by: -8) { wire.byte(UInt8(truncatingIfNeeded: size >> shift)) }
            body(&wire)
            precondition(wire.index == wire.memory.count, "CheckResponse encoding: size mismatch")
            return 5 + size
        }
    }

    mutating func byte(_ value: UInt8) {
        precondition(index < memory.count, "CheckResponse encoding: size mismatch")
        memory[index] = value
        index += 1
    }

    mutating func varint(_ value: Int) {
        var value = UInt64(value)
        while value >= 0x80 {
            byte(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        byte(UInt8(value))
    }

    /// The tag and length of a length-delimited field; its body follows.
    mutating func field(_ number: UInt8, length: Int) {
        byte(number << 3 | 2)
        varint(length)
    }

    private mutating func bytes(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            precondition(memory.count - index >= utf8.count, "CheckResponse encoding: size mismatch")
            UnsafeMutableRawBufferPointer(rebasing: memory[index..<(index + utf8.count)])
                .copyMemory(from: UnsafeRawBufferPointer(utf8))
            index += utf8.count
        }
    }

    /// An element of a repeated string field (written even when empty).
    mutating func element(_ number: UInt8, _ text: String) {
        field(number, length: text.utf8.count)
        bytes(text)
    }

    /// A string field, nothing when empty.
    mutating func string(_ number: UInt8, _ text: String) {
        guard !text.isEmpty else { return }
        element(number, text)
    }

    /// A HeaderValueOption field: the header, then `append_action: OVERWRITE_IF_EXISTS_OR_ADD` (2).
    mutating func option(_ number: UInt8, _ name: String, _ value: String) {
        let header = Self.stringSize(name) + Self.stringSize(value)
        field(number, length: Self.fieldSize(header) + 2)
        field(1, length: header)
        string(1, name)
        string(2, value)
        byte(0x18)  // field 3, varint
        byte(2)
    }
}

/// What the translation reads of a CheckRequest: `attributes.request.http` (method, path, host, the
/// headers, the body) and `attributes.source` (the address of a socket address, the principal).
struct CheckFacts: Equatable {
    var method = ""
    var path = ""
    var host = ""
    /// `header_map`'s headers in order (`raw_value` when set, else `value`) when it has any; else the
    /// `headers` map, sorted by name.
    var headers: [HeaderField] = []
    var body = ""
    var rawBody: [UInt8] = []
    var sourceAddress = ""
    var principal = ""

    init() {}

    /// The facts of a decoded message.
    init(_ check: Envoy_Service_Auth_V3_CheckRequest) {
        let http = check.attributes.request.http
        method = http.method
        path = http.path
        host = http.host
        if !http.headerMap.headers.isEmpty {
            headers = http.headerMap.headers.map { header in
                HeaderField(
                    header.key,
                    header.rawValue.isEmpty ? header.value : String(decoding: header.rawValue, as: UTF8.self))
            }
        } else {
            headers = http.headers.keys.sorted().map { HeaderField($0, http.headers[$0] ?? "") }
        }
        body = http.body
        rawBody = Array(http.rawBody)
        let source = check.attributes.source
        sourceAddress = source.address.socketAddress.address
        principal = source.principal
    }

    /// The facts read straight from a serialized CheckRequest, without building its messages; `nil`
    /// for anything outside the shape Envoy sends, which the caller hands to swift-protobuf instead.
    ///
    /// Returns facts only where swift-protobuf decodes the same bytes without error to a message with
    /// the same facts (``init(_:)``), which the differential tests check: every field of the schema
    /// in Protos/ is read with its wire type and merged as protobuf merges (a repeated singular field:
    /// the last wins; a repeated message: merged; repeated fields and map entries: appended, the last
    /// entry of a key wins), and unknown fields are skipped. It gives up (`nil`) on a string that is
    /// not ASCII (UTF-8 validation and Unicode comparison are left to swift-protobuf and Swift's
    /// strings), a known field with another wire type, a group, a `pipe` address (a oneof case that
    /// replaces the socket address), a map entry with anything but its key and value, a tag longer
    /// than four bytes or with field number 0, and malformed or truncated input.
    static func read(_ bytes: UnsafeRawBufferPointer) -> CheckFacts? {
        var reader = CheckFactsReader()
        do {
            var wire = WireReader(bytes)
            while let field = try wire.next() {
                if field.number == 1 {
                    try reader.attributes(try wire.message(field))
                } else {
                    try wire.skip(field)
                }
            }
        } catch {
            return nil
        }
        return reader.facts()
    }
}

/// The reader gave up: the input is outside its shape (or malformed).
struct Unreadable: Error {}

/// One field's tag.
struct WireField {
    var number: Int
    var type: UInt8
}

/// Protobuf wire format over a byte range, strict: any doubt throws ``Unreadable``.
struct WireReader {
    private let bytes: UnsafeRawBufferPointer
    private var index: Int

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        index = 0
    }

    /// The next field's tag; `nil` at the end.
    mutating func next() throws(Unreadable) -> WireField? {
        guard index < bytes.count else { return nil }
        var tag = 0
        var shift = 0
        while true {
            guard index < bytes.count, shift < 28 else { throw Unreadable() }
            let byte = bytes[index]
            index += 1
            tag |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                // Minimal encoding: a last byte of 0 after the first is a padded tag.
                guard byte != 0 || shift == 0 else { throw Unreadable() }
                break
            }
            shift += 7
        }
        let field = WireField(number: tag >> 3, type: UInt8(tag & 7))
        guard field.number > 0, field.type <= 5, field.type != 3, field.type != 4 else { throw Unreadable() }
        return field
    }

    /// A varint of at most 10 bytes (the bits past 64 are dropped, as swift-protobuf does).
    mutating func varint() throws(Unreadable) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard index < bytes.count, shift <= 63 else { throw Unreadable() }
            let byte = bytes[index]
            index += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    /// The body of a length-delimited field.
    mutating func lengthDelimited() throws(Unreadable) -> UnsafeRawBufferPointer {
        let length = try varint()
        guard length <= UInt64(bytes.count - index) else { throw Unreadable() }
        let start = index
        index += Int(length)
        return UnsafeRawBufferPointer(rebasing: bytes[start..<index])
    }

    /// A field that must be length-delimited (a known string, bytes or message field).
    mutating func message(_ field: WireField) throws(Unreadable) -> UnsafeRawBufferPointer {
        guard field.type == 2 else { throw Unreadable() }
        return try lengthDelimited()
    }

    /// A known varint field (its value unused).
    mutating func skipVarint(_ field: WireField) throws(Unreadable) {
        guard field.type == 0 else { throw Unreadable() }
        _ = try varint()
    }

    /// A known string field, ASCII only.
    mutating func string(_ field: WireField) throws(Unreadable) -> String {
        try Self.ascii(try message(field))
    }

    /// Checks a known string field: ASCII only.
    mutating func checkString(_ field: WireField) throws(Unreadable) {
        try Self.checkASCII(try message(field))
    }

    /// Skips an unknown field (varint, 64-bit, length-delimited or 32-bit).
    mutating func skip(_ field: WireField) throws(Unreadable) {
        switch field.type {
        case 0: _ = try varint()
        case 1: try advance(8)
        case 2: _ = try lengthDelimited()
        case 5: try advance(4)
        default: throw Unreadable()
        }
    }

    private mutating func advance(_ count: Int) throws(Unreadable) {
        guard bytes.count - index >= count else { throw Unreadable() }
        index += count
    }

    static func checkASCII(_ bytes: UnsafeRawBufferPointer) throws(Unreadable) {
        // Eight bytes at a time, then the rest.
        var index = 0
        while bytes.count - index >= 8 {
            guard bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 else {
                throw Unreadable()
            }
            index += 8
        }
        while index < bytes.count {
            guard bytes[index] < 0x80 else { throw Unreadable() }
            index += 1
        }
    }

    static func ascii(_ bytes: UnsafeRawBufferPointer) throws(Unreadable) -> String {
        try checkASCII(bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The facts as the reader collects them, message by message (merging as protobuf does: every field
/// written into the same state).
struct CheckFactsReader {
    var method = ""
    var path = ""
    var host = ""
    var headerMap: [HeaderField] = []
    var headersMap: [(name: String, value: String)] = []
    var body = ""
    var rawBody: UnsafeRawBufferPointer?
    var sourceAddress = ""
    var principal = ""

    func facts() -> CheckFacts {
        var facts = CheckFacts()
        facts.method = method
        facts.path = path
        facts.host = host
        if !headerMap.isEmpty {
            facts.headers = headerMap
        } else if !headersMap.isEmpty {
            // The map: the last entry of a name wins, sorted by name (ASCII: by bytes).
            let order = headersMap.indices.sorted { a, b in
                headersMap[a].name != headersMap[b].name ? headersMap[a].name < headersMap[b].name : a < b
            }
            for (position, index) in order.enumerated() {
                let next = position + 1 < order.count ? order[position + 1] : nil
                if let next, headersMap[next].name == headersMap[index].name { continue }
                facts.headers.append(HeaderField(headersMap[index].name, headersMap[index].value))
            }
        }
        facts.body = body
        facts.rawBody = rawBody.map { Array($0) } ?? []
        facts.sourceAddress = sourceAddress
        facts.principal = principal
        return facts
    }

    /// AttributeContext: 1 source, 2 destination (Peer), 4 request, 10 context_extensions
    /// (map<string, string>), 12 tls_session (TLSSession: 1 sni).
    mutating func attributes(_ bytes: UnsafeRawBufferPointer) throws(Unreadable) {
        var wire = WireReader(bytes)
        while let field = try wire.next() {
            switch field.number {
            case 1: try peer(try wire.message(field), source: true)
            case 2: try peer(try wire.message(field), source: false)
            case 4: try request(try wire.message(field))
            case 10: _ = try Self.mapEntry(try wire.message(field))
            case 12:
                var session = WireReader(try wire.message(field))
                while let field = try session.next() {
                    if field.number == 1 { try session.checkString(field) } else { try session.skip(field) }
                }
            default: try wire.skip(field)
            }
        }
    }

    /// Peer: 1 address, 2 service, 3 labels (map<string, string>), 4 principal, 5 certificate.
    mutating func peer(_ bytes: UnsafeRawBufferPointer, source: Bool) throws(Unreadable) {
        var wire = WireReader(bytes)
        while let field = try wire.next() {
            switch field.number {
            case 1: try address(try wire.message(field), source: source)
            case 2, 5: try wire.checkString(field)
            case 3: _ = try Self.mapEntry(try wire.message(field))
            case 4:
                let principal = try wire.string(field)
                if source { self.principal = principal }
            default: try wire.skip(field)
            }
        }
    }

    /// Address: oneof 1 socket_address (SocketAddress: 1 protocol, 2 address, 3 port_value,
    /// 4 named_port, 5 resolver_name, 6 ipv4_compat) | 2 pipe (not read: it would replace the socket
    /// address).
    mutating func address(_ bytes: UnsafeRawBufferPointer, source: Bool) throws(Unreadable) {
        var wire = WireReader(bytes)
        while let field = try wire.next() {
            switch field.number {
            case 1:
                var socket = WireReader(try wire.message(field))
                while let field = try socket.next() {
                    switch field.number {
                    case 1, 3, 6: try socket.skipVarint(field)
                    case 2:
                        let address = try socket.string(field)
                        if source { sourceAddress = address }
                    case 4, 5: try socket.checkString(field)
                    default: try socket.skip(field)
                    }
                }
            case 2: throw Unreadable()
            default: try wire.skip(field)
            }
        }
    }

    /// Request: 1 time (Timestamp: 1 seconds, 2 nanos), 2 http.
    mutating func request(_ bytes: UnsafeRawBufferPointer) throws(Unreadable) {
        var wire = WireReader(bytes)
        while let field = try wire.next() {
            switch field.number {
            case 1:
                var time = WireReader(try wire.message(field))
                while let field = try time.next() {
                    if field.number == 1 || field.number == 2 {
                        try time.skipVarint(field)
                    } else {
                        try time.skip(field)
                    }
                }
            case 2: try http(try wire.message(field))
            default: try wire.skip(field)
            }
        }
    }

    /// HttpRequest: 1 id, 2 method, 3 headers (map<string, string>), 4 path, 5 host, 6 scheme,
    /// 7 query, 8 fragment, 9 size, 10 protocol, 11 body, 12 raw_body, 13 header_map.
    mutating func http(_ bytes: UnsafeRawBufferPointer) throws(Unreadable) {
        var wire = WireReader(bytes)
        while let field = try wire.next() {
            switch field.number {
            case 1, 6, 7, 8, 10: try wire.checkString(field)
            case 2: method = try wire.string(field)
            case 3: headersMap.append(try Self.mapEntry(try wire.message(field)))
            case 4: path = try wire.string(field)
            case 5: host = try wire.string(field)
            case 9: try wire.skipVarint(field)
            case 11: body = try wire.string(field)
            case 12: rawBody = try wire.message(field)
            case 13:
                var map = WireReader(try wire.message(field))
                while let field = try map.next() {
                    if field.number == 1 {
                        if headerMap.isEmpty { headerMap.reserveCapacity(24) }
                        headerMap.append(try Self.headerValue(try map.message(field)))
                    } else {
                        try map.skip(field)
                    }
                }
            default: try wire.skip(field)
            }
        }
    }

    /// HeaderValue: 1 key, 2 value, 3 raw_value (bytes, read as UTF-8 with replacement, as the
    /// translation does).
    static func headerValue(_ bytes: UnsafeRawBufferPointer) throws(Unreadable) -> HeaderField {
        var wire = WireReader(bytes)
        var key = ""
        var value: UnsafeRawBufferPointer?
        var rawValue: UnsafeRawBufferPointer?
        while let field = try wire.next() {
            switch field.number {
            case 1: key = try wire.string(field)
            case 2:
                let text = try wire.message(field)
                try WireReader.checkASCII(text)
                value = text
            case 3: rawValue = try wire.message(field)
            default: try wire.skip(field)
            }
        }
        if let rawValue, !rawValue.isEmpty { return HeaderField(key, String(decoding: rawValue, as: UTF8.self)) }
        return HeaderField(key, value.map { String(decoding: $0, as: UTF8.self) } ?? "")
    }

    /// A map<string, string> entry: 1 key, 2 value (a repeated one: the last wins), nothing else.
    static func mapEntry(_ bytes: UnsafeRawBufferPointer) throws(Unreadable) -> (name: String, value: String) {
        var wire = WireReader(bytes)
        var key = ""
        var value = ""
        while let field = try wire.next() {
            switch field.number {
            case 1: key = try wire.string(field)
            case 2: value = try wire.string(field)
            default: throw Unreadable()
            }
        }
        return (key, value)
    }
}

/// `grpc.health.v1.Health`: SERVING while the server is ready, for the empty service name and for
/// `envoy.service.auth.v3.Authorization` (served by ``GRPCConnectionHandler``; `Watch` sends the
/// status once and ends when the server shuts down).
enum HealthService {
    static let known: Set<String> = ["", "envoy.service.auth.v3.Authorization"]
}
