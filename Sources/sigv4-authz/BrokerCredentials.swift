import AWSClassifier
import AWSCredentials
import ArgumentParser
import Foundation
import Policy
import SigV4

/// `sigv4-authz broker credentials`: resolves sigv4-authz's own AWS credentials through the SDKs'
/// chain and, with `--role-arn`, assumes a role with them; prints one JSON object that says what was
/// found (source, key ids, expiries, the assumed role's ARN), never a secret or a token.
struct BrokerCredentials: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credentials",
        abstract: "Resolve sigv4-authz's own AWS credentials (and assume a role with them); print no secret.",
        discussion: """
            The chain is the AWS SDKs': AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, then AWS_WEB_IDENTITY_TOKEN_FILE \
            with AWS_ROLE_ARN, then AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/_FULL_URI, then IMDSv2 (unless \
            AWS_EC2_METADATA_DISABLED=true); the first one configured is used. STS: the region's endpoint, or \
            AWS_ENDPOINT_URL_STS. Prints {"source", "access_key_id", "expiration", "assumed_role": {"arn", \
            "assumed_role_id", "access_key_id", "expiration"}}; exits 0, or 1 with one line on standard error.
            """
    )

    @Option(help: "A role to assume with the credentials found (sts:AssumeRole).")
    var roleArn: String?

    @Option(help: "The session name of --role-arn (default: sigv4-authz- and 16 random hex digits).")
    var sessionName: String?

    @Option(help: "The region of STS (default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1).")
    var region: String?

    @Option(help: "How long the assumed role's credentials last: 15m to 12h.")
    var duration = "15m"

    func validate() throws {
        guard let milliseconds = DurationParser.milliseconds(duration), milliseconds % 1000 == 0,
            (900...43_200).contains(milliseconds / 1000)
        else {
            throw ValidationError(
                "--duration must be whole seconds from 15m to 12h, such as 15m or 1h; '\(duration)' is not")
        }
        if let sessionName, !AssumeRoleRequest.isValidSessionName(sessionName) {
            throw ValidationError("--session-name must be 2 to 64 characters of A-Z a-z 0-9 _+=,.@-")
        }
        if let roleArn, !(roleArn.hasPrefix("arn:") && roleArn.contains(":role/")) {
            throw ValidationError("--role-arn must be a role ARN such as arn:aws:iam::123456789012:role/NAME")
        }
    }

    /// What the command prints.
    struct Report: Encodable {
        struct Role: Encodable {
            var arn: String
            var assumedRoleID: String
            var accessKeyID: String
            var expiration: String?

            enum CodingKeys: String, CodingKey {
                case arn, expiration
                case assumedRoleID = "assumed_role_id"
                case accessKeyID = "access_key_id"
            }
        }
        var source: String
        var accessKeyID: String
        var expiration: String?
        var assumedRole: Role?

        enum CodingKeys: String, CodingKey {
            case source, expiration
            case accessKeyID = "access_key_id"
            case assumedRole = "assumed_role"
        }
    }

    func run() async throws {
        var environment = ProcessEnvironment.current
        if let region { environment["AWS_REGION"] = region }
        let clients = CredentialHTTPClients()
        let outcome: Result<Report, CredentialError>
        do {
            outcome = .success(try await resolve(environment: environment, clients: clients))
        } catch {
            outcome = .failure(error)
        }
        try? await clients.shutdown()
        switch outcome {
        case .success(let report):
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        case .failure(let error):
            printError("sigv4-authz: broker credentials: \(error.message)")
            throw ExitCode(1)
        }
    }

    /// The chain resolved, its credentials fetched, the role assumed.
    private func resolve(
        environment: [String: String], clients: CredentialHTTPClients
    ) async throws(CredentialError) -> Report {
        let partitions: [AWSModel.Partition]
        do {
            partitions = try AWSModel.bundled().partitions
        } catch {
            throw CredentialError(.misconfigured, "the bundled AWS model cannot be read: \(error.description)")
        }
        let chain = try CredentialChain(environment: environment, clients: clients, partitions: partitions)
        defer { chain.shutdown() }
        let base = try await chain.credentials()
        var report = Report(
            source: chain.source.rawValue, accessKeyID: base.accessKeyID,
            expiration: base.expiration.map { Timestamp.iso8601(seconds: $0) })
        if let roleArn {
            let stsRegion = STSEndpoint.region(in: environment)
            let sts = try STSClient(
                region: stsRegion,
                endpoint: STSEndpoint.url(region: stsRegion, environment: environment, partitions: partitions),
                client: clients.sts)
            let seconds = Int((DurationParser.milliseconds(duration) ?? 900_000) / 1000)
            let role = try await sts.assumeRole(
                roleARN: roleArn, sessionName: sessionName ?? AssumeRoleRequest.randomSessionName(),
                durationSeconds: seconds, using: base)
            report.assumedRole = Report.Role(
                arn: role.assumedRoleARN, assumedRoleID: role.assumedRoleID, accessKeyID: role.credentials.accessKeyID,
                expiration: role.credentials.expiration.map { Timestamp.iso8601(seconds: $0) })
        }
        return report
    }
}
