import Testing

@testable import Policy

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `IPAddress` parsing checked against the C library's `inet_pton`, an independent parser, on a table
/// of edge cases and on generated strings.
@Suite("IP address parsing")
struct IPAddressTests {
    /// What `inet_pton` makes of `text`: the 128 bits (IPv4 mapped) or `nil`.
    static func oracle(_ text: String) -> (high: UInt64, low: UInt64, isIPv4: Bool)? {
        // Byte arrays, not in_addr/in6_addr: which C module Swift takes as their defining module varies
        // between builds, and MemberImportVisibility then refuses their members now and then.
        var v4 = [UInt8](repeating: 0, count: 4)
        if inet_pton(AF_INET, text, &v4) == 1 {
            let value = v4.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            return (0, 0x0000_FFFF_0000_0000 | UInt64(value), true)
        }
        var bytes = [UInt8](repeating: 0, count: 16)
        guard inet_pton(AF_INET6, text, &bytes) == 1 else { return nil }
        let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return (high, low, false)
    }

    static func check(_ text: String) {
        let parsed = IPAddress(text)
        let expected = oracle(text)
        #expect((parsed == nil) == (expected == nil), "\(text): parsed \(String(describing: parsed))")
        if let parsed, let expected {
            #expect(parsed.high == expected.high && parsed.low == expected.low, "\(text)")
            #expect(parsed.isIPv4 == expected.isIPv4, "\(text)")
        }
    }

    static let edgeCases = [
        // IPv4
        "0.0.0.0", "255.255.255.255", "10.200.3.4", "1.2.3.4", "256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4",
        "1.2.3.04", "1.2.3.0", "1..2.3", ".1.2.3", "1.2.3.", "+1.2.3.4", "1.+2.3.4", "-1.2.3.4", "1.2.3.4 ",
        " 1.2.3.4", "1.2.3.4:80", "0x1.2.3.4", "1000.1.1.1", "", ".", "1", "999.999.999.999",
        // IPv6
        "::", "::1", "1::", "1::2", "2001:db8::1", "2001:DB8::1", "2001:0db8:0000:0000:0000:0000:0000:0001",
        "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "1::2::3", ":::", ":1", "1:", "1:::2", ":", "12345::1",
        "::ffff:192.0.2.1", "::192.0.2.1", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3",
        "::1.2.3.4.5", "::01.2.3.4", "1.2.3.4::", "::ffff:1.2.3.4:1", "fe80::1%eth0", "::+1", "+1::",
        "g::1", "0000:0000:0000:0000:0000:0000:255.255.255.255", "::ffff:1a.2.3.4", "1:2:3:4:5::1.2.3.4",
        "1:2:3:4:5:6::1.2.3.4", "::0:0:0:0:0:0:0", "0:0:0:0:0:0:0::", "a:b:c:d:e:f:a:b",
    ]

    @Test("edge cases agree with inet_pton", arguments: edgeCases)
    func edgeCase(_ text: String) { Self.check(text) }

    @Test("generated strings agree with inet_pton")
    func generated() {
        // A fixed-seed linear congruential generator, so a failure reproduces.
        var state: UInt64 = 0x5EED_1234
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 11
        }
        let alphabet = Array("0123456789abcdefABCDEF::::....+ x")
        for _ in 0..<20_000 {
            let length = Int(next() % 46)
            let text = String((0..<length).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] })
            Self.check(text)
        }
        // Real addresses in the forms inet_ntop writes, and with one character changed.
        for _ in 0..<5_000 {
            // Runs of zero groups, so that `::` appears.
            let address = (0..<16).map { _ in next() % 3 == 0 ? 0 : UInt8(truncatingIfNeeded: next()) }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, address, &buffer, socklen_t(buffer.count)) != nil else { continue }
            let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            Self.check(text)
            Self.check(text.uppercased())
            var mutated = Array(text)
            let position = Int(next() % UInt64(mutated.count))
            mutated[position] = alphabet[Int(next() % UInt64(alphabet.count))]
            Self.check(String(mutated))
        }
    }

    @Test("brackets are accepted around IPv6 only as a whole")
    func brackets() {
        #expect(IPAddress("[2001:db8::1]")?.description == "2001:db8::1")
        #expect(IPAddress("[2001:db8::1") == nil)
        #expect(IPAddress("2001:db8::1]") == nil)
    }
}
