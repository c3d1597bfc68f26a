internal import Foundation
package import NIOCertificateReloading
internal import NIOSSL

/// TLS for the check listeners: one certificate reloader (it re-reads the certificate and key files
/// every poll interval, so a renewed certificate — a Kubernetes Secret update — is used for new
/// connections without a restart), optional client verification against `client_ca` (mTLS), and
/// ALPN `h2` / `http/1.1` on the HTTP listener.
package struct TLSSupport: Sendable {
    /// The reloader; run it as a service.
    package let reloader: TimedCertificateReloader
    let clientCA: String?
    let serverContext: NIOSSLContext

    /// Loads the certificate and key once (so a bad path fails at startup) and builds the contexts.
    /// - Throws: ``ServerError`` when a file cannot be read or is not PEM.
    package init(_ tls: ServerConfiguration.TLS, refresh: Duration) throws(ServerError) {
        let reloader = TimedCertificateReloader(
            refreshInterval: refresh,
            certificateSource: .init(location: .file(path: tls.certificate), format: .pem),
            privateKeySource: .init(location: .file(path: tls.key), format: .pem))
        func fail(_ message: String) -> ServerError { ServerError(message) }
        do {
            try reloader.reload()
            var configuration: TLSConfiguration
            if let clientCA = tls.clientCA {
                guard FileManager.default.fileExists(atPath: clientCA) else {
                    throw fail("tls.client_ca \(clientCA) does not exist")
                }
                configuration = try .makeServerConfigurationWithMTLS(
                    certificateReloader: reloader, trustRoots: .file(clientCA))
            } else {
                configuration = try .makeServerConfiguration(certificateReloader: reloader)
            }
            configuration.applicationProtocols = ["h2", "http/1.1"]
            configuration.minimumTLSVersion = .tlsv12
            self.serverContext = try NIOSSLContext(configuration: configuration)
        } catch let error as ServerError {
            throw error
        } catch {
            throw fail("cannot load the TLS certificate \(tls.certificate) and key \(tls.key): \(error)")
        }
        self.reloader = reloader
        self.clientCA = tls.clientCA
    }
}
