import AWSClassifier
import Foundation
import SigV4
import Testing

/// One request serialized and signed by botocore (`scripts/generate-classifier-vectors.py`).
struct RequestVector: Codable, Sendable, CustomTestStringConvertible {
    var name: String
    var model: String
    var signing_name: String
    var endpoint_prefix: String
    var `protocol`: String
    var operation: String
    var region: String
    var scope_service: String
    var method: String
    var host: String
    var path: String
    var query: String
    var headers: [[String]]
    var body_base64: String
    var expected_resource: String?
    var expected_resource_name: String?

    var testDescription: String { name }

    var request: SigV4Request {
        SigV4Request(method: method, rawPath: path, rawQuery: query, headers: headers.map { HeaderField($0[0], $0[1]) })
    }

    var body: [UInt8] { Array(Data(base64Encoded: body_base64) ?? Data()) }
}

struct RequestVectorFile: Codable, Sendable {
    var vectors: [RequestVector]
}

enum Fixtures {
    static let classifier: RequestClassifier? = (try? AWSModel.bundled()).map(RequestClassifier.init)
    static let hosts: HostClassifier? = classifier.map { HostClassifier(model: $0.model) }

    static let vectors: [RequestVector] = {
        guard let url = Bundle.module.url(forResource: "requests", withExtension: "json", subdirectory: "Vectors"),
            let data = try? Data(contentsOf: url),
            let file = try? JSONDecoder().decode(RequestVectorFile.self, from: data)
        else { return [] }
        return file.vectors
    }()

    /// Classifies a request the way the decision core will: parse the credential, derive the account.
    static func classify(_ request: SigV4Request, body: [UInt8]?) -> Classification {
        var credential: SigV4Credential?
        if case .sigV4(let parsed)? = try? RequestAuthentication(parsing: request) { credential = parsed }
        let account = credential.flatMap { try? AWSAccountID(accessKeyID: $0.accessKeyID) }
        guard let classifier else {
            Issue.record("the bundled model does not load")
            return Classification()
        }
        return classifier.classify(request, body: body, credential: credential, accountID: account)
    }

    /// A request with a Host and a syntactically valid SigV4 credential for `service` in `region`.
    static func signed(
        method: String = "GET", host: String, target: String = "/", service: String, region: String,
        headers: [(String, String)] = [], body: [UInt8] = []
    ) -> SigV4Request {
        var request = SigV4Request(
            method: method, requestTarget: target,
            headers: [HeaderField("Host", host)] + headers.map { HeaderField($0.0, $0.1) })
        let signer = SigV4Signer(accessKeyID: "AKIASP2TPHJSQH3FJRUX", secretAccessKey: "secret")
        _ = try? signer.sign(
            &request, region: region, service: service, timestamp: AmzTimestamp(secondsSinceEpoch: 1_768_480_496),
            payloadHash: PayloadHash.sha256Hex(of: body))
        return request
    }
}

extension Classification.Problem {
    /// The contract's reason code the decision core reports for this problem (`ReasonCode(_:)` in
    /// AuthzCore), so the tables here read like the contract.
    var reasonCode: String {
        switch self {
        case .unknownEndpoint: "unknown_endpoint"
        case .scopeMismatch: "scope_mismatch"
        case .conflict: "ambiguous_request"
        }
    }
}
