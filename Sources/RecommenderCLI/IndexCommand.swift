import ArgumentParser
import Foundation
import Recommender

extension RetrievalMetric: ExpressibleByArgument {}
extension InnerProductHandling: ExpressibleByArgument {}

/// `recommender index …`: approximate nearest-neighbour indexes beside a model.
struct IndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build an HNSW index of a model's item embeddings beside the model (used by recommend and similar).",
        subcommands: [IndexBuildCommand.self]
    )
}

/// `recommender index build --model DIR [--m 16 --ef-construction 200 --seed 42]`.
struct IndexBuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build the HNSW index of a model's item embeddings and save it beside the model (model.hnsw).",
        discussion: """
        Example: recommender index build --model runs/ials --m 16 --ef-construction 200 --seed 42
        `recommend --user` (for mf and ials models) and `similar` (with the index's --metric) then use the index;
        `--exact` forces the full scan. The build is deterministic for a seed whatever the thread count.
        """)

    @Option(help: "The model file, or the folder `train` wrote it into.")
    var model: String
    @Option(help: "Links per node on the upper levels (level 0 keeps 2·M).")
    var m: Int = HNSWParameters.default.m
    @Option(help: "Candidate-list size while linking (graph quality vs build time).")
    var efConstruction: Int = HNSWParameters.default.efConstruction
    @Option(help: "Seed of the level draws.")
    var seed: UInt64 = HNSWParameters.default.seed
    @Option(help: "Similarity the index answers: dot (recommendations, similar --measure dot) or cosine.")
    var metric: RetrievalMetric = .dot
    @Option(help: "Inner products: native (as hnswlib's ip space), angularGraph (links chosen by direction, searched by inner product) or normAugmentation (Bachrach et al. 2014). Default for --metric dot: native, unless a recall probe with 200 of the model's users finds it under 0.95 at the default ef and the direction graph better.")
    var innerProduct: InnerProductHandling?
    @Flag(help: "Fill the link slots the selection heuristic leaves empty with the best pruned candidates (more in-links for items the inner-product heuristic cuts off).")
    var keepPrunedLinks = false
    @Option(help: "Threads (default: all cores; the index does not depend on it).")
    var threads: Int?

    func validate() throws {
        try OptionBounds.check(m, "--m", OptionBounds.hnswM)
        try OptionBounds.check(efConstruction, "--ef-construction", OptionBounds.efConstruction)
        try OptionBounds.check(threads, "--threads", OptionBounds.threads)
    }

    func run() async throws {
        let url = try ModelFile.url(at: model)
        let loaded = try AlgorithmCatalog.standard.loadModel(from: url)
        guard let embedded = loaded as? any ItemEmbeddingModel else {
            throw DataError.invalidInput("a '\(type(of: loaded).kind)' model has no item embeddings to index")
        }
        let start = DispatchTime.now()
        let parameters = HNSWParameters(m: m, efConstruction: efConstruction, seed: seed, innerProduct: innerProduct ?? .native,
                                        threads: threads, keepPrunedLinks: keepPrunedLinks)
        let index: HNSWIndex, indexURL: URL
        var choice: HNSWIndex.GraphChoice? = nil
        if innerProduct == nil && metric == .dot {
            (index, indexURL, choice) = try HNSWIndex.buildBesideChoosingGraph(model: embedded, modelURL: url, parameters: parameters)
        } else {
            (index, indexURL) = try HNSWIndex.buildBeside(model: embedded, modelURL: url, metric: metric, parameters: parameters)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        print(String(format: "indexed %d items × %d dimensions (%@, M %d, efConstruction %d, seed %llu) in %.2f s; graph %.1f MB, vectors %.1f MB",
                     index.itemCount, index.dimension, metric.rawValue, m, efConstruction, seed, seconds,
                     Double(index.graphBytes) / 1e6, Double(index.vectorBytes) / 1e6))
        if let choice { print(IndexChoiceText.line(choice)) }
        print("wrote \(indexURL.path)")
    }
}

/// The index a query command uses: the one beside the model unless `--exact`, when its metric fits.
enum QueryIndex {
    /// The index beside `path`'s model for `vectors` and `metric`, or `nil` (none, `exact`, or another metric).
    static func load(modelPath: String, vectors: Matrix, metric: RetrievalMetric, exact: Bool) throws -> HNSWIndex? {
        guard !exact else { return nil }
        let url = try ModelFile.url(at: modelPath)
        guard let index = try HNSWIndex.loadBeside(modelURL: url, vectors: vectors), index.metric == metric else { return nil }
        return index
    }
}

/// The line saying which graph the recall probe chose.
enum IndexChoiceText {
    static func line(_ c: HNSWIndex.GraphChoice) -> String {
        var text = String(format: "graph: %@ (recall@10 probe, %d users at ef %d: native %.4f", c.chosen.rawValue, c.probeQueries, c.ef, c.nativeRecall)
        if let a = c.angularRecall { text += String(format: ", angularGraph %.4f", a) }
        return text + ")"
    }
}
