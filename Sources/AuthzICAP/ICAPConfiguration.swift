package import NIOCore

/// The ICAP listener's settings. The server builds it from its configuration's `server:` section and
/// the configuration generation (the `ISTag`).
package struct ICAPConfiguration: Sendable {
    /// The ICAP URI's path: `icap://host:1344/sigv4-authz`; other paths are answered 404.
    package var service = "sigv4-authz"
    /// The largest ICAP head plus encapsulated HTTP head, in bytes (`server.max_header_bytes`).
    package var maxHeaderBytes = 65_536
    /// The largest request body read (`server.max_body_bytes`); a larger one is not read on and the
    /// core denies it `body_too_large`.
    package var maxBodyBytes = 1 << 20
    /// The preview size advertised in the OPTIONS answer.
    package var previewBytes = 4096
    /// The connection cap advertised in the OPTIONS answer (`server.max_connections`).
    package var maxConnections = 10_000
    /// Seconds the client may cache the OPTIONS answer.
    package var optionsTTL = 60
    /// A request must arrive whole within this, from its first byte.
    package var requestTimeout = TimeAmount.seconds(10)
    /// Persistent connections with no traffic for this long are closed.
    package var idleTimeout = TimeAmount.seconds(60)
    /// The service tag, quoted; it changes with the configuration generation.
    package var isTag: @Sendable () -> String = { "\"sigv4-authz-1\"" }

    /// Called for each CONNECT answered 204 without a decision (the server counts them; see
    /// `ICAPHandler.StateMachine.connectIsCheckedInside`).
    package var connectAnswered: @Sendable () -> Void = {}

    /// The defaults.
    package init() {}
}
