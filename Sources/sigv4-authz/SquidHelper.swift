import AWSClassifier
import ArgumentParser
import AuthzCore
import AuthzServer
import Foundation
import Policy

/// `sigv4-authz squid-helper`: Squid's `external_acl_type` helper.
///
/// Reads lookups on standard input and answers each on standard output (``SquidHelperProtocol``);
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
            Default --headers: \(SquidHelperProtocol.defaultHeaderNames.joined(separator: ","))
            """)

    @Option(help: "The configuration file.")
    var config: String

    @Option(
        help: ArgumentHelp(
            "The headers whose values follow %>a %>rm %>ru in the FORMAT, in order, comma-separated.",
            valueName: "names"))
    var headers = SquidHelperProtocol.defaultHeaderNames.joined(separator: ",")

    var headerNames: [String] {
        headers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    func validate() throws {
        if let problem = SquidHelperProtocol.validate(headerNames: headerNames) {
            throw ValidationError("--headers: \(problem)")
        }
    }

    func run() throws {
        let model: AWSModel
        var engine: AuthzEngine
        do {
            model = try AWSModel.bundled()
            engine = try PolicyLoader.load(path: config, model: model)
        } catch {
            printError("\(error)")
            throw ExitStatus.usage
        }
        var audit: AuditSink
        do {
            audit = try AuditSink(path: engine.policy.config.audit.file)
        } catch {
            printError("sigv4-authz: \(error)")
            throw ExitStatus.usage
        }
        var fingerprint = ConfigReloader.fingerprint(config)
        var lastPoll = Date()
        let output = FileHandle.standardOutput
        let names = headerNames

        while let line = readLine(strippingNewline: true) {
            // Re-read the configuration when it changed (Kubernetes ConfigMap swaps included).
            let pollSeconds = Double(engine.policy.config.server.reloadPollSeconds)
            if Date().timeIntervalSince(lastPoll) >= pollSeconds {
                lastPoll = Date()
                let now = ConfigReloader.fingerprint(config)
                if now != fingerprint {
                    fingerprint = now
                    do {
                        let reloaded = try PolicyLoader.load(path: config, model: model)
                        audit = try AuditSink(path: reloaded.policy.config.audit.file)
                        engine = reloaded
                        printError(#"{"level":"info","msg":"configuration reloaded"}"#)
                    } catch {
                        printError(
                            #"{"level":"error","msg":"configuration reload failed; the previous policy stays in force","error":"#
                                + JSONText.quoted("\(error)") + "}")
                    }
                }
            }

            let lookup = SquidHelperProtocol.parse(Substring(line), headerNames: names)
            let response: AuthzResponse
            switch lookup.request {
            case .success(let request):
                response = engine.decide(request)
            case .failure(let error):
                response = engine.refuse(reason: .internalError, message: error.message, mode: .squid)
            }
            if engine.policy.config.audit.records(response.decision.effect) { audit.write(response.audit.json) }
            let reply = SquidHelperProtocol.reply(channel: lookup.channel, response: response)
            output.write(Data((reply + "\n").utf8))
        }
    }
}

/// Where the helper's audit records go: the configured file (appended) or standard error.
struct AuditSink {
    let handle: FileHandle

    init(path: String?) throws {
        guard let path else {
            handle = FileHandle.standardError
            return
        }
        handle = try AuditLog.openForAppending(path)
    }

    func write(_ line: String) {
        handle.write(Data((line + "\n").utf8))
    }
}
