import OracleVectors
import SigV4
import Testing

/// SigV4a requests signed by the AWS CRT (`scripts/generate-sigv4a-vectors.py`, awscrt via botocore):
/// the key pair derived here from the secret must verify AWS's own randomized ECDSA signatures.
@Suite("SigV4a (AWS CRT oracle vectors)")
struct SigV4aVectorTests {
    static let vectors = CommittedVectors.oracle("sigv4a")

    @Test("the vector file is present")
    func vectorFileIsPresent() {
        #expect(Self.vectors.count >= 10)
        #expect(Self.vectors.contains { $0.auth == "presigned" })
    }

    @Test("the derived key, canonical request and signature match the CRT", arguments: vectors)
    func matchesCRT(_ vector: OracleVector) throws {
        let request = vector.wire.sigV4Request
        let credential = try sigV4Credential(request)
        #expect(credential.algorithm == .ecdsaP256SHA256)
        #expect(credential.scope.region.isEmpty)
        #expect(credential.regionSet.joined(separator: ",") == (vector.region_set ?? ""))
        #expect(credential.signedHeaders == Substring(vector.expected.signed_headers))
        try credential.checkTime(now: vector.signingSeconds, maxClockSkew: 900)
        try SignedHeaderPolicy.check(
            credential, request: request, rules: CanonicalizationRules(signingName: credential.scope.service))

        let key = try #require(
            SigV4aSigningKey(accessKeyID: vector.access_key_id, secretAccessKey: vector.secret_access_key))
        if let publicKey = vector.expected.public_key {
            #expect(key.publicKeyHex == publicKey)
        }
        let computed = try #require(
            try SigV4Verifier.stringToSign(request, credential: credential, body: vector.wire.body))
        if let canonical = vector.expected.canonical_request { #expect(computed.canonicalRequest.string == canonical) }
        if let sts = vector.expected.string_to_sign { #expect(computed.stringToSign == sts) }
        #expect(
            try SigV4Verifier.verify(
                request, credential: credential, secretAccessKey: vector.secret_access_key, body: vector.wire.body)
                == .verified)
        #expect(throws: SigV4Error(.signatureMismatch)) {
            try SigV4Verifier.verify(
                request, credential: credential, secretAccessKey: vector.secret_access_key + "x", body: vector.wire.body
            )
        }
    }

    @Test("a one-byte change anywhere signed fails", arguments: vectors)
    func negativesFail(_ vector: OracleVector) {
        #expect(!vector.negatives.isEmpty)
        for negative in vector.negatives {
            let error = verificationError(negative.wire, secret: vector.secret_access_key)
            // A changed payload marker (UNSIGNED-PAYLOAD → UNSIGNED-PAYLOAE) is refused before any
            // signature check; every other change must be a signature mismatch.
            let allowed: Set<SigV4Error.Code> =
                negative.field == "payload" ? [.signatureMismatch, .malformedContentSHA256] : [.signatureMismatch]
            #expect(
                error.map { allowed.contains($0.code) } == true,
                "\(vector.name)/\(negative.name): \(String(describing: error))")
        }
    }

    @Test("signing with the derived key round-trips, and signatures are randomized")
    func signAndVerify() throws {
        let key = try #require(SigV4aSigningKey(accessKeyID: "AKIASP2TPHJSQH3FJRUX", secretAccessKey: "secret"))
        let first = key.signature(for: "message")
        let second = key.signature(for: "message")
        #expect(first != second)
        #expect(key.isValidSignature(first, for: "message"))
        #expect(key.isValidSignature(second, for: "message"))
        #expect(!key.isValidSignature(first, for: "massage"))
        #expect(!key.isValidSignature("00", for: "message"))
    }
}
