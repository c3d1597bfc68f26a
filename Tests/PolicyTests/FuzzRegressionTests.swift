import AuthzServer
import Policy
import Testing

/// Inputs FuzzConfigLoader (Fuzz/) found breaking a property of the configuration loader, kept as
/// they were found (the input's bytes) with the property they broke.
@Suite("Configuration loader fuzz regressions")
struct ConfigFuzzRegressionTests {
    /// The lines of `text` as YAML counts them (LF, CRLF, CR, NEL, LS, PS end a line).
    static func lineCount(_ text: String) -> Int {
        var lines = 1
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n" where previousWasCR: previousWasCR = false
            case "\r", "\n", "\u{85}", "\u{2028}", "\u{2029}":
                lines += 1
                previousWasCR = scalar == "\r"
            default: previousWasCR = false
            }
        }
        return lines
    }

    /// A YAML syntax error at the end of text without a final line break was placed on the line after
    /// the last (libyaml's position), which is no line of the file: line 4 of a 3-line file.
    @Test("a syntax error at the end of the last line is placed on that line")
    func syntaxErrorAtTheEnd() throws {
        let bytes: [UInt8] = [
            115, 51, 205, 245, 32, 32, 98, 117, 99, 107, 101, 116, 95, 111, 119, 110, 101, 123, 115, 58, 32, 123, 32,
            109, 121, 45, 98, 117, 99, 107, 101, 116, 58, 32, 34, 49, 51, 53, 50, 55, 54, 52, 56, 57, 48, 49, 50, 34,
            32, 125, 10, 100, 101, 102, 97, 117, 108, 116, 58, 32, 100, 101, 10, 100, 101,
        ]
        let text = String(decoding: bytes, as: UTF8.self)
        let error = try #require(throws: ConfigError.self) { try ConfigurationFile.parse(text, path: "fuzz.yaml") }
        let issue = try #require(error.issues.first)
        #expect(issue.message.hasPrefix("YAML syntax"))
        #expect(issue.position == SourcePosition(file: "fuzz.yaml", line: 3, column: 3))
        for issue in error.issues {
            #expect((1...Self.lineCount(text)).contains(issue.position.line), "\(issue)")
        }
    }

    @Test("without the final line break of a one-line file, the position is still on the line")
    func oneLine() throws {
        let error = try #require(throws: ConfigError.self) {
            try ConfigurationFile.parse("default: [deny", path: "fuzz.yaml")
        }
        for issue in error.issues {
            #expect(issue.position.line == 1, "\(issue)")
            #expect(issue.position.column <= 15, "\(issue)")
        }
    }
}
