// swift-tools-version: 6.1
//
// sigv4-authz fuzz targets (libFuzzer), a package of their own so that the main package's build and
// tests never build them with the sanitizers.
//
//   scripts/fuzz.sh TARGET [libFuzzer options…]     build (debug, -sanitize=fuzzer,address) and run
//   scripts/fuzz.sh FuzzCredentialParser -runs=10000000
//   FUZZ_CONFIG=release scripts/fuzz.sh …              the same, optimized (-enable-testing)
//   scripts/fuzz-all.sh SECONDS                        every target for SECONDS (make fuzz, fuzz-smoke)
//
// Each Fuzz* executable's main.swift hands one function of the input bytes to FuzzDriver.run, which
// starts libFuzzer (LLVMFuzzerRunDriver); its seed corpus is Corpus/<target>/. Each target checks
// properties of one parser (no crash or hang, the same answer twice, and the target's own invariants).
// The front ends' modules (AuthzHTTP2, AuthzHTTP, AuthzGRPC, AuthzSquid, AuthzICAP, AuthzServer) and the test
// fixtures (AuthzFixtures) are not products of the main package, and SwiftPM refuses two packages that
// declare targets of the same name in one build, so this package builds every module of the main package
// it uses itself, from the same sources: Sources/<module> here is a symbolic link to ../../Sources/<module>
// (../../Tests/AuthzFixtures), with the main package's settings. Package.resolved pins the main
// package's dependency versions.
// The credential parser, host classifier and classification path were also run differentially against
// independent implementations (10,000,000 executions each, no difference; docs/reliability.md).
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]
let fuzzSettings: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioEmbedded = Target.Dependency.product(name: "NIOEmbedded", package: "swift-nio")
let nioHTTP1 = Target.Dependency.product(name: "NIOHTTP1", package: "swift-nio")
let nioHTTP2 = Target.Dependency.product(name: "NIOHTTP2", package: "swift-nio-http2")
let nioHPACK = Target.Dependency.product(name: "NIOHPACK", package: "swift-nio-http2")
let sigV4 = Target.Dependency.target(name: "SigV4")
let classifier = Target.Dependency.target(name: "AWSClassifier")
let policy = Target.Dependency.target(name: "Policy")
let core = Target.Dependency.target(name: "AuthzCore")

let package = Package(
    name: "sigv4-authz-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.36.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.30.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.25.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.28.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        .target(name: "FuzzDriver", swiftSettings: fuzzSettings),
        .executableTarget(
            name: "FuzzCredentialParser",
            dependencies: ["FuzzDriver", sigV4],
            swiftSettings: fuzzSettings
        ),
        .executableTarget(
            name: "FuzzHostClassifier",
            dependencies: ["FuzzDriver", sigV4, classifier],
            swiftSettings: fuzzSettings
        ),
        .executableTarget(
            name: "FuzzOperationResolver",
            dependencies: ["FuzzDriver", sigV4, classifier],
            swiftSettings: fuzzSettings
        ),
        .executableTarget(
            name: "FuzzResourceScanners",
            dependencies: ["FuzzDriver", sigV4, classifier],
            swiftSettings: fuzzSettings
        ),
        .executableTarget(
            name: "FuzzCheckRequest",
            dependencies: [
                "FuzzDriver", "AuthzGRPC", "AuthzFixtures", core, policy, sigV4, classifier,
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: fuzzSettings
        ),
        .executableTarget(
            name: "FuzzHTTP1Frontend",
            dependencies: [
                "FuzzDriver", "AuthzHTTP", "AuthzHTTP2", "AuthzFixtures", core, policy, sigV4, nioCore, nioEmbedded,
                nioHTTP1,
            ],
            swiftSettings: fuzzSettings
        ),
        .executableTarget(
            name: "FuzzHTTP2Frontend",
            dependencies: [
                "FuzzDriver", "AuthzHTTP", "AuthzHTTP2", "AuthzGRPC", "AuthzFixtures", core, policy, sigV4, nioCore,
                nioEmbedded, nioHTTP2, nioHPACK, .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: fuzzSettings
        ),
        .executableTarget(
            name: "FuzzConfigLoader",
            dependencies: ["FuzzDriver", "AuthzServer", policy],
            swiftSettings: fuzzSettings
        ),
        .executableTarget(
            name: "FuzzSquidLine",
            dependencies: ["FuzzDriver", "AuthzSquid", "AuthzFixtures", core, policy, sigV4],
            swiftSettings: fuzzSettings
        ),
        .executableTarget(
            name: "FuzzCredentialAnswers",
            dependencies: ["FuzzDriver", "AWSCredentials", sigV4],
            swiftSettings: fuzzSettings
        ),
        .executableTarget(
            name: "FuzzIdentityToken",
            dependencies: ["FuzzDriver", "IAMIdentity", sigV4, classifier],
            swiftSettings: fuzzSettings
        ),
        .executableTarget(
            name: "FuzzICAPFrontend",
            dependencies: ["FuzzDriver", "AuthzICAP", "AuthzFixtures", core, policy, sigV4, nioCore, nioEmbedded],
            swiftSettings: fuzzSettings
        ),
        .executableTarget(
            name: "FuzzUpstreamSigner",
            dependencies: ["FuzzDriver", core, policy, sigV4],
            swiftSettings: fuzzSettings
        ),
        // The main package's modules (Sources/<name> links to its sources, with its settings).
        .target(
            name: "SigV4",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .target(name: "CFileStatus"),
        .target(name: "AWSClassifier", dependencies: ["SigV4"], swiftSettings: strictSettings),
        .target(
            name: "Policy", dependencies: ["SigV4", "CFileStatus", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings),
        .target(
            name: "IAMIdentity",
            dependencies: ["SigV4", "AWSClassifier", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AuthzCore", dependencies: ["SigV4", "AWSClassifier", "Policy", "IAMIdentity"],
            swiftSettings: strictSettings),
        .target(
            name: "AWSCredentials",
            dependencies: [
                "SigV4", "AWSClassifier", "IAMIdentity",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                nioCore, nioHTTP1,
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AuthzFixtures",
            dependencies: ["AuthzCore", "Policy", "SigV4", "AWSClassifier"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AuthzHTTP2",
            dependencies: [nioCore, nioHTTP2, nioHPACK],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AuthzHTTP",
            dependencies: [
                core, "AuthzHTTP2", policy, sigV4, nioCore, nioHTTP1, nioHTTP2,
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AuthzGRPC",
            dependencies: [
                core, "AuthzHTTP2", policy, sigV4, nioCore, nioHTTP2, nioHPACK,
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["Generated/README.md"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AuthzICAP",
            dependencies: [core, policy, sigV4, nioCore, nioHTTP1],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AuthzSquid",
            dependencies: [core, policy, sigV4],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AuthzServer",
            dependencies: [
                core, "AuthzHTTP", "AuthzHTTP2", "AuthzGRPC", "AuthzICAP", "IAMIdentity", policy, classifier, nioCore,
                .product(name: "NIOPosix", package: "swift-nio"),
                nioHTTP1, nioHTTP2,
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOCertificateReloading", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
