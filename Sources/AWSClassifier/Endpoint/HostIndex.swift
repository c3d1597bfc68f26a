/// What host classification needs from the model, in tables keyed by bytes, built once when the
/// classifier is created: a host is then matched over its own UTF-8, building no `String` but the
/// values the ``Endpoint`` keeps (and those come from here when they are names the model has).
final class HostIndex: Sendable {
    /// The partitions, in the model's order.
    let partitions: [AWSModel.Partition]
    /// Per partition: `.` + its DNS suffix, and `.` + its dual-stack DNS suffix.
    let dottedSuffixes: [(regular: [UInt8], dualStack: [UInt8])]
    /// Per partition: the region-pattern prefixes (`us`, `us-gov`), as bytes.
    let regionPatternPrefixes: [[[UInt8]]]
    /// Per partition: whether it is `aws` (Multi-Region Access Points).
    let isAWS: [Bool]
    /// Per partition: whether it is the model's first (the legacy global `s3.amazonaws.com`).
    let isFirst: [Bool]
    /// The `aws` partition's index, for Lambda function URLs (`on.aws`).
    let awsIndex: Int?
    /// Every listed region: its name (the model's string) and a bit per partition that lists it.
    let regions: ByteTable<Region>
    /// Endpoint prefix → `[prefix]`, the array an endpoint of that prefix keeps.
    let endpointPrefixes: ByteTable<[String]>
    /// Literal operation host prefix + endpoint prefix (`sync-states`) → the host prefix and `[endpoint prefix]`;
    /// the model's first pair wins.
    let literalHostPrefixes: ByteTable<HostPrefix>
    /// Endpoint prefix → its templated operation host prefix (`{AccountId}.`) and `[endpoint prefix]`.
    let templatedHostPrefixes: ByteTable<HostPrefix>
    /// Rule-set host label → `[endpoint prefix]` of the first model using it that the model has.
    let ruleSetHostLabels: ByteTable<[String]>
    /// Normalized explicit hostname → its complete endpoint (computed here, once, from the model).
    let explicitHosts: ByteTable<Endpoint>

    /// Endpoint-prefix arrays of the shapes whose prefix is fixed.
    let s3: [String]
    let s3Express: [String]
    let s3Control: [String]
    let s3Outposts: [String]
    let s3ObjectLambda: [String]
    let executeAPI: [String]
    /// OpenSearch Service (domains' data plane) and OpenSearch Serverless (collections).
    let openSearch: [String]
    let openSearchServerless: [String]
    let events: [String]
    let lambda: [String]
    let kinesis: [String]
    let dynamodb: [String]

    /// A listed region.
    struct Region: Sendable {
        /// The region's name, the model's string.
        let name: String
        /// Bit `i` is set when partition `i` lists the region.
        let partitions: UInt64
    }

    /// An operation host prefix and the endpoint prefixes of the endpoint it goes in front of.
    struct HostPrefix: Sendable {
        let hostPrefix: String
        let endpointPrefixes: [String]
    }

    init(model: AWSModel) {
        let partitions = model.partitions
        self.partitions = partitions
        dottedSuffixes = partitions.map { (Array($0.dottedDNSSuffix.utf8), Array($0.dottedDualStackDNSSuffix.utf8)) }
        regionPatternPrefixes = partitions.map { $0.regionPattern.prefixes.map { Array($0.utf8) } }
        isAWS = partitions.map { $0.id == "aws" }
        isFirst = partitions.map { $0.id == partitions.first?.id }
        awsIndex = partitions.firstIndex { $0.id == "aws" }

        var regionBits: [String: UInt64] = [:]
        for (index, partition) in partitions.enumerated() where index < 64 {
            for region in partition.regions { regionBits[region, default: 0] |= 1 << UInt64(index) }
        }
        regions = ByteTable(
            regionBits.sorted { $0.key < $1.key }.map {
                (Array($0.key.utf8), Region(name: $0.key, partitions: $0.value))
            }
        )

        var prefixArrays: [String: [String]] = [:]
        func prefixes(_ prefix: String) -> [String] {
            if let known = prefixArrays[prefix] { return known }
            prefixArrays[prefix] = [prefix]
            return [prefix]
        }
        endpointPrefixes = ByteTable(
            model.servicesByEndpointPrefix.keys.sorted().map { (Array($0.utf8), prefixes($0)) })
        literalHostPrefixes = ByteTable(
            model.literalHostPrefixes.map {
                (
                    Array(($0.hostPrefix + $0.endpointPrefix).utf8),
                    HostPrefix(hostPrefix: $0.hostPrefix, endpointPrefixes: prefixes($0.endpointPrefix))
                )
            })
        templatedHostPrefixes = ByteTable(
            model.templatedHostPrefixes.sorted { $0.key < $1.key }.map {
                (Array($0.key.utf8), HostPrefix(hostPrefix: $0.value, endpointPrefixes: prefixes($0.key)))
            })
        ruleSetHostLabels = ByteTable(
            model.ruleSetHostLabels.sorted { $0.key < $1.key }.compactMap { label, models in
                guard let service = models.lazy.compactMap({ model.services[$0] }).first else { return nil }
                return (Array(label.utf8), prefixes(service.endpointPrefix))
            })
        s3 = prefixes("s3")
        s3Express = prefixes("s3express")
        s3Control = prefixes("s3-control")
        s3Outposts = prefixes("s3-outposts")
        s3ObjectLambda = prefixes("s3-object-lambda")
        executeAPI = prefixes("execute-api")
        openSearch = prefixes("es")
        openSearchServerless = prefixes("aoss")
        events = prefixes("events")
        lambda = prefixes("lambda")
        kinesis = prefixes("kinesis")
        dynamodb = prefixes("dynamodb")
        explicitHosts = ByteTable([])
    }

    /// The index with its explicit-host table: each explicit hostname's endpoint, as
    /// ``HostClassifier`` defines it, computed over this index once.
    convenience init(model: AWSModel, withExplicitHosts: Void) {
        let templates = HostIndex(model: model)
        var entries: [(key: [UInt8], value: Endpoint)] = []
        for host in model.explicitHosts.keys.sorted() {
            // A key that is not a normalized host is never looked up (and the scan expects one).
            let bytes = Array(host.utf8)
            let normalized = bytes.withUnsafeBufferPointer { HostClassifier.normalizedLength($0) }
            guard let normalized, normalized.0 == bytes.count, !normalized.1 else { continue }
            if let endpoint = templates.explicitEndpoint(host, model: model) {
                entries.append((Array(host.utf8), endpoint))
            }
        }
        self.init(templates, explicitHosts: ByteTable(entries))
    }

    private init(_ other: HostIndex, explicitHosts: ByteTable<Endpoint>) {
        partitions = other.partitions
        dottedSuffixes = other.dottedSuffixes
        regionPatternPrefixes = other.regionPatternPrefixes
        isAWS = other.isAWS
        isFirst = other.isFirst
        awsIndex = other.awsIndex
        regions = other.regions
        endpointPrefixes = other.endpointPrefixes
        literalHostPrefixes = other.literalHostPrefixes
        templatedHostPrefixes = other.templatedHostPrefixes
        ruleSetHostLabels = other.ruleSetHostLabels
        s3 = other.s3
        s3Express = other.s3Express
        s3Control = other.s3Control
        s3Outposts = other.s3Outposts
        s3ObjectLambda = other.s3ObjectLambda
        executeAPI = other.executeAPI
        openSearch = other.openSearch
        openSearchServerless = other.openSearchServerless
        events = other.events
        lambda = other.lambda
        kinesis = other.kinesis
        dynamodb = other.dynamodb
        self.explicitHosts = explicitHosts
    }

    /// The endpoint of an explicit hostname of endpoints.json, or `nil` when its entries name no
    /// endpoint prefix the model has (then the host is classified by the templates).
    private func explicitEndpoint(_ host: String, model: AWSModel) -> Endpoint? {
        // Entries under an endpoints.json key that is not an endpoint prefix (docdb, neptune list
        // rds.<region>) say nothing the generic parse does not.
        let explicit = (model.explicitHosts[host] ?? []).filter {
            model.servicesByEndpointPrefix[$0.endpointPrefix] != nil || $0.endpointPrefix == "s3"
        }
        guard let first = explicit.first, let partition = model.partition(id: first.partition) else { return nil }
        // The generic parse of the same host may name another model sharing it (endpoints.json
        // lists bedrock-runtime.<region> under bedrock); keep both as candidates.
        var copy = host
        let generic = copy.withUTF8 { bytes -> Endpoint? in
            let scan = HostScan(bytes: bytes, shared: host, index: self)
            return scan.classifyByTemplate().map(scan.endpoint)
        }
        // Global when the host names no region (iam.amazonaws.com is scoped to us-east-1).
        let namesRegion =
            first.region.map { region in host.split(separator: ".").contains { $0.contains(region) } } ?? false
        var endpoint = Endpoint(
            host: host, partition: partition, kind: namesRegion ? .regional : .global,
            endpointPrefix: first.endpointPrefix, region: first.region)
        var seen = Set<String>()
        endpoint.endpointPrefixes =
            (explicit.map(\.endpointPrefix)
            + (generic?.region == first.region ? generic?.endpointPrefixes ?? [] : [])).filter {
                seen.insert($0).inserted
            }
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
}
