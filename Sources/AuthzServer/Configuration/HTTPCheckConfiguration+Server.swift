package import AuthzHTTP

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
