import AWSClassifier
import SigV4
import Testing

/// Real request shapes serialized by botocore (no network): the classifier must find botocore's own
/// service, region and operation from the wire form alone.
@Suite("botocore request shapes")
struct BotocoreRequestTests {
    static let vectors = Fixtures.vectors

    @Test("the vector file is broad")
    func coverage() {
        #expect(Self.vectors.count >= 150)
        #expect(Set(Self.vectors.map(\.model)).count >= 40)
        #expect(
            Set(Self.vectors.map(\.protocol)) == [
                "rest-json", "rest-xml", "json", "query", "ec2", "smithy-rpc-v2-cbor",
            ])
    }

    @Test("service, region, operation and resource match botocore", arguments: vectors)
    func classify(_ vector: RequestVector) {
        let result = Fixtures.classify(vector.request, body: vector.body)
        if vector.host.hasPrefix("127.") {
            // botocore with a custom endpoint_url: an IP address is never an AWS endpoint here.
            #expect(result.problem?.reasonCode == "unknown_endpoint")
            return
        }
        #expect(result.problem == nil, "\(String(describing: result.problem))")
        #expect(result.serviceModel == vector.model || Self.sameService(result.serviceModel, vector.model))
        #expect(result.operation == vector.operation)
        #expect(result.signingName == vector.scope_service)
        if !vector.region.isEmpty { #expect(result.region == vector.region) }
        #expect(result.action.name != nil)
        // A Multi-Region Access Point's host carries an alias, not the owner's account: its ARN cannot
        // be derived from the request.
        if let expected = vector.expected_resource, result.endpoint?.kind != .s3MultiRegionAccessPoint {
            #expect(result.resource == expected)
        }
        if let name = vector.expected_resource_name, result.resource != nil {
            #expect(
                result.resource?.hasSuffix(name) == true, "\(String(describing: result.resource)) should end in \(name)"
            )
        }
    }

    /// Models that share an endpoint and signing name and whose operations grant the same IAM
    /// action are the same service for authorization (botocore's rds/docdb/neptune share `rds`).
    static func sameService(_ found: String?, _ expected: String) -> Bool {
        let rdsFamily: Set<String> = ["rds", "docdb", "neptune"]
        return found.map { rdsFamily.contains($0) && rdsFamily.contains(expected) } ?? false
    }

    @Test("without the body, query-protocol actions are unknown, never guessed")
    func withoutBody() {
        var checked = 0
        for vector in Self.vectors where vector.protocol == "query" || vector.protocol == "ec2" {
            guard vector.method == "POST", !vector.body.isEmpty else { continue }
            let result = Fixtures.classify(vector.request, body: nil)
            #expect(result.action.name == nil, "\(vector.name): \(result.action)")
            #expect(result.problem == nil)
            checked += 1
        }
        #expect(checked >= 20)
    }
}
