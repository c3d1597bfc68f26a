// swift-tools-version: 6.1
//
// sigv4-authz micro-benchmarks on ordo-one/benchmark, a package of their own so that building and
// testing the main package never builds them (nor the benchmark library and its plugins).
//
//   make bench          run every benchmark and print its metrics (release build)
//   make bench-check    run them and compare with the committed thresholds in Thresholds/
//
// Targets:
//   AuthzBenchmarks     the benchmarks (Benchmarks/AuthzBenchmarks): parse, verify, classify,
//                       evaluate, decide. The benchmark plugin runs every executable target whose
//                       folder is in Benchmarks/.
//   BenchmarkInputs     the inputs they share with authz-profile: signed requests, the 1,000-statement
//                       policy, an engine on a fixed clock.
//   authz-profile       runs one operation N times and nothing else, for callgrind or perf:
//                       `authz-profile decide 3000` (see docs/performance.md).
//
// The main package is a dependency by path, so only its products are used (SigV4, AWSClassifier,
// Policy, AuthzCore). The "MallocInterposer" trait of ordo-one/benchmark counts allocations with an
// interposer preloaded into the benchmark process (no jemalloc); its default "RuntimeInterposer"
// trait is left off (with Swift 6.3 on Linux it serves only the retain/release metrics, which these
// benchmarks do not ask for, and it would add a dependency).
import PackageDescription

let package = Package(
    name: "sigv4-authz-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "sigv4-authz", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", exact: "1.38.1", traits: ["MallocInterposer"]),
        // The main package's own range: the crypto-only baseline calls it directly.
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        .target(
            name: "BenchmarkInputs",
            dependencies: [
                .product(name: "SigV4", package: "sigv4-authz"),
                .product(name: "AWSClassifier", package: "sigv4-authz"),
                .product(name: "Policy", package: "sigv4-authz"),
                .product(name: "AuthzCore", package: "sigv4-authz"),
            ],
            path: "Sources/BenchmarkInputs",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "AuthzBenchmarks",
            dependencies: [
                "BenchmarkInputs",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SigV4", package: "sigv4-authz"),
                .product(name: "AWSClassifier", package: "sigv4-authz"),
                .product(name: "Policy", package: "sigv4-authz"),
                .product(name: "AuthzCore", package: "sigv4-authz"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Benchmarks/AuthzBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "authz-profile",
            dependencies: [
                "BenchmarkInputs",
                .product(name: "SigV4", package: "sigv4-authz"),
                .product(name: "AuthzCore", package: "sigv4-authz"),
            ],
            path: "Sources/authz-profile",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
