internal import Crypto

/// Lower-case hex encoding and decoding.
package enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The value of one hex digit of either case (`0-9 A-F a-f`); `nil` for any other byte. The one
    /// hex-digit reader of SigV4 and AWSClassifier (percent escapes, hex signatures, JSON `\u`
    /// escapes).
    @inline(__always)
    package static func value(ofDigit byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    static func encode<D: Sequence<UInt8>>(_ bytes: D) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes lower- or upper-case hex; `nil` for an odd length or a non-hex character.
    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let high = value(ofDigit: utf8[i]), let low = value(ofDigit: utf8[i + 1]) else {
                return nil
            }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }
}

/// SHA-256 helpers over byte collections.
enum SHA256Hasher {
    static func hash(_ bytes: [UInt8]) -> SHA256.Digest { SHA256.hash(data: bytes) }
    static func hex(_ bytes: [UInt8]) -> String { Hex.encode(SHA256.hash(data: bytes)) }
    static func hex(_ string: String) -> String { Hex.encode(SHA256.hash(data: Array(string.utf8))) }
}

/// Comparison whose time does not depend on where the inputs first differ.
enum ConstantTime {
    /// Whether two byte sequences are equal, examining every byte of equal-length inputs.
    static func equals<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}

/// The hex SHA-256 of the empty string, the payload hash of a request without a body.
public let emptyPayloadSHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
