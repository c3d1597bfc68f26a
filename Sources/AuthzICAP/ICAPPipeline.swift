package import AuthzCore
package import NIOCore

/// Sets up an ICAP connection (RFC 3507 REQMOD service).
package enum ICAPPipeline {
    /// Adds the ICAP handlers (idle timeout, then the check handler, which parses, bounds and times
    /// requests itself) to a new connection's channel, on its event loop.
    package static func configure(
        _ channel: any Channel, configuration: ICAPConfiguration, authorizer: any Authorizer
    ) throws {
        try channel.pipeline.syncOperations.addHandler(IdleStateHandler(allTimeout: configuration.idleTimeout))
        try channel.pipeline.syncOperations.addHandler(
            ICAPHandler(configuration: configuration, authorizer: authorizer, allocator: channel.allocator))
    }
}
