package import Foundation

/// The committed oracle vector files (`Vectors/`, written by the `scripts/generate-*-vectors.py`
/// generators), for every test target that reads them:
/// - `botocore.json` (botocore-signed SigV4 requests) and `sigv4a.json` (AWS CRT SigV4a requests),
///   both ``OracleFile``s: SigV4Tests, and AuthzServerTests through the real gRPC listener;
/// - `adversarial.json` (requests judged through every front end): AuthzServerTests.
package enum CommittedVectors {
    /// The URL of `Vectors/<name>.json` in this target's bundle, or `nil` when it is missing.
    package static func url(_ name: String) -> URL? {
        Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Vectors")
    }

    /// `Vectors/<name>.json` decoded as `type`; `nil` when it is missing or does not decode.
    package static func decode<T: Decodable>(_ type: T.Type, _ name: String) -> T? {
        guard let url = url(name), let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(type, from: data)
    }

    /// The vectors of an oracle file (`botocore`, `sigv4a`); empty when it is missing or unreadable.
    package static func oracle(_ name: String) -> [OracleVector] {
        decode(OracleFile.self, name)?.vectors ?? []
    }
}
