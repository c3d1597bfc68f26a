import AuthzCore
import Policy
import SigV4
import Testing

@testable import AuthzGRPC

/// A brokered allow over gRPC: the new signature's headers overwrite the client's in `ok_response`,
/// and the client's headers it replaces without a value are in `headers_to_remove`.
@Suite struct BrokeredAnswerTests {
    static func result(_ effect: Effect) -> CheckResult {
        var result = CheckResult(
            decision: Decision(
                effect: effect, reason: effect == .allow ? .allowed : .noMatchingRule, rule: nil, message: "m"),
            requestID: "rid", mode: .grpc, time: 0)
        result.upstream = UpstreamRewrite(
            setHeaders: [
                HeaderField("X-Amz-Date", "20260115T123456Z"),
                HeaderField("X-Amz-Security-Token", "role-token"),
                HeaderField("Authorization", "AWS4-HMAC-SHA256 Credential=ASIA…"),
            ], removeHeaders: ["x-amz-security-token"], roleARN: "arn:aws:iam::123456789012:role/egress")
        return result
    }

    @Test func anAllowOverwritesTheSignatureHeaders() {
        let response = AuthorizationService.encode(Self.result(.allow), clientDecisionHeaders: ["x-sigv4-authz-x"])
        let headers = response.okResponse.headers
        let decision = DecisionHeaders.fields(Self.result(.allow)).count
        #expect(headers.count == decision + 3)
        let added = headers.dropFirst(decision)
        #expect(added.map(\.header.key) == ["x-amz-date", "x-amz-security-token", "authorization"])
        #expect(added.allSatisfy { $0.appendAction == .overwriteIfExistsOrAdd })
        #expect(response.okResponse.headersToRemove == ["x-sigv4-authz-x", "x-amz-security-token"])
    }

    @Test func aDenyCarriesNoSignature() {
        let response = AuthorizationService.encode(Self.result(.deny), clientDecisionHeaders: [])
        #expect(!response.deniedResponse.headers.contains { $0.header.key == "authorization" })
        #expect(!response.deniedResponse.headers.contains { $0.header.value == "role-token" })
    }

    @Test func aPresignedURLIsSignedAgainInItsQuery() {
        var result = Self.result(.allow)
        result.upstream = UpstreamRewrite(
            setHeaders: [], removeHeaders: [],
            setQueryParameters: [
                .init("X-Amz-Credential", "ASIA%2F20260115%2Fus-east-1%2Fs3%2Faws4_request"),
                .init("X-Amz-Signature", "abc"),
            ], removeQueryParameters: ["X-Amz-Security-Token"], roleARN: "r")
        let ok = AuthorizationService.encode(result, clientDecisionHeaders: []).okResponse
        #expect(
            ok.queryParametersToSet.map { "\($0.key)=\($0.value)" } == [
                "X-Amz-Credential=ASIA%2F20260115%2Fus-east-1%2Fs3%2Faws4_request", "X-Amz-Signature=abc",
            ])
        #expect(ok.queryParametersToRemove == ["X-Amz-Security-Token"])
        // A plain allow sets no query parameter.
        #expect(
            AuthorizationService.encode(
                CheckResult(
                    decision: Decision(effect: .allow, reason: .allowed, rule: nil, message: "m"), requestID: "r",
                    mode: .grpc, time: 0), clientDecisionHeaders: []
            ).okResponse.queryParametersToSet.isEmpty)
    }
}
