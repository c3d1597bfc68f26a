public import AWSClassifier

/// The rules an identity token is held to: the `identity:` section of the configuration, as
/// ``IdentityToken/parse(_:rules:now:)`` reads it.
///
/// ```swift
/// let model = try AWSModel.bundled()
/// let rules = IdentityTokenRules(audience: "orders", partitions: [model.partition(id: "aws")!])
/// let token = try IdentityToken.parse(text, rules: rules, now: now)
/// ```
public struct IdentityTokenRules: Sendable {
    /// The configured audience (exact, case-sensitive): the value sent to STS in ``audienceHeader``.
    public var audience: String
    /// The lower-case name of the header the audience travels in (`x-k8s-aws-id`).
    public var audienceHeader: String
    /// The partitions whose STS endpoints a token may name (default: the `aws` one).
    public var partitions: [AWSModel.Partition]
    /// Which of those partitions' known regions a token may name (default: every one).
    public var acceptsRegion: @Sendable (String) -> Bool
    /// The longest token accepted, in bytes (4 KiB).
    public var maxTokenBytes: Int = 4096
    /// How old a token may be: `X-Amz-Date` at most this many seconds ago (15 minutes).
    public var maxAgeSeconds: Int64 = 900
    /// How far in the future `X-Amz-Date` may be (5 minutes).
    public var maxClockSkewSeconds: Int64 = 300

    /// Rules for `audience`, signed in `audienceHeader`, on the STS endpoints of `partitions`' regions
    /// that `acceptsRegion` accepts.
    public init(
        audience: String, audienceHeader: String = "x-k8s-aws-id", partitions: [AWSModel.Partition],
        acceptsRegion: @escaping @Sendable (String) -> Bool = { _ in true }
    ) {
        self.audience = audience
        self.audienceHeader = audienceHeader
        self.partitions = partitions
        self.acceptsRegion = acceptsRegion
    }
}
