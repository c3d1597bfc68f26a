import Testing

@testable import AWSClassifier

@Suite("JSON document reader")
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
        // Read differently by different parsers: never resolved.
        ("\u{FEFF}{\"TableName\":\"a\"}", nil),  // byte-order mark
        (#"{"TableName":"a","tablename":"b"}"#, nil),  // the same key in another letter case
        (#"{"TableName":"a","Table\u004eame":"b"}"#, nil),  // the same key, escaped
        (#"{"TableName":"a","x":{"k":1,"k":2}}"#, nil),  // a duplicate key anywhere
        (#"{"TableName":"a","x":[{"S":"1"},{"S":"2","S":"3"}]}"#, nil),
        ("\u{FF}", nil),  // not UTF-8
        (
            "{\"TableName\":\"deep\",\"a\":" + String(repeating: "[", count: 63) + String(repeating: "]", count: 63)
                + "}",
            ["TableName": "deep"]
        ),  // 64 levels: the limit
        (
            "{\"TableName\":\"deep\",\"a\":" + String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
                + "}",
            nil
        ),  // 65 levels
    ]

    @Test("the table is broad")
    func breadth() { #expect(Self.cases.count >= 25) }

    @Test("nested members and lists are read")
    func document() throws {
        let text = #"{"TransactItems":[{"Put":{"TableName":"a"}},{"Delete":{"TableName":"b"}}],"Ids":["x","y"]}"#
        let document = try #require(JSONValue.parse(Array(text.utf8)))
        let items = try #require(document["TransactItems"]?.elements)
        #expect(items.count == 2)
        #expect(items[1]["Delete"]?["TableName"]?.string == "b")
        #expect(document["Ids"]?.elements?.compactMap(\.string) == ["x", "y"])
        #expect(document["Missing"] == nil)
    }

    @Test("top-level string fields, strictly", arguments: cases)
    func scan(_ text: String, _ expected: [String: String]?) {
        #expect(JSONFields.strings(in: Array(text.utf8), named: ["TableName"]) == expected, "\(text)")
    }
}
