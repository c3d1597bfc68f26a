import AWSClassifier
import AuthzServer
import Foundation
import Policy
import SigV4
import Testing

@testable import AuthzCore

/// The configurations the project ships are safe as shipped: the example that
/// `serve` runs without `--config` and the Kubernetes policy. Both are loaded from disk and compiled
/// the way the server does, then asked about hostile and honest STS calls.
///
/// STS is not in either file's `accounts:` allowlist (which grants whole services and cannot see an
/// action or a resource). Statements allow `sts:GetCallerIdentity` to anyone and `sts:AssumeRole*`
/// (with `sts:TagSession` and `sts:SetSourceIdentity`, which AWS authorizes on the role in the same
/// call) to the listed accounts only into roles of the listed accounts, by the `RoleArn`. Two deny
/// statements hold whatever else would allow STS (the staging account's `services: ["*"]`, the
/// example's `ci-reads-staging` with `*:Get*`): every other STS action or an unknown one, and
/// `AssumeRole*` into any other account's role or an unknown one.
@Suite("Shipped configurations")
struct ShippedConfigurationTests {
    static let signingTime: Int64 = 1_768_480_496  // 2026-01-15T12:34:56Z
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"  // not verified: no file knows a key
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    // The statements of both files.
    static let denyOtherActions = "sts-only-caller-identity-and-assume-role"
    static let denyOtherRoles = "sts-assume-role-only-into-listed-accounts"
    static let allowCallerIdentity = "sts-caller-identity-for-anyone"
    static let allowAssumeRole = "sts-assume-role-into-listed-accounts"

    /// A signer: an access key id and the account it derives to.
    struct Signer: Sendable, Hashable {
        var name: String
        var key: String
        var account: String
        var role: String { "arn:aws:iam::\(account):role/app" }
    }

    // Key ids whose account derives to an id the files use. Those of 111122223333, 444455556666 and
    // 999988887777 are minted: "AKIA" + base32(z as 6 bytes big-endian + 4 filler bytes) with
    // z = 1 << 47 | account << 7 (the inverse of `AWSAccountID(accessKeyID:)`; the set top bit makes
    // the fifth character Q–Z or 2–7, a new-generation id). `keysDerive` re-derives every one.
    static let exampleProd = Signer(name: "prod", key: "AKIASP2TPHJSQH3FJRUX", account: "171436882533")
    static let exampleStaging = Signer(name: "staging", key: "AKIAV7S32T2OSBFJQOIY", account: "411435703965")
    static let deployProd = Signer(name: "prod", key: "AKIARTX3GSDSQAJDIVTY", account: "111122223333")
    static let deployStaging = Signer(name: "staging", key: "AKIAWO645SY5AAJDIVTY", account: "444455556666")
    /// Listed in the example (staging), in no account of the Kubernetes policy.
    static let unlisted = Signer(name: "unlisted 411435703965", key: "AKIAV7S32T2OSBFJQOIY", account: "411435703965")
    /// The attacker, in neither file.
    static let attacker = Signer(name: "attacker", key: "AKIA6RU73QDQQAJDIVTY", account: "999988887777")

    /// One of the shipped files.
    enum Shipped: String, Sendable, CaseIterable, CustomTestStringConvertible {
        case example = "Sources/sigv4-authz/config.example.yaml"
        case deploy = "deploy/kubernetes/base/config.yaml"

        var testDescription: String { rawValue }
        var path: String { ShippedConfigurationTests.root.appendingPathComponent(rawValue).path }
        /// The accounts under `accounts:`.
        var listed: [Signer] {
            switch self {
            case .example: [exampleProd, exampleStaging]
            case .deploy: [deployProd, deployStaging]
            }
        }
        /// Accounts the file does not list.
        var outsiders: [Signer] {
            switch self {
            case .example: [attacker]
            case .deploy: [unlisted, attacker]
            }
        }
    }

    static let model = try? AWSModel.bundled()

    /// The file compiled as `serve --config` compiles it, with a fixed clock.
    static func engine(_ file: Shipped) throws -> AuthzEngine {
        let config = try ConfigurationFile.load(path: file.path).policy
        let model = try #require(Self.model)
        return AuthzEngine(
            policy: try CompiledPolicy(config), classifier: RequestClassifier(model: model),
            keys: try KeyStore(config: config, environment: [:]), now: { (signingTime + 60) * 1000 })
    }

    static let engines: [Shipped: Result<AuthzEngine, any Error>] = Dictionary(
        uniqueKeysWithValues: Shipped.allCases.map { file in (file, Result { try engine(file) }) })

    // MARK: Requests

    /// Percent-encodes like botocore's form serializer (everything but A–Z a–z 0–9 - _ . ~).
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    static func form(_ parameters: [(String, String)]) -> String {
        parameters.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }

    static func assumeRole(
        _ roleArn: String?, action: String = "AssumeRole", extra: [(String, String)] = []
    ) -> [(String, String)] {
        var parameters = [("Action", action), ("Version", "2011-06-15")]
        if let roleArn { parameters.append(("RoleArn", roleArn)) }
        parameters.append(("RoleSessionName", "x"))
        return parameters + extra
    }

    static let tags = [("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "payments")]
    static let callerIdentity = [("Action", "GetCallerIdentity"), ("Version", "2011-06-15")]
    static let sessionToken = [("Action", "GetSessionToken"), ("Version", "2011-06-15")]
    static let federationToken = [
        ("Action", "GetFederationToken"), ("Version", "2011-06-15"), ("Name", "x"),
        ("Policy", #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#),
    ]

    static let appPrincipal = "spiffe://cluster.local/ns/app/sa/web"
    /// Matches the example's ci-reads-staging (`*:Get*` for staging from 10.0.0.0/8).
    static let ciPrincipal = "spiffe://cluster.local/ns/ci/sa/runner"

    /// A SigV4-signed STS POST (botocore's shape: form body, its SHA-256 signed) as the proxy reports it.
    /// - Parameters:
    ///   - parameters: the form body; `nil` sends a GET without a body.
    ///   - query: a query string on the request target (botocore sends none).
    ///   - forwardBody: `false` is nginx, which never has the body.
    static func sts(
        _ signer: Signer, _ parameters: [(String, String)]?, query: String = "",
        host: String = "sts.amazonaws.com", region: String = "us-east-1", forwardBody: Bool = true,
        principal: String = appPrincipal
    ) -> AuthzRequest {
        let body = parameters.map { Array(form($0).utf8) } ?? []
        var headers = [HeaderField("Host", host)]
        if parameters != nil {  // a POST with a form body; without parameters a GET with none
            headers += [
                HeaderField("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
                HeaderField("Content-Length", "\(body.count)"),
            ]
        }
        var request = SigV4Request(
            method: parameters == nil ? "GET" : "POST", requestTarget: query.isEmpty ? "/" : "/?\(query)",
            headers: headers)
        let aws = SigV4Signer(accessKeyID: signer.key, secretAccessKey: secret)
        _ = try? aws.sign(
            &request, region: region, service: "sts", timestamp: AmzTimestamp(secondsSinceEpoch: signingTime),
            payloadHash: PayloadHash.sha256Hex(of: body))
        let target = request.rawQuery.isEmpty ? request.rawPath : "\(request.rawPath)?\(request.rawQuery)"
        return AuthzRequest(
            method: request.method, host: host, target: target, headers: request.headers.filter { $0.name != "Host" },
            body: forwardBody ? .complete(body) : .absent, sourceAddress: "10.1.2.3:40000", principal: principal,
            mode: forwardBody ? .grpc : .nginx, requestID: "shipped-1")
    }

    // MARK: The table

    struct Case: Sendable, CustomTestStringConvertible {
        var file: Shipped
        var what: String
        var request: AuthzRequest
        var reason: ReasonCode
        /// The deciding statement (`default` for the allowlist's denial); `nil`: not checked.
        var rule: String?
        var testDescription: String { "\(file.rawValue): \(what)" }
    }

    static var cases: [Case] {
        var cases: [Case] = []
        let outside = "arn:aws:iam::\(attacker.account):role/exfil"
        for file in Shipped.allCases {
            func add(_ what: String, _ request: AuthzRequest, _ reason: ReasonCode, _ rule: String?) {
                cases.append(Case(file: file, what: what, request: request, reason: reason, rule: rule))
            }
            for signer in file.listed {
                let name = "\(signer.name) (\(signer.account))"
                add("\(name) GetCallerIdentity", sts(signer, callerIdentity), .allowed, allowCallerIdentity)
                add(
                    "\(name) AssumeRole into its own role", sts(signer, assumeRole(signer.role)), .allowed,
                    allowAssumeRole)
                add(
                    "\(name) AssumeRole into a role with a path",
                    sts(signer, assumeRole("arn:aws:iam::\(signer.account):role/team/app")), .allowed, allowAssumeRole)
                add(
                    "\(name) AssumeRole with session tags into its own role (+ sts:TagSession)",
                    sts(signer, assumeRole(signer.role, extra: tags)), .allowed, allowAssumeRole)
                add(
                    "\(name) AssumeRole with SourceIdentity into its own role (+ sts:SetSourceIdentity)",
                    sts(signer, assumeRole(signer.role, extra: [("SourceIdentity", "alice")])), .allowed,
                    allowAssumeRole)
                add(
                    "\(name) AssumeRole into the attacker's role", sts(signer, assumeRole(outside)), .deniedByRule,
                    denyOtherRoles)
                add(
                    "\(name) AssumeRole into the attacker's role at a regional endpoint",
                    sts(signer, assumeRole(outside), host: "sts.eu-west-1.amazonaws.com", region: "eu-west-1"),
                    .deniedByRule, denyOtherRoles)
                add(
                    "\(name) AssumeRole with session tags into the attacker's role",
                    sts(signer, assumeRole(outside, extra: tags)), .deniedByRule, denyOtherRoles)
                add(
                    "\(name) AssumeRoleWithWebIdentity into the attacker's role",
                    sts(
                        signer,
                        assumeRole(
                            outside, action: "AssumeRoleWithWebIdentity", extra: [("WebIdentityToken", "eyJhbGciOi")])),
                    .deniedByRule, denyOtherRoles)
                add(
                    "\(name) AssumeRole without a RoleArn (the role is unknown)", sts(signer, assumeRole(nil)),
                    .deniedByRule, denyOtherRoles)
                add(
                    "\(name) GetSessionToken (as ci, whose *:Get* rule would match in the example)",
                    sts(signer, sessionToken, principal: ciPrincipal), .deniedByRule, denyOtherActions)
                add(
                    "\(name) GetFederationToken (as ci)", sts(signer, federationToken, principal: ciPrincipal),
                    .deniedByRule, denyOtherActions)
                add(
                    "\(name) GetFederationToken at a regional endpoint",
                    sts(signer, federationToken, host: "sts.eu-west-1.amazonaws.com", region: "eu-west-1"),
                    .deniedByRule, denyOtherActions)
                add(
                    "\(name) AssumeRole into its own role through nginx (no body: the action is unknown)",
                    sts(signer, assumeRole(signer.role), forwardBody: false), .deniedByRule, denyOtherActions)
                add(
                    "\(name) GET ?Action=AssumeRole into the attacker's role through nginx (URL Action, no body)",
                    sts(signer, nil, query: form(assumeRole(outside)), forwardBody: false), .deniedByRule,
                    denyOtherActions)
                add(
                    "\(name) GetCallerIdentity through nginx (no body: the action is unknown)",
                    sts(signer, callerIdentity, forwardBody: false), .deniedByRule, denyOtherActions)
                add(
                    "\(name) AssumeRole with its own role in the URL and the attacker's in the body",
                    sts(signer, assumeRole(outside), query: form([("RoleArn", signer.role)])), .ambiguousRequest, nil)
            }
            let (prod, staging) = (file.listed[0], file.listed[1])
            add("prod AssumeRole into a staging role", sts(prod, assumeRole(staging.role)), .allowed, allowAssumeRole)
            add("staging AssumeRole into a prod role", sts(staging, assumeRole(prod.role)), .allowed, allowAssumeRole)
            for signer in file.outsiders {
                let name = "\(signer.name) (\(signer.account), not listed)"
                add("\(name) GetCallerIdentity", sts(signer, callerIdentity), .allowed, allowCallerIdentity)
                add(
                    "\(name) AssumeRole into its own role", sts(signer, assumeRole(signer.role)), .deniedByRule,
                    denyOtherRoles)
                add(
                    "\(name) AssumeRole into the attacker's role", sts(signer, assumeRole(outside)), .deniedByRule,
                    denyOtherRoles)
                add(
                    "\(name) AssumeRole into a prod role", sts(signer, assumeRole(prod.role)), .accountNotAllowed,
                    "default")
                add(
                    "\(name) AssumeRole with session tags into a prod role",
                    sts(signer, assumeRole(prod.role, extra: tags)), .accountNotAllowed, "default")
                add("\(name) GetSessionToken", sts(signer, sessionToken), .deniedByRule, denyOtherActions)
                add("\(name) GetFederationToken", sts(signer, federationToken), .deniedByRule, denyOtherActions)
            }
        }
        return cases
    }

    @Test("hostile and honest STS calls against the shipped configurations", arguments: cases)
    func decide(_ testCase: Case) throws {
        let engine = try #require(try Self.engines[testCase.file]?.get())
        let response = engine.decide(testCase.request)
        #expect(response.decision.reason == testCase.reason, "\(response.decision)")
        #expect(response.decision.effect == (testCase.reason == .allowed ? .allow : .deny), "\(response.decision)")
        if let rule = testCase.rule {
            #expect(response.decision.rule == rule, "\(response.decision)")
        }
    }

    @Test("the key ids of the table derive to the accounts they stand for")
    func keysDerive() throws {
        for signer in [
            Self.exampleProd, Self.exampleStaging, Self.deployProd, Self.deployStaging, Self.unlisted, Self.attacker,
        ] {
            #expect(try AWSAccountID(accessKeyID: signer.key).description == signer.account, "\(signer.key)")
        }
    }

    @Test(
        "the shipped files load, name sts in no allowlist entry, and point at docs/ only",
        arguments: Shipped.allCases)
    func files(_ file: Shipped) throws {
        let config = try ConfigurationFile.load(path: file.path).policy
        let names = Set(config.rules.map(\.name))
        for rule in [Self.denyOtherActions, Self.denyOtherRoles, Self.allowCallerIdentity, Self.allowAssumeRole] {
            #expect(names.contains(rule), "\(file.rawValue) lacks \(rule)")
        }
        // Only an account entry with services: ["*"] may cover sts (the deny statements hold there);
        // none names it, and there is no "*" account entry (any key id would get what it grants).
        for entry in config.accounts ?? [] {
            #expect(entry.pattern != "*", "\(file.rawValue): a \"*\" account entry")
            for region in entry.regions {
                #expect(!region.services.contains { $0 != "*" && Glob($0).matches("sts") }, "\(entry.pattern)")
            }
        }
        let text = try String(contentsOfFile: file.path, encoding: .utf8)
        // The documents moved into docs/ (spelled in two parts so this file does not name the old folder).
        #expect(!text.contains(["..", "shared"].joined(separator: "/")))
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
