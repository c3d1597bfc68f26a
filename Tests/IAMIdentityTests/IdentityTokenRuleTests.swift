import AWSClassifier
import Foundation
import IAMIdentity
import SigV4
import Testing

/// Every offline rule, each broken by a hostile token.
@Suite struct IdentityTokenRuleTests {
    typealias F = TokenFixtures

    struct Hostile: CustomTestStringConvertible, Sendable {
        let name: String
        let token: String
        let check: IdentityTokenError.Check
        var now: Int64 = TokenFixtures.now
        var partitions = ["aws"]
        var audienceHeader = "x-k8s-aws-id"
        var testDescription: String { name }
    }

    static func hostile(_ name: String, url: String, _ check: IdentityTokenError.Check) -> Hostile {
        Hostile(name: name, token: F.token(url), check: check)
    }

    static func hostile(_ name: String, query: String, _ check: IdentityTokenError.Check) -> Hostile {
        Hostile(name: name, token: F.token("https://sts.us-east-1.amazonaws.com/?" + query), check: check)
    }

    static func hostile(_ name: String, host: String, _ check: IdentityTokenError.Check = .host) -> Hostile {
        Hostile(name: name, token: F.token(F.url(host: host)), check: check)
    }

    static let cases: [Hostile] = [
        // size, prefix, encoding
        Hostile(name: "oversized", token: F.token(F.url() + "&" + String(repeating: "a", count: 4000)), check: .size),
        Hostile(name: "v2 prefix", token: "k8s-aws-v2." + F.token(F.url()).dropFirst(11), check: .prefix),
        Hostile(name: "bearer kept", token: "Bearer " + F.token(F.url()), check: .prefix),
        Hostile(name: "raw url", token: F.url(), check: .prefix),
        Hostile(name: "empty", token: "k8s-aws-v1.", check: .encoding),
        Hostile(name: "standard base64 alphabet", token: "k8s-aws-v1.aHR0cHM6Ly9+/w", check: .encoding),
        Hostile(name: "padding inside", token: "k8s-aws-v1.aHR0=cHM6", check: .encoding),
        Hostile(name: "three padding", token: "k8s-aws-v1.aHR0cA===", check: .encoding),
        Hostile(name: "length 4n+1", token: "k8s-aws-v1.aHR0c", check: .encoding),
        Hostile(name: "space", token: "k8s-aws-v1.aHR0 cHM6", check: .encoding),
        Hostile(name: "nonzero trailing bits", token: "k8s-aws-v1.aHR0cB", check: .encoding),
        hostile("control byte in url", url: F.url() + "\n", .encoding),
        hostile("space in url", url: F.url().replacingOccurrences(of: "Action", with: "Act ion"), .encoding),
        // URL grammar and scheme
        hostile("no scheme", url: "sts.us-east-1.amazonaws.com/?" + F.query(F.parameters()), .url),
        hostile("http", url: F.url().replacingOccurrences(of: "https://", with: "http://"), .scheme),
        hostile("ftp", url: F.url().replacingOccurrences(of: "https://", with: "ftp://"), .scheme),
        hostile("scheme without slashes", url: F.url().replacingOccurrences(of: "https://", with: "https:"), .url),
        hostile("userinfo", host: "user@sts.us-east-1.amazonaws.com", .url),
        hostile("userinfo with password", host: "u:p@sts.us-east-1.amazonaws.com", .url),
        hostile("port 8443", host: "sts.us-east-1.amazonaws.com:8443", .url),
        hostile("empty port", host: "sts.us-east-1.amazonaws.com:", .url),
        hostile("fragment", url: F.url() + "#x", .url),
        hostile("no host", host: "", .url),
        // hosts
        hostile("another AWS service", host: "s3.amazonaws.com"),
        hostile("regional S3", host: "s3.us-east-1.amazonaws.com"),
        hostile("suffix look-alike", host: "sts.us-east-1.amazonaws.com.evil.com"),
        hostile("truncated suffix", host: "sts.us-east-1.amazonaws.co"),
        hostile("prefixed label", host: "xsts.us-east-1.amazonaws.com"),
        hostile("evil label inside", host: "sts.evil.us-east-1.amazonaws.com"),
        hostile("IPv4", host: "127.0.0.1"),
        hostile("IPv6", host: "[::1]"),
        hostile("trailing dot", host: "sts.us-east-1.amazonaws.com."),
        hostile("global pseudo-region", host: "sts.aws-global.amazonaws.com"),
        hostile("unknown region", host: "sts.mars-east-1.amazonaws.com"),
        hostile("global host under another suffix", host: "sts.amazonaws.com.cn"),
        hostile("aws-cn not accepted", host: "sts.cn-north-1.amazonaws.com.cn"),
        hostile("aws-us-gov not accepted", host: "sts.us-gov-west-1.amazonaws.com"),
        hostile("percent-encoded host", host: "sts%2eus-east-1.amazonaws.com"),
        hostile("underscore host", host: "sts_us-east-1.amazonaws.com"),
        hostile("fips with dualstack order swapped", host: "fips-sts.us-east-1.amazonaws.com"),
        // path
        hostile("path", url: F.url().replacingOccurrences(of: ".com/?", with: ".com/x?"), .path),
        hostile("double slash", url: F.url().replacingOccurrences(of: ".com/?", with: ".com//?"), .path),
        hostile("no path", url: F.url().replacingOccurrences(of: ".com/?", with: ".com?"), .path),
        hostile("encoded slash path", url: F.url().replacingOccurrences(of: ".com/?", with: ".com/%2F?"), .path),
        // parameters
        hostile("no query", url: "https://sts.us-east-1.amazonaws.com/", .parameters),
        hostile("duplicated Action", query: F.query(F.parameters() + [("Action", "GetCallerIdentity")]), .parameters),
        hostile(
            "case-variant duplicate", query: F.query(F.parameters() + [("x-amz-date", F.date)]), .parameters),
        hostile(
            "encoded-name duplicate", query: F.query(F.parameters() + [("X-Amz-%44ate", F.date)]), .parameters),
        hostile(
            "case-variant alone",
            query: F.query(F.parameters().map { $0.0 == "Action" ? ("action", $0.1) : $0 }), .parameters),
        hostile("unknown parameter", query: F.query(F.parameters() + [("Foo", "1")]), .parameters),
        hostile(
            "X-Amz-Content-Sha256", query: F.query(F.parameters() + [("X-Amz-Content-Sha256", "x")]), .parameters),
        hostile("missing signature", query: F.query(setting: "X-Amz-Signature", to: nil), .parameters),
        hostile("missing date", query: F.query(setting: "X-Amz-Date", to: nil), .parameters),
        hostile("missing action", query: F.query(setting: "Action", to: nil), .parameters),
        hostile("empty piece", query: F.query(F.parameters()) + "&", .parameters),
        hostile("piece without =", query: F.query(F.parameters()) + "&Foo", .parameters),
        hostile("bad percent", query: F.query(setting: "X-Amz-Credential", to: "%zz"), .parameters),
        hostile("short signature", query: F.query(setting: "X-Amz-Signature", to: "abcd"), .parameters),
        hostile(
            "upper-case signature",
            query: F.query(setting: "X-Amz-Signature", to: F.signature.uppercased()), .parameters),
        hostile("malformed date", query: F.query(setting: "X-Amz-Date", to: "2026-03-14T09:26:53Z"), .parameters),
        hostile("impossible date", query: F.query(setting: "X-Amz-Date", to: "20260231T092653Z"), .parameters),
        hostile("empty session token", query: F.query(F.parameters() + [("X-Amz-Security-Token", "")]), .parameters),
        hostile("encoded control in value", query: F.query(setting: "Version", to: "2011-06-15%0A"), .parameters),
        // SigV2
        hostile(
            "SigV2",
            query:
                "Action=GetCallerIdentity&Version=2011-06-15&AWSAccessKeyId=\(F.keyID)&SignatureVersion=2"
                + "&SignatureMethod=HmacSHA256&Timestamp=2026-03-14T09%3A26%3A53Z&Signature=abc%3D",
            .signatureVersion),
        hostile(
            "SigV2 Signature beside SigV4", query: F.query(F.parameters() + [("Signature", "x")]), .signatureVersion),
        // Action, Version, algorithm
        hostile("another action", query: F.query(setting: "Action", to: "AssumeRole"), .action),
        hostile("action case", query: F.query(setting: "Action", to: "getcalleridentity"), .action),
        hostile("wrong version", query: F.query(setting: "Version", to: "2011-06-16"), .version),
        hostile("SigV4a", query: F.query(setting: "X-Amz-Algorithm", to: "AWS4-ECDSA-P256-SHA256"), .algorithm),
        // credential
        hostile(
            "scope service s3",
            query: F.query(setting: "X-Amz-Credential", to: "\(F.keyID)%2F20260314%2Fus-east-1%2Fs3%2Faws4_request"),
            .credential),
        hostile(
            "scope region mismatch",
            query: F.query(setting: "X-Amz-Credential", to: "\(F.keyID)%2F20260314%2Feu-west-1%2Fsts%2Faws4_request"),
            .credential),
        Hostile(
            name: "global host scoped to eu-west-1",
            token: F.token("https://sts.amazonaws.com/?" + F.query(F.parameters(region: "eu-west-1"))),
            check: .credential),
        hostile(
            "scope date mismatch",
            query: F.query(setting: "X-Amz-Credential", to: "\(F.keyID)%2F20260313%2Fus-east-1%2Fsts%2Faws4_request"),
            .credential),
        hostile(
            "scope terminator",
            query: F.query(setting: "X-Amz-Credential", to: "\(F.keyID)%2F20260314%2Fus-east-1%2Fsts%2Faws5_request"),
            .credential),
        hostile(
            "scope too short", query: F.query(setting: "X-Amz-Credential", to: "\(F.keyID)%2F20260314%2Fus-east-1"),
            .credential),
        hostile(
            "legacy key",
            query: F.query(
                setting: "X-Amz-Credential", to: "AKIAIOSFODNN7EXAMPLE%2F20260314%2Fus-east-1%2Fsts%2Faws4_request"),
            .credential),
        hostile(
            "unknown key prefix",
            query: F.query(
                setting: "X-Amz-Credential", to: "ZZZZRZPUZDIKGWNFC7AD%2F20260314%2Fus-east-1%2Fsts%2Faws4_request"),
            .credential),
        // signed headers and audience
        hostile("host not signed", query: F.query(setting: "X-Amz-SignedHeaders", to: "x-k8s-aws-id"), .signedHeaders),
        hostile(
            "extra signed header",
            query: F.query(setting: "X-Amz-SignedHeaders", to: "host%3Bx-amz-date%3Bx-k8s-aws-id"), .signedHeaders),
        hostile(
            "upper-case signed header", query: F.query(setting: "X-Amz-SignedHeaders", to: "Host%3Bx-k8s-aws-id"),
            .signedHeaders),
        hostile(
            "repeated signed header", query: F.query(setting: "X-Amz-SignedHeaders", to: "host%3Bhost%3Bx-k8s-aws-id"),
            .signedHeaders),
        hostile("empty signed headers", query: F.query(setting: "X-Amz-SignedHeaders", to: ""), .signedHeaders),
        hostile("audience header not signed", query: F.query(setting: "X-Amz-SignedHeaders", to: "host"), .audience),
        Hostile(
            name: "another audience header", token: F.token(F.url()), check: .audience, audienceHeader: "x-other-id"),
        // expiry and time
        hostile("expires above 900", query: F.query(setting: "X-Amz-Expires", to: "901"), .expires),
        hostile("expires negative", query: F.query(setting: "X-Amz-Expires", to: "-1"), .expires),
        hostile("expires not a number", query: F.query(setting: "X-Amz-Expires", to: "6e1"), .expires),
        hostile("expires empty", query: F.query(setting: "X-Amz-Expires", to: ""), .expires),
        hostile("expires long", query: F.query(setting: "X-Amz-Expires", to: "0060"), .expires),
        Hostile(name: "expired", token: F.token(F.url()), check: .expired, now: F.now + 901),
        Hostile(name: "far in the future", token: F.token(F.url()), check: .notYetValid, now: F.now - 301),
    ]

    @Test(arguments: cases)
    func refused(_ hostile: Hostile) throws {
        let rules = try F.rules(partitions: hostile.partitions, audienceHeader: hostile.audienceHeader)
        let error = #expect(throws: IdentityTokenError.self) {
            _ = try IdentityToken.parse(Substring(hostile.token), rules: rules, now: hostile.now)
        }
        #expect(error?.check == hostile.check, "\(error?.message ?? "")")
        // The sentence never carries the signature, the session token or the host taken from the token.
        let message = error?.message ?? ""
        #expect(!message.isEmpty)
        #expect(!message.contains(F.signature) && !message.contains("evil") && !message.contains(F.keyID))
    }

    @Test func sentencesNeverCarryTheSessionToken() throws {
        let rules = try F.rules()
        let withToken = F.parameters() + [("X-Amz-Security-Token", F.sessionToken)]
        for bad in [
            withToken + [("Foo", "1")], withToken.map { $0.0 == "Action" ? ($0.0, "AssumeRole") : $0 },
            withToken + [("X-Amz-Security-Token", F.sessionToken)],
        ] {
            let token = F.token("https://sts.us-east-1.amazonaws.com/?" + F.query(bad))
            let error = #expect(throws: IdentityTokenError.self) {
                _ = try IdentityToken.parse(Substring(token), rules: rules, now: F.now)
            }
            #expect(error.map { !$0.message.contains(F.sessionToken) } == true)
        }
    }

    @Test func regionFilterRefusesTheHost() throws {
        let rules = try F.rules(acceptsRegion: { $0 == "eu-west-1" })
        let error = #expect(throws: IdentityTokenError.self) {
            _ = try IdentityToken.parse(Substring(F.token(F.url())), rules: rules, now: F.now)
        }
        #expect(error?.check == .host)
        // ...and the global endpoint, which is us-east-1.
        let global = #expect(throws: IdentityTokenError.self) {
            _ = try IdentityToken.parse(Substring(F.token(F.url(host: "sts.amazonaws.com"))), rules: rules, now: F.now)
        }
        #expect(global?.check == .host)
    }

    @Test func everyCheckIsExercised() {
        let covered = Set(Self.cases.map(\.check))
        #expect(covered == Set(IdentityTokenError.Check.allCases))
    }
}
