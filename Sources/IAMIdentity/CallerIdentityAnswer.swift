/// STS's answer to a presigned `GetCallerIdentity`, read into an ``IdentityOutcome``.
///
/// STS answers JSON when asked with `Accept: application/json`:
///
/// ```json
/// {"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"123456789012",
///   "Arn":"arn:aws:sts::123456789012:assumed-role/Role/session","UserId":"AROA…:session"},
///   "ResponseMetadata":{"RequestId":"…"}}}
/// ```
///
/// and XML otherwise (`<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>…`); errors as
/// `{"Error":{"Code":…,"Message":…}}` or `<ErrorResponse><Error><Code>…`. A throttling error, 429
/// and 5xx are ``IdentityOutcome/unavailable(_:)``; every other error (`InvalidClientTokenId`,
/// `SignatureDoesNotMatch`, `ExpiredToken`, `AccessDenied`, any 4xx) is
/// ``IdentityOutcome/refused(_:)``; a 200 that is not a valid identity is unavailable. The error's
/// `Message` is never repeated (it is the service's text, not ours); a `Code` only when it is a plain
/// word. Pure; fuzzed (FuzzIdentityToken). The caller reads at most ``maximumBodyBytes`` of the body.
public enum CallerIdentityAnswer {
    /// The most of a body the caller reads (64 KiB); a longer body is malformed.
    public static let maximumBodyBytes = 65_536

    /// Error codes meaning "try again later".
    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
        "RequestThrottled", "ServiceUnavailable", "InternalFailure", "InternalError",
    ]

    /// The outcome of an answer with HTTP status `status` and body `body`.
    public static func outcome(status: Int, body: [UInt8]) -> IdentityOutcome {
        guard body.count <= maximumBodyBytes else {
            return .unavailable("STS's answer is malformed: its body is longer than \(maximumBodyBytes) bytes")
        }
        switch status {
        case 200:
            return identity(in: body)
        case 429:
            return .unavailable(
                "STS throttled the verification (HTTP 429): the token is checked again on the next request")
        case 500...599:
            return .unavailable("STS failed to answer (HTTP \(status)): the token is checked again on the next request")
        case 400...499:
            let code = errorCode(in: body)
            if let code, throttlingCodes.contains(code) {
                return .unavailable(
                    "STS throttled the verification (\(code)): the token is checked again on the next request")
            }
            if let code {
                return .refused("STS refused the token (\(code), HTTP \(status))")
            }
            return .refused("STS refused the token (HTTP \(status))")
        default:
            return .unavailable("STS answered with HTTP \(status), which is neither an identity nor an error")
        }
    }

    /// The identity of a 200 answer, validated.
    private static func identity(in body: [UInt8]) -> IdentityOutcome {
        guard let leaves = AnswerDocument.leaves(of: body) else {
            return .unavailable("STS's answer is malformed: it is neither readable JSON nor readable XML")
        }
        let result = "GetCallerIdentityResponse/GetCallerIdentityResult/"
        guard let account = leaves[result + "Account"], let arn = leaves[result + "Arn"],
            let userID = leaves[result + "UserId"]
        else {
            return .unavailable("STS's answer is malformed: it lacks GetCallerIdentityResult's Account, Arn or UserId")
        }
        guard account.utf8.count == 12, account.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return .unavailable("STS's answer is malformed: its Account is not 12 digits")
        }
        guard isCallerARN(arn, account: account) else {
            return .unavailable(
                "STS's answer is malformed: its Arn is not an iam or sts ARN of an aws partition in its Account")
        }
        guard (1...128).contains(userID.utf8.count), userID.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return .unavailable("STS's answer is malformed: its UserId is not 1 to 128 printable characters")
        }
        return .verified(CallerIdentity(arn: arn, account: account, userID: userID))
    }

    /// Whether `arn` is `arn:aws[-…]:iam|sts::ACCOUNT:RESOURCE`, printable ASCII, at most 2048 bytes.
    static func isCallerARN(_ arn: String, account: String) -> Bool {
        guard arn.utf8.count <= 2048, arn.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return false }
        let fields = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard fields.count == 6, fields[0] == "arn" else { return false }
        let partition = fields[1]
        guard
            partition == "aws"
                || (partition.hasPrefix("aws-") && partition.utf8.count > 4
                    && partition.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || $0 == UInt8(ascii: "-") })
        else { return false }
        return (fields[2] == "iam" || fields[2] == "sts") && fields[3].isEmpty && fields[4] == account
            && !fields[5].isEmpty
    }

    /// The `Code` of an error answer, when it is a plain word (letters, digits, `.`, at most 64).
    private static func errorCode(in body: [UInt8]) -> String? {
        guard let leaves = AnswerDocument.leaves(of: body) else { return nil }
        let paths = ["Error/Code", "ErrorResponse/Error/Code", "ErrorResponse/Errors/Error/Code"]
        guard let code = paths.lazy.compactMap({ leaves[$0] }).first, (1...64).contains(code.utf8.count),
            code.utf8.allSatisfy({
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A)
                    || $0 == UInt8(ascii: ".")
            })
        else { return nil }
        return code
    }
}
