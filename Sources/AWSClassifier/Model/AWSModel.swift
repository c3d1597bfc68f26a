internal import Foundation

/// The facts about AWS that classification needs, generated from botocore's models.
///
/// The model is read once from the table compiled into the module (`Generated/AWSModelTable.swift`;
/// see `scripts/generate-aws-model.py` for the format) and then shared read-only: every type in it is
/// a `Sendable` value or an immutable class.
///
/// ```swift
/// let model = try AWSModel.bundled()
/// let classifier = RequestClassifier(model: model)
/// ```
public struct AWSModel: Sendable {
    /// A partition: a set of regions sharing a DNS suffix (`aws`, `aws-cn`, `aws-us-gov`, …).
    ///
    /// Immutable and shared by reference, so the endpoints that name it copy one pointer.
    public final class Partition: Sendable, Hashable {
        /// The partition id, as used in ARNs (`aws`, `aws-cn`).
        public let id: String
        /// The DNS suffix of regional endpoints (`amazonaws.com`).
        public let dnsSuffix: String
        /// The DNS suffix of dual-stack endpoints (`api.aws`).
        public let dualStackDNSSuffix: String
        /// The region global endpoints are scoped to (`us-east-1`).
        public let globalRegion: String
        /// The partition's known regions.
        public let regions: Set<String>
        /// Region names of the partition's pattern (`^(us|eu|…)\-\w+\-\d+$`) beyond the known ones.
        let regionPattern: RegionPattern
        /// `.` + ``dnsSuffix``, kept so that matching a host builds no string.
        let dottedDNSSuffix: String
        /// `.` + ``dualStackDNSSuffix``, likewise.
        let dottedDualStackDNSSuffix: String

        init(
            id: String, dnsSuffix: String, dualStackDNSSuffix: String, globalRegion: String, regions: Set<String>,
            regionPattern: RegionPattern
        ) {
            self.id = id
            self.dnsSuffix = dnsSuffix
            self.dualStackDNSSuffix = dualStackDNSSuffix
            self.globalRegion = globalRegion
            self.regions = regions
            self.regionPattern = regionPattern
            self.dottedDNSSuffix = "." + dnsSuffix
            self.dottedDualStackDNSSuffix = "." + dualStackDNSSuffix
        }

        /// Whether `name` is a region of this partition (a listed region or one of its pattern).
        public func isRegion(_ name: some StringProtocol) -> Bool {
            regions.contains(String(name)) || regionPattern.matches(name)
        }

        public static func == (lhs: Partition, rhs: Partition) -> Bool { lhs.id == rhs.id }
        public func hash(into hasher: inout Hasher) { hasher.combine(id) }
    }

    /// A REST route: method + URI template + required members → operation. Immutable, shared by reference.
    public final class Route: Sendable, Hashable {
        /// The HTTP method.
        public let method: String
        /// The path template, split into segments.
        public let segments: [PathSegment]
        /// Query literals of the request URI (`uploads`, `list-type=2`), without `x-id`.
        public let literalQuery: [(name: String, value: String?)]
        /// The `x-id` literal of the request URI, if any (S3: `x-id=GetObject`).
        public let xID: String?
        /// Query members the operation requires.
        public let requiredQuery: [String]
        /// Headers the operation requires (lower case).
        public let requiredHeaders: [String]
        /// The operation name.
        public let operation: String
        /// How specific the route is, compared lexicographically when several match: the number of
        /// required query literals, members and headers, then per segment literal 3, `{label}` 2,
        /// `{label+}` 1.
        let specificity: [Int]
        /// Whether the template ends in, or contains, a `{label+}`.
        let hasGreedyLabel: Bool
        /// ``segments`` as matching reads them: literals as bytes.
        let template: [TemplatePart]
        /// The first segment's bytes when it is a literal (the cheapest test of a route).
        let firstLiteral: [UInt8]?
        /// Whether the route needs query literals or members.
        let hasQueryConditions: Bool

        init(
            method: String, segments: [PathSegment], literalQuery: [(name: String, value: String?)], xID: String?,
            requiredQuery: [String], requiredHeaders: [String], operation: String
        ) {
            self.method = method
            self.segments = segments
            self.literalQuery = literalQuery
            self.xID = xID
            self.requiredQuery = requiredQuery
            self.requiredHeaders = requiredHeaders
            self.operation = operation
            self.specificity =
                [literalQuery.count + requiredQuery.count + requiredHeaders.count]
                + segments.map { segment -> Int in
                    switch segment {
                    case .literal: 3
                    case .label: 2
                    case .greedyLabel: 1
                    }
                }
            self.hasGreedyLabel = segments.contains {
                if case .greedyLabel = $0 { return true } else { return false }
            }
            self.template = segments.map(TemplatePart.init)
            self.firstLiteral = template.first.flatMap { $0.kind == .literal ? $0.literal : nil }
            self.hasQueryConditions = !literalQuery.isEmpty || !requiredQuery.isEmpty
        }

        public static func == (lhs: Route, rhs: Route) -> Bool {
            lhs.method == rhs.method && lhs.segments == rhs.segments && lhs.operation == rhs.operation
        }
        public func hash(into hasher: inout Hasher) {
            hasher.combine(method)
            hasher.combine(operation)
        }
    }

    /// One segment of a REST path template, as the route matcher reads it.
    struct TemplatePart: Sendable {
        enum Kind: Sendable { case literal, label, greedyLabel }
        let kind: Kind
        /// A literal's bytes (empty for labels).
        let literal: [UInt8]
        /// A label's name (empty for literals).
        let name: String

        init(_ segment: PathSegment) {
            switch segment {
            case .literal(let text): (kind, literal, name) = (.literal, Array(text.utf8), "")
            case .label(let label): (kind, literal, name) = (.label, [], label)
            case .greedyLabel(let label): (kind, literal, name) = (.greedyLabel, [], label)
            }
        }
    }

    /// One segment of a REST path template.
    public enum PathSegment: Sendable, Hashable {
        /// A literal segment, matched exactly.
        case literal(String)
        /// `{Name}`: one segment.
        case label(String)
        /// `{Name+}`: one or more segments, slashes included.
        case greedyLabel(String)
    }

    /// A wire protocol an AWS service speaks.
    public enum WireProtocol: String, Sendable, Hashable, CaseIterable {
        case restJSON = "rest-json"
        case restXML = "rest-xml"
        case json
        case query
        case ec2
        case rpcV2CBOR = "smithy-rpc-v2-cbor"
    }

    /// One service model. Immutable and shared by reference.
    public final class Service: Sendable, Hashable {
        /// botocore's model name (`dynamodb`, `cloudwatch`, `s3control`).
        public let modelName: String
        /// The endpoint host prefix (`monitoring` for CloudWatch).
        public let endpointPrefix: String
        /// The SigV4 signing name (`ses` for the `email` host).
        public let signingName: String
        /// The IAM action prefix (`cloudwatch` for `monitoring`).
        public let iamPrefix: String
        /// The wire protocols the service accepts, preferred first.
        public let protocols: [WireProtocol]
        /// The JSON `X-Amz-Target` prefix and the RPC v2 CBOR service name.
        public let targetPrefix: String?
        /// Whether the service also accepts its old query protocol (SQS).
        public let awsQueryCompatible: Bool
        /// Every operation name.
        public let operations: Set<String>
        /// REST routes (REST services only).
        public let routes: [Route]
        /// ``routes`` by HTTP method, each method's indexed by first literal and query literal; a list,
        /// searched by comparing the method (cheaper than hashing it).
        let routeIndexes: [RouteIndex]
        /// The API version (query and EC2 requests carry it as `Version=`).
        public let apiVersion: String
        /// Operations served on a prefixed host, by prefix (`sync-`, `data.`, `{AccountId}.`).
        public let hostPrefixes: [String: Set<String>]
        /// By operation, the input members that name a resource of the service (the generator's `A`
        /// records: ARN-valued members from botocore's shapes, plus the curated ones such as `SecretId`,
        /// `TableName`, `QueueUrl`, S3's `Bucket` and `Key`), in botocore's member order. An operation
        /// without such members has no entry.
        package let resourceMembers: [String: [ResourceMember]]
        /// By operation, the input members that name an IAM role passed to the service (`I` records:
        /// using one needs `iam:PassRole` on it), such as Lambda `CreateFunction`'s `Role`.
        package let passedRoleMembers: [String: [ResourceMember]]
        /// By operation, the input members that name a KMS key the service will use (`K` records),
        /// such as S3's `x-amz-server-side-encryption-aws-kms-key-id` or Secrets Manager's `KmsKeyId`.
        package let kmsKeyMembers: [String: [ResourceMember]]

        init(
            modelName: String, endpointPrefix: String, signingName: String, iamPrefix: String,
            protocols: [WireProtocol],
            targetPrefix: String?, awsQueryCompatible: Bool, operations: Set<String>, routes: [Route],
            apiVersion: String,
            hostPrefixes: [String: Set<String>],
            resourceMembers: [String: [ResourceMember]] = [:],
            passedRoleMembers: [String: [ResourceMember]] = [:],
            kmsKeyMembers: [String: [ResourceMember]] = [:]
        ) {
            self.modelName = modelName
            self.endpointPrefix = endpointPrefix
            self.signingName = signingName
            self.iamPrefix = iamPrefix
            self.protocols = protocols
            self.targetPrefix = targetPrefix
            self.awsQueryCompatible = awsQueryCompatible
            self.operations = operations
            self.routes = routes
            self.routeIndexes = Dictionary(grouping: routes, by: \.method).sorted { $0.key < $1.key }.map {
                RouteIndex(method: $0.key, routes: $0.value)
            }
            self.apiVersion = apiVersion
            self.hostPrefixes = hostPrefixes
            self.resourceMembers = resourceMembers
            self.passedRoleMembers = passedRoleMembers
            self.kmsKeyMembers = kmsKeyMembers
        }

        public static func == (lhs: Service, rhs: Service) -> Bool { lhs.modelName == rhs.modelName }
        public func hash(into hasher: inout Hasher) { hasher.combine(modelName) }

        /// The routes of `method`, indexed; `nil` when it has none.
        func routes(for method: String) -> RouteIndex? {
            // Small strings equal in their raw bits compare in a few instructions.
            for index in routeIndexes where index.method == method { return index }
            return nil
        }

        /// Whether the service speaks `wireProtocol`.
        public func speaks(_ wireProtocol: WireProtocol) -> Bool { protocols.contains(wireProtocol) }
    }

    /// A top-level input member of an operation, as the request carries it: where, under which wire
    /// name, and whether it is a list of strings (each element naming one resource, role or key).
    package struct ResourceMember: Sendable, Hashable, CustomStringConvertible {
        /// Where the member travels.
        package enum Location: String, Sendable, Hashable, CaseIterable {
            /// The body: a top-level key of the JSON / CBOR object (json, rest-json, smithy-rpc-v2-cbor),
            /// a child of the XML root (rest-xml), or a form / query parameter (query, ec2).
            case body
            /// A REST path label (`{FunctionName}`, greedy `{Key+}`); ``ResourceMember/name`` is the label.
            case uri
            /// A REST query parameter (a list repeats it).
            case querystring
            /// A REST header, lower case (a list is comma-separated).
            case header
        }

        /// Where the member travels.
        package let location: Location
        /// The wire name: the JSON key, form parameter, path label, query parameter or lower-case header.
        /// For a list in the query / ec2 protocols, the parameter prefix of its elements, which are
        /// `name.1`, `name.2`, … (`TargetGroupARNs.member` for `TargetGroupARNs.member.1`).
        package let name: String
        /// Whether the member is a list of strings rather than a string.
        package let isList: Bool

        package init(location: Location, name: String, isList: Bool = false) {
            self.location = location
            self.name = name
            self.isList = isList
        }

        /// The record form, `location:name` or `location:name[]`.
        package var description: String { "\(location.rawValue):\(name)\(isList ? "[]" : "")" }
    }

    /// An endpoint hostname that does not follow the partition's template.
    public struct ExplicitHost: Sendable, Hashable {
        /// The endpoint prefix of the service the host belongs to.
        public let endpointPrefix: String
        /// The region signatures for this host are scoped to, when fixed.
        public let region: String?
        /// The partition id.
        public let partition: String
        /// The signing name that endpoint overrides the service's with, if any.
        public let signingName: String?
        /// Whether the host is a FIPS endpoint.
        public let fips: Bool
        /// Whether the host is a dual-stack endpoint.
        public let dualStack: Bool
    }

    /// The partitions, in botocore's order.
    public let partitions: [Partition]
    /// Services by model name.
    public let services: [String: Service]
    /// Services by endpoint prefix (several models can share one, such as `ses` and `sesv2`).
    public let servicesByEndpointPrefix: [String: [Service]]
    /// Explicit hostnames.
    public let explicitHosts: [String: [ExplicitHost]]
    /// The botocore version the model was generated from.
    public let botocoreVersion: String
    /// Literal operation host prefixes and the endpoint prefix they go in front of (`sync-` + `states`).
    let literalHostPrefixes: [(hostPrefix: String, endpointPrefix: String)]
    /// Endpoint prefixes with an operation whose host starts with a templated label (`{AccountId}.`).
    let templatedHostPrefixes: [String: String]
    /// Host labels from the endpoint rule sets and the model names that use them (`aos` → es, opensearch).
    let ruleSetHostLabels: [String: [String]]

    /// The partition with id `id`.
    public func partition(id: some StringProtocol) -> Partition? {
        partitions.first { $0.id == id }
    }
}

/// A tiny matcher for botocore's region regular expressions, which all have the form
/// `^PREFIX\-\w+\-\d+$` where PREFIX is a literal (`cn`, `us\-gov`) that may hold one group of
/// alternatives (`(us|eu|ap)`, `eusc\-(de)`): a known prefix, a dash, a word, a dash, digits.
/// Matching needs no regex engine.
struct RegionPattern: Sendable, Hashable {
    let prefixes: [String]

    init(_ expression: String) {
        let suffix = "\\-\\w+\\-\\d+$"
        guard expression.hasPrefix("^"), expression.hasSuffix(suffix) else {
            self.prefixes = []
            return
        }
        let body = String(expression.dropFirst().dropLast(suffix.count)).replacingOccurrences(of: "\\-", with: "-")
        if let open = body.firstIndex(of: "("), let close = body.firstIndex(of: ")"), open < close {
            let head = body[..<open]
            let tail = body[body.index(after: close)...]
            self.prefixes = body[body.index(after: open)..<close].split(separator: "|").map { "\(head)\($0)\(tail)" }
        } else {
            self.prefixes = [body]
        }
    }

    func matches(_ name: some StringProtocol) -> Bool {
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, let last = parts.last, !last.isEmpty, last.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { return false }
        let middle = parts[parts.count - 2]
        guard !middle.isEmpty,
            middle.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F })
        else { return false }
        let prefix = parts[0..<(parts.count - 2)].joined(separator: "-")
        return prefixes.contains(prefix)
    }
}
