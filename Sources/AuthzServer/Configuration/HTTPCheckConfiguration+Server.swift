package import AuthzHTTP
package import AuthzICAP
internal import NIOCore

extension HTTPCheckConfiguration {
    /// The HTTP check listener's settings from the configuration file's `server:` section.
    package init(_ server: ServerConfiguration) {
        self.init()
        envoyPrefix = server.envoyPrefix
        nginxPath = server.nginxPath
        maxBodyBytes = server.maxBodyBytes
        maxHeaderBytes = server.maxHeaderBytes
        idleTimeoutSeconds = server.idleTimeout.components.seconds
        requestTimeoutSeconds = server.requestTimeout.components.seconds
        tlsHandshakeTimeoutSeconds = server.tlsHandshakeTimeout.components.seconds
    }
}

extension ICAPConfiguration {
    /// The ICAP listener's settings from the configuration file's `server:` section; `isTag` names the
    /// configuration in force.
    package init(_ server: ServerConfiguration, isTag: @escaping @Sendable () -> String) {
        self.init()
        maxHeaderBytes = server.maxHeaderBytes
        maxBodyBytes = server.maxBodyBytes
        maxConnections = server.maxConnections
        requestTimeout = .nanoseconds(Int64(server.requestTimeout.components.seconds) * 1_000_000_000)
        idleTimeout = .nanoseconds(Int64(server.idleTimeout.components.seconds) * 1_000_000_000)
        self.isTag = isTag
    }
}
