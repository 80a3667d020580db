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

    @Option(help: "Learning rate (softmax: 8).")
    var learningRate: Float?

    @Option(help: "Iterations (softmax: 3000).")
    var iterations: Int?

    @Option(help: "Optimizer: sgd, adagrad or adam (softmax: adagrad).")
    var optimizer: SoftmaxModel.Optimizer?

    @Option(help: "Embedding dimension (softmax: 35, the movie embeddings).")
    var embeddingDim: Int?

    @Option(help: "Share of the data held out for testing (softmax: 0.1 of the users).")
    var testFraction: Double?

    @OptionGroup(title: "Softmax options")
    var softmaxOptions: SoftmaxOptions

    func run() async throws {
        switch algorithm {
        case .softmax:
            let configuration = try softmaxOptions.configuration(seed: seed, learningRate: learningRate, iterations: iterations,
                                                                 optimizer: optimizer, embeddingDim: embeddingDim, testFraction: testFraction)
            try trainSoftmax(dataset: try data.load(), configuration: configuration, output: output)
        default:
            throw ValidationError("--algorithm \(algorithm.rawValue) is not available yet")
        }
    }
}
