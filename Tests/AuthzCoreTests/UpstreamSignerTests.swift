import OracleVectors
import Policy
import SigV4
import Testing

@testable import AuthzCore

/// Signing brokered requests again: botocore's signer is the oracle (Vectors/resign.json, from
/// scripts/generate-resign-vectors.py); the refusals are a table.
@Suite struct UpstreamSignerTests {
    static let file = ResignFile.committed()

    static func seconds(_ text: String) -> Int64 {
        AmzTimestamp(iso8601Basic: Substring(text))?.secondsSinceEpoch ?? 0
    }

    static var role: SigningCredentials {
        let keys = file?.role
        return SigningCredentials(
            accessKeyID: keys?.access_key_id ?? "", secretAccessKey: keys?.secret_access_key ?? "",
            sessionToken: keys?.session_token, expiration: seconds(file?.resign_time ?? "") + 3600)
    }

    static func request(_ vector: ResignVector) -> SigV4Request {
        SigV4Request(
            method: vector.method, rawPath: vector.path, rawQuery: vector.query,
            headers: vector.headers.compactMap { $0.count == 2 ? HeaderField($0[0], $0[1]) : nil })
    }

    static func credential(_ request: SigV4Request) -> SigV4Credential? {
        if case .sigV4(let credential) = try? RequestAuthentication(parsing: request) { return credential }
        return nil
    }

    struct Refused: Error { var decision: Decision }

    static func signed(_ outcome: UpstreamSigner.Outcome) throws -> UpstreamRewrite {
        switch outcome {
        case .signed(let rewrite): return rewrite
        case .refused(let decision): throw Refused(decision: decision)
        }
    }

    @Test func theVectorFileIsThere() throws {
        let file = try #require(Self.file)
        #expect(file.vectors.count >= 17)
        #expect(file.vectors.filter { $0.expected_query != nil }.count >= 2)
        #expect(file.botocore_version == "1.43.11")
    }

    @Test(arguments: file?.vectors ?? [])
    func matchesBotocore(_ vector: ResignVector) throws {
        let request = Self.request(vector)
        let credential = Self.credential(request)
        #expect((credential != nil) == vector.client_signed)
        if let credential, let file = Self.file {
            // The client's own signature is botocore's: the request is what the decision verified.
            let verified = try SigV4Verifier.verify(
                request, credential: credential, secretAccessKey: file.client.secret_access_key, body: vector.body)
            guard case .verified = verified else {
                Issue.record("the client's signature does not verify: \(verified)")
                return
            }
        }
        let result = UpstreamSigner.rewrite(
            request, body: RequestBody(vector.body), credential: credential, region: vector.region,
            service: vector.service, credentials: Self.role, roleARN: Self.file?.role.arn ?? "",
            expectedBucketOwner: vector.expected_bucket_owner, now: Self.seconds(Self.file?.resign_time ?? ""),
            canRewriteQuery: true)
        let rewrite = try Self.signed(result)
        let set = rewrite.setHeaders.map { [$0.name.lowercased(), $0.value] }.sorted { $0[0] < $1[0] }
        #expect(set == vector.expected)
        let query = rewrite.setQueryParameters.map { [$0.name, $0.value] }.sorted { $0[0] < $1[0] }
        #expect(query == (vector.expected_query ?? []))
        #expect(rewrite.removeHeaders.isEmpty)
        #expect(rewrite.roleARN == "arn:aws:iam::123456789012:role/egress")
    }

    /// The new signature verifies with the role's secret, and the client's does not survive.
    @Test(arguments: file?.vectors ?? [])
    func theUpstreamRequestVerifiesWithTheRolesSecret(_ vector: ResignVector) throws {
        let request = Self.request(vector)
        let rewrite = try Self.signed(
            UpstreamSigner.rewrite(
                request, body: RequestBody(vector.body), credential: Self.credential(request), region: vector.region,
                service: vector.service, credentials: Self.role, roleARN: "r",
                expectedBucketOwner: vector.expected_bucket_owner, now: Self.seconds(Self.file?.resign_time ?? ""),
                canRewriteQuery: true))
        var upstream = request
        let replaced = Set(rewrite.setHeaders.map { $0.name.lowercased() })
        upstream.headers.removeAll { replaced.contains($0.name.lowercased()) }
        upstream.headers.append(contentsOf: rewrite.setHeaders)
        // The query as Envoy rewrites it: parameters set replace those of the same name.
        if !rewrite.setQueryParameters.isEmpty {
            let names = Set(rewrite.setQueryParameters.map(\.name) + rewrite.removeQueryParameters)
            let kept = request.rawQuery.split(separator: "&").filter {
                !names.contains(String($0.split(separator: "=", maxSplits: 1)[0]))
            }.map(String.init)
            upstream.rawQuery = (kept + rewrite.setQueryParameters.map { "\($0.name)=\($0.value)" }).joined(
                separator: "&")
        }
        guard case .sigV4(let credential) = try RequestAuthentication(parsing: upstream) else {
            Issue.record("the upstream request is not signed")
            return
        }
        #expect(credential.accessKeyID == Substring(Self.role.accessKeyID))
        #expect(credential.hasSessionToken)
        let verified = try SigV4Verifier.verify(
            upstream, credential: credential, secretAccessKey: Self.role.secretAccessKey, body: vector.body)
        guard case .verified = verified else {
            Issue.record("the new signature does not verify: \(verified)")
            return
        }
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var name: String
        var method = "PUT"
        var target = "/bucket/key"
        var headers: [(String, String)]
        var body = RequestBody.absent
        var service = "s3"
        var presigned = false
        var reason: ReasonCode
        var sentence: String
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(
            name: "signed aws-chunked upload",
            headers: [
                ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"), ("content-encoding", "aws-chunked"),
                ("x-amz-decoded-content-length", "5"),
            ], reason: .notResignable, sentence: "chunkedEncodingEnabled(false)"),
        Refusal(
            name: "signed aws-chunked upload with a trailer",
            headers: [("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")],
            reason: .notResignable, sentence: "cannot be signed again"),
        Refusal(
            name: "SigV4a chunked upload",
            headers: [("x-amz-content-sha256", "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD")],
            reason: .notResignable, sentence: "chunk signatures"),
        Refusal(
            name: "DynamoDB body not passed", method: "POST", target: "/",
            headers: [("x-amz-target", "DynamoDB_20120810.GetItem"), ("content-length", "40")], service: "dynamodb",
            reason: .notResignable, sentence: "needs its whole body"),
        Refusal(
            name: "DynamoDB body truncated", method: "POST", target: "/",
            headers: [("x-amz-target", "DynamoDB_20120810.GetItem"), ("content-length", "40")], body: .truncated,
            service: "dynamodb", reason: .notResignable, sentence: "needs its whole body"),
        Refusal(
            name: "chunked body not passed", method: "POST", target: "/",
            headers: [("transfer-encoding", "chunked")], service: "sqs", reason: .notResignable,
            sentence: "needs its whole body"),
        Refusal(
            name: "presigned URL", method: "GET", headers: [], presigned: true, reason: .notResignable,
            sentence: "presigned URL"),
        Refusal(
            name: "two payload hashes",
            headers: [("x-amz-content-sha256", "UNSIGNED-PAYLOAD"), ("x-amz-content-sha256", "UNSIGNED-PAYLOAD")],
            reason: .malformedCredentials, sentence: "more than one x-amz-content-sha256"),
    ]

    @Test(arguments: refusals)
    func refuses(_ refusal: Refusal) throws {
        let client = SigV4Signer(accessKeyID: "AKIARZPUZDIKGWNFC7AD", secretAccessKey: "secret")
        var request = SigV4Request(
            method: refusal.method, requestTarget: refusal.target,
            headers: [HeaderField("host", "bucket.s3.eu-west-1.amazonaws.com")]
                + refusal.headers.map { HeaderField($0.0, $0.1) })
        let timestamp = AmzTimestamp(secondsSinceEpoch: 1_773_480_413)
        let credential: SigV4Credential?
        if refusal.presigned {
            request = SigV4Request(
                method: "GET",
                requestTarget:
                    "/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIARZPUZDIKGWNFC7AD%2F20260314%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date=20260314T092653Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=\(String(repeating: "a", count: 64))",
                headers: [HeaderField("host", "bucket.s3.eu-west-1.amazonaws.com")])
            credential = Self.credential(request)
        } else if refusal.headers.filter({ $0.0 == "x-amz-content-sha256" }).count > 1 {
            // The signer would replace the duplicates: sign a copy, keep both on the request.
            var signedCopy = request
            signedCopy.headers.removeAll { $0.name == "x-amz-content-sha256" }
            try client.sign(
                &signedCopy, region: "eu-west-1", service: refusal.service, timestamp: timestamp,
                payloadHash: "UNSIGNED-PAYLOAD")
            request.headers += signedCopy.headers.filter { $0.name == "Authorization" || $0.name == "X-Amz-Date" }
            credential = Self.credential(request)
        } else {
            let hash = request.firstHeaderValue("x-amz-content-sha256") ?? emptyPayloadSHA256
            if refusal.service == "s3" { request.headers.removeAll { $0.name == "x-amz-content-sha256" } }
            try client.sign(
                &request, region: "eu-west-1", service: refusal.service, timestamp: timestamp, payloadHash: hash)
            credential = Self.credential(request)
        }
        #expect(credential != nil)
        let result = UpstreamSigner.rewrite(
            request, body: refusal.body, credential: credential, region: "eu-west-1", service: refusal.service,
            credentials: Self.role, roleARN: "r", expectedBucketOwner: "123456789012", now: 1_773_480_425)
        guard case .refused(let decision) = result else {
            Issue.record("signed again: \(result)")
            return
        }
        #expect(decision.reason == refusal.reason)
        #expect(decision.message.contains(refusal.sentence), "\(decision.message)")
    }

    @Test func theClientsSessionTokenIsRemovedWhenTheNewCredentialsHaveNone() throws {
        var request = SigV4Request(
            method: "GET", requestTarget: "/",
            headers: [
                HeaderField("host", "sts.eu-west-1.amazonaws.com"), HeaderField("X-Amz-Security-Token", "client"),
            ])
        try SigV4Signer(accessKeyID: "AKIARZPUZDIKGWNFC7AD", secretAccessKey: "s").sign(
            &request, region: "eu-west-1", service: "sts", timestamp: AmzTimestamp(secondsSinceEpoch: 1_773_480_413),
            payloadHash: emptyPayloadSHA256)
        let longTerm = SigningCredentials(accessKeyID: "AKIAV7S32T2OSBFJQOIY", secretAccessKey: "role")
        let rewrite = try Self.signed(
            UpstreamSigner.rewrite(
                request, body: .absent, credential: Self.credential(request), region: "eu-west-1", service: "sts",
                credentials: longTerm, roleARN: "r", expectedBucketOwner: nil, now: 1_773_480_425
            ))
        #expect(rewrite.removeHeaders == ["x-amz-security-token"])
        #expect(!rewrite.setHeaders.contains { $0.name.lowercased() == "x-amz-security-token" })
        // The client's token is not among the signed headers.
        let authorization = try #require(rewrite.setHeaders.first { $0.name == "Authorization" })
        #expect(authorization.value.contains("SignedHeaders=host;x-amz-date,"))
    }

    @Test func theRewriteNeverNamesTheClientsSignature() throws {
        let file = try #require(Self.file)
        for vector in file.vectors where vector.client_signed {
            let request = Self.request(vector)
            let credential = try #require(Self.credential(request))
            let rewrite = try Self.signed(
                UpstreamSigner.rewrite(
                    request, body: RequestBody(vector.body), credential: credential, region: vector.region,
                    service: vector.service, credentials: Self.role, roleARN: "r", expectedBucketOwner: nil,
                    now: Self.seconds(file.resign_time), canRewriteQuery: true
                ))
            #expect(!rewrite.setHeaders.contains { $0.value.contains(String(credential.signature)) })
            #expect(!rewrite.setHeaders.contains { $0.value.contains(file.client.access_key_id) })
            #expect(!rewrite.setQueryParameters.contains { $0.value.contains(String(credential.signature)) })
            #expect(!rewrite.setQueryParameters.contains { $0.value.contains(file.client.access_key_id) })
        }
    }
}
