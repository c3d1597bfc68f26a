// swift-tools-version: 6.1
//
// sigv4-authz fuzz targets (libFuzzer), a package of their own so that the main package's build and
// tests never build them with the sanitizers.
//
//   scripts/fuzz.sh TARGET [libFuzzer options…]     build (debug, -sanitize=fuzzer,address) and run
//   scripts/fuzz.sh FuzzCredentialParser -runs=10000000
//
// Each Fuzz* executable's main.swift hands one function of the input bytes to FuzzDriver.run, which
// starts libFuzzer (LLVMFuzzerRunDriver); its seed corpus is Corpus/<target>/. Each target checks
// properties of one parser (no crash or hang, the same answer twice, and the target's own invariants).
// The rewrites of issue 14 were first checked against the implementations they replaced, kept in
// Legacy* libraries of this package for the differential runs (10,000,000 executions each, no
// difference; see the commit history of Fuzz/Sources) and deleted after.
import PackageDescription

let package = Package(
    name: "sigv4-authz-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "sigv4-authz", path: "..")
    ],
    targets: [
        .target(name: "FuzzDriver", swiftSettings: [.swiftLanguageMode(.v6)]),
        .executableTarget(
            name: "FuzzCredentialParser",
            dependencies: ["FuzzDriver", .product(name: "SigV4", package: "sigv4-authz")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "FuzzHostClassifier",
            dependencies: [
                "FuzzDriver",
                .product(name: "SigV4", package: "sigv4-authz"),
                .product(name: "AWSClassifier", package: "sigv4-authz"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "FuzzOperationResolver",
            dependencies: [
                "FuzzDriver",
                .product(name: "SigV4", package: "sigv4-authz"),
                .product(name: "AWSClassifier", package: "sigv4-authz"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
