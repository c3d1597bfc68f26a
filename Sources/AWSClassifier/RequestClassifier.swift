internal import Foundation
public import SigV4

/// Classifies requests: endpoint, service, region, operation, IAM action, resource, problems.
///
/// ```swift
/// let classifier = RequestClassifier(model: try AWSModel.bundled())
/// let result = classifier.classify(request, body: body, credential: credential, accountID: account)
/// if let problem = result.problem { … deny, saying problem.message … }
/// ```
///
/// The credential scope is trusted for service and region (it is signed); the host is used to
/// classify and to cross-check it, so a credential for one service or region cannot be used to make a
/// request look like another.
public struct RequestClassifier: Sendable {
    /// The model the classifier reads.
    public let model: AWSModel
    let hosts: HostClassifier
    /// The services the S3, S3 Control and API Gateway connection endpoints imply, looked up once.
    let s3Service: AWSModel.Service?
    let s3ControlService: AWSModel.Service?
    let connectionsService: AWSModel.Service?

    /// Creates a classifier over a model.
    public init(model: AWSModel) {
        self.model = model
        self.hosts = HostClassifier(model: model)
        self.s3Service = model.services["s3"]
        self.s3ControlService = model.services["s3control"]
        self.connectionsService = model.services["apigatewaymanagementapi"]
    }

    /// Classifies one request.
    ///
    /// - Parameters:
    ///   - request: The request as on the wire.
    ///   - body: The complete body, or `nil` when it is not available.
    ///   - credential: The parsed SigV4 credential, or `nil` for anonymous requests.
    ///   - accountID: The signing account, used to complete ARNs of resources named without one.
    ///   - knownHeaderNames: When the proxy passes only some headers (Squid), their lower-cased names:
    ///     another header is unknown rather than absent. `nil` when every header is present.
    public func classify(
        _ request: SigV4Request, body: [UInt8]?, credential: SigV4Credential?, accountID: AWSAccountID?,
        knownHeaderNames: Set<String>? = nil
    ) -> Classification {
        var result = Classification()
        let hostValue = request.headerValue("host")
        guard hostValue.count <= 1 else {
            result.problem = .conflict("the request has more than one Host header")
            return result
        }
        guard let host = hostValue.first else {
            result.problem = .unknownEndpoint("the request has no Host header")
            return result
        }
        guard let endpoint = hosts.classify(host: host) else {
            result.problem = .unknownEndpoint("\(host) is not an AWS API endpoint")
            return result
        }
        result.endpoint = endpoint
        var wire = WireRequest(request, body: body, knownHeaderNames: knownHeaderNames)

        // API Gateway's connection management API is addressed under the stage: /{stage}/@connections/…
        if endpoint.kind == .apiGateway, let range = request.rawPath.range(of: "/@connections/") {
            var stripped = request
            stripped.rawPath = String(request.rawPath[range.lowerBound...])
            wire = WireRequest(stripped, body: body, knownHeaderNames: knownHeaderNames)
        }

        // The services this host can be, with the signing name and IAM prefix each implies.
        var candidates = candidates(for: endpoint, wire: wire)
        guard !candidates.isEmpty else {
            result.problem = .unknownEndpoint("\(endpoint.host) has no known service")
            return result
        }

        // Cross-check the credential scope against the host.
        var region = endpoint.region
        if let credential {
            let scopeService = String(credential.scope.service)
            // Filtered only when some candidate differs (a new array otherwise for nothing).
            let matching =
                candidates.allSatisfy { $0.signingName == scopeService }
                ? candidates : candidates.filter { $0.signingName == scopeService }
            guard !matching.isEmpty else {
                let expected = Set(candidates.map(\.signingName)).sorted().joined(separator: " or ")
                result.problem = .scopeMismatch(
                    "the credential is scoped to the service \(scopeService) but \(endpoint.host) expects \(expected)")
                return result
            }
            candidates = matching
            switch credential.algorithm {
            case .hmacSHA256:
                let scopeRegion = String(credential.scope.region)
                if endpoint.kind == .s3MultiRegionAccessPoint {
                    result.problem = .scopeMismatch(
                        "a Multi-Region Access Point requires SigV4a, not a SigV4 credential for \(scopeRegion)")
                    return result
                }
                if endpoint.anyRegion {
                    guard endpoint.partition.isRegion(scopeRegion) else {
                        result.problem = .scopeMismatch(
                            "the credential is scoped to \(scopeRegion), which is not a region of \(endpoint.partition.id)"
                        )
                        return result
                    }
                } else if let hostRegion = endpoint.region, hostRegion != scopeRegion {
                    result.problem = .scopeMismatch(
                        "the credential is scoped to \(scopeRegion) but \(endpoint.host) is in \(hostRegion)")
                    return result
                }
                region = scopeRegion
            case .ecdsaP256SHA256:
                if let hostRegion = endpoint.region, !endpoint.anyRegion,
                    !credential.regionSet.contains(where: { Self.regionPattern($0, matches: hostRegion) })
                {
                    result.problem = .scopeMismatch(
                        "the SigV4a region set \(credential.regionSet.joined(separator: ",")) does not include \(hostRegion)"
                    )
                    return result
                }
                if endpoint.anyRegion { region = nil }
            }
        }
        result.region = region
        result.signingName = credential.map { String($0.scope.service) } ?? candidates[0].signingName

        // Find the operation through each candidate service. The first match is kept; later ones only
        // matter when their action differs (no array of matches).
        var match: Match?
        var otherActions: [String] = []
        func record(_ found: Match) {
            guard let first = match else {
                match = found
                return
            }
            if found.action != first.action { otherActions.append(found.action) }
        }
        var unknownReason: String?
        for index in candidates.indices {
            if let fixed = candidates[index].fixedAction {
                record(
                    Match(
                        candidate: index, operation: fixed.operation, via: .restJSON, labels: .none,
                        action: fixed.action))
                continue
            }
            guard let service = candidates[index].service else { continue }
            let iamPrefix = candidates[index].iamPrefix
            let resolver = OperationResolver(
                service: service, wire: wire, hostBucket: candidates[index].hostBucket,
                hostPrefix: endpoint.hostPrefix)
            func action(_ operation: String) -> String {
                IAMActionMapper.action(
                    service: service, operation: operation, method: wire.method, iamPrefix: iamPrefix,
                    hasVersionID: wire.hasQuery("versionId"))
            }
            switch resolver.resolve() {
            case .found(let operation, let via, let labels):
                record(
                    Match(candidate: index, operation: operation, via: via, labels: labels, action: action(operation)))
            case .ambiguous(let operations, let via, let labels):
                guard let operation = Self.breakTie(operations, endpoint: endpoint, action: action) else {
                    result.problem = .conflict(
                        "the request matches several operations: \(operations.joined(separator: ", "))")
                    return result
                }
                record(
                    Match(candidate: index, operation: operation, via: via, labels: labels, action: action(operation)))
            case .conflict(let message):
                result.problem = .conflict(message)
                result.action = .unknown(reason: message)
                return result
            case .needsBody(let reason):
                unknownReason = unknownReason ?? reason
            case .notFound(let reason):
                unknownReason = unknownReason ?? reason
            }
        }
        if let first = match?.action, !otherActions.isEmpty {
            let actions = Set([first] + otherActions)
            result.problem = .conflict(
                "the request reads as several actions: \(actions.sorted().joined(separator: ", "))")
            result.action = .unknown(reason: "conflicting actions")
            return result
        }
        guard let match else {
            result.serviceModel = candidates.first?.service?.modelName
            result.iamPrefix = candidates.first?.iamPrefix
            result.action = .unknown(reason: unknownReason ?? "no operation matches the request")
            return result
        }
        result.serviceModel = candidates[match.candidate].service?.modelName
        result.iamPrefix = candidates[match.candidate].iamPrefix
        result.operation = match.operation
        result.wireProtocol = match.via
        if let fixed = candidates[match.candidate].fixedAction {
            // API Gateway invocations, Lambda function URLs and OpenSearch data planes: nothing in the
            // request names the owner, and the endpoint may not check signatures (API Gateway, function
            // URLs) or may be anyone's (OpenSearch), so the signer's account says nothing.
            result.authorizations = [
                Classification.Authorization(action: .known(match.action), resource: fixed.resource?(endpoint, region))
            ]
            result.ownerUnverifiable = true
        } else if let service = candidates[match.candidate].service {
            let derived = AuthorizationDeriver(
                endpoint: endpoint, region: region, accountID: accountID?.description, wire: wire, service: service,
                operation: match.operation, labels: match.labels, wireProtocol: match.via, action: match.action
            ).derive()
            if let problem = derived.problem {
                result.problem = problem
                result.action = .unknown(reason: problem.message)
                return result
            }
            result.authorizations = derived.authorizations
            result.resourceAccount = derived.resourceAccount
            result.addressesS3Bucket = derived.addressesS3Bucket
        }
        return result
    }

    /// An operation found through a candidate (a struct, not a tuple: a tuple with ``RouteLabels`` in
    /// it is copied by the runtime's generic tuple copy).
    struct Match {
        let candidate: Int
        let operation: String
        let via: AWSModel.WireProtocol
        let labels: RouteLabels
        let action: String
    }

    // MARK: - Candidates

    struct Candidate {
        var service: AWSModel.Service?
        var signingName: String
        var iamPrefix: String
        var hostBucket: String?
        /// For endpoints whose action does not come from a service model (API Gateway invocations,
        /// Lambda function URLs).
        var fixedAction: FixedAction?
    }

    /// The action of an endpoint without a service model; a class, so a candidate copies as one retain.
    final class FixedAction {
        let operation: String
        let action: String
        let resource: (@Sendable (Endpoint, String?) -> String?)?

        init(_ operation: String, _ action: String, _ resource: (@Sendable (Endpoint, String?) -> String?)?) {
            self.operation = operation
            self.action = action
            self.resource = resource
        }
    }

    private func candidates(for endpoint: Endpoint, wire: WireRequest) -> [Candidate] {
        func s3(signingName: String, iamPrefix: String, bucket: String?) -> [Candidate] {
            guard let service = s3Service else { return [] }
            return [Candidate(service: service, signingName: signingName, iamPrefix: iamPrefix, hostBucket: bucket)]
        }
        switch endpoint.kind {
        case .s3PathStyle: return s3(signingName: "s3", iamPrefix: "s3", bucket: nil)
        case .s3VirtualHosted, .s3MultiRegionAccessPoint:
            return s3(signingName: "s3", iamPrefix: "s3", bucket: endpoint.bucket)
        case .s3AccessPoint: return s3(signingName: "s3", iamPrefix: "s3", bucket: endpoint.accessPointName)
        case .s3ObjectLambda:
            return s3(signingName: "s3-object-lambda", iamPrefix: "s3-object-lambda", bucket: endpoint.accessPointName)
        case .s3Outposts:
            return s3(signingName: "s3-outposts", iamPrefix: "s3-outposts", bucket: endpoint.accessPointName)
        case .s3Express: return s3(signingName: "s3express", iamPrefix: "s3express", bucket: endpoint.bucket)
        case .s3Control:
            guard let service = s3ControlService else { return [] }
            return [Candidate(service: service, signingName: "s3", iamPrefix: "s3")]
        case .apiGateway:
            if wire.rawPath.contains("/@connections/"), let service = connectionsService {
                // The management API's routes start at /@connections; the stage comes before it.
                return [Candidate(service: service, signingName: "execute-api", iamPrefix: "execute-api")]
            }
            let method = wire.method
            let path = wire.rawPath
            return [
                Candidate(
                    service: nil, signingName: "execute-api", iamPrefix: "execute-api",
                    fixedAction: FixedAction(
                        "Invoke", "execute-api:Invoke",
                        { endpoint, region in
                            // The API's owner is not in the request: the account field stays empty.
                            guard let region, let id = endpoint.resourceID else { return nil }
                            let parts = path.dropFirst().split(separator: "/", maxSplits: 1)
                            return
                                "arn:\(endpoint.partition.id):execute-api:\(region)::\(id)/\(parts.first ?? "")/\(method)/\(parts.dropFirst().first ?? "")"
                        }
                    ))
            ]
        case .openSearchDomain:
            // The data plane's IAM actions are es:ESHttp{Method} on the domain's ARN and the path.
            let verb: String
            switch wire.method {
            case "GET": verb = "Get"
            case "POST": verb = "Post"
            case "PUT": verb = "Put"
            case "DELETE": verb = "Delete"
            case "HEAD": verb = "Head"
            case "PATCH": verb = "Patch"
            default: return []
            }
            let path = wire.rawPath
            return [
                Candidate(
                    service: nil, signingName: "es", iamPrefix: "es",
                    fixedAction: FixedAction(
                        "ESHttp\(verb)", "es:ESHttp\(verb)",
                        { endpoint, region in
                            // search-{domain}-{id}: the domain is what lies between the prefix and the id.
                            // The owner is not in the request: the account field stays empty.
                            guard let region, let label = endpoint.resourceID,
                                let start = label.firstIndex(of: "-"), let end = label.lastIndex(of: "-"), start < end
                            else { return nil }
                            let domain = label[label.index(after: start)..<end]
                            return "arn:\(endpoint.partition.id):es:\(region)::domain/\(domain)\(path)"
                        }
                    ))
            ]
        case .openSearchServerless:
            return [
                Candidate(
                    service: nil, signingName: "aoss", iamPrefix: "aoss",
                    fixedAction: FixedAction(
                        "APIAccessAll", "aoss:APIAccessAll",
                        { endpoint, region in
                            guard let region, let id = endpoint.resourceID else { return nil }
                            return "arn:\(endpoint.partition.id):aoss:\(region)::collection/\(id)"
                        }
                    ))
            ]
        case .lambdaFunctionURL:
            return [
                Candidate(
                    service: nil, signingName: "lambda", iamPrefix: "lambda",
                    fixedAction: FixedAction("InvokeFunctionUrl", "lambda:InvokeFunctionUrl", nil))
            ]
        case .regional, .global:
            var result: [Candidate] = []
            for prefix in endpoint.endpointPrefixes {
                for service in model.servicesByEndpointPrefix[prefix] ?? [] {
                    result.append(
                        Candidate(
                            service: service, signingName: endpoint.signingName ?? service.signingName,
                            iamPrefix: service.iamPrefix))
                }
            }
            return result
        }
    }

    /// Breaks a tie between REST operations with identical routes: the same permission means the same
    /// request (S3's old and new lifecycle/notification names), and S3's `GET /` is ListBuckets except on
    /// an S3 Express endpoint (ListDirectoryBuckets).
    static func breakTie(_ operations: [String], endpoint: Endpoint, action: (String) -> String) -> String? {
        if Set(operations) == ["ListBuckets", "ListDirectoryBuckets"] {
            return endpoint.kind == .s3Express ? "ListDirectoryBuckets" : "ListBuckets"
        }
        let actions = Set(operations.map(action))
        return actions.count == 1 ? operations.max() : nil
    }

    /// SigV4a region-set patterns: `*`, a prefix ending in `*`, or an exact region.
    static func regionPattern(_ pattern: Substring, matches region: String) -> Bool {
        if pattern == "*" { return true }
        if pattern.hasSuffix("*") { return region.hasPrefix(pattern.dropLast()) }
        return pattern == region
    }
}
