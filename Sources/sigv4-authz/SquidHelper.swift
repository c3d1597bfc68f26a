import AWSClassifier
import ArgumentParser
import AuthzCore
import AuthzServer
import AuthzSquid
import Foundation
import Logging
import Policy
import Synchronization

/// `sigv4-authz squid-helper`: Squid's `external_acl_type` helper.
///
/// Reads lookups on standard input and answers each on standard output (``SquidHelperCodec``);
/// audit records go to the configuration's `audit.file`, or to standard error (Squid's cache.log) when
/// none is set, because standard output is the protocol. The configuration is re-read when the file
/// changes (checked at most once per `server.reload_poll`); a bad file keeps the old policy.
struct SquidHelper: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "squid-helper",
        abstract: "Answer Squid's external_acl_type lookups (one per line) with OK/ERR.",
        discussion: """
            squid.conf (the header codes in the order of --headers; see squid/squid.conf):
              external_acl_type sigv4_authz children-max=4 concurrency=50 ttl=0 negative_ttl=0 \\
                %>a %>rm %>ru %>ha{Host} %>ha{Authorization} %>ha{X-Amz-Date} … %DATA \\
                /usr/local/bin/sigv4-authz squid-helper --config /etc/sigv4-authz/config.yaml
            Lookup: [channel-id] CLIENT METHOD URL VALUE… [%DATA] (URL-escaped; "-" = absent).
            Reply:  [channel-id] OK|ERR message=… log=<reason> decision=… reason=… rule=… account=… …
            Default --headers: \(SquidHelperCodec.defaultHeaderNames.joined(separator: ","))
            """)

    @Option(help: "The configuration file.")
    var config: String

    @Option(
        help: ArgumentHelp(
            "The headers whose values follow %>a %>rm %>ru in the FORMAT, in order, comma-separated.",
            valueName: "names"))
    var headers = SquidHelperCodec.defaultHeaderNames.joined(separator: ",")

    var headerNames: [String] {
        headers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    func validate() throws {
        if let problem = SquidHelperCodec.validate(headerNames: headerNames) {
            throw ValidationError("--headers: \(problem)")
        }
    }

    func run() throws {
        let logger = Logger(label: "sigv4-authz.squid-helper") { JSONLogHandler(label: $0) }
        let model: AWSModel
        let engine: AuthzEngine
        let server: ServerConfiguration
        do {
            model = try AWSModel.bundled()
            (engine, server) = try PolicyLoader.load(path: config, model: model)
        } catch {
            printError("\(error)")
            throw ExitStatus.usage
        }
        let audit: DirectAuditSink
        do {
            audit = try DirectAuditSink(path: server.audit.file)
        } catch {
            printError("sigv4-authz: \(error)")
            throw ExitStatus.usage
        }
        // The same live authorizer and reloader as `serve`: metrics (not exported here), audit
        // settings and hot reload in one place. Standard output is the protocol, so there is no event
        // loop: the file is looked at between lookups, at most once per `server.reload_poll`.
        let authorizer = LiveAuthorizer(
            engine: engine, audit: server.audit, path: config, metrics: ServerMetrics(version: Version.current),
            sink: audit)
        let poll = server.reloadPoll
        let reloader = ConfigReloader(
            path: config, model: model, authorizer: authorizer, logger: logger, pollInterval: poll)
        var lastPoll = ContinuousClock.now
        let output = FileHandle.standardOutput
        let names = headerNames

        while let line = readLine(strippingNewline: true) {
            if ContinuousClock.now - lastPoll >= poll {
                lastPoll = .now
                reloader.reloadIfChanged()
                audit.reopenIfMoved()
            }
            let lookup = SquidHelperCodec.parse(Substring(line), headerNames: names)
            let result: CheckResult
            switch lookup.request {
            case .success(let request):
                result = authorizer.check(request)
            case .failure(let error):
                result = authorizer.refuse(Refusal(reason: .internalError, message: error.message, mode: .squid))
            }
            let reply = SquidHelperCodec.reply(channel: lookup.channel, result: result)
            output.write(Data((reply + "\n").utf8))
        }
    }
}

/// Where the helper's audit records go: the configured file (appended, one write(2) per record, so
/// Squid's helper processes can share it) or standard error (Squid's cache.log).
///
/// A record that cannot be written (a full disk, an I/O error) is dropped, never a crash: the first
/// drop of a burst is reported on standard error, and the count when writing resumes. After log
/// rotation (the file renamed or removed), the next look between lookups opens the configured path
/// again (``reopenIfMoved()``), so logrotate's `create` works without signalling every helper.
final class DirectAuditSink: AuditSink {
    private struct State {
        var handle: FileHandle
        /// Records dropped in the current burst of failures (0: writing works).
        var dropped = 0
    }

    private let path: String?
    private let state: Mutex<State>

    init(path: String?) throws(ServerError) {
        self.path = path
        guard let path else {
            state = Mutex(State(handle: FileHandle.standardError))
            return
        }
        state = Mutex(State(handle: try AuditLog.openForAppending(path)))
    }

    func record(_ line: String) {
        let target = path ?? "standard error"
        state.withLock { state in
            if let error = AuditLog.appendRecord(line, to: state.handle.fileDescriptor) {
                if state.dropped == 0 {
                    printError(
                        "sigv4-authz: audit records are being dropped: cannot write \(target): "
                            + String(cString: strerror(error)))
                }
                state.dropped += 1
            } else if state.dropped > 0 {
                printError("sigv4-authz: audit writing resumed; \(state.dropped) records were dropped")
                state.dropped = 0
            }
        }
    }

    /// Opens the configured path again when it no longer names the open file (renamed or removed by
    /// log rotation); keeps the open file when the new one cannot be opened.
    func reopenIfMoved() {
        guard let path else { return }
        state.withLock { state in
            guard let open = FileStatus.of(descriptor: state.handle.fileDescriptor) else { return }
            if let named = FileStatus.of(path: path), named.isSameFile(as: open) { return }
            do {
                state.handle = try AuditLog.openForAppending(path)
            } catch {
                printError("sigv4-authz: cannot reopen the audit file after rotation: \(error)")
            }
        }
    }
}
