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

    @Option(help: "Latent dimension (default: the algorithm's own).")
    var embeddingDim: Int?

    @Option(help: "Iterations: epochs, ALS sweeps or Gibbs samples (default: the algorithm's own).")
    var iterations: Int?

    @Option(help: "Share of the ratings held out to report a test error (default: the algorithm's own).")
    var testFraction: Double?

    func run() async throws {
        switch algorithm {
        case .best:
            try trainBest(self)
        default:
            throw ValidationError("--algorithm \(algorithm.rawValue) is not available yet")
        }
    }
}
