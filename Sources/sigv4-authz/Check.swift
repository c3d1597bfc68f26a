import AWSClassifier
import ArgumentParser
import AuthzCore
import AuthzServer
import Foundation
import Policy
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

    func curlRequest() throws -> AuthzRequest {
        guard let url, let components = URLComponents(string: url), let host = components.host else {
            throw ValidationError("--url must be an absolute URL such as https://s3.amazonaws.com/bucket/key")
        }
        var authority = host
        if let port = components.port { authority += ":\(port)" }
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        let target = components.percentEncodedQuery.map { "\(path)?\($0)" } ?? path
        var fields: [HeaderField] = []
        for header in headers {
            guard let colon = header.firstIndex(of: ":") else {
                throw ValidationError("--header must be 'Name: value'")
            }
            fields.append(
                HeaderField(
                    String(header[..<colon]),
                    String(header[header.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
        }
        return AuthzRequest(
            method: method, host: authority, target: target, headers: fields,
            body: RequestBody(data.map { Array($0.utf8) }),
            mode: .cli)
    }

    /// Reads `METHOD TARGET HTTP/1.1`, header lines, a blank line and the body.
    static func readRequestFile(_ path: String) throws -> AuthzRequest {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read \(path)")
        }
        let bytes = Array(data)
        var headerEnd = bytes.count
        var bodyStart = bytes.count
        for index in bytes.indices {
            if bytes[index...].starts(with: [0x0D, 0x0A, 0x0D, 0x0A]) {
                headerEnd = index; bodyStart = index + 4; break
            }
            if bytes[index...].starts(with: [0x0A, 0x0A]) { headerEnd = index; bodyStart = index + 2; break }
        }
        // Split on LF bytes (a String holds "\r\n" as one Character, which a split on "\n" never finds).
        var lines = bytes[..<headerEnd].split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self)
        }
        guard !lines.isEmpty else { throw ValidationError("\(path) is empty") }
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count == 3 else {
            throw ValidationError("\(path): the first line must be 'METHOD /target HTTP/1.1'")
        }
        var headers: [HeaderField] = []
        var host: String?
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else {
                throw ValidationError("\(path): '\(line)' is not a header line")
            }
            let name = String(line[..<colon])
            let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            if name.lowercased() == "host" { host = value }
            headers.append(HeaderField(name, value))
        }
        guard let host else { throw ValidationError("\(path): the request has no Host header") }
        let body = RequestBody(bodyStart < bytes.count ? Array(bytes[bodyStart...]) : nil)
        return AuthzRequest(
            method: String(requestLine[0]), host: host, target: String(requestLine[1]), headers: headers, body: body,
            mode: .cli)
    }
}
