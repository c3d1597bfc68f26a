import SigV4
import Testing

@Suite("Account id from access key id")
struct AWSAccountIDTests {
    /// Published pairs (see docs/reference/sigv4-and-aws.md for their sources).
    static let published: [(String, String)] = [
        ("ASIAY34FZKBOKMUTVV7A", "609629065308"),  // Tal Be'ery; Aidan Steele
        ("ASIAQNZGKIQY56JQ7WML", "029608264753"),  // psanford/aws-account-id-from-key
        ("ASIAVJ2E6QGR2WZILJFM", "364679954851"),  // psanford/aws-account-id-from-key
        ("AKIASP2TPHJSQH3FJRUX", "171436882533"),  // trufflehog test
        ("AKIAV7S32T2OSBFJQOIY", "411435703965"),  // praetorian nebula test
    ]

    @Test("published pairs derive their account", arguments: published)
    func publishedPairs(_ accessKeyID: String, _ account: String) throws {
        let derived = try AWSAccountID(accessKeyID: accessKeyID)
        #expect(derived.description == account)
        #expect(derived == AWSAccountID(account))
    }

    static let refused: [(String, SigV4Error.Code)] = [
        ("AKIAIOSFODNN7EXAMPLE", .legacyAccessKeyID),  // AWS's documentation key: old generation
        ("AKIAJ5Q6EXAMPLE12345", .legacyAccessKeyID),  // 5th character J (A–P)
        ("ASIAP34FZKBOKMUTVV7A", .legacyAccessKeyID),  // 5th character P: the last old-generation letter
        ("AKIASP2TPHJSQH3FJRU", .accessKeyIDLength),  // 19 characters
        ("AKIASP2TPHJSQH3FJRUXAB", .accessKeyIDLength),  // 22 characters
        ("", .accessKeyIDLength),
        ("AKIASP2TPHJSQH3FJR0X", .accessKeyIDCharacter),  // 0 is not base32
        ("AKIASP2TPHJSQH1FJRUX", .accessKeyIDCharacter),  // 1 is not base32
        ("AKIASP2TPHJSQH3FJRU8", .accessKeyIDCharacter),  // 8 is not base32
        ("AKIAsp2tphjsqh3fjrux", .accessKeyIDCharacter),  // lower case
        ("AKIASP2TPHJSQH3FJRU=", .accessKeyIDCharacter),  // padding
        ("XKIASP2TPHJSQH3FJRUX", .unknownAccessKeyPrefix),
        ("akiaSP2TPHJSQH3FJRUX", .unknownAccessKeyPrefix),
        ("AKIA7777777777777777", .accountOutOfRange),  // every bit set: 1099511627775
        ("AKIASP2TPHJSQH3FJRUX9", .accessKeyIDCharacter),  // 21 characters, last not base32
        ("AKIASP2TPHJSQH3FJ\u{00C4}X", .accessKeyIDCharacter),  // non-ASCII (Ä is two UTF-8 bytes: 20 in all)
    ]

    @Test("bad or old ids are refused with distinct errors", arguments: refused)
    func refusedIDs(_ accessKeyID: String, _ code: SigV4Error.Code) {
        #expect(throws: SigV4Error(code)) { try AWSAccountID(accessKeyID: accessKeyID) }
    }

    @Test("legacy keys map to the contract's legacy_access_key reason")
    func legacyReason() {
        let error = sigV4Error { () throws(SigV4Error) in _ = try AWSAccountID(accessKeyID: "AKIAIOSFODNN7EXAMPLE") }
        #expect(error?.category == .legacyAccessKey)
    }

    @Test("a 21-character id derives the same account as its first 20 characters")
    func twentyOneCharacters() throws {
        #expect(try AWSAccountID(accessKeyID: "AKIASP2TPHJSQH3FJRUXA").description == "171436882533")
    }

    @Test("account ids print as 12 digits and parse strictly")
    func accountText() {
        #expect(AWSAccountID(UInt64(42))?.description == "000000000042")
        #expect(AWSAccountID(UInt64(1_000_000_000_000)) == nil)
        #expect(AWSAccountID("12345678901") == nil)
        #expect(AWSAccountID("12345678901a") == nil)
        #expect(AWSAccountID("123456789012")?.value == 123_456_789_012)
    }
}
