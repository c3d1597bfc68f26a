import AWSClassifier
import AWSCredentials
import AuthzCore
import CoreMetrics
import Logging
import Policy
import ServiceLifecycle
import SigV4
import Synchronization

/// The brokered roles' credentials for `serve`: `sts:AssumeRole` for every role the configuration in
/// force names, signed with sigv4-authz's own credentials (the SDKs' chain), each kept in an
/// ``ExpiringCache`` entry refreshed before it expires. The decision core reads them without waiting
/// (``credentials(for:)``); a role whose credentials are not at hand is denied `broker_unavailable`.
///
/// The chain is resolved at the first STS call, so a configuration without brokering needs no AWS
/// credentials at all. The STS region (`brokering.sts_region`, else `AWS_REGION`) and
/// `refresh_before` are read at start.
final class RoleBroker: RoleCredentialSource, Service {
    let cache: ExpiringCache<RoleTarget>
    let clients: LazyClients

    /// What STS calls need — the HTTP clients, sigv4-authz's own credentials, the STS client — made at
    /// the first call (a configuration without brokering makes none), and the error when they cannot be.
    final class LazyClients: Sendable {
        struct Made: Sendable {
            let http: CredentialHTTPClients
            let chain: CredentialChain
            let sts: STSClient
        }
        let make: @Sendable (CredentialHTTPClients) throws(CredentialError) -> (CredentialChain, STSClient)
        let state = Mutex<(http: CredentialHTTPClients?, made: Result<Made, CredentialError>?)>((nil, nil))

        init(
            _ make: @escaping @Sendable (CredentialHTTPClients) throws(CredentialError) -> (CredentialChain, STSClient)
        ) {
            self.make = make
        }

        func get() throws(CredentialError) -> Made {
            let result = state.withLock { state in
                if let made = state.made { return made }
                let http = CredentialHTTPClients()
                state.http = http
                let made = Result { () throws(CredentialError) -> Made in
                    let (chain, sts) = try make(http)
                    return Made(http: http, chain: chain, sts: sts)
                }
                state.made = made
                return made
            }
            return try result.get()
        }

        func shutdown() async {
            let (http, made) = state.withLock { ($0.http, $0.made) }
            if case .success(let made) = made { made.chain.shutdown() }
            try? await http?.shutdown()
        }
    }

    /// Creates the broker for the configuration at start.
    init(
        brokering: PolicyConfig.Brokering, model: AWSModel, metrics: any MetricsFactory, logger: Logger,
        environment: [String: String] = ProcessEnvironment.current
    ) {
        let brokerMetrics = BrokerMetrics(factory: metrics)
        let partitions = model.partitions
        let region = brokering.stsRegion ?? STSEndpoint.region(in: environment)
        let clients = LazyClients { http throws(CredentialError) in
            let chain = try CredentialChain(
                environment: environment, clients: http, partitions: partitions, metrics: brokerMetrics)
            let sts = try STSClient(
                region: region,
                endpoint: STSEndpoint.url(region: region, environment: environment, partitions: partitions),
                client: http.sts, metrics: brokerMetrics)
            logger.info(
                "brokering: sigv4-authz's own credentials and STS",
                metadata: ["source": "\(chain.source.rawValue)", "sts": "\(sts.endpoint)"])
            return (chain, sts)
        }
        self.clients = clients
        self.cache = ExpiringCache(
            timing: CacheTiming(refreshBefore: Int64(brokering.refreshBeforeSeconds)), metrics: brokerMetrics
        ) { target throws(CredentialError) in
            do throws(CredentialError) {
                let made = try clients.get()
                let base = try await made.chain.credentials()
                let role = try await made.sts.assumeRole(
                    roleARN: target.roleARN, sessionName: target.sessionName, policy: target.sessionPolicy,
                    durationSeconds: target.durationSeconds, externalID: target.externalID, using: base)
                logger.info(
                    "brokering: role credentials",
                    metadata: [
                        "role": "\(target.roleARN)", "access_key_id": "\(role.credentials.accessKeyID)",
                        "expires": "\(role.credentials.expiration.map(String.init) ?? "never")",
                    ])
                return role.credentials
            } catch {
                logger.error(
                    "brokering: the role's credentials could not be obtained; its requests are denied broker_unavailable",
                    metadata: ["role": "\(target.roleARN)", "error": "\(error)"])
                throw error
            }
        }
    }

    func credentials(for target: RoleTarget) -> SigningCredentials? { cache.cached(target) }

    func use(_ targets: Set<RoleTarget>) { cache.setKeys(targets) }

    /// Runs until graceful shutdown, then stops the refreshes and closes the HTTP clients.
    func run() async throws {
        try? await gracefulShutdown()
        cache.shutdown()
        await clients.shutdown()
    }
}
