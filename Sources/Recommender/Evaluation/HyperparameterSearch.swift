/// A grid of hyper-parameter values, parsed from `"factors=50,100;lr=0.005,0.01"`; for random
/// search an axis may also be a range `lo:hi` (`"lr=0.002:0.02"`), sampled uniformly
/// (rounded to integers when both ends are integers).
public struct ParameterGrid: Sendable, Equatable {
    /// The parameter names and their candidate values, in the order written.
    public var axes: [Axis]

    /// One parameter and its candidate values.
    public struct Axis: Sendable, Equatable {
        /// The parameter name (e.g. `lr`).
        public var name: String
        /// Its candidate values (empty when the axis is a range).
        public var values: [Double]
        /// A range sampled by random search, instead of ``values``.
        public var range: ClosedRange<Double>?
        /// Creates an axis.
        public init(name: String, values: [Double], range: ClosedRange<Double>? = nil) {
            self.name = name; self.values = values; self.range = range
        }

        /// A value drawn for random search.
        func sample(_ generator: inout SeededGenerator) -> Double {
            if let range {
                let x = range.lowerBound + (range.upperBound - range.lowerBound) * generator.nextUnitDouble()
                let integral = range.lowerBound == range.lowerBound.rounded() && range.upperBound == range.upperBound.rounded()
                return integral ? x.rounded() : x
            }
            return values[generator.nextInt(below: values.count)]
        }
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
            if pieces[1].contains(":") {
                let ends = pieces[1].split(separator: ":").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
                guard ends.count == 2, ends[0].isFinite, ends[1].isFinite, ends[0] <= ends[1], !name.isEmpty else {
                    throw DataError.invalidInput("grid range '\(part)' is not name=lo:hi with lo <= hi")
                }
                guard !axes.contains(where: { $0.name == name }) else { throw DataError.invalidInput("grid names '\(name)' twice") }
                axes.append(Axis(name: name, values: [], range: ends[0]...ends[1]))
                continue
            }
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

    /// Whether some axis is a range (only random search can use it).
    public var hasRanges: Bool { axes.contains { $0.range != nil } }

    /// Every combination (the first axis varies slowest); ranges are not enumerated.
    public var combinations: [[(name: String, value: Double)]] {
        var out: [[(name: String, value: Double)]] = [[]]
        for axis in axes {
            guard axis.range == nil else { continue }
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
    /// Evaluates `algorithm` with every grid combination (or, for random search, `randomCount`
    /// settings: distinct grid combinations drawn with `seed`, or independent draws per axis
    /// when some axis is a range) on `splits`; returns the trials sorted by mean RMSE.
    ///
    /// Axis names are the algorithm's hyper-parameter names or aliases; every value is
    /// checked against the table's bounds before any fit starts.
    /// - Throws: ``TrainingError`` for an unknown name or a value out of bounds,
    ///   ``DataError/invalidInput(_:)`` for a range in grid mode, or what a fit throws.
    public static func run(_ algorithm: any Algorithm, base: Hyperparameters = [:], grid: ParameterGrid, randomCount: Int? = nil,
                           seed: UInt64, dataset: Dataset, splits: [Split], context: FitContext = FitContext(),
                           onTrial: ((TuningTrial) -> Void)? = nil) throws -> [TuningTrial] {
        var combinations = grid.combinations
        if grid.hasRanges {
            guard let randomCount else { throw DataError.invalidInput("a range (lo:hi) needs random search: add --random N") }
            var generator = SeededGenerator(seed: seed)
            combinations = (0..<max(randomCount, 0)).map { _ in grid.axes.map { ($0.name, $0.sample(&generator)) } }
        } else if let randomCount, randomCount < combinations.count {
            var generator = SeededGenerator(seed: seed)
            generator.shuffle(&combinations)
            combinations = Array(combinations.prefix(max(randomCount, 0)))
        }
        // An axis replaces the base's setting of the same parameter under any spelling (`lr` in
        // the base, `learning-rate` on the grid).
        func settings(_ combination: [(name: String, value: Double)]) -> Hyperparameters {
            combination.reduce(base) { settings, axis in
                guard let spec = algorithm.parameters.first(where: { $0.answers(to: axis.name) }) else { return settings.setting(axis.name, .real(axis.value)) }
                return Hyperparameters(settings.values.filter { !spec.answers(to: $0.key) }).setting(axis.name, .real(axis.value))
            }
        }
        // Check every name and value before spending time on fits.
        for axis in grid.axes {
            for value in (axis.range.map { [$0.lowerBound, $0.upperBound] } ?? axis.values) {
                _ = try algorithm.reader(settings([(axis.name, value)]))
            }
        }
        var trials: [TuningTrial] = []
        for combination in combinations {
            let result = try RatingEvaluation.run(algorithm, hyperparameters: settings(combination), dataset: dataset, splits: splits,
                                                  context: context)
            let trial = TuningTrial(parameters: combination, result: result)
            onTrial?(trial)
            trials.append(trial)
        }
        return trials.sorted { $0.result.rmse < $1.result.rmse }
    }
}
