/// Reading and validating the `identity:` section (``Identity``). Every problem is reported at its
/// position with one sentence.
extension ConfigReader {
    /// The keys of the `identity:` section.
    static let identityKeys = [
        "audience", "hosts", "audience_header", "token_header", "token_cookie", "partitions", "regions",
        "max_token_age", "max_clock_skew", "sts_endpoint", "sts_timeout", "forward_token",
    ]

    /// Reads `identity:`; `nil` when the section is unusable (the problems are recorded).
    mutating func readIdentity(_ node: YAMLNode) -> Identity? {
        guard let pairs = mapping(node, "identity") else { return nil }
        checkKeys(pairs, allowed: Self.identityKeys, in: "identity")
        var audience: String?
        var hosts: [String]?
        var identity = Identity(audience: "", hosts: [], position: node.position)
        var tokenKeys: [YAMLNode] = []
        for (key, keyNode, value) in pairs {
            switch key {
            case "audience":
                guard let text = string(value, "identity.audience") else { continue }
                guard text.utf8.count <= 128, text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                    fail(value, "identity.audience must be printable ASCII without spaces, at most 128 bytes")
                    continue
                }
                audience = text
            case "hosts":
                guard let values = strings(value, "identity.hosts") else { continue }
                var patterns: [String] = []
                for (pattern, patternNode) in values {
                    if let problem = Self.problem(with: pattern, field: .hosts) {
                        fail(patternNode, problem)
                    } else {
                        patterns.append(pattern.lowercased())
                    }
                }
                hosts = patterns
            case "audience_header":
                guard let text = string(value, "identity.audience_header") else { continue }
                guard Self.isHeaderName(text) else {
                    fail(value, "identity.audience_header must be a header name such as x-k8s-aws-id; '\(text)' is not")
                    continue
                }
                let lowered = text.lowercased()
                guard lowered != "host", lowered != "authorization", !lowered.hasPrefix("x-amz-") else {
                    fail(value, "identity.audience_header cannot be '\(text)': STS reads that header itself")
                    continue
                }
                identity.audienceHeader = lowered
            case "token_header":
                tokenKeys.append(keyNode)
                guard let text = string(value, "identity.token_header") else { continue }
                guard Self.isHeaderName(text) else {
                    fail(value, "identity.token_header must be a header name such as authorization; '\(text)' is not")
                    continue
                }
                let lowered = text.lowercased()
                guard lowered != "cookie", lowered != "host", !lowered.hasPrefix(":") else {
                    fail(value, "identity.token_header cannot be '\(text)'; use token_cookie for a cookie")
                    continue
                }
                identity.token = lowered == "authorization" ? .authorization : .header(lowered)
            case "token_cookie":
                tokenKeys.append(keyNode)
                guard let text = string(value, "identity.token_cookie") else { continue }
                guard Self.isHeaderName(text) else {
                    fail(
                        value,
                        "identity.token_cookie must be a cookie name (letters, digits, -, _, .); '\(text)' is not")
                    continue
                }
                identity.token = .cookie(text)
            case "partitions":
                guard let values = strings(value, "identity.partitions") else { continue }
                var partitions: [String] = []
                for (text, item) in values {
                    if Identity.knownPartitions.contains(text) {
                        partitions.append(text)
                    } else {
                        fail(
                            item,
                            "identity.partitions: '\(text)' is not a partition; expected one of \(Identity.knownPartitions.joined(separator: ", "))"
                        )
                    }
                }
                identity.partitions = partitions
            case "regions":
                guard let values = strings(value, "identity.regions") else { continue }
                var regions: [String] = []
                for (text, item) in values {
                    if let problem = Self.problem(with: text, field: .regions) {
                        fail(item, "identity.regions: \(problem)")
                    } else {
                        regions.append(text)
                    }
                }
                identity.regions = regions
            case "max_token_age":
                if let seconds = wholeSeconds(value, "identity.max_token_age", in: 1...900) {
                    identity.maxTokenAgeSeconds = seconds
                }
            case "max_clock_skew":
                if let seconds = wholeSeconds(value, "identity.max_clock_skew", in: 0...900) {
                    identity.maxClockSkewSeconds = seconds
                }
            case "sts_endpoint":
                guard let text = string(value, "identity.sts_endpoint") else { continue }
                guard Self.isEndpointURL(text) else {
                    fail(
                        value,
                        "identity.sts_endpoint must be an http or https URL without a path, such as https://vpce-0abc.sts.eu-west-1.vpce.amazonaws.com; '\(text)' is not"
                    )
                    continue
                }
                identity.stsEndpoint = text
            case "sts_timeout":
                guard let text = value.scalar, let milliseconds = DurationParser.milliseconds(text),
                    (100...60_000).contains(milliseconds)
                else {
                    fail(value, "identity.sts_timeout must be a duration from 100ms to 60s, such as 5s")
                    continue
                }
                identity.stsTimeoutMilliseconds = milliseconds
            case "forward_token":
                if let flag = bool(value, "identity.forward_token") { identity.forwardToken = flag }
            default: break
            }
        }
        if tokenKeys.count > 1, let second = tokenKeys.last {
            fail(second, "identity: use token_header or token_cookie, not both")
        }
        if audience == nil, !pairs.contains(where: { $0.key == "audience" }) {
            fail(node, "identity needs audience: the value callers sign in the audience header (x-k8s-aws-id)")
        }
        if hosts == nil, !pairs.contains(where: { $0.key == "hosts" }) {
            fail(node, "identity needs hosts: the host patterns of the services whose callers send identity tokens")
        }
        guard let audience, let hosts, !hosts.isEmpty else { return nil }
        identity.audience = audience
        identity.hosts = hosts
        return identity
    }

    /// An HTTP header (or cookie) name: token characters only, at most 64 bytes.
    static func isHeaderName(_ text: String) -> Bool {
        text.utf8.count <= 64
            && text.utf8.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                    || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            }
    }

    /// `http(s)://host[:port]` with an optional trailing `/`: no user, path, query or fragment.
    static func isEndpointURL(_ text: String) -> Bool {
        var rest: Substring
        if text.hasPrefix("https://") {
            rest = text.dropFirst(8)
        } else if text.hasPrefix("http://") {
            rest = text.dropFirst(7)
        } else {
            return false
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, rest.utf8.count <= 255 else { return false }
        var host = rest
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            let port = rest[rest.index(after: colon)...]
            guard let number = Int(port), (1...65535).contains(number) else { return false }
            host = rest[..<colon]
        }
        if host.hasPrefix("["), host.hasSuffix("]") {
            return host.dropFirst().dropLast().allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        }
        return !host.isEmpty
            && host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
    }
}
