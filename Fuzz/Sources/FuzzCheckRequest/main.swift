// Property fuzz target of the Envoy ext_authz gRPC translation (Sources/AuthzGRPC/AuthorizationService):
// the input is a serialized envoy.service.auth.v3.CheckRequest, decoded as GRPCConnectionHandler decodes
// it, translated, decided by an engine whose policy allows one account (171436882533) one service (s3)
// and nothing else, with the one known key's signature verified, and encoded as the CheckResponse.
// Properties:
// - no crash; decoding, translation and the decision are deterministic;
// - an allow only for that account and that service: the result's account is 171436882533 and its
//   classification's signing name is s3; with the known key, only with a verified signature;
// - the response matches the decision: status 0 with ok_response for an allow, status 7 with a 403
//   denied_response otherwise, and it serializes;
// - no response header carries the request's signature.
import AWSClassifier
import AuthzCore
import AuthzFixtures
import Foundation
import FuzzDriver
import Policy
import SigV4
import SwiftProtobuf

@testable import AuthzGRPC

let allowedAccount = AWSAccountID(171_436_882_533)
let allowedService = "s3"
let knownKey = "AKIASP2TPHJSQH3FJRUX"

let engine: AuthzEngine = {
    let yaml = """
        credentials:
          keys:
            - { access_key_id: \(knownKey), secret_env: S, require_verification: true }
        accounts:
          "171436882533":
            regions:
              "*": { services: [s3] }
        default: deny
        """
    do {
        let config = try PolicyConfig.parse(yaml, path: "fuzz.yaml")
        let keys = try KeyStore(config: config, environment: ["S": EngineFixtures.secret])
        return AuthzEngine(
            policy: try CompiledPolicy(config), classifier: RequestClassifier(model: try EngineFixtures.model.get()),
            keys: keys, now: { (EngineFixtures.signingTime + 60) * 1000 })
    } catch {
        fatalError("engine: \(error)")
    }
}()

let decodingOptions: BinaryDecodingOptions = {
    var options = BinaryDecodingOptions()
    options.discardUnknownFields = true
    return options
}()

/// A CheckRequest carrying a signed request: the headers in `header_map` (raw values) or in `headers`.
func checkRequest(
    _ signed: (SigV4Request, [UInt8]), headerMap: Bool, body: Bool
) -> Envoy_Service_Auth_V3_CheckRequest {
    let (request, bytes) = signed
    var check = Envoy_Service_Auth_V3_CheckRequest()
    var http = Envoy_Service_Auth_V3_AttributeContext.HttpRequest()
    http.method = request.method
    http.path = request.rawQuery.isEmpty ? request.rawPath : request.rawPath + "?" + request.rawQuery
    http.host = request.headerValues("host").first ?? ""
    http.id = "1234"
    http.scheme = "https"
    http.protocol = "HTTP/1.1"
    var fields = request.headers.filter { $0.name.lowercased() != "host" }.map { ($0.name.lowercased(), $0.value) }
    fields += [(":authority", http.host), (":method", request.method), (":path", http.path), ("x-request-id", "r-1")]
    if body {
        fields.append(("x-envoy-auth-partial-body", "false"))
        http.rawBody = Data(bytes)
        http.size = Int64(bytes.count)
    }
    if headerMap {
        var map = Envoy_Config_Core_V3_HeaderMap()
        map.headers = fields.map { name, value in
            var header = Envoy_Config_Core_V3_HeaderValue()
            header.key = name
            header.rawValue = Data(value.utf8)
            return header
        }
        http.headerMap = map
    } else {
        for (name, value) in fields { http.headers[name] = value }
    }
    check.attributes.request.http = http
    check.attributes.source.address.socketAddress.address = "10.1.2.3"
    check.attributes.source.address.socketAddress.portValue = 40000
    check.attributes.source.principal = "spiffe://cluster.local/ns/app/sa/web"
    return check
}

func seeds() -> [[UInt8]] {
    let requests: [(SigV4Request, [UInt8])] = [
        EngineFixtures.signed(
            host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/k.txt", service: "s3", region: "eu-west-1"),
        EngineFixtures.signed(
            method: "PUT", host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/a%20b.txt?x-id=PutObject",
            service: "s3",
            region: "eu-west-1", headers: [("x-amz-acl", "private")], body: Array("hello".utf8)),
        EngineFixtures.signed(
            method: "POST", host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/?delete", service: "s3",
            region: "eu-west-1", headers: [("content-type", "application/xml")],
            body: Array("<Delete><Object><Key>a</Key></Object></Delete>".utf8)),
        EngineFixtures.signed(host: "s3.us-east-1.amazonaws.com", target: "/", service: "s3", region: "us-east-1"),
        EngineFixtures.signed(
            method: "POST", host: "dynamodb.eu-west-1.amazonaws.com", service: "dynamodb", region: "eu-west-1",
            headers: [("content-type", "application/x-amz-json-1.0"), ("x-amz-target", "DynamoDB_20120810.GetItem")],
            body: Array("{\"TableName\":\"t\"}".utf8)),
        EngineFixtures.signed(
            method: "POST", host: "sts.amazonaws.com", service: "sts", region: "us-east-1",
            headers: [("content-type", "application/x-www-form-urlencoded")],
            body: Array("Action=GetCallerIdentity&Version=2011-06-15".utf8)),
        EngineFixtures.signed(
            host: "other-bucket.s3.eu-west-1.amazonaws.com", target: "/k", service: "s3", region: "eu-west-1",
            key: "AKIAV7S32T2OSBFJQOIY"),
        EngineFixtures.signed(
            host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/k", service: "s3", region: "eu-west-1",
            key: "ASIASP2TPHJSQH3FJRUX", token: EngineFixtures.sessionToken),
    ]
    var out: [[UInt8]] = []
    for (index, request) in requests.enumerated() {
        for headerMap in [true, false] {
            let check = checkRequest(request, headerMap: headerMap, body: index % 2 == 0 || !headerMap)
            if let bytes: [UInt8] = try? check.serializedBytes() { out.append(bytes) }
        }
    }
    return out
}

func fail(_ message: String, _ check: Envoy_Service_Auth_V3_CheckRequest, _ result: CheckResult) -> Never {
    fatalError(
        """
        \(message)
        request: \(check.attributes.request.http.method) \(check.attributes.request.http.host.debugDescription) \
        \(check.attributes.request.http.path.debugDescription)
        decision: \(result.decision.effect) \(result.decision.reason) account \(String(describing: result.account)) \
        service \(String(describing: result.classification?.signingName)) signature \(result.signature) \
        key \(String(describing: result.accessKeyID))
        """)
}

FuzzDriver.run(seeds: seeds) { bytes in
    guard
        let check = try? Envoy_Service_Auth_V3_CheckRequest(
            serializedBytes: Array(bytes), options: decodingOptions)
    else { return }
    let (request, clientDecisionHeaders) = AuthorizationService.translate(check)
    let (again, _) = AuthorizationService.translate(check)
    let result = engine.check(request)
    let second = engine.check(again)
    if result.decision.effect != second.decision.effect || result.decision.reason != second.decision.reason {
        fail("two decisions differ: \(second.decision.reason)", check, result)
    }
    if result.decision.effect == .allow {
        if result.account != allowedAccount { fail("allowed for another account", check, result) }
        if result.classification?.signingName != allowedService { fail("allowed for another service", check, result) }
        if result.accessKeyID == knownKey, result.signature != .verified {
            fail("the known key allowed without a verified signature", check, result)
        }
    }
    let response = AuthorizationService.encode(result, clientDecisionHeaders: clientDecisionHeaders)
    switch result.decision.answer {
    case .allow:
        guard response.status.code == 0, case .okResponse? = response.httpResponse else {
            fail("an allow not answered as status 0 with ok_response", check, result)
        }
    case .deny:
        guard response.status.code == 7, case .deniedResponse(let denied)? = response.httpResponse,
            denied.status.code == .forbidden
        else { fail("a deny not answered as status 7 with a 403", check, result) }
    }
    guard (try? response.serializedBytes() as [UInt8]) != nil else {
        fail("the response does not serialize", check, result)
    }
    // The request's signature never leaves in a response header.
    for header in request.headers where header.name.lowercased() == "authorization" {
        guard let range = header.value.range(of: "Signature=") else { continue }
        let signature = header.value[range.upperBound...].prefix { $0 != "," && $0 != " " }
        guard signature.utf8.count >= 16, !request.target.contains(signature), !request.host.contains(signature)
        else { continue }
        var sent: [Envoy_Config_Core_V3_HeaderValueOption] = []
        switch response.httpResponse {
        case .okResponse(let ok)?: sent = ok.headers
        case .deniedResponse(let denied)?:
            sent = denied.headers
            if denied.body.contains(signature) { fail("the deny body holds the signature", check, result) }
        default: break
        }
        if sent.contains(where: { $0.header.value.contains(signature) }) {
            fail("a response header holds the signature", check, result)
        }
    }
}
