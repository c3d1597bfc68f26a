internal import Foundation

/// Derives the resource ARN a request addresses, where the request says it.
///
/// S3 (bucket, bucket/key, access points, Object Lambda, Outposts), Lambda functions named in the
/// path, and — when the body is available — DynamoDB `TableName`, SQS `QueueUrl`, SNS `TopicArn` /
/// `TargetArn` and KMS `KeyId`. Names without an account (a table name, a function name) become ARNs
/// in the signing account, which is where AWS looks them up.
struct ResourceDeriver {
    let endpoint: Endpoint
    let region: String?
    let accountID: String?
    let wire: WireRequest

    var partition: String { endpoint.partition.id }

    func resource(service: AWSModel.Service, operation: String, labels: [String: String]) -> String? {
        switch service.modelName {
        case "s3": return s3(labels: labels)
        case "lambda": return lambda(labels["FunctionName"])
        case "dynamodb": return dynamoDB()
        case "sqs": return sqs()
        case "sns": return firstValue(["TopicArn", "TargetArn"]).flatMap { $0.hasPrefix("arn:") ? $0 : nil }
        case "kms": return kms()
        default: return nil
        }
    }

    // MARK: S3

    private func s3(labels: [String: String]) -> String? {
        let key = labels["Key"]
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
            return key.map { "\(base)/object/\($0)" } ?? base
        case .s3MultiRegionAccessPoint, .s3Express:
            return nil
        default:
            // Virtual-hosted requests were matched with the host's bucket put back in the path.
            guard let bucket = labels["Bucket"] ?? endpoint.bucket else { return nil }
            return key.map { "arn:\(partition):s3:::\(bucket)/\($0)" } ?? "arn:\(partition):s3:::\(bucket)"
        }
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

    // MARK: Body-addressed resources

    private var bodyFields: [String: String]? {
        guard let body = wire.body else { return nil }
        let names: Set<String> = ["TableName", "QueueUrl", "TopicArn", "TargetArn", "KeyId"]
        if let type = wire.contentType, type.hasPrefix("application/x-amz-json") || type == "application/json" {
            return JSONFields.strings(in: body, named: names)
        }
        if wire.contentType == "application/x-www-form-urlencoded" {
            var fields: [String: String] = [:]
            for (name, value) in FormDecoding.pairs(String(decoding: body, as: UTF8.self)) where names.contains(name) {
                guard fields[name] == nil else { return nil }  // repeated: ambiguous
                fields[name] = value
            }
            return fields
        }
        return nil
    }

    private func firstValue(_ names: [String]) -> String? {
        if let fields = bodyFields {
            for name in names { if let value = fields[name] { return value } }
        }
        for name in names { if let value = wire.queryValues(name).first { return value } }
        return nil
    }

    private func dynamoDB() -> String? {
        guard let table = firstValue(["TableName"]), !table.isEmpty else { return nil }
        if table.hasPrefix("arn:") { return table }
        guard let region, let accountID else { return nil }
        return "arn:\(partition):dynamodb:\(region):\(accountID):table/\(table)"
    }

    private func sqs() -> String? {
        // QueueUrl in the body or query, or (query protocol) the queue URL path itself.
        let url = firstValue(["QueueUrl"])
        let path: Substring
        if let url, let schemeEnd = url.range(of: "://") {
            let afterScheme = url[schemeEnd.upperBound...]
            guard let slash = afterScheme.firstIndex(of: "/") else { return nil }
            path = afterScheme[slash...]
        } else if url == nil, wire.rawPath.count > 1 {
            path = Substring(wire.rawPath)
        } else {
            return nil
        }
        let parts = path.split(separator: "/")
        guard parts.count == 2, parts[0].count == 12, parts[0].allSatisfy(\.isNumber), let region else { return nil }
        return "arn:\(partition):sqs:\(region):\(parts[0]):\(parts[1])"
    }

    private func kms() -> String? {
        guard let key = firstValue(["KeyId"]), !key.isEmpty else { return nil }
        if key.hasPrefix("arn:") { return key }
        guard let region, let accountID else { return nil }
        return key.hasPrefix("alias/")
            ? "arn:\(partition):kms:\(region):\(accountID):\(key)"
            : "arn:\(partition):kms:\(region):\(accountID):key/\(key)"
    }
}
