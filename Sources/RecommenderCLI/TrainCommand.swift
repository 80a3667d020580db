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

    @Option(help: "Embedding dimension (mf: 30, or 35 when regularized; ials, bpr: 64; softmax: 35, the movie embeddings).")
    var embeddingDim: Int?

    @Option(help: "Standard deviation of the normal initialisation (mf: 0.5, or 0.05 when regularized).")
    var initStddev: Float?

    @Option(help: "Learning rate (mf: 10, or 20 when regularized; bpr: 0.03; softmax: 8).")
    var learningRate: Float?

    @Option(help: "Number of iterations (mf: 1000, or 2000 when regularized; ials: 15; softmax: 3000).")
    var iterations: Int?

    @Option(help: "Optimizer: \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ")) (mf default: sgd, full-batch gradient descent; softmax default: adagrad).")
    var optimizer: OptimizerKind?

    @Option(help: "Regularization coefficient (mf: the notebook's regularization_coeff, e.g. 0.1; ials λ 15, bpr λ 0.02, ease λ 400).")
    var regularization: Float?

    @Option(help: "Gravity coefficient (mf: the notebook's gravity_coeff, e.g. 1.0).")
    var gravity: Float?

    @Option(help: "A CSV of your own ratings ('title or id, rating' lines), added to the training data as user \"me\".")
    var addRatings: String?

    @Option(help: "Passes over the data (default depends on the algorithm; bpr: 150).")
    var epochs: Int?

    @Option(help: "Early stopping: epochs without validation improvement before stopping (rating models; needs --test-fraction > 0).")
    var patience: Int?

    @Option(help: "Threads for parallel fits (1 = deterministic single thread; default depends on the algorithm).")
    var threads: Int?

    @Option(help: "Ranking models: ratings at or above this value are positives (default: every rating).")
    var threshold: Float?

    @Option(help: "Ranking models: the weight of a positive in the implicit matrix (binary, rating).")
    var weighting: ImplicitFeedback.Weighting?

    @Option(help: "ials confidence scale α (c = 1 + α·r); item-knn conditional-probability damping.")
    var alpha: Float?

    @Option(help: "item-knn: neighbours kept per item.")
    var neighbours: Int?

    @Option(help: "item-knn similarity: cosine, jaccard, conditional-probability.")
    var similarity: ItemKNN.Similarity?

    @Option(help: "ials least-squares solver: cg (conjugate gradient) or cholesky (exact).")
    var solver: ImplicitALS.Solver?

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
        case .ials, .bpr, .ease, .itemKNN, .popularity:
            try TrainRanking.run(self)
        case .best:
            try trainBest(self)
        default:
            throw ValidationError("--algorithm \(algorithm.rawValue) is not available yet")
        }
    }
}
