public import AWSClassifier
public import SigV4

/// sigv4-authz's own credentials, found as the AWS SDKs find theirs: the first source the environment
/// configures, in the SDKs' order —
///
/// 1. environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`),
/// 2. web identity (`AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN`: EKS IRSA),
/// 3. container (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` / `_FULL_URI`: ECS, EKS Pod Identity),
/// 4. IMDSv2 (unless `AWS_EC2_METADATA_DISABLED=true`).
///
/// The first configured source is the one used, even when it then fails (variables set wrongly are an
/// error, not a reason to try the next identity). ``source`` says which it is, for logs and
/// `sigv4-authz broker credentials`. Temporary credentials (every source but the environment) are
/// cached and refreshed in the background by a ``CachedCredentialProvider``; ``shutdown()`` stops that.
public struct CredentialChain: CredentialProvider {
    /// The source in use.
    public let source: CredentialSource
    private let provider: any CredentialProvider
    private let cache: CachedCredentialProvider?

    /// The source the environment configures, or `nil` when none does (IMDS disabled, nothing set).
    public static func source(in environment: [String: String]) -> CredentialSource? {
        if EnvironmentCredentialProvider.isConfigured(in: environment) { return .environment }
        if WebIdentityCredentialProvider.isConfigured(in: environment) { return .webIdentity }
        if ContainerCredentialProvider.isConfigured(in: environment) { return .container }
        if !InstanceMetadataCredentialProvider.isDisabled(in: environment) { return .instanceMetadata }
        return nil
    }

    /// The chain for `environment`.
    ///
    /// - Parameters:
    ///   - clients: the HTTP clients (the metadata one for the container endpoint and IMDS, the STS one
    ///     for web identity).
    ///   - partitions: the partitions of the AWS model, for web identity's regional STS endpoint
    ///     (region: `AWS_REGION`, `AWS_DEFAULT_REGION`, else `us-east-1`; `AWS_ENDPOINT_URL_STS`
    ///     overrides it).
    ///   - metrics: counts web identity's STS calls.
    ///   - timing, clock: the cache of temporary credentials.
    /// - Throws: ``CredentialError/Reason/notConfigured`` when no source is configured, or the chosen
    ///   source's configuration error.
    public init(
        environment: [String: String] = ProcessEnvironment.current, clients: CredentialHTTPClients,
        partitions: [AWSModel.Partition], metrics: BrokerMetrics? = nil, timing: CacheTiming = CacheTiming(),
        clock: any CacheClock = SystemCacheClock()
    ) throws(CredentialError) {
        guard let source = Self.source(in: environment) else {
            throw CredentialError(
                .notConfigured,
                "no AWS credentials are configured: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                    + "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, or AWS_CONTAINER_CREDENTIALS_FULL_URI, "
                    + "or run where IMDS is enabled")
        }
        let provider: any CredentialProvider
        switch source {
        case .environment:
            provider = EnvironmentCredentialProvider(environment: environment)
        case .webIdentity:
            let region = STSEndpoint.region(in: environment)
            let sts = try STSClient(
                region: region,
                endpoint: STSEndpoint.url(region: region, environment: environment, partitions: partitions),
                client: clients.sts, metrics: metrics)
            provider = try WebIdentityCredentialProvider(environment: environment, sts: sts)
        case .container:
            provider = try ContainerCredentialProvider(environment: environment, client: clients.metadata)
        case .instanceMetadata:
            provider = try InstanceMetadataCredentialProvider(environment: environment, client: clients.metadata)
        }
        self.init(source: source, provider: provider, timing: timing, clock: clock)
    }

    /// A chain that found `provider` for `source` (tests; the environment initializer).
    public init(
        source: CredentialSource, provider: any CredentialProvider, timing: CacheTiming = CacheTiming(),
        clock: any CacheClock = SystemCacheClock()
    ) {
        self.source = source
        if source == .environment {
            self.provider = provider
            self.cache = nil
        } else {
            let cache = CachedCredentialProvider(provider, timing: timing, clock: clock)
            self.provider = cache
            self.cache = cache
        }
    }

    /// The source's credentials (cached when temporary).
    public func credentials() async throws(CredentialError) -> SigningCredentials {
        try await provider.credentials()
    }

    /// Stops the background refresh of temporary credentials.
    public func shutdown() {
        cache?.shutdown()
    }
}
