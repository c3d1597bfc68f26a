// swift-tools-version: 6.1
//
// sigv4-authz — an external authorization service for AWS API traffic.
//
// Layers (lowest first; each module has one job):
//   SigV4                  pure SigV4/SigV4a parsing, canonicalization, signing, verification,
//                          and offline account-id derivation. Foundation + swift-crypto only.
//   AWSClassifier          pure request classification: endpoint, service, region, operation,
//                          IAM action, resource; tables generated from botocore's models.
//   (later) Policy, AuthzCore: pure libraries with no networking.
//   (later) AuthzHTTP, AuthzGRPC, AuthzServer: the thin transport layer.
//   (later) sigv4-authz: the executable.
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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0")
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
            resources: [.copy("Resources/aws-model.tsv")],
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
            dependencies: ["SigV4"],
            resources: [.copy("Vectors")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "CAllocationCounter",
            path: "Benchmarks/CAllocationCounter"
        ),
        .executableTarget(
            name: "SigV4Benchmarks",
            dependencies: [
                "SigV4", "AWSClassifier", "CAllocationCounter",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Benchmarks/SigV4Benchmarks",
            swiftSettings: strictSettings
        ),
    ]
)
