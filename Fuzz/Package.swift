// swift-tools-version: 6.1
//
// sigv4-authz fuzz targets (libFuzzer), a package of their own so that the main package's build and
// tests never build them with the sanitizers.
//
//   scripts/fuzz.sh TARGET [libFuzzer options…]     build (debug, -sanitize=fuzzer,address) and run
//   scripts/fuzz.sh FuzzCredentialParser -runs=10000000
//
// Each Fuzz* executable's main.swift hands one function of the input bytes to FuzzDriver.run, which
// starts libFuzzer (LLVMFuzzerRunDriver); its seed corpus is Corpus/<target>/. A Legacy* library holds the implementation a rewrite replaces, kept as the
// differential oracle while the rewrite is checked against it (`@testable import`: debug builds are
// built for testing).
import PackageDescription

let package = Package(
    name: "sigv4-authz-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "sigv4-authz", path: "..")
    ],
    targets: [
        .target(name: "FuzzDriver", swiftSettings: [.swiftLanguageMode(.v6)]),
        .target(
            name: "LegacySigV4",
            dependencies: [.product(name: "SigV4", package: "sigv4-authz")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "LegacyHostClassifier",
            dependencies: [
                .product(name: "SigV4", package: "sigv4-authz"),
                .product(name: "AWSClassifier", package: "sigv4-authz"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "LegacyOperationResolver",
            dependencies: [
                .product(name: "SigV4", package: "sigv4-authz"),
                .product(name: "AWSClassifier", package: "sigv4-authz"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "FuzzCredentialParser",
            dependencies: ["FuzzDriver", "LegacySigV4", .product(name: "SigV4", package: "sigv4-authz")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "FuzzHostClassifier",
            dependencies: [
                "FuzzDriver", "LegacyHostClassifier",
                .product(name: "SigV4", package: "sigv4-authz"),
                .product(name: "AWSClassifier", package: "sigv4-authz"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "FuzzOperationResolver",
            dependencies: [
                "FuzzDriver", "LegacyOperationResolver",
                .product(name: "SigV4", package: "sigv4-authz"),
                .product(name: "AWSClassifier", package: "sigv4-authz"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
