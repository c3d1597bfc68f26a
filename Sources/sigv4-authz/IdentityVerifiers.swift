import AWSCredentials
import AuthzCore
import IAMIdentity
import Metrics
import Policy
import ServiceLifecycle
import Synchronization

/// The verifiers of identity tokens `serve` uses: one ``CallerIdentityVerifier`` per STS endpoint and
/// timeout (`identity.sts_endpoint`, `identity.sts_timeout`), kept across reloads so that tokens
/// verified under one configuration stay verified under the next, over HTTP clients made at the first
/// need (a configuration without `identity:` makes none).
///
/// A `Service` of the service group: at graceful shutdown it closes the HTTP clients.
final class IdentityVerifiers: CallerIdentitySources, Service {
    /// What a verifier is made for.
    struct Settings: Hashable {
        let endpoint: String?
        let timeoutMilliseconds: Int64
    }

    private let metrics: IdentityMetrics
    private let state = Mutex<(clients: CredentialHTTPClients?, verifiers: [Settings: CallerIdentityVerifier])>(
        (nil, [:]))

    /// Creates the set; the verifiers' calls are counted in `metrics`.
    init(metrics: any MetricsFactory) {
        self.metrics = IdentityMetrics(factory: metrics)
    }

    func source(for identity: Identity) -> any CallerIdentitySource {
        let settings = Settings(endpoint: identity.stsEndpoint, timeoutMilliseconds: identity.stsTimeoutMilliseconds)
        return state.withLock { state in
            if let verifier = state.verifiers[settings] { return verifier }
            let clients = state.clients ?? CredentialHTTPClients()
            state.clients = clients
            let verifier = CallerIdentityVerifier(
                client: clients.sts, endpoint: settings.endpoint, metrics: metrics,
                timeout: .milliseconds(settings.timeoutMilliseconds))
            state.verifiers[settings] = verifier
            return verifier
        }
    }

    /// Runs until graceful shutdown, then closes the HTTP clients.
    func run() async throws {
        try? await gracefulShutdown()
        let clients = state.withLock { $0.clients }
        try? await clients?.shutdown()
    }
}
