package import AuthzCore
internal import Policy
internal import SigV4
internal import SwiftProtobuf

/// `envoy.service.auth.v3.Authorization/Check`: Envoy's ext_authz in gRPC mode.
///
/// Reads the original request from `attributes.request.http` — headers from `header_map` when Envoy
/// sends raw headers (`encode_raw_headers`), else from `headers`; the body from `raw_body` or `body`;
/// the client address and mTLS identity from `attributes.source`. Answers allow as status 0 with
/// `ok_response` (decision headers with `OVERWRITE_IF_EXISTS_OR_ADD`, client-sent
/// `x-sigv4-authz-*` headers in `headers_to_remove`; for a brokered request also the new signature's
/// headers, overwriting the client's, and the client's headers it removes) and deny as status 7 with `denied_response`
/// (403, the decision headers, the AWS-style body). A deny is never an RPC error, so Envoy's
/// `failure_mode_allow` cannot turn it into an allow. Both carry the decision as `dynamic_metadata`
/// (``DynamicMetadata``) for Envoy's access log.
///
/// The translation is pure (request in, response out); ``GRPCConnectionHandler`` serves it. Messages
/// are decoded and encoded by swift-protobuf; what that costs per check is measured in
/// docs/performance.md ("Transport cost in instructions").
public enum AuthorizationService {
    /// The whole check, synchronous and transport-free.
    package static func answer(
        _ request: Envoy_Service_Auth_V3_CheckRequest, authorizer: any Authorizer
    ) -> Envoy_Service_Auth_V3_CheckResponse {
        let (authz, clientDecisionHeaders) = translate(request)
        return encode(authorizer.check(authz), clientDecisionHeaders: clientDecisionHeaders)
    }

    /// The original request, and the names of client-sent `x-sigv4-authz-*` headers.
    ///
    /// The headers are `header_map`'s in order (`raw_value` when set, else `value`) when it has any,
    /// else the `headers` map's, sorted by name.
    static func translate(_ check: Envoy_Service_Auth_V3_CheckRequest) -> (AuthzRequest, [String]) {
        let http = check.attributes.request.http
        var headers: [HeaderField] = []
        // Room for a Host header made from the authority (below), so the engine need not copy.
        headers.reserveCapacity(
            (http.headerMap.headers.isEmpty ? http.headers.count : http.headerMap.headers.count) + 1)
        var authority = http.host
        var host: String?
        var clientDecisionHeaders: [String] = []
        // Envoy marks a forwarded body with x-envoy-auth-partial-body: "false" only when it sent all
        // of it. Without the header the body was not forwarded (Envoy's `size` may still be 0), so it
        // is unknown, never "absent".
        var partialBody: Bool?
        var requestID: String?
        func take(_ field: HeaderField) {
            switch HeaderRole(field.name) {
            case .authority:
                if authority.isEmpty { authority = field.value }
                return
            case .pseudo, .expectedTimeout:
                return
            case .partialBody:
                partialBody = partialBody == nil ? field.value.lowercased() != "false" : true
                return
            case .decision(let name): clientDecisionHeaders.append(name)
            case .requestID: requestID = field.value
            case .host: if host == nil { host = field.value }
            case .other: break
            }
            headers.append(field)
        }
        if !http.headerMap.headers.isEmpty {
            for header in http.headerMap.headers {
                take(
                    HeaderField(
                        header.key,
                        header.rawValue.isEmpty ? header.value : String(decoding: header.rawValue, as: UTF8.self)))
            }
        } else {
            for name in http.headers.keys.sorted() { take(HeaderField(name, http.headers[name] ?? "")) }
        }
        if authority.isEmpty, let host { authority = host }
        // The authority is the request's Host (HTTP/2 has no Host header): the one the engine reads.
        if host == nil, !authority.isEmpty { headers.append(HeaderField("host", authority)) }

        let body: RequestBody
        switch partialBody {
        case false?: body = .complete(http.rawBody.isEmpty ? Array(http.body.utf8) : Array(http.rawBody))
        case true?: body = .truncated
        case nil: body = .absent
        }

        let source = check.attributes.source
        let address = source.address.socketAddress.address
        let request = AuthzRequest(
            method: http.method, host: authority, target: http.path.isEmpty ? "/" : http.path, headers: headers,
            body: body, sourceAddress: address.isEmpty ? nil : address,
            principal: source.principal.isEmpty ? nil : source.principal, mode: .grpc, requestID: requestID)
        return (request, clientDecisionHeaders)
    }

    /// What the translation makes of a header, by its name in lower case: `:authority` and every
    /// other pseudo-header, `x-envoy-auth-partial-body` and `x-envoy-expected-rq-timeout-ms` are
    /// dropped (the first gives the authority when `host` is empty, the second the body's state),
    /// `x-request-id` is the request id, `host` the authority when nothing else gives one, and a
    /// client-sent decision header (`x-sigv4-authz-*`) is named for removal.
    enum HeaderRole: Equatable {
        case authority, pseudo, partialBody, expectedTimeout, requestID, host, other
        /// A decision header, with its name in lower case.
        case decision(String)

        init(_ name: String) {
            // An ASCII name (what HTTP/2 and Envoy send) is compared byte by byte ignoring ASCII case,
            // which is what lower-casing it and comparing the strings amounts to.
            if let role = name.utf8.withContiguousStorageIfAvailable({ Self.ascii($0) }), let role {
                self = role == .decision("") ? .decision(name.lowercased()) : role
                return
            }
            // Anything else: Unicode lower-casing and String comparison.
            let lowered = name.lowercased()
            if lowered == ":authority" {
                self = .authority
            } else if lowered.hasPrefix(":") {
                self = .pseudo
            } else if lowered.hasPrefix(DecisionHeaders.prefix) {
                self = .decision(lowered)
            } else {
                switch lowered {
                case "x-envoy-auth-partial-body": self = .partialBody
                case "x-envoy-expected-rq-timeout-ms": self = .expectedTimeout
                case "x-request-id": self = .requestID
                case "host": self = .host
                default: self = .other
                }
            }
        }

        /// The role of an ASCII name (a decision header as `.decision("")`); `nil` when the name is
        /// not ASCII.
        private static func ascii(_ name: UnsafeBufferPointer<UInt8>) -> HeaderRole? {
            for byte in name where byte >= 0x80 { return nil }
            func equals(_ literal: StaticString, prefix: Bool = false) -> Bool {
                let count = literal.utf8CodeUnitCount
                guard prefix ? name.count >= count : name.count == count else { return false }
                let expected = literal.utf8Start
                for index in 0..<count {
                    var byte = name[index]
                    if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { byte |= 0x20 }
                    if byte != expected[index] { return false }
                }
                return true
            }
            switch name.first {
            case UInt8(ascii: ":"):
                return equals(":authority") ? .authority : .pseudo
            case UInt8(ascii: "x"), UInt8(ascii: "X"):
                if equals("x-sigv4-authz-", prefix: true) { return .decision("") }
                if equals("x-envoy-auth-partial-body") { return .partialBody }
                if equals("x-envoy-expected-rq-timeout-ms") { return .expectedTimeout }
                if equals("x-request-id") { return .requestID }
                return .other
            case UInt8(ascii: "h"), UInt8(ascii: "H"):
                return equals("host") ? .host : .other
            default:
                return .other
            }
        }
    }

    /// The serialized CheckResponse of a result: ``encode(_:clientDecisionHeaders:metadata:)``'s
    /// message, then its `dynamic_metadata` (the decision for Envoy's access log): the Struct entries
    /// written in the same pass over the decision headers, appended by
    /// ``DynamicMetadata/appendField(entries:to:)``.
    static func serializedResponse(_ checked: CheckResult, clientDecisionHeaders: [String]) throws -> [UInt8] {
        var entries: [UInt8] = []
        let response = encode(checked, clientDecisionHeaders: clientDecisionHeaders, metadata: &entries)
        var bytes: [UInt8] = try response.serializedBytes()
        DynamicMetadata.appendField(entries: entries, to: &bytes)
        return bytes
    }

    /// The CheckResponse of a result, without its `dynamic_metadata`: ``serializedResponse(_:clientDecisionHeaders:)``
    /// appends that to the message's bytes.
    static func encode(
        _ checked: CheckResult, clientDecisionHeaders: [String]
    ) -> Envoy_Service_Auth_V3_CheckResponse {
        var entries: [UInt8] = []
        return encode(checked, clientDecisionHeaders: clientDecisionHeaders, metadata: &entries)
    }

    /// The CheckResponse of a result, without its `dynamic_metadata`, whose Struct entries are
    /// appended to `metadata` (``DynamicMetadata/appendEntry(header:value:to:)``) as the decision
    /// headers are read.
    static func encode(
        _ checked: CheckResult, clientDecisionHeaders: [String], metadata: inout [UInt8]
    ) -> Envoy_Service_Auth_V3_CheckResponse {
        func option(_ name: String, _ value: String) -> Envoy_Config_Core_V3_HeaderValueOption {
            var option = Envoy_Config_Core_V3_HeaderValueOption()
            option.header.key = name
            option.header.value = value
            option.appendAction = .overwriteIfExistsOrAdd
            return option
        }
        var result = Envoy_Service_Auth_V3_CheckResponse()
        var decisionHeaders: [Envoy_Config_Core_V3_HeaderValueOption] = []
        decisionHeaders.reserveCapacity(10)
        metadata.reserveCapacity(512)
        DecisionHeaders.forEach(checked) { name, value in
            decisionHeaders.append(option(name, value))
            DynamicMetadata.appendEntry(header: name, value: value, to: &metadata)
        }
        // The proxy's answer: a deny that is not enforced (would_deny) is answered OK.
        switch checked.decision.answer {
        case .allow:
            result.status.code = 0
            var ok = Envoy_Service_Auth_V3_OkHttpResponse()
            ok.headers = decisionHeaders
            if !clientDecisionHeaders.isEmpty {
                ok.headersToRemove = headersToRemove(
                    clientDecisionHeaders,
                    sending: decisionHeaders.map { (name: $0.header.key, value: $0.header.value) })
            }
            // A brokered request: the new signature replaces the client's (overwrite), and the
            // client's headers it does not replace are removed.
            if let upstream = checked.upstream {
                ok.headers += upstream.setHeaders.map { option($0.name.lowercased(), $0.value) }
                ok.headersToRemove += upstream.removeHeaders
                ok.queryParametersToSet = upstream.setQueryParameters.map {
                    var parameter = Envoy_Config_Core_V3_QueryParameter()
                    parameter.key = $0.name
                    parameter.value = $0.value
                    return parameter
                }
                ok.queryParametersToRemove = upstream.removeQueryParameters
            }
            result.okResponse = ok
        case .deny:
            result.status.code = 7  // PERMISSION_DENIED
            result.status.message = checked.message
            var denied = Envoy_Service_Auth_V3_DeniedHttpResponse()
            denied.status.code = .forbidden
            denied.headers = decisionHeaders
            if let body = DenyBody(denying: checked) {
                denied.headers.append(option("content-type", body.contentType))
                denied.headers += body.headers.map { option($0.name, $0.value) }
                denied.body = body.body
            }
            result.deniedResponse = denied
        }
        return result
    }

    /// The client-sent decision headers the answer does not overwrite, once each, sorted.
    static func headersToRemove(
        _ clientDecisionHeaders: [String], sending fields: [(name: String, value: String)]
    )
        -> [String]
    {
        if clientDecisionHeaders.isEmpty { return [] }
        return Array(Set(clientDecisionHeaders).subtracting(fields.map(\.name))).sorted()
    }
}

/// `grpc.health.v1.Health`: SERVING while the server is ready, for the empty service name and for
/// `envoy.service.auth.v3.Authorization` (served by ``GRPCConnectionHandler``; `Watch` sends the
/// status once and ends when the server shuts down).
enum HealthService {
    static let known: Set<String> = ["", "envoy.service.auth.v3.Authorization"]
}
