/// The server cannot start or keep running for a reason that is not the configuration's syntax: a
/// TLS file that cannot be loaded, an address it cannot bind, an audit file it cannot open.
///
/// Configuration problems are ``ConfigError``s with positions; these have none, only what failed
/// and why. The executable prints the message and exits with status 2.
package struct ServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What failed and why.
    package var message: String

    /// Creates an error.
    package init(_ message: String) { self.message = message }

    package var description: String { message }
}
