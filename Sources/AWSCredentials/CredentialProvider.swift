public import SigV4

/// A source of AWS credentials for sigv4-authz's own calls.
///
/// Each call may do I/O (read a file, ask an endpoint); callers that need credentials often wrap a
/// provider in a ``CachedCredentialProvider`` (or an ``ExpiringCache``) rather than call it per request.
public protocol CredentialProvider: Sendable {
    /// The credentials, fetched now.
    func credentials() async throws(CredentialError) -> SigningCredentials
}

/// Where the credential chain found credentials, in the order the AWS SDKs look.
public enum CredentialSource: String, Sendable, Equatable, CaseIterable {
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`).
    case environment
    /// `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`: `sts:AssumeRoleWithWebIdentity` (EKS IRSA).
    case webIdentity = "web_identity"
    /// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `_FULL_URI`: ECS task roles, EKS Pod Identity.
    case container
    /// The EC2 instance metadata service, IMDSv2.
    case instanceMetadata = "instance_metadata"
}
