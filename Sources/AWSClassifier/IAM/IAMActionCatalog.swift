/// The IAM actions sigv4-authz can put in a request's facts, by IAM prefix: what a policy's action
/// names are checked against when a configuration is loaded (`sigv4-authz validate`).
///
/// Derived the way classification derives them: every operation of the bundled model through
/// ``IAMActionMapper`` (and the version forms of S3's permissions), the actions of endpoints without a
/// model (API Gateway invocations, OpenSearch data planes, Lambda function URLs), the dependent
/// actions table, `iam:PassRole` and the actions the resource deriver adds. Only the prefixes of
/// ``IAMActionReference`` are ``checked``: for them the AWS Service Authorization Reference's action
/// list is known, and its actions that no request carries as its operation (permission-only actions
/// such as `s3:BypassGovernanceRetention`) are known too, so no real IAM action is called unknown.
public struct IAMActionCatalog: Sendable {
    /// The prefixes whose action names are checked, lower case.
    public let checked: Set<String>
    /// By lower-case prefix: lower-case action name (without the prefix) → the action as AWS spells it
    /// (`s3:PutBucketPublicAccessBlock`).
    public let actions: [String: [String: String]]
    /// By lower-case prefix: lower-case operation name → the service models (botocore's names) that
    /// have an operation of that name whose action has another name, each with the operation and the
    /// action (`putpublicaccessblock` → `s3`: `PutPublicAccessBlock`, `s3:PutBucketPublicAccessBlock`),
    /// the model named like the prefix first.
    public let renamedOperations: [String: [String: [(model: String, operation: String, action: String)]]]
    /// By lower-case prefix: the service's name in sentences (`S3`).
    public let titles: [String: String]

    /// The catalog of the bundled model.
    public static func bundled() throws(AWSModelError) -> IAMActionCatalog {
        IAMActionCatalog(model: try AWSModel.bundled())
    }

    /// The actions derived from `model` for every prefix; ``checked`` is the prefixes of
    /// ``IAMActionReference`` (plus their permission-only actions).
    public init(model: AWSModel) {
        let derived = Self.derived(model: model)
        var actions: [String: [String: String]] = [:]
        for action in derived.actions {
            guard let (prefix, name) = Self.split(action) else { continue }
            actions[prefix.lowercased(), default: [:]][name.lowercased()] = action
        }
        for (prefix, names) in IAMActionReference.permissionOnly {
            for name in names { actions[prefix, default: [:]][name.lowercased()] = prefix + ":" + name }
        }
        var renamed: [String: [String: [(model: String, operation: String, action: String)]]] = [:]
        let sorted = derived.renamed.sorted {
            ($0.model != $0.prefix ? 1 : 0, $0.model, $0.operation) < (
                $1.model != $1.prefix ? 1 : 0, $1.model, $1.operation
            )
        }
        for entry in sorted {
            guard let (prefix, name) = Self.split(entry.action), name.lowercased() != entry.operation.lowercased()
            else { continue }
            var list = renamed[prefix.lowercased(), default: [:]][entry.operation.lowercased(), default: []]
            guard !list.contains(where: { $0.action == entry.action }) else { continue }
            list.append((entry.model, entry.operation, entry.action))
            renamed[prefix.lowercased(), default: [:]][entry.operation.lowercased()] = list
        }
        self.actions = actions
        self.renamedOperations = renamed
        self.checked = Set(IAMActionReference.titles.keys)
        self.titles = IAMActionReference.titles
    }

    /// Every action classification can emit, and each operation's action (keyed by prefix and name).
    static func derived(
        model: AWSModel
    ) -> (
        actions: Set<String>, renamed: [(model: String, prefix: String, operation: String, action: String)]
    ) {
        var actions: Set<String> = []
        var renamed: [(model: String, prefix: String, operation: String, action: String)] = []
        for service in model.services.values {
            let prefixes =
                service.modelName == "s3"
                ? ["s3", "s3-object-lambda", "s3-outposts", "s3express"] : [service.iamPrefix]
            for prefix in prefixes {
                for operation in service.operations {
                    // Only API Gateway's control plane names its actions after the HTTP method.
                    let routeMethods =
                        service.modelName.hasPrefix("apigateway")
                        ? Set(service.routes.filter { $0.operation == operation }.map(\.method)) : []
                    for method in routeMethods.isEmpty ? ["POST"] : routeMethods.sorted() {
                        for versioned in [false, true] {
                            let action = IAMActionMapper.action(
                                service: service, operation: operation, method: method, iamPrefix: prefix,
                                hasVersionID: versioned)
                            actions.insert(action)
                            if !versioned { renamed.append((service.modelName, prefix, operation, action)) }
                        }
                    }
                }
            }
            if !service.passedRoleMembers.isEmpty { actions.insert("iam:PassRole") }
        }
        // Endpoints without a service model (RequestClassifier's fixed actions).
        actions.formUnion(["execute-api:Invoke", "aoss:APIAccessAll", "lambda:InvokeFunctionUrl"])
        for verb in ["Get", "Post", "Put", "Delete", "Head", "Patch"] { actions.insert("es:ESHttp" + verb) }
        // The dependent actions table and the actions the resource deriver adds.
        for row in DependentActions.rows {
            actions.insert(row.action)
            // An S3 row switches to the version form when the request names a version.
            if row.action.hasPrefix("s3:"), let versioned = IAMActionMapper.s3Versioned[String(row.action.dropFirst(3))]
            {
                actions.insert("s3:" + versioned)
            }
        }
        actions.formUnion([
            "s3:DeleteObjectVersion", "dynamodb:ConditionCheckItem", "kms:ReEncryptFrom", "kms:ReEncryptTo",
            "secretsmanager:GetSecretValue", "secretsmanager:ListSecrets",
        ])
        return (actions, renamed)
    }

    static func split(_ action: String) -> (prefix: String, name: String)? {
        guard let colon = action.firstIndex(of: ":") else { return nil }
        return (String(action[..<colon]), String(action[action.index(after: colon)...]))
    }
}
