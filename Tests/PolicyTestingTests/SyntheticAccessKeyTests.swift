import PolicyTesting
import SigV4
import Testing

@Suite struct SyntheticAccessKeyTests {
    /// Accounts across the whole range: the ends, leading zeros, every digit position, and a spread.
    static let accounts: [UInt64] =
        [
            0, 1, 9, 10, 99, 171_436_882_533, 411_435_703_965, 29_608_264_753, 111_122_223_333, 444_455_556_666,
            AWSAccountID.maximum, AWSAccountID.maximum - 1, 1 << 39, (1 << 39) - 1, 549_755_813_887, 549_755_813_888,
        ]
        + (0..<12).map { digits in (0..<digits).reduce(UInt64(1)) { value, _ in value * 10 } }
        + stride(from: UInt64(7), through: AWSAccountID.maximum, by: 7_919_191_919).map { $0 }

    @Test("account-id of the synthetic key of an account is that account", arguments: accounts)
    func roundTrip(value: UInt64) throws {
        let account = try #require(AWSAccountID(value))
        let id = SyntheticAccessKey.accessKeyID(for: account)
        #expect(id.count == 20)
        #expect(id.hasPrefix("AKIA"))
        #expect(try AWSAccountID(accessKeyID: id) == account)
    }

    @Test func theSameIdOnEveryRunAndADifferentOnePerAccount() throws {
        let prod = try #require(AWSAccountID("171436882533"))
        let staging = try #require(AWSAccountID("411435703965"))
        #expect(SyntheticAccessKey.accessKeyID(for: prod) == SyntheticAccessKey.accessKeyID(for: prod))
        #expect(SyntheticAccessKey.accessKeyID(for: prod) != SyntheticAccessKey.accessKeyID(for: staging))
    }
}
