import Testing

@testable import AWSClassifier

/// The generator's `A` (resource), `I` (passed role) and `K` (KMS key) records, as the loader reads them
/// into ``AWSModel/Service/resourceMembers``, ``AWSModel/Service/passedRoleMembers`` and
/// ``AWSModel/Service/kmsKeyMembers``. The facts were checked against botocore 1.43.11's
/// `service-2.json` files (member names, `locationName`s, list shapes) and `scripts/resource-members.tsv`.
@Suite("Resource members of the model")
struct ResourceMembersModelTests {
    typealias Member = AWSModel.ResourceMember

    static let model = Result { try AWSModel.bundled() }

    enum Kind: String, Sendable, CustomStringConvertible {
        case resource = "A"
        case passedRole = "I"
        case kmsKey = "K"
        var description: String { rawValue }
    }

    static func members(_ kind: Kind, _ service: String, _ operation: String) throws -> [Member]? {
        guard let found = try Self.model.get().services[service] else {
            Issue.record("no service \(service)")
            return nil
        }
        #expect(found.operations.contains(operation), "\(service) has no operation \(operation)")
        switch kind {
        case .resource: return found.resourceMembers[operation]
        case .passedRole: return found.passedRoleMembers[operation]
        case .kmsKey: return found.kmsKeyMembers[operation]
        }
    }

    /// (kind, service, operation, members in record form, or [] for none).
    static let facts: [(Kind, String, String, [String])] = [
        // Curated: the eight services the classifier knows by name.
        (.resource, "sns", "Publish", ["body:TopicArn", "body:TargetArn"]),
        (.resource, "sns", "Subscribe", ["body:TopicArn"]),  // Endpoint is the subscriber, not a resource
        (.resource, "sts", "AssumeRole", ["body:RoleArn"]),  // the role assumed is the resource ...
        (.passedRole, "sts", "AssumeRole", []),  // ... not a passed role
        (.resource, "sts", "AssumeRoleWithWebIdentity", ["body:RoleArn"]),
        (.resource, "sts", "GetCallerIdentity", []),
        (.passedRole, "lambda", "CreateFunction", ["body:Role"]),  // named Role, passed to Lambda
        (.passedRole, "lambda", "UpdateFunctionConfiguration", ["body:Role"]),
        (.resource, "lambda", "CreateFunction", ["body:FunctionName"]),  // not Layers, not CodeSigningConfigArn
        (.kmsKey, "lambda", "CreateFunction", ["body:KMSKeyArn"]),
        (.resource, "lambda", "Invoke", ["uri:FunctionName"]),
        (.resource, "lambda", "AddPermission", ["uri:FunctionName"]),  // SourceArn is the caller's resource
        (.resource, "lambda", "GetLayerVersionByArn", ["querystring:Arn"]),
        (.resource, "secretsmanager", "GetSecretValue", ["body:SecretId"]),
        (.resource, "secretsmanager", "BatchGetSecretValue", ["body:SecretIdList[]"]),
        (.resource, "secretsmanager", "CreateSecret", ["body:Name"]),
        (.kmsKey, "secretsmanager", "CreateSecret", ["body:KmsKeyId"]),
        (.kmsKey, "secretsmanager", "UpdateSecret", ["body:KmsKeyId"]),
        (.passedRole, "secretsmanager", "RotateSecret", ["body:ExternalSecretRotationRoleArn"]),
        (.resource, "secretsmanager", "RotateSecret", ["body:SecretId"]),  // RotationLambdaARN is no secret
        (.resource, "dynamodb", "GetItem", ["body:TableName"]),
        (.resource, "dynamodb", "ListBackups", ["body:TableName"]),  // ExclusiveStartBackupArn is a cursor
        (.resource, "dynamodb", "BatchGetItem", []),  // RequestItems keys: below the top level
        (.resource, "dynamodb", "TransactWriteItems", []),
        (.resource, "kms", "Decrypt", ["body:KeyId"]),
        (.resource, "kms", "ReEncrypt", ["body:SourceKeyId", "body:DestinationKeyId"]),
        (.resource, "kms", "CreateAlias", ["body:AliasName", "body:TargetKeyId"]),
        (.resource, "kms", "CreateGrant", ["body:KeyId"]),  // GranteePrincipal is a principal
        (.resource, "kms", "ListAliases", []),  // KeyId is a filter there
        (.kmsKey, "kms", "Encrypt", []),  // KMS's own keys are resources, never K
        (.resource, "sqs", "SendMessage", ["body:QueueUrl"]),
        (.resource, "sqs", "SendMessageBatch", ["body:QueueUrl"]),
        (.resource, "sqs", "GetQueueUrl", ["body:QueueName"]),
        (.resource, "s3", "GetObject", ["uri:Bucket", "uri:Key"]),
        (.resource, "s3", "CopyObject", ["uri:Bucket", "uri:Key"]),  // CopySource: a dependent s3:GetObject
        (.resource, "s3", "ListBuckets", []),
        (.kmsKey, "s3", "PutObject", ["header:x-amz-server-side-encryption-aws-kms-key-id"]),
        (.kmsKey, "s3", "CopyObject", ["header:x-amz-server-side-encryption-aws-kms-key-id"]),
        // Generic rule: ARN-named members, ARN-named shapes, documentation.
        (.resource, "logs", "GetLogEvents", ["body:logGroupIdentifier"]),  // "name or ARN" in its documentation
        (.resource, "logs", "PutSubscriptionFilter", ["body:destinationArn"]),
        (.passedRole, "logs", "PutSubscriptionFilter", ["body:roleArn"]),
        (.kmsKey, "logs", "CreateLogGroup", ["body:kmsKeyId"]),
        (.resource, "ecs", "DescribeServices", ["body:cluster"]),  // services[]: its documentation mentions no ARN
        (.resource, "ecs", "DescribeTasks", ["body:cluster", "body:tasks[]"]),
        (.passedRole, "ecs", "CreateService", ["body:role"]),
        (.resource, "stepfunctions", "StartExecution", ["body:stateMachineArn"]),
        (.passedRole, "stepfunctions", "CreateStateMachine", ["body:roleArn"]),
        (.passedRole, "cloudformation", "CreateStack", ["body:RoleARN"]),
        (.kmsKey, "ssm", "PutParameter", ["body:KeyId"]),  // named like a key, documented as a KMS key
        (.resource, "iam", "GetPolicy", ["body:PolicyArn"]),
        // Query and ec2 protocol lists: the parameter prefix of the elements.
        (.resource, "autoscaling", "AttachLoadBalancerTargetGroups", ["body:TargetGroupARNs.member[]"]),
        (.resource, "elbv2", "DescribeLoadBalancers", ["body:LoadBalancerArns.member[]"]),
        (.passedRole, "redshift", "CreateCluster", ["body:IamRoles.IamRoleArn[]", "body:DefaultIamRoleArn"]),
        (.resource, "ec2", "StartNetworkInsightsAnalysis", ["body:FilterInArn[]", "body:FilterOutArn[]"]),
        // Operations that take a role away pass none.
        (.passedRole, "rds", "RemoveRoleFromDBCluster", []),
        // A service without any.
        (.resource, "support", "DescribeCases", []),
    ]

    @Test("known members of the bundled model", arguments: facts)
    func knownMembers(_ kind: Kind, _ service: String, _ operation: String, _ expected: [String]) throws {
        let found = try Self.members(kind, service, operation)
        if expected.isEmpty {
            #expect(found == nil, "\(kind) \(service) \(operation): \(found ?? [])")
        } else {
            #expect(found?.map(\.description) == expected, "\(kind) \(service) \(operation)")
        }
    }

    @Test("member fields parse into location, name and list")
    func memberFields() throws {
        let publish = try #require(try Self.members(.resource, "sns", "Publish"))
        #expect(publish == [Member(location: .body, name: "TopicArn"), Member(location: .body, name: "TargetArn")])
        let batch = try #require(try Self.members(.resource, "secretsmanager", "BatchGetSecretValue"))
        #expect(batch == [Member(location: .body, name: "SecretIdList", isList: true)])
        let sse = try #require(try Self.members(.kmsKey, "s3", "PutObject"))
        #expect(sse.first?.location == .header)
        #expect(sse.first?.name == "x-amz-server-side-encryption-aws-kms-key-id")
        #expect(sse.first?.isList == false)
    }

    @Test("record and member totals match the generator's header")
    func totals() throws {
        let services = try Self.model.get().services.values
        func count(_ members: KeyPath<AWSModel.Service, [String: [Member]]>) -> [Int] {
            var records = 0
            var items = 0
            for service in services {
                records += service[keyPath: members].count
                items += service[keyPath: members].values.reduce(0) { $0 + $1.count }
            }
            return [records, items]
        }
        #expect(count(\.resourceMembers) == [5139, 5929])
        #expect(count(\.passedRoleMembers) == [530, 564])
        #expect(count(\.kmsKeyMembers) == [270, 295])
        #expect(services.filter { !$0.resourceMembers.isEmpty }.count > 300)
    }

    @Test("every member belongs to an operation of its service, and REST locations to REST services")
    func consistency() throws {
        for service in try Self.model.get().services.values {
            let isREST = service.speaks(.restJSON) || service.speaks(.restXML)
            for byOperation in [service.resourceMembers, service.passedRoleMembers, service.kmsKeyMembers] {
                for (operation, members) in byOperation {
                    #expect(service.operations.contains(operation), "\(service.modelName) \(operation)")
                    #expect(!members.isEmpty, "\(service.modelName) \(operation)")
                    for member in members where member.location != .body {
                        #expect(isREST, "\(service.modelName) \(operation) \(member)")
                        if member.location == .uri {
                            #expect(!member.isList)
                            let labels = service.routes.filter { $0.operation == operation }.flatMap(\.segments)
                            #expect(
                                labels.contains(.label(member.name)) || labels.contains(.greedyLabel(member.name)),
                                "\(service.modelName) \(operation) \(member)")
                        }
                    }
                }
            }
            // A role passed or a key used is never also a resource of the same operation.
            for (operation, roles) in service.passedRoleMembers {
                let resources = Set(service.resourceMembers[operation] ?? [])
                #expect(resources.isDisjoint(with: roles), "\(service.modelName) \(operation)")
            }
            for (operation, keys) in service.kmsKeyMembers {
                let resources = Set(service.resourceMembers[operation] ?? [])
                #expect(resources.isDisjoint(with: keys), "\(service.modelName) \(operation)")
            }
        }
    }

    static let header =
        "P\taws\tamazonaws.com\tapi.aws\tus-east-1\t-\tus-east-1\n"
        + "S\tdemo\tdemo\tdemo\tdemo\tjson\tDemo\t1.0\t-\t1\nO\tGetThing,PutThing"

    @Test("A, I and K records of a hand-written model")
    func handWritten() throws {
        let model = try AWSModel(
            tsv: Self.header
                + "\nA\tdemo\tGetThing\tbody:ThingArn,body:Names[]\nA\tdemo\tPutThing\tbody:ThingArn"
                + "\nI\tdemo\tPutThing\tbody:RoleArn\nK\tdemo\tPutThing\tbody:KmsKeyId")
        let demo = try #require(model.services["demo"])
        #expect(
            demo.resourceMembers["GetThing"]
                == [Member(location: .body, name: "ThingArn"), Member(location: .body, name: "Names", isList: true)])
        #expect(demo.resourceMembers["PutThing"] == [Member(location: .body, name: "ThingArn")])
        #expect(demo.passedRoleMembers == ["PutThing": [Member(location: .body, name: "RoleArn")]])
        #expect(demo.kmsKeyMembers == ["PutThing": [Member(location: .body, name: "KmsKeyId")]])
    }

    static let malformed: [(String, Int, String)] = [
        ("A\tdemo\tGetThing\tbody:ThingArn", 1, "outside a service"),
        (header + "\nA\tdemo\tGetThing", 4, "fields"),
        (header + "\nA\tother\tGetThing\tbody:ThingArn", 4, "in the block of demo"),
        (header + "\nI\tdemo\tDeleteThing\tbody:RoleArn", 4, "unknown operation"),
        (header + "\nK\tdemo\tGetThing\tpath:KeyId", 4, "body|uri|querystring|header"),
        (header + "\nK\tdemo\tGetThing\tbodyx:KeyId", 4, "body|uri|querystring|header"),
        (header + "\nA\tdemo\tGetThing\tThingArn", 4, "body|uri|querystring|header"),
        (header + "\nA\tdemo\tGetThing\tbody:", 4, "body|uri|querystring|header"),
        (header + "\nA\tdemo\tGetThing\tbody:[]", 4, "body|uri|querystring|header"),
        (header + "\nA\tdemo\tGetThing\tbody:A\nA\tdemo\tGetThing\tbody:B", 5, "second A record"),
    ]

    @Test("malformed A, I and K records are refused with the line", arguments: malformed)
    func malformedRecords(_ text: String, _ line: Int, _ message: String) {
        do {
            _ = try AWSModel(tsv: text)
            Issue.record("accepted a malformed model")
        } catch {
            #expect(error.line == line)
            #expect(error.message.contains(message), "\(error.message)")
        }
    }
}
