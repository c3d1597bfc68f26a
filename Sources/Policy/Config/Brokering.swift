/// The role a request is re-signed as: what `sts:AssumeRole` is called with, and what the cache of
/// role credentials keys on (entries with equal targets share one set of credentials).
public struct RoleTarget: Sendable, Hashable {
    /// The role's ARN, its account substituted: `arn:aws:iam::111122223333:role/egress-orders`.
    public var roleARN: String
    /// `RoleSessionName`: `[\w+=,.@-]{2,64}`; it appears in the role's CloudTrail events.
    public var sessionName: String
    /// `Policy`: an inline session policy (a JSON object, whitespace outside strings removed), which
    /// narrows the role's permissions; `nil`: none.
    public var sessionPolicy: String?
    /// `DurationSeconds`: how long the credentials last, 900…43200.
    public var durationSeconds: Int
    /// `ExternalId`, when the role's trust policy requires one.
    public var externalID: String?

    /// Creates a target.
    public init(
        roleARN: String, sessionName: String, sessionPolicy: String? = nil,
        durationSeconds: Int = RoleTarget.defaultDurationSeconds, externalID: String? = nil
    ) {
        self.roleARN = roleARN
        self.sessionName = sessionName
        self.sessionPolicy = sessionPolicy
        self.durationSeconds = durationSeconds
        self.externalID = externalID
    }

    /// The credentials' lifetime when `duration` is not given: one hour (STS's default too).
    public static let defaultDurationSeconds = 3600
    /// The lifetimes STS grants: 15 minutes to 12 hours (a role's maximum session duration may be
    /// lower; STS then refuses the call).
    public static let durationRange = 900...43200
    /// The longest session policy, in bytes once whitespace outside strings is removed.
    public static let maxSessionPolicyBytes = 2048
}

extension PolicyConfig {
    /// The `brokering:` section: virtual keys, whose requests are verified with the key's secret,
    /// decided as from the key's account, and re-signed with a role's temporary credentials; and the
    /// hosts whose unsigned requests are signed with a role's credentials.
    ///
    /// Every value is validated by the reader; ``RoleTarget/roleARN`` holds the account, never the
    /// `{account}` placeholder.
    public struct Brokering: Sendable, Hashable {
        /// A virtual key: a client access key whose secret this service knows, brokered to a role.
        public struct VirtualKey: Sendable, Hashable {
            /// The access key id: 20 characters, `AKIA` or `ASIA`, new generation (it derives to an
            /// account, which is the role's).
            public var accessKeyID: String
            /// Where the secret is read from.
            public var secret: SecretSource
            /// The role ARN as written, possibly with `{account}`.
            public var roleTemplate: String
            /// The role and session the key's requests are re-signed as (`{account}` substituted).
            public var target: RoleTarget
            /// Where the entry is in the file.
            public var position: SourcePosition

            /// Creates a virtual key.
            public init(
                accessKeyID: String, secret: SecretSource, roleTemplate: String, target: RoleTarget,
                position: SourcePosition
            ) {
                self.accessKeyID = accessKeyID
                self.secret = secret
                self.roleTemplate = roleTemplate
                self.target = target
                self.position = position
            }
        }

        /// Hosts whose unsigned requests are signed with a role's credentials.
        public struct UnsignedTarget: Sendable, Hashable {
            /// Host patterns, as the rules' `hosts` (`*` and `?` work).
            public var hosts: [String]
            /// The role and session the requests are signed as.
            public var target: RoleTarget
            /// Where the entry is in the file.
            public var position: SourcePosition

            /// Creates a target.
            public init(hosts: [String], target: RoleTarget, position: SourcePosition) {
                self.hosts = hosts
                self.target = target
                self.position = position
            }
        }

        /// Role credentials are refreshed this long before they expire (60…1800 seconds).
        public var refreshBeforeSeconds = Brokering.defaultRefreshBeforeSeconds
        /// The region of the STS endpoint; `nil`: `AWS_REGION` when the server starts.
        public var stsRegion: String?
        /// The virtual keys, in file order.
        public var virtualKeys: [VirtualKey] = []
        /// The hosts signed for unsigned requests, in file order (the first entry whose hosts match).
        public var signUnsigned: [UnsignedTarget] = []
        /// Where the section is; `nil` when the file has none.
        public var position: SourcePosition?

        /// No brokering.
        public init() {}

        /// Whether anything is brokered: a virtual key or a host signed for unsigned requests.
        public var isEnabled: Bool { !virtualKeys.isEmpty || !signUnsigned.isEmpty }

        /// `refresh_before` when not given: five minutes.
        public static let defaultRefreshBeforeSeconds = 300
        /// The `refresh_before` values accepted: one minute to 30 minutes.
        public static let refreshBeforeRange = 60...1800
        /// The session name of an unsigned target without `session_name`.
        public static let defaultUnsignedSessionName = "sigv4-authz-unsigned"

        /// The session name of a virtual key without `session_name`: `sigv4-authz-` and the key id.
        public static func defaultSessionName(accessKeyID: String) -> String { "sigv4-authz-" + accessKeyID }
    }
}
