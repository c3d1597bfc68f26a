/// A REST service's routes for one HTTP method, indexed so that a request is compared only with the
/// routes it could match.
///
/// A route can match only when the request's first path segment (percent-decoded) equals the route's
/// first literal, and only when the request carries each query literal the route names. So routes
/// whose template starts with a literal are kept by that literal; the others (S3's, which start with
/// `{Bucket}`, and `/`) by the name of their first query literal (`acl`, `tagging`, `uploads`…), or
/// apart when they need no query literal. A request is compared with the routes under its first
/// segment, those under each of its query parameters' names, and those that need no query literal —
/// the route matcher then applies every condition to each, as it would to the whole list, so the index
/// changes which routes are looked at, never which one wins.
///
/// A class: a request's lookup returns one reference, not five.
final class RouteIndex: Sendable {
    /// The HTTP method.
    let method: String
    /// Routes whose template starts with a literal, by that literal's bytes.
    private let byFirstLiteral: ByteTable<[AWSModel.Route]>
    /// Whether any route starts with a literal (S3's never do: no lookup of the bucket then).
    private let hasLiteralFirst: Bool
    /// Routes whose template starts with a label (or is `/`) and that need no query at all.
    private let open: [AWSModel.Route]
    /// Routes whose template starts with a label (or is `/`) and that need a query member but no
    /// query literal.
    private let needingQueryMember: [AWSModel.Route]
    /// Routes whose template starts with a label (or is `/`) and that name query literals, by the first
    /// literal's name.
    private let byQueryLiteral: ByteTable<[AWSModel.Route]>

    /// Indexes `routes` (all of one method), keeping model order within each group.
    init(method: String, routes: [AWSModel.Route]) {
        self.method = method
        var literalFirst: [(key: [UInt8], value: [AWSModel.Route])] = []
        var queryLiteral: [(key: [UInt8], value: [AWSModel.Route])] = []
        var open: [AWSModel.Route] = []
        var needingQueryMember: [AWSModel.Route] = []
        func add(
            _ route: AWSModel.Route, under key: [UInt8], to groups: inout [(key: [UInt8], value: [AWSModel.Route])]
        ) {
            if let index = groups.firstIndex(where: { $0.key == key }) {
                groups[index].value.append(route)
            } else {
                groups.append((key, [route]))
            }
        }
        for route in routes {
            if let first = route.firstLiteral {
                add(route, under: first, to: &literalFirst)
            } else if let literal = route.literalQuery.first {
                add(route, under: Array(literal.name.utf8), to: &queryLiteral)
            } else if route.hasQueryConditions {
                needingQueryMember.append(route)
            } else {
                open.append(route)
            }
        }
        self.byFirstLiteral = ByteTable(literalFirst)
        self.hasLiteralFirst = !literalFirst.isEmpty
        self.byQueryLiteral = ByteTable(queryLiteral)
        self.open = open
        self.needingQueryMember = needingQueryMember
    }

    /// Calls `body` with every route the request could match, each group in model order: those under
    /// the first path segment (percent-decoded), those that need no query literal, and — when the
    /// request has a query — those under each of its parameters' names. A route under a name the query
    /// repeats is given once per repetition.
    @inline(__always)
    func forEachCandidate(
        segments: PathSegments, query: [(name: String, value: String)], _ body: (AWSModel.Route) -> Void
    ) {
        if hasLiteralFirst, segments.count > 0 {
            var cursor = PathSegments.Cursor()
            let first = segments.next(&cursor)
            let routes: [AWSModel.Route]?
            if first.bytes.contains(UInt8(ascii: "%")) {
                routes = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(1, first.bytes.count)) { out in
                    let written = first.decode(into: out)
                    return byFirstLiteral.value(for: UnsafeBufferPointer(rebasing: out[0..<written]))
                }
            } else {
                routes = byFirstLiteral.value(for: first.bytes)
            }
            if let routes { for route in routes { body(route) } }
        }
        for route in open { body(route) }
        guard !query.isEmpty else { return }
        for route in needingQueryMember { body(route) }
        for pair in query {
            var name = pair.name
            let routes = name.withUTF8 { byQueryLiteral.value(for: $0) }
            if let routes { for route in routes { body(route) } }
        }
    }
}
