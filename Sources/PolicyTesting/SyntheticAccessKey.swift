public import SigV4

/// The access key id a policy test signs with when it names an account (`account:`): a real,
/// new-generation encoding of that account, so the server derives the account from it offline as it
/// derives an AWS key's (``AWSAccountID/init(accessKeyID:)``).
///
/// The id is the same on every run (fixed random bits), so test output and audit records repeat.
/// No AWS key has it by chance in practice, and none of its secrets is known: the signature of a
/// request signed with it is never checked (`not_checked`), as for any key outside
/// `credentials.keys`.
public enum SyntheticAccessKey {
    /// The 7 low bits of the encoded account word (``AccessKeyIDGenerator/encode(account:prefix:lowBits:tail:)``).
    static let lowBits: UInt8 = 0x2A
    /// The last 4 encoded bytes: "TEST" in ASCII.
    static let tail: UInt32 = 0x5445_5354

    /// The `AKIA…` id that derives to `account`.
    public static func accessKeyID(for account: AWSAccountID) -> String {
        AccessKeyIDGenerator.encode(account: account, prefix: .akia, lowBits: lowBits, tail: tail)
    }
}
