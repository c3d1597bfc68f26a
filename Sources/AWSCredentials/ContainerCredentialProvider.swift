public import AsyncHTTPClient
internal import NIOCore
internal import NIOHTTP1
public import SigV4

/// Credentials from the container credentials endpoint (ECS task roles, EKS Pod Identity), as the AWS
/// SDKs find it:
///
/// - `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`: `http://169.254.170.2` + the path (ECS); else
/// - `AWS_CONTAINER_CREDENTIALS_FULL_URI`: any `https` URL, or an `http` one only to a loopback
///   address (`127.0.0.0/8`, `::1`, `localhost`), ECS's `169.254.170.2` or the EKS Pod Identity agent
///   (`169.254.170.23`, `[fd00:ec2::23]`). Any other `http` host is refused: the token would travel in
///   clear to it. Hosts are compared as written (no DNS lookup).
///
/// `Authorization:` carries the token of `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read again on every
/// call: the Pod Identity agent rotates it), else of `AWS_CONTAINER_AUTHORIZATION_TOKEN`; a token with
/// a line break is refused. The answer is JSON: `AccessKeyId`, `SecretAccessKey`, `Token`,
/// `Expiration` (ISO 8601, required).
public struct ContainerCredentialProvider: CredentialProvider {
    /// Where the token comes from.
    enum Authorization: Sendable, Equatable {
        case none
        case token(String)
        case file(String)
    }

    /// The endpoint asked.
    public var endpoint: String { url.description }
    let url: EndpointURL
    let authorization: Authorization
    private let client: HTTPClient
    private let timeout: Duration

    /// ECS's credentials address, which `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` is relative to.
    static let ecsHost = "169.254.170.2"
    /// The addresses an `http` full URI may name besides loopback (canonical forms).
    static let allowedHTTPAddresses: Set<String> = ["169.254.170.2", "169.254.170.23", "fd00:ec2::23"]

    /// A provider from the environment.
    ///
    /// - Parameter timeout: the deadline of one call, connection included.
    /// - Throws: ``CredentialError/Reason/misconfigured`` for a URL that is not one, an `http` host
    ///   that is not allowed, a token with a line break.
    public init(
        environment: [String: String], client: HTTPClient, timeout: Duration = .seconds(5)
    ) throws(CredentialError) {
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"], !relative.isEmpty {
            let path = relative.hasPrefix("/") ? relative : "/" + relative
            guard let url = EndpointURL("http://\(Self.ecsHost)\(path)") else {
                throw CredentialError(.misconfigured, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is not a URL path")
            }
            self.url = url
        } else if let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"], !full.isEmpty {
            self.url = try Self.checkFullURI(full)
        } else {
            throw CredentialError(
                .misconfigured,
                "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set")
        }
        if let file = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"], !file.isEmpty {
            authorization = .file(file)
        } else if let token = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"], !token.isEmpty {
            guard Self.isSendableToken(token) else {
                throw CredentialError(
                    .misconfigured,
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN holds a line break or a byte that cannot go into a header")
            }
            authorization = .token(token)
        } else {
            authorization = .none
        }
        self.client = client
        self.timeout = timeout
    }

    /// Whether the environment configures this source.
    public static func isConfigured(in environment: [String: String]) -> Bool {
        !(environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] ?? "").isEmpty
            || !(environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] ?? "").isEmpty
    }

    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI` read and checked as the SDKs restrict it.
    static func checkFullURI(_ text: String) throws(CredentialError) -> EndpointURL {
        guard let url = EndpointURL(text) else {
            throw CredentialError(.misconfigured, "AWS_CONTAINER_CREDENTIALS_FULL_URI is not an http or https URL")
        }
        guard url.scheme == "http" else { return url }
        if url.host == "localhost" { return url }
        if let address = url.canonicalIPAddress {
            if address == "::1" || Self.allowedHTTPAddresses.contains(address) { return url }
            if !url.isIPv6, address.hasPrefix("127.") { return url }
        }
        throw CredentialError(
            .misconfigured,
            "AWS_CONTAINER_CREDENTIALS_FULL_URI names http://\(url.hostHeader), which is refused: over http only a "
                + "loopback address, 169.254.170.2, 169.254.170.23 or [fd00:ec2::23] is allowed (use https)")
    }

    /// A token that can go into a header: printable ASCII, no CR or LF.
    static func isSendableToken(_ token: String) -> Bool {
        !token.isEmpty && token.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }

    /// GET the endpoint (with the token) and read the credentials.
    public func credentials() async throws(CredentialError) -> SigningCredentials {
        var headers: [(String, String)] = [("Accept", "application/json")]
        switch authorization {
        case .none: break
        case .token(let token): headers.append(("Authorization", token))
        case .file(let path):
            headers.append(
                ("Authorization", try TokenFile.read(path, variable: "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")))
        }
        let what = "the container credentials endpoint"
        let answer = try await CredentialHTTP.send(
            client, method: .GET, url: url, headers: headers, deadline: .now() + TimeAmount(timeout),
            maxBytes: 16 * 1024, what: what)
        guard answer.status == 200 else {
            let reason: CredentialError.Reason = answer.status >= 500 ? .unreachable : .refused
            throw CredentialError(reason, "\(what) at \(url.hostHeader) answered HTTP \(answer.status)")
        }
        return try CredentialAnswer.credentials(from: answer.body, requireCode: false, requireToken: false, what: what)
    }
}
