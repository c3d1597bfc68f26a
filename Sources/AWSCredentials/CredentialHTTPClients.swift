public import AsyncHTTPClient
public import NIOCore

/// The HTTP clients of sigv4-authz's credential calls: one for the link-local and loopback metadata
/// endpoints (IMDS, the container endpoint: a 1 s connect timeout, as the AWS SDKs use), one for STS
/// (a 3 s connect timeout). Neither follows redirects (a redirect could carry a signed request or a
/// token elsewhere) nor uses a proxy.
///
/// The owner shuts them down (``shutdown()``) after the last call.
public final class CredentialHTTPClients: Sendable {
    /// IMDS and the container endpoint.
    public let metadata: HTTPClient
    /// STS.
    public let sts: HTTPClient

    /// Creates both clients on `eventLoopGroup`.
    public init(eventLoopGroup: any EventLoopGroup = HTTPClient.defaultEventLoopGroup) {
        metadata = HTTPClient(
            eventLoopGroup: eventLoopGroup,
            configuration: Self.configuration(connectTimeout: .seconds(1)))
        sts = HTTPClient(
            eventLoopGroup: eventLoopGroup,
            configuration: Self.configuration(connectTimeout: .seconds(3)))
    }

    /// A client configuration: no redirects, no proxy, no decompression, `connectTimeout`.
    public static func configuration(connectTimeout: TimeAmount) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: connectTimeout, read: .seconds(10))
        configuration.proxy = nil
        configuration.decompression = .disabled
        configuration.httpVersion = .http1Only
        return configuration
    }

    /// Shuts both clients down.
    public func shutdown() async throws {
        try await metadata.shutdown()
        try await sts.shutdown()
    }
}
