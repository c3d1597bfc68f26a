import AWSClassifier
import AsyncHTTPClient
import SigV4
import Testing

@testable import AWSCredentials

@Suite("Credential chain")
struct ChainTests {
    static let environment = ["AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"]
    static let webIdentity = [
        "AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/secrets/token", "AWS_ROLE_ARN": "arn:aws:iam::1:role/r",
    ]
    static let container = ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.23/v1/credentials"]
    static let relative = ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x"]
    static let noIMDS = ["AWS_EC2_METADATA_DISABLED": "true"]

    static func merged(_ parts: [String: String]...) -> [String: String] {
        parts.reduce(into: [:]) { $0.merge($1) { _, new in new } }
    }

    @Test(
        "The first configured source, in the SDKs' order",
        arguments: [
            (merged(environment, webIdentity, container, noIMDS), CredentialSource?.some(.environment)),
            // Half-set: still this source.
            (merged(["AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE"], webIdentity), .environment),
            (merged(["AWS_SECRET_ACCESS_KEY": "secret"], container), .environment),
            (merged(webIdentity, container), .webIdentity),
            (merged(["AWS_WEB_IDENTITY_TOKEN_FILE": "/t"], container), .webIdentity),  // no role: still this source
            (merged(container, noIMDS), .container),
            (relative, .container),
            ([:], .instanceMetadata),
            (["AWS_EC2_METADATA_DISABLED": "false"], .instanceMetadata),
            (noIMDS, nil),
            (
                [
                    "AWS_ROLE_ARN": "arn:aws:iam::1:role/r", "AWS_SESSION_TOKEN": "t",
                    "AWS_EC2_METADATA_DISABLED": "True",
                ], nil
            ),
        ])
    func order(environment: [String: String], source: CredentialSource?) {
        #expect(CredentialChain.source(in: environment) == source)
    }

    static let partitions = (try? AWSModel.bundled().partitions) ?? []

    @Test("No source configured: not configured; a chosen source's error is not a fall-through")
    func errors() {
        let clients = CredentialHTTPClients()
        defer { Task { try? await clients.shutdown() } }
        let none = #expect(throws: CredentialError.self) {
            try CredentialChain(environment: Self.noIMDS, clients: clients, partitions: Self.partitions)
        }
        #expect(none?.reason == .notConfigured)
        let refused = #expect(throws: CredentialError.self) {
            try CredentialChain(
                environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://metadata.example.com/creds"],
                clients: clients,
                partitions: Self.partitions)
        }
        #expect(refused?.reason == .misconfigured)
        let halfSet = #expect(throws: CredentialError.self) {
            try CredentialChain(
                environment: ["AWS_WEB_IDENTITY_TOKEN_FILE": "/t"], clients: clients, partitions: Self.partitions)
        }
        #expect(halfSet?.message == "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not")
    }

    @Test("Temporary credentials are fetched once and then served from the cache")
    func cached() async throws {
        let server = try await TestHTTPServer.start(InstanceMetadataProviderTests.imds())
        defer { Task { try? await server.stop() } }
        let clients = CredentialHTTPClients()
        let clock = ManualClock(now: STSClientTests.now)
        let chain = try CredentialChain(
            environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.baseURL], clients: clients,
            partitions: Self.partitions, clock: clock)
        #expect(chain.source == .instanceMetadata)
        let first = try await chain.credentials()
        let second = try await chain.credentials()
        #expect(first == second)
        #expect(server.requests.count == 3)  // one PUT, two GETs: once
        chain.shutdown()
        try await clients.shutdown()
    }

    @Test("Environment credentials are read as they are (no cache, no expiry)")
    func environmentChain() async throws {
        let clients = CredentialHTTPClients()
        defer { Task { try? await clients.shutdown() } }
        let chain = try CredentialChain(environment: Self.environment, clients: clients, partitions: Self.partitions)
        #expect(chain.source == .environment)
        #expect(
            try await chain.credentials()
                == SigningCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "secret"))
    }
}
