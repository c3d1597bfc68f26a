import SigV4
import Testing

/// The one percent-decoder of the pure libraries: strict and lenient forms, `+`, and UTF-8.
@Suite("Percent decoding")
struct PercentDecodingTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static let badEscapes = ["%", "%4", "%zz", "a%4g", "%%41", "abc%"]

    @Test("a % not followed by two hex digits is rejected by the strict forms", arguments: badEscapes)
    func strictRejects(_ text: String) {
        #expect(PercentDecoding.decode(Self.bytes(text), plusAsSpace: false) == nil)
        #expect(PercentDecoding.string(text, plusAsSpace: true) == nil)
        #expect(PercentEncoding.decodeStrictly(text) == nil)
    }

    @Test("the lenient forms keep a bad escape's % and go on with the next byte")
    func lenientKeeps() {
        #expect(
            PercentDecoding.decode(keepingBadEscapes: Self.bytes("%zz%41"), plusAsSpace: false) == Self.bytes("%zzA"))
        #expect(PercentDecoding.decode(keepingBadEscapes: Self.bytes("%%41"), plusAsSpace: false) == Self.bytes("%A"))
        #expect(PercentDecoding.decode(keepingBadEscapes: Self.bytes("a%4"), plusAsSpace: false) == Self.bytes("a%4"))
        #expect(PercentDecoding.string(keepingBadEscapes: "100%", plusAsSpace: true) == "100%")
    }

    @Test("escapes of either case decode; + is a space only when asked, %2B is always +")
    func plusAndCase() {
        #expect(PercentDecoding.decode(Self.bytes("%7e%7E%2f"), plusAsSpace: false) == Self.bytes("~~/"))
        #expect(PercentDecoding.string("a+b%2Bc", plusAsSpace: true) == "a b+c")
        #expect(PercentDecoding.string("a+b%2Bc", plusAsSpace: false) == "a+b+c")
        #expect(PercentDecoding.string(keepingBadEscapes: "a+b%2Bc", plusAsSpace: true) == "a b+c")
        #expect(PercentDecoding.string(keepingBadEscapes: "a+b", plusAsSpace: false) == "a+b")
        #expect(PercentDecoding.string("%E1%88%B4", plusAsSpace: false) == "\u{1234}")
        #expect(PercentDecoding.string("", plusAsSpace: true) == "")
    }

    @Test("invalid UTF-8: the byte forms keep it, the strict string form rejects it, the lenient one replaces it")
    func invalidUTF8() {
        #expect(PercentDecoding.decode(Self.bytes("%FF%C3"), plusAsSpace: false) == [0xFF, 0xC3])
        #expect(PercentDecoding.string("a%FFb", plusAsSpace: false) == nil)
        #expect(PercentDecoding.string(keepingBadEscapes: "a%FFb", plusAsSpace: false) == "a\u{FFFD}b")
        #expect(PercentEncoding.decodeStrictly("a%FFb") == [0x61, 0xFF, 0x62])
    }

    @Test("hex digits of either case, nothing else")
    func hexDigits() {
        let digits = Array("0123456789abcdefABCDEF".utf8)
        #expect(digits.map { Hex.value(ofDigit: $0) } == (0...15).map(UInt8.init) + (10...15).map(UInt8.init))
        for byte in UInt8.min...UInt8.max where !digits.contains(byte) {
            #expect(Hex.value(ofDigit: byte) == nil, "\(byte)")
        }
    }
}
