import AuthzServer
import Policy
import Testing

/// Invalid configurations: each is refused with the exact position of the problem and a sentence
/// that says how to fix it. The whole file is read as `validate` and `serve` read it
/// (``ConfigurationFile``: the policy's sections and the server's).
@Suite("Invalid configurations")
struct InvalidConfigTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var yaml: String
        var line: Int
        var column: Int
        var message: String
    }

    static let cases: [Case] = [
        Case(
            testDescription: "unknown top-level key", yaml: "default: deny\nacounts: {}\n", line: 2, column: 1,
            message: "unknown key 'acounts' in the top level"),
        Case(
            testDescription: "unknown nested key", yaml: "credentials:\n  require_signatures: true\n", line: 2,
            column: 3, message: "unknown key 'require_signatures' in credentials"),
        Case(
            testDescription: "top level not a mapping", yaml: "- default\n", line: 1, column: 1,
            message: "the configuration must be a mapping"),
        Case(
            testDescription: "default neither allow nor deny", yaml: "default: maybe\n", line: 1, column: 10,
            message: "default must be 'allow' or 'deny'"),
        Case(
            testDescription: "require_signature not a bool", yaml: "credentials:\n  require_signature: yes\n", line: 2,
            column: 22, message: "must be true or false"),
        Case(
            testDescription: "duration without unit", yaml: "credentials:\n  max_clock_skew: 900\n", line: 2,
            column: 19, message: "max_clock_skew must be a duration"),
        Case(
            testDescription: "duration in words", yaml: "credentials:\n  max_clock_skew: 15 minutes\n", line: 2,
            column: 19, message: "max_clock_skew must be a duration"),
        Case(
            testDescription: "duration too long", yaml: "credentials:\n  max_clock_skew: 25h\n", line: 2, column: 19,
            message: "from 1s to 24h"),
        Case(
            testDescription: "legacy key mode", yaml: "credentials:\n  legacy_access_keys: maybe\n", line: 2,
            column: 23, message: "'deny' or 'allow'"),
        Case(
            testDescription: "secret in the file",
            yaml: "credentials:\n  keys:\n    - access_key_id: AKIASP2TPHJSQH3FJRUX\n      secret: abc\n", line: 4,
            column: 7, message: "secrets are never written in the configuration"),
        Case(
            testDescription: "key without a secret source",
            yaml: "credentials:\n  keys:\n    - access_key_id: AKIASP2TPHJSQH3FJRUX\n", line: 3, column: 7,
            message: "exactly one of secret_env or secret_file"),
        Case(
            testDescription: "bad access key id",
            yaml: "credentials:\n  keys:\n    - { access_key_id: akia-lower, secret_env: S }\n", line: 3, column: 24,
            message: "access_key_id must be 16 to 128"),
        Case(
            testDescription: "listen without port", yaml: "listen:\n  http: 0.0.0.0\n", line: 2, column: 9,
            message: "listen.http must be IP:port"),
        Case(
            testDescription: "listen port out of range", yaml: "listen:\n  grpc: \"0.0.0.0:70000\"\n", line: 2,
            column: 9, message: "to 65535"),
        Case(
            testDescription: "listen on a host name", yaml: "listen:\n  grpc: localhost:9001\n", line: 2, column: 9,
            message: "listen.grpc: 'localhost' is not an IP address; a listener binds an address, not a host name"),
        Case(
            testDescription: "listen port beyond 65535", yaml: "listen:\n  http: 0.0.0.0:99999\n", line: 2,
            column: 9, message: "listen.http must be IP:port with a port from 0 (any free port) to 65535"),
        Case(
            testDescription: "listen address that is no address", yaml: "listen:\n  admin: nonsense\n", line: 2,
            column: 10, message: "listen.admin must be IP:port"),
        Case(
            testDescription: "listen on IPv6 without brackets", yaml: "listen:\n  grpc: \"::1:9001\"\n", line: 2,
            column: 9, message: "write an IPv6 address in brackets"),
        Case(
            testDescription: "listen on IPv4 in brackets", yaml: "listen:\n  grpc: \"[127.0.0.1]:9001\"\n", line: 2,
            column: 9, message: "is not an IPv6 address in brackets"),
        Case(
            testDescription: "tls without key", yaml: "tls:\n  cert: /etc/tls.crt\n", line: 2, column: 3,
            message: "tls needs both cert and key"),
        Case(
            testDescription: "account key not an id",
            yaml: "accounts:\n  \"12345\":\n    regions: { \"*\": { services: [s3] } }\n", line: 2, column: 3,
            message: "account keys are 12-digit account ids"),
        Case(
            testDescription: "account without regions", yaml: "accounts:\n  \"123456789012\":\n    name: prod\n",
            line: 3, column: 5, message: "needs regions:"),
        Case(
            testDescription: "account name that is an id",
            yaml:
                "accounts:\n  \"123456789012\":\n    name: \"210987654321\"\n    regions: { \"*\": { services: [s3] } }\n",
            line: 3, column: 11, message: "looks like an account id"),
        Case(
            testDescription: "bad region",
            yaml: "accounts:\n  \"*\":\n    regions:\n      EU_WEST: { services: [s3] }\n", line: 4, column: 7,
            message: "a region is lower-case letters"),
        Case(
            testDescription: "region without services",
            yaml: "accounts:\n  \"*\":\n    regions:\n      eu-west-1: { allow: [s3] }\n", line: 4, column: 20,
            message: "unknown key 'allow'"),
        Case(
            testDescription: "empty services list",
            yaml: "accounts:\n  \"*\":\n    regions:\n      eu-west-1: { services: [] }\n", line: 4, column: 30,
            message: "empty list"),
        Case(
            testDescription: "bad service",
            yaml: "accounts:\n  \"*\":\n    regions:\n      eu-west-1: { services: [S3] }\n", line: 4, column: 31,
            message: "a service is a signing name"),
        Case(
            testDescription: "rules not a list", yaml: "rules:\n  name: x\n", line: 2, column: 3,
            message: "rules must be a list"),
        Case(
            testDescription: "rule without effect", yaml: "rules:\n  - name: r1\n    actions: [\"s3:*\"]\n", line: 2,
            column: 5, message: "a rule needs effect"),
        Case(
            testDescription: "rule without name", yaml: "rules:\n  - effect: deny\n", line: 2, column: 5,
            message: "a rule needs a name"),
        Case(
            testDescription: "duplicate rule names",
            yaml: "rules:\n  - { name: r1, effect: deny, actions: [\"s3:*\"] }\n  - { name: r1, effect: allow }\n",
            line: 3, column: 13, message: "the rule name 'r1' is used twice"),
        Case(
            testDescription: "bad effect", yaml: "rules:\n  - { name: r1, effect: permit }\n", line: 2, column: 25,
            message: "effect must be 'allow' or 'deny'"),
        Case(
            testDescription: "unknown rule field",
            yaml: "rules:\n  - name: r1\n    effect: deny\n    action: [\"s3:*\"]\n", line: 4, column: 5,
            message: "unknown key 'action' in a rule"),
        Case(
            testDescription: "field and not_ field",
            yaml: "rules:\n  - name: r1\n    effect: deny\n    actions: [\"s3:*\"]\n    not_actions: [\"s3:Get*\"]\n",
            line: 5, column: 5, message: "either actions or not_actions"),
        Case(
            testDescription: "action without service",
            yaml: "rules:\n  - name: r1\n    effect: deny\n    actions: [GetObject]\n", line: 4, column: 15,
            message: "an action is service:Action"),
        Case(
            testDescription: "action with a space",
            yaml: "rules:\n  - name: r1\n    effect: deny\n    actions: [\"s3:Get Object\"]\n", line: 4, column: 15,
            message: "contains spaces"),
        Case(
            testDescription: "bad CIDR",
            yaml: "rules:\n  - name: r1\n    effect: allow\n    sources: [\"10.0.0.0/33\"]\n", line: 4, column: 15,
            message: "a source is a CIDR"),
        Case(
            testDescription: "CIDR with host bits",
            yaml: "rules:\n  - name: r1\n    effect: allow\n    sources: [\"10.0.0.1/8\"]\n", line: 4, column: 15,
            message: "no host bits set"),
        Case(
            testDescription: "resource that is not an ARN",
            yaml: "rules:\n  - name: r1\n    effect: deny\n    resources: [\"my-bucket/*\"]\n", line: 4, column: 17,
            message: "a resource is an ARN"),
        Case(
            testDescription: "lower-case method", yaml: "rules:\n  - name: r1\n    effect: deny\n    methods: [get]\n",
            line: 4, column: 15, message: "a method is upper case"),
        Case(
            testDescription: "field with an empty list",
            yaml: "rules:\n  - name: r1\n    effect: deny\n    regions: []\n", line: 4, column: 14,
            message: "empty list"),
        Case(
            testDescription: "field with a mapping",
            yaml: "rules:\n  - name: r1\n    effect: deny\n    hosts: { a: b }\n", line: 4, column: 12,
            message: "must be a string or a list of strings"),
        Case(
            testDescription: "audit sample rate out of range", yaml: "audit:\n  allow: 1.5\n", line: 2, column: 10,
            message: "sample rate from 0 to 1"),
        Case(
            testDescription: "sampled denials", yaml: "audit:\n  deny: 0.5\n", line: 2, column: 9,
            message: "denials are never sampled"),
        Case(
            testDescription: "duplicate key", yaml: "default: deny\ndefault: allow\n", line: 1, column: 1,
            message: "appears twice"),
        Case(
            testDescription: "YAML syntax error", yaml: "rules:\n  - name: r1\n   effect: deny\n", line: 3, column: 4,
            message: "YAML syntax"),
        Case(
            testDescription: "tab indentation", yaml: "credentials:\n\trequire_signature: true\n", line: 2, column: 1,
            message: "YAML syntax"),
        Case(testDescription: "empty file", yaml: "", line: 1, column: 1, message: "the file is empty"),
        // Safe rollout: mode and per-statement enforce.
        Case(
            testDescription: "mode neither enforce nor dry_run", yaml: "mode: audit\n", line: 1, column: 7,
            message: "mode must be 'enforce' or 'dry_run', not 'audit'"),
        Case(
            testDescription: "mode not a scalar", yaml: "default: deny\nmode: [dry_run]\n", line: 2, column: 7,
            message: "mode"),
        Case(
            testDescription: "enforce not a bool",
            yaml: "rules:\n  - name: r\n    effect: deny\n    enforce: no\n    actions: [\"s3:*\"]\n", line: 4,
            column: 14, message: "enforce must be true or false"),
        Case(
            testDescription: "enforce: false on an allow statement",
            yaml: "rules:\n  - name: r\n    effect: allow\n    enforce: false\n    actions: [\"s3:*\"]\n", line: 4,
            column: 14,
            message: "enforce: false applies to deny statements; to try a whole policy use mode: dry_run"),
        Case(
            testDescription: "enforce: false on an allow statement, flow style",
            yaml: "rules:\n  - { name: r, enforce: false, effect: allow }\n", line: 2, column: 25,
            message: "enforce: false applies to deny statements"),
        Case(
            testDescription: "enforce misspelt", yaml: "rules:\n  - { name: r, effect: deny, enforced: false }\n",
            line: 2, column: 30, message: "unknown key 'enforced' in a rule"),
    ]

    @Test("the first problem is reported at its position", arguments: cases)
    func invalid(_ testCase: Case) {
        do {
            _ = try ConfigurationFile.parse(testCase.yaml, path: "config.yaml")
            Issue.record("accepted: \(testCase.testDescription)")
        } catch {
            let issue = error.issues.first
            #expect(
                issue?.position == SourcePosition(file: "config.yaml", line: testCase.line, column: testCase.column),
                "\(error)")
            #expect(issue?.message.contains(testCase.message) == true, "\(error)")
            #expect(error.description.hasPrefix("config.yaml:\(testCase.line):\(testCase.column): "))
        }
    }

    @Test("the table is broad")
    func breadth() { #expect(Self.cases.count >= 25) }

    @Test("every problem in a file is reported, in order")
    func allProblems() {
        let yaml = "default: nope\nlisten:\n  http: bad\nrules:\n  - { name: r1, effect: deny, actions: [oops] }\n"
        do {
            _ = try ConfigurationFile.parse(yaml, path: "c.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.issues.map(\.position.line) == [1, 3, 5])
        }
    }

    @Test("the policy and the server's settings are read from one file; each problem keeps its position")
    func bothParts() throws {
        let yaml = "listen: { grpc: \"[::1]:9001\" }\nserver: { shutdown_grace: 3s }\ndefault: allow\n"
        let file = try ConfigurationFile.parse(yaml, path: "c.yaml")
        #expect(file.policy.defaultEffect == .allow)
        #expect(file.server.listen.grpc == ListenAddress(host: "::1", port: 9001))
        #expect(file.server.shutdownGrace == .seconds(3))
        do {
            _ = try ConfigurationFile.parse("server: { shutdown_grace: 1.5s }\ndefault: maybe\n", path: "c.yaml")
            Issue.record("accepted")
        } catch {
            #expect(
                error.issues.map(\.position) == [
                    SourcePosition(file: "c.yaml", line: 1, column: 27),
                    SourcePosition(file: "c.yaml", line: 2, column: 10),
                ])
        }
    }

    @Test("a policy-only document holds only the policy's sections")
    func policyOnly() {
        do {
            _ = try PolicyConfig.parse("default: deny\nlisten: { http: \"0.0.0.0:8080\" }\n", path: "p.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.issues.first?.position == SourcePosition(file: "p.yaml", line: 2, column: 1))
            #expect(error.description.contains("unknown key 'listen' in the top level"), "\(error)")
        }
    }

    static let compileCases: [(String, String)] = [
        ("rules:\n  - { name: r1, effect: allow, accounts: [prod] }\n", "names the account 'prod', which is neither"),
        (
            "accounts:\n  \"111111111111\": { name: prod, regions: { \"*\": { services: [s3] } } }\n  \"222222222222\": { name: prod, regions: { \"*\": { services: [s3] } } }\n",
            "the account name 'prod' is already used"
        ),
        ("accounts:\n  \"*\": { name: everyone, regions: { \"*\": { services: [s3] } } }\n", "cannot have a name"),
    ]

    @Test("cross-references are checked when compiling", arguments: compileCases)
    func compileErrors(_ yaml: String, _ message: String) throws {
        let config = try PolicyConfig.parse(yaml, path: "c.yaml")
        do {
            _ = try CompiledPolicy(config)
            Issue.record("compiled: \(yaml)")
        } catch {
            #expect(error.description.contains(message), "\(error)")
            #expect(error.issues.first?.position.line ?? 0 >= 1)
        }
    }
}

/// A file that cannot be read is named with the system's reason, without a line and column it has not.
@Suite("Unreadable configuration files")
struct UnreadableConfigTests {
    @Test(
        "a missing file or a directory: the path, then why",
        arguments: [
            (
                "/nonexistent/sigv4-authz.yaml",
                "/nonexistent/sigv4-authz.yaml: cannot read the file: No such file or directory"
            ),
            ("/", "/: cannot read the file: it is not a readable regular file"),
            // A device named by mistake fails the load instead of stalling it (reading /dev/zero never
            // ended before).
            ("/dev/zero", "/dev/zero: cannot read the file: it is not a readable regular file"),
        ])
    func unreadable(path: String, expected: String) {
        #expect(throws: ConfigError.self) { try YAMLDocument.read(path: path) }
        do {
            _ = try YAMLDocument.read(path: path)
        } catch {
            #expect(error.issues.map(\.description) == [expected])
        }
    }
}
