// The inputs the benchmarks (AuthzBenchmarks) and the profiling executable (authz-profile) share,
// ported from the former Benchmarks/SigV4Benchmarks: an S3 GetObject signed by botocore rules, a
// presigned S3 URL, DynamoDB PutItem and BatchWriteItem requests with JSON bodies, an EC2 query POST,
// the 1,000-statement policies and an engine on a fixed clock.
//
// Every request is signed at one fixed time and the engine's clock stands still at that time, so a
// run does the same work whenever it runs (no credential expires, no date changes length).
public import AWSClassifier
public import AuthzCore
public import Policy
public import SigV4

/// What a benchmark needs; built once, before anything is measured.
public struct BenchmarkInputs: Sendable {
    public enum SetupError: Error { case unexpected(String) }

    /// 2026-01-15T12:34:56Z: the signing time and the engine's clock (seconds since the epoch).
    public static let now: Int64 = 1_768_480_496
    public static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    public static let signer = SigV4Signer(accessKeyID: "AKIASP2TPHJSQH3FJRUX", secretAccessKey: secret)
    /// A virtual key (`sigv4-authz broker new-key --account 171436882533`) and its secret: the
    /// brokered engine verifies its requests and signs them again as `role`.
    public static let virtualKey = "AKIASP2TPHJSROH5BXWB"
    public static let virtualSecret = "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"
    /// The role's temporary credentials, as STS issues them (a session token of a real one's length,
    /// 1,024 characters), valid for an hour after `now`.
    public static let role = SigningCredentials(
        accessKeyID: "ASIABENCHROLEKEY2345", secretAccessKey: "rOlEsEcReTbEnChMaRk/K7MDENG/bPxRfiCYEXAM",
        sessionToken: String(repeating: "IQoJb3JpZ2luX2Vj", count: 64),
        expiration: now + 3600)

    /// An S3 GET (path style, a version id, a Range) signed with an empty payload hash.
    public let s3Request: SigV4Request
    /// Its credential, parsed once (for the verification and classification benchmarks).
    public let s3Credential: SigV4Credential
    /// A presigned S3 URL (query-string credential).
    public let presigned: SigV4Request
    /// The bundled AWS model and a classifier over it.
    public let model: AWSModel
    public let classifier: RequestClassifier
    public let hosts: HostClassifier
    /// Requests to classify, with their bodies, credentials and accounts.
    public let classifyS3: Classified
    public let classifyDynamoDB: Classified
    public let classifyEC2: Classified
    /// What the policy is asked about an S3 GetObject in eu-west-1.
    public let facts: RequestFacts
    /// 1,000 statements: 900 for single accounts (indexed by account), 100 for any account.
    public let policyIndexed: CompiledPolicy
    /// 1,000 statements, each for its own service and any account.
    public let policyPerService: CompiledPolicy
    /// 1,000 statements all for S3 and any account: none can be skipped (the worst case).
    public let policySameService: CompiledPolicy
    /// An engine over `policyIndexed` on a clock fixed at `now`.
    public let engine: AuthzEngine
    /// A virtual-hosted S3 GetObject as a front end hands it to the engine (no body).
    public let decideS3: AuthzRequest
    /// A DynamoDB BatchWriteItem naming two tables in its body.
    public let decideBatch: AuthzRequest
    /// An engine over `policyIndexed` plus a `brokering.virtual_keys` entry for `virtualKey`, whose
    /// role's credentials (`role`) are at hand, as the server's cache hands them out.
    public let brokeredEngine: AuthzEngine
    /// `decideS3` signed with the virtual key: verified, decided, and signed again as the role.
    public let decideS3Brokered: AuthzRequest

    /// A request with what classification needs besides it.
    public struct Classified: Sendable {
        public let request: SigV4Request
        public let body: [UInt8]?
        public let credential: SigV4Credential
        public let accountID: AWSAccountID?
    }

    public init() throws {
        var s3Request = SigV4Request(
            method: "GET", rawPath: "/my-bucket/photos/2024/cat%20%281%29.jpg",
            rawQuery: "versionId=3HL4kqtJlcpXroDTDmJ",
            headers: [
                HeaderField("Host", "s3.eu-west-1.amazonaws.com"), HeaderField("User-Agent", "aws-cli/2.15"),
                HeaderField("Range", "bytes=0-1023"), HeaderField("Accept-Encoding", "identity"),
            ])
        try Self.signer.sign(
            &s3Request, region: "eu-west-1", service: "s3", timestamp: AmzTimestamp(secondsSinceEpoch: Self.now),
            payloadHash: emptyPayloadSHA256)
        self.s3Request = s3Request
        guard case .sigV4(let credential) = try RequestAuthentication(parsing: s3Request) else {
            throw SetupError.unexpected("the S3 request has no SigV4 credential")
        }
        self.s3Credential = credential
        guard
            (try? SigV4Verifier.verify(s3Request, credential: credential, secretAccessKey: Self.secret, body: nil))
                != nil
        else { throw SetupError.unexpected("the S3 request's signature does not verify") }

        presigned = SigV4Request(
            method: "GET", rawPath: "/my-bucket/key.txt",
            rawQuery:
                "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIASP2TPHJSQH3FJRUX%2F20260115%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260115T123456Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
            headers: [HeaderField("Host", "s3.amazonaws.com")])

        model = try AWSModel.bundled()
        classifier = RequestClassifier(model: model)
        hosts = HostClassifier(model: model)

        let dynamoBody = Array(#"{"TableName":"orders","Item":{"id":{"S":"42"},"total":{"N":"9.99"}}}"#.utf8)
        let ec2Body = Array(
            "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=instance-state-name&Filter.1.Value.1=running"
                .utf8)
        classifyS3 = try Self.classified(
            Self.withHost(s3Request, "my-bucket.s3.eu-west-1.amazonaws.com", path: "/photos/2024/cat%20%281%29.jpg"),
            body: nil, classifier: classifier)
        classifyDynamoDB = try Self.classified(
            try Self.signed(
                method: "POST", host: "dynamodb.us-east-1.amazonaws.com", target: "/", service: "dynamodb",
                region: "us-east-1",
                headers: [
                    ("X-Amz-Target", "DynamoDB_20120810.PutItem"), ("Content-Type", "application/x-amz-json-1.0"),
                ],
                body: dynamoBody), body: dynamoBody, classifier: classifier)
        classifyEC2 = try Self.classified(
            try Self.signed(
                method: "POST", host: "ec2.eu-central-1.amazonaws.com", target: "/", service: "ec2",
                region: "eu-central-1", headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
                body: ec2Body), body: ec2Body, classifier: classifier)

        facts = RequestFacts(
            accountID: "171436882533", region: "eu-west-1", signingName: "s3", iamPrefix: "s3", action: "s3:GetObject",
            resource: "arn:aws:s3:::prod-data/reports/q1.csv", host: "prod-data.s3.eu-west-1.amazonaws.com",
            method: "GET", sourceAddress: IPAddress("10.200.3.4"), principal: "spiffe://cluster.local/ns/app/sa/web",
            accessKeyID: "AKIASP2TPHJSQH3FJRUX")
        policyIndexed = try Self.policy(indexed: true)
        policyPerService = try Self.policy(indexed: false)
        policySameService = try Self.policy(indexed: false, sameService: true)
        for policy in [policyIndexed, policyPerService, policySameService] {
            let decision = policy.evaluate(facts)
            guard decision.effect == .allow else { throw SetupError.unexpected("policy decision \(decision)") }
        }

        let now = Self.now
        engine = AuthzEngine(policy: policyIndexed, classifier: classifier, now: { now * 1000 })
        let virtualHosted = try Self.signed(
            method: "GET", host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/reports/q1.csv", service: "s3",
            region: "eu-west-1", headers: [("User-Agent", "aws-cli/2.15")], body: [])
        decideS3 = AuthzRequest(
            method: "GET", host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/reports/q1.csv",
            // With the Host header, as the front ends pass it (the gRPC translation gives the authority
            // as Host).
            headers: virtualHosted.headers, body: .absent,
            sourceAddress: "10.200.3.4:5555", principal: "spiffe://cluster.local/ns/app/sa/web", mode: .grpc,
            requestID: "bench")
        // A JSON-protocol request whose body names two tables: the body is read, and two
        // (action, resource) pairs are judged.
        let batchBody = Array(
            #"{"RequestItems":{"orders":[{"PutRequest":{"Item":{"id":{"S":"1"},"total":{"N":"42"}}}}],"audit":[{"PutRequest":{"Item":{"id":{"S":"2"}}}}]}}"#
                .utf8)
        let batchSigned = try Self.signed(
            method: "POST", host: "dynamodb.eu-west-1.amazonaws.com", target: "/", service: "dynamodb",
            region: "eu-west-1",
            headers: [
                ("X-Amz-Target", "DynamoDB_20120810.BatchWriteItem"), ("Content-Type", "application/x-amz-json-1.0"),
            ], body: batchBody)
        decideBatch = AuthzRequest(
            method: "POST", host: "dynamodb.eu-west-1.amazonaws.com", target: "/",
            headers: batchSigned.headers.filter { $0.name != "Host" }, body: .complete(batchBody),
            sourceAddress: "10.200.3.4:5555", principal: "spiffe://cluster.local/ns/app/sa/web", mode: .grpc,
            requestID: "bench")
        for request in [decideS3, decideBatch] {
            let result = engine.decide(request)
            guard result.decision.effect == .allow else {
                throw SetupError.unexpected("\(request.host): decision \(result.decision)")
            }
        }

        let brokeredConfig = try PolicyConfig.parse(
            Self.policyYAML(indexed: true) + """
                brokering:
                  virtual_keys:
                    - { access_key_id: \(Self.virtualKey), secret_env: VIRTUAL_KEY, role: "arn:aws:iam::{account}:role/bench-egress" }

                """)
        let role = Self.role
        brokeredEngine = AuthzEngine(
            policy: try CompiledPolicy(brokeredConfig), classifier: classifier,
            keys: try KeyStore(config: brokeredConfig, environment: ["VIRTUAL_KEY": Self.virtualSecret]),
            roleCredentials: { _ in role }, now: { now * 1000 })
        let brokeredSigned = try Self.signed(
            method: "GET", host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/reports/q1.csv", service: "s3",
            region: "eu-west-1", headers: [("User-Agent", "aws-cli/2.15")], body: [],
            signer: SigV4Signer(accessKeyID: Self.virtualKey, secretAccessKey: Self.virtualSecret))
        decideS3Brokered = AuthzRequest(
            method: "GET", host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/reports/q1.csv",
            headers: brokeredSigned.headers, body: .absent, sourceAddress: "10.200.3.4:5555",
            principal: "spiffe://cluster.local/ns/app/sa/web", mode: .grpc, requestID: "bench")
        let brokered = brokeredEngine.decide(decideS3Brokered)
        guard brokered.decision.effect == .allow, brokered.signature == .verified,
            let upstream = brokered.upstream,
            upstream.setHeaders.contains(where: {
                $0.name == "Authorization" && $0.value.contains("Credential=\(Self.role.accessKeyID)/")
            })
        else {
            throw SetupError.unexpected("brokered: decision \(brokered.decision), not signed again as the role")
        }
    }

    /// What a front end does with a result, into a buffer it keeps and clears per check: the decision
    /// headers as an HTTP/1.1 response carries them (`name: value\r\n`) and the audit record's JSON line.
    public static func render(_ result: CheckResult, into buffer: RenderBuffer) {
        var bytes: [UInt8] = []
        swap(&bytes, &buffer.bytes)  // written as a local, uniquely referenced, then put back
        bytes.removeAll(keepingCapacity: true)
        DecisionHeaders.appendHTTP1(result, to: &bytes)
        AuditRecord.appendJSON(of: result, to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
        swap(&bytes, &buffer.bytes)
    }

    /// The policy as YAML: 1,000 statements, `indexed` (900 per account + 100 per service), each for its
    /// own service, or all on S3 (`sameService`).
    public static func policyYAML(indexed: Bool, sameService: Bool = false) -> String {
        var yaml =
            "accounts:\n  \"171436882533\":\n    regions:\n      eu-west-1: { services: [s3, dynamodb] }\nrules:\n"
        for index in 0..<1000 {
            let effect = index % 7 == 0 ? "deny" : "allow"
            if sameService {
                yaml +=
                    "  - { name: r\(index), effect: \(effect), actions: [\"s3:Get*\"], resources: [\"arn:aws:s3:::bucket-\(index)/*\"], hosts: [\"*.example\(index).com\"] }\n"
            } else if indexed && index < 900 {
                yaml +=
                    "  - { name: r\(index), effect: \(effect), accounts: [\"\(200_000_000_000 + index)\"], actions: [\"s3:Get*\", \"dynamodb:Query\"], regions: [\"eu-*\"] }\n"
            } else {
                yaml +=
                    "  - { name: r\(index), effect: \(effect), actions: [\"svc\(index):Get*\"], not_regions: [\"cn-*\"], hosts: [\"*.example\(index).com\"], sources: [\"10.\(index % 256).0.0/16\"], principals: [\"spiffe://c/ns/\(index)/*\"] }\n"
            }
        }
        return yaml
    }

    static func policy(indexed: Bool, sameService: Bool = false) throws -> CompiledPolicy {
        try CompiledPolicy(try PolicyConfig.parse(policyYAML(indexed: indexed, sameService: sameService)))
    }

    static func signed(
        method: String, host: String, target: String, service: String, region: String, headers: [(String, String)],
        body: [UInt8], signer: SigV4Signer = signer
    ) throws -> SigV4Request {
        var request = SigV4Request(
            method: method, requestTarget: target,
            headers: [HeaderField("Host", host)] + headers.map { HeaderField($0.0, $0.1) })
        try signer.sign(
            &request, region: region, service: service, timestamp: AmzTimestamp(secondsSinceEpoch: now),
            payloadHash: PayloadHash.sha256Hex(of: body))
        return request
    }

    /// The same request with another host and path (the signature is not re-made: classification only).
    static func withHost(_ request: SigV4Request, _ host: String, path: String) -> SigV4Request {
        var copy = request
        copy.rawPath = path
        copy.rawQuery = ""
        copy.headers = copy.headers.map { $0.name.lowercased() == "host" ? HeaderField($0.name, host) : $0 }
        return copy
    }

    static func classified(
        _ request: SigV4Request, body: [UInt8]?, classifier: RequestClassifier
    ) throws
        -> Classified
    {
        guard case .sigV4(let credential) = try RequestAuthentication(parsing: request) else {
            throw SetupError.unexpected("no SigV4 credential")
        }
        let account = try? AWSAccountID(accessKeyID: credential.accessKeyID)
        let check = classifier.classify(request, body: body, credential: credential, accountID: account)
        guard check.action.name != nil, check.problem == nil else {
            throw SetupError.unexpected("classification \(check.action) \(String(describing: check.problem))")
        }
        return Classified(request: request, body: body, credential: credential, accountID: account)
    }
}

/// The bytes a front end writes per check, kept across checks (one per benchmark or thread).
public final class RenderBuffer: @unchecked Sendable {
    /// The rendered headers and audit line of the last check.
    public var bytes: [UInt8] = []

    /// Creates an empty buffer.
    public init() {}
}
