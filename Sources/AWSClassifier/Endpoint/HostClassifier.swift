/// Maps a `Host` header value to an ``Endpoint``, or `nil` for anything that is not an AWS API host.
///
/// Matching is by whole DNS labels, anchored at the right: the partition's DNS suffix first, then the
/// service and region labels, and only what is left of those is a bucket or an access point. So a
/// bucket named `s3-logs`, `s3.example` or `us-east-1` never changes what the host means, and a host
/// such as `s3.amazonaws.com.attacker.example` or `amazonaws.com-evil.net` is not AWS.
///
/// The host is read as UTF-8 bytes: labels are byte ranges, and the model's names are looked up in
/// tables keyed by bytes (``HostIndex``), so a host already in normal form (lower case, no port, no
/// trailing dot) is classified without building a string: the endpoint keeps the host itself, and
/// the model's own strings for the names it has.
public struct HostClassifier: Sendable {
    let model: AWSModel
    let index: HostIndex

    /// Creates a classifier over a model.
    public init(model: AWSModel) {
        self.model = model
        self.index = HostIndex(model: model, withExplicitHosts: ())
    }

    /// Classifies `host` (as sent: any case, maybe with a port and a trailing dot).
    @inline(never)
    public func classify(host rawHost: String) -> Endpoint? {
        var host = rawHost
        var endpoint: Endpoint?
        // The endpoint is stored from inside the closure rather than returned through it: returned, it
        // is copied (and the copy destroyed) on the way out.
        host.withUTF8 { endpoint = classify(bytes: $0, shared: rawHost) }
        return endpoint
    }

    /// Classifies `host` (as sent: any case, maybe with a port and a trailing dot).
    public func classify(host rawHost: some StringProtocol) -> Endpoint? {
        if let string = rawHost as? String { return classify(host: string) }
        if let endpoint = rawHost.utf8.withContiguousStorageIfAvailable({ classify(bytes: $0, shared: nil) }) {
            return endpoint
        }
        return classify(host: String(rawHost))
    }

    /// Classifies a host given as bytes; `shared` is the same host as a string, if the caller has one.
    @inline(__always)
    private func classify(bytes raw: UnsafeBufferPointer<UInt8>, shared: String?) -> Endpoint? {
        guard let (length, hasUpperCase, hash) = Self.normalizedLength(raw) else { return nil }
        // Host headers are almost always lower case already: then the bytes are the answer.
        guard hasUpperCase else {
            let host = UnsafeBufferPointer(rebasing: raw[..<length])
            return classify(normalized: host, hash: hash, shared: length == raw.count ? shared : nil)
        }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { buffer in
            for i in 0..<length {
                let byte = raw[i]
                buffer[i] = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            }
            return classify(normalized: UnsafeBufferPointer(rebasing: buffer[..<length]), hash: hash, shared: nil)
        }
    }

    /// Classifies a normalized host: explicit hostnames from endpoints.json first, then the templates.
    @inline(__always)
    private func classify(normalized host: UnsafeBufferPointer<UInt8>, hash: UInt64, shared: String?) -> Endpoint? {
        if let explicit = index.explicitHosts.value(for: host, hash: hash) { return explicit }
        let scan = HostScan(bytes: host, shared: shared, index: index)
        guard let match = scan.classifyByTemplate() else { return nil }
        return scan.endpoint(match)
    }

    // MARK: - Normalization

    /// The class of each byte value, as an ASCII digit: `1` lower-case letter, digit or hyphen, `2`
    /// upper-case letter, `4` dot, `8` anything else.
    static var byteClasses: StaticString {
        """
        8888888888888888888888888888888888888888888881481111111111888888\
        8222222222222222222222222228888881111111111111111111111111188888\
        8888888888888888888888888888888888888888888888888888888888888888\
        8888888888888888888888888888888888888888888888888888888888888888
        """
    }

    /// The length of the host without port and trailing dot, and whether it has upper-case letters;
    /// `nil` for anything but a DNS name of LDH labels (with a port of 1–65535, if any).
    static func normalizedLength(_ raw: UnsafeBufferPointer<UInt8>) -> (Int, Bool, UInt64)? {
        guard let base = raw.baseAddress else { return nil }
        var end = raw.count
        // The port: after the last colon, 1–5 digits. A colon further left leaves more than five
        // characters after it, so the host is refused either way: by the label check below.
        var colon = end
        let lowest = max(0, end - 6)
        while colon > lowest {
            colon -= 1
            if base[colon] == UInt8(ascii: ":") {
                let digits = end - colon - 1
                guard digits >= 1 else { return nil }
                var number = 0
                for i in (colon + 1)..<end {
                    let digit = base[i] &- 0x30
                    guard digit <= 9 else { return nil }
                    number = number &* 10 &+ Int(digit)
                }
                guard number >= 1, number <= 65535 else { return nil }
                end = colon
                break
            }
        }
        if end > 0, base[end - 1] == UInt8(ascii: ".") { end -= 1 }
        guard end > 0, end <= 253 else { return nil }
        // One table load per byte: 1 for a lower-case letter, digit or hyphen, 2 for an upper-case
        // letter, 4 for a dot, 8 for anything else.
        let classes = Self.byteClasses.utf8Start
        var seen: UInt8 = 0
        var labelStart = 0
        // The hash of the normalized host, for the explicit-host table (`| 0x20` lower-cases letters
        // and leaves digits, `-` and `.` as they are).
        var hash = ByteTable<Endpoint>.hashSeed
        for i in 0..<end {
            let byte = base[i]
            let byteClass = classes[Int(byte)] &- 0x30
            seen |= byteClass
            hash = ByteTable<Endpoint>.hash(hash, byte | 0x20)
            if byteClass == 4 {
                guard i > labelStart, i - labelStart <= 63 else { return nil }
                labelStart = i + 1
            }
        }
        guard seen & 8 == 0 else { return nil }
        let hasUpperCase = seen & 2 != 0
        guard end > labelStart, end - labelStart <= 63 else { return nil }
        return (end, hasUpperCase, hash)
    }
}

/// A host's labels, as byte ranges of the host: label `i` is `starts[i]..<starts[i + 1] - 1`.
struct HostLabels {
    let starts: UnsafeMutableBufferPointer<Int32>
    let count: Int

    /// Label `i`.
    @inline(__always)
    subscript(_ i: Int) -> Range<Int> { Int(starts[i])..<(Int(starts[i + 1]) - 1) }

    /// Labels `labels.lowerBound..<labels.upperBound` with the dots between them (not empty).
    @inline(__always)
    func span(_ labels: Range<Int>) -> Range<Int> {
        Int(starts[labels.lowerBound])..<(Int(starts[labels.upperBound]) - 1)
    }
}

/// One normalized host being classified by the partitions' templates.
struct HostScan {
    /// The host: lower case, no port, no trailing dot, LDH labels.
    let bytes: UnsafeBufferPointer<UInt8>
    /// The host as a string, when the caller has it (the endpoint then keeps it).
    let shared: String?
    let index: HostIndex

    // MARK: Bytes

    /// The host as a string: the caller's, or a new one.
    var host: String { shared ?? String(decoding: bytes, as: UTF8.self) }

    /// The bytes of `range` as a string.
    @inline(__always)
    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// The bytes of `range`.
    @inline(__always)
    func slice(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: bytes[range]) }

    @inline(__always)
    func equals(_ range: Range<Int>, _ literal: StaticString) -> Bool {
        range.count == literal.utf8CodeUnitCount && matches(range.lowerBound, literal)
    }

    @inline(__always)
    func hasPrefix(_ range: Range<Int>, _ literal: StaticString) -> Bool {
        range.count >= literal.utf8CodeUnitCount && matches(range.lowerBound, literal)
    }

    @inline(__always)
    func hasSuffix(_ range: Range<Int>, _ literal: StaticString) -> Bool {
        range.count >= literal.utf8CodeUnitCount && matches(range.upperBound - literal.utf8CodeUnitCount, literal)
    }

    /// Whether the bytes from `start` are those of `literal` (which fit).
    @inline(__always)
    private func matches(_ start: Int, _ literal: StaticString) -> Bool {
        let text = literal.utf8Start
        for i in 0..<literal.utf8CodeUnitCount where bytes[start + i] != text[i] { return false }
        return true
    }

    /// Whether `literal` occurs in `range`.
    func contains(_ range: Range<Int>, _ literal: StaticString) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard range.count >= length else { return false }
        for start in range.lowerBound...(range.upperBound - length) where matches(start, literal) { return true }
        return false
    }

    /// Whether the host ends with `suffix`.
    func hasSuffix(_ suffix: [UInt8]) -> Bool {
        guard bytes.count >= suffix.count else { return false }
        let start = bytes.count - suffix.count
        for i in suffix.indices.reversed() where bytes[start + i] != suffix[i] { return false }
        return true
    }

    /// All digits (and not empty).
    func isDigits(_ range: Range<Int>) -> Bool {
        guard !range.isEmpty else { return false }
        for i in range where !(bytes[i] >= 0x30 && bytes[i] <= 0x39) { return false }
        return true
    }

    /// A 12-digit account id.
    func isAccount(_ range: Range<Int>) -> Bool { range.count == 12 && isDigits(range) }

    /// An id made by AWS: lower-case letters and digits only.
    func isID(_ range: Range<Int>) -> Bool {
        guard !range.isEmpty else { return false }
        for i in range {
            let byte = bytes[i]
            guard (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) else { return false }
        }
        return true
    }

    /// An OpenSearch domain endpoint's first label: `search-` or `vpc-`, then the domain name and the
    /// endpoint id (lower-case letters, digits and hyphens), with a hyphen between them.
    func isOpenSearchDomainLabel(_ range: Range<Int>) -> Bool {
        let prefix: Int
        if hasPrefix(range, "search-") {
            prefix = 7
        } else if hasPrefix(range, "vpc-") {
            prefix = 4
        } else {
            return false
        }
        let rest = (range.lowerBound + prefix)..<range.upperBound
        guard rest.count >= 3, isRequestRoute(rest), bytes[rest.lowerBound] != 0x2D, bytes[rest.upperBound - 1] != 0x2D
        else { return false }
        return rest.dropFirst().contains { bytes[$0] == 0x2D }
    }

    /// An Object Lambda request route: letters, digits and hyphens.
    func isRequestRoute(_ range: Range<Int>) -> Bool {
        guard !range.isEmpty else { return false }
        for i in range {
            let byte = bytes[i]
            guard (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D else {
                return false
            }
        }
        return true
    }

    /// The endpoint of a match: the one place an endpoint is built (and the strings it keeps).
    @inline(never)
    func endpoint(_ match: Match) -> Endpoint {
        Endpoint(
            host: host, partition: index.partitions[match.partition], kind: match.kind,
            endpointPrefixes: match.prefixes, region: match.region, anyRegion: match.anyRegion, fips: match.fips,
            dualStack: match.dualStack, bucket: match.bucket.map { string($0.range) },
            accessPointName: match.accessPointName.map { string($0.range) },
            accountID: match.accountID.map { string($0.range) }, outpostID: match.outpostID.map { string($0.range) },
            resourceID: match.resourceID.map { string($0.range) }, hostPrefix: match.hostPrefix)
    }

    // MARK: Regions

    /// The region `range` names in partition `partition` (one it lists, or one of its pattern), or `nil`.
    func region(_ range: Range<Int>, partition: Int) -> String? {
        if partition >= 64 {
            // Beyond the bit set (no model has that many partitions): the partition's own set.
            let name = string(range)
            if index.partitions[partition].regions.contains(name) { return name }
        } else if let listed = index.regions.value(for: slice(range)),
            listed.partitions & (1 << UInt64(partition)) != 0
        {
            return listed.name
        }
        return matchesRegionPattern(range, partition: partition) ? string(range) : nil
    }

    /// botocore's `^PREFIX\-\w+\-\d+$` (see ``RegionPattern``): a known prefix, a dash, a word, a
    /// dash, digits.
    func matchesRegionPattern(_ range: Range<Int>, partition: Int) -> Bool {
        // The last two dashes.
        var last = -1
        var secondLast = -1
        var i = range.upperBound
        while i > range.lowerBound {
            i -= 1
            if bytes[i] == UInt8(ascii: "-") {
                if last < 0 {
                    last = i
                } else {
                    secondLast = i
                    break
                }
            }
        }
        guard secondLast >= 0, isDigits((last + 1)..<range.upperBound), last - secondLast > 1 else { return false }
        for j in (secondLast + 1)..<last {
            let byte = bytes[j]
            guard (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F else {
                return false
            }
        }
        let prefix = range.lowerBound..<secondLast
        for candidate in index.regionPatternPrefixes[partition] where candidate.count == prefix.count {
            var equal = true
            for (k, byte) in candidate.enumerated() where bytes[prefix.lowerBound + k] != byte {
                equal = false
                break
            }
            if equal { return true }
        }
        return false
    }

    // MARK: Templates

    /// Classifies the host by the partitions' templates.
    func classifyByTemplate() -> Match? {
        let all = 0..<bytes.count
        if hasSuffix(all, ".on.aws"), let aws = index.awsIndex {
            return withLabels(end: bytes.count - 7) { lambdaFunctionURL($0, partition: aws) }
        }
        for partition in index.partitions.indices {
            for variant in 0..<2 {
                let dualStackSuffix = variant == 1
                let suffixes = index.dottedSuffixes[partition]
                let suffix = dualStackSuffix ? suffixes.dualStack : suffixes.regular
                guard hasSuffix(suffix) else { continue }
                let endpoint = withLabels(end: bytes.count - suffix.count) {
                    classify($0, partition: partition, dualStackSuffix: dualStackSuffix)
                }
                if let endpoint { return endpoint }
            }
        }
        return nil
    }

    /// Calls `body` with the labels of `bytes[..<end]`.
    @inline(__always)
    func withLabels(end: Int, _ body: (HostLabels) -> Match?) -> Match? {
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 130) { starts in
            var count = 0
            starts[0] = 0
            for i in 0..<end where bytes[i] == UInt8(ascii: ".") {
                // 127 labels at most in a host of 253 bytes (normalization checks); more only in a
                // model's explicit hostname, which is then not classified by the templates.
                guard count < 128 else { return nil }
                count += 1
                starts[count] = Int32(i + 1)
            }
            count += 1
            starts[count] = Int32(end + 1)
            return body(HostLabels(starts: starts, count: count))
        }
    }

    func classify(_ labels: HostLabels, partition: Int, dualStackSuffix: Bool) -> Match? {
        let n = labels.count
        let last = labels[n - 1]
        let lastRegion = region(last, partition: partition)
        if let s3 = s3Endpoint(labels, partition: partition, dualStackSuffix: dualStackSuffix, lastRegion: lastRegion) {
            return s3
        }

        // OpenSearch data planes: a domain's search-{domain}-{id}.{region}.es (vpc-… in a VPC) and a
        // serverless collection's {collection-id}.{region}.aoss.
        if n == 3, let middleRegion = region(labels[1], partition: partition) {
            if equals(labels[2], "es"), isOpenSearchDomainLabel(labels[0]) {
                var endpoint = Match(
                    .openSearchDomain, partition: partition, prefixes: index.openSearch, region: middleRegion)
                endpoint.resourceID = Piece(labels[0])
                return endpoint
            }
            if equals(labels[2], "aoss"), isID(labels[0]) {
                var endpoint = Match(
                    .openSearchServerless, partition: partition, prefixes: index.openSearchServerless,
                    region: middleRegion)
                endpoint.resourceID = Piece(labels[0])
                return endpoint
            }
        }
        // {api-id}.execute-api.{region}: an API Gateway API.
        if n == 3, equals(labels[1], "execute-api"), let lastRegion, isID(labels[0]) {
            var endpoint = Match(
                .apiGateway, partition: partition, prefixes: index.executeAPI, region: lastRegion)
            endpoint.resourceID = Piece(labels[0])
            endpoint.dualStack = dualStackSuffix
            return endpoint
        }
        // {account}.s3-control[-fips][.dualstack].{region}
        if n >= 3, isAccount(labels[0]), equals(labels[1], "s3-control") || equals(labels[1], "s3-control-fips"),
            let lastRegion, n == 3 || (n == 4 && equals(labels[2], "dualstack"))
        {
            var endpoint = Match(.s3Control, partition: partition, prefixes: index.s3Control, region: lastRegion)
            endpoint.accountID = Piece(labels[0])
            endpoint.fips = hasSuffix(labels[1], "-fips")
            endpoint.dualStack = n == 4 || dualStackSuffix
            return endpoint
        }

        // {service}[-fips][.dualstack].{region} — the service part may have dots (runtime.sagemaker).
        var serviceEnd = lastRegion == nil ? n : n - 1
        var dualStack = dualStackSuffix
        if serviceEnd > 0, equals(labels[serviceEnd - 1], "dualstack") {
            serviceEnd -= 1
            dualStack = true
        }
        guard serviceEnd > 0 else { return nil }
        let serviceLabels = 0..<serviceEnd
        var prefix = labels.span(serviceLabels)
        var fips = false
        var known = index.endpointPrefixes.value(for: slice(prefix))
        if known == nil, hasSuffix(prefix, "-fips") {
            prefix = prefix.lowerBound..<(prefix.upperBound - 5)
            fips = true
            known = index.endpointPrefixes.value(for: slice(prefix))
        } else if known == nil, hasPrefix(prefix, "fips.") {
            prefix = (prefix.lowerBound + 5)..<prefix.upperBound
            fips = true
            known = index.endpointPrefixes.value(for: slice(prefix))
        }
        // EventBridge global endpoints: {endpoint-id}.endpoint.events.amazonaws.com (SigV4a).
        if lastRegion == nil, serviceEnd >= 3, equals(labels[serviceEnd - 2], "endpoint"),
            equals(labels[serviceEnd - 1], "events"), !dualStack
        {
            var endpoint = Match(.global, partition: partition, prefixes: index.events, region: nil)
            endpoint.anyRegion = true
            endpoint.resourceID = Piece(labels.span(0..<(serviceEnd - 2)))
            return endpoint
        }
        // A regionless host that is not in the explicit table is not a real endpoint.
        guard let region = lastRegion else { return nil }
        var hostPrefix: String?
        var resourceID: Piece?
        let prefixes: [String]
        if let known {
            prefixes = known
        } else {
            // The service labels but the first, when there are two or more.
            let rest = serviceEnd >= 2 ? labels.span(1..<serviceEnd) : 0..<0
            if let literal = index.literalHostPrefixes.value(for: slice(prefix)) {
                // An operation host prefix: sync-states, data.iotsitewise, …
                hostPrefix = literal.hostPrefix
                prefixes = literal.endpointPrefixes
            } else if serviceEnd >= 2, !equals(rest, "s3"),
                let template = index.templatedHostPrefixes.value(for: slice(rest))
            {
                // A templated one: {graphIdentifier}.neptune-graph, … (S3's own, Object Lambda's
                // {RequestRoute}, is read by the S3 parser.)
                hostPrefix = template.hostPrefix
                resourceID = Piece(labels[0])
                prefixes = template.endpointPrefixes
            } else if let ruleSet = index.ruleSetHostLabels.value(for: slice(prefix)) {
                // A host label from the service's endpoint rule set (arc-region-switch-control-plane, aos).
                fips =
                    fips || hasSuffix(prefix, "-fips") || hasPrefix(prefix, "fips.") || contains(prefix, "-fips.")
                prefixes = ruleSet
            } else if serviceEnd >= 2, isID(labels[0]), !equals(rest, "s3"),
                let service = index.endpointPrefixes.value(for: slice(rest))
            {
                // A customer-specific endpoint: {id}.{endpoint prefix} (MediaStore containers, …).
                resourceID = Piece(labels[0])
                prefixes = service
            } else if serviceEnd == 2, isAccount(labels[0]), let account = accountEndpoint(labels[1]) {
                // Account-based endpoints from the endpoint rule sets: {account}.data-kinesis, {account}.ddb.
                prefixes = account
                resourceID = Piece(labels[0])
            } else {
                return nil
            }
        }
        var endpoint = Match(.regional, partition: partition, prefixes: prefixes, region: region)
        endpoint.fips = fips
        endpoint.dualStack = dualStack
        endpoint.hostPrefix = hostPrefix
        endpoint.resourceID = resourceID
        return endpoint
    }

    /// Account-based endpoint labels (from the services' endpoint rule sets): their endpoint prefixes.
    func accountEndpoint(_ label: Range<Int>) -> [String]? {
        if equals(label, "data-kinesis") || equals(label, "control-kinesis") { return index.kinesis }
        if equals(label, "ddb") { return index.dynamodb }
        return nil
    }

    func lambdaFunctionURL(_ labels: HostLabels, partition: Int) -> Match? {
        guard labels.count == 3, equals(labels[1], "lambda-url"), let region = region(labels[2], partition: partition),
            isID(labels[0])
        else {
            return nil
        }
        var endpoint = Match(.lambdaFunctionURL, partition: partition, prefixes: index.lambda, region: region)
        endpoint.resourceID = Piece(labels[0])
        return endpoint
    }

    // MARK: S3

    func s3Endpoint(
        _ labels: HostLabels, partition: Int, dualStackSuffix: Bool, lastRegion: String?
    ) -> Match? {
        let n = labels.count
        func make(_ kind: Endpoint.Kind, prefixes: [String], region: String?, consumed: Int) -> Match {
            var endpoint = Match(kind, partition: partition, prefixes: prefixes, region: region)
            var dualStack = dualStackSuffix
            for i in (n - consumed)..<n where equals(labels[i], "dualstack") { dualStack = true }
            endpoint.dualStack = dualStack
            if n - consumed > 0 {
                endpoint.bucket = Piece(labels.span(0..<(n - consumed)))
            }
            return endpoint
        }
        let last = labels[n - 1]

        // Multi-Region Access Point: {alias}.accesspoint.s3-global.amazonaws.com (SigV4a, no region);
        // the alias is `{id}.mrap`.
        if index.isAWS[partition], !dualStackSuffix, n == 4, equals(labels[1], "mrap"),
            equals(labels[2], "accesspoint"), equals(labels[3], "s3-global"), isID(labels[0])
        {
            var endpoint = make(.s3MultiRegionAccessPoint, prefixes: index.s3, region: nil, consumed: 2)
            endpoint.anyRegion = true
            return endpoint
        }
        guard lastRegion != nil || hasPrefix(last, "s3") || equals(last, "dualstack") else { return nil }
        // S3 Express control: s3express-control[-fips].{region}
        if n == 2, equals(labels[0], "s3express-control") || equals(labels[0], "s3express-control-fips"),
            let lastRegion
        {
            var endpoint = make(.s3Express, prefixes: index.s3Express, region: lastRegion, consumed: 2)
            endpoint.fips = hasSuffix(labels[0], "-fips")
            return endpoint
        }

        // Access points and Object Lambda: {name}-{account}.s3-accesspoint[-fips][.dualstack].{region}
        if n >= 3, let lastRegion {
            let serviceIndex = equals(labels[n - 2], "dualstack") ? n - 3 : n - 2
            let service = labels[serviceIndex]
            let kind = accessPointKind(service)
            if let (kind, prefixes) = kind, serviceIndex == 1, let (name, account) = nameAndAccount(labels[0]) {
                var endpoint = make(kind, prefixes: prefixes, region: lastRegion, consumed: n)
                endpoint.bucket = nil
                endpoint.accessPointName = Piece(name)
                endpoint.accountID = Piece(account)
                endpoint.fips = hasSuffix(service, "-fips")
                return endpoint
            }
            // Object Lambda's WriteGetObjectResponse: {RequestRoute}.s3-object-lambda.{region}
            if let (kind, prefixes) = kind, kind == .s3ObjectLambda, serviceIndex == 1, isRequestRoute(labels[0]) {
                var endpoint = make(kind, prefixes: prefixes, region: lastRegion, consumed: n)
                endpoint.bucket = nil
                endpoint.resourceID = Piece(labels[0])
                endpoint.hostPrefix = "{RequestRoute}."
                return endpoint
            }
            // Outposts: {name}-{account}.{outpost-id}.s3-outposts.{region}
            if equals(service, "s3-outposts"), serviceIndex == 2, hasPrefix(labels[1], "op-"),
                let (name, account) = nameAndAccount(labels[0])
            {
                var endpoint = make(.s3Outposts, prefixes: index.s3Outposts, region: lastRegion, consumed: n)
                endpoint.bucket = nil
                endpoint.accessPointName = Piece(name)
                endpoint.accountID = Piece(account)
                endpoint.outpostID = Piece(labels[1])
                return endpoint
            }
            // S3 Express: {bucket}.s3express-{az-id}.{region}
            if hasPrefix(service, "s3express-"), !hasPrefix(service, "s3express-control") {
                guard serviceIndex == n - 2 else { return nil }
                var endpoint = make(.s3Express, prefixes: index.s3Express, region: lastRegion, consumed: 2)
                endpoint.fips = hasPrefix(service, "s3express-fips-")
                return endpoint
            }
        }

        // Regional and legacy S3 endpoints, anchored at the right; what is left is the bucket.
        let consumed: Int
        let region: String?
        var fips = false
        var anyRegion = false
        if n >= 2, let lastRegion, equals(labels[n - 2], "s3") || equals(labels[n - 2], "s3-fips") {
            consumed = 2
            region = lastRegion
            fips = equals(labels[n - 2], "s3-fips")
        } else if n >= 3, let lastRegion, equals(labels[n - 2], "dualstack"),
            equals(labels[n - 3], "s3") || equals(labels[n - 3], "s3-fips")
        {
            consumed = 3
            region = lastRegion
            fips = equals(labels[n - 3], "s3-fips")
        } else if equals(last, "s3"), !dualStackSuffix, index.isFirst[partition] {
            // s3.amazonaws.com: the legacy global endpoint; the signature names the bucket's region.
            consumed = 1
            region = index.partitions[partition].globalRegion
            anyRegion = true
        } else if equals(last, "s3-external-1") {
            consumed = 1
            region = "us-east-1"
        } else if equals(last, "s3-accelerate")
            || (n >= 2 && equals(last, "dualstack") && equals(labels[n - 2], "s3-accelerate"))
        {
            consumed = equals(last, "dualstack") ? 2 : 1
            region = nil
            anyRegion = true
            guard n > consumed else { return nil }  // accelerate needs a bucket
        } else if hasPrefix(last, "s3-"),
            let legacy = self.region((last.lowerBound + 3)..<last.upperBound, partition: partition)
        {
            consumed = 1
            region = legacy
        } else {
            return nil
        }
        if n > consumed, !isValidBucketName(labels.span(0..<(n - consumed))) { return nil }
        var endpoint = make(
            n > consumed ? .s3VirtualHosted : .s3PathStyle, prefixes: index.s3, region: region, consumed: consumed)
        endpoint.fips = fips
        endpoint.anyRegion = anyRegion
        return endpoint
    }

    /// Access point and Object Lambda service labels: the endpoint kind and prefixes.
    func accessPointKind(_ label: Range<Int>) -> (Endpoint.Kind, [String])? {
        if equals(label, "s3-accesspoint") || equals(label, "s3-accesspoint-fips") { return (.s3AccessPoint, index.s3) }
        if equals(label, "s3-object-lambda") || equals(label, "s3-object-lambda-fips") {
            return (.s3ObjectLambda, index.s3ObjectLambda)
        }
        return nil
    }

    /// Splits `{name}-{12-digit account}`.
    func nameAndAccount(_ label: Range<Int>) -> (Range<Int>, Range<Int>)? {
        var dash = label.upperBound
        while dash > label.lowerBound {
            dash -= 1
            if bytes[dash] == UInt8(ascii: "-") {
                let account = (dash + 1)..<label.upperBound
                guard isAccount(account), dash > label.lowerBound else { return nil }
                return (label.lowerBound..<dash, account)
            }
        }
        return nil
    }

    /// S3 bucket naming rules for virtual-hosted style: 3–63 characters of lower-case letters,
    /// digits, dots and hyphens, starting and ending with a letter or digit, no `..`.
    func isValidBucketName(_ range: Range<Int>) -> Bool {
        guard range.count >= 3, range.count <= 63 else { return false }
        // The host is lower case and LDH already: only the ends and `..` remain to check.
        let first = bytes[range.lowerBound]
        let last = bytes[range.upperBound - 1]
        guard first != UInt8(ascii: "-"), first != UInt8(ascii: "."), last != UInt8(ascii: "-"),
            last != UInt8(ascii: ".")
        else { return false }
        var previous: UInt8 = 0
        for i in range {
            let byte = bytes[i]
            if byte == UInt8(ascii: "."), previous == byte { return false }
            previous = byte
        }
        return true
    }
}

/// A range of the host's bytes, compact.
struct Piece {
    let start: Int32
    let end: Int32

    init(_ range: Range<Int>) {
        start = Int32(truncatingIfNeeded: range.lowerBound)
        end = Int32(truncatingIfNeeded: range.upperBound)
    }

    var range: Range<Int> { Int(start)..<Int(end) }
}

/// What the templates make of a host, before the endpoint is built: the model's strings it keeps,
/// the flags, and the parts of the host that become strings (only when the host is classified).
struct Match {
    var kind: Endpoint.Kind
    var partition: Int
    var prefixes: [String]
    var region: String?
    var anyRegion = false
    var fips = false
    var dualStack = false
    var bucket: Piece?
    var accessPointName: Piece?
    var accountID: Piece?
    var outpostID: Piece?
    var resourceID: Piece?
    var hostPrefix: String?

    init(_ kind: Endpoint.Kind, partition: Int, prefixes: [String], region: String?) {
        self.kind = kind
        self.partition = partition
        self.prefixes = prefixes
        self.region = region
    }
}
