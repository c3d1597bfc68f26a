import AWSClassifier
import AuthzCore
// Micro-benchmarks for the SigV4 library, each printed beside a baseline measured in the same run.
//
//   swift run -c release SigV4Benchmarks            (or: make bench)
//
// Each figure is the median of 21 rounds; a round times a fixed number of iterations with the
// monotonic clock and divides. Allocations are counted by an allocator interposer linked into this
// executable only (CAllocationCounter). The machine is shared and noisy: compare ratios, not
// absolute numbers, across runs.
import CAllocationCounter
import Crypto
import Foundation
import Policy
import SigV4

// MARK: - Inputs: one typical S3 GET signed by botocore rules.

let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
var s3Request = SigV4Request(
    method: "GET", rawPath: "/my-bucket/photos/2024/cat%20%281%29.jpg", rawQuery: "versionId=3HL4kqtJlcpXroDTDmJ",
    headers: [
        HeaderField("Host", "s3.eu-west-1.amazonaws.com"), HeaderField("User-Agent", "aws-cli/2.15"),
        HeaderField("Range", "bytes=0-1023"), HeaderField("Accept-Encoding", "identity"),
    ])
let signer = SigV4Signer(accessKeyID: "AKIASP2TPHJSQH3FJRUX", secretAccessKey: secret)
let now = Int64(Date().timeIntervalSince1970)
do {
    try signer.sign(
        &s3Request, region: "eu-west-1", service: "s3", timestamp: AmzTimestamp(secondsSinceEpoch: now),
        payloadHash: emptyPayloadSHA256)
} catch {
    print("cannot sign the benchmark request: \(error)")
    exit(1)
}
let authorization = s3Request.headerValues("authorization").first ?? ""
let presigned = SigV4Request(
    method: "GET", rawPath: "/my-bucket/key.txt",
    rawQuery:
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIASP2TPHJSQH3FJRUX%2F20260115%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260115T123456Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
    headers: [HeaderField("Host", "s3.amazonaws.com")])

// MARK: - Harness

@inline(never)
func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }

struct Result {
    var nanosecondsPerOperation: Double
    var allocationsPerOperation: Double
}

/// `profile-*` modes skip the measurements before the code they profile.
let profiling = CommandLine.arguments.count > 1 && CommandLine.arguments[1].hasPrefix("profile-")

func measure(iterations: Int, rounds: Int = 21, _ body: () -> Void) -> Result {
    if profiling { return Result(nanosecondsPerOperation: 1, allocationsPerOperation: 0) }
    for _ in 0..<(iterations / 10 + 1) { body() }  // warm up
    var samples: [Double] = []
    var allocations: [Double] = []
    for _ in 0..<rounds {
        let allocationsBefore = allocation_counter_total()
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<iterations { body() }
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        allocations.append(Double(allocation_counter_total() - allocationsBefore) / Double(iterations))
        samples.append(Double(elapsed) / Double(iterations))
    }
    return Result(
        nanosecondsPerOperation: samples.sorted()[rounds / 2], allocationsPerOperation: allocations.sorted()[rounds / 2]
    )
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

func lpad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

print(
    pad("operation", 46) + lpad("ns/op", 12) + lpad("allocs", 10) + "   " + pad("baseline", 40) + lpad("ns/op", 12)
        + lpad("ratio", 8))
func report(_ name: String, _ result: Result, baseline: String, _ base: Result) {
    guard !profiling else { return }
    print(
        pad(name, 46) + lpad(String(format: "%.0f", result.nanosecondsPerOperation), 12)
            + lpad(String(format: "%.1f", result.allocationsPerOperation), 10) + "   " + pad(baseline, 40)
            + lpad(String(format: "%.0f", base.nanosecondsPerOperation), 12)
            + lpad(String(format: "%.2f", result.nanosecondsPerOperation / base.nanosecondsPerOperation), 8))
}

// MARK: - Parse the Authorization header

// `SigV4Benchmarks profile-parse N` runs only the header parse N times (for callgrind/perf).
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "profile-parse", let n = Int(CommandLine.arguments[2])
{
    for _ in 0..<n { blackHole(try? RequestAuthentication(parsing: s3Request)) }
    exit(0)
}

let parseHeader = measure(iterations: 20_000) {
    blackHole(try? RequestAuthentication(parsing: s3Request))
}
// Baseline: the least a parser must do — split the value into a [String: String] of its fields.
let naiveSplit = measure(iterations: 20_000) {
    var fields: [String: String] = [:]
    let afterScheme = authorization.split(separator: " ", maxSplits: 1).last ?? ""
    for part in afterScheme.split(separator: ",") {
        let pair = part.split(separator: "=", maxSplits: 1)
        if pair.count == 2 { fields[String(pair[0].trimmingCharacters(in: .whitespaces))] = String(pair[1]) }
    }
    blackHole(fields)
}
report("parse Authorization header", parseHeader, baseline: "naive split into [String: String]", naiveSplit)

// MARK: - Parse a presigned query

let parsePresigned = measure(iterations: 20_000) {
    blackHole(try? RequestAuthentication(parsing: presigned))
}
let naiveQuery = measure(iterations: 20_000) {
    blackHole(URLComponents(string: "https://s3.amazonaws.com/my-bucket/key.txt?" + presigned.rawQuery)?.queryItems)
}
report("parse presigned query", parsePresigned, baseline: "Foundation URLComponents.queryItems", naiveQuery)

// MARK: - Derive the account

let accessKeyID: Substring = "AKIASP2TPHJSQH3FJRUX"
let deriveAccount = measure(iterations: 200_000) {
    blackHole(try? AWSAccountID(accessKeyID: accessKeyID))
}
// Baseline: a straightforward transcription (String/Array/Dictionary).
let base32: [Character: UInt64] = Dictionary(
    uniqueKeysWithValues: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567").enumerated().map { ($1, UInt64($0)) })
let naiveDerive = measure(iterations: 200_000) {
    let trimmed = Array(String(accessKeyID).dropFirst(4).prefix(10))
    var bits: UInt64 = 0
    for character in trimmed { bits = bits << 5 | (base32[character] ?? 0) }
    blackHole(String((bits >> 2 & 0x7FFF_FFFF_FF80) >> 7))
}
report(
    "derive account from access key id", deriveAccount, baseline: "naive String/Dictionary transcription", naiveDerive)

// MARK: - Canonicalize and verify a typical S3 request

guard case .sigV4(let credential) = try RequestAuthentication(parsing: s3Request) else { exit(1) }
let verify = measure(iterations: 5_000) {
    blackHole(try? SigV4Verifier.verify(s3Request, credential: credential, secretAccessKey: secret, body: nil))
}
let fullCheck = measure(iterations: 5_000) {
    guard case .sigV4(let credential) = try? RequestAuthentication(parsing: s3Request) else { return }
    blackHole(try? credential.checkTime(now: now, maxClockSkew: 900))
    blackHole(try? SignedHeaderPolicy.check(credential, request: s3Request, rules: .s3))
    blackHole(try? AWSAccountID(accessKeyID: credential.accessKeyID))
    blackHole(try? SigV4Verifier.verify(s3Request, credential: credential, secretAccessKey: secret, body: nil))
}
// Baseline: the cryptography alone — four HMACs to derive the key, SHA-256 of a canonical
// request of the same size, one HMAC over a string to sign.
let canonicalSize =
    (try? SigV4Verifier.stringToSign(s3Request, credential: credential, body: nil))??.canonicalRequest.bytes.count
    ?? 300
let canonicalBytes = [UInt8](repeating: 0x61, count: canonicalSize)
let crypto = measure(iterations: 5_000) {
    var key = SymmetricKey(data: Array("AWS4\(secret)".utf8))
    for part in ["20260115", "eu-west-1", "s3", "aws4_request"] {
        key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key))
    }
    let digest = SHA256.hash(data: canonicalBytes)
    blackHole(HMAC<SHA256>.authenticationCode(for: Array(digest), using: key))
}
report("canonicalize + verify S3 GET", verify, baseline: "crypto only (5 HMAC + SHA-256)", crypto)
report("parse + time + policy + account + verify", fullCheck, baseline: "crypto only (5 HMAC + SHA-256)", crypto)

// MARK: - AWS classification

print("")
let loadModel = measure(iterations: 3, rounds: 11) {
    blackHole(try? AWSModel.bundled())
}
// Baseline: splitting the compiled-in table into lines and fields, the least any loader must do.
let readLines = measure(iterations: 3, rounds: 11) {
    let text = AWSModel.bundledTable
    var fields = 0
    for line in text.utf8.split(separator: 0x0A) { fields += line.split(separator: 0x09).count }
    blackHole(fields)
}
report("load the AWS model (startup)", loadModel, baseline: "split the table into lines and fields", readLines)

guard let model = try? AWSModel.bundled() else {
    print("cannot load the AWS model")
    exit(1)
}
let classifier = RequestClassifier(model: model)

func signedRequest(
    method: String, host: String, target: String, service: String, region: String, headers: [(String, String)],
    body: [UInt8]
) -> SigV4Request {
    var request = SigV4Request(
        method: method, requestTarget: target,
        headers: [HeaderField("Host", host)] + headers.map { HeaderField($0.0, $0.1) })
    _ = try? signer.sign(
        &request, region: region, service: service, timestamp: AmzTimestamp(secondsSinceEpoch: now),
        payloadHash: PayloadHash.sha256Hex(of: body))
    return request
}

let dynamoBody = Array(#"{"TableName":"orders","Item":{"id":{"S":"42"},"total":{"N":"9.99"}}}"#.utf8)
let ec2Body = Array(
    "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=instance-state-name&Filter.1.Value.1=running".utf8)
let cases: [(String, SigV4Request, [UInt8]?)] = [
    (
        "classify S3 GetObject (virtual-hosted)",
        s3Request.withHost("my-bucket.s3.eu-west-1.amazonaws.com", path: "/photos/2024/cat%20%281%29.jpg"), nil
    ),
    (
        "classify DynamoDB PutItem (JSON body)",
        signedRequest(
            method: "POST", host: "dynamodb.us-east-1.amazonaws.com", target: "/", service: "dynamodb",
            region: "us-east-1",
            headers: [("X-Amz-Target", "DynamoDB_20120810.PutItem"), ("Content-Type", "application/x-amz-json-1.0")],
            body: dynamoBody), dynamoBody
    ),
    (
        "classify EC2 DescribeInstances (query POST)",
        signedRequest(
            method: "POST", host: "ec2.eu-central-1.amazonaws.com", target: "/", service: "ec2", region: "eu-central-1",
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], body: ec2Body), ec2Body
    ),
]
for (name, request, body) in cases {
    guard case .sigV4(let credential) = try RequestAuthentication(parsing: request) else { exit(1) }
    let account = try? AWSAccountID(accessKeyID: credential.accessKeyID)
    let check = classifier.classify(request, body: body, credential: credential, accountID: account)
    guard check.action.name != nil, check.problem == nil else {
        print("\(name): unexpected classification \(check.action) \(String(describing: check.problem))")
        exit(1)
    }
    let result = measure(iterations: 5_000) {
        blackHole(classifier.classify(request, body: body, credential: credential, accountID: account))
    }
    let parse = measure(iterations: 5_000) { blackHole(try? RequestAuthentication(parsing: request)) }
    report(name, result, baseline: "parse the same request's credential", parse)
}

extension SigV4Request {
    /// The same request with another host and path (benchmark input only; the signature is not re-made).
    func withHost(_ host: String, path: String) -> SigV4Request {
        var copy = self
        copy.rawPath = path
        copy.rawQuery = ""
        copy.headers = copy.headers.map { $0.name.lowercased() == "host" ? HeaderField($0.name, host) : $0 }
        return copy
    }
}

// MARK: - Policy evaluation and the whole decision

print("")
/// A 1,000-statement policy: 900 statements for single accounts (indexed by account), 100 that apply to
/// every account (actions, regions, hosts, CIDRs, principals: scanned for every request).
func largePolicyYAML(indexed: Bool, sameService: Bool = false) -> String {
    var yaml = "accounts:\n  \"171436882533\":\n    regions:\n      eu-west-1: { services: [s3, dynamodb] }\nrules:\n"
    for index in 0..<1000 {
        let effect = index % 7 == 0 ? "deny" : "allow"
        if sameService {
            // Worst case: every statement is for S3 and any account, so none can be skipped.
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
let facts = RequestFacts(
    accountID: "171436882533", region: "eu-west-1", signingName: "s3", iamPrefix: "s3", action: "s3:GetObject",
    resource: "arn:aws:s3:::prod-data/reports/q1.csv", host: "prod-data.s3.eu-west-1.amazonaws.com", method: "GET",
    sourceAddress: IPAddress("10.200.3.4"), principal: "spiffe://cluster.local/ns/app/sa/web",
    accessKeyID: "AKIASP2TPHJSQH3FJRUX")
let accountsList = (0..<1000).map { String(200_000_000_000 + $0) }
let scan = measure(iterations: 20_000) {
    blackHole(accountsList.contains(facts.accountID ?? ""))
}
for (indexed, sameService, label) in [
    (true, false, "900 per account + 100 per service"), (false, false, "1,000 per service, any account"),
    (false, true, "1,000 on S3, any account (worst case)"),
] {
    guard let config = try? PolicyConfig.parse(largePolicyYAML(indexed: indexed, sameService: sameService)),
        let policy = try? CompiledPolicy(config)
    else {
        print("cannot compile the benchmark policy")
        exit(1)
    }
    let decision = policy.evaluate(facts)
    guard decision.effect == .allow else {
        print("unexpected decision \(decision)")
        exit(1)
    }
    let result = measure(iterations: 20_000) { blackHole(policy.evaluate(facts)) }
    report("policy, 1,000 statements: \(label)", result, baseline: "1,000 string compares (linear scan floor)", scan)
}

guard let exampleConfig = try? PolicyConfig.parse(largePolicyYAML(indexed: true)),
    let examplePolicy = try? CompiledPolicy(exampleConfig)
else { exit(1) }
let engine = AuthzEngine(policy: examplePolicy, classifier: classifier, now: { now * 1000 })
let virtualHosted = signedRequest(
    method: "GET", host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/reports/q1.csv", service: "s3",
    region: "eu-west-1",
    headers: [("User-Agent", "aws-cli/2.15")], body: [])
let authzRequest = AuthzRequest(
    method: "GET", host: "prod-data.s3.eu-west-1.amazonaws.com", target: "/reports/q1.csv",
    headers: virtualHosted.headers.filter { $0.name != "Host" }, body: .absent, sourceAddress: "10.200.3.4:5555",
    principal: "spiffe://cluster.local/ns/app/sa/web", mode: .grpc, requestID: "bench")
guard engine.decide(authzRequest).decision.effect == .allow else {
    print("unexpected decision \(engine.decide(authzRequest).decision)")
    exit(1)
}
// A JSON-protocol request whose body names two tables (BatchWriteItem): the body is read, and two
// (action, resource) pairs are judged.
let batchBody = Array(
    #"{"RequestItems":{"orders":[{"PutRequest":{"Item":{"id":{"S":"1"},"total":{"N":"42"}}}}],"audit":[{"PutRequest":{"Item":{"id":{"S":"2"}}}}]}}"#
        .utf8)
let batchSigned = signedRequest(
    method: "POST", host: "dynamodb.eu-west-1.amazonaws.com", target: "/", service: "dynamodb",
    region: "eu-west-1",
    headers: [
        ("X-Amz-Target", "DynamoDB_20120810.BatchWriteItem"), ("Content-Type", "application/x-amz-json-1.0"),
    ], body: batchBody)
let batchRequest = AuthzRequest(
    method: "POST", host: "dynamodb.eu-west-1.amazonaws.com", target: "/",
    headers: batchSigned.headers.filter { $0.name != "Host" }, body: .complete(batchBody),
    sourceAddress: "10.200.3.4:5555",
    principal: "spiffe://cluster.local/ns/app/sa/web", mode: .grpc, requestID: "bench")
/// What a front end does with a result: the decision headers and the audit record's JSON.
func rendered(_ result: CheckResult) -> String {
    let headers = DecisionHeaders.fields(result)
    return AuditRecord(result).json + (headers.last?.value ?? "")
}
// `SigV4Benchmarks profile-decide-batch N`: only the BatchWriteItem decision, N times.
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "profile-decide-batch",
    let n = Int(CommandLine.arguments[2])
{
    for _ in 0..<n { blackHole(rendered(engine.decide(batchRequest))) }
    exit(0)
}
// `SigV4Benchmarks profile-decide N` runs only `decide` + headers + audit JSON N times (for callgrind/perf).
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "profile-decide", let n = Int(CommandLine.arguments[2])
{
    for _ in 0..<n { blackHole(rendered(engine.decide(authzRequest))) }
    exit(0)
}
let decide = measure(iterations: 5_000) { blackHole(engine.decide(authzRequest)) }
let decideAudit = measure(iterations: 5_000) { blackHole(rendered(engine.decide(authzRequest))) }
let parseOnly = measure(iterations: 5_000) { blackHole(try? RequestAuthentication(parsing: virtualHosted)) }
report(
    "decide S3 GetObject (1,000-statement policy)", decide, baseline: "parse the same request's credential", parseOnly)
report(
    "decide + decision headers + audit JSON", decideAudit, baseline: "parse the same request's credential", parseOnly)
let decideBatch = measure(iterations: 5_000) { blackHole(engine.decide(batchRequest)) }
report(
    "decide DynamoDB BatchWriteItem (body, 2 tables)", decideBatch, baseline: "decide S3 GetObject (no body)",
    decide)
