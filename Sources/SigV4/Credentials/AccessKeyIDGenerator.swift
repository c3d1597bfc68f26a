/// Makes access key ids that derive, offline, to a chosen account, and secrets shaped as AWS's: the
/// virtual keys of credential brokering.
///
/// It is the inverse of ``AWSAccountID/init(accessKeyID:)``. An id is a four-character prefix and
/// 16 base32 characters (`A`–`Z`, `2`–`7`) that encode 10 bytes. Bytes 0–5, read big-endian, are
/// `z`: its top bit set (a new-generation id, whose fifth character is `Q`–`Z` or `2`–`7`), the
/// account in the next 40 bits, and 7 random bits; bytes 6–9 are random. So an id made here derives
/// to its account wherever AWS's would, and 39 of its 80 bits are random.
///
/// ```swift
/// let account = AWSAccountID(UInt64(123_456_789_012))!
/// let id = AccessKeyIDGenerator.make(account: account)        // "AKIA…", 20 characters
/// try AWSAccountID(accessKeyID: id) == account                 // true
/// let secret = AccessKeyIDGenerator.makeSecret()               // 40 characters
/// ```
public enum AccessKeyIDGenerator {
    /// The prefixes an id can have: `AKIA` (a long-term access key) or `ASIA` (a temporary one).
    public enum Prefix: String, Sendable, Hashable, CaseIterable {
        /// A long-term access key, as an IAM user's.
        case akia = "AKIA"
        /// A temporary access key, as STS returns.
        case asia = "ASIA"
    }

    /// The length of an id made here.
    public static let length = 20
    /// The length of a secret made by ``makeSecret(using:)``.
    public static let secretLength = 40

    /// An id with `prefix` that derives to `account`; its random bits come from `generator`.
    public static func make(
        account: AWSAccountID, prefix: Prefix = .akia, using generator: inout some RandomNumberGenerator
    ) -> String {
        let lowBits = UInt8.random(in: 0...0x7F, using: &generator)
        let tail = UInt32.random(in: 0...UInt32.max, using: &generator)
        return encode(account: account, prefix: prefix, lowBits: lowBits, tail: tail)
    }

    /// An id with `prefix` that derives to `account`, its random bits from the system's generator.
    public static func make(account: AWSAccountID, prefix: Prefix = .akia) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(account: account, prefix: prefix, using: &generator)
    }

    /// The id with `prefix` whose 10 encoded bytes are `z` (the new-generation bit, `account`, then
    /// the 7 bits of `lowBits`) and `tail` (bytes 6–9, big-endian). ``make(account:prefix:using:)``
    /// draws `lowBits` and `tail` at random; given the same ones, every new-generation id is
    /// reproduced exactly.
    public static func encode(account: AWSAccountID, prefix: Prefix, lowBits: UInt8, tail: UInt32) -> String {
        // The account is at most 999999999999 < 2^40: it fits between the top bit and the low 7.
        let z = UInt64(1) << 47 | account.value << 7 | UInt64(lowBits & 0x7F)
        var id = prefix.rawValue
        id.reserveCapacity(length)
        // 80 bits, 5 at a time from the top: the first 48 from z, the last 32 from tail.
        var buffer: UInt64 = 0
        var bits = 0
        for index in 0..<10 {
            let byte =
                index < 6
                ? UInt8(truncatingIfNeeded: z >> (8 * (5 - index)))
                : UInt8(truncatingIfNeeded: tail >> (8 * (9 - index)))
            buffer = buffer << 8 | UInt64(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                id.unicodeScalars.append(base32(UInt8(truncatingIfNeeded: buffer >> UInt64(bits)) & 0x1F))
            }
            buffer &= (1 << UInt64(bits)) - 1
        }
        return id
    }

    /// A secret of ``secretLength`` characters of the base64 alphabet (`A`–`Z`, `a`–`z`, `0`–`9`,
    /// `+`, `/`), as AWS's secret access keys are: 240 random bits from `generator`.
    public static func makeSecret(using generator: inout some RandomNumberGenerator) -> String {
        var secret = ""
        secret.reserveCapacity(secretLength)
        for _ in 0..<secretLength {
            // 64 is a power of two: every character is equally likely.
            secret.unicodeScalars.append(base64(UInt8.random(in: 0...63, using: &generator)))
        }
        return secret
    }

    /// A secret from the system's cryptographically secure generator.
    public static func makeSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return makeSecret(using: &generator)
    }

    /// The base32 character of `value` (0…31): `A`–`Z`, then `2`–`7`.
    private static func base32(_ value: UInt8) -> Unicode.Scalar {
        Unicode.Scalar(value < 26 ? UInt8(ascii: "A") + value : UInt8(ascii: "2") + value - 26)
    }

    /// The base64 character of `value` (0…63).
    private static func base64(_ value: UInt8) -> Unicode.Scalar {
        switch value {
        case 0..<26: Unicode.Scalar(UInt8(ascii: "A") + value)
        case 26..<52: Unicode.Scalar(UInt8(ascii: "a") + value - 26)
        case 52..<62: Unicode.Scalar(UInt8(ascii: "0") + value - 52)
        case 62: "+"
        default: "/"
        }
    }
}
