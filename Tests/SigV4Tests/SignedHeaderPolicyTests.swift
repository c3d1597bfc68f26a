import SigV4
import Testing

@Suite("Signed-header policy")
struct SignedHeaderPolicyTests {
    static let signature = String(repeating: "ab", count: 32)

    static func request(service: String = "s3", signed: String, headers: [(String, String)]) -> SigV4Request {
        SigV4Request(
            method: "PUT", rawPath: "/b/k", rawQuery: "",
            headers: headers.map { HeaderField($0.0, $0.1) } + [
                HeaderField(
                    "Authorization",
                    "AWS4-HMAC-SHA256 Credential=AKIASP2TPHJSQH3FJRUX/20260115/us-east-1/\(service)/aws4_request, SignedHeaders=\(signed), Signature=\(signature)"
                )
            ])
    }

    static let base = [
        ("Host", "s3.amazonaws.com"), ("X-Amz-Date", "20260115T120000Z"), ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),
    ]

    static let cases: [(String, SigV4Request, SigV4Error.Code?)] = [
        ("all signed", request(signed: "host;x-amz-content-sha256;x-amz-date", headers: base), nil),
        ("content sha unsigned is allowed for S3", request(signed: "host;x-amz-date", headers: base), nil),
        ("host not signed", request(signed: "x-amz-content-sha256;x-amz-date", headers: base), .hostNotSigned),
        ("x-amz-date not signed", request(signed: "host;x-amz-content-sha256", headers: base), .dateNotSigned),
        (
            "Date not signed when it carries the time",
            request(
                signed: "host;x-amz-content-sha256",
                headers: [base[0], ("Date", "Thu, 15 Jan 2026 12:00:00 GMT"), base[2]]),
            .dateNotSigned
        ),
        (
            "signed header absent", request(signed: "host;range;x-amz-content-sha256;x-amz-date", headers: base),
            .signedHeaderMissing
        ),
        (
            "S3 unsigned x-amz-copy-source",
            request(
                signed: "host;x-amz-content-sha256;x-amz-date", headers: base + [("x-amz-copy-source", "/other/secret")]
            ),
            .unsignedAmzHeader
        ),
        (
            "S3 unsigned x-amz-security-token",
            request(signed: "host;x-amz-content-sha256;x-amz-date", headers: base + [("X-Amz-Security-Token", "t")]),
            .unsignedAmzHeader
        ),
        (
            "non-S3 unsigned x-amz-* is allowed (post-sts-header-after)",
            request(service: "sts", signed: "host;x-amz-date", headers: base + [("X-Amz-Security-Token", "t")]), nil
        ),
        (
            "S3 x-amz-* header whose name is a prefix of a signed one",
            request(signed: "host;x-amz-content-sha256;x-amz-date", headers: base + [("X-Amz-Dat", "1")]),
            .unsignedAmzHeader
        ),
        (
            "S3 x-amz-* header whose name extends a signed one",
            request(signed: "host;x-amz-content-sha256;x-amz-date", headers: base + [("x-amz-date-2", "1")]),
            .unsignedAmzHeader
        ),
        (
            "S3 signed x-amz-* header in another letter case",
            request(
                signed: "host;x-amz-content-sha256;x-amz-date;x-amz-meta-a",
                headers: base + [("X-AMZ-META-A", "1")]), nil
        ),
        (
            "x-amzn-trace-id is not x-amz-*",
            request(signed: "host;x-amz-content-sha256;x-amz-date", headers: base + [("X-Amzn-Trace-Id", "Root=1")]),
            nil
        ),
    ]

    @Test("signed-header rules", arguments: cases)
    func policy(_ name: String, _ request: SigV4Request, _ code: SigV4Error.Code?) throws {
        let credential = try sigV4Credential(request)
        let error = sigV4Error { () throws(SigV4Error) in
            try SignedHeaderPolicy.check(
                credential, request: request, rules: CanonicalizationRules(signingName: credential.scope.service))
        }
        #expect(error?.code == code, "\(name): \(String(describing: error))")
    }

    @Test(
        "S3-family signing names",
        arguments: [
            ("s3", true), ("s3-object-lambda", true), ("s3-outposts", true), ("s3express", true), ("s3control", false),
            ("sts", false), ("execute-api", false),
        ])
    func families(_ name: String, _ isS3: Bool) {
        #expect((CanonicalizationRules(signingName: name) == .s3) == isS3)
    }

    @Test("payload hash: S3 header requests need x-amz-content-sha256, and it must be well formed")
    func payloadHash() throws {
        let missing = Self.request(signed: "host;x-amz-date", headers: [Self.base[0], Self.base[1]])
        let credential = try sigV4Credential(missing)
        #expect(throws: SigV4Error(.missingContentSHA256)) {
            try PayloadHash.resolve(request: missing, credential: credential, rules: .s3, body: nil)
        }
        let bad = Self.request(
            signed: "host;x-amz-date", headers: [Self.base[0], Self.base[1], ("x-amz-content-sha256", "ABC")])
        #expect(throws: SigV4Error(.malformedContentSHA256)) {
            try PayloadHash.resolve(request: bad, credential: try sigV4Credential(bad), rules: .s3, body: nil)
        }
        let twice = Self.request(
            signed: "host;x-amz-date", headers: Self.base + [("x-amz-content-sha256", "UNSIGNED-PAYLOAD")])
        #expect(throws: SigV4Error(.malformedContentSHA256)) {
            try PayloadHash.resolve(request: twice, credential: try sigV4Credential(twice), rules: .s3, body: nil)
        }
        #expect(try PayloadHash.resolve(request: missing, credential: credential, rules: .standard, body: nil) == nil)
        #expect(
            try PayloadHash.resolve(request: missing, credential: credential, rules: .standard, body: [])
                == emptyPayloadSHA256)
    }
}
