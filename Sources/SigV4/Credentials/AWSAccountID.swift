/// A 12-digit AWS account number.
///
/// ``init(accessKeyID:)`` derives the account that owns an access key id offline, with the technique
/// Tal Be'ery described ("A short note on AWS KEY ID") and Aidan Steele published: drop the
/// four-character prefix, base32-decode the next 16 characters to 10 bytes, read bytes 0–5 big-endian
/// as `z`, and take `(z & 0x7FFFFFFFFF80) >> 7`.
///
/// Only new-generation ids carry the account: those whose fifth character is `Q`–`Z` or `2`–`7`
/// (issued from about 2019). Older ids (fifth character `A`–`P`, such as AWS's documentation key
/// `AKIAIOSFODNN7EXAMPLE`) decode to a meaningless number and are refused with
/// ``SigV4Error/Code/legacyAccessKeyID``.
///
/// ```swift
/// let account = try AWSAccountID(accessKeyID: "ASIAY34FZKBOKMUTVV7A")
/// print(account)   // 609629065308
/// ```
public struct AWSAccountID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The account number, 0…999999999999.
    public let value: UInt64
    /// ``value`` as 12 digits, made once (a small string: no allocation).
    private let digits: String

    /// The largest valid account number.
    public static let maximum: UInt64 = 999_999_999_999

    /// Creates an account id from its number.
    /// - Returns: `nil` when `value` has more than 12 digits.
    public init?(_ value: UInt64) {
        guard value <= Self.maximum else { return nil }
        self.value = value
        self.digits = Self.digits(value)
    }

    /// Parses a 12-digit account id (exactly 12 ASCII digits).
    public init?(_ text: some StringProtocol) {
        guard text.utf8.count == 12, let parsed = ASCII.parseDecimal(text.utf8, maxDigits: 12) else { return nil }
        self.value = UInt64(parsed)
        self.digits = Self.digits(value)
    }

    /// Derives the account that owns `accessKeyID`, offline.
    ///
    /// - Throws: ``SigV4Error`` with ``SigV4Error/Code/accessKeyIDLength`` (not 20 or 21 characters),
    ///   ``SigV4Error/Code/unknownAccessKeyPrefix`` (not `AKIA`, `ASIA`, … ),
    ///   ``SigV4Error/Code/accessKeyIDCharacter`` (a character outside base32),
    ///   ``SigV4Error/Code/legacyAccessKeyID`` (an old-generation id), or
    ///   ``SigV4Error/Code/accountOutOfRange`` (a result above 999999999999).
    public init(accessKeyID: some StringProtocol) throws(SigV4Error) {
        // The bytes in place (a native string's), read by one non-generic function.
        let derived =
            accessKeyID.utf8.withContiguousStorageIfAvailable { Self.account(accessKeyID: $0) }
            ?? Array(accessKeyID.utf8).withUnsafeBufferPointer { Self.account(accessKeyID: $0) }
        let account = try derived.get()
        self.value = account
        self.digits = Self.digits(account)
    }

    /// The account `utf8` (an access key id) encodes, or why it encodes none.
    private static func account(accessKeyID utf8: UnsafeBufferPointer<UInt8>) -> Result<UInt64, SigV4Error> {
        let count = utf8.count
        guard count == 20 || count == 21 else {
            return .failure(
                SigV4Error(.accessKeyIDLength, "an access key id has 20 characters, this one has \(count)"))
        }
        let prefix = UInt32(utf8[0]) << 24 | UInt32(utf8[1]) << 16 | UInt32(utf8[2]) << 8 | UInt32(utf8[3])
        guard isKnownPrefix(prefix) else {
            return .failure(
                SigV4Error(
                    .unknownAccessKeyPrefix,
                    "the access key id does not start with a known AWS prefix such as AKIA or ASIA"))
        }
        // Bytes 0–5 of the decoded id are the first 48 bits: the first 10 base32 characters carry
        // 50 bits, of which the top 48 are z.
        var bits: UInt64 = 0
        for position in 0..<16 {
            let byte = utf8[4 + position]
            let symbol: UInt64
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): symbol = UInt64(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "2")...UInt8(ascii: "7"): symbol = UInt64(byte - UInt8(ascii: "2") + 26)
            default:
                return .failure(
                    SigV4Error(
                        .accessKeyIDCharacter,
                        "the access key id has a character outside A–Z and 2–7 where the account is encoded"))
            }
            if position == 0, symbol < 16 {
                // 'A'…'P' in the fifth character: an old-generation id.
                return .failure(
                    SigV4Error(
                        .legacyAccessKeyID,
                        "the access key id is of the old generation, whose account cannot be derived offline"))
            }
            if position < 10 { bits = bits << 5 | symbol }
        }
        // A 21-character id has one more character; it must still be base32.
        if count == 21 {
            let byte = utf8[20]
            guard
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "2")...UInt8(ascii: "7")).contains(byte)
            else {
                return .failure(
                    SigV4Error(.accessKeyIDCharacter, "the access key id has a character outside A–Z and 2–7"))
            }
        }
        let z = bits >> 2  // the top 48 of the 50 bits
        let account = (z & 0x7FFF_FFFF_FF80) >> 7
        guard account <= maximum else {
            return .failure(
                SigV4Error(
                    .accountOutOfRange, "the access key id decodes to \(account), which is not a 12-digit account"))
        }
        return .success(account)
    }

    /// The account id as 12 digits with leading zeros.
    public var description: String { digits }

    /// `value` as 12 digits with leading zeros.
    private static func digits(_ value: UInt64) -> String {
        // 12 bytes fit in a small string, which String(unsafeUninitializedCapacity:) makes in place.
        String(unsafeUninitializedCapacity: 12) { buffer in
            var v = value
            for i in stride(from: 11, through: 0, by: -1) {
                buffer[i] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            }
            return 12
        }
    }

    public static func == (lhs: AWSAccountID, rhs: AWSAccountID) -> Bool { lhs.value == rhs.value }

    public func hash(into hasher: inout Hasher) { hasher.combine(value) }

    public static func < (lhs: AWSAccountID, rhs: AWSAccountID) -> Bool { lhs.value < rhs.value }

    /// Whether `prefix` (four bytes packed big-endian) is an AWS unique-id prefix (IAM User Guide,
    /// "Unique identifiers"): ABIA, ACCA, AGPA, AIDA, AIPA, AKIA, ANPA, ANVA, APKA, AROA, ASCA, ASIA.
    private static func isKnownPrefix(_ prefix: UInt32) -> Bool {
        switch prefix {
        case 0x4142_4941, 0x4143_4341, 0x4147_5041, 0x4149_4441, 0x4149_5041, 0x414B_4941, 0x414E_5041,
            0x414E_5641, 0x4150_4B41, 0x4152_4F41, 0x4153_4341, 0x4153_4941:
            true
        default:
            false
        }
    }
}
