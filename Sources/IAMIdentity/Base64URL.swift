/// base64url (RFC 4648 §5) as identity tokens use it: encoded without padding; decoded strictly,
/// padding tolerated only at the end (as aws-iam-authenticator does).
enum Base64URL {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// `bytes` in base64url, without padding.
    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= bytes.count {
            let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            out.append(alphabet[Int(group >> 18 & 63)])
            out.append(alphabet[Int(group >> 12 & 63)])
            out.append(alphabet[Int(group >> 6 & 63)])
            out.append(alphabet[Int(group & 63)])
            index += 3
        }
        let rest = bytes.count - index
        if rest == 1 {
            let group = UInt32(bytes[index]) << 16
            out.append(alphabet[Int(group >> 18 & 63)])
            out.append(alphabet[Int(group >> 12 & 63)])
        } else if rest == 2 {
            let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            out.append(alphabet[Int(group >> 18 & 63)])
            out.append(alphabet[Int(group >> 12 & 63)])
            out.append(alphabet[Int(group >> 6 & 63)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The value of a base64url symbol, or `nil`.
    @inline(__always)
    static func value(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt32(byte - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt32(byte - UInt8(ascii: "a") + 26)
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0") + 52)
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }

    /// Decodes `text`: symbols of the base64url alphabet, then at most two `=` making the length a
    /// multiple of four; the unused low bits of the last symbol must be zero (one encoding per byte
    /// string). `nil` for anything else (`+`, `/`, whitespace, padding inside, a length of 4n+1).
    static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        var symbols = Array(text)
        var padding = 0
        while let last = symbols.last, last == UInt8(ascii: "=") {
            symbols.removeLast()
            padding += 1
        }
        if padding > 0 {
            guard padding <= 2, (symbols.count + padding) % 4 == 0 else { return nil }
        }
        guard symbols.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(symbols.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in symbols {
            guard let value = value(byte) else { return nil }
            accumulator = accumulator << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        guard accumulator == 0 else { return nil }
        return out
    }
}
