import AuthzCore
import AuthzServer
import Foundation
import Logging
import Policy
import Testing

@Suite("Configuration reload: a file being written is not loaded half-written")
struct ConfigReloadSettleTests {
    /// A reloader (not running: the test calls its poll) over a file holding `TestServer.baseConfig`.
    static func reloader(in directory: URL) throws -> (ConfigReloader, LiveAuthorizer, String) {
        let model = try #require(TestServer.model)
        let path = directory.appendingPathComponent("config.yaml").path
        try TestServer.baseConfig.write(toFile: path, atomically: true, encoding: .utf8)
        let file = try ConfigurationFile.load(path: path)
        let engine = try PolicyLoader.engine(for: file, model: model)
        let authorizer = LiveAuthorizer(
            engine: engine, audit: file.server.audit, path: path, metrics: ServerMetrics(version: "test"), sink: nil)
        let reloader = ConfigReloader(
            path: path, model: model, authorizer: authorizer, logger: Logger(label: "test"), pollInterval: .seconds(60))
        return (reloader, authorizer, path)
    }

    /// Rewrites the file in place (truncated, then written): the inode stays, as with an editor.
    static func writeInPlace(_ text: String, to path: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    @Test("the poll loads a change only once two polls see the same file")
    func settles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("settle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (reloader, authorizer, path) = try Self.reloader(in: directory)
        let full = authorizer.snapshot.engine.policy.summary
        #expect(reloader.reloadIfSettled() == nil)  // unchanged

        // A writer stopped half-way: the part before `rules:` is itself a valid configuration, one
        // without the deny rule (and without `default:`).
        let prefix = String(try #require(TestServer.baseConfig.components(separatedBy: "rules:").first))
        try Self.writeInPlace(prefix, to: path)
        #expect(try ConfigurationFile.load(path: path).server.audit == authorizer.snapshot.audit)  // it parses
        #expect(reloader.reloadIfSettled() == nil)  // seen once: not loaded
        #expect(authorizer.snapshot.generation == 1)

        // The writer finishes (a different size), then two polls see the same file: loaded.
        try Self.writeInPlace(TestServer.baseConfig + "\n# edited\n", to: path)
        #expect(reloader.reloadIfSettled() == nil)
        #expect(authorizer.snapshot.generation == 1)
        #expect(reloader.reloadIfSettled() == 2)
        #expect(authorizer.snapshot.engine.policy.summary == full)
        #expect(reloader.reloadIfSettled() == nil)  // loaded: nothing more to do
        #expect(authorizer.snapshot.generation == 2)

        // A file that stays half-written is loaded, at the second poll (it is what the file says).
        try Self.writeInPlace(prefix, to: path)
        #expect(reloader.reloadIfSettled() == nil)
        #expect(reloader.reloadIfSettled() == 3)
        #expect(authorizer.snapshot.engine.policy.summary != full)
    }

    @Test("a deleted file: the poll logs one failure and the policy stays")
    func deleted() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("settle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (reloader, authorizer, path) = try Self.reloader(in: directory)
        try FileManager.default.removeItem(atPath: path)
        for _ in 0..<5 { #expect(reloader.reloadIfSettled() == nil) }
        #expect(authorizer.snapshot.generation == 1)
        let failed = authorizer.metrics.render().split(separator: "\n").filter {
            $0.hasPrefix("sigv4authz_config_reloads_total{result=\"failed\"}")
        }
        #expect(failed == ["sigv4authz_config_reloads_total{result=\"failed\"} 1"])
    }
}
