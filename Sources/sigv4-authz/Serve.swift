import AWSClassifier
import ArgumentParser
import AuthzCore
import AuthzServer
import Foundation
import Logging
import NIOCore
import NIOPosix
import Policy
import ServiceLifecycle
import UnixSignals

/// `sigv4-authz serve`: run the authorization server until SIGTERM or SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Run the authorization server (HTTP/1.1 + h2c checks, admin), reloading the configuration on SIGHUP and on change, reopening the audit file on SIGUSR1.",
        discussion: "Without --config: ./config.yaml if it exists, else the bundled example configuration.")

    @Option(help: "The configuration file.")
    var config: String?

    func run() async throws {
        MallocArenas.limit()
        LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
        let logger = Logger(label: "sigv4-authz")

        let path = resolveConfigPath()
        let model: AWSModel
        let loaded: ConfigurationFile
        let engine: AuthzEngineBox
        // Brokering: the roles' credentials, in the server's metrics registry; kept fresh as a service.
        let metrics = ServerMetrics(version: Version.current)
        let broker: RoleBroker
        // Identity tokens: their verifiers, kept across reloads; a service closing their HTTP clients.
        let identities = IdentityVerifiers(metrics: metrics.factory)
        do {
            model = try AWSModel.bundled()
            loaded =
                try path.map { try ConfigurationFile.load(path: $0) }
                ?? ConfigurationFile.parse(ExampleConfiguration.yaml, path: ExampleConfiguration.path)
            broker = RoleBroker(
                brokering: loaded.policy.brokering, model: model, metrics: metrics.factory, logger: logger)
            engine = AuthzEngineBox(
                try PolicyLoader.engine(for: loaded, model: model, roles: broker, identities: identities))
        } catch {
            printError("\(error)")
            throw ExitStatus.usage
        }

        // The singleton group: the one `SigV4Authz.main` made Swift's executor, and the gRPC transport's.
        let group = MultiThreadedEventLoopGroup.singleton
        let server: AuthzServer
        do {
            server = try AuthzServer(
                configuration: loaded.server, engine: engine.engine, path: path, model: model, group: group,
                logger: logger, version: Version.current, metrics: metrics, roles: broker,
                brokerServices: [broker, identities], identities: identities)
        } catch {
            printError("sigv4-authz: \(error)")
            throw ExitStatus.usage
        }
        logger.info(
            "starting sigv4-authz", metadata: server.startupMetadata.merging(["version": "\(Version.current)"]) { $1 })
        if let path { ActionWarnings.log(path: path, model: model, logger: logger) }
        // SIGTERM/SIGINT: graceful shutdown, with server.shutdown_grace for the checks in flight.
        let services = ServiceGroup(
            configuration: server.serviceGroupConfiguration(signals: [.sigterm, .sigint], logger: logger))
        do {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await services.run() }
                // SIGUSR1: reopen the audit file (logrotate's `postrotate`); trapped before the first
                // check, so a rotation's signal never takes the default action (terminate).
                let rotations = await UnixSignalsSequence(trapping: .sigusr1)
                let audit = server.audit
                tasks.addTask {
                    for await _ in rotations {
                        logger.info("SIGUSR1: reopening the audit file")
                        audit.reopen()
                    }
                }
                try await tasks.next()
                tasks.cancelAll()
            }
        } catch let error as ServerError {
            // A listener could not bind: a start-up failure, reported like the others.
            logger.error("stopped with an error", metadata: ["error": "\(error)"])
            printError("sigv4-authz: \(error)")
            throw ExitStatus.usage
        } catch {
            logger.error("stopped with an error", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
        logger.info("stopped")
    }

    /// `--config`, else `./config.yaml`; `nil` for the compiled-in example (which is never reloaded).
    func resolveConfigPath() -> String? {
        if let config { return config }
        if FileManager.default.fileExists(atPath: "config.yaml") { return "config.yaml" }
        return nil
    }
}

/// Carries an engine out of a `do` block.
struct AuthzEngineBox {
    let engine: AuthzEngine
    init(_ engine: AuthzEngine) { self.engine = engine }
}

/// The version reported in `sigv4authz_build_info` and the startup line.
enum Version {
    static let current = "0.1.0"
}
