package import AuthzCore
internal import Foundation
internal import Policy
internal import SigV4

/// Squid's `external_acl_type` helper protocol (Squid 5), as `sigv4-authz squid-helper` speaks it.
///
/// Squid writes one lookup per line and reads one reply per line (`docs/reference/nginx-squid.md`).
/// The lookup's fields are the `FORMAT` codes of the `external_acl_type` line, each URL-escaped by Squid
/// and separated by spaces. A `FORMAT` is only `%` codes (Squid takes the first other word for the
/// helper's path), so header values are positional:
///
/// ```
/// [channel-id] CLIENT METHOD URL VALUE-1 … VALUE-n [%DATA …]
/// ```
///
/// - `channel-id`: a decimal number, present when the helper runs with `concurrency=N`; echoed.
/// - `CLIENT` (`%>a`), `METHOD` (`%>rm`), `URL` (`%>ru`, absolute-form, or `host:port` for CONNECT).
/// - One `%>ha{Name}` value per name in the helper's header list (``defaultHeaderNames`` unless
///   `--headers` says otherwise), in that order; `-` is Squid's "absent".
/// - Anything after them (Squid appends `%DATA`, `-` without acl arguments) is ignored.
///
/// Squid can pass only the headers the `FORMAT` names, so the request is marked
/// ``AuthzRequest/headersArePartial``: a signed header outside the list is unknown, not missing.
///
/// The reply is `[channel-id] OK|ERR message=… log=<reason> decision=… reason=… rule=… account=…
/// account_name=… region=… service=… action=… request_id=…`, every value URL-escaped, empty ones omitted.
/// Squid shows `message=` on its error page (`%o`), logs `log=` (`%ea`), and keeps the other keys as
/// annotations (`%{decision}note`) that `request_header_add` can forward upstream.
///
/// A line that cannot be read is answered `ERR` with reason `internal_error` (never `BH`), so Squid
/// denies.
package enum SquidHelperCodec {
    /// One lookup read from Squid.
    package struct Lookup: Sendable {
        /// The concurrency channel id to echo, if Squid sent one.
        package var channel: Substring?
        /// The original request, or why it could not be read.
        package var request: Result<AuthzRequest, LookupError>
    }

    /// Why a lookup line could not be turned into a request.
    package struct LookupError: Error, Sendable, Hashable {
        /// What is wrong with the line, in words.
        package var message: String
    }

    /// The headers `squid/squid.conf` passes, in its `FORMAT`'s order: what signing, the time, the
    /// scope cross-check and classification read, the headers botocore signs on common calls, and the
    /// S3 headers that make AWS authorize more (ACL grants, tagging, Object Lock, SSE-KMS, the
    /// expected bucket owner, Content-Encoding). A header outside the list is unknown, so what it could
    /// trigger is assumed (a PutObject then also needs `s3:PutObjectAcl`, `kms:GenerateDataKey`, …).
    package static let defaultHeaderNames = [
        "Host", "Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256", "X-Amz-Target",
        "Content-Type", "X-Amz-Copy-Source", "Date", "X-Amz-Region-Set", "X-Amz-Checksum-Crc32",
        "X-Amz-Sdk-Checksum-Algorithm", "X-Amz-Checksum-Mode", "X-Amzn-Query-Mode",
        "X-Amz-Acl", "X-Amz-Grant-Read", "X-Amz-Grant-Read-Acp", "X-Amz-Grant-Write-Acp", "X-Amz-Grant-Full-Control",
        "X-Amz-Grant-Write", "X-Amz-Tagging", "X-Amz-Object-Lock-Mode", "X-Amz-Object-Lock-Retain-Until-Date",
        "X-Amz-Object-Lock-Legal-Hold", "X-Amz-Server-Side-Encryption", "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id",
        "X-Amz-Expected-Bucket-Owner", "Content-Encoding",
    ]

    /// Longest lookup line read (Squid's own request header limit is 64 KiB; URL-escaping can triple it).
    package static let maximumLineBytes = 256 * 1024

    /// Reads one lookup line (without its newline) whose header values are those of `headerNames`.
    package static func parse(_ line: Substring, headerNames: [String] = defaultHeaderNames) -> Lookup {
        var tokens = line.split(separator: " ", omittingEmptySubsequences: true)[...]
        var channel: Substring?
        if let first = tokens.first, first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), first.utf8.count <= 20 {
            channel = first
            tokens = tokens.dropFirst()
        }
        func failure(_ message: String) -> Lookup {
            Lookup(channel: channel, request: .failure(LookupError(message: message)))
        }
        guard line.utf8.count <= maximumLineBytes else { return failure("the lookup line is longer than 256 KiB") }
        guard tokens.count >= 3 + headerNames.count else {
            return failure(
                "the lookup line has \(tokens.count) fields, not CLIENT METHOD URL and \(headerNames.count) header values (check the external_acl_type FORMAT against --headers)"
            )
        }
        let fields = Array(tokens)
        guard let client = percentDecoded(fields[0]), let method = percentDecoded(fields[1]),
            let url = percentDecoded(fields[2])
        else { return failure("the lookup line holds a bad %-escape") }
        guard !method.isEmpty, method != "-", method.utf8.allSatisfy(HTTPToken.isTokenByte) else {
            return failure("the request method is missing or invalid")
        }
        guard let (authority, target) = split(url: url, method: method) else {
            return failure("the request URL is not absolute (use %>ru in the FORMAT)")
        }

        var headers: [HeaderField] = []
        for (name, rawValue) in zip(headerNames, fields[3..<(3 + headerNames.count)]) where rawValue != "-" {
            guard let value = percentDecoded(rawValue) else { return failure("the lookup line holds a bad %-escape") }
            headers.append(HeaderField(name, value))
        }
        var request = AuthzRequest(
            method: method, host: authority, target: target, headers: headers,
            sourceAddress: client == "-" || client.isEmpty ? nil : client, mode: .squid)
        request.headersArePartial = true
        request.passedHeaderNames = Set(headerNames.map { $0.lowercased() })
        return Lookup(channel: channel, request: .success(request))
    }

    /// Checks a `--headers` list: HTTP header names, no duplicates.
    package static func validate(headerNames: [String]) -> String? {
        var seen: Set<String> = []
        for name in headerNames {
            guard !name.isEmpty, name.utf8.allSatisfy(HTTPToken.isTokenByte) else {
                return "\(name) is not an HTTP header name"
            }
            guard seen.insert(name.lowercased()).inserted else { return "\(name) is listed twice" }
        }
        return nil
    }

    /// The reply line (without its newline) for a result: `OK`/`ERR`, the message, the reason for
    /// Squid's log, and the decision headers' facts as `key=value` annotations (empty ones omitted).
    package static func reply(channel: Substring?, result: CheckResult) -> String {
        var out = ""
        out.reserveCapacity(256)
        if let channel { out += "\(channel) " }
        out += result.decision.answer == .allow ? "OK" : "ERR"
        out += " message=" + percentEncoded(result.message)
        out += " log=" + percentEncoded(result.decision.reason.rawValue)
        let prefix = DecisionHeaders.prefix
        DecisionHeaders.forEach(result) { name, value in
            guard name.hasPrefix(prefix), !value.isEmpty else { return }
            let key = name.dropFirst(prefix.count)
            if key == "message" { return }
            out += " " + key.replacingOccurrences(of: "-", with: "_") + "=" + percentEncoded(value)
        }
        return out
    }

    // MARK: - Pieces

    /// `http://host[:port]/path?query` → (`host[:port]`, `/path?query`); `host:port` for CONNECT.
    static func split(url: String, method: String) -> (authority: String, target: String)? {
        if let schemeEnd = url.range(of: "://") {
            let scheme = url[..<schemeEnd.lowerBound].lowercased()
            guard scheme == "http" || scheme == "https" else { return nil }
            let rest = url[schemeEnd.upperBound...]
            let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            var authority = rest[..<slash]
            // userinfo@ is not part of the authority a signature covers; its presence is suspicious.
            if authority.contains("@") { return nil }
            guard !authority.isEmpty else { return nil }
            var target = String(rest[slash...])
            if target.isEmpty { target = "/" } else if target.first == "?" { target = "/" + target }
            // Default ports are not part of the signed Host header.
            if scheme == "http", authority.hasSuffix(":80") { authority = authority.dropLast(3) }
            if scheme == "https", authority.hasSuffix(":443") { authority = authority.dropLast(4) }
            // A port without a host (`http://:80/k`) names no host.
            guard let first = authority.first, first != ":" else { return nil }
            return (String(authority), target)
        }
        if method == "CONNECT", !url.isEmpty, !url.contains("/") { return (url, "/") }
        return nil
    }

    /// Decodes `%XX` escapes (Squid's `rfc1738_escape`); `nil` for a broken escape or invalid UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return String(text) }
        return PercentDecoding.string(text, plusAsSpace: false)
    }

    /// Escapes everything but RFC 3986 unreserved characters, so a value is one token for Squid.
    static func percentEncoded(_ text: String) -> String { PercentEncoding.encode(text) }
}
