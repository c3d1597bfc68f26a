import Foundation
import Testing

/// The `sigv4-authz` executable, run as a process: output and exit status.
@Suite("Command line")
struct CommandLineTests {
    /// The built executable, next to this test bundle in the build folder.
    static var executable: URL? {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("sigv4-authz")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let example = root.appendingPathComponent("Sources/sigv4-authz/config.example.yaml").path

    struct Result {
        var status: Int32
        var output: String
        var error: String
    }

    static func run(_ arguments: [String], stdin: String? = nil) throws -> Result {
        let binary = try #require(
            executable, "build the sigv4-authz product first (swift build --build-tests builds it)")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
            error: String(decoding: error, as: UTF8.self))
    }

    @Test("the binary stands alone: a copy in an empty folder loads the compiled-in model and example")
    func standalone() throws {
        let binary = try #require(Self.executable, "build the sigv4-authz product first")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sigv4-authz-alone-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let copy = folder.appendingPathComponent("sigv4-authz")
        try FileManager.default.copyItem(at: binary, to: copy)
        let process = Process()
        process.executableURL = copy
        process.currentDirectoryURL = folder
        process.arguments = [
            "check", "--config", Self.example, "--credential",
            "AKIAV7S32T2OSBFJQOIY/20260115/eu-north-1/ec2/aws4_request",
        ]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.contains("decision: allow"))
    }

    @Test("the compiled-in example configuration is config.example.yaml (scripts/embed-example-config.py)")
    func embeddedExample() throws {
        let file = try String(contentsOfFile: Self.example, encoding: .utf8)
        let generated = try String(
            contentsOf: Self.root.appendingPathComponent("Sources/sigv4-authz/Generated/ExampleConfiguration.swift"),
            encoding: .utf8)
        let start = try #require(generated.range(of: "#\"\"\"\n"))
        let end = try #require(generated.range(of: "\"\"\"#", options: .backwards))
        #expect(String(generated[start.upperBound..<end.lowerBound]) == file)
    }

    @Test("--version prints the version the metrics report (sigv4authz_build_info)")
    func version() throws {
        let result = try Self.run(["--version"])
        #expect(result.status == 0)
        let source = try String(
            contentsOf: Self.root.appendingPathComponent("Sources/sigv4-authz/Serve.swift"), encoding: .utf8)
        let declared = try #require(
            source.split(separator: "\n").first { $0.contains("static let current = ") }?
                .split(separator: "\"").dropFirst().first)
        #expect(result.output == "\(declared)\n")
    }

    @Test("account-id derives the account, and refuses old keys with status 2")
    func accountID() throws {
        let ok = try Self.run(["account-id", "ASIAY34FZKBOKMUTVV7A"])
        #expect(ok.status == 0)
        #expect(ok.output == "609629065308\n")
        let legacy = try Self.run(["account-id", "AKIAIOSFODNN7EXAMPLE"])
        #expect(legacy.status == 2)
        #expect(legacy.error.contains("old generation"))
    }

    @Test("validate accepts the bundled example and reports a bad file with its position")
    func validate() throws {
        let ok = try Self.run(["validate", Self.example])
        #expect(ok.status == 0, "\(ok.error)")
        #expect(ok.output.contains("OK"))
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sigv4-authz-bad-\(UUID().uuidString).yaml")
        try "default: deny\nrules:\n  - { name: r, effect: deny, sources: [\"10.0.0.1/8\"] }\n".write(
            to: bad, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: bad) }
        let result = try Self.run(["validate", bad.path])
        #expect(result.status == 2)
        #expect(result.error.contains("\(bad.path):3:40: a source is a CIDR"), "\(result.error)")
    }

    @Test("validate refuses a listen address that is a host name, at its position")
    func validateListenAddress() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sigv4-authz-listen-\(UUID().uuidString).yaml")
        try "default: deny\nlisten:\n  grpc: localhost:9001\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try Self.run(["validate", file.path])
        #expect(result.status == 2)
        #expect(
            result.error.contains("\(file.path):3:9: listen.grpc: 'localhost' is not an IP address"), "\(result.error)")
    }

    @Test("serve reports a start-up failure (TLS files it cannot load) without a position, status 2")
    func serveStartupFailure() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sigv4-authz-tls-\(UUID().uuidString).yaml")
        try """
        listen: { http: "127.0.0.1:0", grpc: "127.0.0.1:0", admin: "127.0.0.1:0" }
        tls: { cert: /nonexistent/tls.crt, key: /nonexistent/tls.key }
        default: deny
        """.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let validated = try Self.run(["validate", file.path])
        #expect(validated.status == 0, "\(validated.error)")
        let served = try Self.run(["serve", "--config", file.path])
        #expect(served.status == 2)
        #expect(
            served.error.contains("sigv4-authz: cannot load the TLS certificate /nonexistent/tls.crt"),
            "\(served.error)")
        #expect(!served.error.contains(":0:0"))
    }

    @Test("check: a credential, a raw request, a curl-like request; exit 0 allow, 1 deny, 2 usage")
    func check() throws {
        let allowed = try Self.run([
            "check", "--config", Self.example, "--credential",
            "AKIAV7S32T2OSBFJQOIY/20260115/eu-north-1/ec2/aws4_request",
        ])
        #expect(allowed.status == 0, "\(allowed.output)\(allowed.error)")
        #expect(allowed.output.contains("decision: allow"))
        #expect(allowed.output.contains("staging"))
        let denied = try Self.run([
            "check", "--config", Self.example, "--credential",
            "ASIAVJ2E6QGR2WZILJFM/20260115/eu-west-1/s3/aws4_request", "--json",
        ])
        #expect(denied.status == 1)
        let object = try JSONSerialization.jsonObject(with: Data(denied.output.utf8)) as? [String: Any]
        #expect(object?["reason"] as? String == "denied_by_rule")

        let request = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sigv4-authz-req-\(UUID().uuidString).http")
        try """
        GET /reports/q1.csv HTTP/1.1
        Host: prod-data.s3.eu-west-1.amazonaws.com
        X-Amz-Date: 20260115T123456Z
        X-Amz-Content-SHA256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
        Authorization: AWS4-HMAC-SHA256 Credential=AKIASP2TPHJSQH3FJRUX/20260115/eu-west-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=ad3202ccfb2c686a526b8db85153f635c82dc652ed6ebc9064526a32a4520ad2


        """.write(to: request, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: request) }
        let fromFile = try Self.run([
            "check", "--config", Self.example, "--request", request.path, "--at", "20260115T123500Z",
        ])
        #expect(fromFile.status == 0, "\(fromFile.output)\(fromFile.error)")
        #expect(fromFile.output.contains("action:        s3:GetObject"))
        #expect(fromFile.output.contains("resource:      arn:aws:s3:::prod-data/reports/q1.csv"))
        // The same request with CRLF line ends, as captured from the wire.
        let crlf = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sigv4-authz-req-\(UUID().uuidString).http")
        let text = try String(contentsOf: request, encoding: .utf8)
        try text.replacingOccurrences(of: "\n", with: "\r\n").write(to: crlf, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: crlf) }
        let fromCRLF = try Self.run([
            "check", "--config", Self.example, "--request", crlf.path, "--at", "20260115T123500Z",
        ])
        #expect(fromCRLF.status == 0, "\(fromCRLF.output)\(fromCRLF.error)")
        #expect(fromCRLF.output.contains("resource:      arn:aws:s3:::prod-data/reports/q1.csv"))
        let stale = try Self.run(["check", "--config", Self.example, "--request", request.path])
        #expect(stale.status == 1)
        #expect(stale.output.contains("clock_skew"))

        let curl = try Self.run([
            "check", "--config", Self.example, "--method", "GET", "--url", "https://s3.attacker.example/b/k",
        ])
        #expect(curl.status == 1)
        #expect(curl.output.contains("no_credentials"))

        let usage = try Self.run(["check", "--config", Self.example])
        #expect(usage.status == 2)
        let missingConfig = try Self.run([
            "check", "--config", "/nonexistent.yaml", "--credential",
            "AKIAV7S32T2OSBFJQOIY/20260115/eu-north-1/ec2/aws4_request",
        ])
        #expect(missingConfig.status == 2)
    }
}
