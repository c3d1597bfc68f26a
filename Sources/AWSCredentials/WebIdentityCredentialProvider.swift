public import SigV4

/// Credentials from `sts:AssumeRoleWithWebIdentity` with the token in `AWS_WEB_IDENTITY_TOKEN_FILE`
/// for the role `AWS_ROLE_ARN` (EKS IAM roles for service accounts), session name
/// `AWS_ROLE_SESSION_NAME` or `sigv4-authz-` and 16 random hex digits.
///
/// The token file is read again on every call: kubelet rotates it. The call is unsigned (the token is
/// the credential) and goes to the client's STS endpoint.
public struct WebIdentityCredentialProvider: CredentialProvider {
    /// The token file.
    public let tokenFile: String
    /// The role assumed.
    public let roleARN: String
    /// The session name.
    public let sessionName: String
    private let sts: STSClient

    /// A provider for one token file and role.
    public init(tokenFile: String, roleARN: String, sessionName: String? = nil, sts: STSClient) throws(CredentialError)
    {
        let sessionName = sessionName ?? AssumeRoleRequest.randomSessionName()
        guard AssumeRoleRequest.isValidSessionName(sessionName) else {
            throw CredentialError(
                .misconfigured, "AWS_ROLE_SESSION_NAME must be 2 to 64 characters of A-Z a-z 0-9 _+=,.@-")
        }
        guard roleARN.hasPrefix("arn:"), CredentialAnswer.isHeaderToken(roleARN) else {
            throw CredentialError(.misconfigured, "AWS_ROLE_ARN is not a role ARN")
        }
        self.tokenFile = tokenFile
        self.roleARN = roleARN
        self.sessionName = sessionName
        self.sts = sts
    }

    /// A provider from `AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN` and `AWS_ROLE_SESSION_NAME`.
    public init(environment: [String: String], sts: STSClient) throws(CredentialError) {
        guard let tokenFile = environment["AWS_WEB_IDENTITY_TOKEN_FILE"], !tokenFile.isEmpty else {
            throw CredentialError(.misconfigured, "AWS_WEB_IDENTITY_TOKEN_FILE is not set")
        }
        guard let roleARN = environment["AWS_ROLE_ARN"], !roleARN.isEmpty else {
            throw CredentialError(.misconfigured, "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not")
        }
        let sessionName = environment["AWS_ROLE_SESSION_NAME"].flatMap { $0.isEmpty ? nil : $0 }
        try self.init(tokenFile: tokenFile, roleARN: roleARN, sessionName: sessionName, sts: sts)
    }

    /// Whether the environment configures this source (`AWS_WEB_IDENTITY_TOKEN_FILE` set).
    public static func isConfigured(in environment: [String: String]) -> Bool {
        !(environment["AWS_WEB_IDENTITY_TOKEN_FILE"] ?? "").isEmpty
    }

    /// The token file read, then `AssumeRoleWithWebIdentity`.
    public func credentials() async throws(CredentialError) -> SigningCredentials {
        let token = try TokenFile.read(tokenFile, variable: "AWS_WEB_IDENTITY_TOKEN_FILE")
        return try await sts.assumeRoleWithWebIdentity(
            roleARN: roleARN, sessionName: sessionName, webIdentityToken: token
        ).credentials
    }
}
