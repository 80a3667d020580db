import Foundation

/// An algorithm the rating evaluation can cross-validate: a name and a way to fit a
/// ``RatingPredictor`` on training ratings.
///
/// Every model configuration of this library conforms through ``ConfiguredRatingAlgorithm``;
/// a new model plugs in by conforming its configuration (or a small wrapper) to this protocol.
public protocol RatingAlgorithm: Sendable {
    /// The name printed in tables and JSON (as in `--algorithms`).
    var name: String { get }
    /// Fits a predictor on `training` (over the index space of ``RatingFitContext/dataset``).
    /// - Throws: any error; the evaluation stops and rethrows it.
    func fit(_ training: Interactions, context: RatingFitContext) throws -> any RatingPredictor
}

/// What an evaluation gives every fit besides the training ratings.
public struct RatingFitContext: Sendable {
    /// The whole data set (ids, catalog, user table) for models that use side features.
    public var dataset: Dataset?
    /// The rating scale predictions are clipped to.
    public var ratingScale: ClosedRange<Float>?
    /// A seed that overrides the configuration's, when set.
    public var seed: UInt64?
    /// A thread count that overrides the configuration's, when set (1 = deterministic).
    public var threads: Int?
    /// Per-epoch progress of iterative fits.
    public var observer: (@Sendable (TrainingProgress) -> Void)?

    /// Creates a context.
    public init(dataset: Dataset? = nil, ratingScale: ClosedRange<Float>? = nil, seed: UInt64? = nil, threads: Int? = nil,
                observer: (@Sendable (TrainingProgress) -> Void)? = nil) {
        self.dataset = dataset
        self.ratingScale = ratingScale ?? dataset?.ratingScale
        self.seed = seed
        self.threads = threads
        self.observer = observer
    }
}

/// A model configuration used as a ``RatingAlgorithm``.
public struct ConfiguredRatingAlgorithm<Configuration: RatingModelConfiguration>: RatingAlgorithm {
    /// The configuration fitted on every fold.
    public var configuration: Configuration
    public var name: String

    /// Wraps `configuration`, named `name` (default: the algorithm's name).
    public init(_ configuration: Configuration, name: String? = nil) {
        self.configuration = configuration
        self.name = name ?? Configuration.algorithmName
    }

    public func fit(_ training: Interactions, context: RatingFitContext) throws -> any RatingPredictor {
        var c = configuration
        if let seed = context.seed { c = c.seeded(seed) }
        if let threads = context.threads { c = c.threaded(threads) }
        let metadata = context.dataset.map { ModelMetadata(dataset: $0, training: training) }
        return try c.fit(training, options: RatingFitOptions(metadata: metadata, ratingScale: context.ratingScale, observer: context.observer))
    }
}

/// The figures of one fold.
public struct RatingFoldResult: Sendable, Equatable, Codable {
    /// Root mean squared error on the fold's test ratings.
    public var rmse: Double
    /// Mean absolute error on the fold's test ratings.
    public var mae: Double
    /// Wall-clock seconds to fit.
    public var fitSeconds: Double
    /// Wall-clock seconds to predict every test rating.
    public var predictSeconds: Double
    /// CPU seconds of the whole process during the fit (all threads; less sensitive than wall
    /// time to other programs sharing the machine).
    public var fitCPUSeconds: Double
    /// Training and test sizes.
    public var trainCount: Int, testCount: Int
}

/// The result of one algorithm over all folds.
public struct RatingEvaluationResult: Sendable, Equatable {
    /// The algorithm name.
    public var model: String
    /// One entry per fold.
    public var folds: [RatingFoldResult]

    /// Mean and (population) standard deviation of a per-fold figure.
    public func summary(_ value: (RatingFoldResult) -> Double) -> (mean: Double, std: Double) {
        let v = folds.map(value)
        guard !v.isEmpty else { return (.nan, .nan) }
        let mean = v.reduce(0, +) / Double(v.count)
        let variance = v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count)
        return (mean, variance.squareRoot())
    }
    /// Mean RMSE over folds.
    public var rmse: Double { summary(\.rmse).mean }
    /// Mean MAE over folds.
    public var mae: Double { summary(\.mae).mean }
}

/// Evaluation protocols for rating prediction.
public enum RatingProtocol: Sendable, Equatable {
    /// k-fold cross-validation (Surprise style, every rating tested once).
    case kFold(folds: Int, seed: UInt64)
    /// One random hold-out split.
    case holdout(testFraction: Double, seed: UInt64)
    /// The ML-100K canonical u1..u5 base/test splits, read from `directory`.
    case canonical(directory: URL)

    /// A short description for tables and JSON.
    public var description: String {
        switch self {
        case let .kFold(folds, seed): return "\(folds)-fold cross-validation, seed \(seed)"
        case let .holdout(fraction, seed): return "random hold-out \(Int((fraction * 100).rounded()))%, seed \(seed)"
        case .canonical: return "ML-100K canonical u1..u5 splits"
        }
    }

    /// The splits of `dataset` under this protocol.
    /// - Throws: ``DataError/missingFile(path:)`` ("not available: original ML-100K files not
    ///   found") when the canonical files are absent; ``DataError/malformedLine(file:line:reason:)``.
    public func splits(of dataset: Dataset) throws -> [Split] {
        switch self {
        case let .kFold(folds, seed):
            let folds = try Splitter.checkedFoldCount(folds, count: dataset.interactions.count)
            return Splitter.kFold(dataset.interactions, folds: folds, seed: seed)
        case let .holdout(fraction, seed):
            guard fraction > 0, fraction < 1 else { throw DataError.invalidInput("--test-fraction must be in (0, 1), got \(fraction)") }
            return [Splitter.randomHoldout(dataset.interactions, testFraction: fraction, seed: seed)]
        case let .canonical(directory):
            return try CanonicalSplits.load(directory: directory, dataset: dataset)
        }
    }
}

/// The ML-100K canonical `u1.base`/`u1.test` … `u5.base`/`u5.test` splits, read by
/// ``MovieLens100KLoader/loadGivenSplit(_:directory:dataset:)`` in the data set's index spaces.
public enum CanonicalSplits {
    /// The five canonical splits.
    /// - Throws: ``DataError/missingFile(path:)`` ("not available: original ML-100K files not
    ///   found") when the files are absent; the loader's errors for bad lines or unknown ids.
    public static func load(directory: URL, dataset: Dataset) throws -> [Split] {
        let first = directory.appendingPathComponent("u1.base")
        guard FileManager.default.fileExists(atPath: first.path) else {
            throw DataError.missingFile(path: "\(first.path) (not available: original ML-100K files not found; put u1.base..u5.test from the GroupLens ml-100k.zip in \(directory.path))")
        }
        return try (1...5).map { n in
            let (base, test) = try MovieLens100KLoader.loadGivenSplit("u\(n)", directory: directory, dataset: dataset)
            let all = Interactions(users: base.users + test.users, items: base.items + test.items, ratings: base.ratings + test.ratings,
                                   userCount: dataset.userCount, itemCount: dataset.itemCount)
            return Split(source: all, trainRows: Array(0..<base.count), testRows: Array(base.count..<all.count))
        }
    }
}

/// Cross-validates rating algorithms and formats the comparison.
public enum RatingEvaluation {
    /// Fits `algorithm` on every split's training ratings and scores its test ratings.
    ///
    /// Predictions are clipped to `context.ratingScale` (when known) before scoring.
    /// - Parameter onFold: called after each fold with its index and figures.
    /// - Throws: what the algorithm's fit throws.
    public static func run(_ algorithm: any RatingAlgorithm, splits: [Split], context: RatingFitContext,
                           onFold: ((Int, RatingFoldResult) -> Void)? = nil) throws -> RatingEvaluationResult {
        var folds: [RatingFoldResult] = []
        for (f, split) in splits.enumerated() {
            let start = monotonicSeconds(), cpuStart = processCPUSeconds()
            let predictor = try algorithm.fit(split.train, context: context)
            let fitted = monotonicSeconds(), cpuFitted = processCPUSeconds()
            let test = split.test
            var predictions = [Float](repeating: 0, count: test.count)
            for k in 0..<test.count { predictions[k] = predictor.predict(user: test.users[k], item: test.items[k]) }
            let predicted = monotonicSeconds()
            if let scale = context.ratingScale { for k in predictions.indices { predictions[k] = clip(predictions[k], scale) } }
            let result = RatingFoldResult(
                rmse: test.isEmpty ? .nan : RatingMetrics.rmse(predictions: predictions, targets: test.ratings),
                mae: test.isEmpty ? .nan : RatingMetrics.mae(predictions: predictions, targets: test.ratings),
                fitSeconds: fitted - start, predictSeconds: predicted - fitted, fitCPUSeconds: cpuFitted - cpuStart, trainCount: split.train.count, testCount: test.count)
            folds.append(result)
            onFold?(f, result)
        }
        return RatingEvaluationResult(model: algorithm.name, folds: folds)
    }

    /// A Markdown table: one row per algorithm, mean ± std over folds of RMSE, MAE, fit and
    /// predict seconds per fold, sorted as given.
    public static func markdownTable(_ results: [RatingEvaluationResult]) -> String {
        var lines = ["| model | RMSE | MAE | fit s/fold | predict s/fold |", "|---|---|---|---|---|"]
        for r in results {
            let rmse = r.summary(\.rmse), mae = r.summary(\.mae), fit = r.summary(\.fitSeconds), predict = r.summary(\.predictSeconds)
            lines.append("| \(r.model) | \(format(rmse.mean, 4)) ± \(format(rmse.std, 4)) | \(format(mae.mean, 4)) ± \(format(mae.std, 4)) | "
                         + "\(format(fit.mean, 3)) ± \(format(fit.std, 3)) | \(format(predict.mean, 3)) ± \(format(predict.std, 3)) |")
        }
        return lines.joined(separator: "\n")
    }

    /// The JSON document of an evaluation: `results` holds one object per algorithm with
    /// `model`, `metrics` (`rmse` and `mae` means over folds, their standard deviations and
    /// per-fold values), `fit_seconds_per_fold` and `predict_seconds_per_fold` (means over
    /// folds) and the per-fold timings.
    public static func json(_ results: [RatingEvaluationResult], dataset: String, protocolDescription: String) throws -> String {
        struct Metrics: Codable {
            var rmse: Double, mae: Double, rmse_std: Double, mae_std: Double, rmse_per_fold: [Double], mae_per_fold: [Double]
        }
        struct Entry: Codable {
            var model: String
            var metrics: Metrics
            var fit_seconds_per_fold: Double
            var predict_seconds_per_fold: Double
            var fit_seconds_folds: [Double]
            var predict_seconds_folds: [Double]
            var test_count_folds: [Int]
        }
        struct Document: Codable { var dataset: String; var `protocol`: String; var results: [Entry] }
        let entries = results.map { r in
            Entry(model: r.model,
                  metrics: Metrics(rmse: r.rmse, mae: r.mae, rmse_std: r.summary(\.rmse).std, mae_std: r.summary(\.mae).std,
                                   rmse_per_fold: r.folds.map(\.rmse), mae_per_fold: r.folds.map(\.mae)),
                  fit_seconds_per_fold: r.summary(\.fitSeconds).mean, predict_seconds_per_fold: r.summary(\.predictSeconds).mean,
                  fit_seconds_folds: r.folds.map(\.fitSeconds), predict_seconds_folds: r.folds.map(\.predictSeconds),
                  test_count_folds: r.folds.map(\.testCount))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(Document(dataset: dataset, protocol: protocolDescription, results: entries))
        return String(decoding: data, as: UTF8.self)
    }

    static func format(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
}

/// The rating algorithms of this library by name (as in `--algorithms`).
public enum RatingAlgorithms {
    /// The names this catalogue knows.
    public static let names = ["baseline", "baseline-sgd", "svd", "svdpp", "als", "knn-baseline", "best"]

    /// The algorithm named `name` with its documented defaults, or `nil` when unknown here.
    public static func named(_ name: String) -> (any RatingAlgorithm)? {
        switch name {
        case "baseline": return ConfiguredRatingAlgorithm(BaselineModel.Configuration.default)
        case "baseline-sgd": return ConfiguredRatingAlgorithm(BaselineModel.Configuration.defaultSGD, name: "baseline-sgd")
        case "svd": return ConfiguredRatingAlgorithm(SVDModel.Configuration.default)
        case "svdpp": return ConfiguredRatingAlgorithm(SVDppModel.Configuration.default)
        case "als": return ConfiguredRatingAlgorithm(ALSModel.Configuration.default)
        case "knn-baseline": return ConfiguredRatingAlgorithm(KNNBaselineModel.Configuration.default)
        // A new model plugs in with one line here (and its name in `names`).
        case "best": return BayesianFMRatingAlgorithm()
        default: return nil
        }
    }
}

/// CPU seconds used by the process so far (all threads).
func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// `best`, the Bayesian factorization machine (``BayesianFactorizationMachine``), as a
/// ``RatingAlgorithm``: it needs ``RatingFitContext/dataset`` for its side features and
/// builds its implicit bags from the training fold only.
public struct BayesianFMRatingAlgorithm: RatingAlgorithm {
    /// The sampler settings. Default ``BayesianFactorizationMachine/Configuration/default``.
    public var configuration: BayesianFactorizationMachine.Configuration
    /// The seed used when the context gives none. Default 0.
    public var seed: UInt64
    public var name: String

    /// Wraps a configuration (default: the documented one), named `best`.
    public init(configuration: BayesianFactorizationMachine.Configuration = .default, seed: UInt64 = 0, name: String = "best") {
        self.configuration = configuration
        self.seed = seed
        self.name = name
    }

    /// Fits on `training`.
    /// - Throws: ``RatingTrainingError/invalidConfiguration(_:)`` without a data set in the
    ///   context; the sampler's errors.
    public func fit(_ training: Interactions, context: RatingFitContext) throws -> any RatingPredictor {
        guard let dataset = context.dataset else {
            throw RatingTrainingError.invalidConfiguration("\(name) needs the data set (user and item side features) in the fit context")
        }
        var c = configuration
        if let threads = context.threads { c.threads = threads }
        return try BayesianFactorizationMachine.fit(dataset: dataset, training: training, configuration: c, seed: context.seed ?? seed)
    }
}
