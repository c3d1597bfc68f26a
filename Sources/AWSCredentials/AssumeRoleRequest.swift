/// The parameters of one `sts:AssumeRole` call: what a brokering target asks for, and the key the
/// role-credential cache keeps its credentials under.
public struct AssumeRoleRequest: Hashable, Sendable {
    /// `RoleArn`: `arn:aws:iam::123456789012:role/NAME`.
    public var roleARN: String
    /// `RoleSessionName`: 2 to 64 characters of `A-Z a-z 0-9 +=,.@-` (and `_`).
    public var sessionName: String
    /// `Policy`: a session policy (JSON), which can only narrow the role's permissions.
    public var policy: String?
    /// `DurationSeconds`: 900 to the role's maximum (STS's default is 3600).
    public var durationSeconds: Int?
    /// `ExternalId`, when the role's trust policy requires one.
    public var externalID: String?

    /// Creates the parameters of a call.
    public init(
        roleARN: String, sessionName: String, policy: String? = nil, durationSeconds: Int? = nil,
        externalID: String? = nil
    ) {
        self.roleARN = roleARN
        self.sessionName = sessionName
        self.policy = policy
        self.durationSeconds = durationSeconds
        self.externalID = externalID
    }

    /// Whether `name` is a valid `RoleSessionName` (`[\w+=,.@-]{2,64}`).
    public static func isValidSessionName(_ name: String) -> Bool {
        (2...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || "_+=,.@-".utf8.contains(byte)
            }
    }

    /// A session name `prefix` + 16 random hex digits (`sigv4-authz-3f9c…`), for calls that name none.
    public static func randomSessionName(prefix: String = "sigv4-authz-") -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return prefix + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
