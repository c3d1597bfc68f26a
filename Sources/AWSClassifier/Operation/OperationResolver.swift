/// How an operation was (or was not) found.
enum OperationMatch {
    /// One operation, found through one or more agreeing signals.
    case found(String, AWSModel.WireProtocol, routeLabels: RouteLabels)
    /// The operation depends on a body that is not available (query protocol, nginx mode).
    case needsBody(String)
    /// No signal named an operation of this service.
    case notFound(String)
    /// Several REST operations match equally well (the caller breaks the tie or refuses).
    case ambiguous([String], AWSModel.WireProtocol, routeLabels: RouteLabels)
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
        var found: [(operation: String, via: AWSModel.WireProtocol, labels: RouteLabels)] = []
        var needsBody: String?

        // Which parameters the request carries, wherever the service might read them.
        let form: [(name: String, value: String)]?
        if let body = wire.readableBody, wire.contentType == "application/x-www-form-urlencoded" {
            form = FormDecoding.pairs(String(decoding: body, as: UTF8.self))
        } else {
            form = nil
        }
        // `Operation=` is another name for the operation in some readers; a case variant of `Action`
        // may be read as it.
        for pair in wire.query + (form ?? []) {
            let folded = pair.name.asciiLowercased()
            if folded == "operation" || (folded == "action" && pair.name != "Action") {
                return .conflict("the request names its operation as \(pair.name)=, which AWS may read differently")
            }
        }

        // JSON: X-Amz-Target: <targetPrefix>.<Operation>
        let targets = wire.headerValue("x-amz-target")
        if targets.count > 1 { return .conflict("the request has more than one X-Amz-Target header") }
        if let target = targets.first {
            guard service.speaks(.json), let prefix = service.targetPrefix else {
                return .conflict("X-Amz-Target is set but \(service.modelName) does not use it")
            }
            // A JSON call in a form body, or beside Action=, is two requests in one.
            if wire.contentType == "application/x-www-form-urlencoded" {
                return .conflict("X-Amz-Target is set on a form-encoded body")
            }
            if wire.query.contains(where: { $0.name == "Action" }) {
                return .conflict("X-Amz-Target is set beside Action= in the URL")
            }
            let value = target.trimmingASCIIWhitespace()
            guard let dot = value.lastIndex(of: "."), value[..<dot] == prefix else {
                return .conflict("X-Amz-Target \(value) does not name a \(service.modelName) operation")
            }
            let operation = String(value[value.index(after: dot)...])
            guard service.operations.contains(operation) else {
                return .conflict("X-Amz-Target \(value) does not name a \(service.modelName) operation")
            }
            found.append((operation, .json, .none))
        }

        // Query / EC2: Action= in the URL and/or the form body. The URL's Action is trusted only when
        // the whole body was seen and agrees: an unseen body could name another (never infer "no body"
        // from a missing Content-Length).
        if (service.speaks(.query) || service.speaks(.ec2) || service.awsQueryCompatible), targets.count == 0 {
            let urlActions = wire.queryValues("Action")
            if urlActions.count > 1 { return .conflict("the query repeats Action") }
            var bodyActions: [String] = []
            var bodyVersions: [String] = []
            if let form {
                bodyActions = form.filter { $0.name == "Action" }.map(\.value)
                bodyVersions = form.filter { $0.name == "Version" }.map(\.value)
                if bodyActions.count > 1 { return .conflict("the form body repeats Action") }
            } else if let body = wire.readableBody, !body.isEmpty {
                if wire.contentType == nil {
                    needsBody = "the \(service.modelName) body has no content type, so its Action cannot be read"
                }
            } else if wire.readableBody == nil {
                needsBody = "the \(service.modelName) action may be in the body, which was not seen whole"
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
                if let needsBody, bodyActions.isEmpty {
                    // The URL names an action but the unseen body could name another.
                    return .needsBody(needsBody)
                }
                found.append((action, service.speaks(.ec2) ? .ec2 : .query, .none))
            }
        }

        // RPC v2 CBOR: POST /service/<ServiceName>/operation/<Operation>
        if service.speaks(.rpcV2CBOR), let name = service.targetPrefix {
            let segments = wire.rawPath.split(separator: "/", omittingEmptySubsequences: false)
            if segments.count == 5, segments[0].isEmpty, segments[1] == "service", segments[3] == "operation" {
                guard segments[2] == name, service.operations.contains(String(segments[4])) else {
                    return .conflict("the RPC v2 path does not name a \(service.modelName) operation")
                }
                found.append((String(segments[4]), .rpcV2CBOR, .none))
            }
        }

        // REST: the route table.
        if service.speaks(.restJSON) || service.speaks(.restXML), found.isEmpty {
            switch RouteMatcher(routes: service.routes(for: wire.method)).match(
                wire, hostBucket: hostBucket)
            {
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

        // A set only when the signals disagree.
        if let first = found.first, found.contains(where: { $0.operation != first.operation }) {
            let operations = Set(found.map(\.operation))
            return .conflict("the request names several operations: \(operations.sorted().joined(separator: ", "))")
        }
        if let first = found.first { return .found(first.operation, first.via, routeLabels: first.labels) }
        if let needsBody { return .needsBody(needsBody) }
        return .notFound("no \(service.modelName) operation matches the request")
    }
}
