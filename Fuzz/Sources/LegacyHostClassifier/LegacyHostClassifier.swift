// The host classifier as it was before the byte-level rewrite (a copy of
// Sources/AWSClassifier/Endpoint/HostClassifier.swift), kept as the differential oracle of
// FuzzHostClassifier. Types renamed Legacy…; it reads the model's internals through @testable.
@testable import AWSClassifier

/// Maps a `Host` header value to an ``Endpoint``, or `nil` for anything that is not an AWS API host.
///
/// Matching is by whole DNS labels, anchored at the right: the partition's DNS suffix first, then the
/// service and region labels, and only what is left of those is a bucket or an access point. So a
/// bucket named `s3-logs`, `s3.example` or `us-east-1` never changes what the host means, and a host
/// such as `s3.amazonaws.com.attacker.example` or `amazonaws.com-evil.net` is not AWS.
public struct LegacyHostClassifier: Sendable {
    let model: AWSModel

    /// Creates a classifier over a model.
    public init(model: AWSModel) { self.model = model }

    /// Classifies `host` (as sent: any case, maybe with a port and a trailing dot).
    public func classify(host rawHost: some StringProtocol) -> Endpoint? {
        guard let host = Self.normalize(rawHost) else { return nil }

        // Explicit hostnames from endpoints.json come first.
        // Entries under an endpoints.json key that is not an endpoint prefix (docdb, neptune list
        // rds.<region>) say nothing the generic parse below does not.
        let explicit = (model.explicitHosts[host] ?? []).filter {
            model.servicesByEndpointPrefix[$0.endpointPrefix] != nil || $0.endpointPrefix == "s3"
        }
        if let first = explicit.first, let partition = model.partition(id: first.partition) {
            // The generic parse of the same host may name another model sharing it (endpoints.json
            // lists bedrock-runtime.<region> under bedrock); keep both as candidates.
            let generic = classifyByTemplate(host)
            // Global when the host names no region (iam.amazonaws.com is scoped to us-east-1).
            let namesRegion =
                first.region.map { region in host.split(separator: ".").contains { $0.contains(region) } } ?? false
            var endpoint = Endpoint(
                host: host, partition: partition, kind: namesRegion ? .regional : .global,
                endpointPrefix: first.endpointPrefix, region: first.region)
            endpoint.endpointPrefixes = Self.unique(
                explicit.map(\.endpointPrefix)
                    + (generic?.region == first.region ? generic?.endpointPrefixes ?? [] : []))
            endpoint.fips = first.fips
            endpoint.dualStack = first.dualStack
            endpoint.signingName = first.signingName
            if first.endpointPrefix == "s3" {
                endpoint.kind = .s3PathStyle
                // s3.amazonaws.com and s3-external-1: signatures name the bucket's region.
                endpoint.anyRegion = first.region == nil || host.hasPrefix("s3.amazonaws.com")
                if endpoint.region == nil { endpoint.region = partition.globalRegion }
            }
            if endpoint.kind == .global, endpoint.region == nil { endpoint.region = partition.globalRegion }
            return endpoint
        }

        return classifyByTemplate(host)
    }

    /// Classifies a host by the partitions' templates, ignoring the explicit table.
    private func classifyByTemplate(_ host: String) -> Endpoint? {
        if host.hasSuffix(".on.aws"), let aws = model.partition(id: "aws") {
            return lambdaFunctionURL(host, partition: aws)
        }
        for partition in model.partitions {
            for dualStackSuffix in [false, true] {
                let dottedSuffix = dualStackSuffix ? partition.dottedDualStackDNSSuffix : partition.dottedDNSSuffix
                guard host.hasSuffix(dottedSuffix) else { continue }
                let prefix = host.dropLast(dottedSuffix.count)
                let labels = prefix.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                if let endpoint = classify(
                    host: host, labels: labels, partition: partition, dualStackSuffix: dualStackSuffix)
                {
                    return endpoint
                }
            }
        }
        return nil
    }

    // MARK: - Normalization

    /// Lower case, no port, no trailing dot; `nil` for anything but a DNS name of LDH labels.
    static func normalize(_ raw: some StringProtocol) -> String? {
        var host = Substring(raw)
        if let colon = host.lastIndex(of: ":") {
            let port = host[host.index(after: colon)...]
            guard !port.isEmpty, port.count <= 5, port.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let number = Int(port), (1...65535).contains(number)
            else { return nil }
            host = host[..<colon]
        }
        if host.hasSuffix(".") { host = host.dropLast() }
        guard !host.isEmpty, host.utf8.count <= 253 else { return nil }
        var labelLength = 0
        var hasUpperCase = false
        for byte in host.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): hasUpperCase = true
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"): break
            case UInt8(ascii: "."):
                guard labelLength > 0 else { return nil }
                labelLength = -1
            default: return nil
            }
            labelLength += 1
            if labelLength > 63 { return nil }
        }
        guard labelLength > 0 else { return nil }
        // Host headers are almost always lower case already: then the text is the answer.
        guard hasUpperCase else { return String(host) }
        return String(decoding: host.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    static func unique(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }

    // MARK: - Shapes

    private func classify(
        host: String, labels: [String], partition: AWSModel.Partition, dualStackSuffix: Bool
    )
        -> Endpoint?
    {
        if let s3 = s3Endpoint(host: host, labels: labels, partition: partition, dualStackSuffix: dualStackSuffix) {
            return s3
        }
        guard let last = labels.last else { return nil }

        // {api-id}.execute-api.{region}: an API Gateway API.
        if labels.count == 3, labels[1] == "execute-api", partition.isRegion(last), isID(labels[0]) {
            var endpoint = Endpoint(
                host: host, partition: partition, kind: .apiGateway, endpointPrefix: "execute-api", region: last)
            endpoint.resourceID = labels[0]
            endpoint.dualStack = dualStackSuffix
            return endpoint
        }
        // {account}.s3-control[-fips][.dualstack].{region}
        if labels.count >= 3, labels[0].count == 12, labels[0].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            labels[1] == "s3-control" || labels[1] == "s3-control-fips", partition.isRegion(last),
            labels.count == 3 || (labels.count == 4 && labels[2] == "dualstack")
        {
            var endpoint = Endpoint(
                host: host, partition: partition, kind: .s3Control, endpointPrefix: "s3-control", region: last)
            endpoint.accountID = labels[0]
            endpoint.fips = labels[1].hasSuffix("-fips")
            endpoint.dualStack = labels.count == 4 || dualStackSuffix
            return endpoint
        }

        // {service}[-fips][.dualstack].{region} — the service part may have dots (runtime.sagemaker).
        var serviceLabels: ArraySlice<String>
        var region: String?
        if partition.isRegion(last) {
            serviceLabels = labels.dropLast()
            region = last
        } else {
            serviceLabels = labels[...]
            region = nil
        }
        var dualStack = dualStackSuffix
        if serviceLabels.last == "dualstack" {
            serviceLabels = serviceLabels.dropLast()
            dualStack = true
        }
        guard !serviceLabels.isEmpty else { return nil }
        var prefix = serviceLabels.joined(separator: ".")
        var fips = false
        if model.servicesByEndpointPrefix[prefix] == nil, prefix.hasSuffix("-fips") {
            prefix = String(prefix.dropLast(5))
            fips = true
        } else if model.servicesByEndpointPrefix[prefix] == nil, prefix.hasPrefix("fips.") {
            prefix = String(prefix.dropFirst(5))
            fips = true
        }
        // EventBridge global endpoints: {endpoint-id}.endpoint.events.amazonaws.com (SigV4a).
        if region == nil, serviceLabels.count >= 3, serviceLabels.suffix(2) == ["endpoint", "events"], !dualStack {
            var endpoint = Endpoint(
                host: host, partition: partition, kind: .global, endpointPrefix: "events", region: nil)
            endpoint.anyRegion = true
            endpoint.resourceID = serviceLabels.dropLast(2).joined(separator: ".")
            return endpoint
        }
        // A regionless host that is not in the explicit table is not a real endpoint.
        guard let region else { return nil }
        var hostPrefix: String?
        var resourceID: String?
        if model.servicesByEndpointPrefix[prefix] == nil {
            if let literal = model.literalHostPrefixes.first(where: { $0.hostPrefix + $0.endpointPrefix == prefix }) {
                // An operation host prefix: sync-states, data.iotsitewise, …
                hostPrefix = literal.hostPrefix
                prefix = literal.endpointPrefix
            } else if serviceLabels.count >= 2, serviceLabels.dropFirst().joined(separator: ".") != "s3",
                let template = model.templatedHostPrefixes[serviceLabels.dropFirst().joined(separator: ".")]
            {
                // A templated one: {graphIdentifier}.neptune-graph, … (S3's own, Object Lambda's
                // {RequestRoute}, is read by the S3 parser.)
                hostPrefix = template
                resourceID = serviceLabels.first
                prefix = serviceLabels.dropFirst().joined(separator: ".")
            } else if let models = model.ruleSetHostLabels[prefix],
                let service = models.compactMap({ model.services[$0] }).first
            {
                // A host label from the service's endpoint rule set (arc-region-switch-control-plane, aos).
                fips = fips || prefix.hasSuffix("-fips") || prefix.hasPrefix("fips.") || prefix.contains("-fips.")
                prefix = service.endpointPrefix
            } else if serviceLabels.count >= 2, isID(serviceLabels[serviceLabels.startIndex]),
                serviceLabels.dropFirst().joined(separator: ".") != "s3",
                model.servicesByEndpointPrefix[serviceLabels.dropFirst().joined(separator: ".")] != nil
            {
                // A customer-specific endpoint: {id}.{endpoint prefix} (MediaStore containers, …).
                resourceID = serviceLabels.first
                prefix = serviceLabels.dropFirst().joined(separator: ".")
            } else if serviceLabels.count == 2, let account = serviceLabels.first, account.count == 12,
                account.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let accountEndpoint = Self.accountEndpoints[serviceLabels.last ?? ""]
            {
                // Account-based endpoints from the endpoint rule sets: {account}.data-kinesis, {account}.ddb.
                prefix = accountEndpoint
                resourceID = account
            } else {
                return nil
            }
        }
        var endpoint = Endpoint(
            host: host, partition: partition, kind: .regional, endpointPrefix: prefix, region: region)
        endpoint.fips = fips
        endpoint.dualStack = dualStack
        endpoint.hostPrefix = hostPrefix
        endpoint.resourceID = resourceID
        return endpoint
    }

    /// Account-based endpoint labels (from the services' endpoint rule sets) and their endpoint prefix.
    static let accountEndpoints: [String: String] = [
        "data-kinesis": "kinesis", "control-kinesis": "kinesis", "ddb": "dynamodb",
    ]

    private func lambdaFunctionURL(_ host: String, partition: AWSModel.Partition) -> Endpoint? {
        let labels = host.dropLast(".on.aws".count).split(separator: ".", omittingEmptySubsequences: false).map(
            String.init)
        guard labels.count == 3, labels[1] == "lambda-url", partition.isRegion(labels[2]), isID(labels[0]) else {
            return nil
        }
        var endpoint = Endpoint(
            host: host, partition: partition, kind: .lambdaFunctionURL, endpointPrefix: "lambda", region: labels[2])
        endpoint.resourceID = labels[0]
        return endpoint
    }

    /// An Object Lambda request route: letters, digits and hyphens.
    private func isRequestRoute(_ label: String) -> Bool {
        !label.isEmpty
            && label.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }

    /// An id made by AWS: lower-case letters and digits only.
    private func isID(_ label: String) -> Bool {
        !label.isEmpty && label.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    // MARK: - S3

    private func s3Endpoint(
        host: String, labels: [String], partition: AWSModel.Partition, dualStackSuffix: Bool
    )
        -> Endpoint?
    {
        let n = labels.count
        guard n >= 1 else { return nil }
        func make(_ kind: Endpoint.Kind, prefix: String = "s3", region: String?, consumed: Int) -> Endpoint {
            var endpoint = Endpoint(
                host: host, partition: partition, kind: kind, endpointPrefix: prefix, region: region)
            endpoint.dualStack = dualStackSuffix || labels[(n - consumed)...].contains("dualstack")
            let left = labels[..<(n - consumed)]
            if !left.isEmpty {
                endpoint.bucket = left.joined(separator: ".")
            }
            return endpoint
        }
        let last = labels[n - 1]

        // Multi-Region Access Point: {alias}.accesspoint.s3-global.amazonaws.com (SigV4a, no region);
        // the alias is `{id}.mrap`.
        if partition.id == "aws", !dualStackSuffix, n == 4, labels[1] == "mrap", labels[2] == "accesspoint",
            labels[3] == "s3-global", isID(labels[0])
        {
            var endpoint = make(.s3MultiRegionAccessPoint, region: nil, consumed: 2)
            endpoint.anyRegion = true
            return endpoint
        }
        guard partition.isRegion(last) || last.hasPrefix("s3") || last == "dualstack" else { return nil }
        // S3 Express control: s3express-control[-fips].{region}
        if n == 2, labels[0] == "s3express-control" || labels[0] == "s3express-control-fips", partition.isRegion(last) {
            var endpoint = make(.s3Express, prefix: "s3express", region: last, consumed: 2)
            endpoint.fips = labels[0].hasSuffix("-fips")
            return endpoint
        }

        // Access points and Object Lambda: {name}-{account}.s3-accesspoint[-fips][.dualstack].{region}
        if n >= 3, partition.isRegion(last) {
            let serviceIndex = labels[n - 2] == "dualstack" ? n - 3 : n - 2
            let service = labels[serviceIndex]
            let kinds = Self.accessPointKinds
            if let (kind, prefix) = kinds[service], serviceIndex == 1,
                let (name, account) = Self.nameAndAccount(labels[0])
            {
                var endpoint = make(kind, prefix: prefix, region: last, consumed: n)
                endpoint.bucket = nil
                endpoint.accessPointName = name
                endpoint.accountID = account
                endpoint.fips = service.hasSuffix("-fips")
                return endpoint
            }
            // Object Lambda's WriteGetObjectResponse: {RequestRoute}.s3-object-lambda.{region}
            if let (kind, prefix) = kinds[service], kind == .s3ObjectLambda, serviceIndex == 1,
                isRequestRoute(labels[0])
            {
                var endpoint = make(kind, prefix: prefix, region: last, consumed: n)
                endpoint.bucket = nil
                endpoint.resourceID = labels[0]
                endpoint.hostPrefix = "{RequestRoute}."
                return endpoint
            }
            // Outposts: {name}-{account}.{outpost-id}.s3-outposts.{region}
            if service == "s3-outposts", serviceIndex == 2, labels[1].hasPrefix("op-"),
                let (name, account) = Self.nameAndAccount(labels[0])
            {
                var endpoint = make(.s3Outposts, prefix: "s3-outposts", region: last, consumed: n)
                endpoint.bucket = nil
                endpoint.accessPointName = name
                endpoint.accountID = account
                endpoint.outpostID = labels[1]
                return endpoint
            }
            // S3 Express: {bucket}.s3express-{az-id}.{region}
            if service.hasPrefix("s3express-"), !service.hasPrefix("s3express-control") {
                guard serviceIndex == n - 2 else { return nil }
                var endpoint = make(.s3Express, prefix: "s3express", region: last, consumed: 2)
                endpoint.fips = service.hasPrefix("s3express-fips-")
                return endpoint
            }
        }

        // Regional and legacy S3 endpoints, anchored at the right; what is left is the bucket.
        var consumed = 0
        var region: String?
        var fips = false
        var anyRegion = false
        if n >= 2, partition.isRegion(last), labels[n - 2] == "s3" || labels[n - 2] == "s3-fips" {
            consumed = 2
            region = last
            fips = labels[n - 2] == "s3-fips"
        } else if n >= 3, partition.isRegion(last), labels[n - 2] == "dualstack",
            labels[n - 3] == "s3" || labels[n - 3] == "s3-fips"
        {
            consumed = 3
            region = last
            fips = labels[n - 3] == "s3-fips"
        } else if last == "s3", !dualStackSuffix, partition.id == model.partitions.first?.id {
            // s3.amazonaws.com: the legacy global endpoint; the signature names the bucket's region.
            consumed = 1
            region = partition.globalRegion
            anyRegion = true
        } else if last == "s3-external-1" {
            consumed = 1
            region = "us-east-1"
        } else if last == "s3-accelerate" || (n >= 2 && last == "dualstack" && labels[n - 2] == "s3-accelerate") {
            consumed = last == "dualstack" ? 2 : 1
            region = nil
            anyRegion = true
            guard n > consumed else { return nil }  // accelerate needs a bucket
        } else if last.hasPrefix("s3-"), partition.isRegion(last.dropFirst(3)) {
            consumed = 1
            region = String(last.dropFirst(3))
        } else {
            return nil
        }
        var endpoint = make(n > consumed ? .s3VirtualHosted : .s3PathStyle, region: region, consumed: consumed)
        endpoint.fips = fips
        endpoint.anyRegion = anyRegion
        if let bucket = endpoint.bucket, !Self.isValidBucketName(bucket) { return nil }
        return endpoint
    }

    /// Access point and Object Lambda service labels: the endpoint kind and prefix.
    static let accessPointKinds: [String: (Endpoint.Kind, String)] = [
        "s3-accesspoint": (.s3AccessPoint, "s3"), "s3-accesspoint-fips": (.s3AccessPoint, "s3"),
        "s3-object-lambda": (.s3ObjectLambda, "s3-object-lambda"),
        "s3-object-lambda-fips": (.s3ObjectLambda, "s3-object-lambda"),
    ]

    /// Splits `{name}-{12-digit account}`.
    static func nameAndAccount(_ label: String) -> (String, String)? {
        guard let dash = label.lastIndex(of: "-") else { return nil }
        let account = label[label.index(after: dash)...]
        let name = label[..<dash]
        guard account.count == 12, account.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), !name.isEmpty else {
            return nil
        }
        return (String(name), String(account))
    }

    /// S3 bucket naming rules for virtual-hosted style: 3–63 characters of lower-case letters,
    /// digits, dots and hyphens, starting and ending with a letter or digit, no `..`.
    static func isValidBucketName(_ name: String) -> Bool {
        let utf8 = name.utf8
        guard (3...63).contains(utf8.count), let first = utf8.first, let last = utf8.last else { return false }
        func alnum(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) }
        guard alnum(first), alnum(last) else { return false }
        var previous: UInt8 = 0
        for byte in utf8 {
            guard alnum(byte) || byte == UInt8(ascii: "-") || (byte == UInt8(ascii: ".") && previous != byte) else {
                return false
            }
            previous = byte
        }
        return true
    }
}
