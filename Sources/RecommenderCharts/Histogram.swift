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
        return HistogramBins(values: values, bins: bins)
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
    /// and count), ticks at the bin edges (labels thinned so they never overlap).
    /// - Parameters:
    ///   - width: The width in pixels.
    ///   - height: The height in pixels.
    /// - Returns: The SVG markup.
    /// - Complexity: O(values.count).
    public func svg(width: Int = 640, height: Int = 400) -> String {
        var w = SVGWriter(width: width, height: height)
        let data = binned
        let maxCount = Double(data.counts.max() ?? 0)
        let layout = NumericChartLayout(width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel,
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
        let xAxis = unit
            ? Axis(lower: lo, upper: hi, isLog: false, ticks: data.edges.dropLast().map { $0 + 0.5 },
                   labels: data.edges.dropLast().map { String(Int(($0 + 0.5).rounded())) })
            : Axis(lower: lo, upper: hi, isLog: false, ticks: data.edges,
                   labels: Axis.edgeLabels(data.edges, spacing: spacing))
        ChartFrame.drawYAxis(&w, layout.yAxis, plot, label: yLabel)
        ChartFrame.drawXAxis(&w, xAxis, plot, label: xLabel, grid: false)
        w.open(group: "bars")
        let edgeLabels = Axis.edgeLabels(data.edges, spacing: spacing)
        for (k, count) in data.counts.enumerated() {
            let x0 = plot.x(xAxis, data.edges[k]), x1 = plot.x(xAxis, data.edges[k + 1])
            let top = plot.y(layout.yAxis, Double(count))
            let closing = k == data.counts.count - 1 ? "]" : ")"
            let hover = unit ? "\(xAxis.labels[k]): \(count)" : "[\(edgeLabels[k]), \(edgeLabels[k + 1])\(closing): \(count)"
            w.rect(x: x0 + 0.5, y: top, width: x1 - x0 - 1, height: plot.bottom - top, fill: color, cssClass: "bar",
                   title: hover)
        }
        w.close()
        ChartFrame.drawFrame(&w, plot)
        return w.document(description: title)
    }
}
