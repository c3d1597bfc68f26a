import AWSClassifier
import AuthzCore
import AuthzHTTP
import AuthzSquid
import Foundation
import NIOHTTP1
import OracleVectors
import Policy
import SigV4
import Testing

@testable import AuthzGRPC

/// The adversarial requests of `scripts/generate-adversarial-vectors.py` (built and signed with
/// botocore, or by hand where no SDK would send them), each judged through every front end's own
/// translation — Envoy gRPC with the whole body, a cut body and no body; Envoy HTTP with and without
/// the body; nginx `auth_request`; the Squid helper's lookup line — and the decision core. The
/// expected decision, reason and (action, resource) pairs were written from AWS's semantics in the
/// generator, not taken from this code's output.
@Suite("Adversarial requests through every front end")
struct AdversarialVectorTests {
    struct Pair: Decodable, Equatable, CustomStringConvertible {
        var action: String?
        var resource: String?

        init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            action = try container.decodeNil() ? nil : try container.decode(String.self)
            resource = try container.decodeNil() ? nil : try container.decode(String.self)
        }

        init(_ pair: ActionResource) {
            action = pair.action
            resource = pair.resource
        }

        var description: String { "(\(action ?? "nil"), \(resource ?? "nil"))" }
    }

    struct Expectation: Decodable {
        var decision: String
        var reason: String
        var authorizations: [Pair]?
    }

    struct Request: Decodable {
        var method: String
        var host: String
        var target: String
        var headers: [[String]]
        var body_base64: String
    }

    struct Case: Decodable, CustomTestStringConvertible {
        var name: String
        var `class`: String
        var service: String
        var policy: String
        var request: Request
        var expect: Expectation
        var expect_without_body: Expectation?
        /// The front ends the case applies to, when not all (a target Squid cannot carry, say).
        var frontends: [String]?

        var testDescription: String { name }
    }

    struct File: Decodable {
        var now: String
        var policies: [String: String]
        var cases: [Case]
    }

    static let file = CommittedVectors.decode(File.self, "adversarial")

    static let model = try? AWSModel.bundled()

    static func engine(policy name: String) throws -> AuthzEngine {
        let file = try #require(Self.file)
        let text = try #require(file.policies[name], "no policy \(name)")
        let config = try PolicyConfig.parse(text, path: "\(name).yaml")
        let formatter = ISO8601DateFormatter()
        let now = try #require(formatter.date(from: file.now))
        let milliseconds = Int64(now.timeIntervalSince1970 * 1000)
        return AuthzEngine(
            policy: try CompiledPolicy(config), classifier: RequestClassifier(model: try #require(Self.model)),
            keys: try KeyStore(config: config, environment: [:]), now: { milliseconds })
    }

    static let frontEnds = [
        "grpc", "grpc-cut-body", "grpc-no-body", "envoy-http", "envoy-http-no-body", "nginx", "squid",
    ]

    /// The request as front end `name` hands it to the core.
    static func translate(_ request: Request, frontEnd name: String) throws -> AuthzRequest {
        let body = Array(Data(base64Encoded: request.body_base64) ?? Data())
        let headers = request.headers.map { ($0[0], $0.count > 1 ? $0[1] : "") }
        let forwardedHeaders = headers.filter { $0.0.lowercased() != "content-length" && $0.0.lowercased() != "host" }
        switch name {
        case "grpc", "grpc-cut-body", "grpc-no-body":
            var check = Envoy_Service_Auth_V3_CheckRequest()
            var http = Envoy_Service_Auth_V3_AttributeContext.HttpRequest()
            http.method = request.method
            http.path = request.target
            http.host = request.host
            var all =
                [(":authority", request.host), (":method", request.method), (":path", request.target)]
                + headers.filter { $0.0.lowercased() != "host" }
            switch name {
            case "grpc":
                all.append(("x-envoy-auth-partial-body", "false"))
                http.rawBody = Data(body)
            case "grpc-cut-body":
                all.append(("x-envoy-auth-partial-body", "true"))
                http.rawBody = Data(body.prefix(body.count / 2))
            default:
                http.size = 0  // what Envoy reports without the body: not evidence of "no body"
            }
            http.headerMap.headers = all.map { key, value in
                var header = Envoy_Config_Core_V3_HeaderValue()
                header.key = key.lowercased()
                header.rawValue = Data(value.utf8)
                return header
            }
            check.attributes.request.http = http
            return AuthorizationService.translate(check).0
        case "envoy-http", "envoy-http-no-body", "nginx":
            let translator = CheckRequestTranslator(configuration: HTTPCheckConfiguration())
            var head: HTTPRequestHead
            var checkBody = RequestBody.absent
            if name == "nginx" {
                head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/nginx")
                head.headers.add(name: "Host", value: "sigv4-authz")
                head.headers.add(name: "X-Original-Method", value: request.method)
                head.headers.add(name: "X-Original-URI", value: request.target)
                head.headers.add(name: "X-Original-Host", value: request.host)
            } else {
                // Envoy sends the client's method and authority, and the path under its prefix.
                head = HTTPRequestHead(
                    version: .http1_1, method: HTTPMethod(rawValue: request.method), uri: "/envoy" + request.target)
                head.headers.add(name: "Host", value: request.host)
                if name == "envoy-http" {
                    head.headers.add(name: "x-envoy-auth-partial-body", value: "false")
                    checkBody = .complete(body)
                }
            }
            for (key, value) in forwardedHeaders { head.headers.add(name: key, value: value) }
            switch translator.translate(head, body: checkBody, remoteAddress: "10.0.0.1") {
            case .check(let authz): return authz
            case .notFound, .invalid: throw TranslationFailure(frontEnd: name)
            }
        case "squid":
            func escape(_ text: String) -> String {
                PercentEncoding.encode(text)
            }
            var fields = ["7", "10.0.0.1", request.method, escape("http://\(request.host)\(request.target)")]
            for headerName in SquidHelperCodec.defaultHeaderNames {
                let values = headers.filter { $0.0.lowercased() == headerName.lowercased() }.map(\.1)
                fields.append(values.isEmpty ? "-" : escape(values.joined(separator: ",")))
            }
            fields.append("-")
            let lookup = SquidHelperCodec.parse(Substring(fields.joined(separator: " ")))
            return try lookup.request.get()
        default:
            throw TranslationFailure(frontEnd: name)
        }
    }

    struct TranslationFailure: Error {
        var frontEnd: String
    }

    static var cases: [Case] { file?.cases ?? [] }

    @Test("the vectors are there and broad")
    func breadth() throws {
        let file = try #require(Self.file, "Tests/OracleVectors/Vectors/adversarial.json is missing or unreadable")
        #expect(file.cases.count >= 80)
        #expect(Set(file.cases.map(\.service)).count >= 8)
        #expect(Set(file.cases.map(\.class)).count >= 8)
        #expect(Set(file.cases.map(\.name)).count == file.cases.count)
        // Honest controls: a policy that denied everything would fail them.
        #expect(file.cases.filter { $0.expect.decision == "allow" }.count >= 10)
    }

    @Test("decision, reason and every (action, resource) pair, through every front end", arguments: cases)
    func vector(_ testCase: Case) throws {
        let engine = try Self.engine(policy: testCase.policy)
        for frontEnd in testCase.frontends ?? Self.frontEnds {
            let request = try Self.translate(testCase.request, frontEnd: frontEnd)
            let withBody = frontEnd == "grpc" || frontEnd == "envoy-http"
            let expected = withBody ? testCase.expect : (testCase.expect_without_body ?? testCase.expect)
            let response = engine.decide(request)
            let context = "\(testCase.name) via \(frontEnd): \(response.decision.reason.rawValue) \(response.message)"
            #expect(response.decision.effect.rawValue == expected.decision, "\(context)")
            #expect(response.decision.reason.rawValue == expected.reason, "\(context)")
            if let pairs = expected.authorizations {
                #expect(response.authorizations.map(Pair.init) == pairs, "\(context)")
            }
        }
    }
}
