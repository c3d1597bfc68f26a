/// How an operation was (or was not) found.
enum OperationMatch: Equatable {
    /// One operation, found through one or more agreeing signals.
    case found(String, AWSModel.WireProtocol, routeLabels: [String: String])
    /// The operation depends on a body that is not available (query protocol, nginx mode).
    case needsBody(String)
    /// No signal named an operation of this service.
    case notFound(String)
    /// Several REST operations match equally well (the caller breaks the tie or refuses).
    case ambiguous([String], AWSModel.WireProtocol, routeLabels: [String: String])
    /// Signals disagree or are not allowed for this service.
    case conflict(String)
}

/// Finds the operation of a request by the wire forms its service speaks.
struct OperationResolver {
    let service: AWSModel.Service
    let wire: WireRequest
    /// S3 virtual-hosted / access point requests: the bucket the host names, put back in front of the
    /// path before matching the model's `/{Bucket}/…` templates.
    let hostBucket: String?
    /// The operation host prefix of the host, if any: only its operations are possible.
    let hostPrefix: String?

    func resolve() -> OperationMatch {
        let match = resolveIgnoringHostPrefix()
        guard let hostPrefix else { return match }
        let served = service.hostPrefixes[hostPrefix] ?? []
        switch match {
        case .found(let operation, _, _) where !served.contains(operation):
            return .conflict("\(operation) is not served on a \(hostPrefix) host")
        case .ambiguous(let operations, let via, let labels):
            let possible = operations.filter(served.contains)
            if possible.count == 1, let operation = possible.first {
                return .found(operation, via, routeLabels: labels)
            }
            return possible.isEmpty ? .conflict("no operation of the request is served on a \(hostPrefix) host") : match
        default:
            return match
        }
    }

    private func resolveIgnoringHostPrefix() -> OperationMatch {
        var found: [(operation: String, via: AWSModel.WireProtocol, labels: [String: String])] = []
        var needsBody: String?

        // JSON: X-Amz-Target: <targetPrefix>.<Operation>
        let targets = wire.header("x-amz-target")
        if targets.count > 1 { return .conflict("the request has more than one X-Amz-Target header") }
        if let target = targets.first {
            guard service.speaks(.json), let prefix = service.targetPrefix else {
                return .conflict("X-Amz-Target is set but \(service.modelName) does not use it")
            }
            let value = target.trimmingASCIIWhitespace()
            guard let dot = value.lastIndex(of: "."), value[..<dot] == prefix else {
                return .conflict("X-Amz-Target \(value) does not name a \(service.modelName) operation")
            }
            let operation = String(value[value.index(after: dot)...])
            guard service.operations.contains(operation) else {
                return .conflict("X-Amz-Target \(value) does not name a \(service.modelName) operation")
            }
            found.append((operation, .json, [:]))
        }

        // Query / EC2: Action= in the URL and/or the form body.
        if service.speaks(.query) || service.speaks(.ec2) || service.awsQueryCompatible {
            let urlActions = wire.queryValues("Action")
            if urlActions.count > 1 { return .conflict("the query repeats Action") }
            var bodyActions: [String] = []
            var bodyVersions: [String] = []
            let isForm = wire.contentType == "application/x-www-form-urlencoded"
            if isForm || (wire.method == "POST" && targets.isEmpty && wire.declaresBody && wire.contentType == nil) {
                if let body = wire.body {
                    let form = FormDecoding.pairs(String(decoding: body, as: UTF8.self))
                    bodyActions = form.filter { $0.name == "Action" }.map(\.value)
                    bodyVersions = form.filter { $0.name == "Version" }.map(\.value)
                    if bodyActions.count > 1 { return .conflict("the form body repeats Action") }
                } else if wire.declaresBody {
                    needsBody = "the \(service.modelName) action is in the form body, which is not available"
                }
            }
            if let url = urlActions.first, let body = bodyActions.first, url != body {
                return .conflict("the URL says Action=\(url) but the body says Action=\(body)")
            }
            // Version= tells apart models that share an endpoint (elb and elbv2).
            let versions = wire.queryValues("Version") + bodyVersions
            if !urlActions.isEmpty || !bodyActions.isEmpty, let version = versions.first, version != service.apiVersion
            {
                return .notFound("Version=\(version) is not the API version of \(service.modelName)")
            }
            if let action = bodyActions.first ?? urlActions.first {
                guard service.operations.contains(action) else {
                    return .conflict("Action=\(action) is not a \(service.modelName) operation")
                }
                found.append((action, service.speaks(.ec2) ? .ec2 : .query, [:]))
                if needsBody != nil, bodyActions.isEmpty {
                    // The URL names an action but the unseen body could name another.
                    return .needsBody(
                        "the \(service.modelName) form body, which could name another Action, is not available")
                }
            }
        }

        // RPC v2 CBOR: POST /service/<ServiceName>/operation/<Operation>
        if service.speaks(.rpcV2CBOR), let name = service.targetPrefix {
            let segments = wire.rawPath.split(separator: "/", omittingEmptySubsequences: false)
            if segments.count == 5, segments[0].isEmpty, segments[1] == "service", segments[3] == "operation" {
                guard segments[2] == name, service.operations.contains(String(segments[4])) else {
                    return .conflict("the RPC v2 path does not name a \(service.modelName) operation")
                }
                found.append((String(segments[4]), .rpcV2CBOR, [:]))
            }
        }

        // REST: the route table.
        if service.speaks(.restJSON) || service.speaks(.restXML), found.isEmpty {
            switch RouteMatcher(routes: service.routesByMethod[wire.method] ?? []).match(wire, hostBucket: hostBucket) {
            case .matched(let route, let labels):
                found.append((route.operation, service.speaks(.restXML) ? .restXML : .restJSON, labels))
            case .ambiguous(let operations, let labels):
                return .ambiguous(operations, service.speaks(.restXML) ? .restXML : .restJSON, routeLabels: labels)
            case .xIDMismatch(let xID, let operation):
                return .conflict("x-id=\(xID) names another operation than the request's \(operation)")
            case .none:
                break
            }
        }

        let operations = Set(found.map(\.operation))
        if operations.count > 1 {
            return .conflict("the request names several operations: \(operations.sorted().joined(separator: ", "))")
        }
        if let first = found.first { return .found(first.operation, first.via, routeLabels: first.labels) }
        if let needsBody { return .needsBody(needsBody) }
        return .notFound("no \(service.modelName) operation matches the request")
    }
}
