import Foundation

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
    /// Predictions are clipped to the data set's rating scale (when known) before scoring.
    /// - Parameters:
    ///   - algorithm: a rating algorithm (its fitted model must be a ``RatingPredictor``).
    ///   - hyperparameters: settings over the algorithm's defaults.
    ///   - label: the name in tables and JSON (default: the algorithm's name).
    ///   - dataset: the data set the splits come from (ids, side features, rating scale).
    ///   - splits: the folds, over `dataset`'s index spaces.
    ///   - context: seed, threads and observer of every fit (no validation data is passed).
    ///   - onFold: called after each fold with its index and figures.
    /// - Throws: ``TrainingError`` when the model cannot predict ratings, or what the fit throws.
    public static func run(_ algorithm: any Algorithm, hyperparameters: Hyperparameters = [:], label: String? = nil,
                           dataset: Dataset, splits: [Split], context: FitContext = FitContext(),
                           onFold: ((Int, RatingFoldResult) -> Void)? = nil) throws -> RatingEvaluationResult {
        var folds: [RatingFoldResult] = []
        for (f, split) in splits.enumerated() {
            let start = monotonicSeconds(), cpuStart = processCPUSeconds()
            let model = try algorithm.fit(TrainingData(dataset, training: split.train), hyperparameters: hyperparameters, context: context)
            guard let predictor = model as? any RatingPredictor else {
                throw TrainingError.invalidInput("\(algorithm.name) ranks items but does not predict ratings; evaluate it with the ranking task")
            }
            let fitted = monotonicSeconds(), cpuFitted = processCPUSeconds()
            let test = split.test
            var predictions = [Float](repeating: 0, count: test.count)
            for k in 0..<test.count { predictions[k] = predictor.predict(user: test.user(at: k), item: test.item(at: k)) }
            let predicted = monotonicSeconds()
            if let scale = dataset.ratingScale { for k in predictions.indices { predictions[k] = clip(predictions[k], scale) } }
            let result = RatingFoldResult(
                rmse: test.isEmpty ? .nan : RatingMetrics.rmse(predictions: predictions, targets: test.ratings),
                mae: test.isEmpty ? .nan : RatingMetrics.mae(predictions: predictions, targets: test.ratings),
                fitSeconds: fitted - start, predictSeconds: predicted - fitted, fitCPUSeconds: cpuFitted - cpuStart, trainCount: split.train.count, testCount: test.count)
            folds.append(result)
            onFold?(f, result)
        }
        return RatingEvaluationResult(model: label ?? algorithm.name, folds: folds)
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

    static func format(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
}

/// CPU seconds used by the process so far (all threads).
package func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}
