import ArgumentParser
import Foundation
import Recommender

/// The algorithms `recommender tune` can search.
enum TunableAlgorithm: String, CaseIterable, ExpressibleByArgument {
    case baseline, svd, svdpp, als
    case knnBaseline = "knn-baseline"
}

/// `recommender tune`: grid or random search over hyper-parameters with k-fold CV.
struct TuneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Grid or random hyper-parameter search with cross-validation; prints the trials sorted by RMSE.",
        discussion: """
        Parameters: svd/svdpp: factors, epochs, lr, reg, init_std; als: factors, iterations, reg, init_std;
        baseline: epochs, reg_u, reg_i; knn-baseline: k, min_k, shrinkage, reg_u, reg_i, epochs.
        Example: recommender tune --algorithm svd --grid "factors=50,100;lr=0.005,0.01" --folds 3 --seed 0
        """
    )
    @OptionGroup var data: DataOptions
    @Option(help: "The algorithm to tune.") var algorithm: TunableAlgorithm = .svd
    @Option(help: "The grid: name=v1,v2;name=v1,v2 (with --random, an axis may be a range name=lo:hi).") var grid: String
    @Option(help: "Random search: evaluate N settings drawn at random (seeded) from the grid and ranges.") var random: Int?
    @Option(help: "Number of folds.") var folds: Int = 3
    @Option(help: "Random seed (folds, models, random search).") var seed: UInt64 = 0
    @Option(help: "Threads for parallel fits (1 = deterministic single thread).") var threads: Int?

    func validate() throws {
        if let random, random < 1 { throw ValidationError("--random must be at least 1") }
        if folds < 2 { throw ValidationError("--folds must be at least 2") }
    }

    func run() async throws {
        let parsedGrid = try ParameterGrid(parsing: grid)
        let dataset = try data.load()
        let splits = try RatingProtocol.kFold(folds: folds, seed: seed).splits(of: dataset)
        let context = RatingFitContext(dataset: dataset, seed: seed, threads: threads)
        let count = parsedGrid.hasRanges ? (random ?? 0) : min(random ?? Int.max, parsedGrid.combinations.count)
        print("tuning \(algorithm.rawValue) on \(dataset.name): \(count) setting(s) × \(folds) folds, seed \(seed)")
        let trials: [TuningTrial]
        switch algorithm {
        case .baseline: trials = try search(BaselineModel.Configuration.default, parsedGrid, splits, context)
        case .svd: trials = try search(SVDModel.Configuration.default, parsedGrid, splits, context)
        case .svdpp: trials = try search(SVDppModel.Configuration.default, parsedGrid, splits, context)
        case .als: trials = try search(ALSModel.Configuration.default, parsedGrid, splits, context)
        case .knnBaseline: trials = try search(KNNBaselineModel.Configuration.default, parsedGrid, splits, context)
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

    private func search<C: RatingModelConfiguration>(_ base: C, _ grid: ParameterGrid, _ splits: [Split],
                                                     _ context: RatingFitContext) throws -> [TuningTrial] {
        try HyperparameterSearch.run(base, grid: grid, randomCount: random, seed: seed, splits: splits, context: context) { t in
            let values = t.parameters.map { "\($0.name)=\(formatParameter($0.value))" }.joined(separator: " ")
            print(String(format: "  %@: RMSE %.4f", values, t.result.rmse))
        }
    }
}

func formatParameter(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e9 ? String(Int(x)) : String(x)
}
