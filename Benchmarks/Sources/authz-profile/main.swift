// Runs one operation of the decision path N times and nothing else, for callgrind or perf:
//
//   authz-profile <operation> <N>
//
// The inputs are the benchmarks' (BenchmarkInputs); the operation runs 10 times first (warm-up),
// then N times inside `authz_profile_measured`, a function callgrind can confine its count to:
//
//   strip --strip-debug -o /tmp/authz-profile Benchmarks/.build/release/authz-profile
//   valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*authz_profile_measured*' \
//       /tmp/authz-profile decide-audit 2000
//
// (valgrind cannot read the toolchain's debug information, hence the stripped copy)
// gives the instructions of 2,000 operations and nothing else (set SWIFT_DETERMINISTIC_HASHING=1 for
// the same count every run). Without callgrind, `perf stat -e instructions:u` of N and of 0 gives the
// same by difference, where the machine has counters.
import AuthzCore
import BenchmarkInputs
import SigV4

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@inline(never)
func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }

let inputs: BenchmarkInputs
do {
    inputs = try BenchmarkInputs()
} catch {
    print("cannot build the inputs: \(error)")
    exit(1)
}

let buffer = RenderBuffer()
let operations: [(name: String, help: String, run: () -> Void)] = [
    (
        "parse", "parse the S3 GET's Authorization header",
        { blackHole(try? RequestAuthentication(parsing: inputs.s3Request)) }
    ),
    (
        "verify", "canonical request and signature of the S3 GET",
        {
            blackHole(
                try? SigV4Verifier.verify(
                    inputs.s3Request, credential: inputs.s3Credential, secretAccessKey: BenchmarkInputs.secret,
                    body: nil))
        }
    ),
    (
        "classify-host", "classify the S3 GetObject's host",
        { blackHole(inputs.hosts.classify(host: "my-bucket.s3.eu-west-1.amazonaws.com")) }
    ),
    (
        "classify-s3", "classify an S3 GetObject (virtual-hosted)",
        {
            let input = inputs.classifyS3
            blackHole(
                inputs.classifier.classify(
                    input.request, body: input.body, credential: input.credential, accountID: input.accountID))
        }
    ),
    (
        "classify-dynamodb", "classify a DynamoDB PutItem (JSON body)",
        {
            let input = inputs.classifyDynamoDB
            blackHole(
                inputs.classifier.classify(
                    input.request, body: input.body, credential: input.credential, accountID: input.accountID))
        }
    ),
    (
        "evaluate", "evaluate the 1,000-statement policy (indexed)",
        { blackHole(inputs.policyIndexed.evaluate(inputs.facts)) }
    ),
    ("decide", "decide an S3 GetObject", { blackHole(inputs.engine.decide(inputs.decideS3)) }),
    (
        "decide-audit", "decide an S3 GetObject + decision headers + audit JSON",
        {
            BenchmarkInputs.render(inputs.engine.decide(inputs.decideS3), into: buffer)
            blackHole(buffer.bytes.count)
        }
    ),
    (
        "decide-brokered",
        "decide an S3 GetObject from a virtual key (verify, decide, sign again as the role) + headers + audit JSON",
        {
            BenchmarkInputs.render(inputs.brokeredEngine.decide(inputs.decideS3Brokered), into: buffer)
            blackHole(buffer.bytes.count)
        }
    ),
    (
        "decide-batch", "decide a DynamoDB BatchWriteItem (body, two tables) + headers + audit JSON",
        {
            BenchmarkInputs.render(inputs.engine.decide(inputs.decideBatch), into: buffer)
            blackHole(buffer.bytes.count)
        }
    ),
]

/// The measured loop, under a fixed symbol name for callgrind's `--toggle-collect`. The optimizer may
/// run a specialized copy whose mangled name contains it: match it as `*authz_profile_measured*`.
@inline(never)
@_silgen_name("authz_profile_measured")
func measured(_ count: Int, _ body: () -> Void) {
    for _ in 0..<count { body() }
}

let arguments = CommandLine.arguments
guard arguments.count == 3, let count = Int(arguments[2]), count >= 0,
    let operation = operations.first(where: { $0.name == arguments[1] })
else {
    print("usage: authz-profile <operation> <N>\noperations:")
    for operation in operations { print("  \(operation.name): \(operation.help)") }
    exit(2)
}
for _ in 0..<10 { operation.run() }
measured(count, operation.run)
