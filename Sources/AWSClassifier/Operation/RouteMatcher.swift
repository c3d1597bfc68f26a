/// Matches a request against a REST service's route table.
///
/// A route matches when the method is equal, every template segment matches (literal = equal after
/// percent-decoding, `{label}` = one non-empty segment, `{label+}` = one or more segments), every
/// query literal of the request URI is present (with its value when it has one), and every required
/// query member and header is present. Among matches, the most specific wins: more required query
/// literals, members and headers first (so `PUT /{Bucket}/{Key+}` with `x-amz-copy-source` is
/// CopyObject, and with `partNumber`+`uploadId` is UploadPart), then segment by segment literal over
/// `{label}` over `{label+}`. Two different operations equally specific are ambiguous, never guessed.
struct RouteMatcher {
    let routes: [AWSModel.Route]

    enum Result {
        case matched(AWSModel.Route, labels: [String: String])
        case ambiguous([String], labels: [String: String])
        case xIDMismatch(String, String)
        case none
    }

    func match(_ wire: WireRequest, hostBucket: String?) -> Result {
        var path = Substring(wire.rawPath.isEmpty ? "/" : wire.rawPath)
        var owned = ""
        if let hostBucket {
            owned = "/" + hostBucket + (path == "/" ? "" : String(path))
            path = Substring(owned)
        }
        var segments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        if segments == [""] { segments = [] }
        let decoded = segments.map(FormDecoding.decodePathSegment)

        var best: (score: [Int], route: AWSModel.Route)?
        var tied: Set<String> = []
        for route in routes where route.method == wire.method {
            guard Self.pathMatches(route.segments, decoded) else { continue }
            guard
                route.literalQuery.allSatisfy({ literal in
                    wire.query.contains {
                        $0.name == literal.name && (literal.value == nil || literal.value == $0.value)
                    }
                })
            else { continue }
            guard route.requiredQuery.allSatisfy(wire.hasQuery) else { continue }
            guard route.requiredHeaders.allSatisfy({ !wire.header($0).isEmpty }) else { continue }
            let score =
                [route.literalQuery.count + route.requiredQuery.count + route.requiredHeaders.count]
                + route.segments.map { segment -> Int in
                    switch segment {
                    case .literal: 3
                    case .label: 2
                    case .greedyLabel: 1
                    }
                }
            if let current = best {
                if score.lexicographicallyPrecedes(current.score) { continue }
                if score == current.score {
                    if route.operation != current.route.operation { tied.insert(route.operation) }
                    continue
                }
            }
            best = (score, route)
            tied = []
        }
        guard let best, let labels = Self.matchPath(best.route.segments, decoded) else { return .none }
        if !tied.isEmpty { return .ambiguous(([best.route.operation] + tied).sorted(), labels: labels) }
        if let xID = wire.queryValues("x-id").first, xID != best.route.operation {
            return .xIDMismatch(xID, best.route.operation)
        }
        return .matched(best.route, labels: labels)
    }

    /// Whether the path fits the template, without building the label values.
    static func pathMatches(_ template: [AWSModel.PathSegment], _ path: [String]) -> Bool {
        var greedy = false
        var literalsMatch = true
        for (index, segment) in template.enumerated() {
            switch segment {
            case .greedyLabel: greedy = true
            case .literal(let literal):
                // Literals before any greedy label sit at the same index in the path.
                if !greedy, index < path.count, path[index] != literal { literalsMatch = false }
            case .label: break
            }
        }
        guard literalsMatch else { return false }
        let countFits =
            greedy ? path.count >= template.count : (path.count == template.count || path.count == template.count + 1)
        return countFits && matchPath(template, path) != nil
    }

    /// Matches template segments against decoded path segments; returns the label values.
    static func matchPath(_ template: [AWSModel.PathSegment], _ path: [String]) -> [String: String]? {
        var labels: [String: String] = [:]
        var path = path[...]
        // A single trailing empty segment ("/bucket/") is the same resource as without it.
        if path.count == template.count + 1, path.last == "",
            !template.contains(where: {
                if case .greedyLabel = $0 { return true } else { return false }
            })
        {
            path = path.dropLast()
        }
        var index = template.startIndex
        while index < template.endIndex {
            switch template[index] {
            case .literal(let literal):
                guard let segment = path.first, segment == literal else { return nil }
                path = path.dropFirst()
            case .label(let name):
                guard let segment = path.first, !segment.isEmpty else { return nil }
                labels[name] = segment
                path = path.dropFirst()
            case .greedyLabel(let name):
                let remainingTemplate = template.count - index - 1
                let take = path.count - remainingTemplate
                guard take >= 1 else { return nil }
                let value = path.prefix(take).joined(separator: "/")
                guard !value.isEmpty else { return nil }
                labels[name] = value
                path = path.dropFirst(take)
            }
            index += 1
        }
        return path.isEmpty ? labels : nil
    }
}
