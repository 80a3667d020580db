import ArgumentParser

/// The bounds of every numeric command-line option that is not an algorithm hyper-parameter
/// (those are in each algorithm's table, `recommender algorithms NAME`), in one place.
///
/// Each bound keeps a run finite in time and memory and away from a trap: no huge repeat count
/// that never ends, no size whose allocation aborts, no NaN that loops forever. Commands check
/// their options against these in `validate()`, so a bad value is refused before any work with
/// a one-line message naming the option (`OptionBoundsCLITests` walks every option).
enum OptionBounds {
    static let repeats = 1...1_000
    static let threads = 1...1_024
    static let folds = 2...100
    static let onlyFolds = 0...100
    static let k = 1...10_000
    static let timeoutSeconds = 0.1...3_600.0
    static let top = 1...10_000
    static let minRatings = 0...1_000_000_000
    /// Exact t-SNE is quadratic in the points.
    static let tsnePoints = 2...50_000
    static let dimension = 1...4_096
    static let factors = 1...1_024
    static let generatedUsers = 1...50_000_000
    static let generatedItems = 1...50_000_000
    static let generatedInteractions = 1...500_000_000
    static let popularityExponent = 0.0...10.0
    static let benchIterations = 1...100_000
    static let alsIterations = 1...1_000
    static let mapIterations = 1...100_000
    static let perplexity = 1.0...10_000.0
    static let annItems = 100...50_000_000
    static let annQueries = 10...10_000_000
    static let filterQueries = 1...10_000_000
    static let hnswM = 2...256
    static let efConstruction = 1...100_000
    /// The HNSW candidate list of a query.
    static let ef = 1...100_000
    static let bfmRank = 1...256
    static let gibbsSamples = 1...100_000
    static let gibbsBurnIn = 0...100_000
    static let gibbsThinning = 1...100_000
    static let zipPrefix = 0...5
    static let yearBucket = 1...100
    /// `serve --port` (0: any free port).
    static let port = 0...65_535

    /// Refuses `value` outside `range`, naming `option`.
    static func check<T: Comparable>(_ value: T, _ option: String, _ range: ClosedRange<T>) throws {
        guard range.contains(value) else {
            throw ValidationError("\(option) must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
    }

    /// Refuses an absent-or-out-of-range optional only when it is present.
    static func check<T: Comparable>(_ value: T?, _ option: String, _ range: ClosedRange<T>) throws {
        if let value { try check(value, option, range) }
    }

    /// Refuses NaN, infinities and values outside `range`, naming `option`.
    static func check(_ value: Double, _ option: String, _ range: ClosedRange<Double>) throws {
        guard value.isFinite, range.contains(value) else {
            throw ValidationError("\(option) must be a number in \(formatNumber(range.lowerBound))...\(formatNumber(range.upperBound)), got \(value)")
        }
    }
}
