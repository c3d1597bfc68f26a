internal import Foundation

/// Derives every (action, resource) pair AWS authorizes for a classified request.
///
/// Resources come only from where the service reads them (``RequestInput``): the host and path for
/// S3 and REST labels, the JSON body for JSON-protocol services, the query and form body for query
/// services. Names without an account (a table name, a key id) become ARNs in the signing account
/// and the request's region, which is where AWS looks them up. A resource that cannot be read is
/// `nil` (unknown), never left out: a batch whose body cannot be read still has one pair, on an
/// unknown resource. Dependent actions come from ``DependentActions``.
struct AuthorizationDeriver {
    let endpoint: Endpoint
    let region: String?
    let accountID: String?
    let wire: WireRequest
    let service: AWSModel.Service
    let operation: String
    let labels: RouteLabels
    let wireProtocol: AWSModel.WireProtocol
    /// The operation's IAM action (``IAMActionMapper``).
    let action: String

    typealias Authorization = Classification.Authorization

    /// What the deriver found.
    struct Derived {
        var authorizations: [Authorization] = []
        var resourceAccount: String?
        var addressesS3Bucket = false
        var problem: Classification.Problem?
    }

    var partition: String { endpoint.partition.id }

    func derive() -> Derived {
        var derived = Derived()
        let input = RequestInput(wire: wire, wireProtocol: wireProtocol)
        if case .conflicting(let message) = input {
            derived.problem = .conflict(message)
            return derived
        }
        let primary: [Authorization]
        switch service.modelName {
        case "s3":
            primary = s3(&derived)
            if derived.problem != nil { return derived }
        case "dynamodb": primary = dynamoDB(input)
        case "kms": primary = kms(input)
        case "sqs":
            primary = sqs(input, &derived)
            if derived.problem != nil { return derived }
        case "sns": primary = sns(input)
        case "lambda":
            // The path names the function, or (CreateFunction) the body does.
            let name = labels["FunctionName"] ?? input.string("FunctionName").value
            primary = [known(action, lambda(name))]
        case "sts": primary = sts(input)
        case "secretsmanager": primary = secretsManager(input)
        default: primary = modelResources(input)
        }
        derived.authorizations = primary.isEmpty ? [Authorization(action: .known(action))] : primary
        appendPassedRoles(to: &derived, input: input)
        appendDependentActions(to: &derived, input: input)
        return derived
    }

    // MARK: Members the model marks (generated `A` and `I` records)

    /// The values of a member as the service reads it; `nil` when they cannot be read.
    private func values(of member: AWSModel.ResourceMember, input: RequestInput) -> [String]? {
        switch member.location {
        case .uri: return labels[member.name].map { [$0] } ?? []
        case .querystring: return wire.queryValues(member.name)
        case .header:
            guard wire.isKnown(header: member.name) else { return nil }
            return wire.header(member.name)
        case .body:
            switch input {
            case .json(let document):
                guard let value = document[member.name] else { return [] }
                if let text = value.string, !member.isList { return [text] }
                guard member.isList, let elements = value.elements else { return nil }
                let strings = elements.compactMap(\.string)
                return strings.count == elements.count ? strings : nil
            case .form(let pairs):
                if member.isList {
                    return pairs.filter { $0.name.hasPrefix(member.name + ".") }.map(\.value)
                }
                return pairs.filter { $0.name == member.name }.map(\.value)
            case .unknown, .conflicting:
                return nil
            }
        }
    }

    /// Services without a curated reading: the ARNs in the service's own namespace that the members
    /// botocore's shapes mark as naming its resources hold. A marked member whose value is not such
    /// an ARN (a name the deriver cannot turn into an ARN), or that cannot be read, is an unknown
    /// resource.
    private func modelResources(_ input: RequestInput) -> [Authorization] {
        guard let members = service.resourceMembers[operation] else { return [known(action, nil)] }
        let namespace = "arn:\(partition):\(service.iamPrefix):"
        var pairs: [Authorization] = []
        var unknown = false
        for member in members {
            guard let values = values(of: member, input: input) else {
                unknown = true
                continue
            }
            for value in values {
                if value.hasPrefix(namespace) {
                    pairs.append(known(action, value))
                } else if !value.hasPrefix("arn:") {
                    unknown = true
                }
            }
        }
        if unknown || pairs.isEmpty { pairs.append(known(action, nil)) }
        return pairs
    }

    /// `iam:PassRole` on every role the request hands to the service (generated `I` records).
    private func appendPassedRoles(to derived: inout Derived, input: RequestInput) {
        guard let members = service.passedRoleMembers[operation] else { return }
        for member in members {
            let roles = values(of: member, input: input)
            for role in roles.map({ $0.map(Optional.some) }) ?? [nil] {
                let pair = known("iam:PassRole", role.flatMap { $0.hasPrefix("arn:") ? $0 : nil })
                if !derived.authorizations.contains(pair) { derived.authorizations.append(pair) }
            }
        }
    }

    // MARK: Names → ARNs

    /// An ARN as given, or the ARN `make` builds from a name in the signing account and region.
    private func arn(
        _ value: String?, _ make: (_ region: String, _ account: String, _ name: String) -> String
    )
        -> String?
    {
        guard let value, !value.isEmpty else { return nil }
        if value.hasPrefix("arn:") { return value }
        guard let region, let accountID else { return nil }
        return make(region, accountID, value)
    }

    /// The key a key id, key ARN, alias name or alias ARN names. AWS authorizes a request that names
    /// an alias against the key the alias points to, which the request does not say: unknown.
    private func kmsKey(_ value: String?) -> String? {
        guard let value, !value.hasPrefix("alias/"), !(value.hasPrefix("arn:") && value.contains(":alias/")) else {
            return nil
        }
        return arn(value) { region, account, key in "arn:\(partition):kms:\(region):\(account):key/\(key)" }
    }

    private func table(_ value: String?) -> String? {
        arn(value) { region, account, name in
            Self.concatenated("arn:", partition, ":dynamodb:", region, ":", account, ":table/", name)
        }
    }

    private func secret(_ value: String?) -> String? {
        arn(value) { region, account, name in "arn:\(partition):secretsmanager:\(region):\(account):secret:\(name)" }
    }

    private func known(_ action: String, _ resource: String?) -> Authorization {
        Authorization(action: .known(action), resource: resource)
    }

    // MARK: S3

    private func s3(_ derived: inout Derived) -> [Authorization] {
        // A percent-encoded `/` in a path-style bucket segment: S3 and a client may split it apart
        // differently.
        if endpoint.kind == .s3PathStyle {
            if Self.holdsEncodedSlash(wire.rawPath.utf8.dropFirst().prefix { $0 != UInt8(ascii: "/") }) {
                derived.problem = .conflict("the bucket segment of the path holds an encoded '/'")
                return []
            }
        }
        let resource = s3Resource()
        switch endpoint.kind {
        case .s3AccessPoint, .s3ObjectLambda, .s3Outposts: derived.resourceAccount = endpoint.accountID
        default: break
        }
        let owners = wire.headerValue("x-amz-expected-bucket-owner")
        if owners.count > 1 {
            derived.problem = .conflict("the request has more than one x-amz-expected-bucket-owner header")
            return []
        }
        if let owner = owners.first?.trimmingASCIIWhitespace() { derived.resourceAccount = owner }
        derived.addressesS3Bucket = !Self.s3Bucketless.contains(operation)
        // Operations that address a bucket but whose input has no ExpectedBucketOwner: S3 ignores the
        // header, so it proves nothing.
        if Self.s3IgnoresOwner.contains(operation) { derived.resourceAccount = nil }

        if operation == "DeleteObjects" {
            return deleteObjects(bucketResource: resource)
        }
        return [known(action, resource)]
    }

    /// S3 operations that address no bucket.
    static let s3Bucketless = ["ListBuckets", "ListDirectoryBuckets", "CreateBucket", "WriteGetObjectResponse"]
    /// S3 operations that address a bucket but ignore `x-amz-expected-bucket-owner`.
    static let s3IgnoresOwner = ["CreateSession", "RenameObject"]

    /// Whether bytes hold `%2f` or `%2F`.
    static func holdsEncodedSlash(_ bytes: some Collection<UInt8>) -> Bool {
        var state = 0
        for byte in bytes {
            switch (state, byte) {
            case (_, UInt8(ascii: "%")): state = 1
            case (1, UInt8(ascii: "2")): state = 2
            case (2, UInt8(ascii: "f")), (2, UInt8(ascii: "F")): return true
            default: state = 0
            }
        }
        return false
    }

    /// Concatenates the parts into one string, allocated once at its final size, by copying bytes
    /// (`String.append` costs hundreds of instructions a part).
    static func concatenated(_ parts: String...) -> String { concatenated(parts) }

    static func concatenated(_ parts: [String]) -> String {
        var count = 0
        for part in parts { count += part.utf8.count }
        return String(unsafeUninitializedCapacity: count) { out in
            var written = 0
            for var part in parts {
                part.withUTF8 { bytes in
                    guard let base = bytes.baseAddress, let target = out.baseAddress else { return }
                    (target + written).update(from: base, count: bytes.count)
                    written += bytes.count
                }
            }
            return written
        }
    }

    private func s3Resource() -> String? {
        switch endpoint.kind {
        case .s3AccessPoint, .s3ObjectLambda, .s3Outposts:
            guard let name = endpoint.accessPointName, let account = endpoint.accountID, let region = endpoint.region
            else {
                return nil
            }
            let base: String
            switch endpoint.kind {
            case .s3ObjectLambda: base = "arn:\(partition):s3-object-lambda:\(region):\(account):accesspoint/\(name)"
            case .s3Outposts:
                guard let outpost = endpoint.outpostID else { return nil }
                base = "arn:\(partition):s3-outposts:\(region):\(account):outpost/\(outpost)/accesspoint/\(name)"
            default: base = "arn:\(partition):s3:\(region):\(account):accesspoint/\(name)"
            }
            return labels["Key"].map { "\(base)/object/\($0)" } ?? base
        case .s3MultiRegionAccessPoint, .s3Express:
            return nil
        default:
            // Virtual-hosted requests were matched with the host's bucket put back in the path.
            // The bucket and key are decoded from the path straight into the ARN.
            return labels.joined(["arn:", partition, ":s3:::"], label: "Bucket", or: endpoint.bucket, then: "Key")
        }
    }

    /// `DeleteObjects`: `s3:DeleteObject` (or `s3:DeleteObjectVersion`) on every key of the XML body.
    private func deleteObjects(bucketResource: String?) -> [Authorization] {
        guard let body = wire.readableBody, let objects = DeleteObjectsBody.objects(in: body), !objects.isEmpty,
            let bucketResource
        else {
            return [known("s3:DeleteObject", nil)]
        }
        return objects.map { object in
            known(object.hasVersion ? "s3:DeleteObjectVersion" : "s3:DeleteObject", "\(bucketResource)/\(object.key)")
        }
    }

    /// The object `x-amz-copy-source` names (`bucket/key[?versionId=v]`, URL-encoded, or an access
    /// point ARN `…:accesspoint/name/object/key`), and whether it names a version; `nil` when unreadable.
    private func copySource() -> (resource: String?, versioned: Bool) {
        let values = wire.headerValue("x-amz-copy-source")
        guard values.count == 1, let raw = values.first else { return (nil, false) }
        var text = Substring(raw.trimmingASCIIWhitespace())
        var versioned = false
        if let question = text.firstIndex(of: "?") {
            let query = FormDecoding.pairs(String(text[text.index(after: question)...]))
            guard query.count == 1, query[0].name == "versionId", !query[0].value.isEmpty else { return (nil, false) }
            versioned = true
            text = text[..<question]
        }
        let decoded = FormDecoding.decodePathSegment(text)
        var path = Substring(decoded)
        if path.hasPrefix("/") { path = path.dropFirst() }
        if path.hasPrefix("arn:") {
            return (path.contains("/object/") ? String(path) : nil, versioned)
        }
        guard let slash = path.firstIndex(of: "/") else { return (nil, versioned) }
        let bucket = path[..<slash]
        let key = path[path.index(after: slash)...]
        guard !bucket.isEmpty, !key.isEmpty else { return (nil, versioned) }
        return ("arn:\(partition):s3:::\(bucket)/\(key)", versioned)
    }

    // MARK: DynamoDB

    private func dynamoDB(_ input: RequestInput) -> [Authorization] {
        switch operation {
        case "BatchGetItem", "BatchWriteItem":
            guard case .json(let document) = input, let items = document["RequestItems"]?.members, !items.isEmpty
            else {
                return [known(action, nil)]
            }
            return items.map { known(action, table($0.key)) }
        case "TransactWriteItems", "TransactGetItems":
            let actions =
                operation == "TransactGetItems"
                ? ["Get": "dynamodb:GetItem"]
                : [
                    "Put": "dynamodb:PutItem", "Update": "dynamodb:UpdateItem", "Delete": "dynamodb:DeleteItem",
                    "ConditionCheck": "dynamodb:ConditionCheckItem",
                ]
            // Without the items, a read transaction is still GetItem; a write one could be any item action.
            let unknown =
                operation == "TransactGetItems"
                ? [known("dynamodb:GetItem", nil)]
                : [Authorization(action: .unknown(reason: "the \(operation) items are in a body that cannot be read"))]
            guard case .json(let document) = input, let items = document["TransactItems"]?.elements, !items.isEmpty
            else {
                return unknown
            }
            var pairs: [Authorization] = []
            for item in items {
                // Each item is an object with exactly one of the item kinds.
                guard let members = item.members, members.count == 1, let kind = members.first,
                    let itemAction = actions[kind.key]
                else { return unknown }
                pairs.append(known(itemAction, table(kind.value["TableName"]?.string)))
            }
            return pairs
        case "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction":
            // PartiQL: the action (PartiQLSelect, PartiQLInsert, …) and the table are in the statement text.
            return [Authorization(action: .unknown(reason: "the PartiQL statement is not parsed"))]
        default:
            let name =
                input.string("TableName").value ?? input.string("TableArn").value
                ?? input.string("ResourceArn").value
            return [known(action, table(name))]
        }
    }

    // MARK: KMS

    private func kms(_ input: RequestInput) -> [Authorization] {
        if operation == "ReEncrypt" {
            return [
                known("kms:ReEncryptFrom", kmsKey(input.string("SourceKeyId").value)),
                known("kms:ReEncryptTo", kmsKey(input.string("DestinationKeyId").value)),
            ]
        }
        return [known(action, kmsKey(input.string("KeyId").value))]
    }

    // MARK: SQS

    private func sqs(_ input: RequestInput, _ derived: inout Derived) -> [Authorization] {
        // The queue URL path (query protocol: POST /123456789012/name) and QueueUrl must agree.
        let pathQueue = queueARN(path: Substring(wire.rawPath))
        let member = input.string("QueueUrl")
        if wire.rawPath.count > 1, pathQueue == nil {
            derived.problem = .conflict("the path \(wire.rawPath) is not an SQS queue URL path")
            return []
        }
        var resource: String?
        switch member {
        case .value(let url):
            guard let queue = queueARN(url: url) else { return [known(action, nil)] }
            if let pathQueue, pathQueue != queue {
                derived.problem = .conflict("the queue URL in the path and QueueUrl name different queues")
                return []
            }
            resource = queue
        case .absent: resource = pathQueue
        case .unknown: resource = nil
        }
        return [known(action, resource)]
    }

    private func queueARN(url: String) -> String? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let afterScheme = url[schemeEnd.upperBound...]
        guard let slash = afterScheme.firstIndex(of: "/") else { return nil }
        return queueARN(path: afterScheme[slash...])
    }

    private func queueARN(path: Substring) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].isEmpty, parts[1].count == 12, parts[1].allSatisfy(\.isASCIIDigit),
            !parts[2].isEmpty, let region
        else { return nil }
        return "arn:\(partition):sqs:\(region):\(parts[1]):\(parts[2])"
    }

    // MARK: SNS

    private func sns(_ input: RequestInput) -> [Authorization] {
        var pairs: [Authorization] = []
        for name in ["TopicArn", "TargetArn", "ResourceArn"] {
            switch input.string(name) {
            case .value(let value): pairs.append(known(action, value.hasPrefix("arn:") ? value : nil))
            case .absent: continue
            case .unknown: return [known(action, nil)]
            }
        }
        return pairs
    }

    // MARK: Lambda

    private func lambda(_ functionName: String?) -> String? {
        guard let name = functionName, !name.isEmpty else { return nil }
        if name.hasPrefix("arn:") { return name }
        // "123456789012:function:name" (partial ARN) or "name[:qualifier]".
        let parts = name.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count >= 3, parts[1] == "function", let region {
            return "arn:\(partition):lambda:\(region):\(parts[0]):\(parts[1...].joined(separator: ":"))"
        }
        guard let region, let accountID else { return nil }
        return "arn:\(partition):lambda:\(region):\(accountID):function:\(name)"
    }

    // MARK: STS

    private func sts(_ input: RequestInput) -> [Authorization] {
        switch operation {
        case "AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity":
            let role = input.string("RoleArn").value.flatMap { $0.hasPrefix("arn:") ? $0 : nil }
            return [known(action, role)]
        default:
            return [known(action, nil)]
        }
    }

    // MARK: Secrets Manager

    private func secretsManager(_ input: RequestInput) -> [Authorization] {
        switch operation {
        case "BatchGetSecretValue":
            // AWS authorizes secretsmanager:GetSecretValue on every secret the batch returns; with
            // Filters (or an unreadable body) those secrets are unknown.
            // Filters also need secretsmanager:ListSecrets.
            let batch = known(action, nil)
            guard let ids = input.strings("SecretIdList"), !ids.isEmpty, input.has("Filters") == false else {
                return [batch, known("secretsmanager:ListSecrets", nil), known("secretsmanager:GetSecretValue", nil)]
            }
            return [batch] + ids.map { known("secretsmanager:GetSecretValue", secret($0)) }
        case "CreateSecret":
            return [known(action, secret(input.string("Name").value))]
        default:
            return [known(action, secret(input.string("SecretId").value))]
        }
    }

    // MARK: Dependent actions

    private func appendDependentActions(to derived: inout Derived, input: RequestInput) {
        guard let rows = DependentActions.byService[service.modelName]?[operation] else { return }
        let requestResource = derived.authorizations.first?.resource
        // The request names a version of its own object, and its own action took the version form.
        let namesVersion =
            service.modelName == "s3"
            && IAMActionMapper.s3NamesVersion(operation: operation, hasVersionID: wire.hasQuery("versionId"))
        for row in rows {
            guard applies(row.trigger, input: input) else { continue }
            var rowAction = row.action
            let resource: String?
            switch row.target {
            case .requestResource:
                resource = requestResource
                if namesVersion, rowAction.hasPrefix("s3:"),
                    let versioned = IAMActionMapper.s3Versioned[String(rowAction.dropFirst(3))]
                {
                    rowAction = "s3:\(versioned)"
                }
            case .copySource:
                let source = copySource()
                resource = source.resource
                if source.versioned, let versioned = IAMActionMapper.s3Versioned[String(rowAction.dropFirst(3))] {
                    rowAction = "s3:\(versioned)"
                }
            case .s3KMSKey:
                let keys = wire.headerValue("x-amz-server-side-encryption-aws-kms-key-id")
                resource = keys.count == 1 ? kmsKey(keys.first?.trimmingASCIIWhitespace()) : nil
            case .kmsKeyMember(let name): resource = kmsKey(input.string(name).value)
            case .tableMember(let name): resource = table(input.string(name).value)
            case .unnamed: resource = nil
            case .snsRoleAttributes:
                // One pair per role; without the body, one on an unknown role.
                for role in snsRoles(input) ?? [nil] {
                    let pair = known(rowAction, role)
                    if !derived.authorizations.contains(pair) { derived.authorizations.append(pair) }
                }
                continue
            }
            let pair = known(rowAction, resource)
            if !derived.authorizations.contains(pair) { derived.authorizations.append(pair) }
        }
    }

    /// Whether a row applies; an unknown trigger (unreadable body, a header the proxy does not pass)
    /// counts as present.
    private func applies(_ trigger: DependentActions.Trigger, input: RequestInput) -> Bool {
        switch trigger {
        case .always:
            return true
        case .header(let names):
            return names.contains { wire.hasHeader($0) || !wire.isKnown(header: $0) }
        case .s3KMSEncryption:
            let keyHeader = "x-amz-server-side-encryption-aws-kms-key-id"
            if wire.hasHeader(keyHeader) || !wire.isKnown(header: keyHeader) { return true }
            let mode = "x-amz-server-side-encryption"
            guard wire.isKnown(header: mode) else { return true }
            return wire.header(mode).contains { $0.trimmingASCIIWhitespace().lowercased().hasPrefix("aws:kms") }
        case .member(let name):
            return input.has(name) ?? true
        case .snsRoleAttributes:
            return snsRoles(input).map { !$0.isEmpty } ?? true
        }
    }

    /// The role ARNs an SNS request sets in `…RoleArn` attributes (`Attributes.entry.N.key/value`, or
    /// `AttributeName`/`AttributeValue`); `nil` when the parameters cannot be read.
    private func snsRoles(_ input: RequestInput) -> [String?]? {
        guard case .form(let pairs) = input else { return input.isReadable ? [] : nil }
        var values: [String: String] = [:]
        for pair in pairs { values[pair.name] = pair.value }
        var roles: [String?] = []
        func add(_ value: String?) { roles.append(value.flatMap { $0.hasPrefix("arn:") ? $0 : nil }) }
        for pair in pairs where pair.name.hasPrefix("Attributes.entry.") && pair.name.hasSuffix(".key") {
            guard pair.value.hasSuffix("RoleArn") else { continue }
            add(values[String(pair.name.dropLast(4)) + ".value"])
        }
        if let name = values["AttributeName"], name.hasSuffix("RoleArn") { add(values["AttributeValue"]) }
        return roles
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
