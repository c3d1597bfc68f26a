extension FuzzDriver {
    /// `text` percent-encoded as AWS and Squid encode: RFC 3986's unreserved bytes (letters, digits,
    /// `-`, `.`, `_`, `~`) kept, every other byte as `%XX` in upper-case hex. The targets' renderers use
    /// it for form bodies and Squid lookup lines.
    public static func percentEncoded(_ text: String) -> String {
        var out = ""
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(UnicodeScalar(byte))
            default:
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return out
    }
}
