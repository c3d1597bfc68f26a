import SigV4
import Testing

@testable import AWSClassifier

/// The route index (``RouteIndex``) must give the matcher every route a request could match: these
/// build, for every REST route of the bundled model, a request that route matches and check the index
/// offers the route; then the cases the index reads specially.
@Suite("Route index")
struct RouteIndexTests {
    /// A request that `route` matches: labels filled in (a greedy one with two segments), its query
    /// literals and members, its required headers.
    static func request(matching route: AWSModel.Route) -> WireRequest {
        let path =
            "/"
            + route.segments.map { segment -> String in
                switch segment {
                case .literal(let text): text
                case .label: "x"
                case .greedyLabel: "x/y"
                }
            }.joined(separator: "/")
        var parameters: [String] = []
        for literal in route.literalQuery {
            if let value = literal.value {
                parameters.append("\(literal.name)=\(value)")
            } else {
                parameters.append(literal.name)
            }
        }
        for member in route.requiredQuery { parameters.append("\(member)=v") }
        let query = parameters.joined(separator: "&")
        let headers = [HeaderField("host", "example.com")] + route.requiredHeaders.map { HeaderField($0, "v") }
        return WireRequest(
            SigV4Request(method: route.method, rawPath: path, rawQuery: query, headers: headers), body: nil)
    }

    /// The routes the index offers for `wire`.
    static func candidates(_ service: AWSModel.Service, _ wire: WireRequest) -> [AWSModel.Route] {
        guard let index = service.routes(for: wire.method) else { return [] }
        var found: [AWSModel.Route] = []
        RequestPath(rawPath: wire.rawPath, hostBucket: nil).withSegments { segments in
            index.forEachCandidate(segments: segments, query: wire.query) { found.append($0) }
        }
        return found
    }

    @Test("every REST route of the model is offered for a request it matches")
    func everyRouteOffered() throws {
        let model = try AWSModel.bundled()
        var checked = 0
        for service in model.services.values where !service.routes.isEmpty {
            for route in service.routes {
                let wire = Self.request(matching: route)
                let candidates = Self.candidates(service, wire)
                #expect(
                    candidates.contains(route), "\(service.modelName) \(route.method) \(route.operation) not offered")
                // The index narrows: never more routes than the method has.
                #expect(candidates.count <= service.routes.filter { $0.method == route.method }.count + 4)
                checked += 1
            }
        }
        #expect(checked > 5_000, "the model's REST routes (\(checked)) were not all checked")
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var method: String
        var path: String
        var query: String
        var operation: String?
        var testDescription: String { "\(method) \(path)?\(query)" }
    }

    static let s3Cases: [Case] = [
        Case(method: "GET", path: "/bucket", query: "acl", operation: "GetBucketAcl"),
        Case(method: "GET", path: "/bucket/key", query: "acl", operation: "GetObjectAcl"),
        Case(method: "GET", path: "/bucket", query: "acl&acl", operation: "GetBucketAcl"),
        Case(method: "GET", path: "/bucket/key", query: "", operation: "GetObject"),
        Case(method: "GET", path: "/bucket", query: "list-type=2", operation: "ListObjectsV2"),
        Case(method: "POST", path: "/bucket", query: "delete", operation: "DeleteObjects"),
        // Two routes equally specific: ambiguous at the route level (the host tells them apart).
        Case(method: "GET", path: "/", query: "", operation: nil),
    ]

    @Test("S3 requests found through the query-literal index", arguments: s3Cases)
    func s3(_ expected: Case) throws {
        let model = try AWSModel.bundled()
        let s3 = try #require(model.services["s3"])
        let wire = WireRequest(
            SigV4Request(
                method: expected.method, rawPath: expected.path, rawQuery: expected.query,
                headers: [HeaderField("host", "s3.amazonaws.com")]), body: nil)
        let result = RouteMatcher(routes: s3.routes(for: wire.method)).match(wire, hostBucket: nil)
        if expected.operation == nil, case .ambiguous(let operations, _) = result {
            #expect(operations == ["ListBuckets", "ListDirectoryBuckets"])
            return
        }
        guard case .matched(let route, _) = result else {
            Issue.record("\(result)")
            return
        }
        #expect(route.operation == expected.operation)
    }

    @Test("a percent-encoded first literal finds its routes (the segment is decoded before the lookup)")
    func percentEncodedFirstLiteral() throws {
        let model = try AWSModel.bundled()
        let lambda = try #require(model.services["lambda"])
        let plain = Self.candidates(
            lambda,
            WireRequest(
                SigV4Request(
                    method: "GET", rawPath: "/2015-03-31/functions/f", rawQuery: "",
                    headers: [HeaderField("host", "lambda.us-east-1.amazonaws.com")]), body: nil))
        let encoded = Self.candidates(
            lambda,
            WireRequest(
                SigV4Request(
                    method: "GET", rawPath: "/2015%2D03%2D31/functions/f", rawQuery: "",
                    headers: [HeaderField("host", "lambda.us-east-1.amazonaws.com")]), body: nil))
        #expect(!plain.isEmpty)
        #expect(plain == encoded)
    }
}
