import AWSClassifier
import AuthzCore
import Foundation
import NIOCore
import Policy
import SigV4
import SwiftProtobuf
import Testing

@testable import AuthzGRPC

// The wire paths of a check against swift-protobuf: the response encoder's bytes decode to the
// message swift-protobuf builds (and are its bytes), and the request reader gives the facts of
// swift-protobuf's decoding or gives up — on Envoy's requests, on random messages and on mutations.

/// SplitMix64: the fuzz cases are the same on every run.
private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// MARK: - Response

private func result(
    _ effect: Effect, reason: ReasonCode, rule: String? = nil, message: String = "a message",
    requestID: String = "rid-1", account: UInt64? = nil, accountName: String? = nil, region: String? = nil,
    service: String? = nil, action: String? = nil, format: AWSModel.WireProtocol = .restXML
) -> CheckResult {
    var result = CheckResult(
        decision: Decision(effect: effect, reason: reason, rule: rule, message: message), requestID: requestID,
        mode: .grpc, time: 1_768_435_200_000)
    result.account = account.flatMap { AWSAccountID($0) }
    result.accountName = accountName
    if region != nil || service != nil || action != nil {
        var classification = Classification()
        classification.region = region
        classification.signingName = service
        classification.authorizations = [
            Classification.Authorization(action: action.map { .known($0) } ?? .unknown(reason: "test"))
        ]
        result.classification = classification
    }
    result.errorFormat = format
    return result
}

/// The framed bytes of the wire encoder: checks the gRPC prefix and returns the message.
private func wireMessage(_ checked: CheckResult, clientDecisionHeaders: [String]) throws -> [UInt8] {
    var buffer = ByteBuffer()
    AuthorizationService.writeFramedResponse(checked, clientDecisionHeaders: clientDecisionHeaders, into: &buffer)
    let flag = buffer.readInteger(as: UInt8.self)
    let length = buffer.readInteger(as: UInt32.self)
    #expect(flag == 0)
    #expect(length.map { Int($0) } == buffer.readableBytes)
    return Array(buffer.readableBytesView)
}

private func expectSameResponse(_ checked: CheckResult, clientDecisionHeaders: [String]) throws {
    let bytes = try wireMessage(checked, clientDecisionHeaders: clientDecisionHeaders)
    let expected = AuthorizationService.encode(checked, clientDecisionHeaders: clientDecisionHeaders)
    let decoded = try Envoy_Service_Auth_V3_CheckResponse(serializedBytes: bytes)
    #expect(decoded == expected)
    // And byte for byte what swift-protobuf writes (fields in number order, defaults omitted).
    let serialized: [UInt8] = try expected.serializedBytes()
    #expect(bytes == serialized)
}

private let longValue = String(repeating: "v", count: 300)

@Suite("CheckResponse wire encoder against swift-protobuf")
struct CheckResponseWireTests {
    static let cases: [(String, CheckResult, [String])] = [
        (
            "allow, every fact",
            result(
                .allow, reason: .allowed, rule: "prod-s3", account: 171_436_882_533, accountName: "prod",
                region: "eu-west-1", service: "s3", action: "s3:GetObject"), []
        ),
        ("allow, unknown facts (empty values)", result(.allow, reason: .allowed), []),
        (
            "allow, forged decision headers removed (ours are overwritten, not removed)",
            result(.allow, reason: .allowed, rule: "r"),
            ["x-sigv4-authz-forged", "x-sigv4-authz-decision", "x-sigv4-authz-forged", "x-sigv4-authz-a"]
        ),
        ("allow, long values (two-byte lengths)", result(.allow, reason: .allowed, rule: longValue), []),
        ("deny, S3 XML body", result(.deny, reason: .accountNotAllowed, message: "account not allowed"), []),
        (
            "deny, JSON body with x-amzn-errortype",
            result(.deny, reason: .noMatchingRule, message: "no rule \"x\" & <y>", format: .json), []
        ),
        ("deny, rest-json", result(.deny, reason: .noCredentials, format: .restJSON), []),
        ("deny, query", result(.deny, reason: .signatureMismatch, format: .query), []),
        ("deny, EC2", result(.deny, reason: .clockSkew, format: .ec2), []),
        ("deny, CBOR protocol", result(.deny, reason: .clockSkew, format: .rpcV2CBOR), []),
        ("deny, empty message", result(.deny, reason: .internalError, message: ""), []),
        (
            "deny, non-ASCII and control characters in the message",
            result(.deny, reason: .malformedCredentials, message: "bad \u{1}key é ✓ \r\n"), []
        ),
        (
            "deny, long message and request id",
            result(.deny, reason: .malformedCredentials, message: longValue + longValue, requestID: longValue),
            ["x-sigv4-authz-x"]
        ),
    ]

    @Test("allow and deny results", arguments: cases)
    func table(name: String, checked: CheckResult, clientDecisionHeaders: [String]) throws {
        try expectSameResponse(checked, clientDecisionHeaders: clientDecisionHeaders)
    }

    @Test("random results: 3,000 of them")
    func random() throws {
        var generator = SeededGenerator(state: 7)
        let alphabet = Array("abcXYZ019-_:/ .\"<>&'é✓\u{0}\u{7F}\t")
        func text(_ limit: Int) -> String {
            let count = Int.random(in: 0...limit, using: &generator)
            return String((0..<count).map { _ in alphabet.randomElement(using: &generator)! })
        }
        func maybe(_ limit: Int) -> String? { Bool.random(using: &generator) ? text(limit) : nil }
        for _ in 0..<3_000 {
            let limit = [4, 40, 200, 1_500].randomElement(using: &generator)!
            let checked = result(
                Bool.random(using: &generator) ? Effect.allow : .deny,
                reason: ReasonCode.allCases.randomElement(using: &generator)!, rule: maybe(limit), message: text(limit),
                requestID: text(limit), account: Bool.random(using: &generator) ? 171_436_882_533 : nil,
                accountName: maybe(limit), region: maybe(limit), service: maybe(limit), action: maybe(limit),
                format: AWSModel.WireProtocol.allCases.randomElement(using: &generator)!)
            let forged = (0..<Int.random(in: 0...3, using: &generator)).map { _ in
                DecisionHeaders.prefix + text(8)
            }
            try expectSameResponse(checked, clientDecisionHeaders: forged)
        }
    }
}

// MARK: - Request

/// Protobuf wire bytes by hand, for shapes swift-protobuf would not write.
private enum Wire {
    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var out: [UInt8] = []
        while value >= 0x80 {
            out.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
        return out
    }
    static func tag(_ field: Int, _ type: UInt8) -> [UInt8] { varint(UInt64(field) << 3 | UInt64(type)) }
    static func bytes(_ field: Int, _ body: [UInt8]) -> [UInt8] { tag(field, 2) + varint(UInt64(body.count)) + body }
    static func string(_ field: Int, _ text: String) -> [UInt8] { bytes(field, Array(text.utf8)) }
    static func number(_ field: Int, _ value: UInt64) -> [UInt8] { tag(field, 0) + varint(value) }

    /// A CheckRequest with `http` as the HttpRequest's bytes and `source` as the source Peer's.
    static func check(http: [UInt8], source: [UInt8] = [], extra: [UInt8] = []) -> [UInt8] {
        bytes(1, bytes(1, source) + bytes(4, bytes(2, http)) + extra)
    }
    static func socketAddress(_ address: String) -> [UInt8] { bytes(1, bytes(1, string(2, address))) }
}

/// Envoy's CheckRequest for the benchmark's S3 GetObject, as envoy/grpc.yaml has Envoy send it.
private func envoyCheck(rawHeaders: Bool, body: [UInt8]? = nil) -> Envoy_Service_Auth_V3_CheckRequest {
    let headers = [
        (":authority", "prod-data.s3.eu-west-1.amazonaws.com"), (":path", "/reports/q1.csv"), (":method", "GET"),
        (":scheme", "http"), ("user-agent", "Boto3/1.43.11"), ("x-amz-date", "20260115T000000Z"),
        ("x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIASP2TPHJSQH3FJRUX/20260115/eu-west-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=00"
        ),
        ("x-forwarded-proto", "http"), ("x-request-id", "5f0c7a5e-3b1d-4c55-9a8e-2f6d1c0b9e47"),
        ("x-sigv4-authz-decision", "allow"), ("x-envoy-auth-partial-body", body == nil ? "true" : "false"),
    ]
    var check = Envoy_Service_Auth_V3_CheckRequest()
    check.attributes.source.address.socketAddress.address = "10.0.0.1"
    check.attributes.source.address.socketAddress.portValue = 51_234
    check.attributes.source.principal = "spiffe://cluster.local/ns/default/sa/app"
    check.attributes.destination.address.socketAddress.address = "10.0.0.2"
    check.attributes.destination.address.socketAddress.portValue = 10_000
    check.attributes.request.time.seconds = 1_768_435_200
    check.attributes.request.time.nanos = 123_456_000
    var http = Envoy_Service_Auth_V3_AttributeContext.HttpRequest()
    http.id = "14641253474245936371"
    http.method = "GET"
    http.path = "/reports/q1.csv"
    http.host = "prod-data.s3.eu-west-1.amazonaws.com"
    http.scheme = "http"
    http.protocol = "HTTP/1.1"
    http.size = Int64(body?.count ?? 0)
    if rawHeaders {
        http.headerMap.headers = headers.map { key, value in
            var header = Envoy_Config_Core_V3_HeaderValue()
            header.key = key
            header.rawValue = Data(value.utf8)
            return header
        }
    } else {
        for (key, value) in headers { http.headers[key] = value }
    }
    if let body { http.rawBody = Data(body) }
    check.attributes.request.http = http
    check.attributes.contextExtensions = ["route": "s3"]
    check.attributes.tlsSession.sni = "authz.internal"
    return check
}

/// The reader's verdict on `bytes` agrees with swift-protobuf's: facts only where swift-protobuf
/// decodes them, and then the same facts, and the same translation through the public entry point.
/// Returns whether the reader read them.
@discardableResult
private func expectAgreement(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    let reference = try? Envoy_Service_Auth_V3_CheckRequest(serializedBytes: bytes)
    let read = bytes.withUnsafeBytes { CheckFacts.read($0) }
    if let read {
        #expect(reference != nil, "read bytes swift-protobuf rejects: \(bytes)", sourceLocation: sourceLocation)
        if let reference {
            #expect(read == CheckFacts(reference), "\(bytes)", sourceLocation: sourceLocation)
        }
    }
    let translated = try? bytes.withUnsafeBytes { try AuthorizationService.translate(serialized: $0) }
    #expect((translated == nil) == (reference == nil), sourceLocation: sourceLocation)
    if let translated, let reference {
        let expected = AuthorizationService.translate(reference)
        #expect(translated.1 == expected.1, sourceLocation: sourceLocation)
        let (a, b) = (translated.0, expected.0)
        #expect(a.method == b.method && a.host == b.host && a.target == b.target, sourceLocation: sourceLocation)
        #expect(
            a.headers == b.headers && a.body == b.body && a.requestID == b.requestID, sourceLocation: sourceLocation)
        #expect(a.sourceAddress == b.sourceAddress && a.principal == b.principal, sourceLocation: sourceLocation)
        #expect(a.mode == b.mode && a.headersArePartial == b.headersArePartial, sourceLocation: sourceLocation)
    }
    return read != nil
}

@Suite("CheckRequest wire reader against swift-protobuf")
struct CheckRequestWireTests {
    @Test(
        "Envoy's requests are read, with the facts swift-protobuf decodes",
        arguments: [
            (true, nil), (false, nil), (true, [UInt8]("Action=ListUsers&Version=2010-05-08".utf8)), (false, []),
        ]
            as [(Bool, [UInt8]?)])
    func envoy(rawHeaders: Bool, body: [UInt8]?) throws {
        let bytes: [UInt8] = try envoyCheck(rawHeaders: rawHeaders, body: body).serializedBytes()
        #expect(expectAgreement(bytes))
        // Fields this schema does not know (Envoy's metadata_context, route_metadata_context, an
        // envoy_internal_address) are skipped.
        let unknown =
            Wire.bytes(1, Wire.bytes(11, Wire.bytes(1, Wire.string(1, "filter"))) + Wire.bytes(13, []))
            + Wire.number(99, 5) + Wire.tag(100, 1) + [UInt8](repeating: 1, count: 8) + Wire.tag(101, 5) + [0, 0, 0, 0]
        #expect(expectAgreement(bytes + unknown))
        let facts = try #require(bytes.withUnsafeBytes { CheckFacts.read($0) })
        #expect(facts.headers.count == 12)
        #expect(facts.sourceAddress == "10.0.0.1")
        #expect(facts.principal == "spiffe://cluster.local/ns/default/sa/app")
        #expect(facts.rawBody == body ?? [])
    }

    static let shapes: [(String, [UInt8], Bool)] = [
        ("empty message", [], true),
        ("empty attributes", Wire.bytes(1, []), true),
        (
            "socket address twice: merged",
            Wire.check(http: [], source: Wire.socketAddress("1.1.1.1"))
                + Wire.bytes(1, Wire.bytes(1, Wire.bytes(1, Wire.bytes(1, Wire.number(3, 80))))), true
        ),
        (
            "socket address replaced by another",
            Wire.check(http: [], source: Wire.socketAddress("1.1.1.1"))
                + Wire.check(http: [], source: Wire.socketAddress("2.2.2.2")), true
        ),
        (
            "pipe after socket address: the oneof is the pipe (given up)",
            Wire.check(http: [], source: Wire.socketAddress("1.1.1.1") + Wire.bytes(1, Wire.bytes(2, []))), false
        ),
        (
            "attributes twice: headers of both header maps, last method",
            Wire.check(
                http: Wire.string(2, "GET") + Wire.bytes(13, Wire.bytes(1, Wire.string(1, "a") + Wire.string(2, "1"))))
                + Wire.check(
                    http: Wire.string(2, "PUT")
                        + Wire.bytes(13, Wire.bytes(1, Wire.string(1, "b") + Wire.string(3, "2")))), true
        ),
        (
            "headers map: duplicate names (the last wins), sorted",
            Wire.check(
                http: Wire.bytes(3, Wire.string(1, "b") + Wire.string(2, "1"))
                    + Wire.bytes(3, Wire.string(1, "a") + Wire.string(2, "2"))
                    + Wire.bytes(3, Wire.string(2, "3") + Wire.string(1, "b"))
                    + Wire.bytes(3, Wire.string(1, "B")) + Wire.bytes(3, [])), true
        ),
        (
            "headers map ignored when header_map has headers",
            Wire.check(
                http: Wire.bytes(3, Wire.string(1, "map") + Wire.string(2, "1"))
                    + Wire.bytes(13, Wire.bytes(1, Wire.string(1, "raw") + Wire.string(2, "v")))), true
        ),
        (
            "header value: raw_value wins over value; an empty raw_value does not",
            Wire.check(
                http: Wire.bytes(
                    13,
                    Wire.bytes(1, Wire.string(1, "a") + Wire.string(3, "raw") + Wire.string(2, "v"))
                        + Wire.bytes(1, Wire.string(1, "b") + Wire.string(2, "v") + Wire.bytes(3, []))
                        + Wire.bytes(1, Wire.string(1, "c") + Wire.string(3, "x") + Wire.bytes(3, [])))), true
        ),
        (
            "raw_value not UTF-8: replaced, as the translation does",
            Wire.check(http: Wire.bytes(13, Wire.bytes(1, Wire.string(1, "a") + Wire.bytes(3, [0xFF, 0x41])))), true
        ),
        ("method not UTF-8: swift-protobuf rejects it", Wire.check(http: Wire.bytes(2, [0xC3, 0x28])), false),
        ("unused string (scheme) not UTF-8", Wire.check(http: Wire.bytes(6, [0xFF])), false),
        ("method not ASCII (valid UTF-8): given up", Wire.check(http: Wire.string(2, "GÉT")), false),
        ("method sent as a varint (unknown to swift-protobuf)", Wire.check(http: Wire.number(2, 7)), false),
        ("size sent length-delimited", Wire.check(http: Wire.string(9, "1")), false),
        ("a group", Wire.bytes(1, Wire.tag(50, 3) + Wire.number(1, 1) + Wire.tag(50, 4)), false),
        ("an end-group tag alone", Wire.tag(50, 4), false),
        ("field number 0", [0x02, 0x00], false),
        ("wire type 6", [0x0E], false),
        ("a padded tag", [0x8A, 0x00, 0x00], false),
        ("a five-byte tag", Wire.tag(1 << 28, 0) + [0], false),
        ("a truncated varint", Wire.tag(5, 0) + [0x80], false),
        ("an 11-byte varint", Wire.tag(5, 0) + [UInt8](repeating: 0x80, count: 10) + [0], false),
        ("a 10-byte varint", Wire.tag(5, 0) + [UInt8](repeating: 0xFF, count: 9) + [0x7F], true),
        ("a length past the end", Wire.tag(1, 2) + [5, 0], false),
        ("a fixed64 past the end", Wire.tag(7, 1) + [0, 0], false),
        (
            "map entry with another field", Wire.check(http: Wire.bytes(3, Wire.string(1, "a") + Wire.number(3, 1))),
            false
        ),
        ("map entry key as a varint", Wire.check(http: Wire.bytes(3, Wire.number(1, 1))), false),
        (
            "context_extensions and labels, read and dropped",
            Wire.bytes(
                1,
                Wire.bytes(10, Wire.string(1, "k") + Wire.string(2, "v"))
                    + Wire.bytes(2, Wire.bytes(3, Wire.string(1, "k")))), true
        ),
        (
            "timestamp with unknown fields",
            Wire.bytes(1, Wire.bytes(4, Wire.bytes(1, Wire.number(1, 5) + Wire.number(3, 1)))), true
        ),
        ("timestamp seconds as bytes", Wire.bytes(1, Wire.bytes(4, Wire.bytes(1, Wire.string(1, "x")))), false),
        ("body and raw_body", Wire.check(http: Wire.string(11, "a=b") + Wire.bytes(12, [0, 0xFF])), true),
        (
            "principal of the source only",
            Wire.bytes(1, Wire.bytes(1, Wire.string(4, "me")) + Wire.bytes(2, Wire.string(4, "them"))), true
        ),
    ]

    @Test("shapes at the edges of the reader", arguments: shapes)
    func edges(name: String, bytes: [UInt8], read: Bool) {
        #expect(expectAgreement(bytes) == read, "\(name)")
    }

    @Test("random messages and their mutations: 30,000 inputs")
    func random() throws {
        var generator = SeededGenerator(state: 42)
        let ascii: [Character] = Array("abAB:-_/ 09=%\u{7F}")
        let unicode: [Character] = ascii + ["é", "\u{301}", "\u{212A}"]
        func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &generator) < percent }
        // One string in fifty may leave ASCII (the reader gives those to swift-protobuf).
        func text(_ limit: Int = 12) -> String {
            let count = Int.random(in: 0...limit, using: &generator)
            let alphabet = chance(2) ? unicode : ascii
            return String((0..<count).map { _ in alphabet.randomElement(using: &generator)! })
        }
        func message() throws -> [UInt8] {
            var check = Envoy_Service_Auth_V3_CheckRequest()
            if chance(90) {
                var http = Envoy_Service_Auth_V3_AttributeContext.HttpRequest()
                if chance(80) { http.method = text() }
                if chance(80) { http.path = text() }
                if chance(50) { http.host = text() }
                if chance(30) { http.scheme = text() }
                if chance(20) { http.size = Int64.random(in: -1...1_000_000, using: &generator) }
                if chance(30) { http.body = text() }
                if chance(30) {
                    http.rawBody = Data(
                        (0..<Int.random(in: 0...20, using: &generator)).map { _ in
                            UInt8.random(in: 0...255, using: &generator)
                        })
                }
                if chance(50) {
                    for _ in 0..<Int.random(in: 0...6, using: &generator) { http.headers[text(6)] = text() }
                }
                if chance(60) {
                    http.headerMap.headers = (0..<Int.random(in: 0...6, using: &generator)).map { _ in
                        var header = Envoy_Config_Core_V3_HeaderValue()
                        header.key = [
                            ":authority", "host", "x-request-id", "x-envoy-auth-partial-body", "x-sigv4-authz-a",
                            text(6),
                        ].randomElement(using: &generator)!
                        if chance(50) { header.value = text() }
                        if chance(60) {
                            header.rawValue = Data(
                                (0..<Int.random(in: 0...8, using: &generator)).map { _ in
                                    chance(90)
                                        ? UInt8.random(in: 0x20...0x7E, using: &generator)
                                        : UInt8.random(in: 0...255, using: &generator)
                                })
                        }
                        return header
                    }
                }
                check.attributes.request.http = http
            }
            if chance(40) {
                check.attributes.request.time.seconds = Int64.random(in: 0...2_000_000_000, using: &generator)
            }
            if chance(50) { check.attributes.source.address.socketAddress.address = text() }
            if chance(20) { check.attributes.source.address.socketAddress.namedPort = text() }
            if chance(20) { check.attributes.source.address.pipe.path = text() }
            if chance(30) { check.attributes.source.principal = text() }
            if chance(20) { check.attributes.source.labels[text(4)] = text() }
            if chance(20) { check.attributes.destination.address.socketAddress.address = text() }
            if chance(20) { check.attributes.contextExtensions[text(4)] = text() }
            if chance(10) { check.attributes.tlsSession.sni = text() }
            var bytes: [UInt8] = try check.serializedBytes()
            if chance(10) { bytes += Wire.number(Int.random(in: 2...40, using: &generator), 3) }
            return bytes
        }
        var read = 0
        var total = 0
        for _ in 0..<10_000 {
            var bytes = try message()
            if chance(20) { bytes += try message() }  // concatenated: protobuf merges them
            if expectAgreement(bytes) { read += 1 }
            total += 1
            // Two mutations in turn: flip a bit, drop, insert or truncate.
            for _ in 0..<2 where !bytes.isEmpty {
                let at = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: bytes[at] ^= UInt8(1) << UInt8.random(in: 0...7, using: &generator)
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: at)
                default: bytes.removeLast(bytes.count - at)
                }
                expectAgreement(bytes)
                total += 1
            }
        }
        // Most well-formed messages are read (the rest: non-ASCII strings, pipes, groups).
        #expect(read > 4_000, "read \(read) of \(total)")
    }
}

// MARK: - Header names

/// The translation's reading of a header name before it compared bytes: lower-case the name, then
/// compare strings.
private func referenceRole(_ name: String) -> AuthorizationService.HeaderRole {
    let name = name.lowercased()
    if name == ":authority" { return .authority }
    if name.hasPrefix(":") { return .pseudo }
    if name.hasPrefix(DecisionHeaders.prefix) { return .decision(name) }
    if name == "x-envoy-auth-partial-body" { return .partialBody }
    if name == "x-envoy-expected-rq-timeout-ms" { return .expectedTimeout }
    if name == "x-request-id" { return .requestID }
    if name == "host" { return .host }
    return .other
}

@Suite("Header names as the gRPC translation reads them")
struct HeaderRoleTests {
    @Test(
        "names in any case, near misses and Unicode",
        arguments: [
            ":authority", ":AUTHORITY", ":Authority", ":authority ", ":authorit", ":path", ":", "host", "HOST", "Host",
            "hosts", "hos", "x-request-id", "X-Request-ID", "x-request-i", "x-envoy-auth-partial-body",
            "X-ENVOY-AUTH-PARTIAL-BODY", "x-envoy-expected-rq-timeout-ms", "x-sigv4-authz-", "X-SIGV4-AUTHZ-Decision",
            "x-sigv4-authz", "x-sigv4-authz-\u{212A}", "x-sigv4-authz-é", "x-sigv4-authz-\u{301}", ":\u{301}authority",
            "host\u{301}", "\u{212A}", "", "x", "X-", "authorization", "h", "x-amz-date", "ＨＯＳＴ",
            "x-request-\u{130}d",
        ])
    func table(name: String) {
        #expect(AuthorizationService.HeaderRole(name) == referenceRole(name))
    }

    @Test("random names: 20,000")
    func random() {
        var generator = SeededGenerator(state: 3)
        let pieces = [
            ":", "authority", "x-", "sigv4-", "authz-", "request-", "id", "host", "envoy-", "auth-partial-body",
            "expected-rq-timeout-ms", "A", "Z", "k", "\u{212A}", "é", "\u{301}", "-", "",
        ]
        for _ in 0..<20_000 {
            let name = (0..<Int.random(in: 0...4, using: &generator)).map { _ in
                pieces.randomElement(using: &generator)!
            }.joined()
            let cased = Bool.random(using: &generator) ? name.uppercased() : name
            #expect(AuthorizationService.HeaderRole(cased) == referenceRole(cased), "\(cased)")
        }
    }
}
