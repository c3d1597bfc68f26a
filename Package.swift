// swift-tools-version: 6.1
//
// sigv4-authz — an external authorization service for AWS API traffic.
//
// Layers (lowest first; each module has one job):
//   SigV4                  pure SigV4/SigV4a parsing, canonicalization, signing, verification,
//                          and offline account-id derivation. Foundation + swift-crypto only.
//   AWSClassifier          pure request classification: endpoint, service, region, operation,
//                          IAM action, resource; tables generated from botocore's models.
//   Policy                 the policy's configuration (and the YAML reader with positions), compiled
//                          statements and evaluation → Decision.
//   IAMIdentity            identity tokens (IAM as the identity provider): the offline rules, STS's
//                          GetCallerIdentity answer, the minter; CallerIdentitySource.
//   AuthzCore              the typed boundary every front end calls: AuthzRequest → Authorizer
//                          (AuthzEngine: credentials + classification + policy) → CheckResult, and
//                          the plain functions rendering a result (decision headers, deny body, audit).
//   AuthzHTTP2             the HTTP/2 frame server the gRPC and h2c check handlers share (stream
//                          table, bodies up to a limit, flow control, graceful shutdown).
//   AuthzHTTP              Envoy HTTP mode (HTTP/1.1 and h2c), nginx auth_request: request → check.
//   AuthzGRPC              Envoy ext_authz gRPC and grpc.health.v1 on HTTP/2 frames; the protobuf
//                          messages generated from Protos/ (scripts/generate-protos.sh).
//   AuthzSquid             Squid's external_acl_type helper codec: lookup line → request, result → reply.
//   AuthzServer            the live authorizer (configuration in force, timing, metrics, audit), the
//                          listeners, admin endpoints, audit log and config reload; the whole
//                          configuration file and the server's typed settings.
//   AWSCredentials         sigv4-authz's own AWS credentials (the SDKs' chain: environment, web
//                          identity, container, IMDSv2), STS AssumeRole, and the cache of role
//                          credentials brokering signs with, the identity-token verifier; AsyncHTTPClient.
//   PolicyTesting          `sigv4-authz test`: users' policy test files, their signed requests and
//                          report; the request building `check` shares.
//   sigv4-authz            the executable: serve, check, validate, account-id, squid-helper, broker, token.
// Test support (not products): AuthzFixtures (an engine on a fixed clock, signed requests) and
// OracleVectors (the committed oracle vectors and their decoder). See docs/architecture.md.
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "sigv4-authz",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SigV4", targets: ["SigV4"]),
        .library(name: "AWSClassifier", targets: ["AWSClassifier"]),
        .library(name: "Policy", targets: ["Policy"]),
        .library(name: "AuthzCore", targets: ["AuthzCore"]),
        .executable(name: "sigv4-authz", targets: ["sigv4-authz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.36.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.30.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.25.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.0.0"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.0.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.28.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        .target(
            name: "SigV4",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto")
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AWSClassifier",
            dependencies: ["SigV4"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "IAMIdentity",
            dependencies: ["SigV4", "AWSClassifier", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "IAMIdentityTests",
            dependencies: ["IAMIdentity", "SigV4", "AWSClassifier", "OracleVectors"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Policy",
            dependencies: ["SigV4", "CFileStatus", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AuthzCore",
            dependencies: ["SigV4", "AWSClassifier", "Policy", "IAMIdentity"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AuthzHTTP",
            dependencies: [
                "AuthzCore", "AuthzHTTP2", "Policy", "SigV4",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AuthzICAP",
            dependencies: [
                "AuthzCore", "Policy", "SigV4",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AuthzICAPTests",
            dependencies: [
                "AuthzICAP", "AuthzCore", "AuthzFixtures", "Policy", "SigV4", "AWSClassifier",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AuthzSquid",
            dependencies: ["AuthzCore", "Policy", "SigV4"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AuthzHTTP2",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AuthzGRPC",
            dependencies: [
                "AuthzCore", "AuthzHTTP2", "Policy", "SigV4",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["Generated/README.md"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AuthzServer",
            dependencies: [
                "AuthzCore", "AuthzHTTP", "AuthzHTTP2", "AuthzGRPC", "AuthzICAP", "Policy", "AWSClassifier",
                "IAMIdentity",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
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
        .testTarget(
            name: "AuthzServerTests",
            dependencies: [
                "AuthzServer", "AuthzHTTP", "AuthzGRPC", "AuthzSquid", "AuthzCore", "AuthzFixtures", "AWSClassifier",
                "Policy", "SigV4", "IAMIdentity",
                "OracleVectors",
                // Generated/: the grpc-swift clients of the interop tests (scripts/generate-protos.sh).
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AWSCredentials",
            dependencies: [
                "SigV4", "AWSClassifier", "IAMIdentity",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AWSCredentialsTests",
            dependencies: [
                "AWSCredentials", "SigV4", "AWSClassifier", "IAMIdentity",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),
        // `sigv4-authz suggest`: the smallest policy that allows what audit records show.
        .target(
            name: "PolicySuggestion",
            dependencies: ["Policy", "IAMIdentity"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PolicySuggestionTests",
            dependencies: [
                "PolicySuggestion", "Policy", "AuthzCore", "AuthzServer", "AuthzFixtures", "AWSClassifier", "SigV4",
                "IAMIdentity",
            ],
            swiftSettings: strictSettings
        ),
        .target(name: "CMallocTuning"),
        // stat(2) and fstat(2) in fixed-width fields, for Policy's FileStatus.
        .target(name: "CFileStatus"),
        // `sigv4-authz test`: users' policy test files (reader, signed requests, comparison, report) and
        // the request building `check` shares.
        .target(
            name: "PolicyTesting",
            dependencies: ["AuthzCore", "AuthzServer", "Policy", "SigV4", "AWSClassifier"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PolicyTestingTests",
            dependencies: ["PolicyTesting", "AuthzCore", "AuthzServer", "Policy", "SigV4", "AWSClassifier"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "sigv4-authz",
            dependencies: [
                "AuthzCore", "AuthzServer", "AuthzSquid", "Policy", "SigV4", "AWSClassifier", "AWSCredentials",
                "IAMIdentity", "CMallocTuning", "PolicyTesting", "PolicySuggestion",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["config.example.yaml"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AuthzGRPCTests",
            dependencies: [
                "AuthzGRPC", "AuthzHTTP2", "AuthzCore", "HTTP2TestSupport", "Policy", "SigV4", "AWSClassifier",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AuthzHTTPTests",
            dependencies: [
                "AuthzHTTP", "AuthzHTTP2", "AuthzCore", "AuthzFixtures", "HTTP2TestSupport", "Policy", "SigV4",
                "AWSClassifier",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AuthzFixtures",
            dependencies: ["AuthzCore", "Policy", "SigV4", "AWSClassifier"],
            path: "Tests/AuthzFixtures",
            swiftSettings: strictSettings
        ),
        .target(
            name: "HTTP2TestSupport",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ],
            path: "Tests/HTTP2TestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AuthzSquidTests",
            dependencies: ["AuthzSquid", "AuthzFixtures", "AuthzCore", "Policy", "SigV4", "AWSClassifier"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PolicyTests",
            dependencies: ["Policy", "AuthzServer"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AuthzCoreTests",
            dependencies: [
                "AuthzCore", "AuthzFixtures", "AuthzServer", "Policy", "SigV4", "AWSClassifier", "OracleVectors",
                "IAMIdentity",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["IAMIdentity", "SigV4", "AWSClassifier"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AWSClassifierTests",
            dependencies: ["AWSClassifier", "SigV4"],
            resources: [.copy("Vectors")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SigV4Tests",
            dependencies: ["SigV4", "OracleVectors"],
            swiftSettings: strictSettings
        ),
        // The committed oracle vectors (botocore, AWS CRT SigV4a, adversarial) and their decoders,
        // for every test target that reads them.
        .target(
            name: "OracleVectors",
            dependencies: ["SigV4"],
            path: "Tests/OracleVectors",
            resources: [.copy("Vectors")],
            swiftSettings: strictSettings
        ),
        // The check listeners answering without deciding (scripts/bench-server.sh,
        // scripts/bench-transport-instructions.sh): it uses the server's package API, so it is built
        // here. The micro-benchmarks are a package of their own: Benchmarks/Package.swift.
        .executableTarget(
            name: "TransportCeiling",
            dependencies: [
                "AuthzCore", "AuthzHTTP", "AuthzServer", "AWSClassifier", "Policy",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Benchmarks/TransportCeiling",
            swiftSettings: strictSettings
        ),
    ]
)
