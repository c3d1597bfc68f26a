// The transports' ceiling: sigv4-authz's own check listeners (HTTP/1.1 + h2c and gRPC, set up exactly
// as `serve` sets them up, on NIO's singleton group as Swift's executor) answering every check with
// the response of the first one. What is left is the cost of the transports and the request/response
// translation alone, the most `serve` could reach if deciding were free. Benchmark use only
// (`scripts/bench-server.sh`): it never decides a second request.
//
//     TransportCeiling CONFIG.yaml     listens on CONFIG's `listen.http` and `listen.grpc`
import AWSClassifier
import AuthzCore
import AuthzHTTP
import AuthzServer
import Dispatch
import Logging
import NIOCore
import NIOPosix
import Policy
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Decides the first check for real and answers every later check with that same result.
final class FirstAnswerAuthorizer: Authorizer {
    let engine: AuthzEngine
    let first = Mutex<CheckResult?>(nil)

    init(engine: AuthzEngine) { self.engine = engine }

    func check(_ request: AuthzRequest) -> CheckResult {
        if let answer = first.withLock({ $0 }) { return answer }
        let answer = engine.decide(request)
        return first.withLock { stored in
            if stored == nil { stored = answer }
            return stored ?? answer
        }
    }

    func refuse(_ refusal: Refusal) -> CheckResult { engine.refuse(refusal) }
}

func run() async -> Int32 {
    let logger = Logger(label: "transport-ceiling")
    guard CommandLine.arguments.count == 2 else {
        print("usage: TransportCeiling CONFIG.yaml")
        return 2
    }
    let config: ConfigurationFile
    let engine: AuthzEngine
    do {
        config = try ConfigurationFile.load(path: CommandLine.arguments[1])
        engine = try PolicyLoader.engine(for: config, model: AWSModel.bundled())
    } catch {
        print("\(error)")
        return 1
    }
    let http = config.server.listen.http
    let grpc = config.server.listen.grpc
    let authorizer = FirstAnswerAuthorizer(engine: engine)
    let configuration = HTTPCheckConfiguration(config.server)
    let services: [any Service] = [
        Listener(
            name: "http", address: http, group: MultiThreadedEventLoopGroup.singleton, logger: logger,
            initializer: { channel in
                try HTTPCheckPipeline.configure(channel, configuration: configuration, authorizer: authorizer)
            }),
        GRPCListener(
            address: grpc, authorizer: authorizer, tls: nil, maxBodyBytes: configuration.maxBodyBytes,
            maxHeaderBytes: configuration.maxHeaderBytes, idleTimeoutSeconds: configuration.idleTimeoutSeconds,
            group: MultiThreadedEventLoopGroup.singleton, logger: logger, ready: { true }, onBound: { _ in }),
    ]
    var groupConfiguration = ServiceGroupConfiguration(
        services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
        gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger)
    groupConfiguration.maximumGracefulShutdownDuration = config.server.shutdownGrace
    let group = ServiceGroup(configuration: groupConfiguration)
    do {
        try await group.run()
    } catch {
        print("\(error)")
        return 1
    }
    return 0
}

_ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
let finished = DispatchSemaphore(value: 0)
let status = Mutex<Int32>(0)
Task.detached {
    let code = await run()
    status.withLock { $0 = code }
    finished.signal()
}
finished.wait()
exit(status.withLock { $0 })
