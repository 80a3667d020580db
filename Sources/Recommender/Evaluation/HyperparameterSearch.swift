/// A grid of hyper-parameter values, parsed from `"factors=50,100;lr=0.005,0.01"`.
public struct ParameterGrid: Sendable, Equatable {
    /// The parameter names and their candidate values, in the order written.
    public var axes: [Axis]

    /// One parameter and its candidate values.
    public struct Axis: Sendable, Equatable {
        /// The parameter name (e.g. `lr`).
        public var name: String
        /// Its candidate values.
        public var values: [Double]
        /// Creates an axis.
        public init(name: String, values: [Double]) { self.name = name; self.values = values }
    }

    /// Creates a grid from axes.
    public init(axes: [Axis]) { self.axes = axes }

    /// Parses `name=v1,v2;name=v1,...`.
    /// - Throws: ``DataError/invalidInput(_:)`` naming the bad part.
    public init(parsing text: String) throws {
        var axes: [Axis] = []
        for part in text.split(separator: ";") where !part.allSatisfy(\.isWhitespace) {
            let pieces = part.split(separator: "=", maxSplits: 1)
            guard pieces.count == 2 else { throw DataError.invalidInput("grid part '\(part)' is not name=v1,v2,...") }
            let name = pieces[0].trimmingCharacters(in: .whitespaces)
            var values: [Double] = []
            for v in pieces[1].split(separator: ",") {
                guard let x = Double(v.trimmingCharacters(in: .whitespaces)), x.isFinite else {
                    throw DataError.invalidInput("grid value '\(v)' of '\(name)' is not a number")
                }
                values.append(x)
            }
            guard !name.isEmpty, !values.isEmpty else { throw DataError.invalidInput("grid part '\(part)' has no name or values") }
            guard !axes.contains(where: { $0.name == name }) else { throw DataError.invalidInput("grid names '\(name)' twice") }
            axes.append(Axis(name: name, values: values))
        }
        guard !axes.isEmpty else { throw DataError.invalidInput("empty grid; write e.g. \"factors=50,100;lr=0.005,0.01\"") }
        self.axes = axes
    }

    /// Every combination (the first axis varies slowest).
    public var combinations: [[(name: String, value: Double)]] {
        var out: [[(name: String, value: Double)]] = [[]]
        for axis in axes {
            out = out.flatMap { prefix in axis.values.map { prefix + [(axis.name, $0)] } }
        }
        return out
    }
}

/// One evaluated setting of a search.
public struct TuningTrial: Sendable {
    /// The parameter values of this trial.
    public var parameters: [(name: String, value: Double)]
    /// Its cross-validation result.
    public var result: RatingEvaluationResult
}

/// Grid or random search over hyper-parameters with cross-validation.
public enum HyperparameterSearch {
    /// Evaluates `base` with every grid combination (or `randomCount` of them drawn without
    /// replacement with `seed`) on `splits`; returns the trials sorted by mean RMSE.
    /// - Throws: ``RatingTrainingError/invalidConfiguration(_:)`` for an unknown parameter name,
    ///   or what a fit throws.
    public static func run<C: RatingModelConfiguration>(_ base: C, grid: ParameterGrid, randomCount: Int? = nil, seed: UInt64,
                                                        splits: [Split], context: RatingFitContext,
                                                        onTrial: ((TuningTrial) -> Void)? = nil) throws -> [TuningTrial] {
        var combinations = grid.combinations
        if let randomCount, randomCount < combinations.count {
            var generator = SeededGenerator(seed: seed)
            generator.shuffle(&combinations)
            combinations = Array(combinations.prefix(max(randomCount, 0)))
        }
        // Check every name before spending time on fits.
        for axis in grid.axes { _ = try base.setting(axis.name, to: axis.values[0]) }
        var trials: [TuningTrial] = []
        for combination in combinations {
            var configuration = base
            for (name, value) in combination { configuration = try configuration.setting(name, to: value) }
            let result = try RatingEvaluation.run(ConfiguredRatingAlgorithm(configuration), splits: splits, context: context)
            let trial = TuningTrial(parameters: combination, result: result)
            onTrial?(trial)
            trials.append(trial)
        }
        return trials.sorted { $0.result.rmse < $1.result.rmse }
    }
}
