// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Recommender",
    platforms: [.macOS(.v13)],
    products: [
        // MARK: public API
        .library(name: "Recommender", targets: ["Recommender"]),
        .executable(name: "recommender", targets: ["RecommenderCLI"]),
        .executable(name: "recommender-example", targets: ["RecommenderExample"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // MARK: implementation
        // OpenBLAS's SGEMM for the softmax model's dense products (Debian: libopenblas-dev).
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(
            name: "Recommender",
            dependencies: ["CPrefetch", .product(name: "ZIPFoundation", package: "ZIPFoundation"), "COpenBLAS"]
        ),
        // Header-only C shim: software prefetch for the gathers of the iALS solves.
        .target(name: "CPrefetch"),
        .executableTarget(
            name: "RecommenderCLI",
            dependencies: [
                "Recommender",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The README's Swift example (`swift run -c release recommender-example`).
        .executableTarget(name: "RecommenderExample", dependencies: ["Recommender"]),
        // MARK: tests
        .testTarget(name: "RecommenderTests", dependencies: ["Recommender"]),
        .testTarget(name: "CLITests", dependencies: ["RecommenderCLI"]),
    ]
)
