import AWSClassifier
import Testing

/// `GetObjectAttributes` is authorized as two permissions on the object (Amazon S3 API Reference,
/// GetObjectAttributes, "Permissions"): `s3:GetObject` and `s3:GetObjectAttributes`, or with a
/// version ID `s3:GetObjectVersion` and `s3:GetObjectVersionAttributes`. Beside it, requests whose
/// dependent actions on their own object must not switch to a version form.
@Suite("S3 GetObjectAttributes pairs")
struct S3ObjectAttributesTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var method = "GET"
        var host = "my-bucket.s3.us-west-2.amazonaws.com"
        var target: String
        var headers: [(String, String)] = [("x-amz-object-attributes", "ETag,ObjectSize")]
        var operation: String
        var pairs: [(String, String?)]
    }

    static let object = "arn:aws:s3:::my-bucket/photos/a b.jpg"

    static let cases: [Case] = [
        Case(
            testDescription: "unversioned: s3:GetObject, then s3:GetObjectAttributes on the same object",
            target: "/photos/a%20b.jpg?attributes", operation: "GetObjectAttributes",
            pairs: [("s3:GetObject", object), ("s3:GetObjectAttributes", object)]),
        Case(
            testDescription: "path style: the same pairs",
            host: "s3.us-west-2.amazonaws.com", target: "/my-bucket/photos/a%20b.jpg?attributes",
            operation: "GetObjectAttributes",
            pairs: [("s3:GetObject", object), ("s3:GetObjectAttributes", object)]),
        Case(
            testDescription: "?versionId=: s3:GetObjectVersion and s3:GetObjectVersionAttributes",
            target: "/photos/a%20b.jpg?attributes&versionId=3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",
            operation: "GetObjectAttributes",
            pairs: [("s3:GetObjectVersion", object), ("s3:GetObjectVersionAttributes", object)]),
        Case(
            testDescription: "GetObject with ?versionId=: one pair, no attributes permission",
            target: "/photos/a%20b.jpg?versionId=v1", headers: [], operation: "GetObject",
            pairs: [("s3:GetObjectVersion", object)]),
        Case(
            testDescription: "HeadObject: s3:GetObject alone",
            method: "HEAD", target: "/photos/a%20b.jpg", headers: [], operation: "HeadObject",
            pairs: [("s3:GetObject", object)]),
        Case(
            testDescription: "PutObject with an ACL and a stray ?versionId=: s3:PutObjectAcl keeps its name",
            method: "PUT", target: "/photos/a%20b.jpg?versionId=v1", headers: [("x-amz-acl", "public-read")],
            operation: "PutObject", pairs: [("s3:PutObject", object), ("s3:PutObjectAcl", object)]),
    ]

    @Test("pairs by request", arguments: cases)
    func pairs(_ testCase: Case) {
        let request = Fixtures.signed(
            method: testCase.method, host: testCase.host, target: testCase.target, service: "s3", region: "us-west-2",
            headers: testCase.headers)
        let classification = Fixtures.classify(request, body: [])
        #expect(classification.problem == nil, "\(String(describing: classification.problem))")
        #expect(classification.operation == testCase.operation)
        let pairs = classification.authorizations.map { ($0.action.name ?? "unknown", $0.resource) }
        #expect(pairs.map(\.0) == testCase.pairs.map(\.0))
        #expect(pairs.map(\.1) == testCase.pairs.map(\.1))
    }
}
