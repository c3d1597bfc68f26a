import Foundation
import Testing

/// `sigv4-authz squid-helper` as Squid runs it: a long-lived process fed lookup lines on stdin.
@Suite("Squid helper process")
struct SquidHelperProcessTests {
    /// A lookup line as squid.conf's FORMAT writes it (`%>a %>rm %>ru name=%>ha{Name} …`), URL-escaped.
    static func lookup(channel: Int, key: String, token: String? = nil, signature: String) -> String {
        let now = Date()
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let amzDate = formatter.string(from: now)
        let day = String(amzDate.prefix(8))
        let authorization =
            "AWS4-HMAC-SHA256 Credential=\(key)/\(day)/us-east-1/s3/aws4_request, "
            + "SignedHeaders=host;x-amz-date\(token == nil ? "" : ";x-amz-security-token"), Signature=\(signature)"
        func escape(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        }
        // squid/squid.conf's FORMAT: %>a %>rm %>ru, one %>ha{…} per default --headers name, %DATA.
        let values: [String: String] = [
            "host": "reports.s3.us-east-1.amazonaws.com", "authorization": escape(authorization),
            "x-amz-date": amzDate, "x-amz-security-token": token.map(escape) ?? "-",
        ]
        let fields =
            ["\(channel)", "10.0.0.7", "GET", escape("http://reports.s3.us-east-1.amazonaws.com/q1.csv")]
            + formatHeaderNames.map { values[$0] ?? "-" } + ["-"]
        return fields.joined(separator: " ")
    }

    /// The `%>ha{…}` names of the shipped squid/squid.conf, lower-cased, in order.
    static let formatHeaderNames: [String] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("squid/squid.conf")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "%>ha{") {
            rest = rest[open.upperBound...]
            guard let close = rest.firstIndex(of: "}") else { break }
            names.append(rest[..<close].lowercased())
            rest = rest[rest.index(after: close)...]
        }
        return names
    }()

    static let config = """
        accounts:
          "171436882533":
            name: prod
            regions:
              us-east-1: { services: [s3] }
        default: deny
        server: { reload_poll: 1s }
        audit: { file: AUDIT }
        """

    /// Reads reply lines from the helper's stdout as they arrive.
    final class LineReader {
        let handle: FileHandle
        var buffer = Data()
        init(_ handle: FileHandle) { self.handle = handle }
        func next() -> String? {
            while true {
                if let newline = buffer.firstIndex(of: 0x0A) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...newline)
                    return line
                }
                let chunk = handle.availableData
                if chunk.isEmpty { return nil }
                buffer.append(chunk)
            }
        }
    }

    @Test(
        "answers OK/ERR per channel, audits to the file without secrets, reloads, keeps the old policy on a bad file",
        .timeLimit(.minutes(1)))
    func helper() throws {
        let binary = try #require(
            CommandLineTests.executable, "build the sigv4-authz product first (swift build --build-tests builds it)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sigv4-authz-squid-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let auditPath = directory.appendingPathComponent("audit.log").path
        let configPath = directory.appendingPathComponent("config.yaml")
        try Self.config.replacingOccurrences(of: "AUDIT", with: auditPath).write(
            to: configPath, atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = binary
        process.arguments = ["squid-helper", "--config", configPath.path]
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let replies = LineReader(output.fileHandleForReading)
        func ask(_ line: String) -> String? {
            input.fileHandleForWriting.write(Data((line + "\n").utf8))
            return replies.next()
        }

        let signature = String(repeating: "5f", count: 32)
        let token = "IQoJb3JpZ2luX2VjSQUIDTESTTOKEN"
        let allowed = ask(Self.lookup(channel: 1, key: "AKIASP2TPHJSQH3FJRUX", signature: signature))
        #expect(allowed?.hasPrefix("1 OK message=") == true, "\(allowed ?? "no reply")")
        #expect(allowed?.contains(" decision=allow reason=allowed ") == true)
        #expect(allowed?.contains(" account=171436882533 account_name=prod ") == true)
        #expect(allowed?.contains(" action=s3%3AGetObject ") == true)

        let denied = ask(Self.lookup(channel: 2, key: "ASIAY34FZKBOKMUTVV7A", token: token, signature: signature))
        #expect(denied?.hasPrefix("2 ERR message=sigv4-authz%3A%20account%20609629065308") == true, "\(denied ?? "")")
        #expect(denied?.contains(" log=account_not_allowed ") == true)

        let garbage = ask("3 this is not a lookup")
        #expect(garbage?.hasPrefix("3 ERR ") == true)
        #expect(garbage?.contains("log=internal_error") == true)

        // A policy change reaches the running helper (Squid keeps helpers for hours).
        let widened = Self.config.replacingOccurrences(of: "AUDIT", with: auditPath)
            .replacingOccurrences(
                of: "default: deny",
                with: "default: deny\nrules:\n  - { name: partner, effect: allow, accounts: [\"609629065308\"] }")
        try widened.write(to: configPath, atomically: true, encoding: .utf8)
        Thread.sleep(forTimeInterval: 1.5)
        let reloaded = ask(Self.lookup(channel: 4, key: "ASIAY34FZKBOKMUTVV7A", token: token, signature: signature))
        #expect(reloaded?.hasPrefix("4 OK ") == true, "\(reloaded ?? "")")
        #expect(reloaded?.contains(" rule=partner ") == true)

        // A broken file keeps the policy in force.
        try "accounts: [not, a, mapping\n".write(to: configPath, atomically: true, encoding: .utf8)
        Thread.sleep(forTimeInterval: 1.5)
        let kept = ask(Self.lookup(channel: 5, key: "ASIAY34FZKBOKMUTVV7A", token: token, signature: signature))
        #expect(kept?.hasPrefix("5 OK ") == true, "\(kept ?? "")")

        input.fileHandleForWriting.closeFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("configuration reloaded"))
        #expect(log.contains("reload failed"))

        let audit = try String(contentsOfFile: auditPath, encoding: .utf8)
        let records = audit.split(separator: "\n")
        #expect(records.count == 5, "\(audit)")
        for record in records {
            let object = try JSONSerialization.jsonObject(with: Data(record.utf8)) as? [String: Any]
            #expect(object?["mode"] as? String == "squid")
        }
        #expect(!audit.contains(signature))
        #expect(!audit.contains(token))
    }
}
