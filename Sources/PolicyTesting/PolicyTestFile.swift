public import AuthzCore
internal import Foundation
public import Policy
public import SigV4

/// A policy test file (docs/policy-tests.md): the configuration under test, an optional evaluation
/// time, and the tests — each a request and the decision expected for it.
public struct PolicyTestFile: Sendable {
    /// The test file, as given.
    public var path: String
    /// The configuration under test: `config:` resolved against the test file's directory.
    public var configPath: String
    /// Where `config:` is written.
    public var configPosition: SourcePosition
    /// `at:`, seconds since the epoch: when the requests are signed and decided (`nil`: now).
    public var at: Int64?
    /// The tests, in file order.
    public var tests: [PolicyTestCase]

    /// Creates a file.
    public init(
        path: String, configPath: String, configPosition: SourcePosition, at: Int64? = nil, tests: [PolicyTestCase]
    ) {
        self.path = path
        self.configPath = configPath
        self.configPosition = configPosition
        self.at = at
        self.tests = tests
    }
}

/// One test: a name, a request and the decision expected.
public struct PolicyTestCase: Sendable {
    /// The test's name, unique in its file.
    public var name: String
    /// Where the test starts.
    public var position: SourcePosition
    /// The request.
    public var request: PolicyTestRequest
    /// The decision expected.
    public var expect: PolicyTestExpectation

    /// Creates a test.
    public init(
        name: String, position: SourcePosition, request: PolicyTestRequest, expect: PolicyTestExpectation
    ) {
        self.name = name
        self.position = position
        self.request = request
        self.expect = expect
    }
}

/// The request of a test, in one of three forms.
public enum PolicyTestRequest: Sendable {
    /// A request built from a URL, signed as an account or an access key id (or unsigned).
    case url(URLRequest)
    /// A credential scope alone (`AKID/YYYYMMDD/REGION/SERVICE/aws4_request`), as Clotho's CLI checks.
    case credential(String)
    /// A raw HTTP request's text, used as written (`check --request`), and what the proxy reports.
    case http(text: String, peer: Peer)

    /// What the proxy reports about the client besides the request.
    public struct Peer: Sendable, Hashable {
        /// The client address (statements' `sources`).
        public var source: String?
        /// The client identity, such as an mTLS URI SAN (statements' `principals`).
        public var principal: String?

        /// Creates the facts.
        public init(source: String? = nil, principal: String? = nil) {
            self.source = source
            self.principal = principal
        }
    }

    /// Who signs a URL request.
    public enum Signer: Sendable, Hashable {
        /// The synthetic access key id of this account (``SyntheticAccessKey``).
        case account(AWSAccountID)
        /// This access key id; a key of the configuration (`credentials.keys`, `brokering.virtual_keys`)
        /// signs with its stand-in secret, so the signature is verified.
        case accessKeyID(String)
        /// Nobody: the request carries no signature.
        case unsigned
    }

    /// A request built from a URL.
    public struct URLRequest: Sendable {
        /// Who signs.
        public var signer: Signer
        /// The region of the credential scope (signed requests).
        public var region: String?
        /// The service of the credential scope (signed requests).
        public var service: String?
        /// The HTTP method.
        public var method: String
        /// The absolute URL.
        public var url: String
        /// Headers besides `Host` and the signature's, in file order.
        public var headers: [HeaderField]
        /// The body; `nil`: unknown to the decision (the proxy does not forward it).
        public var body: [UInt8]?
        /// Whether the request is signed with a secret that is not the key's (`signature: wrong`).
        public var wrongSignature: Bool
        /// What the proxy reports.
        public var peer: Peer

        /// Creates a request.
        public init(
            signer: Signer, region: String?, service: String?, method: String = "GET", url: String,
            headers: [HeaderField] = [], body: [UInt8]? = nil, wrongSignature: Bool = false, peer: Peer = Peer()
        ) {
            self.signer = signer
            self.region = region
            self.service = service
            self.method = method
            self.url = url
            self.headers = headers
            self.body = body
            self.wrongSignature = wrongSignature
            self.peer = peer
        }
    }
}

/// The decision a test expects: the decision word and, each optional, the reason, the rule, the
/// evaluation and words of the sentence.
public struct PolicyTestExpectation: Sendable, Hashable {
    /// What a test may expect of the rule.
    public enum Rule: Sendable, Hashable {
        /// No rule decided (written `-`, as `check` prints it).
        case none
        /// The statement, allowlist entry or setting named so.
        case named(String)
    }

    /// `allow`, `deny` or `would_deny`.
    public var decision: String
    /// A reason code.
    public var reason: String?
    /// The rule.
    public var rule: Rule?
    /// `allowed`, `explicit_deny` or `implicit_deny`.
    public var evaluation: String?
    /// Text the decision's sentence contains.
    public var message: String?

    /// Creates an expectation.
    public init(
        decision: String, reason: String? = nil, rule: Rule? = nil, evaluation: String? = nil, message: String? = nil
    ) {
        self.decision = decision
        self.reason = reason
        self.rule = rule
        self.evaluation = evaluation
        self.message = message
    }

    /// The decision words a test may expect.
    public static let decisions = ["allow", "deny", "would_deny"]
    /// The evaluation words a test may expect (the IAM policy simulator's).
    public static let evaluations = ["allowed", "explicit_deny", "implicit_deny"]
}

extension PolicyTestFile {
    /// The keys of a file, a test, a request and an expectation.
    static let fileKeys = ["config", "at", "tests"]
    static let testKeys = ["name", "request", "expect"]
    static let urlRequestKeys = [
        "account", "access_key_id", "unsigned", "region", "service", "method", "url", "headers", "body", "signature",
        "source", "principal",
    ]
    static let requestKeys = urlRequestKeys + ["credential", "http"]
    static let expectKeys = ["decision", "reason", "rule", "evaluation", "message"]

    /// Reads and checks the test file at `path`.
    /// - Throws: ``ConfigError``: every problem with `file:line:column`.
    public static func load(path: String) throws(ConfigError) -> PolicyTestFile {
        let root: YAMLNode
        do {
            root = try YAMLDocument.read(path: path)
        } catch {
            throw ConfigError(
                error.issues.map { issue in
                    guard issue.message.hasPrefix("the file is empty") else { return issue }
                    return ConfigIssue(
                        position: issue.position, message: "the file is empty; write 'config:' and 'tests:'")
                })
        }
        return try read(root, path: path)
    }

    /// Reads and checks test file text; `path` is used in positions and to resolve `config:`.
    public static func parse(_ text: String, path: String) throws(ConfigError) -> PolicyTestFile {
        try read(YAMLDocument.parse(text, path: path), path: path)
    }

    static func read(_ root: YAMLNode, path: String) throws(ConfigError) -> PolicyTestFile {
        var reader = TestFileReader(reader: ConfigReader(file: path))
        let file = reader.file(root, path: path)
        if let file, reader.reader.issues.isEmpty { return file }
        throw ConfigError(reader.reader.issues)
    }

    /// `relative` against the directory of `file`; `.` and `..` components are resolved where they can be.
    static func resolve(_ relative: String, against file: String) -> String {
        if relative.hasPrefix("/") { return normalize(relative) }
        let directory = (file as NSString).deletingLastPathComponent
        return normalize(directory.isEmpty ? relative : "\(directory)/\(relative)")
    }

    static func normalize(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
            } else if part == "..", absolute {
                continue
            } else {
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        return absolute ? "/\(joined)" : (joined.isEmpty ? "." : joined)
    }
}

/// The walk of a test file's YAML: every problem with its position.
struct TestFileReader {
    var reader: ConfigReader

    mutating func file(_ root: YAMLNode, path: String) -> PolicyTestFile? {
        guard let pairs = reader.mapping(root, "a policy test file") else { return nil }
        reader.checkKeys(pairs, allowed: PolicyTestFile.fileKeys, in: "the top level")
        var config: (String, SourcePosition)?
        var at: Int64?
        var tests: [PolicyTestCase] = []
        var sawTests = false
        for (key, _, value) in pairs {
            switch key {
            case "config":
                if let text = reader.string(value, "config") {
                    config = (PolicyTestFile.resolve(text, against: path), value.position)
                }
            case "at":
                if let text = value.scalar, let time = AmzTimestamp(iso8601Basic: Substring(text)) {
                    at = time.secondsSinceEpoch
                } else {
                    reader.fail(value, "at must be a time as YYYYMMDDTHHMMSSZ, such as 20260101T000000Z")
                }
            case "tests":
                sawTests = true
                tests = self.tests(value)
            default: break
            }
        }
        if config == nil, !pairs.contains(where: { $0.key == "config" }) {
            reader.fail(root, "the file has no 'config:'; name the configuration under test, relative to this file")
        }
        if !sawTests { reader.fail(root, "the file has no 'tests:'; write a list of tests") }
        guard let config else { return nil }
        return PolicyTestFile(path: path, configPath: config.0, configPosition: config.1, at: at, tests: tests)
    }

    mutating func tests(_ node: YAMLNode) -> [PolicyTestCase] {
        guard let items = node.sequence else {
            reader.fail(node, "tests must be a list of tests, each with name, request and expect")
            return []
        }
        guard !items.isEmpty else {
            reader.fail(node, "tests is an empty list; write at least one test")
            return []
        }
        var tests: [PolicyTestCase] = []
        var names: Set<String> = []
        for item in items {
            guard let pairs = reader.mapping(item, "a test") else { continue }
            reader.checkKeys(pairs, allowed: PolicyTestFile.testKeys, in: "a test")
            var name: String?
            var request: PolicyTestRequest?
            var expect: PolicyTestExpectation?
            for (key, _, value) in pairs {
                switch key {
                case "name":
                    name = reader.string(value, "name")
                    if let given = name, !names.insert(given).inserted {
                        reader.fail(value, "another test is named '\(given)'; give each test its own name")
                    }
                case "request": request = self.request(value)
                case "expect": expect = self.expectation(value)
                default: break
                }
            }
            // At the test's first key: a block mapping's own mark can be on the line before it.
            for required in PolicyTestFile.testKeys where !pairs.contains(where: { $0.key == required }) {
                reader.fail(pairs.first?.keyNode ?? item, "the test has no '\(required):'")
            }
            if let name, let request, let expect {
                tests.append(PolicyTestCase(name: name, position: item.position, request: request, expect: expect))
            }
        }
        return tests
    }

    mutating func request(_ node: YAMLNode) -> PolicyTestRequest? {
        guard let pairs = reader.mapping(node, "request") else { return nil }
        reader.checkKeys(pairs, allowed: PolicyTestFile.requestKeys, in: "request")
        let keys = Set(pairs.map(\.key))
        func value(_ key: String) -> YAMLNode? { pairs.first { $0.key == key }?.value }
        func refuse(_ others: Set<String>, with form: String) {
            for pair in pairs where others.contains(pair.key) {
                reader.fail(pair.keyNode, "'\(pair.key)' does not go with '\(form):'")
            }
        }
        let peer = PolicyTestRequest.Peer(
            source: value("source").flatMap { reader.string($0, "source") },
            principal: value("principal").flatMap { reader.string($0, "principal") })
        if let credential = value("credential") {
            refuse(keys.subtracting(["credential"]), with: "credential")
            guard let text = reader.string(credential, "credential") else { return nil }
            guard text.split(separator: "/", omittingEmptySubsequences: false).count == 5 else {
                reader.fail(credential, "credential must be AKID/YYYYMMDD/REGION/SERVICE/aws4_request")
                return nil
            }
            return .credential(text)
        }
        if let http = value("http") {
            refuse(keys.subtracting(["http", "source", "principal"]), with: "http")
            guard let text = reader.string(http, "http") else { return nil }
            do {
                _ = try RequestInput.raw(Array(text.utf8))
            } catch {
                reader.fail(http, "http: \(error.message)")
                return nil
            }
            return .http(text: text, peer: peer)
        }
        return urlRequest(node, pairs: pairs, peer: peer)
    }

    mutating func urlRequest(
        _ node: YAMLNode, pairs: [(key: String, keyNode: YAMLNode, value: YAMLNode)], peer: PolicyTestRequest.Peer
    ) -> PolicyTestRequest? {
        func value(_ key: String) -> YAMLNode? { pairs.first { $0.key == key }?.value }
        var valid = true
        let signers = pairs.filter { ["account", "access_key_id", "unsigned"].contains($0.key) }
        guard signers.count == 1, let signerPair = signers.first else {
            reader.fail(
                signers.count > 1 ? signers[1].keyNode : node,
                "a request has one of: account (signed by a key of that account), access_key_id, unsigned: true, credential or http"
            )
            return nil
        }
        var signer = PolicyTestRequest.Signer.unsigned
        switch signerPair.key {
        case "account":
            guard let text = signerPair.value.scalar, let account = AWSAccountID(text) else {
                reader.fail(signerPair.value, "account must be 12 digits (quote it: \"012345678901\")")
                return nil
            }
            signer = .account(account)
        case "access_key_id":
            guard let text = reader.string(signerPair.value, "access_key_id") else { return nil }
            guard text.utf8.count >= 16, text.utf8.count <= 128,
                text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
            else {
                reader.fail(
                    signerPair.value, "access_key_id must be an access key id such as AKIA… (letters and digits)")
                return nil
            }
            signer = .accessKeyID(text)
        default:
            guard reader.bool(signerPair.value, "unsigned") == true else {
                if signerPair.value.scalar == "false" {
                    reader.fail(signerPair.value, "unsigned: false is the default; write account or access_key_id")
                }
                return nil
            }
        }
        var region: String?
        var service: String?
        for key in ["region", "service"] {
            guard let node = value(key) else {
                if signer != .unsigned {
                    reader.fail(node, "a signed request has '\(key):', the \(key) of its credential scope")
                    valid = false
                }
                continue
            }
            guard signer != .unsigned else {
                reader.fail(node, "'\(key)' is for signed requests; an unsigned one has no credential scope")
                valid = false
                continue
            }
            let text = reader.string(node, key)
            if text?.contains("/") == true {
                reader.fail(node, "\(key) must not contain '/'")
                valid = false
            }
            if key == "region" { region = text } else { service = text }
        }
        var method = "GET"
        if let node = value("method") {
            if let text = reader.string(node, "method"), text.allSatisfy({ $0.isASCII && $0.isLetter }) {
                method = text
            } else {
                reader.fail(node, "method must be an HTTP method such as GET or PUT")
                valid = false
            }
        }
        var url = ""
        if let node = value("url") {
            if let text = reader.string(node, "url") {
                do {
                    _ = try RequestInput.split(url: text)
                    url = text
                } catch {
                    reader.fail(node, "url: \(error.message)")
                    valid = false
                }
            } else {
                valid = false
            }
        } else {
            reader.fail(node, "the request has no 'url:' (or give 'credential:' or 'http:')")
            valid = false
        }
        var headers: [HeaderField] = []
        if let node = value("headers"), let pairs = reader.mapping(node, "headers") {
            for (name, keyNode, value) in pairs {
                guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") })
                else {
                    reader.fail(keyNode, "a header name is a token such as x-amz-expected-bucket-owner")
                    valid = false
                    continue
                }
                guard let text = value.scalar else {
                    reader.fail(value, "the value of header '\(name)' must be a string")
                    valid = false
                    continue
                }
                headers.append(HeaderField(name, text))
            }
        }
        var body: [UInt8]?
        if let node = value("body") {
            if let text = node.scalar {
                body = Array(text.utf8)
            } else {
                reader.fail(node, "body must be a string (\"\" for an empty body)")
                valid = false
            }
        }
        var wrongSignature = false
        if let node = value("signature") {
            switch node.scalar {
            case "valid": break
            case "wrong" where signer != .unsigned: wrongSignature = true
            default:
                reader.fail(
                    node,
                    signer == .unsigned
                        ? "signature is for signed requests" : "signature must be valid (the default) or wrong")
                valid = false
            }
        }
        guard valid else { return nil }
        return .url(
            PolicyTestRequest.URLRequest(
                signer: signer, region: region, service: service, method: method, url: url, headers: headers,
                body: body, wrongSignature: wrongSignature, peer: peer))
    }

    mutating func expectation(_ node: YAMLNode) -> PolicyTestExpectation? {
        guard let pairs = reader.mapping(node, "expect") else { return nil }
        reader.checkKeys(pairs, allowed: PolicyTestFile.expectKeys, in: "expect")
        var expect = PolicyTestExpectation(decision: "")
        var valid = true
        func word(_ value: YAMLNode, _ key: String, among words: [String]) -> String? {
            guard let text = value.scalar, words.contains(text) else {
                reader.fail(value, "\(key) must be one of: \(words.joined(separator: ", "))")
                valid = false
                return nil
            }
            return text
        }
        for (key, _, value) in pairs {
            switch key {
            case "decision":
                expect.decision = word(value, key, among: PolicyTestExpectation.decisions) ?? ""
            case "reason":
                expect.reason = word(value, key, among: ReasonCode.allCases.map(\.rawValue))
            case "rule":
                if let text = reader.string(value, "rule") {
                    expect.rule = text == "-" ? PolicyTestExpectation.Rule.none : .named(text)
                } else {
                    valid = false
                }
            case "evaluation":
                expect.evaluation = word(value, key, among: PolicyTestExpectation.evaluations)
            case "message":
                expect.message = reader.string(value, "message")
                if expect.message == nil { valid = false }
            default: break
            }
        }
        if !pairs.contains(where: { $0.key == "decision" }) {
            reader.fail(node, "expect has no 'decision:' (allow, deny or would_deny)")
            valid = false
        }
        return valid && !expect.decision.isEmpty ? expect : nil
    }
}
