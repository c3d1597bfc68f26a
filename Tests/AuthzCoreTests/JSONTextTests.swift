import AuthzCore
import Foundation
import Testing

/// JSON string escaping, checked by decoding with Foundation's JSON parser (an independent one).
@Suite("JSON string escaping")
struct JSONTextTests {
    static let samples = [
        "", "plain", "quote \" and backslash \\", "new\nline\r\ttab", "\u{0}\u{1}\u{1F}\u{7F}", "é ü 日本 🎉",
        "line\u{2028}para\u{2029}end", "\u{E2}", "ends with \\", "\"", "/path/to?x=1&y=%20", "\u{85}\u{A0}",
    ]

    @Test("round trip through a JSON parser", arguments: samples)
    func roundTrip(_ text: String) throws {
        let literal = JSONText.quoted(text)
        let array = try #require(try JSONSerialization.jsonObject(with: Data("[\(literal)]".utf8)) as? [String])
        #expect(array == [text])
        // Nothing a log shipper or a JavaScript reader could split on stays raw.
        #expect(!literal.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{2028}" || $0 == "\u{2029}" })
    }

    @Test("generated strings round trip")
    func generated() throws {
        let alphabet: [Unicode.Scalar] = [
            "a", "\"", "\\", "\n", "\u{0}", "\u{1B}", "\u{7F}", "é", "\u{2028}", "🎉", "/",
        ]
        var state: UInt64 = 42
        for _ in 0..<2_000 {
            var text = ""
            state = state &* 6_364_136_223_846_793_005 &+ 1
            for step in 0..<Int(state >> 60) {
                text.unicodeScalars.append(alphabet[Int((state >> UInt64(step * 4 % 56)) & 0xF) % alphabet.count])
            }
            let literal = JSONText.quoted(text)
            let array = try #require(try JSONSerialization.jsonObject(with: Data("[\(literal)]".utf8)) as? [String])
            #expect(array == [text], "\(literal)")
        }
    }
}
