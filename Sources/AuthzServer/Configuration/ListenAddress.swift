internal import Policy

/// An `IP:port` a listener binds: `0.0.0.0:8080`, `127.0.0.1:9090`, `[::]:9001`.
///
/// The host is an IP address literal, never a name: a listener binds an address, and a name such as
/// `localhost` would be resolved only when binding (to whichever address the resolver returns
/// first), so the configuration refuses it where it is written.
package struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// The IP address, without brackets.
    package var host: String
    /// The port; 0 for any free port.
    package var port: Int

    /// Why text is not a listen address: a sentence that says how to write one.
    package struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong and how to fix it.
        package var message: String
        package var description: String { message }
    }

    /// Parses `IPv4:port` or `[IPv6]:port`; `what` names the setting in the error (`listen.grpc`).
    package init(parsing text: String, for what: String = "a listen address") throws(ParseError) {
        let form =
            "\(what) must be IP:port with a port from 0 (any free port) to 65535, such as 0.0.0.0:8080 or [::]:8080"
        guard let colon = text.lastIndex(of: ":") else { throw ParseError(message: form) }
        let host = text[..<colon]
        let port = text[text.index(after: colon)...]
        guard !port.isEmpty, port.count <= 5, port.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let number = Int(port), number <= 65535
        else { throw ParseError(message: form) }
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2, let address = IPAddress(host), !address.isIPv4 else {
                throw ParseError(message: "\(what): '\(host)' is not an IPv6 address in brackets, such as [::]:\(port)")
            }
            self.init(host: String(host.dropFirst().dropLast()), port: number)
            return
        }
        guard let address = IPAddress(host) else {
            throw ParseError(
                message: host.isEmpty
                    ? form
                    : "\(what): '\(host)' is not an IP address; a listener binds an address, not a host name (use 127.0.0.1 or [::1] for loopback only, 0.0.0.0 or [::] for every interface)"
            )
        }
        guard address.isIPv4 else {
            throw ParseError(
                message: "\(what): write an IPv6 address in brackets, such as [\(host)]:\(port)")
        }
        self.init(host: String(host), port: number)
    }

    /// Parses `IPv4:port` or `[IPv6]:port`; `nil` for anything else.
    package init?(_ text: String) {
        guard let address = try? ListenAddress(parsing: text) else { return nil }
        self = address
    }

    /// An address from its parts (`host` an IP address, without brackets).
    package init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    package var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
