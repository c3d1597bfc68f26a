// Property fuzz target of signing a brokered request again (Sources/AuthzCore/UpstreamSigner.swift).
// The input builds a request: two flag bytes, then lines — the method, the request target (path and
// query), `name:value` header lines up to an empty line — and the body (the rest). The first flag byte:
//   bits 0-1  the body the proxy passed: absent, complete, truncated, complete (empty when the rest is);
//   bit 2     canRewriteQuery (Envoy's gRPC mode);
//   bit 3     the client presigns the URL instead of signing in the header;
//   bit 4     the client does not sign at all (an unsigned request to a sign_unsigned host);
//   bit 5     an expected bucket owner is given;
//   bit 6     the role's credentials carry a session token;
//   bit 7     the client's credentials carry a session token.
// The second: the service (low 3 bits) and the client's x-amz-content-sha256 (high 5 bits: none, the
// body's hash, the empty body's, UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER,
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD, another hex hash, the first header line's value).
// The request is signed by a fixed client key (as the decision verified it), then rewritten with fixed
// role credentials. Properties:
// - no crash; the same outcome twice;
// - a refusal is one of the documented reasons: not_resignable, malformed_credentials,
//   request_expired, ambiguous_request (a signed header whose name is not a token; internal_error only
//   when the client's own signature did not verify);
// - a `.signed` rewrite, applied to the request as the proxy applies it (headers set replace those of
//   the same name, headers removed; query parameters set replace those of the same name, Envoy gRPC),
//   makes a request whose signature is the role's key's (header-signed, or presigned with
//   canRewriteQuery) and verifies with the role's secret through SigV4Verifier, when the client's
//   verified; sets query parameters only for a presigned URL and an Authorization header only for a
//   header-signed one;
// - the rewritten request never holds the client's signature or secret, nor the client's session
//   token when the role has none; the rewrite names the role given.
// - a presigned rewrite leaves no X-Amz-Security-Token header of the client's (D-F4 in the history).
import AuthzCore
import FuzzDriver
import Policy
import SigV4

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

let region = "eu-west-1"
let services = ["s3", "dynamodb", "sqs", "sts", "execute-api", "s3-outposts", "lambda", "s3"]
let clientKey = "AKIACLIENTEXAMPLE001"
let clientSecret = "cLiEnTsEcReT/K7MDENG/bPxRfiCYEXAMPLEKEY"
let clientToken = "cLiEnTtOkEnFwoGZXIvYXdzEXAMPLE"
let roleKey = "ASIAROLEEXAMPLE00001"
let roleSecret = "rOlEsEcReT/wJalrXUtnFEMI/K7MDENGEXAMPLE"
let roleToken = "rOlEtOkEnIQoJb3JpZ2luX2VjEXAMPLE"
let roleARN = "arn:aws:iam::123456789012:role/egress"
let owner = "123456789012"
let signedAt: Int64 = 1_764_536_400  // 2025-11-30T21:00:00Z
let now = signedAt + 5
let documented: Set<ReasonCode> = [.notResignable, .malformedCredentials, .requestExpired, .ambiguousRequest]

func fail(_ what: String, _ request: SigV4Request, _ detail: String = "") -> Never {
    fatalError(
        """
        \(what)
        request: \(request.method.debugDescription) \(request.rawPath.debugDescription) \
        \(request.rawQuery.debugDescription) \(request.headers.map { "\($0.name): \($0.value)" })
        \(detail)
        """)
}

struct Input {
    var flags: UInt8
    var service: String
    var contentHash: Int
    var method: String
    var target: String
    var headers: [HeaderField]
    var rest: [UInt8]

    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 2 else { return nil }
        flags = bytes[0]
        service = services[Int(bytes[1] & 7)]
        contentHash = Int(bytes[1] >> 3)
        var lines = bytes.dropFirst(2)[...]
        func line() -> String? {
            guard !lines.isEmpty else { return nil }
            let end = lines.firstIndex(of: 0x0A) ?? lines.endIndex
            let text = String(decoding: lines[lines.startIndex..<end], as: UTF8.self)
            lines = end < lines.endIndex ? lines[(end + 1)...] : lines[end...]
            return text
        }
        method = line() ?? "GET"
        target = line() ?? "/"
        headers = []
        while let text = line(), !text.isEmpty {
            if let colon = text.firstIndex(of: ":") {
                headers.append(HeaderField(String(text[..<colon]), String(text[text.index(after: colon)...])))
            } else {
                headers.append(HeaderField(text, ""))
            }
        }
        rest = Array(lines)
    }

    var body: RequestBody {
        switch flags & 3 {
        case 0: .absent
        case 1: .complete(rest)
        case 2: .truncated
        default: .complete(rest)
        }
    }
}

/// The client's x-amz-content-sha256 value for variant `index` (`nil`: none).
func contentHash(_ index: Int, body: [UInt8], headers: [HeaderField]) -> String? {
    switch index % 8 {
    case 0: nil
    case 1: PayloadHash.sha256Hex(of: body)
    case 2: emptyPayloadSHA256
    case 3: "UNSIGNED-PAYLOAD"
    case 4: "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    case 5: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    case 6: String(repeating: "ab", count: 32)
    default: headers.first?.value
    }
}

/// The request as the proxy sends it upstream after applying `rewrite`.
func applied(_ rewrite: UpstreamRewrite, to request: SigV4Request) -> SigV4Request {
    var upstream = request
    let replaced = Set(rewrite.setHeaders.map { $0.name.lowercased() } + rewrite.removeHeaders)
    upstream.headers.removeAll { replaced.contains($0.name.lowercased()) }
    upstream.headers.append(contentsOf: rewrite.setHeaders)
    if !rewrite.setQueryParameters.isEmpty || !rewrite.removeQueryParameters.isEmpty {
        let names = Set(rewrite.setQueryParameters.map(\.name) + rewrite.removeQueryParameters)
        let kept = request.rawQuery.split(separator: "&").filter {
            !names.contains(String($0.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]))
        }.map(String.init)
        upstream.rawQuery = (kept + rewrite.setQueryParameters.map { "\($0.name)=\($0.value)" }).joined(separator: "&")
    }
    return upstream
}

func text(of request: SigV4Request) -> String {
    ([request.rawPath, request.rawQuery] + request.headers.flatMap { [$0.name, $0.value] }).joined(separator: "\n")
}

func same(_ a: UpstreamSigner.Outcome, _ b: UpstreamSigner.Outcome) -> Bool {
    switch (a, b) {
    case (.signed(let x), .signed(let y)): x == y
    case (.refused(let x), .refused(let y)): x == y
    default: false
    }
}

/// RFC 9110's token characters: what a proxy passes as a method or a header name.
func isToken(_ text: String) -> Bool {
    !text.isEmpty
        && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            default: Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
            }
        }
}

func check(_ input: Input) {
    // Envoy, nginx and Squid pass only token methods and header values without CR, LF, NUL. Header
    // names that are not tokens are kept: the signer refuses to sign one (ambiguous_request).
    guard isToken(input.method),
        input.headers.allSatisfy({ !$0.value.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 } })
    else { return }
    let flags = input.flags
    let body = input.body
    let bodyBytes = input.rest
    var request = SigV4Request(
        method: input.method, requestTarget: input.target,
        headers: [HeaderField("host", "bucket.s3.eu-west-1.amazonaws.com")] + input.headers)
    let client = SigV4Signer(
        accessKeyID: clientKey, secretAccessKey: clientSecret, sessionToken: flags & 0x80 != 0 ? clientToken : nil)
    let timestamp = AmzTimestamp(secondsSinceEpoch: signedAt)
    let explicit = contentHash(input.contentHash, body: bodyBytes, headers: input.headers)
    var clientSignature: String?
    if flags & 0x10 != 0 {
        // Unsigned: the x-amz-content-sha256 the client sent, if any.
        if let explicit { request.headers.append(HeaderField("x-amz-content-sha256", explicit)) }
    } else if flags & 0x08 != 0 {
        let hash = explicit ?? (input.service == "s3" ? "UNSIGNED-PAYLOAD" : PayloadHash.sha256Hex(of: bodyBytes))
        if let explicit {
            request.headers.append(HeaderField("x-amz-content-sha256", explicit))
        }
        guard
            let parameters = try? client.presign(
                request, region: region, service: input.service, timestamp: timestamp, expires: 300,
                payloadHash: hash)
        else { return }
        let query = parameters.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        request.rawQuery = request.rawQuery.isEmpty ? query : request.rawQuery + "&" + query
        clientSignature = parameters.first { $0.name == "X-Amz-Signature" }?.value
    } else {
        let hash = explicit ?? PayloadHash.sha256Hex(of: bodyBytes)
        if input.service != "s3", let explicit {
            request.headers.append(HeaderField("x-amz-content-sha256", explicit))
        }
        guard
            let signature = try? client.sign(
                &request, region: region, service: input.service, timestamp: timestamp, payloadHash: hash)
        else { return }
        clientSignature = signature
    }
    var credential: SigV4Credential?
    var clientVerified = false
    switch try? RequestAuthentication(parsing: request) {
    case .sigV4(let parsed)?:
        credential = parsed
        if case .verified? = try? SigV4Verifier.verify(
            request, credential: parsed, secretAccessKey: clientSecret, body: body.bytes)
        {
            clientVerified = true
        }
    case .anonymous?:
        guard flags & 0x10 != 0 else { return }
    default:
        return  // the decision refuses a request whose credentials it cannot read
    }
    let role = SigningCredentials(
        accessKeyID: roleKey, secretAccessKey: roleSecret, sessionToken: flags & 0x40 != 0 ? roleToken : nil,
        expiration: now + 3600)
    let canRewriteQuery = flags & 0x04 != 0
    let ownerGiven = flags & 0x20 != 0 ? owner : nil
    func rewrite() -> UpstreamSigner.Outcome {
        UpstreamSigner.rewrite(
            request, body: body, credential: credential, region: region, service: input.service, credentials: role,
            roleARN: roleARN, expectedBucketOwner: ownerGiven, now: now, canRewriteQuery: canRewriteQuery)
    }
    let outcome = rewrite()
    guard same(outcome, rewrite()) else { fail("two rewrites differ", request) }
    switch outcome {
    case .refused(let decision):
        guard decision.effect == .deny, !decision.message.isEmpty,
            documented.contains(decision.reason) || (decision.reason == .internalError && !clientVerified)
        else { fail("an undocumented refusal: \(decision.reason) \(decision.message)", request) }
        if let clientSignature, decision.message.contains(clientSignature) {
            fail("the refusal quotes the client's signature", request, decision.message)
        }
    case .signed(let rewrite):
        let presigned = credential?.location == .presigned
        guard rewrite.roleARN == roleARN else { fail("the rewrite names another role", request) }
        if presigned {
            guard canRewriteQuery, !rewrite.setQueryParameters.isEmpty,
                !rewrite.setHeaders.contains(where: { $0.name.lowercased() == "authorization" })
            else { fail("a presigned URL signed again outside its query", request, "\(rewrite)") }
        } else {
            guard rewrite.setQueryParameters.isEmpty, rewrite.removeQueryParameters.isEmpty,
                rewrite.setHeaders.contains(where: { $0.name == "Authorization" })
            else { fail("a header-signed request signed again in its query", request, "\(rewrite)") }
        }
        let upstream = applied(rewrite, to: request)
        let all = text(of: upstream)
        if let clientSignature, all.contains(clientSignature) {
            fail("the upstream request holds the client's signature", request, all)
        }
        if all.contains(clientSecret) { fail("the upstream request holds the client's secret", request, all) }
        if role.sessionToken == nil, flags & 0x80 != 0, all.contains(clientToken) {
            fail("the upstream request holds the client's session token", request, all)
        }
        guard clientVerified || credential == nil else { return }
        let parsed: SigV4Credential
        do {
            guard case .sigV4(let value) = try RequestAuthentication(parsing: upstream) else {
                fail("the upstream request is not signed", request, all)
            }
            parsed = value
        } catch {
            fail("the upstream request's credentials cannot be read: \(error)", request, all)
        }
        if presigned, upstream.hasHeader("x-amz-security-token") {
            fail("a presigned rewrite keeps the client's X-Amz-Security-Token header", request, all)
        }
        guard parsed.accessKeyID == Substring(roleKey), parsed.location == (presigned ? .presigned : .header),
            parsed.hasSessionToken == (role.sessionToken != nil)
        else { fail("the upstream request is not signed by the role", request, all) }
        do {
            // What AWS receives: the body passed, or none when the proxy passed none (the rewrite
            // signs the empty body's hash only for a request that declares none).
            let received: [UInt8]? = if case .absent = body { [] } else { body.bytes }
            let verified = try SigV4Verifier.verify(
                upstream, credential: parsed, secretAccessKey: roleSecret, body: received)
            guard case .verified = verified else {
                fail("the new signature cannot be checked: \(verified)", request, all)
            }
        } catch {
            fail("the new signature does not verify: \(error)", request, all)
        }
    }
}

func seeds() -> [[UInt8]] {
    func input(_ flags: UInt8, _ service: UInt8, _ hash: UInt8, _ lines: [String], body: String = "") -> [UInt8] {
        [flags, service | (hash << 3)] + Array((lines + ["", body]).joined(separator: "\n").utf8)
    }
    let put = [
        "PUT", "/bucket/key%20one?tagging", "content-type:text/plain", "x-amz-meta-a: b  c",
        "content-md5:XrY7u+Ae7tCTyyK7j1rNww==",
    ]
    return [
        input(0x41, 0, 1, put, body: "hello world"),
        input(0x61, 0, 3, put, body: "hello world"),
        input(0xC0, 0, 3, ["GET", "/bucket/key", "user-agent:aws-cli/2", "x-amz-expected-bucket-owner:111122223333"]),
        input(0x00, 0, 0, ["GET", "/bucket/?list-type=2&prefix=a%2Fb"]),
        input(
            0x41, 0, 5, put + ["content-encoding:aws-chunked", "x-amz-decoded-content-length:11"], body: "hello world"),
        input(0x41, 0, 4, put, body: "hello world"),
        input(0x4D, 0, 0, ["GET", "/bucket/key?versionId=3"]),
        input(0x29, 0, 0, ["GET", "/bucket/key"]),
        input(0xCD, 0, 0, ["GET", "/bucket/key?X-Amz-Security-Token=abc"]),
        input(
            0x41, 1, 0,
            ["POST", "/", "x-amz-target:DynamoDB_20120810.GetItem", "content-type:application/x-amz-json-1.0"],
            body: #"{"TableName":"t"}"#),
        input(0x40, 1, 0, ["POST", "/", "x-amz-target:DynamoDB_20120810.GetItem", "content-length:17"]),
        input(0x42, 2, 0, ["POST", "/", "transfer-encoding:chunked"]),
        input(
            0x41, 2, 1, ["POST", "/", "content-type:application/x-www-form-urlencoded"],
            body: "Action=ListQueues&Version=2012-11-05"),
        input(
            0x51, 3, 0, ["POST", "/", "content-type:application/x-www-form-urlencoded"],
            body: "Action=GetCallerIdentity&Version=2011-06-15"),
        input(0x50, 0, 0, ["DELETE", "/bucket/key", "content-length: 0"]),
        input(0x41, 0, 7, ["x-amz-content-sha256:UNSIGNED-PAYLOAD", "x-amz-content-sha256:UNSIGNED-PAYLOAD"]),
        input(0x41, 4, 1, ["GET", "/prod/a%2Fb/..//c", "x-amz-date:20200101T000000Z"]),
    ]
}

FuzzDriver.run(seeds: seeds) { bytes in
    guard let input = Input(bytes) else { return }
    check(input)
}
