import SigV4
import Testing

/// Canonical URI and query rules from the SigV4 specification (see
/// docs/reference/sigv4-and-aws.md); end-to-end agreement is checked by the oracle suites.
@Suite("Canonical request pieces")
struct CanonicalRequestTests {
    static let s3Paths: [(String, String)] = [
        ("/test$file.text", "/test%24file.text"),
        ("/test%24file.text", "/test%24file.text"),
        ("/a%2Fb", "/a%2Fb"),  // an encoded slash never becomes a separator
        ("/a%2fb", "/a%2Fb"),
        ("/a b", "/a%20b"),
        ("/%7Ekey", "/~key"),
        ("/a+b", "/a%2Bb"),
        ("", "/"),
        ("//double//slash/", "//double//slash/"),  // S3 never normalizes
        ("/./x/../y", "/./x/../y"),
        ("/%zz", "/%25zz"),
        ("/%E1%88%B4", "/%E1%88%B4"),
    ]

    @Test("S3 paths are decoded once and re-encoded", arguments: s3Paths)
    func s3Path(_ wire: String, _ canonical: String) {
        #expect(CanonicalRequest.canonicalURI(wire, rules: .s3) == canonical)
    }

    static let standardPaths: [(String, String)] = [
        ("/a/./b/../%E1%88%B4//c%20d", "/a/%25E1%2588%25B4/c%2520d"),
        ("/", "/"),
        ("", "/"),
        ("/..", "/"),
        ("/a/", "/a/"),
        ("//", "/"),
        ("/a/b/../../..", "/"),
        ("/-._~", "/-._~"),
        ("/a%2Fb", "/a%252Fb"),
    ]

    @Test("other services normalize and encode again", arguments: standardPaths)
    func standardPath(_ wire: String, _ canonical: String) {
        #expect(CanonicalRequest.canonicalURI(wire, rules: .standard) == canonical)
    }

    static let queries: [(String, String)] = [
        ("b=2&a=1", "a=1&b=2"),
        ("a=2&a=1", "a=1&a=2"),
        ("lifecycle", "lifecycle="),
        ("a=b=c", "a=b%3Dc"),
        ("a=%7e", "a=~"),
        ("a=+", "a=%2B"),
        ("a=x%20y", "a=x%20y"),
        ("&&a=1&", "a=1"),
        ("a=1&Z=1", "Z=1&a=1"),
        ("%E1%88%B4=1&a=1", "%E1%88%B4=1&a=1"),
        ("prefix=a%2Fb&list-type=2", "list-type=2&prefix=a%2Fb"),
    ]

    @Test("queries are decoded, re-encoded and sorted", arguments: queries)
    func query(_ wire: String, _ canonical: String) {
        #expect(CanonicalRequest.canonicalQuery(wire) == canonical)
    }

    @Test("presigned queries leave out only X-Amz-Signature")
    func presignedQuery() {
        #expect(
            CanonicalRequest.canonicalQuery("X-Amz-Signature=abc&X-Amz-Date=1&a=b", location: .presigned)
                == "X-Amz-Date=1&a=b")
        #expect(CanonicalRequest.canonicalQuery("X-Amz-Signature=abc&a=b") == "X-Amz-Signature=abc&a=b")
    }

    @Test("the signer's output verifies, and a changed header value does not")
    func signThenVerify() throws {
        var request = SigV4Request(
            method: "POST", rawPath: "/", rawQuery: "",
            headers: [
                HeaderField("Host", "dynamodb.eu-west-1.amazonaws.com"),
                HeaderField("X-Amz-Target", "DynamoDB_20120810.GetItem"),
                HeaderField("Content-Type", "application/x-amz-json-1.0"),
            ])
        let body = Array(#"{"TableName":"t"}"#.utf8)
        let signer = SigV4Signer(accessKeyID: "AKIASP2TPHJSQH3FJRUX", secretAccessKey: "secret", sessionToken: "token")
        try signer.sign(
            &request, region: "eu-west-1", service: "dynamodb",
            timestamp: AmzTimestamp(secondsSinceEpoch: 1_768_480_496),
            payloadHash: PayloadHash.sha256Hex(of: body))
        let credential = try sigV4Credential(request)
        #expect(credential.hasSessionToken)
        #expect(
            try SigV4Verifier.verify(request, credential: credential, secretAccessKey: "secret", body: body)
                == .verified)
        request.headers[1].value = "DynamoDB_20120810.DeleteItem"
        #expect(throws: SigV4Error(.signatureMismatch)) {
            try SigV4Verifier.verify(request, credential: credential, secretAccessKey: "secret", body: body)
        }
    }
}
