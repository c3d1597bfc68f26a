import AWSClassifier
import AuthzFixtures
import Foundation
import Policy
import SigV4
import Testing

@testable import AuthzCore

/// The typed boundary: what a front end hands the core (the body's four states, refusals), how the
/// libraries' failures become reason codes, and the plain functions that render a result.
@Suite("Check boundary")
struct CheckBoundaryTests {
    static let form = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
    static let callerIdentity = Array("Action=GetCallerIdentity&Version=2011-06-15".utf8)

    /// An STS query-protocol call from the allowed `prod` account: its action is in the body.
    static func stsCall() -> AuthzRequest {
        EngineFixtures.authz(
            EngineFixtures.signed(
                method: "POST", host: "sts.eu-west-1.amazonaws.com", service: "sts", region: "eu-west-1",
                headers: form, body: callerIdentity))
    }

    struct BodyCase: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var body: RequestBody
        var reason: ReasonCode
        /// The action the result names (`nil`: unknown).
        var action: String?
    }

    static let bodyCases: [BodyCase] = [
        BodyCase(
            testDescription: "complete: the body names the action", body: .complete(callerIdentity), reason: .allowed,
            action: "sts:GetCallerIdentity"),
        BodyCase(
            testDescription: "absent: the action is unknown, nothing widens", body: .absent, reason: .allowed,
            action: nil),
        BodyCase(
            testDescription: "truncated: as unknown as absent", body: .truncated, reason: .allowed, action: nil),
        BodyCase(
            testDescription: "tooLarge: body_too_large before anything else", body: .tooLarge(5 << 20),
            reason: .bodyTooLarge, action: nil),
        BodyCase(
            testDescription: "complete but over server.max_body_bytes: body_too_large",
            body: .complete([UInt8](repeating: 0x41, count: (1 << 20) + 1)), reason: .bodyTooLarge, action: nil),
    ]

    @Test("the body's four states", arguments: bodyCases)
    func bodies(_ testCase: BodyCase) throws {
        var request = Self.stsCall()
        request.body = testCase.body
        let result = try EngineFixtures.engine().decide(request)
        #expect(result.decision.reason == testCase.reason, "\(result.message)")
        #expect(result.action == testCase.action)
        // Whatever the body, the record names the request (never its query).
        #expect(result.request?.method == "POST")
        #expect(result.request?.host == "sts.eu-west-1.amazonaws.com")
        #expect(result.request?.path == "/")
        if testCase.reason == .bodyTooLarge {
            #expect(result.message.contains("server.max_body_bytes"))
            #expect(DenyBody(denying: result) != nil)
        }
    }

    @Test("a refusal: denied with its reason, counted as its front end, no request facts")
    func refusal() throws {
        let engine = try EngineFixtures.engine()
        let result = engine.refuse(
            Refusal(
                reason: .internalError, message: "nginx must pass X-Original-URI", mode: .nginx,
                sourceAddress: "10.0.0.9", requestID: "rid-7"))
        #expect(result.decision.effect == .deny)
        #expect(result.decision.reason == .internalError)
        #expect(result.mode == .nginx)
        #expect(result.requestID == "rid-7")
        #expect(result.request == nil)
        let record = AuditRecord(result)
        #expect(record.method == "-" && record.host == "-" && record.path == "-")
        #expect(record.sourceAddress == "10.0.0.9")
        #expect(record.authorizations == [ActionResource(action: nil, resource: nil)])
        // A request id that is not one printable token is replaced.
        let replaced = engine.refuse(Refusal(reason: .internalError, message: "x", mode: .squid, requestID: "a b"))
        #expect(replaced.requestID != "a b" && !replaced.requestID.isEmpty)
    }

    @Test(
        "every SigV4 failure kind has its reason code",
        arguments: [
            (SigV4Error.Category.malformed, ReasonCode.malformedCredentials),
            (.unsupportedAlgorithm, .unsupportedSignature),
            (.legacyAccessKey, .legacyAccessKey),
            (.clockSkew, .clockSkew),
            (.requestExpired, .requestExpired),
            (.requestNotYetValid, .requestNotYetValid),
            (.signatureMismatch, .signatureMismatch),
        ])
    func sigV4Reasons(category: SigV4Error.Category, reason: ReasonCode) {
        #expect(ReasonCode(category) == reason)
    }

    @Test("the table above covers every SigV4 failure kind")
    func everyCategory() {
        #expect(SigV4Error.Category.allCases.count == 7)
    }

    @Test(
        "every classification problem has its reason code",
        arguments: [
            (Classification.Problem.unknownEndpoint("x"), ReasonCode.unknownEndpoint),
            (.scopeMismatch("x"), .scopeMismatch),
            (.conflict("x"), .ambiguousRequest),
        ])
    func problemReasons(problem: Classification.Problem, reason: ReasonCode) {
        #expect(ReasonCode(problem) == reason)
    }

    @Test("decision headers: nine on allow, the message added on deny, values one line of printable ASCII")
    func decisionHeaders() throws {
        let engine = try EngineFixtures.engine()
        let allowed = engine.decide(Self.stsCall())
        let allowHeaders = DecisionHeaders.fields(allowed)
        #expect(
            allowHeaders.map(\.name) == [
                "x-sigv4-authz-decision", "x-sigv4-authz-reason", "x-sigv4-authz-rule", "x-sigv4-authz-account",
                "x-sigv4-authz-account-name", "x-sigv4-authz-region", "x-sigv4-authz-service",
                "x-sigv4-authz-action", "x-sigv4-authz-request-id",
            ])
        #expect(
            allowHeaders.map(\.value).prefix(8) == [
                "allow", "allowed", #"accounts["171436882533"].regions["eu-west-1"]"#, "171436882533", "prod",
                "eu-west-1", "sts", "sts:GetCallerIdentity",
            ])
        #expect(DenyBody(denying: allowed) == nil)

        var denied = allowed
        denied.decision = .deny(.deniedByRule, "line one\nline two \u{7F} é", rule: "r\r\n")
        let denyHeaders = DecisionHeaders.fields(denied)
        #expect(denyHeaders.last?.name == "x-sigv4-authz-message")
        #expect(denyHeaders.last?.value == "sigv4-authz: line one?line two ? ?")
        #expect(denyHeaders.first { $0.name == "x-sigv4-authz-rule" }?.value == "r??")
        for (_, value) in denyHeaders {
            #expect(value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F })
        }
    }

    @Test("the audit record of a result: the path without its query, the typed facts as the contract's strings")
    func auditRecord() throws {
        let engine = try EngineFixtures.engine()
        var request = Self.stsCall()
        request.target = "/?token=secret"
        let result = engine.decide(request)
        let record = AuditRecord(result)
        #expect(record.path == "/")
        #expect(!record.json.contains("secret"))
        #expect(record.auth == "header")
        #expect(record.account == "171436882533")
        #expect(record.mode == .grpc)
        #expect(record.time == "2026-01-15T12:35:56.000Z")
    }

    struct ScopeCase: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var scope: String
        var legacy = "deny"
        var reason: ReasonCode
        var account: String?
    }

    static let scopeCases: [ScopeCase] = [
        ScopeCase(
            testDescription: "an allowed account, region and service",
            scope: "AKIASP2TPHJSQH3FJRUX/20260115/eu-west-1/s3/aws4_request", reason: .allowed,
            account: "171436882533"),
        ScopeCase(
            testDescription: "a region outside the allowlist",
            scope: "AKIASP2TPHJSQH3FJRUX/20260115/us-west-2/s3/aws4_request", reason: .regionNotAllowed,
            account: "171436882533"),
        ScopeCase(
            testDescription: "an account outside the allowlist",
            scope: "ASIAY34FZKBOKMUTVV7A/20260115/eu-west-1/s3/aws4_request", reason: .accountNotAllowed,
            account: nil),
        ScopeCase(
            testDescription: "a legacy key, denied", scope: "AKIAIOSFODNN7EXAMPLE/20260115/eu-west-1/s3/aws4_request",
            reason: .legacyAccessKey, account: nil),
        ScopeCase(
            testDescription: "a legacy key, allowed through to the statements (none allows an unknown account)",
            scope: "AKIAIOSFODNN7EXAMPLE/20260115/eu-west-1/s3/aws4_request", legacy: "allow",
            reason: .accountNotAllowed, account: nil),
        ScopeCase(
            testDescription: "not a scope", scope: "AKIASP2TPHJSQH3FJRUX/20260115/eu-west-1/s3",
            reason: .malformedCredentials, account: nil),
        ScopeCase(
            testDescription: "not an access key id", scope: "hello/20260115/eu-west-1/s3/aws4_request",
            reason: .malformedCredentials, account: nil),
    ]

    @Test("a credential scope alone is decided by the same rules", arguments: scopeCases)
    func credentialScope(_ testCase: ScopeCase) throws {
        let engine = try EngineFixtures.engine(legacy: testCase.legacy)
        let result = engine.decide(credentialScope: testCase.scope, at: 0)
        #expect(result.decision.reason == testCase.reason, "\(result.message)")
        if let account = testCase.account {
            #expect(result.account?.description == account)
        }
        #expect(result.action == nil)
        #expect(result.mode == .cli)
    }
}
