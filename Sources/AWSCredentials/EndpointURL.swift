internal import NIOCore

/// An `http` or `https` URL of an endpoint sigv4-authz asks for credentials (STS, IMDS, the container
/// endpoint), read strictly: no user info, no fragment, no whitespace or control character, a port
/// from 1 to 65535.
package struct EndpointURL: Sendable, Equatable, CustomStringConvertible {
    /// `http` or `https` (lower case).
    package var scheme: String
    /// The host, without the brackets of an IPv6 literal.
    package var host: String
    /// The port, when the URL names one.
    package var port: Int?
    /// The path, `/` when the URL has none.
    package var path: String
    /// The query without `?`, empty when there is none.
    package var query: String

    /// Reads `text`; `nil` when it is not such a URL.
    package init?(_ text: String) {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }), !text.contains("#") else {
            return nil
        }
        guard let schemeEnd = text.firstRange(of: "://") else { return nil }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
            guard host.contains(":") else { return nil }
        } else {
            if let colon = authority.lastIndex(of: ":") {
                host = authority[..<colon]
                portText = authority[authority.index(after: colon)...]
            } else {
                host = authority
            }
            guard !host.contains(":"), !host.contains("["), !host.contains("]") else { return nil }
        }
        guard !host.isEmpty else { return nil }
        var port: Int?
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let value = Int(portText), (1...65_535).contains(value)
            else { return nil }
            port = value
        }
        let target = rest[authorityEnd...]
        var path = Substring("/")
        var query = Substring("")
        if let question = target.firstIndex(of: "?") {
            if question != target.startIndex { path = target[..<question] }
            query = target[target.index(after: question)...]
        } else if !target.isEmpty {
            path = target
        }
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = port
        self.path = String(path)
        self.query = String(query)
    }

    /// Whether the host is written as an IPv6 literal.
    package var isIPv6: Bool { host.contains(":") }

    /// The `Host` header: the host (bracketed when IPv6) and the port when it is not the scheme's default.
    package var hostHeader: String {
        let name = isIPv6 ? "[\(host)]" : host
        guard let port, port != (scheme == "https" ? 443 : 80) else { return name }
        return "\(name):\(port)"
    }

    /// The URL with `path` (and no query) in place of its own, for the endpoints under a base URL.
    package func appending(path extra: String) -> EndpointURL {
        var copy = self
        copy.path = (path.hasSuffix("/") ? String(path.dropLast()) : path) + extra
        if copy.path.isEmpty { copy.path = "/" }
        copy.query = ""
        return copy
    }

    /// The host in canonical form when it is an IP literal (`127.000.0.1` is not one; `::1`,
    /// `fd00:ec2:0::23` → `fd00:ec2::23`); `nil` for a name.
    package var canonicalIPAddress: String? {
        guard let address = try? SocketAddress(ipAddress: host, port: 0) else { return nil }
        return address.ipAddress
    }

    /// The URL as text.
    package var description: String {
        "\(scheme)://\(hostHeader)\(path)\(query.isEmpty ? "" : "?" + query)"
    }
}
