import Foundation
import Recommender

/// `recommender bench rating`: fit/predict time per fold and RMSE of every rating model on
/// k-fold cross-validation (ML-100K 5-fold by default). Reports figures; asserts nothing on time.
public struct RatingBenchmark: Sendable {
    /// Comma-separated algorithms.
    public var algorithms = "baseline,svd,svdpp,als,knn-baseline"
    /// Number of folds.
    public var folds = 5
    /// Random seed.
    public var seed: UInt64 = 0
    /// Threads for parallel fits (1 = deterministic single thread; nil: each model's default).
    public var threads: Int?
    /// Also run on ML-1M when it is in the data folder (skipped with a message when absent).
    public var ml1m = true

    /// The benchmark with its default settings.
    public init() {}

    /// Runs the benchmark on `dataset`, then on ML-1M from `dataDirectory` when ``ml1m`` is set.
    /// - Parameters:
    ///   - dataset: the ratings.
    ///   - dataDirectory: where ML-1M is looked for.
    ///   - output: receives each line of the report.
    /// - Throws: an unknown algorithm, a fold error or a training error.
    public func run(_ dataset: Dataset, dataDirectory: URL, output: (String) -> Void) throws {
        try bench(dataset, output: output)
        if ml1m && dataset.name != "ml-1m" {
            let ml1mData: Dataset
            do {
                ml1mData = try DatasetLocator.load(name: "ml-1m", dataDirectory: dataDirectory)
            } catch DataError.missingFile {
                output("\nml-1m: skipped: not found in \(dataDirectory.path) (offline?); run `recommender data fetch ml-1m` when online")
                return
            }
            output("")
            try bench(ml1mData, output: output)
        }
    }

    private func bench(_ dataset: Dataset, output: (String) -> Void) throws {
        let names = algorithms.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let splits = try RatingProtocol.kFold(folds: folds, seed: seed).splits(of: dataset)
        output("\(dataset.name): \(dataset.interactions.count) ratings, \(folds)-fold CV, seed \(seed), \(Parallelism.availableCores) cores")
        output("| model | fit s/fold (best) | fit s/fold (mean) | fit CPU s/fold (best) | predict s/fold | RMSE | MAE |")
        output("|---|---|---|---|---|---|---|")
        for name in names {
            let algorithm = try AlgorithmCatalog.standard.algorithm(named: name, task: .rating)
            let result = try RatingEvaluation.run(algorithm, label: name, dataset: dataset, splits: splits,
                                                  context: FitContext(seed: seed, threads: threads))
            let fit = result.summary(\.fitSeconds), predict = result.summary(\.predictSeconds)
            let best = result.folds.map(\.fitSeconds).min() ?? .nan
            let cpu = result.folds.map(\.fitCPUSeconds).min() ?? .nan
            output(String(format: "| %@ | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f |", name, best, fit.mean, cpu, predict.mean, result.rmse, result.mae))
        }
        output("peak RSS \(PeakMemory.megabytes()) MB")
    }
}
