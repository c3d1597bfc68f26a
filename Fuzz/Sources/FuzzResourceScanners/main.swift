// Property fuzz target of the body scanners that pull resource names, KMS keys and roles out of request
// bodies (Sources/AWSClassifier/Resource/: JSONValue, DeleteObjectsBody, and FormDecoding of
// Operation/WireRequest.swift), and of classification over those bodies. The input's first byte picks
// the scanner, the second an operation; the rest is the body. Properties:
// - JSON (JSONValue.parse): deterministic; an accepted document has no key named twice in any ASCII
//   letter case and nests at most 64 deep, and written back as JSON it parses to the same value
//   (round trip); JSONFields.strings agrees with the document's top-level string members;
// - XML (DeleteObjectsBody.objects): an accepted body has no empty key, and written back as the
//   DeleteObjects XML it parses to the same objects (round trip);
// - form (FormDecoding.pairs): written back %-encoded, the pairs decode to the same pairs;
// - classification of the body as the input of an operation that reads it (DynamoDB, KMS, Lambda,
//   Secrets Manager, SQS, STS, SNS, S3 DeleteObjects; JSON, form and XML; CBOR over its route):
//   deterministic, never an empty list of authorizations, every resource an ARN.
import FuzzDriver
import SigV4

@testable import AWSClassifier

let model: AWSModel = {
    do { return try AWSModel.bundled() } catch { fatalError("model: \(error)") }
}()
let classifier = RequestClassifier(model: model)

/// An operation whose authorization reads its body.
struct Operation {
    var method = "POST"
    var host: String
    var target = "/"
    var headers: [(String, String)]
}

let json10 = ("Content-Type", "application/x-amz-json-1.0")
let json11 = ("Content-Type", "application/x-amz-json-1.1")
let form = ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
let operations: [Operation] = [
    Operation(
        host: "dynamodb.us-east-1.amazonaws.com", headers: [json10, ("X-Amz-Target", "DynamoDB_20120810.PutItem")]),
    Operation(
        host: "dynamodb.us-east-1.amazonaws.com",
        headers: [json10, ("X-Amz-Target", "DynamoDB_20120810.BatchWriteItem")]),
    Operation(
        host: "dynamodb.us-east-1.amazonaws.com",
        headers: [json10, ("X-Amz-Target", "DynamoDB_20120810.TransactWriteItems")]),
    Operation(
        host: "dynamodb.us-east-1.amazonaws.com", headers: [json10, ("X-Amz-Target", "DynamoDB_20120810.BatchGetItem")]),
    Operation(host: "kms.us-east-1.amazonaws.com", headers: [json11, ("X-Amz-Target", "TrentService.Encrypt")]),
    Operation(host: "kms.us-east-1.amazonaws.com", headers: [json11, ("X-Amz-Target", "TrentService.ReEncrypt")]),
    Operation(
        host: "secretsmanager.us-east-1.amazonaws.com",
        headers: [json11, ("X-Amz-Target", "secretsmanager.CreateSecret")]),
    Operation(
        host: "secretsmanager.us-east-1.amazonaws.com",
        headers: [json11, ("X-Amz-Target", "secretsmanager.BatchGetSecretValue")]),
    Operation(host: "sqs.us-east-1.amazonaws.com", headers: [json10, ("X-Amz-Target", "AmazonSQS.SendMessage")]),
    Operation(
        host: "lambda.us-east-1.amazonaws.com", target: "/2015-03-31/functions",
        headers: [("Content-Type", "application/json")]),
    Operation(host: "sts.amazonaws.com", headers: [form]),
    Operation(host: "sns.us-east-1.amazonaws.com", headers: [form]),
    Operation(host: "sqs.us-east-1.amazonaws.com", headers: [form]),
    Operation(host: "iam.amazonaws.com", headers: [form]),
    Operation(host: "ec2.us-east-1.amazonaws.com", headers: [form]),
    Operation(
        host: "my-bucket.s3.us-east-1.amazonaws.com", target: "/?delete", headers: [("Content-Type", "application/xml")]
    ),
    Operation(
        host: "monitoring.us-east-1.amazonaws.com",
        target: "/service/GraniteServiceVersion20100801/operation/PutMetricData",
        headers: [("Content-Type", "application/cbor"), ("Smithy-Protocol", "rpc-v2-cbor")]),
]

// MARK: - Writing values back

func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

/// JSON text of a value (a scalar, whose value the reader keeps not, as `null`).
func render(_ value: JSONValue) -> String {
    switch value {
    case .object(let members):
        return "{" + members.map { jsonString($0.key) + ":" + render($0.value) }.joined(separator: ",") + "}"
    case .array(let elements): return "[" + elements.map(render).joined(separator: ",") + "]"
    case .string(let text): return jsonString(text)
    case .scalar: return "null"
    }
}

func depth(_ value: JSONValue) -> Int {
    switch value {
    case .object(let members): return 1 + (members.map { depth($0.value) }.max() ?? 0)
    case .array(let elements): return 1 + (elements.map(depth).max() ?? 0)
    case .string, .scalar: return 0
    }
}

func duplicateKey(_ value: JSONValue) -> String? {
    switch value {
    case .object(let members):
        var seen: Set<String> = []
        for member in members {
            if !seen.insert(member.key.asciiLowercased()).inserted { return member.key }
            if let inner = duplicateKey(member.value) { return inner }
        }
        return nil
    case .array(let elements): return elements.lazy.compactMap(duplicateKey).first
    case .string, .scalar: return nil
    }
}

func xmlText(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\r": out += "&#13;"  // a raw CR would be read as LF (XML end-of-line handling)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}

func render(_ objects: [DeleteObjectsBody.Object]) -> String {
    "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        + objects.map {
            "<Object><Key>\(xmlText($0.key))</Key>\($0.hasVersion ? "<VersionId>v</VersionId>" : "")</Object>"
        }
        .joined() + "<Quiet>true</Quiet></Delete>"
}

func formEncoded(_ text: String) -> String { FuzzDriver.percentEncoded(text) }

func describe(_ c: Classification) -> String {
    "problem \(String(describing: c.problem)) operation \(String(describing: c.operation)) authorizations \(c.authorizations)"
}

func same(_ a: Classification, _ b: Classification) -> Bool {
    a.problem == b.problem && a.authorizations == b.authorizations && a.operation == b.operation
        && a.wireProtocol == b.wireProtocol && a.resourceAccount == b.resourceAccount
        && a.ownerUnverifiable == b.ownerUnverifiable
}

// MARK: - Seeds: the committed vectors' bodies

func seeds() -> [[UInt8]] {
    let jsonBodies = [
        "{}", "{\"TableName\":\"my-table\",\"Item\":{\"id\":{\"S\":\"1\"}}}",
        "{\"TableName\":\"arn:aws:dynamodb:us-east-1:123456789012:table/t\"}",
        "{\"RequestItems\":{\"t1\":[],\"t2\":[{\"PutRequest\":{\"Item\":{}}}]}}",
        "{\"TransactItems\":[{\"Put\":{\"TableName\":\"a\"}},{\"Delete\":{\"TableName\":\"b\"}},{\"ConditionCheck\":{\"TableName\":\"c\"}}]}",
        "{\"KeyId\":\"alias/x\",\"Plaintext\":\"aGk=\"}",
        "{\"SourceKeyId\":\"k\",\"DestinationKeyId\":\"arn:aws:kms:us-east-1:1:key/k\"}",
        "{\"FunctionName\":\"f\",\"Role\":\"arn:aws:iam::123456789012:role/r\",\"Tags\":{\"a\":\"b\"}}",
        "{\"QueueUrl\":\"https://sqs.us-east-1.amazonaws.com/123456789012/q\",\"MessageBody\":\"x\"}",
        "{\"Name\":\"s\",\"KmsKeyId\":\"k\",\"Tags\":[{\"Key\":\"a\",\"Value\":\"b\"}],\"AddReplicaRegions\":[]}",
        "{\"SecretIdList\":[\"a\",\"b\"]}", "{\"tab\\u006ceName\":\"a\",\"x\":[1,-2.5e+3,true,false,null]}",
    ]
    let forms = [
        "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr&RoleSessionName=s&Tags.member.1.Key=k",
        "Action=CreateTopic&Name=t&Attributes.entry.1.key=DeliveryPolicyRoleArn&Attributes.entry.1.value=arn:aws:iam::1:role/r",
        "Action=SendMessage&Version=2012-11-05&QueueUrl=https%3A%2F%2Fsqs.us-east-1.amazonaws.com%2F123456789012%2Fq",
        "Action=PassRole&Version=2010-05-08",
        "Action=RunInstances&Version=2016-11-15&IamInstanceProfile.Arn=arn:aws:iam::1:instance-profile/p",
        "Action=A&Action=B", "a+b=%zz&=&&x",
    ]
    let xml = [
        "<Delete><Object><Key>a</Key></Object><Object><Key>b</Key><VersionId>v</VersionId></Object></Delete>",
        "<?xml version=\"1.0\"?><Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Object><Key>a&amp;b&#x41;&#66;</Key></Object><Quiet>true</Quiet></Delete>",
    ]
    var out: [[UInt8]] = []
    for (index, body) in jsonBodies.enumerated() { out.append([0, UInt8(index % 10)] + Array(body.utf8)) }
    for (index, body) in forms.enumerated() { out.append([2, UInt8(10 + index % 5)] + Array(body.utf8)) }
    for body in xml { out.append([1, 15] + Array(body.utf8)) }
    out.append([3, 16, 0xBF, 0x64, 0x4E, 0x61, 0x6D, 0x65, 0x61, 0x78, 0xFF])  // CBOR {"Name": "x"}
    return out
}

FuzzDriver.run(seeds: seeds) { bytes in
    guard bytes.count >= 2 else { return }
    let body = Array(bytes.dropFirst(2))
    var broken: String?
    switch bytes[0] % 4 {
    case 0:
        let document = JSONValue.parse(body)
        if document != JSONValue.parse(body) {
            broken = "two parses differ"
        } else if let document {
            let text = render(document)
            if let key = duplicateKey(document) {
                broken = "accepted the key \(key.debugDescription) twice"
            } else if depth(document) > JSONValue.maximumDepth {
                broken = "accepted nesting \(depth(document)) deep"
            } else if JSONValue.parse(Array(text.utf8)) != document {
                broken = "parse → render → parse differs: \(text.debugDescription)"
            } else if let members = document.members {
                let names = Set(members.map(\.key))
                let strings = JSONFields.strings(in: body, named: names)
                let expected = Dictionary(
                    members.compactMap { member in member.value.string.map { (member.key, $0) } },
                    uniquingKeysWith: { first, _ in first })
                if strings != expected { broken = "JSONFields.strings \(String(describing: strings)) ≠ \(expected)" }
            }
        }
    case 1:
        let objects = DeleteObjectsBody.objects(in: body)
        if objects != DeleteObjectsBody.objects(in: body) {
            broken = "two parses differ"
        } else if let objects {
            let text = render(objects)
            if objects.contains(where: { $0.key.isEmpty }) {
                broken = "accepted an empty key"
            } else if DeleteObjectsBody.objects(in: Array(text.utf8)) != objects {
                broken = "parse → render → parse differs: \(text.debugDescription)"
            }
        }
    case 2:
        let text = String(decoding: body, as: UTF8.self)
        let pairs = FormDecoding.pairs(text)
        let again = FormDecoding.pairs(
            pairs.map { formEncoded($0.name) + "=" + formEncoded($0.value) }.joined(separator: "&"))
        if pairs.map(\.name) != again.map(\.name) || pairs.map(\.value) != again.map(\.value) {
            broken = "decode → encode → decode differs: \(pairs) ≠ \(again)"
        }
    default:
        break
    }
    // Every input is also classified as the body of one operation.
    let operation = operations[Int(bytes[1]) % operations.count]
    let request = SigV4Request(
        method: operation.method, requestTarget: operation.target,
        headers: [HeaderField("Host", operation.host)] + operation.headers.map { HeaderField($0.0, $0.1) })
    let account = AWSAccountID(123_456_789_012)
    let first = classifier.classify(request, body: body, credential: nil, accountID: account, knownHeaderNames: nil)
    let second = classifier.classify(request, body: body, credential: nil, accountID: account, knownHeaderNames: nil)
    if broken == nil {
        if !same(first, second) {
            broken = "two classifications differ"
        } else if first.authorizations.isEmpty {
            broken = "no authorization"
        } else if let resource = first.authorizations.lazy.compactMap(\.resource).first(where: { !$0.hasPrefix("arn:") }
        ) {
            broken = "the resource \(resource) is not an ARN"
        }
    }
    if let broken {
        fatalError(
            """
            \(broken)
            mode \(bytes[0] % 4) operation \(operation.host) \(operation.headers) body \(String(decoding: body, as: UTF8.self).debugDescription)
            \(describe(first))
            """)
    }
}
