internal import Crypto

/// The SHA-256 of a token's text: the key verifications are cached by. The token itself is never
/// kept or logged.
public struct TokenDigest: Sendable, Hashable, CustomStringConvertible {
    /// The 32 bytes of the digest.
    public let bytes: [UInt8]

    /// The digest of `text`'s UTF-8 bytes.
    public init(of text: some StringProtocol) {
        self.bytes = Array(SHA256.hash(data: Array(text.utf8)))
    }

    /// The digest as 64 lower-case hex digits.
    public var hex: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// ``hex``.
    public var description: String { hex }
}
