import ArgumentParser
import Foundation
import Recommender

/// `recommender bench rating`: fit/predict time per fold and RMSE of every rating model on
/// k-fold cross-validation (ML-100K 5-fold by default). Prints figures; asserts nothing on time.
struct BenchRatingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rating",
        abstract: "Time fit and predict per fold and report RMSE for the rating models (k-fold CV)."
    )
    @OptionGroup var data: DataOptions
    @Option(help: "Comma-separated algorithms.") var algorithms: String = "baseline,svd,svdpp,als,knn-baseline"
    @Option(help: "Number of folds.") var folds: Int = 5
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "Threads for parallel fits (1 = deterministic single thread).") var threads: Int?
    @Flag(inversion: .prefixedNo, help: "Also run on ML-1M when it is in --data-dir (skipped with a message when absent).")
    var ml1m: Bool = true

    func validate() throws {
        try OptionBounds.check(folds, "--folds", OptionBounds.folds)
        try OptionBounds.check(threads, "--threads", OptionBounds.threads)
    }

    func run() async throws {
        let dataset = try data.load()
        try bench(dataset)
        if ml1m && dataset.name != "ml-1m" {
            let ml1mData: Dataset
            do {
                ml1mData = try DatasetLocator.load(name: "ml-1m", dataDirectory: data.dataDirectory)
            } catch DataError.missingFile {
                print("\nml-1m: skipped: not found in \(data.dataDirectory.path) (offline?); run `recommender data fetch ml-1m` when online")
                return
            }
            print("")
            try bench(ml1mData)
        }
    }

    func bench(_ dataset: Dataset) throws {
        let names = algorithms.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let splits = try RatingProtocol.kFold(folds: folds, seed: seed).splits(of: dataset)
        print("\(dataset.name): \(dataset.interactions.count) ratings, \(folds)-fold CV, seed \(seed), \(Parallelism.availableCores) cores")
        print("| model | fit s/fold (best) | fit s/fold (mean) | fit CPU s/fold (best) | predict s/fold | RMSE | MAE |")
        print("|---|---|---|---|---|---|---|")
        for name in names {
            let algorithm = try AlgorithmCatalog.standard.algorithm(named: name, task: .rating)
            let result = try RatingEvaluation.run(algorithm, label: name, dataset: dataset, splits: splits,
                                                  context: FitContext(seed: seed, threads: threads))
            let fit = result.summary(\.fitSeconds), predict = result.summary(\.predictSeconds)
            let best = result.folds.map(\.fitSeconds).min() ?? .nan
            let cpu = result.folds.map(\.fitCPUSeconds).min() ?? .nan
            print(String(format: "| %@ | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f |", name, best, fit.mean, cpu, predict.mean, result.rmse, result.mae))
        }
        print("peak RSS \(PeakMemory.megabytes()) MB")
    }
}
