import ArgumentParser
import Foundation
import Recommender

/// The kinds of model `recommender train --algorithm` can fit.
enum Algorithm: String, CaseIterable, ExpressibleByArgument {
    case mf, softmax
    case baseline, svd, svdpp, als, knnBaseline = "knn-baseline", best
    case ials, bpr, ease, itemKNN = "item-knn", popularity
}

/// `recommender train`: fit a model on a data set and save it with its history and charts.
struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model and write the model file, its training history and charts into --output."
    )

    @OptionGroup var data: DataOptions

    @Option(help: "The kind of model: \(Algorithm.allCases.map(\.rawValue).joined(separator: ", ")).")
    var algorithm: Algorithm = .mf

    @Option(help: "Random seed (splits, initialisation, sampling).")
    var seed: UInt64 = 0

    @Option(help: "Folder to write the model file, history and charts into.")
    var output: String = "output/model"

    @Option(help: "Ranking models: ratings at or above this value are positives (default: every rating).")
    var threshold: Float?

    @Option(help: "Ranking models: the weight of a positive in the implicit matrix (binary, rating).")
    var weighting: ImplicitFeedback.Weighting?

    @Option(help: "Number of latent factors (ials, bpr).")
    var embeddingDim: Int?

    @Option(help: "L2 regularization (ials λ, bpr λ, ease λ).")
    var regularization: Float?

    @Option(help: "Training iterations (ials).")
    var iterations: Int?

    @Option(help: "Training epochs (bpr).")
    var epochs: Int?

    @Option(help: "SGD learning rate (bpr).")
    var learningRate: Float?

    @Option(help: "ials confidence scale α (c = 1 + α·r); item-knn conditional-probability damping.")
    var alpha: Float?

    @Option(help: "item-knn: neighbours kept per item.")
    var neighbours: Int?

    @Option(help: "item-knn similarity: cosine, jaccard, conditional-probability.")
    var similarity: ItemKNN.Similarity?

    @Option(help: "ials least-squares solver: cg (conjugate gradient) or cholesky (exact).")
    var solver: ImplicitALS.Solver?

    func run() async throws {
        switch algorithm {
        case .ials, .bpr, .ease, .itemKNN, .popularity:
            try TrainRanking.run(self)
        default:
            throw ValidationError("--algorithm \(algorithm.rawValue) is not available yet")
        }
    }
}
