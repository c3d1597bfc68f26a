import AuthzCore
import PolicyTesting
import SigV4
import Testing

/// The request building `check` and `test` share.
@Suite struct RequestInputTests {
    @Test(
        "a raw request: method, host, target, headers and body",
        arguments: [
            (
                "GET /b/k?x=1 HTTP/1.1\r\nHost: s3.amazonaws.com\r\nX-A: 1\r\n\r\n", "GET", "s3.amazonaws.com",
                "/b/k?x=1", 2, nil
            ),
            ("PUT / HTTP/1.1\nhost: h\n\nbody", "PUT", "h", "/", 1, "body"),
            ("POST / HTTP/1.1\r\nHost: h\r\n\r\na\r\n\r\nb", "POST", "h", "/", 1, "a\r\n\r\nb"),
        ] as [(String, String, String, String, Int, String?)])
    func raw(text: String, method: String, host: String, target: String, headers: Int, body: String?) throws {
        let request = try RequestInput.raw(Array(text.utf8))
        #expect(request.method == method)
        #expect(request.host == host)
        #expect(request.target == target)
        #expect(request.headers.count == headers)
        #expect(request.body == RequestBody(body.map { Array($0.utf8) }))
    }

    @Test(
        "a raw request that cannot be read says why",
        arguments: [
            ("", "the request is empty"),
            ("GET /\r\nHost: h\r\n\r\n", "the first line must be 'METHOD /target HTTP/1.1'"),
            ("GET / HTTP/1.1\r\nno colon\r\n\r\n", "'no colon' is not a header line"),
            ("GET / HTTP/1.1\r\nX-A: 1\r\n\r\n", "the request has no Host header"),
        ])
    func rawProblem(text: String, message: String) {
        #expect(throws: RequestInputError(message)) { try RequestInput.raw(Array(text.utf8)) }
    }

    @Test(
        "a URL's authority and target",
        arguments: [
            ("https://s3.amazonaws.com/b/k%20x?list-type=2", "s3.amazonaws.com", "/b/k%20x?list-type=2"),
            ("http://127.0.0.1:9000", "127.0.0.1:9000", "/"),
            ("https://h/a/../b", "h", "/a/../b"),
        ])
    func split(url: String, authority: String, target: String) throws {
        let parts = try RequestInput.split(url: url)
        #expect(parts.authority == authority)
        #expect(parts.target == target)
    }

    @Test(arguments: ["/b/k", "s3.amazonaws.com/b", "https:///b", ""])
    func notAnAbsoluteURL(url: String) {
        #expect(throws: RequestInputError.self) { try RequestInput.split(url: url) }
    }

    @Test func aSignedRequestVerifiesWithItsSecret() throws {
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
        let request = try RequestInput.signed(
            method: "PUT", url: "https://s3.eu-west-1.amazonaws.com/b/k?tagging", headers: [HeaderField("X-A", "1")],
            body: Array("<Tagging/>".utf8),
            signer: SigV4Signer(accessKeyID: "AKIASP2TPHJSQH3FJRUX", secretAccessKey: secret), region: "eu-west-1",
            service: "s3", time: 1_767_225_600)
        #expect(request.host == "s3.eu-west-1.amazonaws.com")
        #expect(request.target == "/b/k?tagging")
        #expect(!request.headers.contains { $0.hasName("host") })
        let authorization = try #require(request.headers.first { $0.hasName("authorization") }?.value)
        #expect(
            authorization.hasPrefix(
                "AWS4-HMAC-SHA256 Credential=AKIASP2TPHJSQH3FJRUX/20260101/eu-west-1/s3/aws4_request"))
        #expect(request.headers.contains { $0.hasName("x-amz-date") && $0.value == "20260101T000000Z" })
        #expect(request.body == .complete(Array("<Tagging/>".utf8)))
        let unknownBody = try RequestInput.signed(
            method: "GET", url: "https://s3.amazonaws.com/b", headers: [], body: nil,
            signer: SigV4Signer(accessKeyID: "AKIASP2TPHJSQH3FJRUX", secretAccessKey: secret), region: "us-east-1",
            service: "s3", time: 1_767_225_600)
        #expect(unknownBody.body == .absent)
    }
}
