import AWSClassifier
import Testing

/// IAM actions of botocore-serialized requests, checked against the names in the AWS Service
/// Authorization Reference and the S3 User Guide's "Required permissions for Amazon S3 API operations".
@Suite("IAM actions")
struct IAMActionTests {
    static let expected: [(String, String)] = [
        ("s3-get-object-virtual", "s3:GetObject"),
        ("s3-get-object-query-params", "s3:GetObjectVersion"),  // ?versionId= names a version
        ("s3-head-object", "s3:GetObject"),
        ("s3-list-objects-v2-virtual", "s3:ListBucket"),
        ("s3-list-objects-v1", "s3:ListBucket"),
        ("s3-head-bucket", "s3:ListBucket"),
        ("s3-list-buckets", "s3:ListAllMyBuckets"),
        ("s3-list-object-versions", "s3:ListBucketVersions"),
        ("s3-list-multipart-uploads", "s3:ListBucketMultipartUploads"),
        ("s3-list-parts", "s3:ListMultipartUploadParts"),
        ("s3-create-multipart-upload", "s3:PutObject"),
        ("s3-upload-part", "s3:PutObject"),
        ("s3-upload-part-copy", "s3:PutObject"),
        ("s3-complete-multipart-upload", "s3:PutObject"),
        ("s3-abort-multipart-upload", "s3:AbortMultipartUpload"),
        ("s3-copy-object", "s3:PutObject"),
        ("s3-delete-objects-virtual", "s3:DeleteObject"),
        ("s3-select-object-content", "s3:GetObject"),
        ("s3-put-bucket-policy", "s3:PutBucketPolicy"),
        ("s3-get-bucket-acl-path", "s3:GetBucketAcl"),
        ("s3-object-lambda-get-object", "s3-object-lambda:GetObject"),
        ("s3-outposts-get-object", "s3-outposts:GetObject"),
        ("s3express-list-directory-buckets", "s3express:ListAllMyDirectoryBuckets"),
        ("s3express-create-session", "s3express:CreateSession"),
        ("s3control-list-access-points", "s3:ListAccessPoints"),
        ("lambda-invoke-name", "lambda:InvokeFunction"),
        ("lambda-invoke-with-response-stream", "lambda:InvokeFunction"),
        ("lambda-list-functions", "lambda:ListFunctions"),
        ("sqs-send-message-batch", "sqs:SendMessage"),
        ("sqs-delete-message-batch", "sqs:DeleteMessage"),
        ("sqs-receive-message", "sqs:ReceiveMessage"),
        ("cloudwatch-put-metric-data", "cloudwatch:PutMetricData"),
        ("cloudwatch-put-metric-data-cbor", "cloudwatch:PutMetricData"),
        ("cloudwatch-put-metric-data-query", "cloudwatch:PutMetricData"),
        ("apigateway-get-rest-apis", "apigateway:GET"),
        ("apigatewaymanagementapi-post-to-connection", "execute-api:ManageConnections"),
        ("dynamodb-put-item", "dynamodb:PutItem"),
        ("dynamodb-batch-write-item", "dynamodb:BatchWriteItem"),
        ("ec2-describe-instances", "ec2:DescribeInstances"),
        ("sts-get-caller-identity-us-east-1", "sts:GetCallerIdentity"),
        ("sts-assume-role-legacy-global", "sts:AssumeRole"),
        ("iam-list-users", "iam:ListUsers"),
        ("kms-decrypt", "kms:Decrypt"),
        ("secretsmanager-get-secret-value", "secretsmanager:GetSecretValue"),
        ("ssm-get-parameter", "ssm:GetParameter"),
        ("sagemaker-runtime-invoke-endpoint", "sagemaker:InvokeEndpoint"),
        ("bedrock-runtime-invoke-model", "bedrock:InvokeModel"),
        ("iot-data-publish", "iot:Publish"),
        ("ses-send-email", "ses:SendEmail"),
        ("sesv2-send-email", "ses:SendEmail"),
        ("elbv2-describe-load-balancers", "elasticloadbalancing:DescribeLoadBalancers"),
        ("opensearch-list-domain-names", "es:ListDomainNames"),
    ]

    @Test("the action of each request", arguments: expected)
    func action(_ name: String, _ action: String) throws {
        let vector = try #require(Fixtures.vectors.first { $0.name == name }, "no vector \(name)")
        let result = Fixtures.classify(vector.request, body: vector.body)
        #expect(result.action == .known(action), "\(name): \(result.action)")
    }

    @Test("API Gateway invocations and Lambda function URLs have fixed actions")
    func fixedActions() {
        let invoke = Fixtures.classify(
            Fixtures.signed(
                method: "POST", host: "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com", target: "/prod/orders/42",
                service: "execute-api", region: "eu-west-1"),
            body: nil)
        #expect(invoke.action == .known("execute-api:Invoke"))
        // The API's owner is not in the request; the signer's account is never put in its place.
        #expect(invoke.resource == "arn:aws:execute-api:eu-west-1::a1b2c3d4e5/prod/POST/orders/42")
        #expect(invoke.ownerUnverifiable)
        let url = Fixtures.classify(
            Fixtures.signed(
                host: "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws", target: "/hello",
                service: "lambda", region: "us-east-1"),
            body: nil)
        #expect(url.action == .known("lambda:InvokeFunctionUrl"))
        #expect(url.endpoint?.kind == .lambdaFunctionURL)
        #expect(url.ownerUnverifiable)
    }

    @Test(
        "OpenSearch data planes: es:ESHttp{Method} on the domain's path, aoss:APIAccessAll on the collection",
        arguments: [
            ("GET", "es:ESHttpGet"), ("POST", "es:ESHttpPost"), ("PUT", "es:ESHttpPut"),
            ("DELETE", "es:ESHttpDelete"), ("HEAD", "es:ESHttpHead"), ("PATCH", "es:ESHttpPatch"),
        ])
    func openSearch(_ method: String, _ action: String) {
        let domain = Fixtures.classify(
            Fixtures.signed(
                method: method, host: "search-logs-2026-a1b2c3d4e5f6.eu-west-1.es.amazonaws.com",
                target: "/logs-2026.03/_search", service: "es", region: "eu-west-1"),
            body: nil)
        #expect(domain.action == .known(action))
        #expect(domain.endpoint?.kind == .openSearchDomain)
        // The domain's owner is not in the request: the account field stays empty.
        #expect(domain.resource == "arn:aws:es:eu-west-1::domain/logs-2026/logs-2026.03/_search")
        #expect(domain.ownerUnverifiable)
        let collection = Fixtures.classify(
            Fixtures.signed(
                method: method, host: "1a2b3c4d5e6f7g8h9i0j.eu-west-1.aoss.amazonaws.com", target: "/idx/_doc/1",
                service: "aoss", region: "eu-west-1"),
            body: nil)
        #expect(collection.action == .known("aoss:APIAccessAll"))
        #expect(collection.resource == "arn:aws:aoss:eu-west-1::collection/1a2b3c4d5e6f7g8h9i0j")
        #expect(collection.ownerUnverifiable)
    }
}
