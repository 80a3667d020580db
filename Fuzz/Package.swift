// swift-tools-version: 6.0
// libFuzzer harnesses for the parsers and the model-file reader of swift-recommender.
//
// A separate package because a fuzz target calls libFuzzer's driver (`LLVMFuzzerRunDriver`),
// so it links only when built with `-sanitize=fuzzer`; the main package keeps building normally.
// Build and run (see `make fuzz` and scripts/fuzz.sh):
//   swift build -c debug --package-path Fuzz --product FuzzRatings \
//       -Xswiftc -sanitize=fuzzer,address --scratch-path .build-fuzz
//   .build-fuzz/debug/FuzzRatings Fuzz/Corpus/ratings -max_total_time=60
import PackageDescription

let harness: [String] = ["FuzzRatings", "FuzzCatalog", "FuzzFoldIn", "FuzzModelArchive"]

let package = Package(
    name: "RecommenderFuzz",
    platforms: [.macOS(.v15)],
    products: harness.map { .executable(name: $0, targets: [$0]) },
    dependencies: [.package(name: "Recommender", path: "..")],
    targets: harness.map {
        .executableTarget(name: $0, dependencies: [.product(name: "Recommender", package: "Recommender")])
    }
)
