/// Descriptive statistics of a numeric column, as `pandas.Series.describe()` reports them.
///
/// The standard deviation is the **sample** standard deviation (divisor n − 1, pandas'
/// default); quartiles use linear interpolation between the two nearest ranks (pandas' and
/// numpy's default).
public struct NumericSummary: Sendable, Equatable {
    /// The number of values.
    public var count: Int
    /// The arithmetic mean.
    public var mean: Double
    /// The sample standard deviation (n − 1 divisor); `nan` for a single value.
    public var standardDeviation: Double
    /// The smallest value.
    public var minimum: Double
    /// The 25th percentile.
    public var firstQuartile: Double
    /// The 50th percentile.
    public var median: Double
    /// The 75th percentile.
    public var thirdQuartile: Double
    /// The largest value.
    public var maximum: Double

    /// Summarises `values`; `nil` when there are no finite values (non-finite ones are ignored).
    /// - Complexity: O(n log n) (the quartiles sort a copy).
    public init?(_ values: [Double]) {
        let sorted = values.filter(\.isFinite).sorted()
        guard !sorted.isEmpty else { return nil }
        let n = Double(sorted.count)
        var sum = 0.0
        for v in sorted { sum += v }
        let mean = sum / n
        var squares = 0.0
        for v in sorted { squares += (v - mean) * (v - mean) }
        count = sorted.count
        self.mean = mean
        standardDeviation = sorted.count > 1 ? (squares / (n - 1)).squareRoot() : .nan
        minimum = sorted[0]
        maximum = sorted[sorted.count - 1]
        firstQuartile = Self.quantile(sorted: sorted, 0.25)
        median = Self.quantile(sorted: sorted, 0.5)
        thirdQuartile = Self.quantile(sorted: sorted, 0.75)
    }

    /// The `q`-quantile of ascending `sorted` values by linear interpolation: position
    /// `(n − 1)·q`, interpolated between its two neighbouring values.
    /// - Precondition: `sorted` is non-empty and ascending; `0 <= q <= 1`.
    public static func quantile(sorted: [Double], _ q: Double) -> Double {
        precondition(!sorted.isEmpty && (0...1).contains(q), "quantile: empty input or q outside 0...1")
        let position = Double(sorted.count - 1) * q
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }
}

/// How many times a value occurs in a column.
public struct CategoryCount: Sendable, Equatable {
    /// The value (an occupation, a sex, a zip code...).
    public var name: String
    /// How many rows hold it.
    public var count: Int

    /// Creates a count.
    public init(name: String, count: Int) {
        self.name = name
        self.count = count
    }

    /// Counts the values of `column`, most frequent first (ties by name), like `value_counts()`.
    /// - Complexity: O(n + k log k) for k distinct values.
    public static func counts(of column: [String]) -> [CategoryCount] {
        var counts: [String: Int] = [:]
        for value in column { counts[value, default: 0] += 1 }
        return counts.map { CategoryCount(name: $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.name < $1.name }
    }
}
