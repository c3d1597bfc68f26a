import Foundation
import OracleVectors
import SigV4
import Testing

enum Fixtures {
    /// The package root, found from this file's path.
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }
}

/// Parses a request and returns its SigV4 credential, recording an issue otherwise.
func sigV4Credential(
    _ request: SigV4Request, sourceLocation: SourceLocation = #_sourceLocation
) throws -> SigV4Credential {
    let authentication = try RequestAuthentication(parsing: request)
    guard case .sigV4(let credential) = authentication else {
        Issue.record("expected a SigV4 credential, got \(authentication)", sourceLocation: sourceLocation)
        throw SigV4Error(.missingField)
    }
    return credential
}

/// The error `body` throws, or `nil`.
func sigV4Error(_ body: () throws(SigV4Error) -> Void) -> SigV4Error? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}

/// The error that parsing and verifying `wire` with `secret` ends in, or `nil` when it verifies.
/// A signature that cannot be checked counts as an error (`missingField`, "not checked").
func verificationError(_ wire: VectorRequest, secret: String) -> SigV4Error? {
    let request = wire.sigV4Request
    return sigV4Error { () throws(SigV4Error) in
        guard case .sigV4(let credential) = try RequestAuthentication(parsing: request) else {
            throw SigV4Error(.missingField)
        }
        let result = try SigV4Verifier.verify(request, credential: credential, secretAccessKey: secret, body: wire.body)
        if result != .verified { throw SigV4Error(.missingField, "not checked") }
    }
}
