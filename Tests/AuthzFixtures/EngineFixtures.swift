public import AWSClassifier
public import AuthzCore
internal import Foundation
internal import Policy
public import SigV4

/// The decision core's test fixtures, shared by the core's and the front ends' test targets: a
/// configuration with accounts, known keys and a rule; an engine on a fixed clock; requests signed
/// by this package's signer at that time.
public enum EngineFixtures {
    public static let signingTime: Int64 = 1_768_480_496  // 2026-01-15T12:34:56Z
    public static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    public static let sessionToken = "IQoJb3JpZ2luX2VjEXAMPLETOKEN"

    public static let yaml = """
        credentials:
          keys:
            - { access_key_id: AKIAV7S32T2OSBFJQOIY, secret_env: PARTNER_SECRET }
            - { access_key_id: ASIAQNZGKIQY56JQ7WML, secret_env: STRICT_SECRET, require_verification: true }
        accounts:
          "171436882533":
            name: prod
            regions:
              eu-west-1: { services: [s3, dynamodb, sts, sqs] }
          "411435703965":
            name: partner
            regions:
              "*": { services: ["*"] }
          "029608264753":
            regions:
              "*": { services: ["*"] }
        rules:
          - name: no-secret-reads
            effect: deny
            actions: ["secretsmanager:GetSecretValue"]
        default: deny
        """

    public static let model = Result { try AWSModel.bundled() }

    public static func engine(legacy: String = "deny", requireSignature: Bool = true) throws -> AuthzEngine {
        var text = yaml
        if legacy == "allow" {
            text = text.replacingOccurrences(of: "credentials:\n", with: "credentials:\n  legacy_access_keys: allow\n")
        }
        if !requireSignature {
            text = text.replacingOccurrences(of: "credentials:\n", with: "credentials:\n  require_signature: false\n")
        }
        let config = try PolicyConfig.parse(text, path: "test.yaml")
        let keys = try KeyStore(config: config, environment: ["PARTNER_SECRET": secret, "STRICT_SECRET": secret])
        let model = try model.get()
        return AuthzEngine(
            policy: try CompiledPolicy(config), classifier: RequestClassifier(model: model), keys: keys,
            now: { (signingTime + 60) * 1000 })
    }

    /// A request signed with SigV4 by this module's signer at the fixed time.
    public static func signed(
        method: String = "GET", host: String, target: String = "/", service: String, region: String,
        key: String = "AKIASP2TPHJSQH3FJRUX", secret: String = secret, token: String? = nil,
        headers: [(String, String)] = [], body: [UInt8] = [], time: Int64 = signingTime
    ) -> (SigV4Request, [UInt8]) {
        var request = SigV4Request(
            method: method, requestTarget: target,
            headers: [HeaderField("Host", host)] + headers.map { HeaderField($0.0, $0.1) })
        let signer = SigV4Signer(accessKeyID: key, secretAccessKey: secret, sessionToken: token)
        _ = try? signer.sign(
            &request, region: region, service: service, timestamp: AmzTimestamp(secondsSinceEpoch: time),
            payloadHash: PayloadHash.sha256Hex(of: body))
        return (request, body)
    }

    public static func authz(
        _ signed: (SigV4Request, [UInt8]), withBody: Bool = true, mode: AuthzMode = .grpc
    ) -> AuthzRequest {
        let (request, body) = signed
        let host = request.headerValues("host").first ?? ""
        let target = request.rawQuery.isEmpty ? request.rawPath : "\(request.rawPath)?\(request.rawQuery)"
        return AuthzRequest(
            method: request.method, host: host, target: target, headers: request.headers.filter { $0.name != "Host" },
            body: withBody ? .complete(body) : .absent, sourceAddress: "10.1.2.3:40000",
            principal: "spiffe://cluster.local/ns/app/sa/web",
            mode: mode, requestID: "req-1")
    }
}
