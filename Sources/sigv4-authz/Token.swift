import AWSClassifier
import AWSCredentials
import ArgumentParser
import IAMIdentity
import SigV4

/// `sigv4-authz token --audience A`: an identity token for a service behind sigv4-authz's `identity:`
/// section, minted with the caller's own AWS credentials — the format of `aws eks get-token` and
/// aws-iam-authenticator (`k8s-aws-v1.` + base64url of a presigned `sts:GetCallerIdentity` URL).
///
/// ```sh
/// curl -H "Authorization: Bearer $(sigv4-authz token --audience orders)" https://orders.internal/
/// ```
struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Print an identity token for a service that uses IAM as its identity provider.",
        discussion: """
            The token is a presigned sts:GetCallerIdentity URL (X-Amz-Expires=60, as aws eks get-token; \
            sigv4-authz accepts it for at most identity.max_token_age after signing), signed with the credentials of the AWS SDKs' \
            chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY(/AWS_SESSION_TOKEN), then AWS_WEB_IDENTITY_TOKEN_FILE \
            with AWS_ROLE_ARN, then AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/_FULL_URI, then IMDSv2. It names the \
            audience only as a signed header: sigv4-authz sends its configured audience to STS, so a token \
            minted for another audience fails there. Prints the token and a newline on standard output, \
            nothing else; exits 2 with one line on standard error when the options or the credentials are wrong.
            """
    )

    @Option(help: "The audience: the service's identity.audience (sent in the audience header).")
    var audience: String

    @Option(
        help: "The region of the STS endpoint signed for (default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1).")
    var region: String?

    @Option(help: "The header the audience travels in: the service's identity.audience_header.")
    var audienceHeader = "x-k8s-aws-id"

    @Option(help: "The STS host signed for (default: the region's, sts.REGION.amazonaws.com in the aws partition).")
    var host: String?

    func validate() throws {
        guard !audience.isEmpty, audience.utf8.count <= 256,
            audience.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else {
            throw ValidationError("--audience must be 1 to 256 printable ASCII characters without spaces")
        }
        guard HTTPToken.isToken(audienceHeader), audienceHeader.lowercased() != "host",
            !audienceHeader.lowercased().hasPrefix("x-amz-")
        else {
            throw ValidationError("--audience-header must be an HTTP header name other than host and x-amz-*")
        }
        if let region, !Self.isRegionName(region) {
            throw ValidationError("--region must be an AWS region name such as eu-west-1")
        }
        if let host, !Self.isHostName(host) {
            throw ValidationError("--host must be a host name such as sts.eu-west-1.amazonaws.com (no scheme or port)")
        }
    }

    func run() async throws {
        let environment = ProcessEnvironment.current
        let region = region ?? STSEndpoint.region(in: environment)
        guard Self.isRegionName(region) else {
            printError("sigv4-authz: token: AWS_REGION or AWS_DEFAULT_REGION is not an AWS region name")
            throw ExitStatus.usage
        }
        let clients = CredentialHTTPClients()
        let outcome: Result<String, CredentialError>
        do {
            outcome = .success(try await mint(region: region, environment: environment, clients: clients))
        } catch {
            outcome = .failure(error)
        }
        try? await clients.shutdown()
        switch outcome {
        case .success(let token):
            print(token)
        case .failure(let error):
            printError("sigv4-authz: token: \(error.message)")
            throw ExitStatus.usage
        }
    }

    /// The chain's credentials fetched and the token signed with them, now.
    private func mint(
        region: String, environment: [String: String], clients: CredentialHTTPClients
    ) async throws(CredentialError) -> String {
        let partitions: [AWSModel.Partition]
        do {
            partitions = try AWSModel.bundled().partitions
        } catch {
            throw CredentialError(.misconfigured, "the bundled AWS model cannot be read: \(error.description)")
        }
        let stsHost: String
        if let host {
            stsHost = host.lowercased()
        } else {
            // https://sts.REGION.SUFFIX of the region's partition.
            stsHost = String(
                try STSEndpoint.regional(region: region, partitions: partitions).dropFirst("https://".count))
        }
        let chain = try CredentialChain(environment: environment, clients: clients, partitions: partitions)
        defer { chain.shutdown() }
        let credentials = try await chain.credentials()
        do {
            return try IdentityTokenMinter.mint(
                credentials: credentials, audience: audience, audienceHeader: audienceHeader.lowercased(),
                region: region, host: stsHost, timestamp: AmzTimestamp(secondsSinceEpoch: SystemCacheClock.seconds()))
        } catch {
            throw CredentialError(.misconfigured, "the token cannot be signed: \(error.description)")
        }
    }

    /// A region name: 1 to 64 of `a-z 0-9 -`.
    static func isRegionName(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count)
            && text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }

    /// A DNS host name: labels of `a-z A-Z 0-9 -` separated by dots, at most 253 characters.
    static func isHostName(_ text: String) -> Bool {
        guard (1...253).contains(text.utf8.count) else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.utf8.count)
                && label.utf8.allSatisfy {
                    ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D
                }
        }
    }
}
