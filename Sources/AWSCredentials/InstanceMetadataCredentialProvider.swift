public import AsyncHTTPClient
internal import NIOCore
internal import NIOHTTP1
public import SigV4

/// Credentials of the EC2 instance's role from the instance metadata service, IMDSv2 only:
///
/// 1. `PUT /latest/api/token` with `X-aws-ec2-metadata-token-ttl-seconds: 21600` → a session token;
/// 2. `GET /latest/meta-data/iam/security-credentials/` with `X-aws-ec2-metadata-token` → the role name;
/// 3. `GET /latest/meta-data/iam/security-credentials/ROLE` → JSON `Code`, `AccessKeyId`,
///    `SecretAccessKey`, `Token`, `Expiration`; `Code` other than `Success` is refused.
///
/// There is no IMDSv1 fallback (a GET without a token): an instance that does not offer tokens gives
/// no credentials, so a server-side request forgery against IMDSv1 cannot be what sigv4-authz relies on.
/// `AWS_EC2_METADATA_DISABLED=true` turns the source off; the endpoint is
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT`, else `http://[fd00:ec2::254]` when
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6`, else `http://169.254.169.254`. The three requests
/// share one deadline (5 s by default; the client's connect timeout is 1 s).
public struct InstanceMetadataCredentialProvider: CredentialProvider {
    /// The service's base URL.
    public var endpoint: String { url.description }
    let url: EndpointURL
    private let client: HTTPClient
    private let timeout: Duration

    /// A provider from the environment.
    ///
    /// - Throws: ``CredentialError/Reason/notConfigured`` when `AWS_EC2_METADATA_DISABLED` is `true`,
    ///   ``CredentialError/Reason/misconfigured`` when the endpoint is not an http(s) URL.
    public init(
        environment: [String: String], client: HTTPClient, timeout: Duration = .seconds(5)
    ) throws(CredentialError) {
        guard !Self.isDisabled(in: environment) else {
            throw CredentialError(
                .notConfigured, "the instance metadata service is disabled (AWS_EC2_METADATA_DISABLED)")
        }
        let text: String
        if let value = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"], !value.isEmpty {
            text = value
        } else if environment["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"]?.lowercased() == "ipv6" {
            text = "http://[fd00:ec2::254]"
        } else {
            text = "http://169.254.169.254"
        }
        guard let url = EndpointURL(text) else {
            throw CredentialError(.misconfigured, "AWS_EC2_METADATA_SERVICE_ENDPOINT is not an http or https URL")
        }
        self.url = url
        self.client = client
        self.timeout = timeout
    }

    /// Whether `AWS_EC2_METADATA_DISABLED` is `true` (any case).
    public static func isDisabled(in environment: [String: String]) -> Bool {
        environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true"
    }

    /// The three requests of IMDSv2.
    public func credentials() async throws(CredentialError) -> SigningCredentials {
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        let what = "the instance metadata service"
        let tokenAnswer = try await CredentialHTTP.send(
            client, method: .PUT, url: url.appending(path: "/latest/api/token"),
            headers: [("X-aws-ec2-metadata-token-ttl-seconds", "21600")], deadline: deadline, maxBytes: 4096,
            what: what)
        switch tokenAnswer.status {
        case 200: break
        case 404, 405:
            throw CredentialError(
                .refused,
                "\(what) at \(url.hostHeader) offers no IMDSv2 token (HTTP \(tokenAnswer.status)); "
                    + "sigv4-authz does not fall back to IMDSv1")
        default:
            throw CredentialError(
                tokenAnswer.status >= 500 ? .unreachable : .refused,
                "\(what) at \(url.hostHeader) refused an IMDSv2 token (HTTP \(tokenAnswer.status))")
        }
        let token = tokenAnswer.text
        guard ContainerCredentialProvider.isSendableToken(token) else {
            throw CredentialError(.malformedAnswer, "\(what) answered an IMDSv2 token that cannot go into a header")
        }
        let tokenHeader = [("X-aws-ec2-metadata-token", token)]
        let base = "/latest/meta-data/iam/security-credentials/"
        let roleAnswer = try await CredentialHTTP.send(
            client, method: .GET, url: url.appending(path: base), headers: tokenHeader, deadline: deadline,
            maxBytes: 4096, what: what)
        guard roleAnswer.status == 200 else {
            throw CredentialError(
                roleAnswer.status >= 500 ? .unreachable : .refused,
                roleAnswer.status == 404
                    ? "no IAM role is attached to this instance (\(what) answered HTTP 404)"
                    : "\(what) at \(url.hostHeader) answered HTTP \(roleAnswer.status) for the role name")
        }
        let role = roleAnswer.text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).first.map(String.init) ?? ""
        guard Self.isRoleName(role) else {
            throw CredentialError(.malformedAnswer, "\(what) answered a role name that is not one")
        }
        let credentialsAnswer = try await CredentialHTTP.send(
            client, method: .GET, url: url.appending(path: base + role), headers: tokenHeader, deadline: deadline,
            maxBytes: 16 * 1024, what: what)
        guard credentialsAnswer.status == 200 else {
            throw CredentialError(
                credentialsAnswer.status >= 500 ? .unreachable : .refused,
                "\(what) at \(url.hostHeader) answered HTTP \(credentialsAnswer.status) for the credentials of \(role)")
        }
        return try CredentialAnswer.credentials(
            from: credentialsAnswer.body, requireCode: true, requireToken: true, what: what)
    }

    /// An IAM role name: 1 to 64 of `A-Z a-z 0-9 +=,.@_-`.
    static func isRoleName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || "_+=,.@-".utf8.contains(byte)
            }
    }
}
