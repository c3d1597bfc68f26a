import Foundation
import Testing

/// `sigv4-authz validate` and its warnings: exit 0 with warnings, 2 with `--strict`.
@Suite("validate --strict")
struct ValidateStrictTests {
    static let dead = """
        default: deny
        rules:
          - name: no-public-access-changes
            effect: deny
            actions: [s3:PutPublicAccessBlock]
        """

    @Test(
        "exit statuses",
        arguments: [
            (dead, [String](), Int32(0)), (dead, ["--strict"], Int32(2)),
            ("default: deny\nrules: []\n", ["--strict"], Int32(0)),
            ("default: deny\nrules:\n  - { name: r, effect: deny, actions: [s3:GetObject] }\n", ["--strict"], Int32(0)),
            ("defualt: deny\n", ["--strict"], Int32(2)),
        ])
    func status(config: String, flags: [String], expected: Int32) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sigv4-authz-strict-\(UUID().uuidString).yaml")
        try config.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try CommandLineTests.run(["validate"] + flags + [file.path])
        #expect(result.status == expected, "\(result.error)")
        if config == Self.dead {
            #expect(
                result.error.contains(
                    "\(file.path):5:15: warning: rule no-public-access-changes: s3:PutPublicAccessBlock is not an IAM action of s3 that sigv4-authz derives; S3 authorizes the PutPublicAccessBlock operation as s3:PutBucketPublicAccessBlock"
                ), "\(result.error)")
            #expect(result.output.contains("OK") == flags.isEmpty)
        }
    }

    @Test(
        "every shipped configuration passes validate --strict",
        arguments: [
            "Sources/sigv4-authz/config.example.yaml", "deploy/kubernetes/base/config.yaml",
            "deploy/kubernetes/overlays/sidecar/config.yaml", "deploy/kubernetes/overlays/brokering/config.yaml",
        ])
    func shipped(path: String) throws {
        let result = try CommandLineTests.run([
            "validate", "--strict", CommandLineTests.root.appendingPathComponent(path).path,
        ])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.error.isEmpty, "\(result.error)")
    }
}
