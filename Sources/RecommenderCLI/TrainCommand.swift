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

    @Option(help: "Share held out for testing (mf: of the ratings, random hold-out, default 0.1, the notebook's; softmax: of the users, default 0.1; rating models default 0, and the share is the validation set of --patience).")
    var testFraction: Double?

    @Option(help: "Embedding dimension (mf: 30, or 35 when regularized; softmax: 35, the movie embeddings).")
    var embeddingDim: Int?

    @Option(help: "Standard deviation of the normal initialisation (mf: 0.5, or 0.05 when regularized).")
    var initStddev: Float?

    @Option(help: "Learning rate (mf: 10, or 20 when regularized; softmax: 8).")
    var learningRate: Float?

    @Option(help: "Number of iterations (mf: 1000, or 2000 when regularized; softmax: 3000).")
    var iterations: Int?

    @Option(help: "Optimizer: \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ")) (mf default: sgd, full-batch gradient descent; softmax default: adagrad).")
    var optimizer: OptimizerKind?

    @Option(help: "Regularization coefficient (mf: the notebook's regularization_coeff, e.g. 0.1).")
    var regularization: Float?

    @Option(help: "Gravity coefficient (mf: the notebook's gravity_coeff, e.g. 1.0).")
    var gravity: Float?

    @Option(help: "A CSV of your own ratings ('title or id, rating' lines), added to the training data as user \"me\".")
    var addRatings: String?

    @Option(help: "Passes over the data (rating models; default depends on the algorithm).")
    var epochs: Int?

    @Option(help: "Early stopping: epochs without validation improvement before stopping (rating models; needs --test-fraction > 0).")
    var patience: Int?

    @Option(help: "Threads for parallel fits (1 = deterministic single thread; default depends on the algorithm).")
    var threads: Int?

    @OptionGroup(title: "Softmax options")
    var softmaxOptions: SoftmaxOptions

    func run() async throws {
        switch algorithm {
        case .mf:
            try TrainMF.run(self)
        case .softmax:
            let configuration = try softmaxOptions.configuration(
                seed: seed, learningRate: learningRate, iterations: iterations,
                optimizer: optimizer.flatMap { SoftmaxModel.Optimizer(rawValue: $0.rawValue) },
                embeddingDim: embeddingDim, testFraction: testFraction, threads: threads)
            try trainSoftmax(dataset: try data.load(), configuration: configuration, output: output)
        case .baseline, .svd, .svdpp, .als, .knnBaseline:
            try trainRatingModel(self)
        case .best:
            try trainBest(self)
        default:
            throw ValidationError("--algorithm \(algorithm.rawValue) is not available yet")
        }
    }
}
