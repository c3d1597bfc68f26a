import AWSClassifier
import AuthzCore
import AuthzFixtures
import AuthzSquid
import Policy
import SigV4
import Testing

/// Squid's external_acl_type lookup lines → requests, and decisions → reply lines.
@Suite("Squid helper codec")
struct SquidHelperCodecTests {
    struct ParseCase: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var line: String
        var channel: String?
        var method: String?
        var host: String?
        var target: String?
        var headers: [String] = []
        var client: String?
        /// A fragment of the error message when the line must be refused.
        var error: String?
    }

    /// A short header list for the table (the helper's `--headers`).
    static let names = ["Host", "Authorization", "X-Amz-Security-Token"]

    static let parseCases: [ParseCase] = [
        ParseCase(
            testDescription: "channel id, escaped fields, absent header skipped, %DATA ignored",
            line: "12 10.0.0.7 GET http://bucket.s3.amazonaws.com/a%20b?x=1 bucket.s3.amazonaws.com "
                + "AWS4-HMAC-SHA256%20Credential%3DAKIA%2Fx - -",
            channel: "12", method: "GET", host: "bucket.s3.amazonaws.com", target: "/a b?x=1",
            headers: ["Host: bucket.s3.amazonaws.com", "Authorization: AWS4-HMAC-SHA256 Credential=AKIA/x"],
            client: "10.0.0.7"),
        ParseCase(
            testDescription: "no channel id (concurrency off), every header absent",
            line: "::1 POST http://sts.amazonaws.com/ - - -", method: "POST", host: "sts.amazonaws.com",
            target: "/", client: "::1"),
        ParseCase(
            testDescription: "escaped URL decoded exactly once",
            line: "1 - GET http%3A%2F%2Fs3.amazonaws.com%2Fk%253F - - -",
            channel: "1", method: "GET", host: "s3.amazonaws.com", target: "/k%3F"),
        ParseCase(
            testDescription: "default port dropped",
            line: "1 - GET http://s3.amazonaws.com:80/k - - - -", channel: "1", method: "GET",
            host: "s3.amazonaws.com", target: "/k"),
        // Found by FuzzSquidLine (a harness that wrote every URL back as http://): the default port is
        // the scheme's, compared without case; port 80 under https is not a default and stays.
        ParseCase(
            testDescription: "port 80 under https kept",
            line: "1 - GET httpS://s3.amazonaws.com:80/k - - -", channel: "1", method: "GET",
            host: "s3.amazonaws.com:80", target: "/k"),
        ParseCase(
            testDescription: "port 443 under https dropped, scheme in any case",
            line: "1 - GET HTTPS://s3.amazonaws.com:443/k - - -", channel: "1", method: "GET",
            host: "s3.amazonaws.com", target: "/k"),
        ParseCase(
            testDescription: "port 443 under http kept",
            line: "1 - GET Http://s3.amazonaws.com:443/k - - -", channel: "1", method: "GET",
            host: "s3.amazonaws.com:443", target: "/k"),
        ParseCase(
            testDescription: "non-default port kept",
            line: "1 - GET http://s3.amazonaws.com:8080 - - -", channel: "1", method: "GET",
            host: "s3.amazonaws.com:8080", target: "/"),
        ParseCase(
            testDescription: "query right after the authority",
            line: "1 - GET http://sqs.amazonaws.com?Action=List - - -",
            channel: "1", method: "GET", host: "sqs.amazonaws.com", target: "/?Action=List"),
        ParseCase(
            testDescription: "CONNECT names only host:port", line: "3 10.0.0.7 CONNECT s3.amazonaws.com:443 - - -",
            channel: "3", method: "CONNECT", host: "s3.amazonaws.com:443", target: "/", client: "10.0.0.7"),
        ParseCase(
            testDescription: "too few fields", line: "4 10.0.0.7 GET", channel: "4", error: "CLIENT METHOD URL"),
        ParseCase(
            testDescription: "fewer header values than --headers names",
            line: "4 10.0.0.7 GET http://s3.amazonaws.com/ s3.amazonaws.com", channel: "4",
            error: "3 header values"),
        ParseCase(testDescription: "empty line", line: "", error: "CLIENT METHOD URL"),
        ParseCase(
            testDescription: "relative URL", line: "5 - GET /bucket/key - - -", channel: "5", error: "not absolute"),
        ParseCase(
            testDescription: "other scheme", line: "5 - GET ftp://s3.amazonaws.com/k - - -", channel: "5",
            error: "not absolute"),
        ParseCase(
            testDescription: "userinfo in the URL", line: "5 - GET http://evil@s3.amazonaws.com/k - - -",
            channel: "5", error: "not absolute"),
        // Found by FuzzSquidLine: the default port was taken off and an empty host was read.
        ParseCase(
            testDescription: "a port without a host", line: "1 - GET http://:80/km:80/k - D -", channel: "1",
            error: "not absolute"),
        ParseCase(
            testDescription: "another port without a host", line: "1 - GET https://:8443/k - - -", channel: "1",
            error: "not absolute"),
        ParseCase(
            testDescription: "broken escape", line: "6 - GET http://s3.amazonaws.com/%zz - - -", channel: "6",
            error: "%-escape"),
        ParseCase(
            testDescription: "escape decoding to invalid UTF-8", line: "6 - GET http://s3.amazonaws.com/%ff - - -",
            channel: "6", error: "%-escape"),
        ParseCase(
            testDescription: "broken escape in a header value",
            line: "6 - GET http://s3.amazonaws.com/ s3.amazonaws.com %4 -", channel: "6", error: "%-escape"),
        ParseCase(
            testDescription: "method with a space escaped in", line: "8 - G%20T http://s3.amazonaws.com/ - - -",
            channel: "8", error: "method"),
    ]

    @Test("lookup lines", arguments: parseCases)
    func parse(_ testCase: ParseCase) throws {
        let lookup = SquidHelperCodec.parse(Substring(testCase.line), headerNames: Self.names)
        #expect(lookup.channel.map(String.init) == testCase.channel)
        switch lookup.request {
        case .success(let request):
            #expect(testCase.error == nil, "expected an error, got \(request.method) \(request.host)")
            #expect(request.method == testCase.method)
            #expect(request.host == testCase.host)
            #expect(request.target == testCase.target)
            #expect(request.headers.map { "\($0.name): \($0.value)" } == testCase.headers)
            #expect(request.sourceAddress == testCase.client)
            #expect(request.mode == .squid)
            #expect(request.headersArePartial)
        case .failure(let error):
            let fragment = try #require(testCase.error, "unexpected error: \(error.message)")
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }

    @Test("an overlong line is refused, not read")
    func overlong() {
        let line = "9 - GET http://s3.amazonaws.com/" + String(repeating: "a", count: 300_000) + " - - -"
        guard case .failure(let error) = SquidHelperCodec.parse(Substring(line), headerNames: Self.names).request
        else {
            Issue.record("an overlong line was accepted")
            return
        }
        #expect(error.message.contains("longer than"))
    }

    /// A botocore-style signed S3 GET as Squid would pass it, decided by the real engine.
    static func lookupLine(
        channel: String, key: String, region: String, signedHeaders: [(String, String)] = []
    ) -> String {
        let signed = EngineFixtures.signed(
            host: "prod-data.s3.\(region).amazonaws.com", target: "/k.txt", service: "s3", region: region, key: key,
            headers: signedHeaders)
        let request = signed.0
        func escape(_ text: String) -> String {
            text.utf8.map { byte -> String in
                let unreserved =
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                return unreserved ? String(UnicodeScalar(byte)) : "%" + String(byte, radix: 16, uppercase: true)
            }.joined()
        }
        // One value per default header name, `-` when absent; then Squid's %DATA.
        let values = SquidHelperCodec.defaultHeaderNames.map { name in
            request.headers.first { $0.name.lowercased() == name.lowercased() }.map { escape($0.value) } ?? "-"
        }
        return
            ([channel, "10.1.2.3", "GET", escape("http://prod-data.s3.\(region).amazonaws.com/k.txt")] + values + ["-"])
            .joined(separator: " ")
    }

    @Test("allow → OK with the decision as annotations; deny → ERR with the sentence")
    func replies() throws {
        let engine = try EngineFixtures.engine()
        let allowedLine = Self.lookupLine(channel: "41", key: "AKIASP2TPHJSQH3FJRUX", region: "eu-west-1")
        let allowed = SquidHelperCodec.parse(Substring(allowedLine))
        let allowResponse = engine.decide(try allowed.request.get())
        #expect(allowResponse.decision.reason == .allowed)
        let ok = SquidHelperCodec.reply(channel: allowed.channel, result: allowResponse)
        #expect(ok.hasPrefix("41 OK message=sigv4-authz%3A%20"))
        #expect(ok.contains(" log=allowed decision=allow reason=allowed "))
        #expect(ok.contains(" account=171436882533 account_name=prod region=eu-west-1 service=s3 "))
        #expect(ok.contains(" action=s3%3AGetObject "))
        #expect(!ok.contains("\n"))

        let deniedLine = Self.lookupLine(channel: "42", key: "AKIASP2TPHJSQH3FJRUX", region: "us-west-2")
        let denied = SquidHelperCodec.parse(Substring(deniedLine))
        let denyResponse = engine.decide(try denied.request.get())
        #expect(denyResponse.decision.reason == .regionNotAllowed)
        let err = SquidHelperCodec.reply(channel: denied.channel, result: denyResponse)
        #expect(err.hasPrefix("42 ERR message=sigv4-authz%3A%20"))
        #expect(err.contains(" log=region_not_allowed decision=deny reason=region_not_allowed "))
        // Every value is one token: Squid splits the reply on spaces.
        for token in err.split(separator: " ").dropFirst(2) {
            #expect(token.contains("="), "\(token)")
        }
        // The signature never leaves in a reply.
        let signature = try #require(deniedLine.split(separator: "%3D").last)
        #expect(!err.contains(signature))
    }

    @Test("an unreadable line → ERR internal_error with a request id, echoing the channel")
    func unreadable() throws {
        let lookup = SquidHelperCodec.parse("77 - GET /relative - - -", headerNames: Self.names)
        guard case .failure(let error) = lookup.request else {
            Issue.record("a relative URL was accepted")
            return
        }
        let response = try EngineFixtures.engine().refuse(
            Refusal(reason: .internalError, message: error.message, mode: .squid))
        let reply = SquidHelperCodec.reply(channel: lookup.channel, result: response)
        #expect(reply.hasPrefix("77 ERR message=sigv4-authz%3A%20the%20request%20URL"))
        #expect(reply.contains(" log=internal_error decision=deny reason=internal_error "))
        #expect(reply.contains(" request_id=\(response.requestID)"))
    }

    @Test(
        "a signed header Squid does not pass is unknown, not missing; a key that must be verified is denied",
        arguments: [
            ("AKIASP2TPHJSQH3FJRUX", "eu-west-1", ReasonCode.allowed, "not_checked"),
            // A known secret that is not required: the signature stays unchecked.
            ("AKIAV7S32T2OSBFJQOIY", "eu-west-1", ReasonCode.allowed, "not_checked"),
            // require_verification: true cannot be honoured without every signed header.
            ("ASIAQNZGKIQY56JQ7WML", "eu-west-1", ReasonCode.signatureMismatch, "not_checked"),
        ])
    func partialHeaders(key: String, region: String, reason: ReasonCode, signature: String) throws {
        let engine = try EngineFixtures.engine()
        let line = Self.lookupLine(
            channel: "9", key: key, region: region, signedHeaders: [("x-amz-meta-owner", "team-a")])
        let request = try SquidHelperCodec.parse(Substring(line)).request.get()
        #expect(!request.headers.contains { $0.name.lowercased() == "x-amz-meta-owner" })
        let response = engine.decide(request)
        #expect(response.decision.reason == reason, "\(response.message)")
        #expect(response.signature.rawValue == signature)
        // The same request with every header (nginx, Envoy): the missing signed header is malformed.
        var complete = request
        complete.headersArePartial = false
        #expect(engine.decide(complete).decision.reason == .malformedCredentials)
    }

    @Test("--headers lists are checked")
    func headerLists() {
        #expect(SquidHelperCodec.validate(headerNames: SquidHelperCodec.defaultHeaderNames) == nil)
        #expect(SquidHelperCodec.validate(headerNames: ["Host", "host"])?.contains("twice") == true)
        #expect(SquidHelperCodec.validate(headerNames: ["Host", "X Y"])?.contains("not an HTTP header") == true)
        #expect(SquidHelperCodec.validate(headerNames: ["Host", ""]) != nil)
    }
}
