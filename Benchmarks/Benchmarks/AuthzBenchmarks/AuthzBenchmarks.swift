// The decision path's micro-benchmarks: credential parsing, signature verification, host and request
// classification, policy evaluation and `decide`, each beside the baselines the former
// SigV4Benchmarks printed (the least any implementation must do).
//
//   make bench          (cd Benchmarks && swift package benchmark)
//   make bench-check    the same run, compared with the committed thresholds in Benchmarks/Thresholds/
//
// Metrics: wall clock (for reading only: the machine is shared and noisy), allocations
// (`mallocCountTotal`, counted by ordo-one/benchmark's malloc interposer, exact and committed as
// thresholds) and CPU instructions where the machine has hardware counters (see `counterMetrics`).
// Most benchmarks run 1,000 operations per iteration (`scalingFactor: .kilo`): the figures printed are
// per operation, the thresholds per iteration (1,000 operations).
import AWSClassifier
import AuthzCore
import Benchmark
import BenchmarkInputs
import Crypto
import Foundation
import Policy
import SigV4

/// Instructions are read with `perf_event_open`; a machine without hardware counters (many virtual
/// machines: no `cpu` event source) would report nothing, so the metric is asked for only where the
/// kernel has one.
let counterMetrics: [BenchmarkMetric] = {
    #if os(Linux)
        let sources = ["/sys/bus/event_source/devices/cpu", "/sys/bus/event_source/devices/cpu_core"]
        return sources.contains { FileManager.default.fileExists(atPath: $0) } ? [.instructions] : []
    #else
        return [.instructions]
    #endif
}()

/// The tolerances of `make bench-check` (the p90 of the iterations against the committed value):
/// allocations exactly, instructions (where measured) within 2%.
var exactAllocations: [BenchmarkMetric: BenchmarkThresholds] {
    [.mallocCountTotal: .init(relative: [.p90: 0], absolute: [.p90: 0])]
        .merging(counterMetrics.map { ($0, BenchmarkThresholds(relative: [.p90: 2])) }) { $1 }
}

let benchmarks: @Sendable () -> Void = {
    let inputs: BenchmarkInputs
    do {
        inputs = try BenchmarkInputs()
    } catch {
        fatalError("cannot build the benchmark inputs: \(error)")
    }

    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal] + counterMetrics,
        warmupIterations: 3,
        scalingFactor: .kilo,
        maxDuration: .seconds(1),
        maxIterations: 1_000,
        thresholds: exactAllocations
    )
    /// One operation costs too much for 1,000 per iteration: one per iteration.
    func single(
        maxIterations: Int = 200, thresholds: [BenchmarkMetric: BenchmarkThresholds] = exactAllocations
    ) -> Benchmark.Configuration {
        .init(scalingFactor: .one, maxIterations: maxIterations, thresholds: thresholds)
    }

    // MARK: Credentials

    let s3Request = inputs.s3Request
    Benchmark("parse.authorization-header") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? RequestAuthentication(parsing: s3Request))
        }
    }
    let authorization = s3Request.headerValues("authorization").first ?? ""
    Benchmark("baseline.naive-authorization-split") { benchmark in
        // The least a parser must do: split the value into a [String: String] of its fields.
        for _ in benchmark.scaledIterations {
            var fields: [String: String] = [:]
            let afterScheme = authorization.split(separator: " ", maxSplits: 1).last ?? ""
            for part in afterScheme.split(separator: ",") {
                let pair = part.split(separator: "=", maxSplits: 1)
                if pair.count == 2 { fields[String(pair[0].trimmingCharacters(in: .whitespaces))] = String(pair[1]) }
            }
            blackHole(fields)
        }
    }

    let presigned = inputs.presigned
    Benchmark("parse.presigned-query") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? RequestAuthentication(parsing: presigned))
        }
    }
    Benchmark("baseline.url-components-query") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(
                URLComponents(string: "https://s3.amazonaws.com/my-bucket/key.txt?" + presigned.rawQuery)?.queryItems)
        }
    }

    let accessKeyID: Substring = "AKIASP2TPHJSQH3FJRUX"
    Benchmark("account-id.derive") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? AWSAccountID(accessKeyID: accessKeyID))
        }
    }
    let base32: [Character: UInt64] = Dictionary(
        uniqueKeysWithValues: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567").enumerated().map { ($1, UInt64($0)) })
    Benchmark("baseline.naive-account-transcription") { benchmark in
        for _ in benchmark.scaledIterations {
            let trimmed = Array(String(accessKeyID).dropFirst(4).prefix(10))
            var bits: UInt64 = 0
            for character in trimmed { bits = bits << 5 | (base32[character] ?? 0) }
            blackHole(String((bits >> 2 & 0x7FFF_FFFF_FF80) >> 7))
        }
    }

    // MARK: Canonical request and signature

    let credential = inputs.s3Credential
    let secret = BenchmarkInputs.secret
    Benchmark("verify.s3-get") { benchmark in
        // The canonical request, the string to sign, the signing key and the signature.
        for _ in benchmark.scaledIterations {
            blackHole(try? SigV4Verifier.verify(s3Request, credential: credential, secretAccessKey: secret, body: nil))
        }
    }
    let now = BenchmarkInputs.now
    Benchmark("verify.parse-time-headers-account-signature") { benchmark in
        for _ in benchmark.scaledIterations {
            guard case .sigV4(let credential) = try? RequestAuthentication(parsing: s3Request) else { return }
            blackHole(try? credential.checkTime(now: now, maxClockSkew: 900))
            blackHole(try? SignedHeaderPolicy.check(credential, request: s3Request, rules: .s3))
            blackHole(try? AWSAccountID(accessKeyID: credential.accessKeyID))
            blackHole(try? SigV4Verifier.verify(s3Request, credential: credential, secretAccessKey: secret, body: nil))
        }
    }
    // The cryptography alone: four HMACs to derive the key, SHA-256 of a canonical request of the
    // same size, one HMAC over a string to sign.
    let canonicalSize =
        (try? SigV4Verifier.stringToSign(s3Request, credential: credential, body: nil))??.canonicalRequest.bytes.count
        ?? 300
    let canonicalBytes = [UInt8](repeating: 0x61, count: canonicalSize)
    Benchmark("baseline.crypto-only") { benchmark in
        for _ in benchmark.scaledIterations {
            var key = SymmetricKey(data: Array("AWS4\(secret)".utf8))
            for part in ["20260115", "eu-west-1", "s3", "aws4_request"] {
                key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key))
            }
            let digest = SHA256.hash(data: canonicalBytes)
            blackHole(HMAC<SHA256>.authenticationCode(for: Array(digest), using: key))
        }
    }

    // MARK: Classification

    // About 211,000 allocations, a few of which depend on the hash seed: exact with
    // SWIFT_DETERMINISTIC_HASHING=1 (as make bench-check runs), within 50 otherwise.
    let modelThresholds = exactAllocations.merging([.mallocCountTotal: .init(absolute: [.p90: 50])]) { $1 }
    Benchmark("model.load", configuration: single(maxIterations: 20, thresholds: modelThresholds)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? AWSModel.bundled())
        }
    }
    Benchmark("baseline.model-table-split", configuration: single(maxIterations: 20)) { benchmark in
        // Splitting the compiled-in table into lines and fields, the least any loader must do.
        for _ in benchmark.scaledIterations {
            var fields = 0
            for line in AWSModel.bundledTable.utf8.split(separator: 0x0A) {
                fields += line.split(separator: 0x09).count
            }
            blackHole(fields)
        }
    }

    let hosts = inputs.hosts
    let hostNames = [
        "my-bucket.s3.eu-west-1.amazonaws.com", "dynamodb.us-east-1.amazonaws.com", "ec2.eu-central-1.amazonaws.com",
    ]
    Benchmark("classify.host-3") { benchmark in
        // One operation: three hosts (S3 virtual-hosted, DynamoDB, EC2).
        for _ in benchmark.scaledIterations {
            for host in hostNames { blackHole(hosts.classify(host: host)) }
        }
    }

    let classifier = inputs.classifier
    for (name, input) in [
        ("classify.s3-get-object", inputs.classifyS3), ("classify.dynamodb-put-item", inputs.classifyDynamoDB),
        ("classify.ec2-describe-instances", inputs.classifyEC2),
    ] {
        Benchmark(name) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(
                    classifier.classify(
                        input.request, body: input.body, credential: input.credential, accountID: input.accountID))
            }
        }
    }

    // MARK: Policy

    let facts = inputs.facts
    for (name, policy, configuration) in [
        ("evaluate.1000-indexed", inputs.policyIndexed, Benchmark.defaultConfiguration),
        ("evaluate.1000-per-service", inputs.policyPerService, Benchmark.defaultConfiguration),
        ("evaluate.1000-same-service", inputs.policySameService, single(maxIterations: 2_000)),
    ] {
        Benchmark(name, configuration: configuration) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(policy.evaluate(facts))
            }
        }
    }
    let accountsList = (0..<1000).map { String(200_000_000_000 + $0) }
    let accountID = facts.accountID ?? ""
    Benchmark("baseline.string-compares-1000") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(accountsList.contains(accountID))
        }
    }

    // MARK: The whole decision

    let engine = inputs.engine
    let decideS3 = inputs.decideS3
    let decideBatch = inputs.decideBatch
    Benchmark("decide.s3-get-object") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(engine.decide(decideS3))
        }
    }
    // The headers and the audit line are written into a buffer kept across checks, as the server does.
    let renderBuffer = RenderBuffer()
    Benchmark("decide.s3-get-object-headers-audit") { benchmark in
        for _ in benchmark.scaledIterations {
            BenchmarkInputs.render(engine.decide(decideS3), into: renderBuffer)
            blackHole(renderBuffer.bytes.count)
        }
    }
    Benchmark("decide.dynamodb-batch-write-item") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(engine.decide(decideBatch))
        }
    }
    // The same GetObject from a virtual key (credential brokering): its signature verified with the key's secret,
    // decided, and signed again with the role's credentials (at hand: a cache hit), headers and audit
    // written as for decide.s3-get-object-headers-audit.
    let brokeredEngine = inputs.brokeredEngine
    let decideS3Brokered = inputs.decideS3Brokered
    Benchmark("decide.s3-get-object-brokered") { benchmark in
        for _ in benchmark.scaledIterations {
            BenchmarkInputs.render(brokeredEngine.decide(decideS3Brokered), into: renderBuffer)
            blackHole(renderBuffer.bytes.count)
        }
    }
}
