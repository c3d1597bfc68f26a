@testable import AWSClassifier
@testable import SigV4

/// Matches a request against a REST service's route table.
///
/// A route matches when the method is equal, every template segment matches (literal = equal after
/// percent-decoding, `{label}` = one non-empty segment, `{label+}` = one or more segments), every
/// query literal of the request URI is present (with its value when it has one), and every required
/// query member and header is present. Among matches, the most specific wins: more required query
/// literals, members and headers first (so `PUT /{Bucket}/{Key+}` with `x-amz-copy-source` is
/// CopyObject, and with `partNumber`+`uploadId` is UploadPart), then segment by segment literal over
/// `{label}` over `{label+}`. Two different operations equally specific are ambiguous, never guessed.
struct LegacyRouteMatcher {
    /// The routes to consider (the service's routes for the request's method).
    let routes: [AWSModel.Route]

    enum Result {
        case matched(AWSModel.Route, labels: [String: String])
        case ambiguous([String], labels: [String: String])
        case xIDMismatch(String, String)
        case none
    }

    func match(_ wire: LegacyWireRequest, hostBucket: String?) -> Result {
        var path = Substring(wire.rawPath.isEmpty ? "/" : wire.rawPath)
        var owned = ""
        if let hostBucket {
            owned = "/" + hostBucket + (path == "/" ? "" : String(path))
            path = Substring(owned)
        }
        // Fixed in the differential check: the path is split on the byte `/` after its first byte, as
        // S3 does; the original dropped the first Character and split on Characters, so a `/` followed
        // by a combining mark did not split, and a non-ASCII first character was dropped whole.
        var segments = Array(path.utf8.dropFirst()).split(
            separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        if segments.count == 1, segments[0].isEmpty { segments = [] }
        let decoded = segments.map {
            String(decoding: PercentDecoding.decode(keepingBadEscapes: $0, plusAsSpace: false), as: UTF8.self)
        }

        var best: AWSModel.Route?
        var tied: Set<String> = []
        // Cheapest tests first: query and headers need no allocation; the path test comes last.
        for route in routes where route.method == wire.method {
            guard
                route.literalQuery.allSatisfy({ literal in
                    wire.query.contains {
                        $0.name == literal.name && (literal.value == nil || literal.value == $0.value)
                    }
                })
            else { continue }
            guard route.requiredQuery.allSatisfy(wire.hasQuery) else { continue }
            guard route.requiredHeaders.allSatisfy({ !wire.header($0).isEmpty }) else { continue }
            guard Self.pathMatches(route, decoded) else { continue }
            if let current = best {
                if route.specificity.lexicographicallyPrecedes(current.specificity) { continue }
                if route.specificity == current.specificity {
                    if route.operation != current.operation { tied.insert(route.operation) }
                    continue
                }
            }
            best = route
            tied = []
        }
        guard let best, let labels = Self.matchPath(best, decoded) else { return .none }
        if !tied.isEmpty { return .ambiguous(([best.operation] + tied).sorted(), labels: labels) }
        if let xID = wire.queryValues("x-id").first, xID != best.operation {
            return .xIDMismatch(xID, best.operation)
        }
        return .matched(best, labels: labels)
    }

    /// Whether the path fits the route's template, without building the label values.
    static func pathMatches(_ route: AWSModel.Route, _ path: [String]) -> Bool {
        walk(route, path) { _, _ in }
    }

    /// Matches the route's template against decoded path segments; returns the label values.
    static func matchPath(_ route: AWSModel.Route, _ path: [String]) -> [String: String]? {
        var labels: [String: String] = [:]
        guard walk(route, path, label: { name, value in labels[name] = value() }) else { return nil }
        return labels
    }

    /// Walks the template (literal = equal, `{label}` = one non-empty segment, `{label+}` = one or
    /// more segments), reporting each label and a way to build its value; whether the path fits.
    private static func walk(
        _ route: AWSModel.Route, _ fullPath: [String], label: (String, () -> String) -> Void
    ) -> Bool {
        let template = route.segments
        var path = fullPath[...]
        // A single trailing empty segment ("/bucket/") is the same resource as without it.
        if path.count == template.count + 1, path.last == "", !route.hasGreedyLabel {
            path = path.dropLast()
        }
        if route.hasGreedyLabel ? path.count < template.count : path.count != template.count { return false }
        var index = template.startIndex
        while index < template.endIndex {
            switch template[index] {
            case .literal(let literal):
                guard let segment = path.first, segment == literal else { return false }
                path = path.dropFirst()
            case .label(let name):
                guard let segment = path.first, !segment.isEmpty else { return false }
                label(name) { segment }
                path = path.dropFirst()
            case .greedyLabel(let name):
                let remainingTemplate = template.count - index - 1
                let take = path.count - remainingTemplate
                guard take >= 1 else { return false }
                let taken = path.prefix(take)
                // Empty only when it is a single empty segment.
                guard take > 1 || taken.first?.isEmpty == false else { return false }
                label(name) { taken.joined(separator: "/") }
                path = path.dropFirst(take)
            }
            index += 1
        }
        return path.isEmpty
    }
}
