import AWSClassifier
import Foundation
import IAMIdentity
import SigV4
import Testing

/// `sigv4-authz token` as a process: the token it prints parses under the offline rules and carries a
/// SigV4 signature that verifies with the test secret (checked by SigV4Verifier on the decoded URL, not
/// by the minter's code path).
@Suite("token command")
struct TokenCommandTests {
    static let accessKeyID = "ASIAQNZGKIQY56JQ7WML"
    static let secret = "token-command-secret-abcdefghijklmnopqrstu"
    static let sessionToken = "FwoGZXIvYXdzEJr//////////wEaDO+token/command="

    /// The environment of a caller with temporary credentials in the environment; nothing else (no
    /// IMDS: the chain's last source is off).
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        [
            "AWS_ACCESS_KEY_ID": accessKeyID, "AWS_SECRET_ACCESS_KEY": secret, "AWS_SESSION_TOKEN": sessionToken,
            "AWS_EC2_METADATA_DISABLED": "true",
        ].merging(extra) { $1 }
    }

    /// Runs the executable and waits for it without holding a thread of the cooperative pool.
    static func run(_ arguments: [String], environment: [String: String]) async throws -> CommandLineTests.Result {
        let binary = try #require(
            CommandLineTests.executable, "build the sigv4-authz product first (swift build --build-tests builds it)")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            process.terminationHandler = { _ in continuation.resume() }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume()
            }
        }
        // The token is a few KiB at most: the pipes hold all of it until read here.
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        return CommandLineTests.Result(
            status: process.isRunning ? -1 : process.terminationStatus, output: String(decoding: output, as: UTF8.self),
            error: String(decoding: error, as: UTF8.self))
    }

    /// The URL inside a token, decoded here (base64url, no padding).
    static func decodedURL(_ token: String) throws -> String {
        let prefix = "k8s-aws-v1."
        try #require(token.hasPrefix(prefix))
        var text = String(token.dropFirst(prefix.count)).map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 }
        while text.count % 4 != 0 { text.append("=") }
        let data = try #require(Data(base64Encoded: String(text)))
        return String(decoding: data, as: UTF8.self)
    }

    /// Whether the presigned URL's signature verifies with `secret` for a request to `host` carrying
    /// `audienceHeader: audience`, as STS would receive it.
    static func verifies(url: String, audienceHeader: String, audience: String, secret: String) throws -> Bool {
        let afterScheme = try #require(url.split(separator: "://", maxSplits: 1).last)
        let host = try #require(afterScheme.split(separator: "/", maxSplits: 1).first)
        let query = try #require(url.split(separator: "?", maxSplits: 1).last)
        let request = SigV4Request(
            method: "GET", rawPath: "/", rawQuery: String(query),
            headers: [HeaderField("Host", String(host)), HeaderField(audienceHeader, audience)])
        guard case .sigV4(let credential) = try RequestAuthentication(parsing: request) else { return false }
        do {
            return try SigV4Verifier.verify(request, credential: credential, secretAccessKey: secret, body: [])
                == .verified
        } catch {
            return false
        }
    }

    static func rules(audience: String, audienceHeader: String = "x-k8s-aws-id") throws -> IdentityTokenRules {
        let model = try AWSModel.bundled()
        return IdentityTokenRules(
            audience: audience, audienceHeader: audienceHeader,
            partitions: ["aws", "aws-cn"].compactMap { model.partition(id: $0) })
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var environment: [String: String] = [:]
        var host: String
        var region: String
        var audienceHeader = "x-k8s-aws-id"
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let cases: [Case] = [
        Case(arguments: ["--audience", "orders"], host: "sts.us-east-1.amazonaws.com", region: "us-east-1"),
        Case(
            arguments: ["--audience", "orders"], environment: ["AWS_DEFAULT_REGION": "ap-southeast-2"],
            host: "sts.ap-southeast-2.amazonaws.com", region: "ap-southeast-2"),
        Case(
            arguments: ["--audience", "orders", "--region", "eu-west-1"],
            environment: ["AWS_REGION": "us-west-2"], host: "sts.eu-west-1.amazonaws.com", region: "eu-west-1"),
        Case(
            arguments: ["--audience", "orders", "--region", "cn-north-1"], host: "sts.cn-north-1.amazonaws.com.cn",
            region: "cn-north-1"),
        Case(
            arguments: [
                "--audience", "orders", "--region", "us-east-1", "--host", "sts-fips.us-east-1.amazonaws.com",
                "--audience-header", "X-Orders-Audience",
            ], host: "sts-fips.us-east-1.amazonaws.com", region: "us-east-1", audienceHeader: "x-orders-audience"),
    ]

    @Test(
        "the printed token parses, and its signature verifies with the secret for the configured audience only",
        arguments: cases)
    func minted(_ item: Case) async throws {
        let started = Int64(Date().timeIntervalSince1970)
        let result = try await Self.run(["token"] + item.arguments, environment: Self.environment(item.environment))
        #expect(result.status == 0, "\(result.error)")
        #expect(result.error.isEmpty)
        // The token and a newline, nothing else.
        #expect(result.output.hasSuffix("\n"))
        let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
        try #require(lines.count == 2 && lines[1].isEmpty, "\(result.output)")
        let text = String(lines[0])

        let url = try Self.decodedURL(text)
        #expect(url.hasPrefix("https://\(item.host)/?Action=GetCallerIdentity&Version=2011-06-15&"))
        #expect(url.contains("X-Amz-Security-Token="))
        #expect(
            try Self.verifies(url: url, audienceHeader: item.audienceHeader, audience: "orders", secret: Self.secret))
        #expect(
            try !Self.verifies(url: url, audienceHeader: item.audienceHeader, audience: "payments", secret: Self.secret)
        )
        #expect(try !Self.verifies(url: url, audienceHeader: item.audienceHeader, audience: "orders", secret: "wrong"))

        let token = try IdentityToken.parse(
            Substring(text), rules: try Self.rules(audience: "orders", audienceHeader: item.audienceHeader),
            now: Int64(Date().timeIntervalSince1970))
        #expect(token.host == item.host)
        #expect(token.region == item.region)
        #expect(token.accessKeyID == Self.accessKeyID)
        #expect(token.audienceHeader == item.audienceHeader)
        #expect(token.url == url)
        #expect(token.signedAt >= started - 1 && token.signedAt <= Int64(Date().timeIntervalSince1970))
    }

    struct Failure: Sendable, CustomTestStringConvertible {
        var name: String
        var arguments: [String]
        var environment: [String: String]
        var mentions: String
        var testDescription: String { name }
    }

    static let failures: [Failure] = [
        Failure(
            name: "no credentials", arguments: ["--audience", "orders"],
            environment: ["AWS_EC2_METADATA_DISABLED": "true"], mentions: "no AWS credentials are configured"),
        Failure(
            name: "no audience", arguments: [], environment: environment(), mentions: "--audience"),
        Failure(
            name: "an audience with a space", arguments: ["--audience", "or ders"], environment: environment(),
            mentions: "--audience"),
        Failure(
            name: "an audience header that is not a header name",
            arguments: ["--audience", "o", "--audience-header", "a b"],
            environment: environment(), mentions: "--audience-header"),
        Failure(
            name: "a region that is not one", arguments: ["--audience", "o", "--region", "EU_WEST"],
            environment: environment(), mentions: "--region"),
        Failure(
            name: "a region in no partition", arguments: ["--audience", "o", "--region", "mars-north-1"],
            environment: environment(), mentions: "mars-north-1"),
        Failure(
            name: "a host with a scheme", arguments: ["--audience", "o", "--host", "https://sts.amazonaws.com"],
            environment: environment(), mentions: "--host"),
    ]

    @Test("usage and credential errors: exit 2, one message on stderr, nothing on stdout", arguments: failures)
    func refused(_ item: Failure) async throws {
        let result = try await Self.run(["token"] + item.arguments, environment: item.environment)
        #expect(result.status == 2)
        #expect(result.output.isEmpty)
        #expect(result.error.contains(item.mentions), "\(result.error)")
        #expect(!result.error.contains(Self.secret))
    }
}
