import Foundation
import Testing

@testable import PolicySuggestion

/// Reading audit records from hostile input: every bad line reported with its position and skipped.
@Suite("suggest: reading audit records")
struct AuditInputTests {
    @Test("a record's fields are read; authorizations are the pairs")
    func reads() {
        var input = AuditInput()
        let line =
            #"{"decision":"allow","reason":"allowed","rule":"r","request":{"method":"GET","host":"b.s3.eu-west-1.amazonaws.com","path":"/k"},"aws":{"account":"171436882533","account_name":"prod","region":"eu-west-1","service":"s3","action":"s3:GetObject","resource":"arn:aws:s3:::b/k","authorizations":[{"action":"s3:GetObject","resource":"arn:aws:s3:::b/k"}],"auth":"header"}}"#
        let readable = input.read(Array((line + "\n").utf8), file: "a.jsonl")
        #expect(readable)
        #expect(input.problems.isEmpty)
        #expect(
            input.requests == [
                ObservedRequest(
                    decision: "allow", reason: "allowed", rule: "r", method: "GET",
                    host: "b.s3.eu-west-1.amazonaws.com",
                    path: "/k", account: "171436882533", accountName: "prod", region: "eu-west-1", service: "s3",
                    pairs: [.init(action: "s3:GetObject", resource: "arn:aws:s3:::b/k")], auth: "header")
            ])
    }

    static let good = #"{"decision":"allow","aws":{"account":"171436882533"}}"#

    @Test(
        "unreadable lines: file:line: sentence, skipped and counted; a file of only such lines says so",
        arguments: [
            (
                "\(good)\nnot json\n\n\(good)\n", ["f:2: not an audit record: a record is one JSON object per line"],
                true
            ),
            (
                "{\"decision\":\"maybe\"}\n",
                ["f:1: not an audit record: decision is 'maybe', not allow, would_deny or deny"], false
            ),
            ("{\"reason\":\"allowed\"}\n", ["f:1: not an audit record: 'decision' is missing"], false),
            (
                "{\"decision\":\"allow\",\"aws\":{\"authorizations\":[{\"action\":7}]}}",
                ["f:1: not an audit record: 'aws.authorizations[0].action' has the wrong type"], false
            ),
            ("{\"decision\":\"allow\"\n", ["f:1: not JSON"], false),
            (
                "{\"decision\":\"allow\",\"x\":" + String(repeating: "[", count: 100) + "\n",
                ["f:1: the line nests objects or arrays deeper than 16"], false
            ),
            (
                "\(good)\r\n" + String(repeating: "x", count: (1 << 20) + 1) + "\n\(good)",
                ["f:2: the line is longer than 1048576 bytes"], true
            ),
            ("", [], true),
        ])
    func unreadable(_ text: String, _ expected: [String], _ readable: Bool) {
        var input = AuditInput()
        // Fed in small chunks: lines cross chunk boundaries.
        input.begin(file: "f")
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count {
            input.feed(bytes[start..<min(start + 7, bytes.count)])
            start += 7
        }
        let held = input.finish()
        #expect(input.problems.map(\.description) == expected)
        #expect(input.problemCount == expected.count)
        #expect(held == readable)
        #expect(input.requests.count == text.components(separatedBy: Self.good).count - 1)
    }
}
