public import SigV4

/// Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and, for temporary ones,
/// `AWS_SESSION_TOKEN`: the first source of the AWS SDKs' chain. They carry no expiry (the SDKs do
/// not read one), so they are never refreshed.
public struct EnvironmentCredentialProvider: CredentialProvider {
    private let environment: [String: String]

    /// A provider reading `environment`.
    public init(environment: [String: String] = ProcessEnvironment.current) {
        self.environment = environment
    }

    /// Whether the environment configures this source: either key variable is set (a half-set pair is
    /// this source, misconfigured, rather than a silent fall-through to another identity).
    public static func isConfigured(in environment: [String: String]) -> Bool {
        !(environment["AWS_ACCESS_KEY_ID"] ?? "").isEmpty || !(environment["AWS_SECRET_ACCESS_KEY"] ?? "").isEmpty
    }

    /// The credentials in the environment.
    ///
    /// - Throws: ``CredentialError/Reason/misconfigured`` when a variable is missing, or the key id or
    ///   the session token holds a space, a line break or a non-ASCII character.
    public func credentials() throws(CredentialError) -> SigningCredentials {
        guard let accessKeyID = environment["AWS_ACCESS_KEY_ID"], !accessKeyID.isEmpty else {
            throw CredentialError(.misconfigured, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")
        }
        guard CredentialAnswer.isHeaderToken(accessKeyID) else {
            throw CredentialError(
                .misconfigured, "AWS_ACCESS_KEY_ID holds a space, a line break or a non-ASCII character")
        }
        guard let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
            throw CredentialError(.misconfigured, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
        }
        var token: String?
        if let value = environment["AWS_SESSION_TOKEN"], !value.isEmpty {
            guard CredentialAnswer.isHeaderToken(value) else {
                throw CredentialError(
                    .misconfigured, "AWS_SESSION_TOKEN holds a space, a line break or a non-ASCII character")
            }
            token = value
        }
        return SigningCredentials(accessKeyID: accessKeyID, secretAccessKey: secret, sessionToken: token)
    }
}
