/// The policy of the configuration file, as written: credentials, the account allowlist, statements,
/// the default, the `s3:` section and the `brokering:` section. See `docs/contract.md`
/// ("Configuration"), `docs/configuration.md` and `docs/brokering.md`. The file's other sections (listen, tls,
/// server, audit) configure the server, which reads them itself.
///
/// A `PolicyConfig` is produced by its reader (``parse(_:path:)`` for a policy-only document, or
/// AuthzServer's `ConfigurationFile` for the whole file), which validates it completely; a
/// ``CompiledPolicy`` turns it into fast matchers.
public struct PolicyConfig: Sendable {
    /// What to do with old-generation access keys, whose account cannot be derived.
    public enum LegacyKeys: String, Sendable, Hashable {
        /// Deny them (`legacy_access_key`).
        case deny
        /// Let them through the credential checks with an unknown account (only statements that do
        /// not name accounts can then allow them).
        case allow
    }

    /// Where a known secret comes from. Secrets never appear in the YAML itself.
    public enum SecretSource: Sendable, Hashable {
        /// An environment variable.
        case environment(String)
        /// A file whose content (trimmed) is the secret.
        case file(String)
    }

    /// A key whose secret this service knows, so its signatures are verified fully.
    public struct Key: Sendable, Hashable {
        /// The access key id.
        public var accessKeyID: String
        /// Where the secret is read from.
        public var secret: SecretSource
        /// Deny requests of this key whose signature cannot be checked (non-S3 without the body).
        public var requireVerification: Bool
        /// Where the entry is in the file.
        public var position: SourcePosition
    }

    /// Credential checks.
    public struct Credentials: Sendable, Hashable {
        /// Unsigned requests are denied (`no_credentials`).
        public var requireSignature = true
        /// The allowed difference between the signer's clock and this host's, in seconds.
        public var maxClockSkewSeconds: Int64 = 900
        /// Old-generation access keys.
        public var legacyAccessKeys = LegacyKeys.deny
        /// Keys with known secrets.
        public var keys: [Key] = []
    }

    /// One `accounts:` entry (Clotho-compatible): an account id or `"*"`, an optional name, and regions.
    public struct AccountEntry: Sendable, Hashable {
        /// The key as written: 12 digits or `*`.
        public var pattern: String
        /// A name usable wherever account ids are.
        public var name: String?
        /// Regions (names or patterns) and the services allowed in each.
        public var regions: [(pattern: String, services: [String])]
        /// Where the entry is.
        public var position: SourcePosition

        public static func == (lhs: AccountEntry, rhs: AccountEntry) -> Bool {
            lhs.pattern == rhs.pattern && lhs.name == rhs.name && lhs.position == rhs.position
        }
        public func hash(into hasher: inout Hasher) { hasher.combine(pattern) }
    }

    /// A statement field.
    public enum Field: String, Sendable, Hashable, CaseIterable {
        case accounts, regions, services, actions, resources, hosts, methods, sources, principals
        case accessKeyIDs = "access_key_ids"
        /// The caller's IAM ARN, established by an identity token (`identity:`); a statement with it
        /// applies only to identity-authenticated requests.
        case principalsARN = "principals_arn"
        /// The request's path, percent-decoded.
        case paths
    }

    /// An IAM-style statement.
    public struct Statement: Sendable, Hashable {
        /// The unique name, reported as the decision's rule.
        public var name: String
        /// Allow or deny.
        public var effect: Effect
        /// Conditions: each field with its patterns; `negated` for the `not_` form.
        public var conditions: [(field: Field, negated: Bool, patterns: [String])]
        /// Where the statement is.
        public var position: SourcePosition
        /// `enforce:` (deny statements only; default `true`). `false`: a match does not deny; when the
        /// request is otherwise allowed the decision is `would_deny`, naming this statement.
        public var enforce = true

        public static func == (lhs: Statement, rhs: Statement) -> Bool {
            lhs.name == rhs.name && lhs.position == rhs.position
        }
        public func hash(into hasher: inout Hasher) { hasher.combine(name) }
    }

    /// Whether S3 requests must name their bucket's owner (`s3:`).
    public enum BucketOwnerRequirement: String, Sendable, Hashable {
        /// `x-amz-expected-bucket-owner` is read when present, not required.
        case optional
        /// Every request that addresses a bucket must carry `x-amz-expected-bucket-owner` (signed, as
        /// S3 requires of `x-amz-*` headers) naming one of ``S3/bucketOwners``; S3 then refuses the
        /// request when the bucket belongs to another account.
        case required
    }

    /// The `s3:` section: the destination's owner for S3 requests.
    public struct S3: Sendable, Hashable {
        /// Whether `x-amz-expected-bucket-owner` is required.
        public var expectedBucketOwner = BucketOwnerRequirement.optional
        /// The accounts (ids or names) whose buckets may be addressed; `nil`: the literal account ids
        /// under `accounts:`.
        public var bucketOwners: [String]?
        /// Where the section is, for errors found when compiling.
        public var position: SourcePosition?
    }

    /// `mode:` — whether denies are enforced.
    public enum Mode: String, Sendable, Hashable {
        /// Denies are denied (the default).
        case enforce
        /// Every deny of the engine is answered allow and reported as `would_deny`.
        case dryRun = "dry_run"
    }

    /// `mode:` (default `enforce`), reloaded with the policy.
    public var mode = Mode.enforce
    public var s3 = S3()
    /// The `brokering:` section: virtual keys and hosts signed with a role's credentials.
    public var brokering = Brokering()
    /// The `identity:` section, when the file has one.
    public var identity: Identity?
    public var credentials = Credentials()
    /// `nil` when the file has no `accounts:` section.
    public var accounts: [AccountEntry]?
    public var rules: [Statement] = []
    public var defaultEffect = Effect.deny
    /// The file the configuration came from.
    public var path: String

    /// An empty configuration (deny everything) for `path`.
    public init(path: String) { self.path = path }
}
