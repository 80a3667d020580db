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

    @Option(help: "Passes over the data (default depends on the algorithm).")
    var epochs: Int?

    @Option(help: "Alternations of ALS-type algorithms (default depends on the algorithm).")
    var iterations: Int?

    @Option(help: "SGD learning rate (default depends on the algorithm).")
    var learningRate: Float?

    @Option(help: "Regularisation weight (default depends on the algorithm).")
    var regularization: Float?

    @Option(help: "Number of latent factors (default depends on the algorithm).")
    var embeddingDim: Int?

    @Option(help: "Standard deviation of the initial factors (default depends on the algorithm).")
    var initStddev: Float?

    @Option(help: "Share of the ratings held out for validation (0 = train on everything).")
    var testFraction: Double?

    @Option(help: "Early stopping: epochs without validation improvement before stopping (needs --test-fraction > 0).")
    var patience: Int?

    @Option(help: "Threads for parallel fits (1 = deterministic single thread; default all cores).")
    var threads: Int?

    func run() async throws {
        switch algorithm {
        case .baseline, .svd, .svdpp, .als, .knnBaseline:
            try trainRatingModel(self)
        default:
            throw ValidationError("--algorithm \(algorithm.rawValue) is not available yet")
        }
    }
}
