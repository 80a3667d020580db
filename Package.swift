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
        .executable(name: "recommender", targets: ["RecommenderCLI"]),
        .executable(name: "recommender-example", targets: ["RecommenderExample"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
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
        .executableTarget(
            name: "RecommenderCLI",
            dependencies: [
                "Recommender", "RecommenderCharts", "RecommenderFetch", "RecommenderOpenBLAS",
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
    ]
)
