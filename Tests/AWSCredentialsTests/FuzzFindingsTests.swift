import AsyncHTTPClient
import NIOHTTP1
import SigV4
import Testing

@testable import AWSCredentials

/// What fuzzing the credential answers found (Fuzz/Sources/FuzzCredentialAnswers, FUZZ_STRICT=1): the
/// sentence sigv4-authz builds from an STS error answer can carry what it sent STS. Known issues until
/// STSClient filters them; when fixed, drop `withKnownIssue` (it then fails, as no issue is recorded).
@Suite("Fuzz findings: STS error sentences")
struct FuzzFindingsTests {
    /// A session token as long as STS's (several hundred characters).
    static let token = "IQoJb3JpZ2luX2VjEXAMPLE" + String(repeating: "Fwo", count: 150)
    static let base = SigningCredentials(
        accessKeyID: "ASIAEXAMPLEBASE00001", secretAccessKey: "base-secret-abcdefghijklmnopqrstuvwxyz0123",
        sessionToken: token)

    func sentence(
        code: @escaping @Sendable (String) -> String, message: @escaping @Sendable (String) -> String
    )
        async throws -> String?
    {
        let server = try await TestHTTPServer.start { request in
            let sent = request.headers["X-Amz-Security-Token"].first ?? ""
            return .respond(
                status: 403, body: AWSDocumentationAnswers.stsError(code: code(sent), message: message(sent)))
        }
        defer { Task { try? await server.stop() } }
        let client = try STSClient(
            region: "us-west-2", endpoint: server.baseURL, client: HTTPClient.shared, timeout: .seconds(5),
            now: { 1_796_068_800 })
        let error = await #expect(throws: CredentialError.self) {
            _ = try await client.assumeRole(
                roleARN: "arn:aws:iam::123456789012:role/demo", sessionName: "s1", using: Self.base)
        }
        return error?.message
    }

    @Test("STS's Code is printed without the secrets check: a Code quoting the session token leaks 80 characters of it")
    func codeQuotingTheToken() async throws {
        let message = try await sentence(code: { $0 }, message: { _ in "denied" })
        #expect(message?.contains(Self.token.prefix(16)) == false, "\(message ?? "")")
        #expect(message?.contains("withheld") == true, "\(message ?? "")")
    }

    @Test("safeMessage truncates to 300 characters before the secrets check: a token after 10 characters leaks 290")
    func messageQuotingTheTokenLate() async throws {
        let message = try await sentence(code: { _ in "SignatureDoesNotMatch" }, message: { "token was \($0)" })
        #expect(message?.contains(Self.token.prefix(16)) == false, "\(message ?? "")")
        #expect(message?.contains("withheld") == true, "\(message ?? "")")
    }

    @Test("safeMessage withholds a message that quotes a secret wherever it is")
    func safeMessageTruncation() {
        let text = String(repeating: "x", count: 290) + Self.token
        #expect(STSClient.safeMessage(text, secrets: [Self.token]).contains("withheld"))
        // A quote of part of a secret is withheld too; a message quoting none is kept.
        #expect(
            STSClient.safeMessage("x " + Self.token.dropFirst(20).prefix(12), secrets: [Self.token]).contains(
                "withheld"))
        #expect(
            STSClient.safeMessage("The security token included in the request is invalid", secrets: [Self.token])
                == "The security token included in the request is invalid")
    }

    /// The secrets check reads the message as sent, the sentence prints it without control characters:
    /// a quote with a tab, a line break or DEL between its characters passes the check and prints whole
    /// (FuzzCredentialAnswers, inputs in the fuzz report). A known issue until the check reads what is
    /// printed (it does now: the check also reads the text as printed).
    @Test(
        "a quote interleaved with characters the sentence drops is withheld",
        arguments: ["\t", "\n", "\u{7F}"])
    func interleavedQuote(separator: String) {
        let interleaved = Self.token.prefix(20).map(String.init).joined(separator: separator)
        #expect(STSClient.safeMessage("token " + interleaved, secrets: [Self.token]).contains("withheld"))
    }

    @Test("a Code quoting a secret with DEL between its characters is withheld")
    func interleavedCode() async throws {
        let message = try await sentence(
            code: { $0.prefix(20).map(String.init).joined(separator: "\u{7F}") }, message: { _ in "denied" })
        #expect(message?.contains(Self.token.prefix(16)) == false, "\(message ?? "")")
    }

    /// The sentence is checked as printed: the quotes around the Code and the `: ` before the Message
    /// must not complete a quote of a secret that neither field quotes alone. FuzzCredentialAnswers found
    /// the first row (`<Code>dToKeNmArKeR</Code>` for the token `ToKeNmArKeR'`: the check read 11
    /// characters, the closing quote made them 12).
    @Test(
        "the quotes and separators of the STS error sentence cannot complete a quote of a secret",
        arguments: [
            ("dToKeNmArKeR", "", "ToKeNmArKeR'"),
            ("ToKeNmArKeR", "", ", 'ToKeNmArKe"),
            ("AccessDenied", "denied", "Denied': denied-12345"),
        ])
    func sentenceCheckedAsPrinted(code: String, message: String, secret: String) {
        #expect(!STSClient.quotesAny(of: [secret], in: code) && !STSClient.quotesAny(of: [secret], in: message))
        let sentence = STSClient.errorDetail(
            action: "AssumeRole", subject: "arn:aws:iam::123456789012:role/fuzz", status: 403,
            error: (code: code, message: message), secrets: [secret])
        #expect(!STSClient.quotesAny(of: [secret], in: sentence), "\(sentence)")
        #expect(sentence == "sts:AssumeRole for arn:aws:iam::123456789012:role/fuzz: HTTP 403, " + STSClient.withheld)
    }

    @Test("an STS error sentence that quotes no secret is printed whole")
    func sentenceKept() {
        let subject = "arn:aws:iam::123456789012:role/demo"
        #expect(
            STSClient.errorDetail(
                action: "AssumeRole", subject: subject, status: 403,
                error: (code: "AccessDenied", message: "Not authorized to perform sts:AssumeRole"),
                secrets: [Self.token, "base-secret-abcdefghijklmnopqrstuvwxyz0123"])
                == "sts:AssumeRole for \(subject): HTTP 403, 'AccessDenied': Not authorized to perform sts:AssumeRole")
        #expect(
            STSClient.errorDetail(
                action: "AssumeRole", subject: subject, status: 500, error: nil, secrets: [Self.token])
                == "sts:AssumeRole for \(subject): HTTP 500, no error code")
        #expect(
            STSClient.errorDetail(
                action: "AssumeRole", subject: subject, status: 403, error: (code: "Throttling", message: ""),
                secrets: [Self.token]) == "sts:AssumeRole for \(subject): HTTP 403, 'Throttling'")
    }

    /// An error answer with two leaves ending in `Error/Code` (an ErrorResponse inside a Message):
    /// `error(from:)` takes the first its dictionary yields, so the code, and whether the error reads as
    /// throttled or refused, changed from call to call; it reads STS's fixed paths now.
    @Test("an error answer with two codes reads the same every time")
    func twoErrorCodes() {
        let body = Array(
            """
            <ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>\
            <ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>\
            </Message></Error><RequestId>r</RequestId></ErrorResponse>
            """.utf8)
        var codes: Set<String> = []
        var kept: [[UInt8]] = []
        for index in 0..<20 {
            kept.append([UInt8](repeating: 0, count: 48 * (index + 1)))
            codes.insert(STSAnswer.error(from: body)?.code ?? "none")
        }
        #expect(codes == ["Throttling"], "\(codes.sorted())")
        // The query protocol's other shape (moto's) is read at its own path.
        let errors = Array(
            "<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>no</Message></Error></Errors></ErrorResponse>"
                .utf8)
        #expect(STSAnswer.error(from: errors)?.code == "AccessDenied")
        #expect(STSAnswer.error(from: errors)?.message == "no")
        #expect(kept.count == 20)
    }
}
