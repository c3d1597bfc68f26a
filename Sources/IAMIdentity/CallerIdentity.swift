/// Who STS says the caller of a verified token is.
public struct CallerIdentity: Sendable, Hashable {
    /// The caller's ARN: `arn:aws:sts::123456789012:assumed-role/Role/session`, `arn:aws:iam::…:user/x`.
    public let arn: String
    /// The caller's account, 12 digits.
    public let account: String
    /// The caller's unique id: `AIDA…` for a user, `AROA…:session` for a role session.
    public let userID: String

    /// An identity as STS reported it (``CallerIdentityAnswer`` validates the fields).
    public init(arn: String, account: String, userID: String) {
        self.arn = arn
        self.account = account
        self.userID = userID
    }

    /// The ARNs statements' `principals_arn` match: the ARN itself, plus for an assumed-role session
    /// `arn:PARTITION:iam::ACCOUNT:role/ROLE` (a session ARN does not carry the role's path, so the
    /// role ARN derived has none).
    public var matchableARNs: [String] {
        // arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION
        let fields = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard fields.count == 6, fields[0] == "arn", fields[2] == "sts", fields[3].isEmpty else { return [arn] }
        let resource = fields[5].split(separator: "/", omittingEmptySubsequences: false)
        guard resource.count == 3, resource[0] == "assumed-role", !resource[1].isEmpty, !resource[2].isEmpty
        else { return [arn] }
        return [arn, "arn:\(fields[1]):iam::\(fields[4]):role/\(resource[1])"]
    }
}
