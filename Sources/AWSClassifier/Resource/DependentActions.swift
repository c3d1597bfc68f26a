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
        /// An SNS attribute whose name ends in `RoleArn` is set (`Attributes.entry.N`, or
        /// `AttributeName`/`AttributeValue`).
        case snsRoleAttributes
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
        /// The DynamoDB table an input member names.
        case tableMember(String)
        /// Each role ARN of the SNS `…RoleArn` attributes.
        case snsRoleAttributes
        /// A resource the request does not name (created by AWS, or inside a body section not read).
        case unnamed
    }

    /// One dependent action.
    struct Row: Sendable, Hashable {
        /// botocore's model name of the service.
        let service: String
        /// The operations it applies to.
        let operations: Set<String>
        let trigger: Trigger
        /// The IAM action (`s3:GetObject`); S3 actions switch to their version form
        /// (``IAMActionMapper/s3Versioned``) for a versioned copy source (`s3:GetObjectVersion`), and
        /// on the request's own object when the request names a version and the operation's own
        /// action switched too (`s3:GetObjectVersionAttributes` beside `s3:GetObjectVersion`).
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
    static let rows: [Row] =
        [
            Row(
                service: "s3", operations: ["CopyObject", "UploadPartCopy"], trigger: .always, action: "s3:GetObject",
                target: .copySource,
                reference:
                    "Amazon S3 API Reference, CopyObject and UploadPartCopy: \"Permissions\" (read access to the source object)"
            ),
            Row(
                service: "s3", operations: ["GetObjectAttributes"], trigger: .always, action: "s3:GetObjectAttributes",
                target: .requestResource,
                reference:
                    "Amazon S3 API Reference, GetObjectAttributes: \"Permissions\" (s3:GetObject and s3:GetObjectAttributes; with a version ID, s3:GetObjectVersion and s3:GetObjectVersionAttributes)"
            ),
            Row(
                service: "s3", operations: s3ObjectWrites, trigger: .header(s3ACLHeaders), action: "s3:PutObjectAcl",
                target: .requestResource,
                reference:
                    "Service Authorization Reference, Amazon S3: PutObject dependent actions; S3 User Guide, ACLs"),
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
                service: "lambda", operations: ["CreateFunction"], trigger: .member("Tags"),
                action: "lambda:TagResource",
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
            // The Service Authorization Reference's "Dependent actions" column for the covered services
            // (checked by DependentActionsReferenceTests against Tests/AWSClassifierTests/Vectors/
            // service-authorization.json). Where the reference lists an action that only some inputs
            // need, the row's trigger is that input.
        ] + metadataTableRows + [
            Row(
                service: "s3", operations: ["PutBucketReplication"], trigger: .always, action: "iam:PassRole",
                target: .unnamed,
                reference:
                    "Service Authorization Reference, Amazon S3: PutReplicationConfiguration (the role is in the XML body)"
            )
        ] + dynamoDBRestoreRows + [
            Row(
                service: "kms", operations: ["CreateKey", "ReplicateKey", "CreateCustomKeyStore"], trigger: .always,
                action: "iam:CreateServiceLinkedRole", target: .unnamed,
                reference: "Service Authorization Reference, AWS KMS: CreateKey, ReplicateKey, CreateCustomKeyStore"),
            Row(
                service: "kms", operations: ["CreateKey", "ReplicateKey"], trigger: .member("Policy"),
                action: "kms:PutKeyPolicy", target: .unnamed,
                reference: "Service Authorization Reference, AWS KMS: CreateKey, ReplicateKey"),
            Row(
                service: "kms", operations: ["CreateKey", "ReplicateKey"], trigger: .member("Tags"),
                action: "kms:TagResource", target: .unnamed,
                reference: "Service Authorization Reference, AWS KMS: CreateKey, ReplicateKey"),
            Row(
                service: "kms", operations: ["ReplicateKey"], trigger: .always, action: "kms:CreateKey",
                target: .unnamed,
                reference: "Service Authorization Reference, AWS KMS: ReplicateKey"),
            Row(
                service: "kms", operations: ["CreateCustomKeyStore"], trigger: .member("CloudHsmClusterId"),
                action: "cloudhsm:DescribeClusters", target: .unnamed,
                reference: "Service Authorization Reference, AWS KMS: CreateCustomKeyStore"),
            Row(
                service: "kms", operations: ["CreateCustomKeyStore", "UpdateCustomKeyStore"],
                trigger: .member("XksProxyVpcEndpointServiceName"), action: "ec2:DescribeVpcEndpointServices",
                target: .unnamed,
                reference: "Service Authorization Reference, AWS KMS: CreateCustomKeyStore, UpdateCustomKeyStore"),
            Row(
                service: "sns",
                operations: [
                    "CreateTopic", "SetTopicAttributes", "CreatePlatformApplication",
                    "SetPlatformApplicationAttributes",
                ],
                trigger: .snsRoleAttributes, action: "iam:PassRole", target: .snsRoleAttributes,
                reference:
                    "Service Authorization Reference, Amazon SNS: CreateTopic, SetTopicAttributes, CreatePlatformApplication, SetPlatformApplicationAttributes (delivery-status logging roles)"
            ),
            Row(
                service: "lambda", operations: ["CreateCapacityProvider"], trigger: .always,
                action: "iam:CreateServiceLinkedRole", target: .unnamed,
                reference: "Service Authorization Reference, AWS Lambda: CreateCapacityProvider"),
            Row(
                service: "lambda", operations: ["CreateCapacityProvider"], trigger: .member("PermissionsConfig"),
                action: "iam:PassRole", target: .unnamed,
                reference: "Service Authorization Reference, AWS Lambda: CreateCapacityProvider (the operator role)"),
            Row(
                service: "lambda", operations: ["CreateCapacityProvider"], trigger: .member("KmsKeyArn"),
                action: "kms:DescribeKey", target: .kmsKeyMember("KmsKeyArn"),
                reference: "Service Authorization Reference, AWS Lambda: CreateCapacityProvider"),
            Row(
                service: "lambda", operations: ["CreateFunction"], trigger: .member("CapacityProviderConfig"),
                action: "lambda:PassCapacityProvider", target: .unnamed,
                reference: "Service Authorization Reference, AWS Lambda: CreateFunction"),
        ]

    /// S3 Metadata: the table bucket, namespace and tables S3 creates (s3tables), and the key it checks.
    static let metadataTableRows: [Row] = {
        let operations: Set<String> = [
            "CreateBucketMetadataTableConfiguration", "UpdateBucketMetadataInventoryTableConfiguration",
        ]
        var rows = [
            "kms:DescribeKey", "s3tables:CreateNamespace", "s3tables:CreateTable", "s3tables:CreateTableBucket",
            "s3tables:GetTable", "s3tables:PutTableEncryption", "s3tables:PutTablePolicy",
        ].map { action in
            Row(
                service: "s3", operations: operations, trigger: .always, action: action, target: .unnamed,
                reference: "Service Authorization Reference, Amazon S3: CreateBucketMetadataTableConfiguration")
        }
        rows.append(
            Row(
                service: "s3", operations: ["CreateBucketMetadataTableConfiguration"], trigger: .always,
                action: "s3tables:PutTableBucketPolicy", target: .unnamed,
                reference: "Service Authorization Reference, Amazon S3: CreateBucketMetadataTableConfiguration"))
        return rows
    }()

    /// DynamoDB restores write the target table with the item actions.
    static let dynamoDBRestoreRows: [Row] = [
        "dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query",
        "dynamodb:Scan", "dynamodb:UpdateItem",
    ].map { action in
        Row(
            service: "dynamodb", operations: ["RestoreTableFromBackup", "RestoreTableToPointInTime"], trigger: .always,
            action: action, target: .tableMember("TargetTableName"),
            reference:
                "Service Authorization Reference, Amazon DynamoDB: RestoreTableFromBackup, RestoreTableToPointInTime")
    }

    /// Rows by service model name, then by operation, in table order.
    static let byService: [String: [String: [Row]]] = {
        var result: [String: [String: [Row]]] = [:]
        for row in rows {
            for operation in row.operations { result[row.service, default: [:]][operation, default: []].append(row) }
        }
        return result
    }()
}
