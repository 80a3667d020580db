import Recommender
import Foundation

/// A bar chart: one bar per labelled category.
///
/// `xLabel` names the categories and `yLabel` the values, whatever the ``orientation``.
/// Vertical bars keep their category labels horizontal when they fit under the bars and
/// rotate them by 45° otherwise (long labels are shortened with "…"; the full label is in
/// the bar's hover text). Horizontal bars suit long labels such as movie titles.
public struct BarChart: Sendable {
    /// Which way the bars grow.
    public enum Orientation: String, Sendable, CaseIterable {
        /// Bars grow upwards; categories along the horizontal axis.
        case vertical
        /// Bars grow to the right; categories down the vertical axis, first on top.
        case horizontal
    }

    /// The title above the chart.
    public var title: String
    /// The label of the category axis.
    public var xLabel: String
    /// The label of the value axis.
    public var yLabel: String
    /// The category names, one per bar.
    public var labels: [String]
    /// The bar values (non-finite values draw no bar).
    public var values: [Double]
    /// Which way the bars grow (default ``Orientation/vertical``).
    public var orientation: Orientation = .vertical
    /// Whether to write each value at the end of its bar.
    public var showsValues = false
    /// The bar colour.
    public var color = ChartPalette.color(0)
    /// Where the value axis starts (default ``ValueAxisStart/automatic``).
    public var valueAxisStart = ValueAxisStart.automatic
    /// An interval per bar drawn as an error bar (e.g. the spread over cross-validation folds);
    /// `nil` entries, or a `nil` array, draw none. See ``init(title:xLabel:yLabel:labels:foldValues:spread:)``.
    public var errorBars: [ClosedRange<Double>?]? = nil
    /// What the error bars show (e.g. "min–max over 5 folds"), added to the value axis label.
    public var errorBarNote: String? = nil

    /// Where the value axis starts.
    public enum ValueAxisStart: String, Sendable, CaseIterable {
        /// At zero: bar lengths are proportional to the values.
        case zero
        /// Near the smallest value: the values are drawn as dots (a dot plot, since a bar's
        /// length would no longer mean anything) and the axis is marked as not starting at 0.
        case data
        /// ``zero`` unless the values differ by less than a quarter of the largest (bars of
        /// 4.34 to 4.49 on a 0–5 axis look equal), then ``data``.
        case automatic
    }

    /// How per-fold values become an error bar.
    public enum FoldSpread: String, Sendable, CaseIterable {
        /// From the smallest to the largest fold value.
        case minMax
        /// The mean ± one (population) standard deviation over the folds.
        case standardDeviation

        func note(folds: Int) -> String {
            switch self {
            case .minMax: return "error bars: min–max over \(folds) folds"
            case .standardDeviation: return "error bars: ± 1 std over \(folds) folds"
            }
        }
    }

    /// Creates a bar chart.
    /// - Parameters:
    ///   - title: The title above the chart.
    ///   - xLabel: What the categories are.
    ///   - yLabel: What the values are.
    ///   - labels: One name per bar.
    ///   - values: One value per bar.
    /// - Precondition: `labels.count == values.count`.
    public init(title: String, xLabel: String, yLabel: String, labels: [String], values: [Double]) {
        precondition(labels.count == values.count, "BarChart: labels and values differ in length")
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.labels = labels
        self.values = values
    }

    /// A bar chart of per-fold results: each bar is the mean of its folds' values, with an error
    /// bar showing their spread (``errorBarNote`` says which). Non-finite fold values are ignored.
    /// - Parameters:
    ///   - title: The title above the chart.
    ///   - xLabel: What the categories are.
    ///   - yLabel: What the values are.
    ///   - labels: One name per bar.
    ///   - foldValues: For each bar, the value of every fold (a bar with one fold has no error bar).
    ///   - spread: Min–max (default) or ± one standard deviation.
    /// - Precondition: `labels.count == foldValues.count`.
    public init(title: String, xLabel: String, yLabel: String, labels: [String], foldValues: [[Double]],
                spread: FoldSpread = .minMax) {
        precondition(labels.count == foldValues.count, "BarChart: labels and fold values differ in length")
        let finite = foldValues.map { $0.filter(\.isFinite) }
        let means = finite.map { $0.isEmpty ? Double.nan : $0.reduce(0, +) / Double($0.count) }
        self.init(title: title, xLabel: xLabel, yLabel: yLabel, labels: labels, values: means)
        errorBars = zip(finite, means).map { folds, mean -> ClosedRange<Double>? in
            guard folds.count > 1, let lo = folds.min(), let hi = folds.max() else { return nil }
            switch spread {
            case .minMax: return lo...hi
            case .standardDeviation:
                let std = (folds.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(folds.count)).squareRoot()
                return (mean - std)...(mean + std)
            }
        }
        let counts = Set(finite.map(\.count).filter { $0 > 1 })
        if counts.count == 1, let folds = counts.first { errorBarNote = spread.note(folds: folds) }
        else if !counts.isEmpty { errorBarNote = spread.note(folds: counts.max()!).replacingOccurrences(of: "over", with: "over up to") }
    }

    /// Whether the value axis starts at zero (bars) rather than near the data (dots).
    public var startsAtZero: Bool {
        switch valueAxisStart {
        case .zero: return true
        case .data: return false
        case .automatic:
            let (lo, hi) = dataRange
            guard lo.isFinite, hi.isFinite, hi > lo else { return true }
            if lo > 0 { return hi - lo >= 0.25 * hi }
            if hi < 0 { return hi - lo >= 0.25 * -lo }
            return true
        }
    }

    /// The smallest and largest of the values and error-bar ends.
    private var dataRange: (Double, Double) {
        var all = values.filter(\.isFinite)
        for r in errorBars ?? [] { if let r, r.lowerBound.isFinite, r.upperBound.isFinite { all += [r.lowerBound, r.upperBound] } }
        return (all.min() ?? .nan, all.max() ?? .nan)
    }

    /// The value axis: from zero, or from a little below the smallest value.
    private func valueAxis(length: Double, fontSize: Double, horizontal: Bool) -> Axis {
        var (lo, hi) = dataRange
        let zero = startsAtZero
        if !zero {
            let pad = hi > lo ? (hi - lo) * 0.08 : max(abs(hi) * 0.05, 1e-9)
            lo -= pad; hi += pad
        }
        if horizontal {
            return Axis.fittedLinear(minimum: lo, maximum: hi, length: length, fontSize: fontSize, includeZero: zero)
        }
        return Axis.linear(minimum: lo, maximum: hi, targetTicks: max(4, Int(length / 50)), includeZero: zero)
    }

    /// The note under the title: where the value axis starts when not at 0, and what the error bars show.
    var subtitle: String? {
        var parts: [String] = []
        if !startsAtZero { parts.append("value axis does not start at 0") }
        if let errorBarNote, errorBars?.contains(where: { $0 != nil }) == true { parts.append(errorBarNote) }
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }

    /// The chart as a standalone SVG document: one `rect` per finite value, with hover text
    /// `"label: value"`.
    /// - Parameters:
    ///   - width: The width in pixels.
    ///   - height: The height in pixels.
    /// - Returns: The SVG markup.
    /// - Complexity: O(labels.count).
    public func svg(width: Int = 640, height: Int = 400) -> String {
        var w = SVGWriter(width: width, height: height)
        ChartFrame.drawTitle(&w, title, subtitle: subtitle)
        let finite = values.filter(\.isFinite)
        guard !labels.isEmpty, !finite.isEmpty else {
            let top = ChartFrame.topMargin(title: title, width: Double(width), subtitle: subtitle)
            let plot = PlotArea(left: 40, top: top, right: Double(width) - 20,
                                bottom: Double(height) - ChartFrame.bottomMargin(xLabel: xLabel))
            ChartFrame.drawNoData(&w, plot)
            return w.document(description: title)
        }
        switch orientation {
        case .vertical: drawVertical(&w)
        case .horizontal: drawHorizontal(&w)
        }
        return w.document(description: title)
    }

    private func valueText(_ v: Double) -> String { shortNumber(v) }

    private func hover(_ k: Int) -> String {
        var text = "\(labels[k]): \(valueText(values[k]))"
        if let bars = errorBars, k < bars.count, let r = bars[k] {
            text += " (\(valueText(r.lowerBound))–\(valueText(r.upperBound)))"
        }
        return text
    }

    private func errorBar(_ k: Int) -> ClosedRange<Double>? {
        guard let bars = errorBars, k < bars.count, let r = bars[k], r.lowerBound.isFinite, r.upperBound.isFinite else { return nil }
        return r
    }

    private func drawVertical(_ w: inout SVGWriter) {
        let width = Double(w.width), height = Double(w.height)
        let size = ChartFrame.tickSize
        let top = ChartFrame.topMargin(title: title, width: width, subtitle: subtitle)
        let xLabelSpace = xLabel.isEmpty ? 0 : ChartFrame.labelSize + 12
        // First pass with a guessed bottom margin, to know the left margin and the bar width.
        var yAxis = valueAxis(length: height - top - 60, fontSize: size, horizontal: false)
        var left = ChartFrame.leftMargin(yAxisLabels: yAxis.labels, yLabel: yLabel)
        let right = width - 18
        let slot = (right - left) / Double(labels.count)
        let widths = labels.map { TextMetrics.width($0, size: size) }
        let horizontalLabels = (widths.max() ?? 0) <= slot - 4
        var shown = labels
        var bottomSpace: Double
        let every: Int
        if horizontalLabels {
            bottomSpace = 10 + size + 8 + xLabelSpace
            every = 1
        } else {
            let cap = min(height * 0.4, 220) - 12 - xLabelSpace
            let maxText = max(cap / 0.7071 - size, 30)
            shown = labels.map { TextMetrics.truncate($0, toWidth: maxText, size: size) }
            let widest = shown.map { TextMetrics.width($0, size: size) }.max() ?? 0
            bottomSpace = 12 + (widest + size) * 0.7071 + xLabelSpace
            every = max(1, Int((size * 1.5 / slot).rounded(.up)))
            // The first rotated label extends to the left of its bar.
            let firstReach = TextMetrics.width(shown[0], size: size) * 0.7071 - slot / 2 + 6
            left = max(left, firstReach)
        }
        let bottom = height - bottomSpace
        yAxis = valueAxis(length: bottom - top, fontSize: size, horizontal: false)
        left = max(left, ChartFrame.leftMargin(yAxisLabels: yAxis.labels, yLabel: yLabel))
        let plot = PlotArea(left: left, top: top, right: right, bottom: bottom)
        let band = plot.width / Double(labels.count)
        ChartFrame.drawYAxis(&w, yAxis, plot, label: yLabel)
        let bars = startsAtZero
        let base = bars ? plot.y(yAxis, 0) : plot.bottom
        w.open(group: "bars")
        for (k, v) in values.enumerated() where v.isFinite {
            let cx = plot.left + (Double(k) + 0.5) * band
            let y = plot.y(yAxis, v)
            if bars {
                w.rect(x: cx - band * 0.4, y: min(y, base), width: band * 0.8, height: abs(base - y), fill: color, cssClass: "bar",
                       title: hover(k))
            } else {
                w.line(x1: cx, y1: plot.bottom, x2: cx, y2: y, stroke: "#c8c8c8", dashed: true, cssClass: "dot-guide")
                w.circle(cx: cx, cy: y, r: min(6, max(3, band * 0.15)), fill: color, cssClass: "dot", title: hover(k))
            }
            if let r = errorBar(k) {
                let y0 = plot.y(yAxis, r.lowerBound), y1 = plot.y(yAxis, r.upperBound), cap = min(band * 0.15, 8)
                w.open(group: "error-bar")
                w.line(x1: cx, y1: y0, x2: cx, y2: y1, stroke: "#222222", strokeWidth: 1.5, cssClass: "error-bar")
                w.line(x1: cx - cap, y1: y0, x2: cx + cap, y2: y0, stroke: "#222222", strokeWidth: 1.5, cssClass: "error-cap")
                w.line(x1: cx - cap, y1: y1, x2: cx + cap, y2: y1, stroke: "#222222", strokeWidth: 1.5, cssClass: "error-cap")
                w.close()
            }
            if showsValues {
                let above = min(y, base, errorBar(k).map { plot.y(yAxis, $0.upperBound) } ?? y)
                w.text(valueText(v), x: errorBar(k) == nil ? cx : cx + 10, y: errorBar(k) == nil ? above - 4 : y - 4, size: 10,
                       anchor: errorBar(k) == nil ? .middle : .start, fill: "#333333", cssClass: "bar-value")
            }
        }
        w.close()
        w.open(group: "x-axis")
        for k in labels.indices {
            let cx = plot.left + (Double(k) + 0.5) * band
            w.line(x1: cx, y1: plot.bottom, x2: cx, y2: plot.bottom + 4, stroke: ChartFrame.axisColor, cssClass: "tick")
            guard k % every == 0 else { continue }
            if horizontalLabels {
                w.text(shown[k], x: cx, y: plot.bottom + 8 + size, size: size, anchor: .middle, cssClass: "tick-label")
            } else {
                w.text(shown[k], x: cx + size * 0.3, y: plot.bottom + 10, size: size, anchor: .end, rotate: -45,
                       cssClass: "tick-label", title: shown[k] == labels[k] ? nil : labels[k])
            }
        }
        if !xLabel.isEmpty {
            w.text(TextMetrics.truncate(xLabel, toWidth: plot.width, size: ChartFrame.labelSize),
                   x: (plot.left + plot.right) / 2, y: height - 10, size: ChartFrame.labelSize, anchor: .middle,
                   cssClass: "axis-label")
        }
        w.close()
        w.line(x1: plot.left, y1: base, x2: plot.right, y2: base, stroke: ChartFrame.axisColor, cssClass: "axis")
        w.line(x1: plot.left, y1: plot.top, x2: plot.left, y2: plot.bottom, stroke: ChartFrame.axisColor, cssClass: "axis")
        if !bars { ChartFrame.drawAxisBreak(&w, x: plot.left, y: plot.bottom - 6, vertical: true) }
    }

    private func drawHorizontal(_ w: inout SVGWriter) {
        let width = Double(w.width), height = Double(w.height)
        let size = ChartFrame.tickSize
        let top = ChartFrame.topMargin(title: title, width: width, subtitle: subtitle)
        let bottom = height - ChartFrame.bottomMargin(xLabel: yLabel)
        let categoryLabelSpace = xLabel.isEmpty ? 0 : ChartFrame.labelSize + 10
        let maxText = width * 0.42
        let band0 = (bottom - top) / Double(labels.count)
        // Labels wrap onto two lines when the bars are tall enough, else they are shortened.
        let lineCount = band0 >= 2 * size + 1 ? 2 : 1
        let shown = labels.map { TextMetrics.wrap($0, toWidth: maxText, size: size, maxLines: lineCount) }
        let widest = shown.flatMap { $0 }.map { TextMetrics.width($0, size: size) }.max() ?? 0
        let left = 10 + categoryLabelSpace + widest + 8
        let valueSpace = showsValues ? TextMetrics.width(valueText(values.filter(\.isFinite).max() ?? 0), size: 10) + 8 : 0
        let right = width - 18 - valueSpace
        let plotWidth = max(right, left + 10) - left
        let xAxis = valueAxis(length: plotWidth, fontSize: size, horizontal: true)
        let plot = PlotArea(left: left, top: top, right: left + plotWidth, bottom: bottom)
        let band = plot.height / Double(labels.count)
        let every = max(1, Int(((size + 1) / band).rounded(.up)))
        ChartFrame.drawXAxis(&w, xAxis, plot, label: yLabel)
        let bars = startsAtZero
        let base = bars ? plot.x(xAxis, 0) : plot.left
        w.open(group: "bars")
        for (k, v) in values.enumerated() where v.isFinite {
            let cy = plot.top + (Double(k) + 0.5) * band
            let x = plot.x(xAxis, v)
            if bars {
                w.rect(x: min(x, base), y: cy - band * 0.4, width: abs(x - base), height: band * 0.8, fill: color, cssClass: "bar",
                       title: hover(k))
            } else {
                w.line(x1: plot.left, y1: cy, x2: x, y2: cy, stroke: "#c8c8c8", dashed: true, cssClass: "dot-guide")
                w.circle(cx: x, cy: cy, r: min(6, max(3, band * 0.2)), fill: color, cssClass: "dot", title: hover(k))
            }
            var end = max(x, base)
            if let r = errorBar(k) {
                let x0 = plot.x(xAxis, r.lowerBound), x1 = plot.x(xAxis, r.upperBound), cap = min(band * 0.2, 8)
                w.open(group: "error-bar")
                w.line(x1: x0, y1: cy, x2: x1, y2: cy, stroke: "#222222", strokeWidth: 1.5, cssClass: "error-bar")
                w.line(x1: x0, y1: cy - cap, x2: x0, y2: cy + cap, stroke: "#222222", strokeWidth: 1.5, cssClass: "error-cap")
                w.line(x1: x1, y1: cy - cap, x2: x1, y2: cy + cap, stroke: "#222222", strokeWidth: 1.5, cssClass: "error-cap")
                w.close()
                end = max(end, x1)
            }
            if !bars { end = max(end, x + 6) }
            if showsValues {
                w.text(valueText(v), x: end + 4, y: cy + 3.5, size: 10, fill: "#333333", cssClass: "bar-value")
            }
        }
        w.close()
        w.open(group: "y-axis")
        for k in labels.indices {
            let cy = plot.top + (Double(k) + 0.5) * band
            w.line(x1: plot.left - 4, y1: cy, x2: plot.left, y2: cy, stroke: ChartFrame.axisColor, cssClass: "tick")
            guard k % every == 0 else { continue }
            let lines = shown[k]
            let abbreviated = lines.joined(separator: " ") != labels[k]
            for (n, line) in lines.enumerated() {
                let y = cy + size * 0.35 + (Double(n) - Double(lines.count - 1) / 2) * (size + 1)
                w.text(line, x: plot.left - 7, y: y, size: size, anchor: .end, cssClass: "tick-label",
                       title: abbreviated || lines.count > 1 ? labels[k] : nil)
            }
        }
        if !xLabel.isEmpty {
            w.text(TextMetrics.truncate(xLabel, toWidth: plot.height, size: ChartFrame.labelSize),
                   x: 10 + ChartFrame.labelSize * 0.8, y: (plot.top + plot.bottom) / 2, size: ChartFrame.labelSize,
                   anchor: .middle, rotate: -90, cssClass: "axis-label")
        }
        w.close()
        w.line(x1: base, y1: plot.top, x2: base, y2: plot.bottom, stroke: ChartFrame.axisColor, cssClass: "axis")
        w.line(x1: plot.left, y1: plot.bottom, x2: plot.right, y2: plot.bottom, stroke: ChartFrame.axisColor, cssClass: "axis")
        if !bars { ChartFrame.drawAxisBreak(&w, x: plot.left + 6, y: plot.bottom, vertical: false) }
    }
}
