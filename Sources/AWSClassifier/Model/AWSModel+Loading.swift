public import Foundation

/// A problem in the bundled or given model file.
public struct AWSModelError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The 1-based line of the file where the problem is.
    public let line: Int
    /// What is wrong.
    public let message: String

    public var description: String { "aws-model line \(line): \(message)" }
}

extension AWSModel {
    /// Loads the model compiled into this module (`Generated/AWSModelTable.swift`, written by
    /// `scripts/generate-aws-model.py`): no file or resource bundle is read, so the binary stands alone.
    /// - Throws: ``AWSModelError`` when the table is malformed.
    public static func bundled() throws(AWSModelError) -> AWSModel {
        try AWSModel(tsv: bundledTable)
    }

    /// Parses a model file in the format `scripts/generate-aws-model.py` writes.
    public init(tsv text: String) throws(AWSModelError) {
        var partitions: [Partition] = []
        var services: [String: Service] = [:]
        var explicitHosts: [String: [ExplicitHost]] = [:]
        var ruleSetHostLabels: [String: [String]] = [:]
        var botocoreVersion = "unknown"

        // The service being read: its S line, then its O, X, R, A, I and K lines.
        struct PendingService {
            let fields: [Substring]
            var operations: Set<String> = []
            var routes: [Route] = []
            var hostPrefixes: [String: Set<String>] = [:]
            var resourceMembers: [String: [ResourceMember]] = [:]
            var passedRoleMembers: [String: [ResourceMember]] = [:]
            var kmsKeyMembers: [String: [ResourceMember]] = [:]
        }
        var pending: PendingService?
        var memberLists: [Substring: [ResourceMember]] = [:]
        func finishService(line: Int) throws(AWSModelError) {
            guard let current = pending else { return }
            pending = nil
            let f = current.fields
            let protocols = try f[5].split(separator: ",").map { (name) throws(AWSModelError) -> WireProtocol in
                guard let value = WireProtocol(rawValue: String(name)) else {
                    throw AWSModelError(line: line, message: "unknown protocol \(name)")
                }
                return value
            }
            let flags = f[8] == "-" ? [] : f[8].split(separator: ",")
            let service = Service(
                modelName: String(f[1]), endpointPrefix: String(f[2]), signingName: String(f[3]),
                iamPrefix: String(f[4]), protocols: protocols, targetPrefix: f[6] == "-" ? nil : String(f[6]),
                awsQueryCompatible: flags.contains("awsQueryCompatible"), operations: current.operations,
                routes: current.routes, apiVersion: String(f[9]), hostPrefixes: current.hostPrefixes,
                resourceMembers: current.resourceMembers, passedRoleMembers: current.passedRoleMembers,
                kmsKeyMembers: current.kmsKeyMembers)
            services[service.modelName] = service
        }

        var lineNumber = 0
        // Split on bytes, not Characters: grapheme breaking would dominate the load time.
        for rawLine in Self.split(Substring(text), 0x0A) {
            lineNumber += 1
            if rawLine.utf8.first == 0x23 {  // "#"; a byte test, not Character-based hasPrefix
                if let range = rawLine.range(of: "botocore ") {
                    botocoreVersion = String(rawLine[range.upperBound...].prefix { !$0.isWhitespace })
                }
                continue
            }
            if rawLine.isEmpty { continue }
            let f = Self.split(rawLine, 0x09)
            func expect(_ count: Int) throws(AWSModelError) {
                guard f.count == count else {
                    throw AWSModelError(
                        line: lineNumber, message: "a \(f[0]) record has \(count) fields, this one \(f.count)")
                }
            }
            // The record type is one ASCII letter: switch on its byte, not on a Substring compared with
            // each case's literal in turn.
            let kind = f[0].utf8.count == 1 ? f[0].utf8.first ?? 0 : 0
            switch kind {
            case UInt8(ascii: "P"):
                try expect(7)
                partitions.append(
                    Partition(
                        id: String(f[1]), dnsSuffix: String(f[2]), dualStackDNSSuffix: String(f[3]),
                        globalRegion: String(f[4]), regions: Set(f[6].split(separator: ",").map(String.init)),
                        regionPattern: RegionPattern(String(f[5]))))
            case UInt8(ascii: "S"):
                try finishService(line: lineNumber)
                try expect(10)
                pending = PendingService(fields: f)
            case UInt8(ascii: "O"):
                try expect(2)
                guard pending != nil else {
                    throw AWSModelError(line: lineNumber, message: "an O record outside a service")
                }
                if f[1] != "-" { pending?.operations = Set(Self.split(f[1], 0x2C).map(String.init)) }
            case UInt8(ascii: "X"):
                try expect(3)
                guard pending != nil else {
                    throw AWSModelError(line: lineNumber, message: "an X record outside a service")
                }
                pending?.hostPrefixes[String(f[1])] = Set(f[2].split(separator: ",").map(String.init))
            case UInt8(ascii: "R"):
                try expect(7)
                guard pending != nil else {
                    throw AWSModelError(line: lineNumber, message: "an R record outside a service")
                }
                pending?.routes.append(try Self.route(f, line: lineNumber))
            case UInt8(ascii: "A"), UInt8(ascii: "I"), UInt8(ascii: "K"):
                try expect(4)
                // No copy of `pending` is bound here: one would make each update below copy the dictionaries.
                guard let serviceName = pending?.fields[1] else {
                    throw AWSModelError(line: lineNumber, message: "an \(f[0]) record outside a service")
                }
                guard f[1] == serviceName else {
                    throw AWSModelError(
                        line: lineNumber, message: "an \(f[0]) record for \(f[1]) in the block of \(serviceName)")
                }
                // The key is the operations set's own string, and equal member lists share one array
                // (1,482 distinct lists for 5,939 records in botocore 1.43.11): memory, and time.
                guard let index = pending?.operations.firstIndex(of: String(f[2])),
                    let operation = pending?.operations[index]
                else {
                    throw AWSModelError(line: lineNumber, message: "an \(f[0]) record for unknown operation \(f[2])")
                }
                let members: [ResourceMember]
                if let known = memberLists[f[3]] {
                    members = known
                } else {
                    members = try Self.resourceMembers(f[3], line: lineNumber)
                    memberLists[f[3]] = members
                }
                let added: [ResourceMember]?
                switch kind {
                case UInt8(ascii: "A"): added = pending?.resourceMembers.updateValue(members, forKey: operation)
                case UInt8(ascii: "I"): added = pending?.passedRoleMembers.updateValue(members, forKey: operation)
                default: added = pending?.kmsKeyMembers.updateValue(members, forKey: operation)
                }
                guard added == nil else {
                    throw AWSModelError(line: lineNumber, message: "a second \(f[0]) record for \(f[2])")
                }
            case UInt8(ascii: "H"):
                try finishService(line: lineNumber)
                try expect(7)
                let variants = f[6] == "-" ? [] : f[6].split(separator: ",")
                explicitHosts[String(f[1]), default: []].append(
                    ExplicitHost(
                        endpointPrefix: String(f[2]), region: f[3] == "-" ? nil : String(f[3]), partition: String(f[4]),
                        signingName: f[5] == "-" ? nil : String(f[5]), fips: variants.contains("fips"),
                        dualStack: variants.contains("dualstack")))
            case UInt8(ascii: "G"):
                try finishService(line: lineNumber)
            case UInt8(ascii: "T"):
                try finishService(line: lineNumber)
                try expect(3)
                ruleSetHostLabels[String(f[1]), default: []].append(String(f[2]))
            default:
                throw AWSModelError(line: lineNumber, message: "unknown record type \(f[0])")
            }
        }
        try finishService(line: lineNumber)
        guard !partitions.isEmpty, !services.isEmpty else {
            throw AWSModelError(line: lineNumber, message: "the model has no partitions or no services")
        }
        self.partitions = partitions
        self.services = services
        self.servicesByEndpointPrefix = Dictionary(grouping: services.values.sorted { $0.modelName < $1.modelName }) {
            $0.endpointPrefix
        }
        self.explicitHosts = explicitHosts
        self.botocoreVersion = botocoreVersion
        var literal: [(String, String)] = []
        var templated: [String: String] = [:]
        for service in services.values.sorted(by: { $0.modelName < $1.modelName }) {
            for hostPrefix in service.hostPrefixes.keys.sorted() {
                if hostPrefix.contains("{") {
                    templated[service.endpointPrefix] = hostPrefix
                } else {
                    literal.append((hostPrefix, service.endpointPrefix))
                }
            }
        }
        self.literalHostPrefixes = literal
        self.templatedHostPrefixes = templated
        self.ruleSetHostLabels = ruleSetHostLabels
    }

    /// Splits on a byte (the format is ASCII), keeping empty parts.
    static func split(_ text: Substring, _ separator: UInt8) -> [Substring] {
        // A plain firstIndex(of:) loop: the standard split(separator:) calls its predicate closure per byte.
        let utf8 = text.utf8
        var parts: [Substring] = []
        var start = utf8.startIndex
        while let end = utf8[start...].firstIndex(of: separator) {
            parts.append(Substring(utf8[start..<end]))
            start = utf8.index(after: end)
        }
        parts.append(Substring(utf8[start...]))
        return parts
    }

    /// Parses the members field of an `A`, `I` or `K` record: `location:name` or `location:name[]` items,
    /// comma-separated. Works on bytes: Character indexing (grapheme breaking) would dominate.
    private static func resourceMembers(_ field: Substring, line: Int) throws(AWSModelError) -> [ResourceMember] {
        var members: [ResourceMember] = []
        for item in field.utf8.split(separator: 0x2C, omittingEmptySubsequences: false) {
            let location: ResourceMember.Location?
            var name = item
            if let colon = item.firstIndex(of: 0x3A) {
                name = item[item.index(after: colon)...]
                let prefix = item[..<colon]
                switch prefix.first {
                case 0x62: location = .body  // b
                case 0x75: location = .uri  // u
                case 0x71: location = .querystring  // q
                case 0x68: location = .header  // h
                default: location = nil
                }
                if let location, !prefix.elementsEqual(location.rawValue.utf8) {
                    throw Self.badMember(item, line: line)
                }
            } else {
                location = nil
            }
            let isList = name.count >= 2 && name.last == 0x5D && name.dropLast().last == 0x5B
            if isList { name = name.dropLast(2) }
            guard let location, !name.isEmpty else { throw Self.badMember(item, line: line) }
            members.append(ResourceMember(location: location, name: String(Substring(name)), isList: isList))
        }
        return members
    }

    private static func badMember(_ item: Substring.UTF8View, line: Int) -> AWSModelError {
        AWSModelError(line: line, message: "a member must be body|uri|querystring|header:name, not \(Substring(item))")
    }

    private static func route(_ f: [Substring], line: Int) throws(AWSModelError) -> Route {
        let template = f[2]
        guard template.hasPrefix("/") else {
            throw AWSModelError(line: line, message: "a route path must start with /")
        }
        var segments: [PathSegment] = []
        for piece in split(template.dropFirst(), 0x2F) {
            if piece.hasPrefix("{"), piece.hasSuffix("+}") {
                segments.append(.greedyLabel(String(piece.dropFirst().dropLast(2))))
            } else if piece.hasPrefix("{"), piece.hasSuffix("}") {
                segments.append(.label(String(piece.dropFirst().dropLast())))
            } else {
                segments.append(.literal(String(piece)))
            }
        }
        if segments == [.literal("")] { segments = [] }
        var literalQuery: [(name: String, value: String?)] = []
        var xID: String?
        if f[3] != "-" {
            for pair in f[3].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(parts[0])
                let value = parts.count > 1 ? String(parts[1]) : nil
                if name == "x-id" { xID = value } else { literalQuery.append((name, value)) }
            }
        }
        return Route(
            method: String(f[1]), segments: segments, literalQuery: literalQuery, xID: xID,
            requiredQuery: f[4] == "-" ? [] : split(f[4], 0x2C).map(String.init),
            requiredHeaders: f[5] == "-" ? [] : split(f[5], 0x2C).map(String.init), operation: String(f[6]))
    }
}
