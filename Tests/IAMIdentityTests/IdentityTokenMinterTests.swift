import AWSClassifier
import IAMIdentity
import SigV4
import Testing

/// Tokens the minter makes parse, with the fields they were minted with.
@Suite struct IdentityTokenMinterTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let region: String
        let host: String?
        let expectedHost: String
        let partition: String
        var testDescription: String { expectedHost }
    }

    static let cases = [
        Case(region: "us-east-1", host: nil, expectedHost: "sts.us-east-1.amazonaws.com", partition: "aws"),
        Case(region: "us-east-1", host: "sts.amazonaws.com", expectedHost: "sts.amazonaws.com", partition: "aws"),
        Case(region: "ap-southeast-2", host: nil, expectedHost: "sts.ap-southeast-2.amazonaws.com", partition: "aws"),
        Case(
            region: "us-east-1", host: "sts-fips.us-east-1.amazonaws.com",
            expectedHost: "sts-fips.us-east-1.amazonaws.com", partition: "aws"),
        Case(
            region: "cn-northwest-1", host: "sts.cn-northwest-1.amazonaws.com.cn",
            expectedHost: "sts.cn-northwest-1.amazonaws.com.cn", partition: "aws-cn"),
    ]

    @Test(arguments: cases)
    func mintedTokensParse(_ c: Case) throws {
        let account = try #require(AWSAccountID(UInt64(210_987_654_321)))
        let keyID = AccessKeyIDGenerator.make(account: account, prefix: .asia)
        let credentials = SigningCredentials(
            accessKeyID: keyID, secretAccessKey: "secret", sessionToken: "session/token+with=symbols")
        let text = try IdentityTokenMinter.mint(
            credentials: credentials, audience: "orders", region: c.region, host: c.host,
            timestamp: AmzTimestamp(secondsSinceEpoch: TokenFixtures.now))
        #expect(text.hasPrefix("k8s-aws-v1.") && !text.hasSuffix("="))
        let rules = IdentityTokenRules(
            audience: "orders", partitions: try TokenFixtures.partitions(["aws", "aws-cn"]))
        let token = try IdentityToken.parse(Substring(text), rules: rules, now: TokenFixtures.now + 10)
        #expect(token.host == c.expectedHost)
        #expect(token.region == c.region)
        #expect(token.partition == c.partition)
        #expect(token.account == account)
        #expect(token.accessKeyID == keyID)
        #expect(token.query.contains("X-Amz-Expires=60&"))
        #expect(token.query.contains("X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&"))
        #expect(token.query.hasPrefix("Action=GetCallerIdentity&Version=2011-06-15&"))
    }

    @Test func mintedForAnotherAudienceHeader() throws {
        let keyID = AccessKeyIDGenerator.make(account: try #require(AWSAccountID(UInt64(123_456_789_012))))
        let text = try IdentityTokenMinter.mint(
            credentials: SigningCredentials(accessKeyID: keyID, secretAccessKey: "s"), audience: "orders",
            audienceHeader: "x-audience", region: "eu-west-1", host: nil,
            timestamp: AmzTimestamp(secondsSinceEpoch: TokenFixtures.now), expiresSeconds: 900)
        let rules = IdentityTokenRules(
            audience: "orders", audienceHeader: "x-audience", partitions: try TokenFixtures.partitions(["aws"]))
        let token = try IdentityToken.parse(Substring(text), rules: rules, now: TokenFixtures.now)
        #expect(token.query.contains("X-Amz-Expires=900&"))
        #expect(token.query.contains("X-Amz-SignedHeaders=host%3Bx-audience&"))
    }
}
