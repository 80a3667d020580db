import Recommender
import Foundation

/// Counts of values in consecutive bins: `counts[k]` values fell in `edges[k]..<edges[k+1]`
/// (the last bin also holds values equal to its upper edge).
public struct HistogramBins: Sendable, Equatable {
    /// The bin edges, ascending; one more than there are bins.
    public var edges: [Double]
    /// The number of values in each bin.
    public var counts: [Int]
    /// Values that were not counted: non-finite, or outside the edges.
    public var skipped: Int

    /// Creates bins from their parts.
    public init(edges: [Double], counts: [Int], skipped: Int = 0) {
        precondition(counts.isEmpty ? edges.count <= 1 : edges.count == counts.count + 1,
                     "HistogramBins: need one more edge than counts")
        self.edges = edges
        self.counts = counts
        self.skipped = skipped
    }

    /// Equal-width bins from the smallest to the largest finite value, as `numpy.histogram` does.
    ///
    /// When every value is the same, one bin of width 1 centred on it. No finite values: no bins.
    /// - Parameters:
    ///   - values: The values; NaN and infinities are skipped (and counted in ``skipped``).
    ///   - bins: The number of bins (at least 1).
    /// - Complexity: O(values.count).
    public init(values: [Double], bins: Int) {
        let bins = max(bins, 1)
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else {
            self.init(edges: [], counts: [], skipped: values.count)
            return
        }
        if lo == hi {
            self.init(edges: [lo - 0.5, lo + 0.5], counts: [finite.count], skipped: values.count - finite.count)
            return
        }
        let width = (hi - lo) / Double(bins)
        let edges = (0...bins).map { $0 == bins ? hi : lo + Double($0) * width }
        var counts = [Int](repeating: 0, count: bins)
        for v in finite {
            counts[min(bins - 1, max(0, Int((v - lo) / width)))] += 1
        }
        self.init(edges: edges, counts: counts, skipped: values.count - finite.count)
    }

    /// Counts `values` in the bins delimited by `edges` (ascending); values outside are skipped.
    /// - Complexity: O(values.count × log(edges.count)).
    public init(values: [Double], edges: [Double]) {
        precondition(edges.count >= 2, "HistogramBins: need at least two edges")
        precondition(zip(edges, edges.dropFirst()).allSatisfy { $0 < $1 }, "HistogramBins: edges must increase")
        var counts = [Int](repeating: 0, count: edges.count - 1)
        var skipped = 0
        for v in values {
            guard v.isFinite, v >= edges[0], v <= edges[edges.count - 1] else { skipped += 1; continue }
            // Last edge <= v, by binary search.
            var lo = 0, hi = edges.count - 1
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if edges[mid] <= v { lo = mid } else { hi = mid }
            }
            counts[lo] += 1
        }
        self.init(edges: edges, counts: counts, skipped: skipped)
    }

    /// The total number of values counted.
    public var total: Int { counts.reduce(0, +) }
}

extension HistogramBins {
    /// Equal-width bins of a "nice" width (1, 2 or 5 × 10ⁿ, at least `(max − min) / bins`) whose
    /// edges are multiples of that width, so that the axis reads in round numbers.
    ///
    /// For whole numbers (counts) the width is a whole number too, and every bin
    /// `[a, a + width)` holds exactly `width` possible values; the largest value lies inside the
    /// last bin, not on its upper edge.
    /// - Parameters:
    ///   - values: The values; NaN and infinities are skipped.
    ///   - bins: About how many bins (the nice width may give somewhat fewer).
    /// - Complexity: O(values.count × log(bins)).
    public static func nice(values: [Double], bins: Int) -> HistogramBins {
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return HistogramBins(values: values, bins: bins) }
        let integers = finite.allSatisfy { $0 == $0.rounded() }
        var width = Axis.niceNumber(max(hi - lo, integers ? 1 : abs(hi) * 0.1 + 1e-9) / Double(max(bins, 1)), round: false)
        if integers { width = max(width, 1) }
        let first = (lo / width).rounded(.down)
        var last = (hi / width).rounded(.up)
        if integers || last == first { last = (hi / width).rounded(.down) + 1 }
        let edges = stride(from: first, through: last, by: 1).map { $0 * width }
        return HistogramBins(values: values, edges: edges)
    }

    /// Bins of equal width on a logarithmic axis, for long-tailed positive values: 10, 5 or 2.5
    /// bins per power of ten (fewer when the values span many decades), at the preferred numbers
    /// 1, 1.25, 1.6, 2, 2.5, 3.15, 4, 5, 6.3, 8 × 10ⁿ (Renard's series).
    ///
    /// For whole numbers the edges are rounded up to whole numbers (and merged when equal), so
    /// every bin `[a, b)` holds the integers a…b−1.
    /// - Parameters:
    ///   - values: The values; non-positive and non-finite ones are skipped.
    ///   - bins: About how many bins in all.
    /// - Returns: The bins, or `nil` when no value is positive.
    public static func logarithmic(values: [Double], bins: Int) -> HistogramBins? {
        let positive = values.filter { $0.isFinite && $0 > 0 }
        guard let lo = positive.min(), let hi = positive.max() else { return nil }
        let integers = positive.allSatisfy { $0 == $0.rounded() }
        let series: [Double] = [1, 1.25, 1.6, 2, 2.5, 3.15, 4, 5, 6.3, 8]
        let decades = max(log10(hi) - log10(lo), 0.3)
        let perDecade = Double(bins) / decades
        let stride = perDecade >= 8 ? 1 : perDecade >= 4 ? 2 : 4
        let steps = Swift.stride(from: 0, to: 10, by: stride).map { series[$0] }
        var edges: [Double] = []
        var exponent = floor(log10(lo) + 1e-9)
        outer: while true {
            for m in steps {
                var edge = m * pow(10, exponent)
                if integers { edge = edge.rounded(.up) }
                if edge > hi {
                    if edges.isEmpty || edges.last! < edge { edges.append(edge) }
                    break outer
                }
                if edge <= lo { edges = [edge]; continue }
                if edges.last.map({ $0 < edge }) ?? true { edges.append(edge) }
            }
            exponent += 1
        }
        return HistogramBins(values: values, edges: edges)
    }

    /// Whether `values` look long-tailed enough for a logarithmic axis: all positive, spanning
    /// more than a factor of 20, with the largest at least 5 times the median (ratings per
    /// user or per item are; ages and mean ratings are not).
    public static func isLongTailed(_ values: [Double]) -> Bool {
        let finite = values.filter(\.isFinite).sorted()
        guard finite.count >= 10, let lo = finite.first, let hi = finite.last, lo > 0 else { return false }
        let median = finite[finite.count / 2]
        return hi / lo > 20 && hi / median >= 5
    }
}

/// A histogram: the distribution of one variable as adjacent bars, bin edges on the axis.
public struct Histogram: Sendable {
    /// The title above the chart.
    public var title: String
    /// The label under the horizontal axis.
    public var xLabel: String
    /// The label beside the vertical axis.
    public var yLabel = "Count"
    /// The values to count (non-finite values are skipped).
    public var values: [Double]
    /// The number of equal-width bins, used when ``binEdges`` is `nil`.
    public var bins: Int
    /// Explicit bin edges (ascending), e.g. `[0.5, 1.5, ..., 5.5]` for star ratings.
    public var binEdges: [Double]?
    /// The bar colour.
    public var color = ChartPalette.color(0)
    /// When every value is a whole number and they span at most ``bins`` integers, draw one
    /// bar per integer (edges at ±0.5, labels at the centres) instead of fractional bins.
    public var unitBinsForIntegers = true
    /// The horizontal axis: linear, logarithmic, or (the default) logarithmic when the values
    /// are long-tailed (``HistogramBins/isLongTailed(_:)``) and no ``binEdges`` are given.
    public var scale = Scale.automatic

    /// How the horizontal axis of a histogram maps values.
    public enum Scale: String, Sendable, CaseIterable {
        /// Equal-width bins of a nice width on a linear axis.
        case linear
        /// Bins of equal width on a base-10 logarithmic axis (non-positive values are left out).
        case logarithmic
        /// ``logarithmic`` for long-tailed positive values, else ``linear``.
        case automatic
    }

    /// Whether the chart uses a logarithmic axis.
    public var isLogarithmic: Bool {
        guard binEdges == nil, unitEdges == nil else { return false }
        switch scale {
        case .linear: return false
        case .logarithmic: return values.contains { $0.isFinite && $0 > 0 }
        case .automatic: return HistogramBins.isLongTailed(values)
        }
    }

    /// Creates a histogram with `bins` equal-width bins from the smallest to the largest value.
    /// - Parameters:
    ///   - title: The title above the chart.
    ///   - xLabel: What the values are.
    ///   - values: The values.
    ///   - bins: The number of bins (default 20).
    public init(title: String, xLabel: String, values: [Double], bins: Int = 20) {
        self.title = title
        self.xLabel = xLabel
        self.values = values
        self.bins = bins
        self.binEdges = nil
    }

    /// Creates a histogram with the given bin edges.
    /// - Precondition: at least two strictly increasing edges.
    public init(title: String, xLabel: String, values: [Double], binEdges: [Double]) {
        self.init(title: title, xLabel: xLabel, values: values, bins: max(binEdges.count - 1, 1))
        self.binEdges = binEdges
    }

    /// The counted bins the chart draws.
    public var binned: HistogramBins {
        if let binEdges { return HistogramBins(values: values, edges: binEdges) }
        if let edges = unitEdges { return HistogramBins(values: values, edges: edges) }
        if isLogarithmic, let log = HistogramBins.logarithmic(values: values, bins: bins) { return log }
        return HistogramBins.nice(values: values, bins: bins)
    }

    /// Edges at n ± 0.5 when ``unitBinsForIntegers`` applies, else `nil`.
    private var unitEdges: [Double]? {
        guard unitBinsForIntegers else { return nil }
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max(), hi - lo + 1 <= Double(max(bins, 1)),
              finite.allSatisfy({ $0 == $0.rounded() }) else { return nil }
        return stride(from: lo - 0.5, through: hi + 0.5, by: 1).map { $0 }
    }

    /// The chart as a standalone SVG document: one `rect` per bin (hover text gives the range
    /// and count), "nice" ticks (1, 2, 5 × 10ⁿ) on both axes, labels thinned so they never overlap;
    /// on a logarithmic axis the axis label says so.
    /// - Parameters:
    ///   - width: The width in pixels.
    ///   - height: The height in pixels.
    /// - Returns: The SVG markup.
    /// - Complexity: O(values.count).
    public func svg(width: Int = 640, height: Int = 400) -> String {
        var w = SVGWriter(width: width, height: height)
        let data = binned
        let log = isLogarithmic
        let shownXLabel = log && !xLabel.isEmpty ? xLabel + " (log scale)" : xLabel
        let maxCount = Double(data.counts.max() ?? 0)
        let layout = NumericChartLayout(width: width, height: height, title: title, xLabel: shownXLabel, yLabel: yLabel,
                                        legend: [], xRange: (data.edges.first ?? 0, data.edges.last ?? 1),
                                        yRange: (0, max(maxCount, 1)), logX: false, logY: false, includeZeroY: true,
                                        wholeStepsY: true)
        ChartFrame.drawTitle(&w, title)
        let plot = layout.plot
        guard data.total > 0, let lo = data.edges.first, let hi = data.edges.last else {
            ChartFrame.drawNoData(&w, plot)
            return w.document(description: title)
        }
        let spacing = (hi - lo) / Double(data.counts.count)
        let unit = binEdges == nil && unitEdges != nil
        let xAxis: Axis
        if unit {
            xAxis = Axis(lower: lo, upper: hi, isLog: false, ticks: data.edges.dropLast().map { $0 + 0.5 },
                         labels: data.edges.dropLast().map { String(Int(($0 + 0.5).rounded())) })
        } else if binEdges != nil {
            xAxis = Axis(lower: lo, upper: hi, isLog: false, ticks: data.edges,
                         labels: Axis.edgeLabels(data.edges, spacing: spacing))
        } else if log {
            let full = Axis.logarithmic(minimum: lo, maximum: hi, maxTicks: max(2, Int(plot.width / 40)))
            let kept = full.ticks.indices.filter { full.ticks[$0] >= lo * (1 - 1e-9) && full.ticks[$0] <= hi * (1 + 1e-9) }
            xAxis = Axis(lower: lo, upper: hi, isLog: true, ticks: kept.map { full.ticks[$0] }, labels: kept.map { full.labels[$0] })
        } else {
            let full = Axis.fittedLinear(minimum: lo, maximum: hi, length: plot.width, fontSize: ChartFrame.tickSize)
            let kept = full.ticks.indices.filter { full.ticks[$0] >= lo - 1e-9 * spacing && full.ticks[$0] <= hi + 1e-9 * spacing }
            xAxis = Axis(lower: lo, upper: hi, isLog: false, ticks: kept.map { full.ticks[$0] }, labels: kept.map { full.labels[$0] })
        }
        ChartFrame.drawYAxis(&w, layout.yAxis, plot, label: yLabel)
        ChartFrame.drawXAxis(&w, xAxis, plot, label: shownXLabel, grid: false)
        w.open(group: "bars")
        let integers = data.edges.allSatisfy { $0 == $0.rounded() } && values.allSatisfy { !$0.isFinite || $0 == $0.rounded() }
        let edgeLabels = Axis.edgeLabels(data.edges, spacing: spacing)
        for (k, count) in data.counts.enumerated() {
            let x0 = plot.x(xAxis, data.edges[k]), x1 = plot.x(xAxis, data.edges[k + 1])
            let top = plot.y(layout.yAxis, Double(count))
            let closing = k == data.counts.count - 1 ? "]" : ")"
            let hover: String
            if unit {
                hover = "\(xAxis.labels[k]): \(count)"
            } else if integers && binEdges == nil {
                // Whole-number bins [a, b) hold a…b−1.
                let a = Int(data.edges[k]), b = Int(data.edges[k + 1]) - 1
                hover = (a == b ? "\(a)" : "\(a)–\(b)") + ": \(count)"
            } else {
                hover = "[\(edgeLabels[k]), \(edgeLabels[k + 1])\(closing): \(count)"
            }
            w.rect(x: x0 + 0.5, y: top, width: max(x1 - x0 - 1, 0.5), height: plot.bottom - top, fill: color, cssClass: "bar",
                   title: hover)
        }
        w.close()
        ChartFrame.drawFrame(&w, plot)
        return w.document(description: title)
    }
}
