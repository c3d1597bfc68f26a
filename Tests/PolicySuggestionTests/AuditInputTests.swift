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
}
