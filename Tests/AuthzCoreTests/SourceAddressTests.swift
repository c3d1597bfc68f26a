import Policy
import Testing

@testable import AuthzCore

/// The source address as proxies send it (Envoy's socket address, a header, Squid's `%>a`): with or
/// without a port, IPv6 bracketed when a port follows.
@Suite("Source address forms")
struct SourceAddressTests {
    static let cases: [(String, String?)] = [
        ("10.1.2.3", "10.1.2.3"),
        ("10.1.2.3:40000", "10.1.2.3"),
        ("2001:db8::1", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("::ffff:10.1.2.3", "::ffff:10.1.2.3"),
        ("[2001:db8::1]x", nil),
        ("[2001:db8::1", nil),
        ("10.1.2.3:4:5", nil),
        ("10.1.2", nil),
        ("localhost:80", nil),
        ("", nil),
    ]

    @Test("forms", arguments: cases)
    func form(_ text: String, _ expected: String?) {
        #expect(AuthzEngine.address(text)?.description == expected)
    }
}
