/// Actions AWS authorizes in the same call as the operation's own, kept as data.
///
/// Each row is one line of the AWS Service Authorization Reference's "Dependent actions" column (or of
/// the service's own permission documentation, named in ``Row/reference``): when the request carries
/// the trigger, the caller also needs ``Row/action`` on the row's resource. `docs/authorization-model.md`
/// prints this table. When a trigger lives in the body and the body cannot be read, the row is assumed
/// to apply (its resource unknown): unknown never widens access. `iam:PassRole` for every role a
/// request hands to a service comes from the generated model (`I` records), not from this table.
enum DependentActions {
    /// What makes a row apply.
    enum Trigger: Sendable, Hashable {
        /// Every request of the operation.
        case always
        /// Any of these headers (lower case) is present.
        case header([String])
        /// The SSE-KMS headers: `x-amz-server-side-encryption-aws-kms-key-id`, or
        /// `x-amz-server-side-encryption: aws:kms` / `aws:kms:dsse` (the bucket's default key).
        case s3KMSEncryption
        /// An input member is present (JSON member, or query parameters `Name` / `Name.…`).
        case member(String)
    }

    /// Which resource the dependent action is on.
    enum Target: Sendable, Hashable {
        /// The operation's own resource.
        case requestResource
        /// The S3 object `x-amz-copy-source` names.
        case copySource
        /// The KMS key of the SSE-KMS headers.
        case s3KMSKey
        /// The KMS key an input member names (key id, alias or ARN).
        case kmsKeyMember(String)
    }

    /// One dependent action.
    struct Row: Sendable, Hashable {
        /// botocore's model name of the service.
        let service: String
        /// The operations it applies to.
        let operations: Set<String>
        let trigger: Trigger
        /// The IAM action (`s3:GetObject`); S3 actions switch to their version form for a
        /// versioned copy source (`s3:GetObjectVersion`).
        let action: String
        let target: Target
        /// Where AWS documents it.
        let reference: String
    }

    static let s3ObjectWrites: Set<String> = ["PutObject", "CopyObject", "CreateMultipartUpload"]

    /// The S3 access-control headers: a canned ACL or an explicit grant.
    static let s3ACLHeaders = [
        "x-amz-acl", "x-amz-grant-read", "x-amz-grant-read-acp", "x-amz-grant-write-acp", "x-amz-grant-full-control",
        "x-amz-grant-write",
    ]

    /// The table.
    static let rows: [Row] = [
        Row(
            service: "s3", operations: ["CopyObject", "UploadPartCopy"], trigger: .always, action: "s3:GetObject",
            target: .copySource,
            reference:
                "Amazon S3 API Reference, CopyObject and UploadPartCopy: \"Permissions\" (read access to the source object)"
        ),
        Row(
            service: "s3", operations: s3ObjectWrites, trigger: .header(s3ACLHeaders), action: "s3:PutObjectAcl",
            target: .requestResource,
            reference: "Service Authorization Reference, Amazon S3: PutObject dependent actions; S3 User Guide, ACLs"),
        Row(
            service: "s3", operations: s3ObjectWrites, trigger: .header(["x-amz-tagging"]),
            action: "s3:PutObjectTagging", target: .requestResource,
            reference: "Service Authorization Reference, Amazon S3: PutObject dependent actions"),
        Row(
            service: "s3", operations: s3ObjectWrites,
            trigger: .header(["x-amz-object-lock-mode", "x-amz-object-lock-retain-until-date"]),
            action: "s3:PutObjectRetention", target: .requestResource,
            reference: "Amazon S3 User Guide, Object Lock: required permissions"),
        Row(
            service: "s3", operations: s3ObjectWrites, trigger: .header(["x-amz-object-lock-legal-hold"]),
            action: "s3:PutObjectLegalHold", target: .requestResource,
            reference: "Amazon S3 User Guide, Object Lock: required permissions"),
        Row(
            service: "s3", operations: s3ObjectWrites, trigger: .s3KMSEncryption, action: "kms:GenerateDataKey",
            target: .s3KMSKey,
            reference: "Amazon S3 User Guide, SSE-KMS: \"Permissions\" (kms:GenerateDataKey to upload)"),
        Row(
            service: "s3", operations: ["CreateBucket"], trigger: .header(s3ACLHeaders), action: "s3:PutBucketAcl",
            target: .requestResource,
            reference: "Service Authorization Reference, Amazon S3: CreateBucket dependent actions"),
        Row(
            service: "lambda", operations: ["CreateFunction"], trigger: .member("Tags"), action: "lambda:TagResource",
            target: .requestResource,
            reference: "AWS Lambda Developer Guide, tags: \"lambda:TagResource\" to tag on create"),
        Row(
            service: "sts", operations: ["AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity"],
            trigger: .member("Tags"), action: "sts:TagSession", target: .requestResource,
            reference: "IAM User Guide, passing session tags in AWS STS: sts:TagSession"),
        Row(
            service: "sts", operations: ["AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity"],
            trigger: .member("TransitiveTagKeys"), action: "sts:TagSession", target: .requestResource,
            reference: "IAM User Guide, passing session tags in AWS STS: sts:TagSession"),
        Row(
            service: "sts", operations: ["AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity"],
            trigger: .member("SourceIdentity"), action: "sts:SetSourceIdentity", target: .requestResource,
            reference: "IAM User Guide, source identity: sts:SetSourceIdentity"),
        Row(
            service: "secretsmanager", operations: ["CreateSecret", "UpdateSecret"], trigger: .member("KmsKeyId"),
            action: "kms:GenerateDataKey", target: .kmsKeyMember("KmsKeyId"),
            reference: "Secrets Manager User Guide, secret encryption: kms:GenerateDataKey and kms:Decrypt"),
        Row(
            service: "secretsmanager", operations: ["CreateSecret", "UpdateSecret"], trigger: .member("KmsKeyId"),
            action: "kms:Decrypt", target: .kmsKeyMember("KmsKeyId"),
            reference: "Secrets Manager User Guide, secret encryption: kms:GenerateDataKey and kms:Decrypt"),
        Row(
            service: "secretsmanager", operations: ["CreateSecret"], trigger: .member("Tags"),
            action: "secretsmanager:TagResource", target: .requestResource,
            reference: "Secrets Manager API Reference, CreateSecret: \"Required permissions\" (tags)"),
        Row(
            service: "secretsmanager", operations: ["CreateSecret"], trigger: .member("AddReplicaRegions"),
            action: "secretsmanager:ReplicateSecretToRegions", target: .requestResource,
            reference: "Secrets Manager API Reference, CreateSecret: \"Required permissions\" (replica Regions)"),
        Row(
            service: "sqs", operations: ["CreateQueue"], trigger: .member("tags"), action: "sqs:TagQueue",
            target: .requestResource,
            reference: "Amazon SQS Developer Guide, tagging on create: sqs:TagQueue"),
        Row(
            service: "sqs", operations: ["CreateQueue"], trigger: .member("Tag"), action: "sqs:TagQueue",
            target: .requestResource,
            reference: "Amazon SQS Developer Guide, tagging on create: sqs:TagQueue (query protocol: Tag.N.Key)"),
        Row(
            service: "sns", operations: ["CreateTopic"], trigger: .member("Tags"), action: "sns:TagResource",
            target: .requestResource,
            reference: "Amazon SNS Developer Guide, tagging on create: sns:TagResource"),
    ]

    /// Rows by service model name.
    static let byService: [String: [Row]] = Dictionary(grouping: rows, by: \.service)
}
