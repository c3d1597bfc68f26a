internal import SigV4

/// Matches a request against a REST service's route table.
///
/// A route matches when the method is equal, every template segment matches (literal = equal after
/// percent-decoding, `{label}` = one non-empty segment, `{label+}` = one or more segments), every
/// query literal of the request URI is present (with its value when it has one), and every required
/// query member and header is present. Among matches, the most specific wins: more required query
/// literals, members and headers first (so `PUT /{Bucket}/{Key+}` with `x-amz-copy-source` is
/// CopyObject, and with `partNumber`+`uploadId` is UploadPart), then segment by segment literal over
/// `{label}` over `{label+}`. Two different operations equally specific are ambiguous, never guessed.
///
/// The path is read as byte ranges of the request (``RequestPath``): segments are split on the byte
/// `/`, compared with the model's literals byte for byte, percent-decoded only where they hold a `%`,
/// and labels become strings only when asked for (``RouteLabels``).
struct RouteMatcher {
    /// The routes to consider (the service's routes for the request's method), `nil` when it has none.
    let routes: RouteIndex?

    enum Result {
        case matched(AWSModel.Route, labels: RouteLabels)
        case ambiguous([String], labels: RouteLabels)
        case xIDMismatch(String, String)
        case none
    }

    func match(_ wire: WireRequest, hostBucket: String?) -> Result {
        guard let routes else { return .none }
        let path = RequestPath(rawPath: wire.rawPath, hostBucket: hostBucket)
        var best: AWSModel.Route?
        var tied: [String] = []
        path.withSegments { segments in
            // The index gives the routes whose first literal or first query literal the request has;
            // then the cheapest tests first: query and headers; the whole path last.
            routes.forEachCandidate(segments: segments, query: wire.query) { route in
                if route.hasQueryConditions {
                    guard
                        route.literalQuery.allSatisfy({ literal in
                            wire.query.contains { pair in
                                pair.name.utf8.elementsEqual(literal.name.utf8)
                                    && (literal.value.map { pair.value.utf8.elementsEqual($0.utf8) } ?? true)
                            }
                        })
                    else { return }
                    guard route.requiredQuery.allSatisfy(wire.hasQuery) else { return }
                }
                guard route.requiredHeaders.allSatisfy(wire.hasHeader) else { return }
                guard Self.walk(route, segments, label: nil) else { return }
                if let current = best {
                    if route.specificity.lexicographicallyPrecedes(current.specificity) { return }
                    if route.specificity == current.specificity {
                        if route.operation != current.operation, !tied.contains(route.operation) {
                            tied.append(route.operation)
                        }
                        return
                    }
                }
                best = route
                tied.removeAll()
            }
        }
        guard let best else { return .none }
        let labels = RouteLabels(route: best, path: path, hostBucket: hostBucket)
        if !tied.isEmpty { return .ambiguous(([best.operation] + tied).sorted(), labels: labels) }
        if let xID = wire.queryValues("x-id").first, !xID.utf8.elementsEqual(best.operation.utf8) {
            return .xIDMismatch(xID, best.operation)
        }
        return .matched(best, labels: labels)
    }

    /// Walks the template (literal = equal, `{label}` = one non-empty segment, `{label+}` = one or
    /// more segments), reporting each label's segments (first segment, how many); whether the path fits.
    static func walk(
        _ route: AWSModel.Route, _ segments: PathSegments, label: ((String, Int, Int) -> Void)?
    ) -> Bool {
        let template = route.template
        var count = segments.count
        // A single trailing empty segment ("/bucket/") is the same resource as without it.
        if count == template.count + 1, !route.hasGreedyLabel, segments.lastIsEmpty {
            count -= 1
        }
        if route.hasGreedyLabel ? count < template.count : count != template.count { return false }
        var cursor = PathSegments.Cursor()
        var index = 0
        var position = 0
        while index < template.count {
            let part = template[index]
            switch part.kind {
            case .literal:
                guard position < count, segments.next(&cursor).equalsDecoded(part.literal) else { return false }
                position += 1
            case .label:
                guard position < count, !segments.next(&cursor).isEmpty else { return false }
                label?(part.name, position, 1)
                position += 1
            case .greedyLabel:
                let remainingTemplate = template.count - index - 1
                let take = count - position - remainingTemplate
                guard take >= 1 else { return false }
                // Empty only when it is a single empty segment.
                let first = segments.next(&cursor)
                guard take > 1 || !first.isEmpty else { return false }
                for _ in 1..<take { _ = segments.next(&cursor) }
                label?(part.name, position, take)
                position += take
            }
            index += 1
        }
        return position == count
    }
}

/// The path a route is matched against: the request's raw path, with the bucket a virtual-hosted S3
/// host names in front of it as its first segment. Segments are the bytes between `/`s after the
/// first byte (`/a//b` is `a`, ``, `b`); `/` alone has none.
struct RequestPath {
    /// The text whose segments (after its first byte) follow ``bucket``.
    let text: String
    /// A first segment that is not in ``text`` (the host's bucket).
    let bucket: String?
    /// Whether ``text`` contributes no segment.
    let textIsEmpty: Bool

    init(rawPath: String, hostBucket: String?) {
        let path = rawPath.isEmpty ? "/" : rawPath
        guard let hostBucket else {
            text = path
            bucket = nil
            textIsEmpty = path.utf8.count == 1
            return
        }
        if !hostBucket.isEmpty, !hostBucket.utf8.contains(UInt8(ascii: "/")), path.utf8.first == UInt8(ascii: "/") {
            text = path
            bucket = hostBucket
            textIsEmpty = path.utf8.count == 1
        } else {
            // The bucket and path do not split apart at a `/`: match their concatenation.
            let owned = "/" + hostBucket + (path == "/" ? "" : path)
            text = owned
            bucket = nil
            textIsEmpty = owned.utf8.count == 1
        }
    }

    /// Runs `body` over the segments' bytes.
    func withSegments<R>(_ body: (PathSegments) -> R) -> R {
        var text = text
        return text.withUTF8 { textBytes in
            let rest = textBytes.isEmpty ? textBytes : UnsafeBufferPointer(rebasing: textBytes[1...])
            guard var bucket else {
                return body(PathSegments(bucket: nil, rest: rest, restIsEmpty: textIsEmpty))
            }
            return bucket.withUTF8 { bucketBytes in
                body(PathSegments(bucket: bucketBytes, rest: rest, restIsEmpty: textIsEmpty))
            }
        }
    }
}

/// The segments of a ``RequestPath``, valid inside ``RequestPath/withSegments(_:)``.
struct PathSegments {
    let bucket: UnsafeBufferPointer<UInt8>?
    let rest: UnsafeBufferPointer<UInt8>
    let restIsEmpty: Bool
    let count: Int
    let lastIsEmpty: Bool

    init(bucket: UnsafeBufferPointer<UInt8>?, rest: UnsafeBufferPointer<UInt8>, restIsEmpty: Bool) {
        self.bucket = bucket
        self.rest = rest
        self.restIsEmpty = restIsEmpty
        var count = bucket == nil ? 0 : 1
        if !restIsEmpty {
            count += 1
            for byte in rest where byte == UInt8(ascii: "/") { count += 1 }
        }
        self.count = count
        if !restIsEmpty {
            lastIsEmpty = rest.last.map { $0 == UInt8(ascii: "/") } ?? true
        } else {
            lastIsEmpty = bucket?.isEmpty ?? false
        }
    }

    /// Where the next segment starts.
    struct Cursor {
        var index = 0
        var offset = 0
    }

    /// The next segment; the cursor must not be past the last.
    func next(_ cursor: inout Cursor) -> Segment {
        defer { cursor.index += 1 }
        if cursor.index == 0, let bucket { return Segment(bytes: bucket) }
        var end = cursor.offset
        while end < rest.count, rest[end] != UInt8(ascii: "/") { end += 1 }
        let segment = UnsafeBufferPointer(rebasing: rest[cursor.offset..<end])
        cursor.offset = end + 1
        return Segment(bytes: segment)
    }

    /// The decoded text of `take` segments from `first`, joined by `/`: the raw bytes they span
    /// percent-decoded at once (a `/` is never part of an escape, so this is each segment decoded and
    /// the results joined), or the bytes as they are when they hold no `%`.
    func text(from first: Int, count take: Int) -> String {
        let (head, joined, tail) = span(from: first, count: take)
        guard let head else { return Segment(bytes: tail).text }
        guard joined else { return Segment(bytes: head).text }
        return String(unsafeUninitializedCapacity: head.count + 1 + tail.count) { out in
            var written = Segment(bytes: head).decode(into: out)
            out[written] = UInt8(ascii: "/")
            written += 1
            return written + Segment(bytes: tail).decode(into: UnsafeMutableBufferPointer(rebasing: out[written...]))
        }
    }

    /// The raw bytes `take` segments from `first` span: the bucket (when the span starts at it) and
    /// the bytes of the rest, joined by `/` when `joined`.
    func span(
        from first: Int, count take: Int
    ) -> (
        bucket: UnsafeBufferPointer<UInt8>?, joined: Bool, rest: UnsafeBufferPointer<UInt8>
    ) {
        var cursor = Cursor()
        for _ in 0..<first { _ = next(&cursor) }
        if cursor.index == 0, let bucket {
            guard take > 1 else { return (bucket, false, UnsafeBufferPointer(rebasing: rest[0..<0])) }
            return (bucket, true, UnsafeBufferPointer(rebasing: rest[0..<end(ofSegments: take - 1, from: 0)]))
        }
        let start = cursor.offset
        return (nil, false, UnsafeBufferPointer(rebasing: rest[start..<end(ofSegments: take, from: start)]))
    }

    /// The offset in the rest of the path where `count` segments starting at `start` end.
    private func end(ofSegments count: Int, from start: Int) -> Int {
        var end = start
        var seen = 0
        while seen < count {
            while end < rest.count, rest[end] != UInt8(ascii: "/") { end += 1 }
            seen += 1
            if seen < count { end += 1 }
        }
        return end
    }

    /// One segment's raw bytes.
    struct Segment {
        let bytes: UnsafeBufferPointer<UInt8>

        var isEmpty: Bool { bytes.isEmpty }

        /// The decoded bytes as a string (invalid UTF-8 repaired).
        var text: String {
            guard bytes.contains(UInt8(ascii: "%")) else { return String(decoding: bytes, as: UTF8.self) }
            return String(unsafeUninitializedCapacity: bytes.count) { decode(into: $0) }
        }

        /// Whether the percent-decoded bytes (`+` stays `+`, a bad escape stays as it is) are `literal`.
        func equalsDecoded(_ literal: [UInt8]) -> Bool {
            var j = 0
            let matched = PercentDecoding.forEachDecodedByte(keepingBadEscapes: bytes) { byte in
                guard j < literal.count, literal[j] == byte else { return false }
                j += 1
                return true
            }
            return matched && j == literal.count
        }

        /// Percent-decodes into `out` (at least as long as the segment); the bytes written.
        func decode(into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
            var written = 0
            _ = PercentDecoding.forEachDecodedByte(keepingBadEscapes: bytes) { byte in
                out[written] = byte
                written += 1
                return true
            }
            return written
        }
    }
}

/// The labels of a matched route, read from the request path when asked for.
struct RouteLabels {
    let route: AWSModel.Route?
    let path: RequestPath?
    /// The host's bucket, which a `{Bucket}` label in first place reads as it is.
    let hostBucket: String?

    /// No labels.
    static let none = RouteLabels(route: nil, path: nil, hostBucket: nil)

    /// The value of label `name` (percent-decoded; a greedy label's segments joined by `/`), `nil` when
    /// the route has no such label. With the same name twice, the last.
    subscript(name: String) -> String? {
        guard let route, let path,
            let index = route.template.lastIndex(where: { $0.kind != .literal && $0.name == name })
        else { return nil }
        return path.withSegments { segments in
            let template = route.template
            var count = segments.count
            if count == template.count + 1, !route.hasGreedyLabel, segments.lastIsEmpty { count -= 1 }
            // Segments before a greedy label are one per template part; after it, counted from the end.
            let greedy = template.firstIndex { $0.kind == .greedyLabel }
            let first: Int
            var take = 1
            if let greedy, index > greedy {
                first = count - (template.count - index)
            } else {
                first = index
                if index == greedy { take = count - index - (template.count - index - 1) }
            }
            if first == 0, take == 1, path.bucket != nil, let hostBucket,
                !hostBucket.utf8.contains(UInt8(ascii: "%"))
            {
                return hostBucket
            }
            return segments.text(from: first, count: take)
        }
    }

    /// `parts` joined, then the value of label `first` (`fallback`, as it is, when the route has no
    /// such label), then `/` and the value of label `second` when the route has it: one string
    /// allocated once, the labels percent-decoded straight into it (the S3 object ARN from `Bucket` and
    /// `Key`). `nil` when there is neither `first` nor `fallback`.
    func joined(_ parts: [String], label first: String, or fallback: String?, then second: String) -> String? {
        guard let route, let path else { return fallback.map { AuthorizationDeriver.concatenated(parts + [$0]) } }
        let template = route.template
        let firstIndex = template.lastIndex { $0.kind != .literal && $0.name == first }
        let secondIndex = template.lastIndex { $0.kind != .literal && $0.name == second }
        if firstIndex == nil, fallback == nil { return nil }
        return path.withSegments { segments in
            typealias Span = (bucket: UnsafeBufferPointer<UInt8>?, joined: Bool, rest: UnsafeBufferPointer<UInt8>)
            func span(_ index: Int?) -> Span? {
                guard let index else { return nil }
                let (start, take) = Self.location(of: index, in: route, segments)
                return segments.span(from: start, count: take)
            }
            func length(_ span: Span) -> Int { (span.bucket?.count ?? 0) + (span.joined ? 1 : 0) + span.rest.count }
            let firstSpan = span(firstIndex)
            let secondSpan = span(secondIndex)
            var count = firstSpan.map(length) ?? (fallback?.utf8.count ?? 0)
            if let secondSpan { count += 1 + length(secondSpan) }
            for part in parts { count += part.utf8.count }
            return String(unsafeUninitializedCapacity: count) { out in
                var written = 0
                func copy(_ text: String) {
                    var text = text
                    text.withUTF8 { bytes in
                        for byte in bytes {
                            out[written] = byte
                            written += 1
                        }
                    }
                }
                func decode(_ span: Span) {
                    if let bucket = span.bucket {
                        written += PathSegments.Segment(bytes: bucket).decode(
                            into: UnsafeMutableBufferPointer(rebasing: out[written...]))
                        if span.joined {
                            out[written] = UInt8(ascii: "/")
                            written += 1
                        }
                    }
                    written += PathSegments.Segment(bytes: span.rest).decode(
                        into: UnsafeMutableBufferPointer(rebasing: out[written...]))
                }
                for part in parts { copy(part) }
                if let firstSpan { decode(firstSpan) } else if let fallback { copy(fallback) }
                if let secondSpan {
                    out[written] = UInt8(ascii: "/")
                    written += 1
                    decode(secondSpan)
                }
                return written
            }
        }
    }

    /// The first segment and the number of segments of the label at template `index`.
    private static func location(
        of index: Int, in route: AWSModel.Route, _ segments: PathSegments
    ) -> (
        first: Int, take: Int
    ) {
        let template = route.template
        var count = segments.count
        if count == template.count + 1, !route.hasGreedyLabel, segments.lastIsEmpty { count -= 1 }
        let greedy = template.firstIndex { $0.kind == .greedyLabel }
        if let greedy, index > greedy { return (count - (template.count - index), 1) }
        if index == greedy { return (index, count - index - (template.count - index - 1)) }
        return (index, 1)
    }

    /// Every label and its value (tests, diagnostics).
    var all: [String: String] {
        guard let route else { return [:] }
        var result: [String: String] = [:]
        for part in route.template where part.kind != .literal { result[part.name] = self[part.name] }
        return result
    }
}
