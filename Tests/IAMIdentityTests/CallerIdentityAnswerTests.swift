import Foundation
import IAMIdentity
import Testing

/// STS's answers to GetCallerIdentity — JSON, XML, every error kind, malformed — as outcomes.
@Suite struct CallerIdentityAnswerTests {
    enum Expected: Sendable, Equatable {
        case verified(arn: String, account: String, userID: String)
        case refused(containing: String)
        case unavailable(containing: String)
    }

    struct Answer: CustomTestStringConvertible, Sendable {
        let name: String
        let status: Int
        let body: String
        let expected: Expected
        var testDescription: String { name }
    }

    static let roleARN = "arn:aws:sts::123456789012:assumed-role/Orders/i-0abc"
    static let roleID = "AROAEXAMPLEROLEID:i-0abc"

    static func json(account: String = "123456789012", arn: String = roleARN, userID: String = roleID) -> String {
        #"{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"\#(account)","Arn":"\#(arn)","#
            + #""UserId":"\#(userID)"},"ResponseMetadata":{"RequestId":"01234567-89ab-cdef-0123-456789abcdef"}}}"#
    }

    static func xml(account: String = "123456789012", arn: String = roleARN, userID: String = roleID) -> String {
        """
        <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <GetCallerIdentityResult>
            <Arn>\(arn)</Arn>
            <UserId>\(userID)</UserId>
            <Account>\(account)</Account>
          </GetCallerIdentityResult>
          <ResponseMetadata>
            <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>
          </ResponseMetadata>
        </GetCallerIdentityResponse>
        """
    }

    static func jsonError(_ code: String) -> String {
        #"{"Error":{"Code":"\#(code)","Message":"secret-looking message","Type":"Sender"},"RequestId":"r"}"#
    }

    static func xmlError(_ code: String) -> String {
        """
        <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <Error><Type>Sender</Type><Code>\(code)</Code><Message>secret-looking message</Message></Error>
          <RequestId>r</RequestId>
        </ErrorResponse>
        """
    }

    static let verifiedRole = Expected.verified(arn: roleARN, account: "123456789012", userID: roleID)

    static let cases: [Answer] = [
        Answer(name: "JSON", status: 200, body: json(), expected: verifiedRole),
        Answer(name: "XML", status: 200, body: xml(), expected: verifiedRole),
        Answer(
            name: "XML declaration", status: 200, body: #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n" + xml(),
            expected: verifiedRole),
        Answer(
            name: "JSON user", status: 200,
            body: json(arn: "arn:aws:iam::123456789012:user/dev/alice", userID: "AIDAEXAMPLEUSERID"),
            expected: .verified(
                arn: "arn:aws:iam::123456789012:user/dev/alice", account: "123456789012", userID: "AIDAEXAMPLEUSERID")),
        Answer(
            name: "JSON aws-cn", status: 200,
            body: json(arn: "arn:aws-cn:sts::123456789012:assumed-role/R/s"),
            expected: .verified(
                arn: "arn:aws-cn:sts::123456789012:assumed-role/R/s", account: "123456789012", userID: roleID)),
        Answer(
            name: "JSON escaped slash", status: 200,
            body: json(arn: #"arn:aws:iam::123456789012:user\/alice"#, userID: "AIDAEXAMPLEUSERID"),
            expected: .verified(
                arn: "arn:aws:iam::123456789012:user/alice", account: "123456789012", userID: "AIDAEXAMPLEUSERID")),
        // errors: refused
        Answer(
            name: "JSON InvalidClientTokenId", status: 403, body: jsonError("InvalidClientTokenId"),
            expected: .refused(containing: "InvalidClientTokenId")),
        Answer(
            name: "XML SignatureDoesNotMatch", status: 403, body: xmlError("SignatureDoesNotMatch"),
            expected: .refused(containing: "SignatureDoesNotMatch")),
        Answer(
            name: "XML ExpiredToken", status: 403, body: xmlError("ExpiredToken"),
            expected: .refused(containing: "ExpiredToken")),
        Answer(
            name: "JSON AccessDenied", status: 403, body: jsonError("AccessDenied"),
            expected: .refused(containing: "AccessDenied")),
        Answer(
            name: "XML IncompleteSignature", status: 400, body: xmlError("IncompleteSignature"),
            expected: .refused(containing: "IncompleteSignature")),
        Answer(
            name: "moto's Errors shape", status: 403,
            body: "<ErrorResponse><Errors><Error><Code>InvalidClientTokenId</Code></Error></Errors></ErrorResponse>",
            expected: .refused(containing: "InvalidClientTokenId")),
        Answer(name: "403 without body", status: 403, body: "", expected: .refused(containing: "HTTP 403")),
        Answer(
            name: "error code not a word", status: 403, body: jsonError("Bad<Code> with spaces"),
            expected: .refused(containing: "HTTP 403")),
        // errors: unavailable
        Answer(
            name: "XML Throttling", status: 400, body: xmlError("Throttling"),
            expected: .unavailable(containing: "Throttling")),
        Answer(
            name: "JSON RequestLimitExceeded", status: 400, body: jsonError("RequestLimitExceeded"),
            expected: .unavailable(containing: "RequestLimitExceeded")),
        Answer(name: "429", status: 429, body: "", expected: .unavailable(containing: "429")),
        Answer(name: "500", status: 500, body: xmlError("InternalFailure"), expected: .unavailable(containing: "500")),
        Answer(name: "503", status: 503, body: "Service Unavailable", expected: .unavailable(containing: "503")),
        Answer(name: "302", status: 302, body: "", expected: .unavailable(containing: "302")),
        Answer(name: "204", status: 204, body: "", expected: .unavailable(containing: "204")),
        // malformed 200s
        Answer(name: "empty", status: 200, body: "", expected: .unavailable(containing: "malformed")),
        Answer(name: "not a document", status: 200, body: "hello", expected: .unavailable(containing: "malformed")),
        Answer(
            name: "truncated JSON", status: 200, body: String(json().dropLast()),
            expected: .unavailable(containing: "malformed")),
        Answer(
            name: "truncated XML", status: 200, body: String(xml().dropLast(5)),
            expected: .unavailable(containing: "malformed")),
        Answer(
            name: "error document with 200", status: 200, body: xmlError("AccessDenied"),
            expected: .unavailable(containing: "malformed")),
        Answer(
            name: "account not 12 digits", status: 200, body: json(account: "12345678901"),
            expected: .unavailable(containing: "Account")),
        Answer(
            name: "account letters", status: 200, body: json(account: "12345678901a"),
            expected: .unavailable(containing: "Account")),
        Answer(
            name: "account mismatch with Arn", status: 200, body: json(account: "210987654321"),
            expected: .unavailable(containing: "Arn")),
        Answer(
            name: "arn of another partition family", status: 200,
            body: json(arn: "arn:gcp:sts::123456789012:assumed-role/R/s"), expected: .unavailable(containing: "Arn")),
        Answer(
            name: "arn of another service", status: 200, body: json(arn: "arn:aws:s3::123456789012:bucket"),
            expected: .unavailable(containing: "Arn")),
        Answer(
            name: "arn with a region", status: 200,
            body: json(arn: "arn:aws:sts:us-east-1:123456789012:assumed-role/R/s"),
            expected: .unavailable(containing: "Arn")),
        Answer(
            name: "arn with a space", status: 200, body: json(arn: "arn:aws:iam::123456789012:user/a b"),
            expected: .unavailable(containing: "Arn")),
        Answer(
            name: "empty user id", status: 200, body: json(userID: ""), expected: .unavailable(containing: "UserId")),
        Answer(
            name: "long user id", status: 200, body: json(userID: String(repeating: "A", count: 129)),
            expected: .unavailable(containing: "UserId")),
        Answer(
            name: "numeric account", status: 200,
            body: #"{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":123456789012,"#
                + #""Arn":"\#(roleARN)","UserId":"\#(roleID)"}}}"#,
            expected: .unavailable(containing: "malformed")),
        Answer(
            name: "duplicate JSON key", status: 200,
            body: #"{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"123456789012","#
                + #""Arn":"\#(roleARN)","arn":"arn:aws:iam::123456789012:root","UserId":"\#(roleID)"}}}"#,
            expected: .unavailable(containing: "malformed")),
        Answer(
            name: "duplicate XML leaf", status: 200,
            body: xml().replacingOccurrences(
                of: "<UserId>", with: "<Arn>arn:aws:iam::123456789012:root</Arn><UserId>"),
            expected: .unavailable(containing: "malformed")),
        Answer(
            name: "XML comment", status: 200,
            body: xml().replacingOccurrences(of: "<UserId>", with: "<!-- x --><UserId>"),
            expected: .unavailable(containing: "malformed")),
        Answer(
            name: "deep JSON", status: 200, body: String(repeating: "[", count: 10_000),
            expected: .unavailable(containing: "malformed")),
        Answer(
            name: "trailing garbage", status: 200, body: json() + "x", expected: .unavailable(containing: "malformed")),
    ]

    @Test(arguments: cases)
    func outcome(_ answer: Answer) {
        let outcome = CallerIdentityAnswer.outcome(status: answer.status, body: Array(answer.body.utf8))
        switch (answer.expected, outcome) {
        case (.verified(let arn, let account, let userID), .verified(let identity)):
            #expect(identity == CallerIdentity(arn: arn, account: account, userID: userID))
        case (.refused(let part), .refused(let sentence)), (.unavailable(let part), .unavailable(let sentence)):
            #expect(sentence.contains(part), "\(sentence)")
            // STS's Message is never repeated.
            #expect(!sentence.contains("secret-looking"))
        default:
            Issue.record("expected \(answer.expected), got \(outcome)")
        }
    }

    @Test func oversizedBodyIsUnavailable() {
        let body = Array(Self.json().utf8) + Array(repeating: UInt8(ascii: " "), count: 65_536)
        guard case .unavailable(let sentence) = CallerIdentityAnswer.outcome(status: 200, body: body) else {
            Issue.record("an oversized answer must be unavailable")
            return
        }
        #expect(sentence.contains("longer"))
    }
}

/// The ARNs statements match for each kind of caller.
@Suite struct CallerIdentityTests {
    @Test(arguments: [
        (
            "arn:aws:sts::123456789012:assumed-role/Orders/i-0abc",
            ["arn:aws:sts::123456789012:assumed-role/Orders/i-0abc", "arn:aws:iam::123456789012:role/Orders"]
        ),
        (
            "arn:aws-us-gov:sts::123456789012:assumed-role/R/s",
            ["arn:aws-us-gov:sts::123456789012:assumed-role/R/s", "arn:aws-us-gov:iam::123456789012:role/R"]
        ),
        ("arn:aws:iam::123456789012:user/path/u", ["arn:aws:iam::123456789012:user/path/u"]),
        ("arn:aws:iam::123456789012:user/u", ["arn:aws:iam::123456789012:user/u"]),
        ("arn:aws:sts::123456789012:federated-user/bob", ["arn:aws:sts::123456789012:federated-user/bob"]),
        ("arn:aws:iam::123456789012:root", ["arn:aws:iam::123456789012:root"]),
        // Not a session ARN's shape: only itself.
        ("arn:aws:sts::123456789012:assumed-role/R", ["arn:aws:sts::123456789012:assumed-role/R"]),
        ("arn:aws:sts::123456789012:assumed-role/R/s/x", ["arn:aws:sts::123456789012:assumed-role/R/s/x"]),
        ("arn:aws:sts::123456789012:assumed-role//s", ["arn:aws:sts::123456789012:assumed-role//s"]),
    ])
    func matchableARNs(_ arn: String, _ expected: [String]) {
        #expect(CallerIdentity(arn: arn, account: "123456789012", userID: "AROA:s").matchableARNs == expected)
    }
}
