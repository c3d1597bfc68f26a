import SigV4
import Testing

/// The worked examples of the Amazon S3 API Reference ("Signature Calculations for the
/// Authorization Header", "Authenticating Requests: Using Query Parameters" and "Transferring
/// Payload in Multiple Chunks"), with the signatures AWS publishes there.
@Suite("S3 documentation examples")
struct S3DocumentationExampleTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    static let may24 = AmzTimestamp(iso8601Basic: "20130524T000000Z")?.secondsSinceEpoch ?? 0

    struct Example: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var target: String
        var headers: [(String, String)]
        var signedHeaders: String
        var signature: String
    }

    static let examples: [Example] = [
        Example(
            testDescription: "GET Object with Range", target: "/test.txt",
            headers: [("Range", "bytes=0-9"), ("x-amz-content-sha256", emptyHash)],
            signedHeaders: "host;range;x-amz-content-sha256;x-amz-date",
            signature: "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
        Example(
            testDescription: "PUT Object test$file.text", target: "/test%24file.text",
            headers: [
                ("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
                ("x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"),
            ],
            signedHeaders: "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
            signature: "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"),
        Example(
            testDescription: "PUT Object with the $ unencoded on the wire", target: "/test$file.text",
            headers: [
                ("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
                ("x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"),
            ],
            signedHeaders: "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
            signature: "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"),
        Example(
            testDescription: "GET Bucket Lifecycle", target: "/?lifecycle",
            headers: [("x-amz-content-sha256", emptyHash)],
            signedHeaders: "host;x-amz-content-sha256;x-amz-date",
            signature: "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
        Example(
            testDescription: "GET Bucket (List Objects)", target: "/?max-keys=2&prefix=J",
            headers: [("x-amz-content-sha256", emptyHash)],
            signedHeaders: "host;x-amz-content-sha256;x-amz-date",
            signature: "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
    ]

    @Test("header-signed examples verify", arguments: examples)
    func headerExamples(_ example: Example) throws {
        var headers = [
            HeaderField("Host", "examplebucket.s3.amazonaws.com"), HeaderField("x-amz-date", "20130524T000000Z"),
        ]
        headers += example.headers.map { HeaderField($0.0, $0.1) }
        headers.append(
            HeaderField(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=\(example.signedHeaders),Signature=\(example.signature)"
            ))
        let request = SigV4Request(
            method: example.testDescription.hasPrefix("PUT") ? "PUT" : "GET", requestTarget: example.target,
            headers: headers)
        let credential = try sigV4Credential(request)
        try credential.checkTime(now: Self.may24, maxClockSkew: 900)
        try SignedHeaderPolicy.check(credential, request: request, rules: .s3)
        #expect(
            try SigV4Verifier.verify(request, credential: credential, secretAccessKey: Self.secret, body: nil)
                == .verified)
        // The body is irrelevant for S3: the payload hash is the header's value.
        #expect(
            try SigV4Verifier.verify(request, credential: credential, secretAccessKey: Self.secret, body: [1, 2, 3])
                == .verified)
    }

    @Test("the presigned GET example verifies and expires after 86400 seconds")
    func presignedExample() throws {
        let target =
            "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
        let request = SigV4Request(
            method: "GET", requestTarget: target, headers: [HeaderField("Host", "examplebucket.s3.amazonaws.com")])
        let credential = try sigV4Credential(request)
        #expect(credential.location == .presigned)
        #expect(credential.expires == 86_400)
        try SignedHeaderPolicy.check(credential, request: request, rules: .s3)
        #expect(
            try SigV4Verifier.verify(request, credential: credential, secretAccessKey: Self.secret, body: nil)
                == .verified)
        try credential.checkTime(now: Self.may24 + 86_400, maxClockSkew: 900)
        #expect(throws: SigV4Error(.requestExpired)) {
            try credential.checkTime(now: Self.may24 + 86_401, maxClockSkew: 900)
        }
        #expect(throws: SigV4Error(.requestNotYetValid)) {
            try credential.checkTime(now: Self.may24 - 901, maxClockSkew: 900)
        }
    }

    @Test("the chunked upload example: seed signature, then each chunk chains from the last")
    func chunkedUploadExample() throws {
        let request = SigV4Request(
            method: "PUT", requestTarget: "/examplebucket/chunkObject.txt",
            headers: [
                HeaderField("Host", "s3.amazonaws.com"), HeaderField("x-amz-date", "20130524T000000Z"),
                HeaderField("x-amz-storage-class", "REDUCED_REDUNDANCY"),
                HeaderField(
                    "Authorization",
                    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
                ),
                HeaderField("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
                HeaderField("Content-Encoding", "aws-chunked"), HeaderField("x-amz-decoded-content-length", "66560"),
                HeaderField("Content-Length", "66824"),
            ])
        let credential = try sigV4Credential(request)
        #expect(
            try SigV4Verifier.verify(request, credential: credential, secretAccessKey: Self.secret, body: nil)
                == .verified)

        let key = SigningKey(secretAccessKey: Self.secret, date: "20130524", region: "us-east-1", service: "s3")
        var chain = ChunkSignatureChain(
            seedSignature: credential.signature, key: key, timestamp: credential.timestamp.iso8601Basic,
            scope: credential.scope.string)
        try chain.verifyNext(
            chunk: [UInt8](repeating: 0x61, count: 65_536),
            signature: "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648")
        let afterFirst = chain
        try chain.verifyNext(
            chunk: [UInt8](repeating: 0x61, count: 1_024),
            signature: "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497")
        try chain.verifyNext(chunk: [], signature: "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9")

        // Out of order, altered data, or a malformed signature all break the chain.
        var replay = afterFirst
        #expect(throws: SigV4Error(.malformedChunk)) {
            try replay.verifyNext(
                chunk: [], signature: "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9")
        }
        var altered = afterFirst
        var data = [UInt8](repeating: 0x61, count: 1_024)
        data[10] = 0x62
        #expect(throws: SigV4Error(.malformedChunk)) {
            try altered.verifyNext(
                chunk: data, signature: "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497")
        }
        #expect(throws: SigV4Error(.malformedChunk)) {
            try altered.verifyNext(
                chunk: [], signature: "0055627C9E194CB4542BAE2AA5492E3C1575BBB81B612B7D234B86A503EF5497")
        }
    }
}
