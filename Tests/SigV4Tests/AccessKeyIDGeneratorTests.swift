import SigV4
import Testing

/// Virtual key ids: the inverse of `AWSAccountID(accessKeyID:)`.
@Suite("Access key id generator")
struct AccessKeyIDGeneratorTests {
    static let base32: Set<Character> = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    static let base64: Set<Character> = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")

    /// Edge accounts and the published examples' accounts.
    static let accounts: [UInt64] =
        [0, 1, 127, 128, 999_999_999_999, 123_456_789_012] + AWSAccountIDTests.published.compactMap { UInt64($0.1) }

    @Test("an id made for an account derives to it, with either prefix", arguments: accounts)
    func roundTrip(_ value: UInt64) throws {
        let account = try #require(AWSAccountID(value))
        for prefix in AccessKeyIDGenerator.Prefix.allCases {
            let id = AccessKeyIDGenerator.make(account: account, prefix: prefix)
            #expect(id.hasPrefix(prefix.rawValue))
            #expect(try AWSAccountID(accessKeyID: id) == account, "\(id)")
        }
    }

    @Test("10,000 random accounts round-trip; every id is 20 characters, new-generation, base32 after the prefix")
    func randomAccounts() throws {
        var generator = SplitMix64(seed: 0x5EED_0016)
        for _ in 0..<10_000 {
            let account = try #require(AWSAccountID(UInt64.random(in: 0...AWSAccountID.maximum, using: &generator)))
            let id = AccessKeyIDGenerator.make(account: account, using: &generator)
            #expect(id.count == AccessKeyIDGenerator.length)
            #expect(id.hasPrefix("AKIA"))
            let encoded = id.dropFirst(4)
            #expect(encoded.allSatisfy(Self.base32.contains), "\(id)")
            #expect(encoded.first.map { "QRSTUVWXYZ234567".contains($0) } == true, "\(id): not new-generation")
            let derived = try AWSAccountID(accessKeyID: id)
            if derived != account {
                Issue.record("\(id) derives to \(derived), not \(account)")
                return
            }
        }
    }

    @Test("two ids for one account differ (39 random bits), and so do two secrets")
    func randomness() throws {
        let account = try #require(AWSAccountID("123456789012"))
        var ids: Set<String> = []
        var secrets: Set<String> = []
        for _ in 0..<100 {
            ids.insert(AccessKeyIDGenerator.make(account: account))
            secrets.insert(AccessKeyIDGenerator.makeSecret())
        }
        #expect(ids.count == 100)
        #expect(secrets.count == 100)
    }

    @Test("the random bits come from the generator given: the same seed, the same id")
    func injectableGenerator() throws {
        let account = try #require(AWSAccountID("609629065308"))
        var first = SplitMix64(seed: 7)
        var second = SplitMix64(seed: 7)
        #expect(
            AccessKeyIDGenerator.make(account: account, using: &first)
                == AccessKeyIDGenerator.make(account: account, using: &second))
        #expect(AccessKeyIDGenerator.makeSecret(using: &first) == AccessKeyIDGenerator.makeSecret(using: &second))
    }

    @Test("a secret is 40 characters of the base64 alphabet, and uses all of it")
    func secrets() {
        var generator = SplitMix64(seed: 40)
        var seen: Set<Character> = []
        for _ in 0..<200 {
            let secret = AccessKeyIDGenerator.makeSecret(using: &generator)
            #expect(secret.count == AccessKeyIDGenerator.secretLength)
            #expect(secret.allSatisfy(Self.base64.contains), "\(secret)")
            seen.formUnion(secret)
        }
        #expect(seen == Self.base64)
    }

    /// The 80 bits an id's 16 base32 characters encode: `z` (bytes 0–5) and the tail (bytes 6–9).
    static func decode(_ id: String) -> (z: UInt64, tail: UInt32)? {
        var high: UInt64 = 0  // the first 48 bits
        var low: UInt64 = 0  // the last 32
        for (index, character) in id.dropFirst(4).enumerated() {
            guard let ascii = character.asciiValue else { return nil }
            let symbol: UInt64
            switch ascii {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): symbol = UInt64(ascii - UInt8(ascii: "A"))
            case UInt8(ascii: "2")...UInt8(ascii: "7"): symbol = UInt64(ascii - UInt8(ascii: "2") + 26)
            default: return nil
            }
            for bit in (0..<5).reversed() {
                let position = index * 5 + (4 - bit)  // 0 is the top bit of the 80
                let value = symbol >> UInt64(bit) & 1
                if position < 48 { high = high << 1 | value } else { low = low << 1 | value }
            }
        }
        return (high, UInt32(low))
    }

    @Test(
        "published new-generation ids are reproduced from their account and random bits",
        arguments: AWSAccountIDTests.published)
    func publishedIDs(_ id: String, _ account: String) throws {
        let (z, tail) = try #require(Self.decode(id))
        let prefix = try #require(AccessKeyIDGenerator.Prefix(rawValue: String(id.prefix(4))))
        let accountID = try #require(AWSAccountID(account))
        #expect(z >> 47 == 1, "\(id) is new-generation: the top bit of z is set")
        let encoded = AccessKeyIDGenerator.encode(
            account: accountID, prefix: prefix, lowBits: UInt8(z & 0x7F), tail: tail)
        #expect(encoded == id)
    }
}
