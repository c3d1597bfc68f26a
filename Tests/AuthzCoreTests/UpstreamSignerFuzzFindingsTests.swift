import Policy
import SigV4
import Testing

@testable import AuthzCore

/// What fuzzing UpstreamSigner found (Fuzz/Sources/FuzzUpstreamSigner): an unsigned request with an
/// `x-amz-*` header whose name is not an HTTP token (`x-amz-a/b`) is signed again, and the new
/// Authorization header names it in SignedHeaders, which sigv4-authz's own parser (and AWS) refuse.
/// Unreachable through Envoy, nginx and Squid (they refuse such names); the signer refuses them.
@Suite("Fuzz findings: UpstreamSigner")
struct UpstreamSignerFuzzFindingsTests {
    @Test("a header name that is not a token is not signed into an unreadable Authorization header")
    func nonTokenHeaderName() throws {
        let request = SigV4Request(
            method: "GET", requestTarget: "/bucket/key",
            headers: [HeaderField("host", "bucket.s3.eu-west-1.amazonaws.com"), HeaderField("x-amz-a/b", "1")])
        let role = SigningCredentials(
            accessKeyID: "ASIAROLEEXAMPLE00001", secretAccessKey: "role-secret", sessionToken: "role-token",
            expiration: 1_773_484_000)
        let outcome = UpstreamSigner.rewrite(
            request, body: .absent, credential: nil, region: "eu-west-1", service: "s3", credentials: role,
            roleARN: "r", expectedBucketOwner: nil, now: 1_773_480_425)
        // Refused: such a name cannot be signed.
        #expect(outcome.refusal?.reason == .ambiguousRequest)
        #expect(outcome.refusal?.message.contains("x-amz-a/b") == true)
    }
}

extension UpstreamSignerFuzzFindingsTests {
    /// A presigned URL whose client also sent `X-Amz-Security-Token` as a header: the rewrite signs the
    /// query again with the role's credentials and leaves the client's header (and its token) in place;
    /// the header-signed rewrite replaces or removes it.
    @Test("a presigned rewrite does not leave the client's X-Amz-Security-Token header")
    func presignedKeepsTheClientsTokenHeader() throws {
        let client = SigV4Signer(accessKeyID: "AKIACLIENTEXAMPLE001", secretAccessKey: "client-secret")
        var request = SigV4Request(
            method: "GET", requestTarget: "/bucket/key",
            headers: [
                HeaderField("host", "bucket.s3.eu-west-1.amazonaws.com"),
                HeaderField("X-Amz-Security-Token", "client-session-token"),
            ])
        let parameters = try client.presign(
            request, region: "eu-west-1", service: "s3", timestamp: AmzTimestamp(secondsSinceEpoch: 1_773_480_413),
            expires: 300, payloadHash: "UNSIGNED-PAYLOAD")
        request.rawQuery = parameters.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        guard case .sigV4(let credential) = try RequestAuthentication(parsing: request) else {
            Issue.record("the client's request is not presigned")
            return
        }
        let role = SigningCredentials(
            accessKeyID: "ASIAROLEEXAMPLE00001", secretAccessKey: "role-secret", sessionToken: "role-token",
            expiration: 1_773_484_000)
        let outcome = UpstreamSigner.rewrite(
            request, body: .absent, credential: credential, region: "eu-west-1", service: "s3", credentials: role,
            roleARN: "r", expectedBucketOwner: nil, now: 1_773_480_425, canRewriteQuery: true)
        let rewrite = try #require(outcome.rewrite)
        // The request as the proxy sends it: headers set replace those of the same name, removed ones go.
        var upstream = request
        let replaced = Set(rewrite.setHeaders.map { $0.name.lowercased() } + rewrite.removeHeaders)
        upstream.headers.removeAll { replaced.contains($0.name.lowercased()) }
        upstream.headers += rewrite.setHeaders
        #expect(!upstream.headers.contains { $0.value == "client-session-token" })
    }
}
