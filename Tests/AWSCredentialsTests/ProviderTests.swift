import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import SigV4
import Testing

@testable import AWSCredentials

/// A file in a fresh temporary directory, removed with it.
struct TemporaryFile {
    let directory: URL
    let path: String

    init(_ contents: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("awscred-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("token").path
        try write(contents)
    }

    func write(_ contents: String) throws {
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

@Suite("Environment credentials")
struct EnvironmentProviderTests {
    @Test("Key id, secret and token are read")
    func read() throws {
        let credentials = try EnvironmentCredentialProvider(environment: [
            "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AWS_SESSION_TOKEN": "FwoGZXIvYXdzEXAMPLE",
        ]).credentials()
        #expect(
            credentials
                == SigningCredentials(
                    accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                    sessionToken: "FwoGZXIvYXdzEXAMPLE"))
        let longTerm = try EnvironmentCredentialProvider(environment: [
            "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "",
        ]).credentials()
        #expect(longTerm.sessionToken == nil && longTerm.expiration == nil)
    }

    @Test(
        "A half-set or unsendable environment is misconfigured; the message holds no secret",
        arguments: [
            ["AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE"],
            ["AWS_SECRET_ACCESS_KEY": "Sup3rSecretValue"],
            ["AWS_ACCESS_KEY_ID": "AKIA EXAMPLE", "AWS_SECRET_ACCESS_KEY": "Sup3rSecretValue"],
            [
                "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "Sup3rSecretValue",
                "AWS_SESSION_TOKEN": "a\r\nX-Evil: 1",
            ],
        ])
    func misconfigured(environment: [String: String]) {
        #expect(EnvironmentCredentialProvider.isConfigured(in: environment))
        let error = #expect(throws: CredentialError.self) {
            try EnvironmentCredentialProvider(environment: environment).credentials()
        }
        #expect(error?.reason == .misconfigured)
        #expect(error?.message.contains("Sup3rSecretValue") == false)
        #expect(error?.message.contains("X-Evil") == false)
    }
}

@Suite("Web identity credentials")
struct WebIdentityProviderTests {
    @Test("The token file is read on every call; the role and session name go to STS")
    func rotatedToken() async throws {
        let server = try await TestHTTPServer.start { _ in .ok(AWSDocumentationAnswers.assumeRoleWithWebIdentity) }
        defer { Task { try? await server.stop() } }
        let file = try TemporaryFile("first-token\n")
        defer { file.remove() }
        let sts = try STSClient(region: "eu-west-1", endpoint: server.baseURL, client: HTTPClient.shared)
        let provider = try WebIdentityCredentialProvider(
            environment: [
                "AWS_WEB_IDENTITY_TOKEN_FILE": file.path, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/irsa",
                "AWS_ROLE_SESSION_NAME": "pod-a",
            ], sts: sts)
        let credentials = try await provider.credentials()
        #expect(credentials.accessKeyID == "ASgeIAIOSFODNN7EXAMPLE")
        try file.write("second-token")
        _ = try await provider.credentials()
        let fields = server.requests.map(\.formFields)
        #expect(fields.map { $0["WebIdentityToken"] } == ["first-token", "second-token"])
        #expect(
            fields.allSatisfy {
                $0["RoleArn"] == "arn:aws:iam::123456789012:role/irsa" && $0["RoleSessionName"] == "pod-a"
            })
        #expect(server.requests.allSatisfy { $0.headers["Authorization"].isEmpty })
    }

    @Test("Without AWS_ROLE_SESSION_NAME the session is sigv4-authz- and 16 hex digits")
    func randomSessionName() throws {
        let sts = try STSClient(region: "us-east-1", endpoint: "http://127.0.0.1:1", client: HTTPClient.shared)
        let provider = try WebIdentityCredentialProvider(
            environment: ["AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent", "AWS_ROLE_ARN": "arn:aws:iam::1:role/r"],
            sts: sts)
        #expect(provider.sessionName.hasPrefix("sigv4-authz-"))
        #expect(provider.sessionName.count == 28)
        #expect(AssumeRoleRequest.isValidSessionName(provider.sessionName))
    }

    @Test("A missing, empty or multi-line token file, or no role, is misconfigured; STS is not asked")
    func errors() async throws {
        let server = try await TestHTTPServer.start { _ in .ok(AWSDocumentationAnswers.assumeRoleWithWebIdentity) }
        defer { Task { try? await server.stop() } }
        let sts = try STSClient(region: "us-east-1", endpoint: server.baseURL, client: HTTPClient.shared)
        let missing = try WebIdentityCredentialProvider(
            tokenFile: "/nonexistent/token", roleARN: "arn:aws:iam::1:role/r", sts: sts)
        let error = await #expect(throws: CredentialError.self) { _ = try await missing.credentials() }
        #expect(
            error == CredentialError(.misconfigured, "cannot read AWS_WEB_IDENTITY_TOKEN_FILE (/nonexistent/token)"))
        for contents in ["", "\n", "line-one\nline-two"] {
            let file = try TemporaryFile(contents)
            defer { file.remove() }
            let provider = try WebIdentityCredentialProvider(
                tokenFile: file.path, roleARN: "arn:aws:iam::1:role/r", sts: sts)
            let error = await #expect(throws: CredentialError.self) { _ = try await provider.credentials() }
            #expect(error?.reason == .misconfigured)
        }
        #expect(server.requests.isEmpty)
        #expect(throws: CredentialError(.misconfigured, "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not")) {
            try WebIdentityCredentialProvider(environment: ["AWS_WEB_IDENTITY_TOKEN_FILE": "/t"], sts: sts)
        }
    }
}

@Suite("Container credentials")
struct ContainerProviderTests {
    /// The deadline of calls whose answers (not their timing) are under test: generous, so a loaded
    /// machine running every test at once does not turn an answer into `unreachable`.
    static let answerTimeout = Duration.seconds(30)

    @Test("FULL_URI with the token of AWS_CONTAINER_AUTHORIZATION_TOKEN; the documented answer read")
    func fullURI() async throws {
        let server = try await TestHTTPServer.start { _ in .ok(AWSDocumentationAnswers.containerCredentials) }
        defer { Task { try? await server.stop() } }
        let provider = try ContainerCredentialProvider(
            environment: [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(server.baseURL)/v1/credentials?x=1",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Basic abcd",
            ], client: HTTPClient.shared, timeout: Self.answerTimeout)
        let credentials = try await provider.credentials()
        #expect(
            credentials
                == SigningCredentials(
                    accessKeyID: "ASIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                    sessionToken: "IQoJb3JpZ2luX2VjEXAMPLETOKEN", expiration: 1_796_072_994))
        let request = try #require(server.requests.first)
        #expect(request.method == "GET")
        #expect(request.uri == "/v1/credentials?x=1")
        #expect(request.headers["Authorization"] == ["Basic abcd"])
    }

    @Test("The token file wins over the token and is read on every call")
    func tokenFile() async throws {
        let server = try await TestHTTPServer.start { _ in .ok(AWSDocumentationAnswers.containerCredentials) }
        defer { Task { try? await server.stop() } }
        let file = try TemporaryFile("pod-identity-token-1\n")
        defer { file.remove() }
        let provider = try ContainerCredentialProvider(
            environment: [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(server.baseURL)/v1/credentials",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": file.path, "AWS_CONTAINER_AUTHORIZATION_TOKEN": "ignored",
            ], client: HTTPClient.shared, timeout: Self.answerTimeout)
        _ = try await provider.credentials()
        try file.write("pod-identity-token-2")
        _ = try await provider.credentials()
        #expect(
            server.requests.map { $0.headers["Authorization"] } == [["pod-identity-token-1"], ["pod-identity-token-2"]])
    }

    @Test("RELATIVE_URI is relative to 169.254.170.2 and wins over FULL_URI")
    func relative() throws {
        let provider = try ContainerCredentialProvider(
            environment: [
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/0a1b",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "https://x/",
            ], client: HTTPClient.shared, timeout: Self.answerTimeout)
        #expect(provider.endpoint == "http://169.254.170.2/v2/credentials/0a1b")
    }

    @Test(
        "FULL_URI over http only to loopback, ECS or the EKS Pod Identity agent",
        arguments: [
            ("http://127.0.0.1:8080/creds", true), ("http://127.3.4.5/creds", true), ("http://localhost/creds", true),
            ("http://[::1]:9000/creds", true), ("http://169.254.170.2/v2/credentials", true),
            ("http://169.254.170.23/v1/credentials", true), ("http://[fd00:ec2::23]/v1/credentials", true),
            ("http://[fd00:ec2:0:0::23]/v1/credentials", true), ("https://creds.example.com/role", true),
            ("http://creds.example.com/role", false), ("http://169.254.169.254/latest", false),
            ("http://10.0.0.1/", false),
            ("http://127.0.0.1.nip.io/", false), ("http://[::ffff:127.0.0.1]/", false),
            ("http://[fd00:ec2::24]/", false),
            ("http://localhost.evil.com/", false), ("ftp://127.0.0.1/", false), ("http://user@127.0.0.1/", false),
            ("not a url", false),
        ])
    func fullURIHosts(url: String, allowed: Bool) {
        let result = Result { () throws(CredentialError) in try ContainerCredentialProvider.checkFullURI(url) }
        switch result {
        case .success: #expect(allowed, "\(url) was allowed")
        case .failure(let error):
            #expect(!allowed, "\(url) was refused: \(error)")
            #expect(error.reason == .misconfigured)
        }
    }

    @Test("A token with CR or LF is refused before any request")
    func crlfToken() {
        for token in ["abc\r\nX-Injected: 1", "abc\n", "abc\rdef"] {
            let error = #expect(throws: CredentialError.self) {
                try ContainerCredentialProvider(
                    environment: [
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1/creds",
                        "AWS_CONTAINER_AUTHORIZATION_TOKEN": token,
                    ], client: HTTPClient.shared)
            }
            #expect(error?.reason == .misconfigured)
            #expect(error?.message.contains("abc") == false)
        }
    }

    @Test(
        "Errors: a refusal, a server error, JSON that is not credentials",
        arguments: [
            (
                TestAnswer.respond(status: 403, body: #"{"code":"AccessDenied","message":"token abc"}"#),
                CredentialError.Reason.refused
            ),
            (TestAnswer.respond(status: 500, body: "oops"), .unreachable),
            (TestAnswer.ok("not json"), .malformedAnswer),
            (TestAnswer.ok(#"{"AccessKeyId":"ASIA1","SecretAccessKey":"s","Token":"t"}"#), .malformedAnswer),
            (
                TestAnswer.ok(#"{"AccessKeyId":"ASIA1","SecretAccessKey":"s","Expiration":"tomorrow"}"#),
                .malformedAnswer
            ),
            (
                TestAnswer.ok(#"{"AccessKeyId":"AS IA","SecretAccessKey":"s","Expiration":"2026-11-30T21:09:54Z"}"#),
                .malformedAnswer
            ),
            (TestAnswer.ok(#"{"SecretAccessKey":"s","Expiration":"2026-11-30T21:09:54Z"}"#), .malformedAnswer),
        ])
    func errors(answer: TestAnswer, reason: CredentialError.Reason) async throws {
        let server = try await TestHTTPServer.start { _ in answer }
        defer { Task { try? await server.stop() } }
        let provider = try ContainerCredentialProvider(
            environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(server.baseURL)/creds"], client: HTTPClient.shared,
            timeout: Self.answerTimeout)
        let error = await #expect(throws: CredentialError.self) { _ = try await provider.credentials() }
        #expect(error?.reason == reason)
        #expect(error?.message.contains("token abc") == false)
    }
}

@Suite("IMDSv2 credentials")
struct InstanceMetadataProviderTests {
    /// The deadline of calls whose answers (not their timing) are under test: generous, so a loaded
    /// machine running every test at once does not turn an answer into `unreachable`.
    static let answerTimeout = Duration.seconds(30)

    static func imds(
        credentials: String = AWSDocumentationAnswers.imdsCredentials(), tokenStatus: Int = 200,
        role: TestAnswer = .ok("web-role\n")
    ) -> TestHTTPServer.Responder {
        { request in
            switch (request.method, request.uri) {
            case ("PUT", "/latest/api/token"):
                guard request.headers["X-aws-ec2-metadata-token-ttl-seconds"] == ["21600"] else {
                    return .respond(status: 400, body: "missing ttl")
                }
                return .respond(status: tokenStatus, body: tokenStatus == 200 ? "AQAEAEXAMPLETOKEN==" : "")
            case (_, _) where request.headers["X-aws-ec2-metadata-token"] != ["AQAEAEXAMPLETOKEN=="]:
                return .respond(status: 401, body: "")
            case ("GET", "/latest/meta-data/iam/security-credentials/"):
                return role
            case ("GET", "/latest/meta-data/iam/security-credentials/web-role"):
                return .ok(credentials)
            default:
                return .respond(status: 404, body: "")
            }
        }
    }

    @Test("PUT a token, then the role name and its credentials with it; the documented answer read")
    func imdsV2() async throws {
        let server = try await TestHTTPServer.start(Self.imds())
        defer { Task { try? await server.stop() } }
        let provider = try InstanceMetadataCredentialProvider(
            environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.baseURL + "/"], client: HTTPClient.shared,
            timeout: Self.answerTimeout)
        let credentials = try await provider.credentials()
        #expect(
            credentials
                == SigningCredentials(
                    accessKeyID: "ASIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                    sessionToken: "token", expiration: 1_796_072_994))
        #expect(
            server.requests.map { "\($0.method) \($0.uri)" } == [
                "PUT /latest/api/token", "GET /latest/meta-data/iam/security-credentials/",
                "GET /latest/meta-data/iam/security-credentials/web-role",
            ])
        #expect(server.requests[0].headers["X-aws-ec2-metadata-token"].isEmpty)
        #expect(
            server.requests.dropFirst().allSatisfy { $0.headers["X-aws-ec2-metadata-token"] == ["AQAEAEXAMPLETOKEN=="] }
        )
    }

    @Test("The default endpoint, the IPv6 one, and disabling")
    func endpoints() throws {
        #expect(
            try InstanceMetadataCredentialProvider(environment: [:], client: HTTPClient.shared).endpoint
                == "http://169.254.169.254/")
        #expect(
            try InstanceMetadataCredentialProvider(
                environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv6"], client: HTTPClient.shared
            ).endpoint == "http://[fd00:ec2::254]/")
        let error = #expect(throws: CredentialError.self) {
            try InstanceMetadataCredentialProvider(
                environment: ["AWS_EC2_METADATA_DISABLED": "TRUE"], client: HTTPClient.shared)
        }
        #expect(error?.reason == .notConfigured)
    }

    @Test(
        "Errors: Code other than Success, no role, no IMDSv2, a bad role name, JSON that is not credentials",
        arguments: [
            (
                AWSDocumentationAnswers.imdsCredentials(code: "AssumeRoleUnauthorizedAccess"), 200,
                TestAnswer.ok("web-role"), CredentialError.Reason.refused, "AssumeRoleUnauthorizedAccess"
            ),
            (
                AWSDocumentationAnswers.imdsCredentials(), 200, TestAnswer.respond(status: 404, body: ""), .refused,
                "no IAM role"
            ),
            (
                AWSDocumentationAnswers.imdsCredentials(), 405, TestAnswer.ok("web-role"), .refused,
                "does not fall back to IMDSv1"
            ),
            (AWSDocumentationAnswers.imdsCredentials(), 403, TestAnswer.ok("web-role"), .refused, "HTTP 403"),
            (
                AWSDocumentationAnswers.imdsCredentials(), 200, TestAnswer.ok("../../user-data"), .malformedAnswer,
                "role name"
            ),
            ("{not json", 200, TestAnswer.ok("web-role"), .malformedAnswer, "JSON"),
            (
                #"{"Code":"Success","AccessKeyId":"ASIA1","SecretAccessKey":"s","Expiration":"2026-11-30T21:09:54Z"}"#,
                200, TestAnswer.ok("web-role"), .malformedAnswer, "Token"
            ),
        ])
    func errors(
        credentials: String, tokenStatus: Int, role: TestAnswer, reason: CredentialError.Reason, mentions: String
    ) async throws {
        let server = try await TestHTTPServer.start(
            Self.imds(credentials: credentials, tokenStatus: tokenStatus, role: role))
        defer { Task { try? await server.stop() } }
        let provider = try InstanceMetadataCredentialProvider(
            environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.baseURL], client: HTTPClient.shared,
            timeout: Self.answerTimeout)
        let error = await #expect(throws: CredentialError.self) { _ = try await provider.credentials() }
        #expect(error?.reason == reason)
        #expect(error?.message.contains(mentions) == true, "\(error?.message ?? "")")
        // Nothing is asked without a token.
        #expect(
            server.requests.filter { $0.method == "GET" }.allSatisfy { !$0.headers["X-aws-ec2-metadata-token"].isEmpty }
        )
    }

    /// The call runs on a thread of its own (``DedicatedThread``) with an HTTP client of its own: what is
    /// timed is the provider's deadline, not the wait for a thread of the shared pools. The whole test
    /// process shares Swift's cooperative pool (one thread per core: 2 on CI) and NIO's singleton event
    /// loops; a full `swift test` starts every test at once, so a continuation resumed when the deadline
    /// fires queues behind seconds of other tests' CPU-bound work (and processes waited for synchronously).
    /// On the shared pool this test measured 10.8 s in a full `swift test` on 2 cores although the deadline
    /// had fired at 300 ms; trivial tests of the same run took 13 s, and 25 s in a run without the
    /// IntegrationTests on a busier machine: the queue, not one blocking test, is the cause.
    @Test("A metadata service that never answers fails within the deadline", .timeLimit(.minutes(1)))
    func timeout() async throws {
        let server = try await TestHTTPServer.start { _ in .silence }
        defer { Task { try? await server.stop() } }
        try await DedicatedThread.run { client in
            let provider = try InstanceMetadataCredentialProvider(
                environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.baseURL], client: client,
                timeout: .milliseconds(300))
            let started = ContinuousClock.now
            let error = await #expect(throws: CredentialError.self) { _ = try await provider.credentials() }
            #expect(error?.reason == .unreachable)
            #expect(error?.message.contains("no answer in time") == true, "\(String(describing: error))")
            // The silent server never answers, so the call ending at all is the deadline's doing; the bound
            // is loose because a full `swift test` on 2 cores delays resumptions by seconds (7.5 s seen).
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            #expect(ContinuousClock.now - started < .seconds(30))
        }
    }
}

/// One thread of the test's own, for tests that time a deadline: the body runs with the thread as its
/// task executor (so every `await` in it resumes there, not on the cooperative pool other tests may hold
/// blocked) and gets an HTTP client whose event loop is that thread (so its timers and I/O do not wait
/// behind other tests' work on NIO's singleton loops).
final class DedicatedThread: TaskExecutor {
    private let loop: any EventLoop

    private init(loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        loop.execute { job.runSynchronously(on: executor) }
    }

    /// Runs `body` on a new thread with a client on it (the credential clients' configuration), then
    /// shuts both down.
    static func run(_ body: (HTTPClient) async throws -> Void) async throws {
        try await run { client, _ in try await body(client) }
    }

    /// Runs `body` on a new thread with a client on it and the thread as a task executor (for the
    /// unstructured tasks the code under test starts), then shuts both down.
    static func run(_ body: (HTTPClient, any TaskExecutor) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = HTTPClient(
            eventLoopGroup: group, configuration: CredentialHTTPClients.configuration(connectTimeout: .seconds(1)))
        let thread = DedicatedThread(loop: group.next())
        let outcome: Result<Void, any Error>
        do {
            try await withTaskExecutorPreference(thread) { try await body(client, thread) }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        try await client.shutdown()
        try await group.shutdownGracefully()
        try outcome.get()
    }
}
