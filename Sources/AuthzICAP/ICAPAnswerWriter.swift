package import AuthzCore
internal import Foundation
package import NIOCore
internal import SigV4

/// Renders ICAP answers as bytes: OPTIONS, `100 Continue`, `204`, the modified request (`200` with
/// `req-hdr`/`req-body`), the deny (`200` with an encapsulated `HTTP/1.1 403`), error statuses.
package enum ICAPAnswerWriter {
    /// The `Service` header's value.
    package static let serviceName = "sigv4-authz/1"

    /// The OPTIONS answer (RFC 3507 §4.10.2).
    package static func options(_ configuration: ICAPConfiguration, close: Bool, into out: inout ByteBuffer) {
        out.writeString("ICAP/1.0 200 OK\r\n")
        out.writeString("Methods: REQMOD\r\n")
        out.writeString("Service: \(serviceName)\r\n")
        out.writeString("ISTag: \(safeISTag(configuration.isTag()))\r\n")
        out.writeString("Options-TTL: \(configuration.optionsTTL)\r\n")
        out.writeString("Max-Connections: \(configuration.maxConnections)\r\n")
        out.writeString("Preview: \(configuration.previewBytes)\r\n")
        out.writeString("Allow: 204\r\n")
        out.writeString("Transfer-Preview: *\r\n")
        out.writeString("Encapsulated: null-body=0\r\n")
        out.writeString("Date: \(httpDate())\r\n")
        if close { out.writeString("Connection: close\r\n") }
        out.writeString("\r\n")
    }

    /// `ICAP/1.0 100 Continue`.
    package static func continueAnswer(into out: inout ByteBuffer) {
        out.writeString("ICAP/1.0 100 Continue\r\n\r\n")
    }

    /// An error status (the connection closes after it).
    package static func error(_ error: ICAPError, isTag: String, into out: inout ByteBuffer) {
        out.writeString("ICAP/1.0 \(error.status) \(ICAPError.reasonPhrase(error.status))\r\n")
        out.writeString("ISTag: \(safeISTag(isTag))\r\n")
        out.writeString("Date: \(httpDate())\r\n")
        out.writeString("Encapsulated: null-body=0\r\n")
        out.writeString("Connection: close\r\n\r\n")
    }

    /// `204 No Content` (a decided allow, or a CONNECT).
    package static func noContent(isTag: String, close: Bool, into out: inout ByteBuffer) {
        out.writeString("ICAP/1.0 204 No Content\r\n")
        out.writeString("ISTag: \(safeISTag(isTag))\r\n")
        out.writeString("Date: \(httpDate())\r\n")
        out.writeString("Encapsulated: null-body=0\r\n")
        if close { out.writeString("Connection: close\r\n") }
        out.writeString("\r\n")
    }

    /// The deny: `200 OK` encapsulating `HTTP/1.1 403 Forbidden` with the decision headers, the AWS
    /// error body's content type and headers, and the body, chunked.
    package static func deny(_ result: CheckResult, isTag: String, close: Bool, into out: inout ByteBuffer) {
        var http: [UInt8] = []
        http.append(contentsOf: "HTTP/1.1 403 Forbidden\r\n".utf8)
        DecisionHeaders.forEach(result) { name, value in appendHeader(name, value, to: &http) }
        let body = DenyBody(denying: result)
        if let body {
            appendHeader("Content-Type", body.contentType, to: &http)
            for (name, value) in body.headers { appendHeader(name, value, to: &http) }
        }
        let bodyBytes = Array((body?.body ?? "").utf8)
        appendHeader("Content-Length", String(bodyBytes.count), to: &http)
        http.append(contentsOf: "\r\n".utf8)
        out.writeString("ICAP/1.0 200 OK\r\n")
        out.writeString("ISTag: \(safeISTag(isTag))\r\n")
        out.writeString("Date: \(httpDate())\r\n")
        out.writeString(
            bodyBytes.isEmpty
                ? "Encapsulated: res-hdr=0, null-body=\(http.count)\r\n"
                : "Encapsulated: res-hdr=0, res-body=\(http.count)\r\n")
        if close { out.writeString("Connection: close\r\n") }
        out.writeString("\r\n")
        out.writeBytes(http)
        if !bodyBytes.isEmpty { writeChunked(bodyBytes, into: &out) }
    }

    /// The allowed request, modified: the client's `x-sigv4-authz-*` headers removed, the rewrite's
    /// headers (identity principal headers, a brokered signature) set, the decision headers added,
    /// the target's query rewritten when the rewrite says so; its body re-sent.
    package static func modified(
        _ check: ICAPCheck, _ result: CheckResult, isTag: String, close: Bool, into out: inout ByteBuffer
    ) {
        let upstream = result.upstream
        var target = check.request.rawTarget
        if let upstream, !upstream.setQueryParameters.isEmpty || !upstream.removeQueryParameters.isEmpty {
            target = rewriteQuery(target, upstream)
        }
        var removed = Set(upstream?.removeHeaders.map { $0.lowercased() } ?? [])
        for field in upstream?.setHeaders ?? [] { removed.insert(field.name.lowercased()) }
        var http: [UInt8] = []
        http.append(contentsOf: "\(check.request.method) \(target) \(check.request.version)\r\n".utf8)
        for field in check.request.headers {
            let lowered = field.name.lowercased()
            if lowered.hasPrefix(DecisionHeaders.prefix) || removed.contains(lowered) { continue }
            appendHeader(field.name, field.value, to: &http)
        }
        for field in upstream?.setHeaders ?? [] { appendHeader(field.name, field.value, to: &http) }
        DecisionHeaders.forEach(result) { name, value in appendHeader(name, value, to: &http) }
        http.append(contentsOf: "\r\n".utf8)
        let body = check.body.bytes ?? []
        out.writeString("ICAP/1.0 200 OK\r\n")
        out.writeString("ISTag: \(safeISTag(isTag))\r\n")
        out.writeString("Date: \(httpDate())\r\n")
        out.writeString(
            check.hasBody
                ? "Encapsulated: req-hdr=0, req-body=\(http.count)\r\n"
                : "Encapsulated: req-hdr=0, null-body=\(http.count)\r\n")
        if close { out.writeString("Connection: close\r\n") }
        out.writeString("\r\n")
        out.writeBytes(http)
        if check.hasBody { writeChunked(body, into: &out) }
    }

    /// The body as one chunk (none when empty) and the last chunk.
    static func writeChunked(_ body: [UInt8], into out: inout ByteBuffer) {
        if !body.isEmpty {
            out.writeString(String(body.count, radix: 16))
            out.writeString("\r\n")
            out.writeBytes(body)
            out.writeString("\r\n")
        }
        out.writeString("0\r\n\r\n")
    }

    /// One header line; a name or value that could break the framing (CR, LF, NUL) is dropped, never
    /// written: every value here is the request's own (already checked) or sigv4-authz's.
    static func appendHeader(_ name: String, _ value: String, to out: inout [UInt8]) {
        guard !name.isEmpty, name.utf8.allSatisfy(ICAPHeadParser.isTokenByte),
            value.utf8.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) })
        else { return }
        out.append(contentsOf: name.utf8)
        out.append(contentsOf: ": ".utf8)
        out.append(contentsOf: value.utf8)
        out.append(contentsOf: "\r\n".utf8)
    }

    /// The ISTag as a quoted string of safe characters (at most 32 inside the quotes, RFC 3507 §4.7).
    static func safeISTag(_ tag: String) -> String {
        let inner = tag.utf8.filter { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        return "\"" + String(decoding: inner.prefix(32), as: UTF8.self) + "\""
    }

    /// The target with the rewrite's query parameters removed and set (set ones replace the same name).
    static func rewriteQuery(_ target: String, _ upstream: UpstreamRewrite) -> String {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = parts.first.map(String.init) ?? target
        let query = parts.count > 1 ? parts[1] : ""
        let drop = Set(upstream.removeQueryParameters + upstream.setQueryParameters.map(\.name))
        var kept = query.split(separator: "&").filter { parameter in
            let name = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            return !drop.contains(String(name)) && !drop.contains(String(name).removingPercentEncoding ?? "")
        }.map(String.init)
        kept += upstream.setQueryParameters.map { "\($0.name)=\($0.value)" }
        return kept.isEmpty ? path : path + "?" + kept.joined(separator: "&")
    }

    /// The current time as an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`).
    static func httpDate() -> String {
        httpDate(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))
    }

    /// `seconds` as an HTTP date (the calendar from SigV4's `CivilTime.fields`).
    package static func httpDate(secondsSinceEpoch seconds: Int64) -> String {
        let (year, month, day, hour, minute, second) = CivilTime.fields(seconds)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let weekday = Int((days % 7 + 11) % 7)  // 1970-01-01 was a Thursday
        let names = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return
            "\(names[weekday]), \(two(day)) \(months[month - 1]) \(year) \(two(hour)):\(two(minute)):\(two(second)) GMT"
    }
}
