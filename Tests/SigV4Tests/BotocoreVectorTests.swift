import Foundation
import OracleVectors
import SigV4
import Testing

/// Requests signed by botocore under a frozen clock (`scripts/generate-botocore-vectors.py`),
/// replayed from their wire form: botocore is the oracle, never this module's own output.
@Suite("botocore oracle vectors")
struct BotocoreVectorTests {
    static let vectors = CommittedVectors.oracle("botocore")

    @Test("the vector file is present and broad")
    func vectorFileIsPresent() {
        #expect(Self.vectors.count >= 30)
        #expect(Self.vectors.filter { $0.auth == "presigned" }.count >= 4)
        #expect(Self.vectors.reduce(0) { $0 + $1.negatives.count } >= 100)
    }

    @Test("canonical request, string to sign and signature match botocore", arguments: vectors)
    func matchesBotocore(_ vector: OracleVector) throws {
        let request = vector.wire.sigV4Request
        let credential = try sigV4Credential(request)
        #expect(credential.accessKeyID == Substring(vector.access_key_id))
        #expect(credential.scope.service == Substring(vector.service))
        #expect(credential.scope.region == Substring(vector.region ?? ""))
        #expect(credential.signedHeaders == Substring(vector.expected.signed_headers))
        #expect(credential.location.rawValue == vector.auth)
        #expect(credential.hasSessionToken == (vector.session_token != nil))
        #expect(credential.expires == vector.expires)
        try credential.checkTime(now: vector.signingSeconds, maxClockSkew: 900)

        let rules = CanonicalizationRules(signingName: credential.scope.service)
        try SignedHeaderPolicy.check(credential, request: request, rules: rules)

        let computed = try #require(
            try SigV4Verifier.stringToSign(request, credential: credential, body: vector.wire.body))
        #expect(computed.canonicalRequest.string == vector.expected.canonical_request)
        #expect(computed.stringToSign == vector.expected.string_to_sign)
        let verification = try SigV4Verifier.verify(
            request, credential: credential, secretAccessKey: vector.secret_access_key, body: vector.wire.body)
        #expect(verification == .verified)
    }

    @Test("without the body, only requests whose payload hash is in a header can be checked", arguments: vectors)
    func withoutBody(_ vector: OracleVector) throws {
        let request = vector.wire.sigV4Request
        let credential = try sigV4Credential(request)
        let result = try SigV4Verifier.verify(
            request, credential: credential, secretAccessKey: vector.secret_access_key, body: nil)
        let hashInHeader = request.headerValues("x-amz-content-sha256").count == 1
        let s3Presigned =
            CanonicalizationRules(signingName: credential.scope.service) == .s3 && vector.auth == "presigned"
        if hashInHeader || s3Presigned {
            #expect(result == .verified)
        } else {
            guard case .notChecked = result else {
                Issue.record("\(vector.name): a non-S3 request without its body must be not_checked, got \(result)")
                return
            }
        }
    }

    @Test("a one-byte change anywhere signed fails", arguments: vectors)
    func negativesFail(_ vector: OracleVector) throws {
        #expect(!vector.negatives.isEmpty)
        for negative in vector.negatives {
            let error = verificationError(negative.wire, secret: vector.secret_access_key)
            // A change to the date or scope date can also be caught before any HMAC, as a
            // scope/date mismatch; every other change must be a signature mismatch.
            let allowed: Set<SigV4Error.Code> =
                negative.field == "date" || negative.field == "scope"
                ? [.signatureMismatch, .scopeDateMismatch] : [.signatureMismatch]
            #expect(
                error.map { allowed.contains($0.code) } == true,
                "\(vector.name)/\(negative.name) (\(negative.field)): \(String(describing: error))")
        }
    }
}
