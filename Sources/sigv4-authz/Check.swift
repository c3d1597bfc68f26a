import AWSClassifier
import ArgumentParser
import AuthzCore
import AuthzServer
import Foundation
import Policy
import PolicyTesting
import SigV4

/// `sigv4-authz check`: decide about one request and say why.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decide about one request and print the decision, the reason, the rule and every fact used.",
        discussion: """
            Give the request one of three ways:
              --credential AKID/DATE/REGION/SERVICE/aws4_request   (a credential only, as Clotho's CLI)
              --request FILE                                       (a raw HTTP request: request line, headers, body)
              --method M --url URL [--header 'Name: value' …] [--data TEXT]
            """)

    @Option(help: "The configuration file.")
    var config: String

    @Option(help: "A credential scope: AKID/YYYYMMDD/REGION/SERVICE/aws4_request.")
    var credential: String?

    @Option(help: "A file holding a raw HTTP request.")
    var request: String?

    @Option(help: "The method of a curl-like request.")
    var method = "GET"

    @Option(help: "The URL of a curl-like request (https://host/path?query).")
    var url: String?

    @Option(name: .customLong("header"), help: "A header of a curl-like request, 'Name: value' (repeatable).")
    var headers: [String] = []

    @Option(help: "The body of a curl-like request.")
    var data: String?

    @Option(help: "Evaluate at this time (YYYYMMDDTHHMMSSZ) instead of now, for requests signed earlier.")
    var at: String?

    @Flag(help: "Print JSON for machines.")
    var json = false

    func validate() throws {
        let inputs = [credential != nil, request != nil, url != nil].filter { $0 }.count
        guard inputs == 1 else { throw ValidationError("give exactly one of --credential, --request or --url") }
        if let at, AmzTimestamp(iso8601Basic: Substring(at)) == nil {
            throw ValidationError("--at must be YYYYMMDDTHHMMSSZ")
        }
    }

    func run() throws {
        let clock: @Sendable () -> Int64
        if let at, let time = AmzTimestamp(iso8601Basic: Substring(at)) {
            let fixed = time.secondsSinceEpoch * 1000
            clock = { fixed }
        } else {
            clock = AuthzEngine.systemClock
        }
        let engine: AuthzEngine
        do {
            let loaded = try ConfigurationFile.load(path: config)
            engine = try PolicyLoader.engine(for: loaded, model: AWSModel.bundled(), now: clock)
        } catch {
            printError("\(error)")
            throw ExitStatus.usage
        }

        let result: CheckResult
        if let credential {
            guard credential.split(separator: "/", omittingEmptySubsequences: false).count == 5 else {
                printError("sigv4-authz: --credential must be AKID/YYYYMMDD/REGION/SERVICE/aws4_request")
                throw ExitStatus.usage
            }
            result = engine.decide(credentialScope: credential, at: clock())
        } else {
            let authzRequest: AuthzRequest
            do {
                authzRequest = try request.map(Self.readRequestFile) ?? curlRequest()
            } catch let error as ValidationError {
                printError("sigv4-authz: \(error.message)")
                throw ExitStatus.usage
            }
            result = engine.decide(authzRequest)
        }
        print(json ? AuditRecord(result).json : CheckReport.text(result))
        // A would_deny is answered allow: exit 0, as the proxy lets the request through.
        throw result.decision.answer == .allow ? ExitStatus.allow : ExitStatus.deny
    }

    /// The `--url` request, as given (RequestInput: the request building `test` shares).
    func curlRequest() throws -> AuthzRequest {
        guard let url else { throw ValidationError("give --url") }
        var fields: [HeaderField] = []
        for header in headers {
            do {
                fields.append(try RequestInput.header(header))
            } catch {
                throw ValidationError("--header: \(error)")
            }
        }
        do {
            return try RequestInput.curl(method: method, url: url, headers: fields, body: data.map { Array($0.utf8) })
        } catch {
            throw ValidationError("--url: \(error)")
        }
    }

    /// Reads `METHOD TARGET HTTP/1.1`, header lines, a blank line and the body (RequestInput.raw).
    static func readRequestFile(_ path: String) throws -> AuthzRequest {
        do {
            return try RequestInput.rawFile(path)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
