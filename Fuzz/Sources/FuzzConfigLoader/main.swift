// Property fuzz target of the configuration loader: the input is a configuration file's text, read by
// ConfigurationFile.parse (Sources/AuthzServer/Configuration: the YAML reader of Policy/Config and every
// section's reader, policy and server) and, when accepted, compiled (CompiledPolicy), as
// `sigv4-authz validate` and the server's start and reload do. Properties:
// - no crash, no hang; the same answer twice;
// - a refused configuration names at least one problem, each with a message and a position inside the
//   input: the file name given, a line between 1 and the input's line count (YAML's line breaks:
//   \n, \r\n, \r, U+0085, U+2028, U+2029), a column between 1 and that line's length + 1;
// - a compile error of an accepted file likewise.
import FuzzDriver
import Policy

@testable import AuthzServer

#if canImport(Glibc)
    import Glibc
#endif

let fileName = "fuzz.yaml"

/// The lengths (in Unicode scalars) of the text's lines, as YAML counts lines.
func lineLengths(_ text: String) -> [Int] {
    var lengths: [Int] = []
    var current = 0
    var previousWasCR = false
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\n" where previousWasCR:
            previousWasCR = false
        case "\r", "\n", "\u{85}", "\u{2028}", "\u{2029}":
            lengths.append(current)
            current = 0
            previousWasCR = scalar == "\r"
        default:
            current += 1
            previousWasCR = false
        }
    }
    lengths.append(current)
    return lengths
}

func problem(_ error: ConfigError, lines: [Int]) -> String? {
    guard !error.issues.isEmpty else { return "a refusal without a problem" }
    for issue in error.issues {
        let position = issue.position
        if issue.message.isEmpty { return "an issue without a message at \(position)" }
        if position.file != fileName { return "the issue \(issue) names another file" }
        guard position.line >= 1, position.line <= lines.count else {
            return "the issue \(issue) is on line \(position.line) of \(lines.count)"
        }
        // A column one past the line's end is where a missing token goes; two past, after a line break.
        guard position.column >= 1, position.column <= lines[position.line - 1] + 2 else {
            return "the issue \(issue) is at column \(position.column) of a line of \(lines[position.line - 1])"
        }
    }
    return nil
}

enum Outcome: Equatable {
    case accepted
    case refused(String)
    case notCompiled(String)
}

func load(_ text: String) -> (Outcome, ConfigError?) {
    do {
        let file = try ConfigurationFile.parse(text, path: fileName)
        do {
            _ = try CompiledPolicy(file.policy)
            return (.accepted, nil)
        } catch {
            return (.notCompiled(error.description), error)
        }
    } catch {
        return (.refused(error.description), error)
    }
}

let repositoryRoot = String(#filePath.split(separator: "/").dropLast(4).joined(separator: "/"))

func readFile(_ path: String) -> [UInt8] {
    guard let file = fopen("/" + repositoryRoot + "/" + path, "rb") else { fatalError("cannot read \(path)") }
    defer { fclose(file) }
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count <= 0 { break }
        out += buffer[..<count]
    }
    return out
}

func seeds() -> [[UInt8]] {
    var out = [readFile("Sources/sigv4-authz/config.example.yaml"), readFile("Tests/EndToEnd/authz.yaml")]
    let snippets = [
        "default: deny\nacounts: {}\n", "credentials:\n  require_signatures: true\n", "- default\n", "default: maybe\n",
        "credentials:\n  max_clock_skew: 25h\n",
        "credentials:\n  keys:\n    - { access_key_id: akia-lower, secret_env: S }\n",
        "listen:\n  grpc: \"[::1]:9001\"\n  http: 127.0.0.1:8080\n  admin: 127.0.0.1:9090\n",
        "rules:\n  - name: r\n    effect: allow\n    actions: [\"s3:Get*\"]\n    resources: [\"arn:aws:s3:::b/*\"]\n    principals: { accounts: [\"123456789012\"] }\ndefault: deny\n",
        "accounts:\n  \"123456789012\":\n    name: a\n    regions: { \"*\": { services: [\"*\"] } }\ndefault: deny\n",
        "server:\n  max_body_bytes: 1MiB\n  shutdown_grace: 5s\naudit:\n  path: /tmp/a.log\ndefault: deny\n",
        "tls:\n  cert: c.pem\n  key: k.pem\n  client_ca: ca.pem\ndefault: deny\n",
        "s3:\n  bucket_owners: { my-bucket: \"123456789012\" }\ndefault: deny\n", "default: deny\ndefault: allow\n",
        "a: &x [1, *x]\n", "{ default: deny, rules: [ { name: \"\u{2028}\" } ] }", "\u{FEFF}default: deny\r\n",
    ]
    for snippet in snippets { out.append(Array(snippet.utf8)) }
    return out
}

FuzzDriver.run(seeds: seeds) { bytes in
    let text = String(decoding: bytes, as: UTF8.self)
    let (first, error) = load(text)
    let (second, _) = load(text)
    var broken: String?
    if first != second {
        broken = "two loads differ: \(first) / \(second)"
    } else if let error {
        broken = problem(error, lines: lineLengths(text))
    }
    if let broken { fatalError("\(broken)\ninput: \(text.debugDescription)\noutcome: \(first)") }
}
