import Crypto
import Foundation
import Testing

/// The code generated from `Protos/` is up to date: `scripts/generate-protos.sh` writes the SHA-256 of
/// every input (each `Protos/**/*.proto` and the script itself) into
/// `Sources/AuthzGRPC/Generated/README.md`; this recomputes them from the checkout, so a changed,
/// added or removed input fails here without protoc.
@Suite struct GeneratedCodeTests {
    static let regenerate = "run scripts/generate-protos.sh"

    /// The repository root: three levels above this file (`Tests/AuthzGRPCTests/`).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let generated = root.appendingPathComponent("Sources/AuthzGRPC/Generated")

    /// `path → SHA-256 (lower-case hex)` from the README's `sha256sum` lines.
    static func recorded() throws -> [String: String] {
        let readme = try String(contentsOf: generated.appendingPathComponent("README.md"), encoding: .utf8)
        var hashes: [String: String] = [:]
        for line in readme.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].count == 64, parts[0].allSatisfy(\.isHexDigit),
                parts[1].hasPrefix(" ")
            else { continue }
            hashes[String(parts[1].dropFirst())] = String(parts[0])
        }
        return hashes
    }

    /// `path → SHA-256` of the inputs as they are in the checkout.
    static func current() throws -> [String: String] {
        var paths = ["scripts/generate-protos.sh"]
        let protos = root.appendingPathComponent("Protos")
        let files = try #require(FileManager.default.enumerator(at: protos, includingPropertiesForKeys: nil))
        for case let url as URL in files where url.pathExtension == "proto" {
            let relative = url.standardizedFileURL.path.dropFirst(protos.standardizedFileURL.path.count)
            paths.append("Protos" + relative)
        }
        var hashes: [String: String] = [:]
        for path in paths {
            let data = try Data(contentsOf: root.appendingPathComponent(path))
            hashes[path] = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        }
        return hashes
    }

    @Test func inputsMatchTheRecordedHashes() throws {
        let recorded = try Self.recorded()
        let current = try Self.current()
        #expect(current.count > 1, "no .proto files found under \(Self.root.path)/Protos")
        for path in Set(recorded.keys).union(current.keys).sorted() {
            switch (recorded[path], current[path]) {
            case (nil, _):
                Issue.record("\(path) is not recorded in Sources/AuthzGRPC/Generated/README.md: \(Self.regenerate)")
            case (_, nil):
                Issue.record("\(path) is recorded but no longer exists: \(Self.regenerate)")
            case (let old?, let new?) where old != new:
                Issue.record("\(path) changed since the code was generated: \(Self.regenerate)")
            default:
                break
            }
        }
    }

    /// Every `.proto` has its messages generated (`FileNaming=PathToUnderscores`).
    @Test func everyProtoHasGeneratedMessages() throws {
        for path in try Self.current().keys where path.hasSuffix(".proto") {
            let name =
                path.dropFirst("Protos/".count).dropLast(".proto".count).replacingOccurrences(of: "/", with: "_")
                + ".pb.swift"
            #expect(
                FileManager.default.fileExists(atPath: Self.generated.appendingPathComponent(name).path),
                "\(name) is missing for \(path): \(Self.regenerate)")
        }
    }
}
