internal import AWSClassifier
public import Policy
internal import SigV4

extension AuthzEngine {
    /// Clotho's check: a credential scope `AKID/YYYYMMDD/REGION/SERVICE/aws4_request` alone, decided
    /// by the same rules as a request — the access key id's account (offline), the legacy-key setting,
    /// the allowlist and the statements — with the action, resource and host unknown (a credential
    /// names none), so only statements that do not need them can allow it.
    public func decide(credentialScope text: String, mode: AuthzMode = .cli, at time: Int64) -> CheckResult {
        var result = scopeResult(text, mode: mode, at: time)
        if result.decision.effect == .deny, policy.config.mode == .dryRun {
            result.decision = result.decision.notEnforced(because: "mode: dry_run")
        }
        return result
    }

    /// ``decide(credentialScope:mode:at:)`` before `mode: dry_run` is applied.
    func scopeResult(_ text: String, mode: AuthzMode, at time: Int64) -> CheckResult {
        var result = CheckResult(
            decision: .deny(.internalError, "not decided"), requestID: Self.requestID(nil), mode: mode, time: time)
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[4] == "aws4_request", !parts[0].isEmpty, !parts[2].isEmpty, !parts[3].isEmpty
        else {
            result.decision = .deny(
                .malformedCredentials, "a credential scope is AKID/YYYYMMDD/REGION/SERVICE/aws4_request")
            return result
        }
        let service = String(parts[3])
        var classification = Classification()
        classification.region = String(parts[2])
        classification.signingName = service
        classification.iamPrefix = classifier.model.services.values.first { $0.signingName == service }?.iamPrefix
        classification.action = .unknown(reason: "a credential alone names no action")
        result.classification = classification
        result.accessKeyID = String(parts[0])
        do {
            result.account = try AWSAccountID(accessKeyID: parts[0])
        } catch  where error.code == .legacyAccessKeyID && policy.config.credentials.legacyAccessKeys == .allow {
            result.account = nil
        } catch {
            result.decision = .deny(ReasonCode(error), error.message)
            return result
        }
        result.accountName = result.account.flatMap { policy.accountName(ofAccount: $0.value) }
        result.decision = policy.evaluate(
            RequestFacts(
                accountID: result.account?.description, region: classification.region, signingName: service,
                iamPrefix: classification.iamPrefix, accessKeyID: result.accessKeyID))
        return result
    }
}
