import Testing

@testable import AWSClassifier

@Suite("JSON field scanner")
struct JSONFieldsTests {
    static let cases: [(String, [String: String]?)] = [
        (#"{"TableName":"t"}"#, ["TableName": "t"]),
        (
            #" { "TableName" : "a\"b\\c\/d\u00e9\ud83d\ude00" , "x": [1, 2.5e-3, true, false, null, {"TableName": "nested"}] } "#,
            ["TableName": "a\"b\\c/dé😀"]
        ),
        (#"{"Item":{"TableName":{"S":"nested"}},"TableName":"outer"}"#, ["TableName": "outer"]),
        (#"{"Other":"x"}"#, [:]),
        (#"{}"#, [:]),
        (#"{"TableName":"a","TableName":"b"}"#, nil),  // duplicate key
        (#"{"TableName":"a""#, nil),  // truncated
        (#"{"TableName":"a"} trailing"#, nil),
        (#"["TableName","a"]"#, nil),  // not an object
        (#"{"TableName":"a\x"}"#, nil),  // bad escape
        (#"{"TableName":"\ud83d"}"#, nil),  // lone surrogate
        (#"{"n":01}"#, nil),  // leading zero
        (#"{"n":-}"#, nil),
        ("{\"TableName\":\"a\u{1}\"}", nil),  // control character
        (String(repeating: "[", count: 100) + String(repeating: "]", count: 100), nil),
        ("{\"a\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}", nil),  // too deep
        ("", nil),
    ]

    @Test("top-level string fields, strictly", arguments: cases)
    func scan(_ text: String, _ expected: [String: String]?) {
        #expect(JSONFields.strings(in: Array(text.utf8), named: ["TableName"]) == expected, "\(text)")
    }
}
