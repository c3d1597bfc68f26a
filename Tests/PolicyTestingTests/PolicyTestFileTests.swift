import Policy
import PolicyTesting
import SigV4
import Testing

@Suite struct PolicyTestFileTests {
    static let request =
        "request: { account: \"171436882533\", region: eu-west-1, service: s3, url: \"https://s3.eu-west-1.amazonaws.com/b/k\" }"

    /// A file with one test whose request and expectation lines are given.
    static func file(request: String = request, expect: String = "expect: { decision: allow }") -> String {
        """
        config: ../config.yaml
        tests:
          - name: one
            \(request)
            \(expect)
        """
    }

    /// Test file text and the first problem reported, as `file:line:column: sentence` (a prefix).
    static let problems: [(text: String, problem: String)] = [
        ("", "t.yaml:1:1: the file is empty; write at least"),
        ("config: c.yaml\ntests: []\n", "t.yaml:2:8: tests is an empty list"),
        ("at: 20260101T000000Z\n", "t.yaml:1:1: the file has no 'config:'"),
        ("config: c.yaml\n", "t.yaml:1:1: the file has no 'tests:'"),
        ("config: c.yaml\nat: tomorrow\ntests: []\n", "t.yaml:2:5: at must be a time as YYYYMMDDTHHMMSSZ"),
        (
            "config: c.yaml\ntest: []\n",
            "t.yaml:2:1: unknown key 'test' in the top level; expected one of: config, at, tests"
        ),
        ("config: c.yaml\ntests:\n  - name: x\n", "t.yaml:3:5: the test has no 'request:'"),
        (file(expect: "expect: { decision: maybe }"), "t.yaml:5:25: decision must be one of: allow, deny, would_deny"),
        (file(expect: "expect: { decision: deny, reason: nope }"), "t.yaml:5:39: reason must be one of: allowed,"),
        (file(expect: "expect: { decision: deny, evaluation: denied }"), "t.yaml:5:43: evaluation must be one of"),
        (file(expect: "expect: { decision: deny, because: x }"), "t.yaml:5:31: unknown key 'because' in expect"),
        (file(expect: "expect: { reason: allowed }"), "t.yaml:5:13: expect has no 'decision:'"),
        (
            file(request: "request: { account: \"1714\", region: r, service: s3, url: \"https://h/\" }"),
            "t.yaml:4:25: account must be 12 digits"
        ),
        (
            file(request: "request: { account: \"171436882533\", service: s3, url: \"https://h/\" }"),
            "t.yaml:4:14: a signed request has 'region:'"
        ),
        (
            file(request: "request: { account: \"171436882533\", region: r, service: s3, url: \"/no/host\" }"),
            "t.yaml:4:70: url: the URL must be absolute"
        ),
        (
            file(request: "request: { account: \"171436882533\", access_key_id: AKIAX, url: \"https://h/\" }"),
            "t.yaml:4:41: a request has one of: account"
        ),
        (
            file(request: "request: { unsigned: true, region: r, url: \"https://h/\" }"),
            "t.yaml:4:40: 'region' is for signed requests"
        ),
        (
            file(request: "request: { unsigned: true, url: \"https://h/\", signature: wrong }"),
            "t.yaml:4:62: signature is for signed requests"
        ),
        (
            file(request: "request: { credential: AKIA/x, url: \"https://h/\" }"),
            "t.yaml:4:36: 'url' does not go with 'credential:'"
        ),
        (
            file(request: "request: { credential: AKIA/x }"),
            "t.yaml:4:28: credential must be AKID/YYYYMMDD/REGION/SERVICE/aws4_request"
        ),
        (file(request: "request: { http: \"GET / HTTP/1.1\" }"), "t.yaml:4:22: http: the request has no Host header"),
        (file(request: "request: { colour: red }"), "t.yaml:4:16: unknown key 'colour' in request"),
        (
            file(request: "request: { unsigned: true, url: \"https://h/\", headers: [a] }"),
            "t.yaml:4:60: headers must be a mapping"
        ),
        (
            "config: c.yaml\ntests:\n  - { name: x, request: { credential: A/B/C/D/aws4_request }, expect: { decision: deny } }\n  - { name: x, request: { credential: A/B/C/D/aws4_request }, expect: { decision: deny } }\n",
            "t.yaml:4:13: another test is named 'x'"
        ),
        ("config: [a\n", "t.yaml:2:1: YAML syntax:"),
    ]

    @Test("a problem is reported at its file:line:column", arguments: problems)
    func problem(text: String, problem: String) {
        do {
            _ = try PolicyTestFile.parse(text, path: "t.yaml")
            Issue.record("no problem reported; expected \(problem)")
        } catch {
            let first = error.issues.first?.description ?? ""
            #expect(first.hasPrefix(problem), "got \(error.description)")
        }
    }

    @Test func everyFormIsRead() throws {
        let file = try PolicyTestFile.parse(
            """
            config: ../configs/prod.yaml
            at: 20260101T000000Z
            tests:
              - name: signed
                request:
                  account: "029608264753"
                  region: eu-west-1
                  service: s3
                  method: PUT
                  url: https://s3.eu-west-1.amazonaws.com/b/k?x=1
                  headers: { x-amz-expected-bucket-owner: "029608264753", Content-Type: text/plain }
                  body: hello
                  source: 10.0.0.1
                  principal: spiffe://cluster.local/ns/ci/sa/runner
                expect: { decision: would_deny, reason: denied_by_rule, rule: no-writes, evaluation: explicit_deny, message: "not enforced" }
              - name: by key
                request: { access_key_id: AKIASP2TPHJSQH3FJRUX, signature: wrong, region: us-east-1, service: sts, url: "https://sts.amazonaws.com/" }
                expect: { decision: deny, rule: "-" }
              - name: credential
                request: { credential: AKIASP2TPHJSQH3FJRUX/20260101/eu-west-1/s3/aws4_request }
                expect: { decision: allow }
              - name: raw
                request:
                  http: |
                    GET /b/k HTTP/1.1
                    Host: s3.amazonaws.com
                  source: 10.0.0.2
                expect: { decision: deny, reason: no_credentials }
              - name: unsigned
                request: { unsigned: true, url: "https://s3.amazonaws.com/" }
                expect: { decision: deny }
            """, path: "tests/policy.yaml")
        #expect(file.configPath == "configs/prod.yaml")
        #expect(file.configPosition.description == "tests/policy.yaml:1:9")
        #expect(file.at == 1_767_225_600)
        #expect(file.tests.map(\.name) == ["signed", "by key", "credential", "raw", "unsigned"])
        guard case .url(let signed) = file.tests[0].request else {
            Issue.record("not a URL request")
            return
        }
        #expect(signed.signer == .account(try #require(AWSAccountID("029608264753"))))
        #expect(signed.method == "PUT")
        #expect(signed.headers.map(\.name) == ["x-amz-expected-bucket-owner", "Content-Type"])
        #expect(signed.body == Array("hello".utf8))
        #expect(signed.peer == .init(source: "10.0.0.1", principal: "spiffe://cluster.local/ns/ci/sa/runner"))
        #expect(
            file.tests[0].expect
                == PolicyTestExpectation(
                    decision: "would_deny", reason: "denied_by_rule", rule: .named("no-writes"),
                    evaluation: "explicit_deny", message: "not enforced"))
        guard case .url(let byKey) = file.tests[1].request else {
            Issue.record("not a URL request")
            return
        }
        #expect(byKey.signer == .accessKeyID("AKIASP2TPHJSQH3FJRUX"))
        #expect(byKey.wrongSignature)
        #expect(byKey.body == nil)
        #expect(file.tests[1].expect.rule == PolicyTestExpectation.Rule.none)
        guard case .http(let text, let peer) = file.tests[3].request else {
            Issue.record("not an HTTP request")
            return
        }
        #expect(text == "GET /b/k HTTP/1.1\nHost: s3.amazonaws.com\n")
        #expect(peer.source == "10.0.0.2")
    }

    @Test(
        "config: resolves against the test file's directory",
        arguments: [
            ("examples/policy-tests/t.yaml", "../../Sources/c.yaml", "Sources/c.yaml"),
            ("t.yaml", "c.yaml", "c.yaml"),
            ("t.yaml", "../c.yaml", "../c.yaml"),
            ("/etc/tests/t.yaml", "../sigv4-authz/./config.yaml", "/etc/sigv4-authz/config.yaml"),
            ("a/t.yaml", "/abs/c.yaml", "/abs/c.yaml"),
        ])
    func resolve(file: String, config: String, resolved: String) throws {
        let parsed = try PolicyTestFile.parse(
            "config: \(config)\ntests:\n  - { name: x, request: { credential: A/B/C/D/aws4_request }, expect: { decision: deny } }\n",
            path: file)
        #expect(parsed.configPath == resolved)
    }
}
