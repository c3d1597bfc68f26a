import AWSClassifier
import IAMIdentity
import OracleVectors
import SigV4
import Testing

/// Tokens minted by `aws eks get-token` (awscli + botocore, scripts/generate-identity-vectors.py):
/// they parse, and IdentityTokenMinter mints the same bytes from the same inputs.
@Suite struct OracleTokenTests {
    static let file = IdentityFile.committed()
    static let vectors = file?.vectors ?? []

    static func rules(audience: String = "orders") throws -> IdentityTokenRules {
        IdentityTokenRules(
            audience: audience, partitions: try TokenFixtures.partitions(["aws", "aws-cn", "aws-us-gov"]))
    }

    @Test func theFileIsCommitted() throws {
        let file = try #require(Self.file)
        #expect(file.vectors.count >= 8)
        #expect(file.botocore_version == "1.43.11")
        // The CLI's own output is the regional vector's token.
        #expect(file.vectors.first { $0.name == "regional" }?.token == file.cli_token)
    }

    @Test(arguments: vectors)
    func parses(_ vector: IdentityVector) throws {
        let file = try #require(Self.file)
        let token = try IdentityToken.parse(
            Substring(vector.token), rules: try Self.rules(audience: vector.audience), now: file.epoch_seconds + 30)
        #expect(token.host == vector.host)
        #expect(token.region == vector.region)
        #expect(token.accessKeyID == vector.access_key_id)
        #expect(token.account.description == vector.account)
        #expect(token.signedAt == file.epoch_seconds)
        #expect(token.url == vector.url)
        #expect(token.audience == vector.audience)
    }

    @Test(arguments: vectors)
    func minterMatchesBotocore(_ vector: IdentityVector) throws {
        let file = try #require(Self.file)
        let minted = try IdentityTokenMinter.mint(
            credentials: SigningCredentials(
                accessKeyID: vector.access_key_id, secretAccessKey: vector.secret_access_key,
                sessionToken: vector.session_token),
            audience: vector.audience, region: vector.region, host: vector.host,
            timestamp: AmzTimestamp(secondsSinceEpoch: file.epoch_seconds))
        #expect(minted == vector.token)
    }

    /// The audience is only a signed header NAME in the token; the value STS checks is the one
    /// verification sends, the configured audience. So a token minted for another audience parses, and
    /// its signature does not verify with the configured audience's value (STS refuses it).
    @Test func anotherAudienceFailsTheSignatureNotTheOfflineChecks() throws {
        let file = try #require(Self.file)
        let vector = try #require(Self.vectors.first { $0.name == "other-audience" })
        #expect(vector.audience != "orders")
        let token = try IdentityToken.parse(
            Substring(vector.token), rules: try Self.rules(audience: "orders"), now: file.epoch_seconds)
        #expect(token.audience == "orders")
        #expect(
            try verifies(token, audienceValue: token.audience, secret: vector.secret_access_key) == false)
        #expect(try verifies(token, audienceValue: vector.audience, secret: vector.secret_access_key) == true)
    }

    /// Every oracle token verifies as STS would receive it: the query byte for byte, Host the token's host,
    /// the audience header the configured audience.
    @Test(arguments: vectors)
    func verifiesWithTheConfiguredAudience(_ vector: IdentityVector) throws {
        let file = try #require(Self.file)
        let token = try IdentityToken.parse(
            Substring(vector.token), rules: try Self.rules(audience: vector.audience), now: file.epoch_seconds)
        #expect(try verifies(token, audienceValue: token.audience, secret: vector.secret_access_key) == true)
    }

    private func verifies(_ token: IdentityToken, audienceValue: String, secret: String) throws -> Bool {
        let request = SigV4Request(
            method: "GET", rawPath: "/", rawQuery: token.query,
            headers: [HeaderField("Host", token.host), HeaderField(token.audienceHeader, audienceValue)])
        guard case .sigV4(let credential) = try RequestAuthentication(parsing: request) else { return false }
        do {
            let result = try SigV4Verifier.verify(request, credential: credential, secretAccessKey: secret, body: [])
            return result == .verified
        } catch {
            return false
        }
    }
}
