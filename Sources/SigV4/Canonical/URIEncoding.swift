/// RFC 3986 percent-encoding as SigV4 defines it: unreserved bytes (`A-Z a-z 0-9 - . _ ~`) stay,
/// every other byte becomes `%XX` with upper-case hex; a space is `%20`, never `+`.
enum URIEncoding {
    static let upperHex: [UInt8] = Array("0123456789ABCDEF".utf8)

    @inline(__always)
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default: false
        }
    }

    @inline(__always)
    static func appendEncoded(_ byte: UInt8, to out: inout [UInt8]) {
        if isUnreserved(byte) {
            out.append(byte)
        } else {
            out.append(UInt8(ascii: "%"))
            out.append(upperHex[Int(byte >> 4)])
            out.append(upperHex[Int(byte & 0x0F)])
        }
    }

    /// Appends the percent-decoded-then-re-encoded form of `bytes`.
    ///
    /// A valid `%XX` is decoded and the byte re-encoded (so `%7e` becomes `~` and `%2f` becomes
    /// `%2F`: an encoded slash never turns into a separator); any other byte is encoded; a `%`
    /// not followed by two hex digits is encoded as `%25`. When `keepSlash` is set, literal `/`
    /// bytes stay as they are.
    static func appendReencoded<C: Collection<UInt8>>(_ bytes: C, keepSlash: Bool, to out: inout [UInt8])
    where C.Index == Int {
        var i = bytes.startIndex
        let end = bytes.endIndex
        while i < end {
            let byte = bytes[i]
            if byte == UInt8(ascii: "%"), end - i >= 3, let high = Hex.value(ofDigit: bytes[i + 1]),
                let low = Hex.value(ofDigit: bytes[i + 2])
            {
                appendEncoded(high << 4 | low, to: &out)
                i += 3
                continue
            }
            if keepSlash, byte == UInt8(ascii: "/") {
                out.append(byte)
            } else {
                appendEncoded(byte, to: &out)
            }
            i += 1
        }
    }
}

/// RFC 3986 percent-encoding for other wire formats (Squid's helper protocol): the same rules as
/// SigV4's (``URIEncoding``), with a strict decoder.
public enum PercentEncoding {
    /// `text` with every byte but the unreserved ones (`A-Z a-z 0-9 - . _ ~`) as `%XX`.
    public static func encode(_ text: some StringProtocol) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 { URIEncoding.appendEncoded(byte, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// `text` with its `%XX` escapes decoded; `nil` when a `%` is not followed by two hex digits.
    public static func decodeStrictly(_ text: some StringProtocol) -> [UInt8]? {
        PercentDecoding.decode(text.utf8, plusAsSpace: false)
    }
}
