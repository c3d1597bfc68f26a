import AWSClassifier
import AsyncHTTPClient
import Foundation
import MetricsTestKit
import NIOHTTP1
import SigV4
import Testing

@testable import AWSCredentials

@Suite("STS client")
struct STSClientTests {
    static let base = SigningCredentials(
        accessKeyID: "ASIAEXAMPLEBASE00001", secretAccessKey: "base-secret-abcdefghijklmnopqrstuvwxyz0123",
        sessionToken: "base-session-token-EXAMPLE")
    /// 2026-11-30T20:00:00Z.
    static let now: Int64 = 1_796_068_800

    static func client(_ server: TestHTTPServer, metrics: BrokerMetrics? = nil) throws -> STSClient {
        try STSClient(
            region: "us-west-2", endpoint: server.baseURL, client: HTTPClient.shared, metrics: metrics,
            timeout: .seconds(5), now: { now })
    }

    @Test("AssumeRole: a signed form POST; the documented answer read")
    func assumeRole() async throws {
        let server = try await TestHTTPServer.start { _ in
            .ok(AWSDocumentationAnswers.assumeRole, contentType: "text/xml")
        }
        defer { Task { try? await server.stop() } }
        let sts = try Self.client(server)
        let role = try await sts.assumeRole(
            roleARN: "arn:aws:iam::123456789012:role/demo", sessionName: "TestAR",
            policy: #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
            durationSeconds: 900, externalID: "ext-1", using: Self.base)

        #expect(role.assumedRoleARN == "arn:aws:sts::123456789012:assumed-role/demo/TestAR")
        #expect(role.assumedRoleID == "ARO123EXAMPLE123:TestAR")
        #expect(role.credentials.accessKeyID == "ASIAIOSFODNN7EXAMPLE")
        #expect(role.credentials.secretAccessKey == "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY")
        #expect(role.credentials.sessionToken == AWSDocumentationAnswers.sessionToken)
        #expect(role.credentials.expiration == 1_563_233_313)  // 2019-07-15T23:28:33Z

        let request = try #require(server.requests.first)
        #expect(server.requests.count == 1)
        #expect(request.method == "POST")
        #expect(request.uri == "/")
        #expect(request.headers["Content-Type"] == ["application/x-www-form-urlencoded; charset=utf-8"])
        #expect(
            request.formFields == [
                "Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": "arn:aws:iam::123456789012:role/demo",
                "RoleSessionName": "TestAR", "DurationSeconds": "900", "ExternalId": "ext-1",
                "Policy": #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
            ])
        #expect(request.headers["X-Amz-Security-Token"] == ["base-session-token-EXAMPLE"])
        #expect(request.headers["X-Amz-Date"] == ["20261130T200000Z"])
        let authorization = try #require(request.headers["Authorization"].first)
        #expect(
            authorization.hasPrefix(
                "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEBASE00001/20261130/us-west-2/sts/aws4_request, "
                    + "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature="))
        // The request as it arrived verifies with the base secret (the project's verifier, which AWS's
        // SigV4 test suite checks), and fails with another.
        let received = SigV4Request(
            method: request.method, requestTarget: request.uri,
            headers: request.headers.map { HeaderField($0.name, $0.value) })
        guard case .sigV4(let credential) = try RequestAuthentication(parsing: received) else {
            Issue.record("not a SigV4 request")
            return
        }
        #expect(
            try SigV4Verifier.verify(
                received, credential: credential, secretAccessKey: Self.base.secretAccessKey, body: request.body)
                == .verified)
        #expect(throws: SigV4Error.self) {
            try SigV4Verifier.verify(received, credential: credential, secretAccessKey: "wrong", body: request.body)
        }
    }

    @Test("AssumeRoleWithWebIdentity: unsigned, the token in the form; the documented answer read")
    func webIdentity() async throws {
        let server = try await TestHTTPServer.start { _ in .ok(AWSDocumentationAnswers.assumeRoleWithWebIdentity) }
        defer { Task { try? await server.stop() } }
        let role = try await Self.client(server).assumeRoleWithWebIdentity(
            roleARN: "arn:aws:iam::123456789012:role/FederatedWebIdentityRole", sessionName: "app1",
            webIdentityToken: "eyJhbGciOiJSUzI1NiJ9.payload.signature")
        #expect(role.credentials.accessKeyID == "ASgeIAIOSFODNN7EXAMPLE")
        #expect(role.credentials.sessionToken == "AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE")
        #expect(role.credentials.expiration == 1_414_191_623)
        #expect(role.assumedRoleARN == "arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1")
        let request = try #require(server.requests.first)
        #expect(request.headers["Authorization"].isEmpty)
        #expect(request.headers["X-Amz-Date"].isEmpty)
        #expect(
            request.formFields == [
                "Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15",
                "RoleArn": "arn:aws:iam::123456789012:role/FederatedWebIdentityRole", "RoleSessionName": "app1",
                "WebIdentityToken": "eyJhbGciOiJSUzI1NiJ9.payload.signature",
            ])
    }

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        var status: Int
        var body: String
        var reason: CredentialError.Reason
        var mentions: String
        var outcome: BrokerMetrics.Outcome
        var testDescription: String { "HTTP \(status) → \(reason)" }
    }

    static let errorCases: [ErrorCase] = [
        ErrorCase(
            status: 403, body: AWSDocumentationAnswers.accessDenied, reason: .refused,
            mentions: "'AccessDenied': User: arn:aws:iam::123456789012:user/ops is not authorized", outcome: .refused),
        ErrorCase(
            status: 403,
            body: AWSDocumentationAnswers.stsError(
                code: "InvalidClientTokenId", message: "The security token included in the request is invalid."),
            reason: .refused, mentions: "InvalidClientTokenId", outcome: .refused),
        ErrorCase(
            status: 400, body: AWSDocumentationAnswers.stsError(code: "Throttling", message: "Rate exceeded"),
            reason: .throttled, mentions: "Rate exceeded", outcome: .throttled),
        ErrorCase(status: 429, body: "", reason: .throttled, mentions: "HTTP 429", outcome: .throttled),
        ErrorCase(
            status: 503,
            body: AWSDocumentationAnswers.stsError(
                code: "ServiceUnavailable", message: "Service is unavailable", type: "Receiver"),
            reason: .throttled, mentions: "ServiceUnavailable", outcome: .throttled),
        ErrorCase(
            status: 500,
            body: AWSDocumentationAnswers.stsError(code: "InternalFailure", message: "internal", type: "Receiver"),
            reason: .unreachable, mentions: "HTTP 500", outcome: .unreachable),
        ErrorCase(
            status: 200, body: "<html>captive portal</html>", reason: .malformedAnswer, mentions: "AssumeRole",
            outcome: .unreachable),
        ErrorCase(
            status: 200, body: "not xml at all", reason: .malformedAnswer, mentions: "cannot read",
            outcome: .unreachable),
        ErrorCase(
            status: 200,
            body: AWSDocumentationAnswers.assumeRole.replacingOccurrences(
                of: "<Expiration>2019-07-15T23:28:33.359Z</Expiration>", with: ""),
            reason: .malformedAnswer, mentions: "without Credentials/Expiration", outcome: .unreachable),
        ErrorCase(
            status: 200,
            body: AWSDocumentationAnswers.assumeRole.replacingOccurrences(of: "<!-- -->", with: "")
                .replacingOccurrences(of: "<PackedPolicySize>8</PackedPolicySize>", with: "<!-- a comment -->"),
            reason: .malformedAnswer, mentions: "cannot read", outcome: .unreachable),
    ]

    @Test("AssumeRole errors: refused, throttled, unreachable, malformed; counted by outcome", arguments: errorCases)
    func errors(_ item: ErrorCase) async throws {
        let server = try await TestHTTPServer.start { _ in .respond(status: item.status, body: item.body) }
        defer { Task { try? await server.stop() } }
        let metrics = TestMetrics()
        let sts = try Self.client(server, metrics: BrokerMetrics(factory: metrics))
        let error = await #expect(throws: CredentialError.self) {
            _ = try await sts.assumeRole(
                roleARN: "arn:aws:iam::123456789012:role/demo", sessionName: "s1", using: Self.base)
        }
        #expect(error?.reason == item.reason)
        #expect(error?.message.contains(item.mentions) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("arn:aws:iam::123456789012:role/demo") == true)
        let counter = try metrics.expectCounter(
            "sigv4authz_broker_sts_calls_total", [("outcome", item.outcome.rawValue)])
        #expect(counter.totalValue == 1)
        #expect(try metrics.expectTimer("sigv4authz_broker_sts_seconds").values.count == 1)
    }

    @Test("A successful call is counted ok and timed")
    func countedOK() async throws {
        let server = try await TestHTTPServer.start { _ in .ok(AWSDocumentationAnswers.assumeRole) }
        defer { Task { try? await server.stop() } }
        let metrics = TestMetrics()
        let sts = try Self.client(server, metrics: BrokerMetrics(factory: metrics))
        _ = try await sts.assumeRole(
            roleARN: "arn:aws:iam::123456789012:role/demo", sessionName: "s1", using: Self.base)
        #expect(try metrics.expectCounter("sigv4authz_broker_sts_calls_total", [("outcome", "ok")]).totalValue == 1)
        #expect(try metrics.expectTimer("sigv4authz_broker_sts_seconds").values.count == 1)
    }

    @Test("An error message that quotes a credential is withheld")
    func messageWithheld() async throws {
        let server = try await TestHTTPServer.start { request in
            .respond(
                status: 403,
                body: AWSDocumentationAnswers.stsError(
                    code: "SignatureDoesNotMatch",
                    message: "token was \(request.headers["X-Amz-Security-Token"].first ?? "")"))
        }
        defer { Task { try? await server.stop() } }
        let error = await #expect(throws: CredentialError.self) {
            _ = try await Self.client(server).assumeRole(
                roleARN: "arn:aws:iam::123456789012:role/demo", sessionName: "s1", using: Self.base)
        }
        #expect(error?.message.contains("SignatureDoesNotMatch") == true)
        #expect(error?.message.contains("base-session-token-EXAMPLE") == false)
        #expect(error?.message.contains("withheld") == true)
    }

    @Test(
        "An endpoint that refuses connections is unreachable; one that never answers times out",
        .timeLimit(.minutes(1)))
    func unreachable() async throws {
        let closed = try await TestHTTPServer.start { _ in .silence }
        let port = closed.port
        try await closed.stop()
        let refused = try STSClient(
            region: "us-east-1", endpoint: "http://127.0.0.1:\(port)", client: HTTPClient.shared, timeout: .seconds(1))
        let error = await #expect(throws: CredentialError.self) {
            _ = try await refused.assumeRole(roleARN: "arn:aws:iam::1:role/r", sessionName: "s1", using: Self.base)
        }
        #expect(error?.reason == .unreachable)

        // Timed on a thread and client of its own (``DedicatedThread``): what is measured is the client's
        // deadline, not the wait for the shared pools a full `swift test` keeps busy.
        let silent = try await TestHTTPServer.start { _ in .silence }
        defer { Task { try? await silent.stop() } }
        try await DedicatedThread.run { client in
            let slow = try STSClient(
                region: "us-east-1", endpoint: silent.baseURL, client: client, timeout: .milliseconds(300))
            let started = ContinuousClock.now
            let timeout = await #expect(throws: CredentialError.self) {
                _ = try await slow.assumeRole(roleARN: "arn:aws:iam::1:role/r", sessionName: "s1", using: Self.base)
            }
            #expect(timeout?.reason == .unreachable)
            #expect(timeout?.message.contains("no answer in time") == true, "\(String(describing: timeout))")
            // The silent server never answers, so the call ending at all is the deadline's doing; the bound
            // is loose because a full `swift test` on 2 cores delays resumptions by seconds (7.5 s seen).
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            #expect(ContinuousClock.now - started < .seconds(30))
        }
    }

    @Test("An answer over 64 KiB is refused unread")
    func oversized() async throws {
        let server = try await TestHTTPServer.start { _ in .ok(String(repeating: "x", count: 70_000)) }
        defer { Task { try? await server.stop() } }
        let error = await #expect(throws: CredentialError.self) {
            _ = try await Self.client(server).assumeRole(
                roleARN: "arn:aws:iam::1:role/r", sessionName: "s1", using: Self.base)
        }
        #expect(error?.reason == .malformedAnswer)
    }
}

@Suite("STS endpoint")
struct STSEndpointTests {
    static let partitions: [AWSModel.Partition] = (try? AWSModel.bundled().partitions) ?? []

    @Test(
        "The regional endpoint of the region's partition",
        arguments: [
            ("us-east-1", "https://sts.us-east-1.amazonaws.com"),
            ("eu-west-1", "https://sts.eu-west-1.amazonaws.com"),
            ("cn-north-1", "https://sts.cn-north-1.amazonaws.com.cn"),
            ("cn-northwest-1", "https://sts.cn-northwest-1.amazonaws.com.cn"),
            ("us-gov-west-1", "https://sts.us-gov-west-1.amazonaws.com"),
            ("us-iso-east-1", "https://sts.us-iso-east-1.c2s.ic.gov"),
            ("ap-southeast-9", "https://sts.ap-southeast-9.amazonaws.com"),  // by the aws partition's pattern
        ])
    func regional(region: String, url: String) throws {
        #expect(!Self.partitions.isEmpty)
        #expect(try STSEndpoint.url(region: region, environment: [:], partitions: Self.partitions) == url)
    }

    @Test("AWS_ENDPOINT_URL_STS, then AWS_ENDPOINT_URL, override it")
    func overrides() throws {
        let env = ["AWS_ENDPOINT_URL_STS": "http://127.0.0.1:5000", "AWS_ENDPOINT_URL": "http://127.0.0.1:6000"]
        #expect(
            try STSEndpoint.url(region: "us-east-1", environment: env, partitions: Self.partitions)
                == "http://127.0.0.1:5000")
        #expect(
            try STSEndpoint.url(
                region: "us-east-1", environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:6000"],
                partitions: Self.partitions) == "http://127.0.0.1:6000")
        #expect(throws: CredentialError(.misconfigured, "AWS_ENDPOINT_URL_STS is not an http or https URL")) {
            try STSEndpoint.url(
                region: "us-east-1", environment: ["AWS_ENDPOINT_URL_STS": "ftp://x"], partitions: Self.partitions)
        }
    }

    @Test(
        "Names that are not regions are refused",
        arguments: ["", "aws-global", "us-east-1.evil.com", "US-EAST-1", "mars-1"])
    func notRegions(region: String) {
        #expect(throws: CredentialError.self) {
            try STSEndpoint.regional(region: region, partitions: Self.partitions)
        }
    }

    @Test("The region: AWS_REGION, AWS_DEFAULT_REGION, us-east-1")
    func region() {
        #expect(STSEndpoint.region(in: ["AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-west-2"]) == "eu-west-1")
        #expect(STSEndpoint.region(in: ["AWS_DEFAULT_REGION": "us-west-2"]) == "us-west-2")
        #expect(STSEndpoint.region(in: [:]) == "us-east-1")
    }
}
