import AWSClassifier
import AuthzCore
import Foundation
import NIOCore
import Policy
import SigV4
import SwiftProtobuf
import Testing

@testable import AuthzGRPC

// The gRPC translation reads header names as bytes, ignoring ASCII case: the same roles as
// lower-casing the name and comparing strings, on a table and on random names.

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
