// Property fuzz target of request classification (operation resolution, route matching,
// authorization derivation) over mutations of the classifier vectors
// (Tests/AWSClassifierTests/Vectors/requests.json) and of the model's real REST routes: no crash, no
// hang, the same answer twice, never an empty list of authorizations, an operation only of the
// service named, and every resource an ARN.
import AWSClassifier
import Foundation
import FuzzDriver
import SigV4

struct Vector {
    var method: String
    var host: String
    var path: String
    var query: String
    var headers: [HeaderField]
    var body: [UInt8]
}

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

func loadVectors() -> [Vector] {
    let url = repositoryRoot.appendingPathComponent("Tests/AWSClassifierTests/Vectors/requests.json")
    guard let data = try? Data(contentsOf: url),
        let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
        let vectors = root["vectors"] as? [[String: Any]]
    else { fatalError("cannot read \(url.path)") }
    return vectors.compactMap { v in
        guard let method = v["method"] as? String, let host = v["host"] as? String, let path = v["path"] as? String,
            let query = v["query"] as? String, let headers = v["headers"] as? [[String]]
        else { return nil }
        let body = (v["body_base64"] as? String).flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) } ?? []
        return Vector(
            method: method, host: host, path: path, query: query,
            headers: headers.compactMap { $0.count == 2 ? HeaderField($0[0], $0[1]) : nil }, body: body)
    }
}

let model: AWSModel = {
    do { return try AWSModel.bundled() } catch { fatalError("model: \(error)") }
}()
let classifier = RequestClassifier(model: model)
let vectors = loadVectors()
let services = model.services.values.sorted { $0.modelName < $1.modelName }
let restServices = services.filter { !$0.routes.isEmpty }
let s3Service = model.services["s3"]

let methods = ["GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "OPTIONS", "get", ""]
let hosts = [
    "my-bucket.s3.eu-west-1.amazonaws.com", "s3.us-east-1.amazonaws.com", "s3.amazonaws.com",
    "my.dotted.bucket.s3.us-west-2.amazonaws.com", "dynamodb.us-east-1.amazonaws.com", "sqs.us-east-1.amazonaws.com",
    "lambda.us-east-1.amazonaws.com", "ec2.eu-central-1.amazonaws.com", "sts.amazonaws.com",
    "sts.us-east-1.amazonaws.com", "kms.us-east-1.amazonaws.com", "secretsmanager.us-east-1.amazonaws.com",
    "sns.us-east-1.amazonaws.com", "monitoring.us-east-1.amazonaws.com",
    "abc123defg.execute-api.us-east-1.amazonaws.com",
    "myap-123456789012.s3-accesspoint.us-west-2.amazonaws.com", "123456789012.s3-control.us-east-1.amazonaws.com",
    "apigateway.us-east-1.amazonaws.com", "elasticloadbalancing.us-east-1.amazonaws.com",
    "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws",
    "bucket--usw2-az1--x-s3.s3express-usw2-az1.us-west-2.amazonaws.com",
    "iam.amazonaws.com", "route53.amazonaws.com", "email.us-east-1.amazonaws.com", "logs.us-east-1.amazonaws.com",
    "s3-object-lambda.us-east-1.amazonaws.com", "myolap-123456789012.s3-object-lambda.us-east-1.amazonaws.com",
    "mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com", "sync-states.us-east-1.amazonaws.com",
    "data.iot.us-east-1.amazonaws.com", "runtime.sagemaker.us-east-1.amazonaws.com", "example.com",
    "states.us-east-1.amazonaws.com", "dynamodb.us-gov-west-1.amazonaws.com", "s3.cn-north-1.amazonaws.com.cn",
]
let labelValues = [
    "my-bucket", "photos/2024/cat%20%281%29.jpg", "a", "", "%2F", "a%2Fb", "%", "%zz", "a+b", "a b", "%E2%84%AA",
    "\u{212A}", "caf\u{E9}", "e\u{301}", "/", "//", "x/", "arn:aws:lambda:us-east-1:123456789012:function:f",
    "123456789012:function:f", "f:1", "arn:aws:s3:us-west-2:123456789012:accesspoint/ap/object/k", "%41",
    "my-table", "123456789012", "alias/x", "arn:aws:kms:us-east-1:123456789012:key/k", "\u{0}", "%00", ".", "..",
    "tags", "v1", "2015-03-31", "functions", "@connections", "conn%3D", "service", "operation",
]
let queryNames = [
    "versionId", "x-id", "Action", "Version", "uploads", "uploadId", "partNumber", "list-type", "Operation", "action",
    "ACTION", "tagging", "acl", "delete", "select", "select-type", "restore", "attributes", "location", "prefix",
    "versions", "id", "tagKeys", "Qualifier", "QueueUrl", "TableName", "Tag.1.Key", "tags.1", "Attributes.entry.1.key",
    "Attributes.entry.1.value", "AttributeName", "AttributeValue", "TopicArn", "RoleArn", "Tags.member.1.Key",
    "session", "x-id", "%41ction", "Act%69on", "a+b", "",
]
let queryValues = [
    "", "1", "2", "v1", "GetObject", "PutObject", "ListObjectsV2", "DescribeInstances", "2016-11-15", "2012-11-05",
    "2011-06-15", "GetCallerIdentity", "AssumeRole", "SendMessage", "Publish", "CreateTopic", "SetTopicAttributes",
    "DeliveryPolicyRoleArn", "LambdaFailureFeedbackRoleArn", "arn:aws:iam::123456789012:role/r",
    "arn:aws:sns:us-east-1:123456789012:t", "https://sqs.us-east-1.amazonaws.com/123456789012/q", "%20", "a+b", "%",
    "DescribeLoadBalancers", "2015-12-01", "2012-06-01", "CreateQueue", "x", "SELECT",
]
let headerNames = [
    "x-amz-target", "content-type", "x-amz-copy-source", "x-amz-acl", "content-encoding", "x-amz-expected-bucket-owner",
    "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id", "x-amz-tagging", "host",
    "x-amz-object-lock-mode", "x-amz-object-lock-legal-hold", "x-amz-grant-read", "x-amz-bypass-governance-retention",
    "x-amz-mfa", "Content-Type", "X-Amz-Target", "x-amz-object-lock-retain-until-date", "x-amz-request-payer",
    "x-amz-checksum-mode", "x-amz-copy-source-range", "x-amz-write-offset-bytes",
]
let headerValues = [
    "DynamoDB_20120810.PutItem", "DynamoDB_20120810.BatchWriteItem", "DynamoDB_20120810.TransactWriteItems",
    "DynamoDB_20120810.GetItem", "TrentService.Encrypt", "TrentService.ReEncrypt", "secretsmanager.CreateSecret",
    "secretsmanager.BatchGetSecretValue", "AmazonSQS.SendMessage", "AmazonSQS.CreateQueue",
    "Logs_20140328.PutLogEvents",
    "application/x-amz-json-1.0", "application/x-amz-json-1.1", "application/json", "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-8", "text/xml", "application/xml", " application/JSON ;x=y",
    "src-bucket/key%20a", "/src-bucket/k?versionId=v1", "src/k?versionId=",
    "arn:aws:s3:us-west-2:123456789012:accesspoint/ap/object/k",
    "private", "identity", "gzip", " IDENTITY ", "123456789012", "aws:kms", "aws:kms:dsse", "AES256",
    "arn:aws:kms:us-east-1:123456789012:key/k", "alias/mykey", "k1", "a=b", "GOVERNANCE", "ON", "", "x.y", ".",
    "DynamoDB_20120810.", "DynamoDB_20120810.Nope",
]
let bodies: [String] = [
    "", "{}", "{\"TableName\":\"my-table\",\"Item\":{\"id\":{\"S\":\"1\"}}}",
    "{\"TableName\":\"arn:aws:dynamodb:us-east-1:123456789012:table/t\"}",
    "{\"RequestItems\":{\"t1\":[],\"t2\":[]}}", "{\"RequestItems\":{}}",
    "{\"TransactItems\":[{\"Put\":{\"TableName\":\"a\"}},{\"Delete\":{\"TableName\":\"b\"}},{\"ConditionCheck\":{\"TableName\":\"c\"}}]}",
    "{\"TransactItems\":[{\"Get\":{\"TableName\":\"a\"}}]}", "{\"TransactItems\":[{\"Put\":{},\"Update\":{}}]}",
    "{\"KeyId\":\"alias/x\"}", "{\"KeyId\":\"k\"}",
    "{\"SourceKeyId\":\"k\",\"DestinationKeyId\":\"arn:aws:kms:us-east-1:1:key/k\"}",
    "{\"FunctionName\":\"f\",\"Role\":\"arn:aws:iam::123456789012:role/r\",\"Tags\":{}}",
    "{\"QueueUrl\":\"https://sqs.us-east-1.amazonaws.com/123456789012/q\"}", "{\"QueueUrl\":\"nope\"}",
    "{\"Name\":\"s\",\"KmsKeyId\":\"k\",\"Tags\":[],\"AddReplicaRegions\":[]}", "{\"SecretIdList\":[\"a\",\"b\"]}",
    "{\"SecretIdList\":[\"a\"],\"Filters\":[]}", "{\"SecretId\":\"arn:aws:secretsmanager:us-east-1:1:secret:s\"}",
    "{\"tablename\":\"a\",\"TableName\":\"b\"}", "{\"TableName\":1}", "{\"TableName\":\"a\"", "\u{FEFF}{}",
    "{\"TargetTableName\":\"t\"}", "{\"Policy\":\"p\",\"Tags\":[]}",
    "{\"RoleArn\":\"arn:aws:iam::1:role/r\",\"Tags\":[]}",
    "Action=SendMessage&Version=2012-11-05&QueueUrl=https%3A%2F%2Fsqs.us-east-1.amazonaws.com%2F123456789012%2Fq",
    "Action=DescribeInstances&Version=2016-11-15",
    "Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::1:role/r&Tags.member.1.Key=k",
    "Action=CreateTopic&Name=t&Attributes.entry.1.key=DeliveryPolicyRoleArn&Attributes.entry.1.value=arn:aws:iam::1:role/r",
    "Action=SetTopicAttributes&TopicArn=arn:aws:sns:us-east-1:1:t&AttributeName=LambdaSuccessFeedbackRoleArn&AttributeValue=arn:aws:iam::1:role/r",
    "Action=Publish&TopicArn=arn:aws:sns:us-east-1:123456789012:t", "Action=A&Action=B", "action=X", "Operation=Y",
    "Action=DescribeLoadBalancers&Version=2015-12-01", "Action=DescribeLoadBalancers&Version=2012-06-01",
    "Action=CreateQueue&QueueName=q&Tag.1.Key=k", "Version=2016-11-15", "Action=GetCallerIdentity&version=x",
    "<Delete><Object><Key>a</Key></Object><Object><Key>b</Key><VersionId>v</VersionId></Object></Delete>",
    "<?xml version=\"1.0\"?><Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Object><Key>a&amp;b</Key></Object><Quiet>true</Quiet></Delete>",
    "<Delete><Object><Key></Key></Object></Delete>", "<Delete></Delete>",
]
let regions = ["us-east-1", "eu-west-1", "us-west-2", "eu-central-1", "us-gov-west-1", "cn-north-1", "xx-none-1", ""]
let signingNames = [
    "s3", "dynamodb", "sqs", "lambda", "ec2", "sts", "kms", "secretsmanager", "sns", "monitoring", "execute-api",
    "s3-object-lambda", "s3express", "iam", "route53", "ses", "logs", "states", "elasticloadbalancing", "apigateway",
    "s3-outposts", "iot", "sagemaker",
]
let accounts: [AWSAccountID?] = [nil, AWSAccountID(123_456_789_012), AWSAccountID(111_122_223_333)]

/// Reads choices out of the fuzzer's bytes.
struct Choices {
    let bytes: UnsafeRawBufferPointer
    var index = 0
    mutating func byte() -> Int {
        guard index < bytes.count else { return 0 }
        defer { index += 1 }
        return Int(bytes[index])
    }
    mutating func pick<T>(_ list: [T]) -> T { list[(byte() << 8 | byte()) % list.count] }
    mutating func raw(_ limit: Int) -> [UInt8] {
        let count = min(byte() % (limit + 1), bytes.count - min(index, bytes.count))
        defer { index += count }
        return count == 0 ? [] : Array(bytes[index..<index + count])
    }
    var done: Bool { index >= bytes.count }
}

/// A path from a route template: each label filled with a value from the pool or raw bytes.
func instantiate(_ route: AWSModel.Route, _ choices: inout Choices) -> String {
    var path = ""
    for segment in route.segments {
        path += "/"
        switch segment {
        case .literal(let text): path += choices.byte() % 16 == 0 ? choices.pick(labelValues) : text
        case .label: path += choices.pick(labelValues)
        case .greedyLabel:
            path += choices.pick(labelValues) + (choices.byte() % 2 == 0 ? "/" + choices.pick(labelValues) : "")
        }
    }
    if path.isEmpty { path = "/" }
    var query = route.literalQuery.map { literal in literal.value.map { "\(literal.name)=\($0)" } ?? literal.name }
    query += route.requiredQuery.map { "\($0)=\(choices.pick(queryValues))" }
    if let xID = route.xID, choices.byte() % 2 == 0 { query.append("x-id=\(xID)") }
    return path + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
}

func insertRaw(_ text: String, _ raw: [UInt8], at position: Int) -> String {
    var bytes = Array(text.utf8)
    let at = bytes.isEmpty ? 0 : position % (bytes.count + 1)
    bytes.insert(contentsOf: raw, at: at)
    return String(decoding: bytes, as: UTF8.self)
}

func describe(_ c: Classification) -> String {
    """
    problem: \(String(describing: c.problem))
    authorizations: \(c.authorizations)
    operation: \(String(describing: c.operation)) via \(String(describing: c.wireProtocol))
    service: \(String(describing: c.serviceModel)) signing \(String(describing: c.signingName)) iam \(String(describing: c.iamPrefix)) region \(String(describing: c.region))
    resourceAccount: \(String(describing: c.resourceAccount)) bucket \(c.addressesS3Bucket) unverifiable \(c.ownerUnverifiable)
    endpoint: \(String(describing: c.endpoint?.host)) \(String(describing: c.endpoint?.kind))
    """
}

func same(_ a: Classification, _ b: Classification) -> Bool {
    a.problem == b.problem && a.authorizations == b.authorizations && a.operation == b.operation
        && a.wireProtocol == b.wireProtocol && a.serviceModel == b.serviceModel && a.signingName == b.signingName
        && a.iamPrefix == b.iamPrefix && a.region == b.region && a.resourceAccount == b.resourceAccount
        && a.addressesS3Bucket == b.addressesS3Bucket && a.ownerUnverifiable == b.ownerUnverifiable
        && a.endpoint?.host == b.endpoint?.host
}

FuzzDriver.run { bytes in
    var choices = Choices(bytes: bytes)
    var v = choices.pick(vectors)
    var knownHeaderNames: Set<String>?
    var account = choices.pick(accounts)
    var credentialService: String?
    var credentialRegion: String?
    var anonymous = false
    var mutations = 0
    while !choices.done, mutations < 12 {
        mutations += 1
        switch choices.byte() % 20 {
        case 0: v.method = choices.pick(methods)
        case 1: v.host = choices.pick(hosts)
        case 2, 3:
            // A real route of the vector's service (or any REST service), its labels filled.
            let sameService = choices.byte() % 2 == 0
            var service = choices.pick(restServices)
            if sameService, let s3Service, v.host.contains("s3") { service = s3Service }
            let route = choices.pick(service.routes)
            v.method = route.method
            let target = instantiate(route, &choices)
            if let question = target.firstIndex(of: "?") {
                v.path = String(target[..<question])
                v.query = String(target[target.index(after: question)...])
            } else {
                v.path = target
                v.query = ""
            }
            // A virtual-hosted bucket: drop the path's first segment.
            if choices.byte() % 3 == 0, v.path.hasPrefix("/") {
                let rest = v.path.dropFirst().drop { $0 != "/" }
                v.path = rest.isEmpty ? "/" : String(rest)
            }
        case 4:
            let pair = choices.pick(queryNames) + (choices.byte() % 4 == 0 ? "" : "=" + choices.pick(queryValues))
            v.query = v.query.isEmpty ? pair : v.query + "&" + pair
        case 5: v.query = ""
        case 6: v.headers.append(HeaderField(choices.pick(headerNames), choices.pick(headerValues)))
        case 7:
            if !v.headers.isEmpty { v.headers.remove(at: choices.byte() % v.headers.count) }
        case 8:
            let name = choices.pick(headerNames)
            v.headers.removeAll { $0.name.lowercased() == name.lowercased() }
        case 9: v.body = Array(choices.pick(bodies).utf8)
        case 10: v.body = choices.raw(64)
        case 11: v.path = insertRaw(v.path, choices.raw(6), at: choices.byte())
        case 12: v.query = insertRaw(v.query, choices.raw(6), at: choices.byte())
        case 13:
            v.body = Array(insertRaw(String(decoding: v.body, as: UTF8.self), choices.raw(8), at: choices.byte()).utf8)
        case 14: credentialService = choices.pick(signingNames)
        case 15: credentialRegion = choices.pick(regions)
        case 16: anonymous.toggle()
        case 17: account = choices.pick(accounts)
        case 18:
            knownHeaderNames =
                choices.byte() % 3 == 0
                ? nil : Set(v.headers.map { $0.name.lowercased() }.filter { _ in choices.byte() % 4 != 0 })
        default:
            v.path = choices.pick(labelValues) + (choices.byte() % 2 == 0 ? "" : "/" + choices.pick(labelValues))
            if choices.byte() % 2 == 0 { v.path = "/" + v.path }
        }
    }
    // The credential: the vector's Authorization header, its scope possibly changed.
    var headers = v.headers
    if credentialService != nil || credentialRegion != nil,
        let index = headers.firstIndex(where: { $0.name.lowercased() == "authorization" })
    {
        var parts = headers[index].value.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.count >= 5 {
            if let credentialRegion { parts[2] = credentialRegion }
            if let credentialService { parts[3] = credentialService }
            headers[index] = HeaderField(headers[index].name, parts.joined(separator: "/"))
        }
    }
    let request = SigV4Request(method: v.method, rawPath: v.path, rawQuery: v.query, headers: headers)
    var credential: SigV4Credential?
    if !anonymous, case .sigV4(let parsed)? = try? RequestAuthentication(parsing: request) { credential = parsed }
    let body: [UInt8]? = choices.byte() % 5 == 0 ? nil : v.body
    let first = classifier.classify(
        request, body: body, credential: credential, accountID: account, knownHeaderNames: knownHeaderNames)
    let second = classifier.classify(
        request, body: body, credential: credential, accountID: account, knownHeaderNames: knownHeaderNames)
    var broken: String?
    if !same(first, second) {
        broken = "two classifications of one request differ"
    } else if first.authorizations.isEmpty {
        broken = "no authorization"
    } else if let operation = first.operation, let name = first.serviceModel,
        model.services[name]?.operations.contains(operation) != true
    {
        broken = "\(operation) is not an operation of \(name)"
    } else if let resource = first.authorizations.lazy.compactMap(\.resource).first(where: { !$0.hasPrefix("arn:") }) {
        broken = "the resource \(resource) is not an ARN"
    }
    if let broken {
        fatalError(
            """
            \(broken) for \(v.method) \(v.host) \(v.path.debugDescription) ? \(v.query.debugDescription)
            headers \(headers.map { "\($0.name): \($0.value)" }) body \(String(decoding: body ?? [], as: UTF8.self).debugDescription) (\(body == nil ? "absent" : "present"))
            credential \(String(describing: credential.map { "\($0.scope.service)/\($0.scope.region)" })) account \(String(describing: account)) known \(String(describing: knownHeaderNames))
            first:
            \(describe(first))
            second:
            \(describe(second))
            """)
    }
}
