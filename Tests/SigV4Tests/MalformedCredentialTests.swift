import Foundation
import SigV4
import Testing

/// Bad `Authorization` headers and presigned queries: each gets the right typed error, none crashes.
@Suite("Malformed credentials")
struct MalformedCredentialTests {
    static let credential = "Credential=AKIASP2TPHJSQH3FJRUX/20260115/us-east-1/s3/aws4_request"
    static let signedHeaders = "SignedHeaders=host;x-amz-content-sha256;x-amz-date"
    static let signature = "Signature=" + String(repeating: "ab", count: 32)
    static let valid = "AWS4-HMAC-SHA256 \(credential), \(signedHeaders), \(signature)"
    static let baseHeaders = [
        HeaderField("Host", "s3.us-east-1.amazonaws.com"), HeaderField("X-Amz-Date", "20260115T123456Z"),
        HeaderField("X-Amz-Content-SHA256", emptyPayloadSHA256),
    ]

    struct Case: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var request: SigV4Request
        var code: SigV4Error.Code
    }

    static func header(_ name: String, _ authorization: String, _ code: SigV4Error.Code) -> Case {
        Case(
            testDescription: name,
            request: SigV4Request(
                method: "GET", rawPath: "/b/k", rawQuery: "",
                headers: baseHeaders + [HeaderField("Authorization", authorization)]),
            code: code)
    }

    static func headers(_ name: String, _ headers: [HeaderField], _ code: SigV4Error.Code) -> Case {
        Case(
            testDescription: name,
            request: SigV4Request(method: "GET", rawPath: "/b/k", rawQuery: "", headers: headers),
            code: code)
    }

    static let presignedBase = [
        "X-Amz-Algorithm=AWS4-HMAC-SHA256",
        "X-Amz-Credential=AKIASP2TPHJSQH3FJRUX%2F20260115%2Fus-east-1%2Fs3%2Faws4_request",
        "X-Amz-Date=20260115T123456Z", "X-Amz-Expires=900", "X-Amz-SignedHeaders=host",
        "X-Amz-Signature=" + String(repeating: "cd", count: 32),
    ]

    static func query(
        _ name: String, _ parameters: [String], _ code: SigV4Error.Code, headers: [HeaderField] = []
    ) -> Case {
        Case(
            testDescription: name,
            request: SigV4Request(
                method: "GET", rawPath: "/b/k", rawQuery: parameters.joined(separator: "&"),
                headers: [HeaderField("Host", "s3.us-east-1.amazonaws.com")] + headers),
            code: code)
    }

    static func replacing(_ name: String, with parameter: String) -> [String] {
        presignedBase.map { $0.hasPrefix(name + "=") ? parameter : $0 }
    }

    static let cases: [Case] = [
        header("empty", "", .malformedAuthorization),
        header("only spaces", "   ", .malformedAuthorization),
        header("algorithm only", "AWS4-HMAC-SHA256", .missingField),
        header("algorithm and a space", "AWS4-HMAC-SHA256   ", .missingField),
        header(
            "lower-case algorithm", valid.replacingOccurrences(of: "AWS4-HMAC-SHA256", with: "aws4-hmac-sha256"),
            .unsupportedAlgorithm),
        header(
            "SHA-1 algorithm", valid.replacingOccurrences(of: "AWS4-HMAC-SHA256", with: "AWS4-HMAC-SHA1"),
            .unsupportedAlgorithm),
        header("bearer token", "Bearer eyJhbGciOi", .unsupportedAlgorithm),
        header("basic auth", "Basic dXNlcjpwYXNz", .unsupportedAlgorithm),
        header("no signature", "AWS4-HMAC-SHA256 \(credential), \(signedHeaders)", .missingField),
        header("no credential", "AWS4-HMAC-SHA256 \(signedHeaders), \(signature)", .missingField),
        header("no signed headers", "AWS4-HMAC-SHA256 \(credential), \(signature)", .missingField),
        header(
            "credential twice", "AWS4-HMAC-SHA256 \(credential), \(credential), \(signedHeaders), \(signature)",
            .duplicateField),
        header("signature twice", "\(valid), \(signature)", .duplicateField),
        header("signed headers twice, different", "\(valid), SignedHeaders=host", .duplicateField),
        header(
            "double comma", "AWS4-HMAC-SHA256 \(credential),, \(signedHeaders), \(signature)", .malformedAuthorization),
        header("trailing comma", "\(valid),", .malformedAuthorization),
        header(
            "leading comma", "AWS4-HMAC-SHA256 ,\(credential), \(signedHeaders), \(signature)", .malformedAuthorization),
        header("empty credential value", "AWS4-HMAC-SHA256 Credential=, \(signedHeaders), \(signature)", .missingField),
        header(
            "field without =", "AWS4-HMAC-SHA256 Credential, \(signedHeaders), \(signature)", .malformedAuthorization),
        header(
            "lower-case field name", valid.replacingOccurrences(of: "Credential=", with: "credential="), .unknownField),
        header("extra field", "\(valid), Foo=bar", .unknownField),
        header(
            "4-part scope", valid.replacingOccurrences(of: "/us-east-1/s3/", with: "/us-east-1/"), .malformedCredential),
        header("6-part scope", valid.replacingOccurrences(of: "/s3/", with: "/s3/extra/"), .malformedCredential),
        header(
            "truncated credential",
            "AWS4-HMAC-SHA256 Credential=AKIASP2TPHJSQH3FJRUX/2026, \(signedHeaders), \(signature)",
            .malformedCredential),
        header(
            "truncated after the credential", "AWS4-HMAC-SHA256 Credential=AKIASP2TPHJSQH3FJRUX/2026", .missingField),
        header("truncated mid-field name", String(valid.prefix(90)), .malformedAuthorization),
        header(
            "wrong terminator", valid.replacingOccurrences(of: "aws4_request", with: "aws4_requests"), .malformedScope),
        header("7-digit date", valid.replacingOccurrences(of: "/20260115/", with: "/2026011/"), .malformedScope),
        header("month 13", valid.replacingOccurrences(of: "/20260115/", with: "/20261315/"), .malformedScope),
        header("upper-case region", valid.replacingOccurrences(of: "us-east-1", with: "US-EAST-1"), .malformedScope),
        header("empty service", valid.replacingOccurrences(of: "/s3/", with: "//"), .malformedScope),
        header("region with a dot", valid.replacingOccurrences(of: "us-east-1", with: "us.east-1"), .malformedScope),
        header(
            "lower-case access key",
            valid.replacingOccurrences(of: "AKIASP2TPHJSQH3FJRUX", with: "akiasp2tphjsqh3fjrux"), .malformedAccessKeyID),
        header(
            "empty access key", valid.replacingOccurrences(of: "AKIASP2TPHJSQH3FJRUX", with: ""), .malformedAccessKeyID),
        header("63-digit signature", valid.dropLast().description, .malformedSignature),
        header("65-digit signature", valid + "a", .malformedSignature),
        header("upper-case signature", valid.replacingOccurrences(of: "abab", with: "ABAB"), .malformedSignature),
        header("non-hex signature", valid.replacingOccurrences(of: "abab", with: "ghgh"), .malformedSignature),
        header("empty signed headers", "AWS4-HMAC-SHA256 \(credential), SignedHeaders=, \(signature)", .missingField),
        header(
            "unsorted signed headers", "AWS4-HMAC-SHA256 \(credential), SignedHeaders=x-amz-date;host, \(signature)",
            .malformedSignedHeaders),
        header(
            "repeated signed header",
            "AWS4-HMAC-SHA256 \(credential), SignedHeaders=host;host;x-amz-date, \(signature)", .malformedSignedHeaders),
        header(
            "upper-case signed header", "AWS4-HMAC-SHA256 \(credential), SignedHeaders=Host;x-amz-date, \(signature)",
            .malformedSignedHeaders),
        header(
            "empty signed header name", "AWS4-HMAC-SHA256 \(credential), SignedHeaders=host;;x-amz-date, \(signature)",
            .malformedSignedHeaders),
        header(
            "NUL byte", valid.replacingOccurrences(of: "Credential", with: "Cred\u{0}ential"), .malformedAuthorization),
        header(
            "newline inside", valid.replacingOccurrences(of: ", Signed", with: ",\nSigned"), .malformedAuthorization),
        header("non-ASCII", valid.replacingOccurrences(of: "AKIASP", with: "AKI\u{00C4}SP"), .malformedAuthorization),
        header("huge", valid + ", " + String(repeating: "A", count: 10_000), .malformedAuthorization),
        header(
            "scope date differs from X-Amz-Date", valid.replacingOccurrences(of: "/20260115/", with: "/20260114/"),
            .scopeDateMismatch),
        header(
            "SigV4a with a region in the scope",
            valid.replacingOccurrences(of: "AWS4-HMAC-SHA256", with: "AWS4-ECDSA-P256-SHA256"),
            .malformedCredential),
        header(
            "SigV4a without a region set",
            "AWS4-ECDSA-P256-SHA256 Credential=AKIASP2TPHJSQH3FJRUX/20260115/s3/aws4_request, \(signedHeaders), Signature=3045022100\(String(repeating: "ab", count: 30))",
            .malformedRegionSet),
        header("SigV2 without a colon", "AWS AKIASP2TPHJSQH3FJRUX", .malformedAuthorization),
        headers(
            "two Authorization headers",
            baseHeaders + [HeaderField("Authorization", valid), HeaderField("authorization", valid)],
            .multipleAuthorizationHeaders),
        headers("no date at all", [baseHeaders[0], baseHeaders[2], HeaderField("Authorization", valid)], .missingDate),
        headers(
            "ISO 8601 extended X-Amz-Date",
            [baseHeaders[0], HeaderField("X-Amz-Date", "2026-01-15T12:34:56Z"), HeaderField("Authorization", valid)],
            .malformedDate),
        headers(
            "two X-Amz-Date headers",
            baseHeaders + [HeaderField("x-amz-date", "20260115T123456Z"), HeaderField("Authorization", valid)],
            .malformedDate),
        headers(
            "unparseable Date header",
            [baseHeaders[0], HeaderField("Date", "yesterday"), HeaderField("Authorization", valid)], .malformedDate),
        headers(
            "two session tokens",
            baseHeaders + [
                HeaderField("X-Amz-Security-Token", "a"), HeaderField("X-Amz-Security-Token", "b"),
                HeaderField("Authorization", valid),
            ],
            .conflictingAuthentication),
        query(
            "exact and lower-case credential (CVE-2022-2385)",
            presignedBase + ["x-amz-credential=AKIAV7S32T2OSBFJQOIY%2F20260115%2Fus-east-1%2Fs3%2Faws4_request"],
            .duplicateQueryParameter),
        query(
            "lower-case credential only",
            replacing(
                "X-Amz-Credential",
                with: "x-amz-credential=AKIASP2TPHJSQH3FJRUX%2F20260115%2Fus-east-1%2Fs3%2Faws4_request"),
            .duplicateQueryParameter),
        query(
            "credential twice",
            presignedBase + ["X-Amz-Credential=AKIASP2TPHJSQH3FJRUX%2F20260115%2Fus-east-1%2Fs3%2Faws4_request"],
            .duplicateQueryParameter),
        query(
            "percent-encoded name variant", presignedBase + ["X%2DAmz-Signature=" + String(repeating: "ef", count: 32)],
            .duplicateQueryParameter),
        query(
            "upper-case date parameter name", presignedBase + ["X-AMZ-DATE=20260115T123456Z"], .duplicateQueryParameter),
        query("expires 0", replacing("X-Amz-Expires", with: "X-Amz-Expires=0"), .malformedExpires),
        query("expires over 7 days", replacing("X-Amz-Expires", with: "X-Amz-Expires=604801"), .malformedExpires),
        query("expires not a number", replacing("X-Amz-Expires", with: "X-Amz-Expires=1e3"), .malformedExpires),
        query("no expires", presignedBase.filter { !$0.hasPrefix("X-Amz-Expires") }, .missingField),
        query("no signature", presignedBase.filter { !$0.hasPrefix("X-Amz-Signature") }, .missingField),
        query("no algorithm", presignedBase.filter { !$0.hasPrefix("X-Amz-Algorithm") }, .missingField),
        query("no date", presignedBase.filter { !$0.hasPrefix("X-Amz-Date") }, .missingDate),
        query(
            "SHA-1 algorithm", replacing("X-Amz-Algorithm", with: "X-Amz-Algorithm=AWS4-HMAC-SHA1"),
            .unsupportedAlgorithm),
        query(
            "NUL in a value", replacing("X-Amz-SignedHeaders", with: "X-Amz-SignedHeaders=host%00"),
            .malformedAuthorization),
        query(
            "5-part scope with an empty region",
            replacing(
                "X-Amz-Credential", with: "X-Amz-Credential=AKIASP2TPHJSQH3FJRUX%2F20260115%2F%2Fs3%2Faws4_request"),
            .malformedScope),
        query(
            "presigned and a header", presignedBase, .conflictingAuthentication,
            headers: [HeaderField("Authorization", valid)]),
        query(
            "SigV4 and SigV2 parameters", presignedBase + ["AWSAccessKeyId=AKIASP2TPHJSQH3FJRUX"],
            .conflictingAuthentication),
        query(
            "session token in query and header", presignedBase + ["X-Amz-Security-Token=abc"],
            .conflictingAuthentication, headers: [HeaderField("X-Amz-Security-Token", "abc")]),
        query(
            "scope date differs from X-Amz-Date", replacing("X-Amz-Date", with: "X-Amz-Date=20260116T000000Z"),
            .scopeDateMismatch),
    ]

    @Test("each malformed input has its typed error", arguments: cases)
    func malformed(_ testCase: Case) {
        let error = sigV4Error { () throws(SigV4Error) in _ = try RequestAuthentication(parsing: testCase.request) }
        #expect(error?.code == testCase.code, "\(testCase.testDescription): got \(String(describing: error))")
        #expect(
            error.map { !$0.message.contains(String(repeating: "ab", count: 8)) } ?? true,
            "messages never echo the signature")
    }

    @Test("the table is broad")
    func tableSize() { #expect(Self.cases.count >= 40) }

    @Test("the base inputs themselves are valid")
    func baseInputsAreValid() throws {
        let header = try sigV4Credential(
            SigV4Request(
                method: "GET", rawPath: "/", rawQuery: "",
                headers: Self.baseHeaders + [HeaderField("Authorization", Self.valid)]))
        #expect(header.location == .header)
        #expect(header.scope.string == "20260115/us-east-1/s3/aws4_request")
        let presigned = try sigV4Credential(Self.query("", Self.presignedBase, .missingField).request)
        #expect(presigned.location == .presigned)
        #expect(presigned.accessKeyID == "AKIASP2TPHJSQH3FJRUX")
    }

    @Test("both separators and any field order parse")
    func separatorsAndOrder() throws {
        for authorization in [
            "AWS4-HMAC-SHA256 \(Self.credential),\(Self.signedHeaders),\(Self.signature)",
            "AWS4-HMAC-SHA256 \(Self.signature), \(Self.credential), \(Self.signedHeaders)",
            "AWS4-HMAC-SHA256   \(Self.signedHeaders) ,  \(Self.signature),\(Self.credential)  ",
        ] {
            let request = SigV4Request(
                method: "GET", rawPath: "/", rawQuery: "",
                headers: Self.baseHeaders + [HeaderField("Authorization", authorization)])
            let credential = try sigV4Credential(request)
            #expect(credential.accessKeyID == "AKIASP2TPHJSQH3FJRUX")
            #expect(credential.signedHeaders == "host;x-amz-content-sha256;x-amz-date")
        }
    }

    @Test("SigV2, SigV4a and anonymous requests are recognised")
    func otherSchemes() throws {
        let sigV2Header = try RequestAuthentication(
            parsing: SigV4Request(
                method: "GET", rawPath: "/", rawQuery: "",
                headers: [HeaderField("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=")]))
        guard case .sigV2(let id, .header) = sigV2Header else { Issue.record("not SigV2: \(sigV2Header)"); return }
        #expect(id == "AKIAIOSFODNN7EXAMPLE")

        let sigV2Query = try RequestAuthentication(
            parsing: SigV4Request(
                method: "GET", rawPath: "/k",
                rawQuery:
                    "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1141889120&Signature=vjbyPxybdZaNmGa%2ByT272YEAiv4%3D",
                headers: []))
        guard case .sigV2(_, .presigned) = sigV2Query else { Issue.record("not SigV2: \(sigV2Query)"); return }
        #expect(sigV2Query.auditName == "presigned")

        let anonymous = try RequestAuthentication(
            parsing: SigV4Request(
                method: "GET", rawPath: "/", rawQuery: "prefix=a&x-id=GetObject", headers: [HeaderField("Host", "h")]))
        guard case .anonymous = anonymous else { Issue.record("not anonymous: \(anonymous)"); return }
        #expect(anonymous.auditName == "none")

        let v4a = try sigV4Credential(
            SigV4Request(
                method: "GET", rawPath: "/", rawQuery: "",
                headers: Self.baseHeaders + [
                    HeaderField("X-Amz-Region-Set", "us-east-1, us-west-*"),
                    HeaderField(
                        "Authorization",
                        "AWS4-ECDSA-P256-SHA256 Credential=AKIASP2TPHJSQH3FJRUX/20260115/s3/aws4_request, SignedHeaders=host;x-amz-date;x-amz-region-set, Signature=3045022100\(String(repeating: "ab", count: 30))"
                    ),
                ]))
        #expect(v4a.algorithm == .ecdsaP256SHA256)
        #expect(v4a.regionSet == ["us-east-1", "us-west-*"])
        #expect(v4a.scope.region.isEmpty)
        #expect(v4a.scope.string == "20260115/s3/aws4_request")
    }

    @Test("reason codes follow the contract")
    func reasonCodes() {
        #expect(SigV4Error.Code.unsupportedAlgorithm.category == .unsupportedAlgorithm)
        #expect(SigV4Error.Code.duplicateQueryParameter.category == .malformed)
        #expect(SigV4Error.Code.clockSkew.category == .clockSkew)
        #expect(SigV4Error.Code.requestExpired.category == .requestExpired)
        #expect(SigV4Error.Code.requestNotYetValid.category == .requestNotYetValid)
        #expect(SigV4Error.Code.signatureMismatch.category == .signatureMismatch)
        #expect(SigV4Error.Code.malformedChunk.category == .signatureMismatch)
        #expect(SigV4Error.Code.legacyAccessKeyID.category == .legacyAccessKey)
    }

    @Test("random bytes never crash the parser")
    func randomInputNeverCrashes() {
        var rng = SplitMix64(seed: 0x5EED)
        let alphabet = Array(
            "AWS4-HMAC-SHA256 Credential=/,;= SignedHeaders Signature abcdef0123456789%&X-Amz-\u{0}\u{7F}\u{FF}é".utf8)
        for _ in 0..<20_000 {
            let length = Int(rng.next() % 160)
            var bytes: [UInt8] = []
            for _ in 0..<length { bytes.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
            let text = String(decoding: bytes, as: UTF8.self)
            let asHeader = SigV4Request(
                method: "GET", rawPath: "/", rawQuery: "",
                headers: Self.baseHeaders + [HeaderField("Authorization", text)])
            let asQuery = SigV4Request(method: "GET", rawPath: "/", rawQuery: text, headers: Self.baseHeaders)
            for request in [asHeader, asQuery] {
                if case .sigV4(let credential) = try? RequestAuthentication(parsing: request) {
                    _ = try? SigV4Verifier.verify(request, credential: credential, secretAccessKey: "s", body: bytes)
                }
            }
        }
    }
}

/// A small deterministic generator for repeatable random inputs.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
