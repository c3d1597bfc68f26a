import AWSClassifier
import Foundation
import IAMIdentity
import SigV4
import Testing

/// The forms a token may take, and the fields read from them.
@Suite struct IdentityTokenAcceptedTests {
    typealias F = TokenFixtures

    struct Accepted: CustomTestStringConvertible, Sendable {
        let name: String
        let url: String
        let host: String
        let region: String
        let partition: String
        var partitions = ["aws"]
        var padded = false
        var now: Int64 = TokenFixtures.now
        var testDescription: String { name }
    }

    static let cases: [Accepted] = [
        Accepted(
            name: "global", url: F.url(host: "sts.amazonaws.com"), host: "sts.amazonaws.com", region: "us-east-1",
            partition: "aws"),
        Accepted(
            name: "regional", url: F.url(), host: "sts.us-east-1.amazonaws.com", region: "us-east-1", partition: "aws"),
        Accepted(
            name: "regional eu", url: F.url(host: "sts.eu-west-1.amazonaws.com", region: "eu-west-1"),
            host: "sts.eu-west-1.amazonaws.com", region: "eu-west-1", partition: "aws"),
        Accepted(
            name: "fips", url: F.url(host: "sts-fips.us-east-2.amazonaws.com", region: "us-east-2"),
            host: "sts-fips.us-east-2.amazonaws.com", region: "us-east-2", partition: "aws"),
        Accepted(
            name: "dual-stack", url: F.url(host: "sts.us-west-2.api.aws", region: "us-west-2"),
            host: "sts.us-west-2.api.aws", region: "us-west-2", partition: "aws"),
        Accepted(
            name: "fips dual-stack", url: F.url(host: "sts-fips.us-west-2.api.aws", region: "us-west-2"),
            host: "sts-fips.us-west-2.api.aws", region: "us-west-2", partition: "aws"),
        Accepted(
            name: "aws-cn listed", url: F.url(host: "sts.cn-north-1.amazonaws.com.cn", region: "cn-north-1"),
            host: "sts.cn-north-1.amazonaws.com.cn", region: "cn-north-1", partition: "aws-cn",
            partitions: ["aws", "aws-cn"]),
        Accepted(
            name: "aws-us-gov listed",
            url: F.url(host: "sts.us-gov-west-1.amazonaws.com", region: "us-gov-west-1"),
            host: "sts.us-gov-west-1.amazonaws.com", region: "us-gov-west-1", partition: "aws-us-gov",
            partitions: ["aws", "aws-us-gov"]),
        Accepted(
            name: "upper-case host and scheme",
            url: F.url().replacingOccurrences(of: "https://sts.us-east-1", with: "HTTPS://STS.US-EAST-1"),
            host: "sts.us-east-1.amazonaws.com", region: "us-east-1", partition: "aws"),
        Accepted(
            name: "port 443", url: F.url(host: "sts.us-east-1.amazonaws.com:443"),
            host: "sts.us-east-1.amazonaws.com", region: "us-east-1", partition: "aws"),
        Accepted(
            name: "padded base64url", url: F.url() + "&X-Amz-Security-Token=ab", host: "sts.us-east-1.amazonaws.com",
            region: "us-east-1", partition: "aws", padded: true),
        Accepted(
            name: "session token", url: F.url() + "&X-Amz-Security-Token=" + F.sessionToken,
            host: "sts.us-east-1.amazonaws.com", region: "us-east-1", partition: "aws"),
        Accepted(
            name: "expires 0",
            url: "https://sts.us-east-1.amazonaws.com/?" + F.query(setting: "X-Amz-Expires", to: "0"),
            host: "sts.us-east-1.amazonaws.com", region: "us-east-1", partition: "aws"),
        Accepted(
            name: "expires 900",
            url: "https://sts.us-east-1.amazonaws.com/?" + F.query(setting: "X-Amz-Expires", to: "900"),
            host: "sts.us-east-1.amazonaws.com", region: "us-east-1", partition: "aws"),
        Accepted(
            name: "exactly 900 s old", url: F.url(), host: "sts.us-east-1.amazonaws.com", region: "us-east-1",
            partition: "aws", now: TokenFixtures.now + 900),
        Accepted(
            name: "exactly 300 s ahead", url: F.url(), host: "sts.us-east-1.amazonaws.com", region: "us-east-1",
            partition: "aws", now: TokenFixtures.now - 300),
    ]

    @Test(arguments: cases)
    func accepted(_ accepted: Accepted) throws {
        let rules = try F.rules(partitions: accepted.partitions)
        let text = F.token(accepted.url, padded: accepted.padded)
        if accepted.padded { #expect(text.hasSuffix("=")) }
        let token = try IdentityToken.parse(Substring(text), rules: rules, now: accepted.now)
        #expect(token.host == accepted.host)
        #expect(token.region == accepted.region)
        #expect(token.partition == accepted.partition)
        #expect(token.accessKeyID == F.keyID)
        #expect(token.account.description == "123456789012")
        #expect(token.signedAt == F.now)
        #expect(token.expiresAt == F.now + 900)
        #expect(token.audience == "orders")
        #expect(token.audienceHeader == "x-k8s-aws-id")
        #expect(token.digest == TokenDigest(of: text))
        let query = String(accepted.url[accepted.url.index(after: try #require(accepted.url.firstIndex(of: "?")))...])
        #expect(token.query == query)
        #expect(token.url == "https://\(accepted.host)/?\(query)")
    }

    @Test func shorterMaximumAge() throws {
        var rules = try F.rules()
        rules.maxAgeSeconds = 60
        let token = try IdentityToken.parse(Substring(F.token(F.url())), rules: rules, now: F.now + 60)
        #expect(token.expiresAt == F.now + 60)
        let error = #expect(throws: IdentityTokenError.self) {
            _ = try IdentityToken.parse(Substring(F.token(F.url())), rules: rules, now: F.now + 61)
        }
        #expect(error?.check == .expired)
    }

    @Test func customAudienceHeader() throws {
        let rules = try F.rules(audienceHeader: "x-audience")
        let url =
            "https://sts.us-east-1.amazonaws.com/?" + F.query(setting: "X-Amz-SignedHeaders", to: "host%3Bx-audience")
        let token = try IdentityToken.parse(Substring(F.token(url)), rules: rules, now: F.now)
        #expect(token.audienceHeader == "x-audience")
    }

    @Test func exactlyTheMaximumSize() throws {
        var rules = try F.rules()
        let text = F.token(F.url())
        rules.maxTokenBytes = text.utf8.count
        _ = try IdentityToken.parse(Substring(text), rules: rules, now: F.now)
        rules.maxTokenBytes = text.utf8.count - 1
        let error = #expect(throws: IdentityTokenError.self) {
            _ = try IdentityToken.parse(Substring(text), rules: rules, now: F.now)
        }
        #expect(error?.check == .size)
    }
}
