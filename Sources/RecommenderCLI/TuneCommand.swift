import ArgumentParser
import Foundation
import Recommender

/// `recommender tune`: grid or random search over any rating algorithm's hyper-parameters with k-fold CV.
struct TuneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Grid or random hyper-parameter search with cross-validation; prints the trials sorted by RMSE.",
        discussion: """
        Any rating algorithm (\(AlgorithmCatalog.standard.names(for: .rating).joined(separator: ", "))); the grid names its \
        hyper-parameters (or their aliases: factors, lr, reg, init_std, reg_u, reg_i, ...) as listed by `recommender algorithms NAME`.
        Example: recommender tune --algorithm svd --grid "factors=50,100;lr=0.005,0.01" --folds 3 --seed 0
        """
    )
    @OptionGroup var data: DataOptions
    @Option(help: "The algorithm to tune.") var algorithm: String = "svd"
    @Option(help: "The grid: name=v1,v2;name=v1,v2 (with --random, an axis may be a range name=lo:hi).") var grid: String
    @Option(parsing: .unconditional, help: "Random search: evaluate N settings (1...100000) drawn at random (seeded) from the grid and ranges.") var random: String?
    @Option(parsing: .unconditional, help: "Number of folds (2...100).") var folds: String = "3"
    @Option(parsing: .unconditional, help: "Random seed (folds, models, random search).") var seed: String = "0"
    @Option(parsing: .unconditional, help: "Most threads (default: all cores).") var threads: String?

    func run() async throws {
        let algorithm = try AlgorithmCatalog.standard.algorithm(named: algorithm, task: .rating)
        let random = try random.map { try parseBounded($0, "--random", Int.self, 1...100_000) }
        let folds = try parseBounded(folds, "--folds", Int.self, 2...100)
        let seed = try parseBounded(seed, "--seed", UInt64.self)
        let threads = try threads.map { try parseBounded($0, "--threads", Int.self, 1...1024) }
        let parsedGrid = try ParameterGrid(parsing: grid)
        let dataset = try data.load()
        let splits = try RatingProtocol.kFold(folds: folds, seed: seed).splits(of: dataset)
        let count = parsedGrid.hasRanges ? (random ?? 0) : min(random ?? Int.max, parsedGrid.combinations.count)
        print("tuning \(algorithm.name) on \(dataset.name): \(count) setting(s) × \(folds) folds, seed \(seed)")
        let trials = try HyperparameterSearch.run(algorithm, grid: parsedGrid, randomCount: random, seed: seed, dataset: dataset,
                                                  splits: splits, context: FitContext(seed: seed, threads: threads)) { t in
            let values = t.parameters.map { "\($0.name)=\(formatParameter($0.value))" }.joined(separator: " ")
            print(String(format: "  %@: RMSE %.4f", values, t.result.rmse))
        }
        print("")
        print("| " + parsedGrid.axes.map(\.name).joined(separator: " | ") + " | RMSE | MAE | fit s/fold |")
        print("|" + String(repeating: "---|", count: parsedGrid.axes.count + 3))
        for t in trials {
            let values = t.parameters.map { formatParameter($0.value) }.joined(separator: " | ")
            print(String(format: "| %@ | %.4f ± %.4f | %.4f | %.3f |", values, t.result.rmse, t.result.summary(\.rmse).std,
                         t.result.mae, t.result.summary(\.fitSeconds).mean))
        }
        if let best = trials.first {
            print("\nbest: " + best.parameters.map { "\($0.name)=\(formatParameter($0.value))" }.joined(separator: ";")
                  + String(format: " (RMSE %.4f)", best.result.rmse))
        }
    }
}

func formatParameter(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e9 ? String(Int(x)) : String(x)
}
