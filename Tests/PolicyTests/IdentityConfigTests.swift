import AuthzServer
import Policy
import Testing

/// The `identity:` section and the statement fields it brings (`principals_arn`, `paths`): every problem
/// refused at its exact position with one sentence; a valid section reads with its defaults; statements
/// with `principals_arn` decide identity requests only, the others SigV4 requests only; the offline gate
/// admits an account only when a statement could allow one of its callers.
@Suite("Identity configuration and evaluation")
struct IdentityConfigTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var yaml: String
        var line: Int
        var column: Int
        var message: String

        init(_ testDescription: String, _ yaml: String, _ line: Int, _ column: Int, _ message: String) {
            self.testDescription = testDescription
            self.yaml = yaml
            self.line = line
            self.column = column
            self.message = message
        }
    }

    static let base = "identity:\n  audience: orders\n  hosts: [orders.internal]\n"

    static let cases: [Case] = [
        Case("section not a mapping", "identity: [a]\n", 1, 11, "identity must be a mapping of keys to values"),
        Case(
            "unknown key", base + "  audiences: [a]\n", 4, 3,
            "unknown key 'audiences' in identity; expected one of: audience, hosts, audience_header, token_header, token_cookie, partitions, regions, max_token_age, max_clock_skew, sts_endpoint, sts_timeout, forward_token"
        ),
        Case(
            "no audience", "identity:\n  hosts: [orders.internal]\n", 2, 3,
            "identity needs audience: the value callers sign in the audience header (x-k8s-aws-id)"),
        Case(
            "no hosts", "identity:\n  audience: orders\n", 2, 3,
            "identity needs hosts: the host patterns of the services whose callers send identity tokens"),
        Case(
            "audience with a space", "identity:\n  audience: \"a b\"\n  hosts: [x]\n", 2, 13,
            "identity.audience must be printable ASCII without spaces, at most 128 bytes"),
        Case(
            "host not a host", "identity:\n  audience: a\n  hosts: [\"a/b\"]\n", 3, 11,
            "a host is a DNS name or pattern such as *.amazonaws.com; 'a/b' is not"),
        Case(
            "audience header that STS reads", base + "  audience_header: X-Amz-Date\n", 4, 20,
            "identity.audience_header cannot be 'X-Amz-Date': STS reads that header itself"),
        Case(
            "audience header not a name", base + "  audience_header: \"a:b\"\n", 4, 20,
            "identity.audience_header must be a header name such as x-k8s-aws-id; 'a:b' is not"),
        Case(
            "token header cookie", base + "  token_header: Cookie\n", 4, 17,
            "identity.token_header cannot be 'Cookie'; use token_cookie for a cookie"),
        Case(
            "token header and cookie", base + "  token_header: x-token\n  token_cookie: t\n", 5, 3,
            "identity: use token_header or token_cookie, not both"),
        Case(
            "unknown partition", base + "  partitions: [aws, aws-mars]\n", 4, 21,
            "identity.partitions: 'aws-mars' is not a partition; expected one of aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc"
        ),
        Case(
            "region not a region", base + "  regions: [\"eu west\"]\n", 4, 13,
            "identity.regions: the regions pattern 'eu west' contains spaces, control or non-ASCII characters"),
        Case(
            "max_token_age over 15m", base + "  max_token_age: 16m\n", 4, 18,
            "identity.max_token_age must be a duration in whole seconds from 1s to 900s, such as 30s"),
        Case(
            "max_clock_skew not a duration", base + "  max_clock_skew: soon\n", 4, 19,
            "identity.max_clock_skew must be a duration in whole seconds from 0s to 900s, such as 30s"),
        Case(
            "sts_endpoint with a path", base + "  sts_endpoint: https://sts.example/x\n", 4, 17,
            "identity.sts_endpoint must be an http or https URL without a path, such as https://vpce-0abc.sts.eu-west-1.vpce.amazonaws.com; 'https://sts.example/x' is not"
        ),
        Case(
            "sts_endpoint not a URL", base + "  sts_endpoint: sts.amazonaws.com\n", 4, 17,
            "identity.sts_endpoint must be an http or https URL without a path, such as https://vpce-0abc.sts.eu-west-1.vpce.amazonaws.com; 'sts.amazonaws.com' is not"
        ),
        Case(
            "sts_timeout too long", base + "  sts_timeout: 2m\n", 4, 16,
            "identity.sts_timeout must be a duration from 100ms to 60s, such as 5s"),
        Case(
            "forward_token not a boolean", base + "  forward_token: yes\n", 4, 18,
            "identity.forward_token must be true or false"),
        Case(
            "principals_arn not an ARN", "rules:\n  - { name: r, effect: allow, principals_arn: [orders] }\n", 2, 48,
            "a principal ARN is an IAM or STS ARN such as arn:aws:iam::123456789012:role/orders-*, or *; 'orders' is not"
        ),
        Case(
            "paths without a slash", "rules:\n  - { name: r, effect: allow, paths: [\"v1/*\"] }\n", 2, 39,
            "a path starts with '/', such as /v1/orders/*; 'v1/*' is not"),
    ]

    @Test("the first problem is reported at its position with its sentence", arguments: cases)
    func invalid(_ testCase: Case) {
        do {
            _ = try ConfigurationFile.parse(testCase.yaml, path: "config.yaml")
            Issue.record("accepted: \(testCase.testDescription)")
        } catch {
            #expect(
                error.issues.first?.description
                    == "config.yaml:\(testCase.line):\(testCase.column): \(testCase.message)", "\(error)")
        }
    }

    @Test("a section reads with its defaults, and with every setting")
    func reads() throws {
        let plain = try #require(try ConfigurationFile.parse(Self.base, path: "c.yaml").policy.identity)
        #expect(plain.audience == "orders")
        #expect(plain.hosts == ["orders.internal"])
        #expect(plain.audienceHeader == "x-k8s-aws-id")
        #expect(plain.token == .authorization)
        #expect(plain.partitions == ["aws"])
        #expect(plain.regions == ["*"])
        #expect(plain.maxTokenAgeSeconds == 900)
        #expect(plain.maxClockSkewSeconds == 300)
        #expect(plain.stsEndpoint == nil)
        #expect(plain.stsTimeoutMilliseconds == 5000)
        #expect(!plain.forwardToken)
        #expect(plain.position == SourcePosition(file: "c.yaml", line: 2, column: 3))

        let full = try #require(
            try ConfigurationFile.parse(
                """
                identity:
                  audience: payments
                  hosts: ["Payments.Internal", "*.payments.svc.cluster.local"]
                  audience_header: X-Service-Audience
                  token_cookie: iam_token
                  partitions: [aws, aws-us-gov]
                  regions: ["eu-*", us-gov-west-1]
                  max_token_age: 5m
                  max_clock_skew: 30s
                  sts_endpoint: https://vpce-0abc.sts.eu-west-1.vpce.amazonaws.com
                  sts_timeout: 1500ms
                  forward_token: true

                """, path: "c.yaml"
            ).policy.identity)
        #expect(full.hosts == ["payments.internal", "*.payments.svc.cluster.local"])
        #expect(full.audienceHeader == "x-service-audience")
        #expect(full.token == .cookie("iam_token"))
        #expect(full.tokenHeaderName == "cookie")
        #expect(full.partitions == ["aws", "aws-us-gov"])
        #expect(full.regions == ["eu-*", "us-gov-west-1"])
        #expect(full.maxTokenAgeSeconds == 300)
        #expect(full.maxClockSkewSeconds == 30)
        #expect(full.stsEndpoint == "https://vpce-0abc.sts.eu-west-1.vpce.amazonaws.com")
        #expect(full.stsTimeoutMilliseconds == 1500)
        #expect(full.forwardToken)
        let header = try #require(
            try ConfigurationFile.parse(Self.base + "  token_header: X-IAM-Token\n", path: "c.yaml").policy.identity)
        #expect(header.token == .header("x-iam-token"))
        let bearer = try #require(
            try ConfigurationFile.parse(Self.base + "  token_header: Authorization\n", path: "c.yaml").policy.identity)
        #expect(bearer.token == .authorization)
    }

    // MARK: Evaluation

    static let ordersAccount = "111122223333"
    static let policyYAML = """
        accounts:
          "111122223333":
            regions:
              "*": { services: ["*"] }
        rules:
          - name: no-admin
            effect: deny
            principals_arn: ["*"]
            paths: ["/admin/*"]
          - name: frontends-read
            effect: allow
            principals_arn: ["arn:aws:iam::111122223333:role/frontend-*"]
            hosts: [orders.internal]
            methods: [GET]
            paths: ["/v1/orders/*"]
          - name: batch-writes
            effect: allow
            principals_arn: ["arn:aws:sts::444455556666:assumed-role/batch/*"]
            methods: [POST]
          - name: aws-everything
            effect: allow
            accounts: ["111122223333"]
        default: deny
        """

    static func identityFacts(
        account: String = ordersAccount, arns: [String]?, method: String = "GET", path: String? = "/v1/orders/7",
        host: String = "orders.internal"
    ) -> RequestFacts {
        var facts = RequestFacts(accountID: account, host: host, method: method)
        facts.identityRequest = true
        facts.principalARNs = arns
        facts.path = path
        return facts
    }

    struct EvaluationCase: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var facts: RequestFacts
        var reason: ReasonCode
        var rule: String?
    }

    static let evaluationCases: [EvaluationCase] = [
        EvaluationCase(
            testDescription: "a frontend role reads an order",
            facts: identityFacts(arns: ["arn:aws:iam::111122223333:role/frontend-web"]), reason: .allowed,
            rule: "frontends-read"),
        EvaluationCase(
            testDescription: "an assumed-role session matches by its role's ARN",
            facts: identityFacts(arns: [
                "arn:aws:sts::111122223333:assumed-role/frontend-web/i-0abc",
                "arn:aws:iam::111122223333:role/frontend-web",
            ]), reason: .allowed, rule: "frontends-read"),
        EvaluationCase(
            testDescription: "the same role may not write",
            facts: identityFacts(arns: ["arn:aws:iam::111122223333:role/frontend-web"], method: "DELETE"),
            reason: .noMatchingRule, rule: "default"),
        EvaluationCase(
            testDescription: "another path is not allowed",
            facts: identityFacts(arns: ["arn:aws:iam::111122223333:role/frontend-web"], path: "/v1/customers/1"),
            reason: .noMatchingRule, rule: "default"),
        EvaluationCase(
            testDescription: "an unreadable path never matches an allow",
            facts: identityFacts(arns: ["arn:aws:iam::111122223333:role/frontend-web"], path: nil),
            reason: .deniedByRule, rule: "no-admin"),
        EvaluationCase(
            testDescription: "admin paths are denied to every caller",
            facts: identityFacts(arns: ["arn:aws:iam::111122223333:role/frontend-web"], path: "/admin/users"),
            reason: .deniedByRule, rule: "no-admin"),
        EvaluationCase(
            testDescription: "another account's role of the same name is not allowed",
            facts: identityFacts(account: "999988887777", arns: ["arn:aws:iam::999988887777:role/frontend-web"]),
            reason: .noMatchingRule, rule: "default"),
        EvaluationCase(
            testDescription: "an account-wide statement for SigV4 requests does not apply to identity requests",
            facts: identityFacts(arns: ["arn:aws:iam::111122223333:user/alice"]), reason: .noMatchingRule,
            rule: "default"),
        EvaluationCase(
            testDescription: "the batch session posts",
            facts: identityFacts(
                account: "444455556666", arns: ["arn:aws:sts::444455556666:assumed-role/batch/nightly"],
                method: "POST", path: "/v1/orders"), reason: .allowed, rule: "batch-writes"),
        EvaluationCase(
            testDescription: "a SigV4 request is decided by SigV4 statements, never by principals_arn ones",
            facts: RequestFacts(
                accountID: ordersAccount, region: "eu-west-1", signingName: "s3", iamPrefix: "s3",
                action: "s3:GetObject", host: "b.s3.eu-west-1.amazonaws.com", method: "GET"),
            reason: .allowed, rule: "aws-everything"),
    ]

    @Test(
        "statements with principals_arn decide identity requests; the others SigV4 requests", arguments: evaluationCases
    )
    func evaluates(_ testCase: EvaluationCase) throws {
        let policy = try CompiledPolicy(try PolicyConfig.parse(Self.policyYAML, path: "p.yaml"))
        let decision = policy.evaluate(testCase.facts)
        #expect(decision.reason == testCase.reason, "\(decision)")
        #expect(decision.rule == testCase.rule, "\(decision)")
    }

    @Test("the offline gate: an account no principals_arn pattern names makes no STS call")
    func gate() throws {
        let policy = try CompiledPolicy(try PolicyConfig.parse(Self.policyYAML, path: "p.yaml"))
        #expect(policy.mayAllowIdentity(Self.identityFacts(arns: nil)))
        #expect(policy.mayAllowIdentity(Self.identityFacts(account: "444455556666", arns: nil, method: "POST")))
        // The batch statement allows POST only; the frontend statement names another account.
        #expect(!policy.mayAllowIdentity(Self.identityFacts(account: "444455556666", arns: nil, method: "GET")))
        #expect(!policy.mayAllowIdentity(Self.identityFacts(account: "999988887777", arns: nil)))
        // The SigV4 statement for the account does not open the gate for identity requests of another host.
        #expect(!policy.mayAllowIdentity(Self.identityFacts(arns: nil, host: "payments.internal")))
        // A pattern leaving the account open admits any account; default: allow admits every caller.
        let open = try CompiledPolicy(
            try PolicyConfig.parse(
                "rules:\n  - { name: any, effect: allow, principals_arn: [\"arn:aws:iam::*:role/reader\"] }\n",
                path: "p.yaml"))
        #expect(open.mayAllowIdentity(Self.identityFacts(account: "999988887777", arns: nil)))
        let everyone = try CompiledPolicy(try PolicyConfig.parse("default: allow\n", path: "p.yaml"))
        #expect(everyone.mayAllowIdentity(Self.identityFacts(account: "999988887777", arns: nil)))
    }
}
