package import AuthzCore
internal import Foundation
internal import Policy
internal import SigV4

/// `envoy.service.auth.v3.Authorization/Check`: Envoy's ext_authz in gRPC mode.
///
/// Reads the original request from `attributes.request.http` — headers from `header_map` when Envoy
/// sends raw headers (`encode_raw_headers`), else from `headers`; the body from `raw_body` or `body`;
/// the client address and mTLS identity from `attributes.source`. Answers allow as status 0 with
/// `ok_response` (decision headers with `OVERWRITE_IF_EXISTS_OR_ADD`, client-sent
/// `x-sigv4-authz-*` headers in `headers_to_remove`) and deny as status 7 with `denied_response`
/// (403, the decision headers, the AWS-style body). A deny is never an RPC error, so Envoy's
/// `failure_mode_allow` cannot turn it into an allow.
///
/// The translation is pure (request in, response out); ``GRPCConnectionHandler`` serves it.
public enum AuthorizationService {
    /// The whole check, synchronous and transport-free.
    package static func answer(
        _ request: Envoy_Service_Auth_V3_CheckRequest, authorizer: any Authorizer
    ) -> Envoy_Service_Auth_V3_CheckResponse {
        let (authz, clientDecisionHeaders) = translate(request)
        return encode(authorizer.check(authz), clientDecisionHeaders: clientDecisionHeaders)
    }

    /// The original request, and the names of client-sent `x-sigv4-authz-*` headers.
    static func translate(_ check: Envoy_Service_Auth_V3_CheckRequest) -> (AuthzRequest, [String]) {
        let http = check.attributes.request.http
        var headers: [HeaderField] = []
        if !http.headerMap.headers.isEmpty {
            for header in http.headerMap.headers {
                let value = header.rawValue.isEmpty ? header.value : String(decoding: header.rawValue, as: UTF8.self)
                headers.append(HeaderField(header.key, value))
            }
        } else {
            for key in http.headers.keys.sorted() {
                headers.append(HeaderField(key, http.headers[key] ?? ""))
            }
        }
        var authority = http.host
        var clientDecisionHeaders: [String] = []
        // Envoy marks a forwarded body with x-envoy-auth-partial-body: "false" only when it sent all
        // of it. Without the header the body was not forwarded (Envoy's `size` may still be 0), so it
        // is unknown, never "absent".
        var partialBody: Bool?
        var requestID: String?
        headers.removeAll { field in
            let name = field.name.lowercased()
            if name == ":authority", authority.isEmpty { authority = field.value }
            if name.hasPrefix(DecisionHeaders.prefix) { clientDecisionHeaders.append(name) }
            if name == "x-envoy-auth-partial-body" {
                partialBody = partialBody == nil ? field.value.lowercased() != "false" : true
            }
            if name == "x-request-id" { requestID = field.value }
            return name.hasPrefix(":") || name == "x-envoy-auth-partial-body"
                || name == "x-envoy-expected-rq-timeout-ms"
        }
        if authority.isEmpty, let host = headers.first(where: { $0.name.lowercased() == "host" }) {
            authority = host.value
        }

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
            body: body,
            sourceAddress: address.isEmpty ? nil : address,
            principal: source.principal.isEmpty ? nil : source.principal,
            mode: .grpc, requestID: requestID)
        return (request, clientDecisionHeaders)
    }

    static func encode(
        _ checked: CheckResult, clientDecisionHeaders: [String]
    ) -> Envoy_Service_Auth_V3_CheckResponse {
        func option(_ name: String, _ value: String) -> Envoy_Config_Core_V3_HeaderValueOption {
            var option = Envoy_Config_Core_V3_HeaderValueOption()
            option.header.key = name
            option.header.value = value
            option.appendAction = .overwriteIfExistsOrAdd
            return option
        }
        var result = Envoy_Service_Auth_V3_CheckResponse()
        let fields = DecisionHeaders.fields(checked)
        let decisionHeaders = fields.map { option($0.name, $0.value) }
        switch checked.decision.effect {
        case .allow:
            result.status.code = 0
            var ok = Envoy_Service_Auth_V3_OkHttpResponse()
            ok.headers = decisionHeaders
            let ours = Set(fields.map(\.name))
            ok.headersToRemove = Array(Set(clientDecisionHeaders).subtracting(ours)).sorted()
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
}

/// `grpc.health.v1.Health`: SERVING while the server is ready, for the empty service name and for
/// `envoy.service.auth.v3.Authorization` (served by ``GRPCConnectionHandler``; `Watch` sends the
/// status once and ends when the server shuts down).
enum HealthService {
    static let known: Set<String> = ["", "envoy.service.auth.v3.Authorization"]
}
