package import AuthzCore
package import NIOHTTP1
internal import Policy
internal import SigV4

/// Turns an HTTP check request (Envoy HTTP mode or nginx `auth_request`) into the original request
/// the decision core judges. Pure: no I/O, testable as a table.
package struct CheckRequestTranslator: Sendable {
    /// What the translator makes of a check request.
    package enum Outcome: Sendable {
        /// Ask the decision core about this request.
        case check(AuthzRequest)
        /// The path is neither the Envoy prefix nor the nginx path: 404.
        case notFound
        /// The proxy sent a check request that cannot be read (nginx without `X-Original-*`): a deny
        /// with this sentence.
        case invalid(String)
    }

    /// The listener's configuration.
    package let configuration: HTTPCheckConfiguration

    /// Creates a translator.
    package init(configuration: HTTPCheckConfiguration) { self.configuration = configuration }

    /// Headers that describe the check request itself, never the original request.
    static let checkOnlyHeaders: Set<String> = [
        "host", ":authority", "content-length", "connection", "keep-alive", "transfer-encoding", "te", "upgrade",
        "x-original-method", "x-original-uri", "x-original-host", "x-envoy-auth-partial-body",
        "x-envoy-expected-rq-timeout-ms", "x-envoy-internal", "x-forwarded-proto",
    ]

    /// The original request's `Content-Length`, which the proxy passes in this header (nginx and Envoy
    /// HTTP mode send their own Content-Length for the check request, so the original's — which SDKs
    /// such as the JavaScript, Go and Java ones sign — would otherwise be lost).
    static let originalContentLengthHeader = "x-sigv4-authz-content-length"

    /// The mode a check request's URI selects (Envoy HTTP mode unless it is the nginx path).
    package func mode(of uri: String) -> AuthzMode {
        let path =
            uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri
        return path == configuration.nginxPath ? .nginx : .envoyHTTP
    }

    /// Translates a request head and its body (`.absent` when none was sent; `.tooLarge` when it was
    /// over the listener's limit and not read).
    package func translate(_ head: HTTPRequestHead, body: RequestBody, remoteAddress: String?) -> Outcome {
        let uri = head.uri
        let path =
            uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri
        let mode: AuthzMode
        if path == configuration.nginxPath {
            mode = .nginx
        } else if uri == configuration.envoyPrefix || uri.hasPrefix(configuration.envoyPrefix + "/")
            || uri.hasPrefix(configuration.envoyPrefix + "?")
        {
            mode = .envoyHTTP
        } else {
            return .notFound
        }

        var headers: [HeaderField] = []
        headers.reserveCapacity(head.headers.count)
        var address: String?
        var principal: String?
        var originalLength: String?
        for (name, value) in head.headers {
            let lowered = name.lowercased()
            if lowered == configuration.clientAddressHeader {
                address = value
            } else if lowered == configuration.clientPrincipalHeader {
                principal = value
            } else if lowered == Self.originalContentLengthHeader {
                // Twice: ambiguous, so the original request's length stays unknown.
                originalLength = originalLength == nil ? value : ""
            } else if !Self.checkOnlyHeaders.contains(lowered) {
                headers.append(HeaderField(name, value))
            }
        }
        // The original request's Content-Length, as the proxy reported it: a decimal number, else absent
        // (Envoy renders a missing header as empty or "-").
        if let length = originalLength, (1...19).contains(length.utf8.count),
            length.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        {
            headers.append(HeaderField("content-length", length))
        }
        let requestID = head.headers.first(name: "x-request-id")

        switch mode {
        case .nginx:
            guard let method = head.headers.first(name: "x-original-method"), !method.isEmpty,
                let target = head.headers.first(name: "x-original-uri"), target.hasPrefix("/"),
                let host = head.headers.first(name: "x-original-host"), !host.isEmpty
            else {
                return .invalid(
                    "nginx must pass X-Original-Method, X-Original-URI and X-Original-Host to \(configuration.nginxPath)"
                )
            }
            return .check(
                AuthzRequest(
                    method: method, host: host, target: target, headers: headers,
                    body: Self.originalBody(mode: .nginx, head: head, body: body),
                    sourceAddress: address ?? remoteAddress, principal: principal, mode: .nginx, requestID: requestID))
        default:
            guard let host = head.headers.first(name: "host"), !host.isEmpty else {
                return .invalid("Envoy HTTP mode must send the original authority as Host / :authority")
            }
            var target = String(uri.dropFirst(configuration.envoyPrefix.count))
            if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
            return .check(
                AuthzRequest(
                    method: head.method.rawValue, host: host, target: target, headers: headers,
                    body: Self.originalBody(mode: .envoyHTTP, head: head, body: body),
                    sourceAddress: address ?? remoteAddress, principal: principal,
                    mode: .envoyHTTP, requestID: requestID))
        }
    }

    /// What the check request says of the original request's body. A body the listener did not read
    /// (`tooLarge`) stays too large whichever proxy sent it. nginx's `auth_request` never forwards the
    /// body. Envoy sends `x-envoy-auth-partial-body: false` only with the whole body; a cut body (`true`,
    /// or the mark twice) cannot be hashed or parsed, and without the mark the body was not forwarded:
    /// the check request's own Content-Length says nothing of the original request's.
    static func originalBody(mode: AuthzMode, head: HTTPRequestHead, body: RequestBody) -> RequestBody {
        if case .tooLarge = body { return body }
        guard mode == .envoyHTTP else { return .absent }
        let marks = head.headers["x-envoy-auth-partial-body"]
        if marks.isEmpty { return .absent }
        if marks.count == 1 && marks[0].lowercased() == "false" { return .complete(body.bytes ?? []) }
        return .truncated
    }

    /// What a check request gets: its decision, or 404 when the path is neither endpoint.
    package enum Answer: Sendable {
        case decided(CheckResult)
        /// Decided later (an identity token verified with STS first).
        case later(PendingCheck)
        case notFound
    }

    /// Translates and decides (HTTP/1.1 and h2c share this): an unreadable check request is refused
    /// `internal_error`.
    package func answer(
        _ head: HTTPRequestHead, body: RequestBody, remoteAddress: String?, authorizer: any Authorizer
    ) -> Answer {
        switch translate(head, body: body, remoteAddress: remoteAddress) {
        case .notFound: return .notFound
        case .invalid(let message):
            return .decided(
                authorizer.refuse(
                    Refusal(
                        reason: .internalError, message: message, mode: mode(of: head.uri),
                        sourceAddress: remoteAddress, requestID: head.headers.first(name: "x-request-id"))))
        case .check(let request):
            switch authorizer.answer(request) {
            case .now(let result): return .decided(result)
            case .later(let pending): return .later(pending)
            }
        }
    }
}

/// An answer as HTTP: 200 (allow) or 403 (deny), the decision headers, and on deny the AWS-style body
/// with its content type and error headers. HTTP/1.1 and h2c write it: the headers go straight into
/// the codec's own header list (``forEachHeader(_:)``), with no array of their own in between.
struct HTTPAnswer {
    let status: Int
    private let result: CheckResult
    private let deny: DenyBody?

    init(_ result: CheckResult) {
        self.result = result
        self.deny = DenyBody(denying: result)
        self.status = result.decision.answer == .allow ? 200 : 403
    }

    /// The deny body (`nil` on allow).
    var body: String? { deny?.body }

    /// Calls `body` with each response header but `content-length`: the decision headers
    /// (``DecisionHeaders/forEach(_:_:)``), then on deny the content type and the AWS error headers;
    /// on a brokered allow, the new signature's headers (Envoy copies them upstream through
    /// `allowed_upstream_headers`, nginx through `auth_request_set` + `proxy_set_header`) and the
    /// client's headers to remove in `x-envoy-auth-headers-to-remove` (Envoy HTTP mode's convention).
    func forEachHeader(_ body: (_ name: String, _ value: String) -> Void) {
        DecisionHeaders.forEach(result, body)
        if result.decision.answer == .allow, let upstream = result.upstream {
            for field in upstream.setHeaders { body(field.name.lowercased(), field.value) }
            if !upstream.removeHeaders.isEmpty {
                body("x-envoy-auth-headers-to-remove", upstream.removeHeaders.joined(separator: ","))
            }
        }
        guard let deny else { return }
        body("content-type", deny.contentType)
        for (name, value) in deny.headers { body(name, value) }
    }
}
