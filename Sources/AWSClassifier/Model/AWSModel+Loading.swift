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

        // The service being read: its S line, then its O and R lines.
        var pending:
            (fields: [Substring], operations: Set<String>, routes: [Route], hostPrefixes: [String: Set<String>])?
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
                routes: current.routes, apiVersion: String(f[9]), hostPrefixes: current.hostPrefixes)
            services[service.modelName] = service
        }

        var lineNumber = 0
        // Split on bytes, not Characters: grapheme breaking would dominate the load time.
        for rawBytes in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
            let rawLine = Substring(rawBytes)
            lineNumber += 1
            if rawLine.hasPrefix("#") {
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
            switch f[0] {
            case "P":
                try expect(7)
                partitions.append(
                    Partition(
                        id: String(f[1]), dnsSuffix: String(f[2]), dualStackDNSSuffix: String(f[3]),
                        globalRegion: String(f[4]), regions: Set(f[6].split(separator: ",").map(String.init)),
                        regionPattern: RegionPattern(String(f[5]))))
            case "S":
                try finishService(line: lineNumber)
                try expect(10)
                pending = (f, [], [], [:])
            case "O":
                try expect(2)
                guard pending != nil else {
                    throw AWSModelError(line: lineNumber, message: "an O record outside a service")
                }
                if f[1] != "-" { pending?.operations = Set(Self.split(f[1], 0x2C).map(String.init)) }
            case "X":
                try expect(3)
                guard pending != nil else {
                    throw AWSModelError(line: lineNumber, message: "an X record outside a service")
                }
                pending?.hostPrefixes[String(f[1])] = Set(f[2].split(separator: ",").map(String.init))
            case "R":
                try expect(7)
                guard pending != nil else {
                    throw AWSModelError(line: lineNumber, message: "an R record outside a service")
                }
                pending?.routes.append(try Self.route(f, line: lineNumber))
            case "H":
                try finishService(line: lineNumber)
                try expect(7)
                let variants = f[6] == "-" ? [] : f[6].split(separator: ",")
                explicitHosts[String(f[1]), default: []].append(
                    ExplicitHost(
                        endpointPrefix: String(f[2]), region: f[3] == "-" ? nil : String(f[3]), partition: String(f[4]),
                        signingName: f[5] == "-" ? nil : String(f[5]), fips: variants.contains("fips"),
                        dualStack: variants.contains("dualstack")))
            case "G":
                try finishService(line: lineNumber)
            case "T":
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
        text.utf8.split(separator: separator, omittingEmptySubsequences: false).map { Substring($0) }
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
