/// Maps an operation to the IAM action that authorizes it.
///
/// About 95% of operations are `prefix:Operation`. The exceptions are the documented ones: S3's
/// permission names (AWS, "Required permissions for Amazon S3 API operations"), Lambda `Invoke`
/// (`lambda:InvokeFunction`), SQS batch operations (the base action), API Gateway's control plane
/// (`apigateway:<METHOD>`), API Gateway invocations (`execute-api:Invoke`) and connection management
/// (`execute-api:ManageConnections`), and Lambda function URLs (`lambda:InvokeFunctionUrl`).
enum IAMActionMapper {
    static func action(
        service: AWSModel.Service, operation: String, method: String, iamPrefix: String, hasVersionID: Bool
    ) -> String {
        switch service.modelName {
        case "s3":
            var name = s3[operation] ?? operation
            if hasVersionID, let versioned = s3Versioned[name] { name = versioned }
            return joined(iamPrefix, name)
        case "s3control":
            // The account-level block (S3 Control API Reference, PutPublicAccessBlock "Permissions").
            switch operation {
            case "GetPublicAccessBlock": return "s3:GetAccountPublicAccessBlock"
            case "PutPublicAccessBlock", "DeletePublicAccessBlock": return "s3:PutAccountPublicAccessBlock"
            default: return joined(iamPrefix, operation)
            }
        case "lambda":
            switch operation {
            case "Invoke", "InvokeWithResponseStream": return "lambda:InvokeFunction"
            default: return joined("lambda", operation)
            }
        case "sqs":
            switch operation {
            case "SendMessageBatch": return "sqs:SendMessage"
            case "DeleteMessageBatch": return "sqs:DeleteMessage"
            case "ChangeMessageVisibilityBatch": return "sqs:ChangeMessageVisibility"
            default: return joined("sqs", operation)
            }
        case "apigateway", "apigatewayv2":
            return joined("apigateway", method)
        case "apigatewaymanagementapi":
            return "execute-api:ManageConnections"
        default:
            return joined(iamPrefix, operation)
        }
    }

    /// `prefix:name`, built once into a string of the right capacity (no interpolation).
    static func joined(_ prefix: String, _ name: String) -> String {
        var result = ""
        let count = prefix.utf8.count + 1 + name.utf8.count
        if count > 15 { result.reserveCapacity(count) }
        result += prefix
        result += ":"
        result += name
        return result
    }

    /// S3 operations whose permission has another name.
    static let s3: [String: String] = [
        "ListObjects": "ListBucket", "ListObjectsV2": "ListBucket", "HeadBucket": "ListBucket",
        "ListBuckets": "ListAllMyBuckets", "ListDirectoryBuckets": "ListAllMyDirectoryBuckets",
        "ListObjectVersions": "ListBucketVersions", "ListMultipartUploads": "ListBucketMultipartUploads",
        "ListParts": "ListMultipartUploadParts", "HeadObject": "GetObject", "SelectObjectContent": "GetObject",
        "GetObjectAttributes": "GetObject",
        "CreateMultipartUpload": "PutObject", "UploadPart": "PutObject", "UploadPartCopy": "PutObject",
        "CompleteMultipartUpload": "PutObject", "CopyObject": "PutObject", "DeleteObjects": "DeleteObject",
        "GetBucketLifecycle": "GetLifecycleConfiguration",
        "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
        "PutBucketLifecycle": "PutLifecycleConfiguration",
        "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration",
        "DeleteBucketLifecycle": "PutLifecycleConfiguration",
        "GetBucketEncryption": "GetEncryptionConfiguration", "PutBucketEncryption": "PutEncryptionConfiguration",
        "DeleteBucketEncryption": "PutEncryptionConfiguration",
        "GetBucketReplication": "GetReplicationConfiguration", "PutBucketReplication": "PutReplicationConfiguration",
        "DeleteBucketReplication": "PutReplicationConfiguration",
        "GetBucketCors": "GetBucketCORS", "PutBucketCors": "PutBucketCORS", "DeleteBucketCors": "PutBucketCORS",
        "GetBucketNotification": "GetBucketNotification",
        "GetBucketNotificationConfiguration": "GetBucketNotification",
        "PutBucketNotification": "PutBucketNotification",
        "PutBucketNotificationConfiguration": "PutBucketNotification",
        "DeleteBucketTagging": "PutBucketTagging",
        "GetObjectLockConfiguration": "GetBucketObjectLockConfiguration",
        "PutObjectLockConfiguration": "PutBucketObjectLockConfiguration",
        "GetBucketAccelerateConfiguration": "GetAccelerateConfiguration",
        "PutBucketAccelerateConfiguration": "PutAccelerateConfiguration",
        "GetBucketAnalyticsConfiguration": "GetAnalyticsConfiguration",
        "PutBucketAnalyticsConfiguration": "PutAnalyticsConfiguration",
        "DeleteBucketAnalyticsConfiguration": "PutAnalyticsConfiguration",
        "ListBucketAnalyticsConfigurations": "GetAnalyticsConfiguration",
        "GetBucketInventoryConfiguration": "GetInventoryConfiguration",
        "PutBucketInventoryConfiguration": "PutInventoryConfiguration",
        "DeleteBucketInventoryConfiguration": "PutInventoryConfiguration",
        "ListBucketInventoryConfigurations": "GetInventoryConfiguration",
        "GetBucketMetricsConfiguration": "GetMetricsConfiguration",
        "PutBucketMetricsConfiguration": "PutMetricsConfiguration",
        "DeleteBucketMetricsConfiguration": "PutMetricsConfiguration",
        "ListBucketMetricsConfigurations": "GetMetricsConfiguration",
        "GetBucketIntelligentTieringConfiguration": "GetIntelligentTieringConfiguration",
        "PutBucketIntelligentTieringConfiguration": "PutIntelligentTieringConfiguration",
        "DeleteBucketIntelligentTieringConfiguration": "PutIntelligentTieringConfiguration",
        "ListBucketIntelligentTieringConfigurations": "GetIntelligentTieringConfiguration",
        "GetPublicAccessBlock": "GetBucketPublicAccessBlock", "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
        "DeletePublicAccessBlock": "PutBucketPublicAccessBlock",
        "DeleteBucketOwnershipControls": "PutBucketOwnershipControls",
        "GetBucketRequestPayment": "GetBucketRequestPayment",
        "DeleteBucketWebsite": "DeleteBucketWebsite", "WriteGetObjectResponse": "WriteGetObjectResponse",
    ]

    /// Whether an S3 request's own permission takes its version form: the request names a version
    /// (`?versionId=`) and the operation's permission (after ``s3``) has one. The dependent actions on
    /// the request's own object switch with it (`s3:GetObjectAttributes` → `s3:GetObjectVersionAttributes`).
    static func s3NamesVersion(operation: String, hasVersionID: Bool) -> Bool {
        hasVersionID && s3Versioned[s3[operation] ?? operation] != nil
    }

    /// Permissions that name the version when the request addresses one (`?versionId=`), keyed by the
    /// unversioned permission: an operation's own (after ``s3``), or a dependent action's
    /// (``DependentActions``: `GetObjectAttributes` for the GetObjectAttributes operation, `GetObject`
    /// for a copy source).
    static let s3Versioned: [String: String] = [
        "GetObject": "GetObjectVersion", "DeleteObject": "DeleteObjectVersion", "GetObjectAcl": "GetObjectVersionAcl",
        "PutObjectAcl": "PutObjectVersionAcl", "GetObjectTagging": "GetObjectVersionTagging",
        "PutObjectTagging": "PutObjectVersionTagging", "DeleteObjectTagging": "DeleteObjectVersionTagging",
        "GetObjectAttributes": "GetObjectVersionAttributes", "GetObjectLegalHold": "GetObjectLegalHold",
    ]
}
