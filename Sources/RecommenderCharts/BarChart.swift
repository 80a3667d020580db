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

    /// The chart as a standalone SVG document: one `rect` per finite value, with hover text
    /// `"label: value"`.
    /// - Parameters:
    ///   - width: The width in pixels.
    ///   - height: The height in pixels.
    /// - Returns: The SVG markup.
    /// - Complexity: O(labels.count).
    public func svg(width: Int = 640, height: Int = 400) -> String {
        var w = SVGWriter(width: width, height: height)
        ChartFrame.drawTitle(&w, title)
        let finite = values.filter(\.isFinite)
        guard !labels.isEmpty, !finite.isEmpty else {
            let top = ChartFrame.topMargin(title: title)
            let plot = PlotArea(left: 40, top: top, right: Double(width) - 20,
                                bottom: Double(height) - ChartFrame.bottomMargin(xLabel: xLabel))
            ChartFrame.drawNoData(&w, plot)
            return w.document(description: title)
        }
        let range = (finite.min()!, finite.max()!)
        switch orientation {
        case .vertical: drawVertical(&w, range: range)
        case .horizontal: drawHorizontal(&w, range: range)
        }
        return w.document(description: title)
    }

    private func valueText(_ v: Double) -> String { shortNumber(v) }

    private func drawVertical(_ w: inout SVGWriter, range: (Double, Double)) {
        let width = Double(w.width), height = Double(w.height)
        let size = ChartFrame.tickSize
        let top = ChartFrame.topMargin(title: title)
        let xLabelSpace = xLabel.isEmpty ? 0 : ChartFrame.labelSize + 12
        // First pass with a guessed bottom margin, to know the left margin and the bar width.
        func valueAxis(plotHeight: Double) -> Axis {
            Axis.linear(minimum: range.0, maximum: range.1, targetTicks: max(4, Int(plotHeight / 50)), includeZero: true)
        }
        var yAxis = valueAxis(plotHeight: height - top - 60)
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
        yAxis = valueAxis(plotHeight: bottom - top)
        left = max(left, ChartFrame.leftMargin(yAxisLabels: yAxis.labels, yLabel: yLabel))
        let plot = PlotArea(left: left, top: top, right: right, bottom: bottom)
        let band = plot.width / Double(labels.count)
        ChartFrame.drawYAxis(&w, yAxis, plot, label: yLabel)
        let zero = plot.y(yAxis, 0)
        w.open(group: "bars")
        for (k, v) in values.enumerated() where v.isFinite {
            let x = plot.left + Double(k) * band + band * 0.1
            let y = plot.y(yAxis, v)
            w.rect(x: x, y: min(y, zero), width: band * 0.8, height: abs(zero - y), fill: color, cssClass: "bar",
                   title: "\(labels[k]): \(valueText(v))")
            if showsValues {
                w.text(valueText(v), x: x + band * 0.4, y: min(y, zero) - 4, size: 10, anchor: .middle,
                       fill: "#333333", cssClass: "bar-value")
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
        w.line(x1: plot.left, y1: zero, x2: plot.right, y2: zero, stroke: ChartFrame.axisColor, cssClass: "axis")
        w.line(x1: plot.left, y1: plot.top, x2: plot.left, y2: plot.bottom, stroke: ChartFrame.axisColor, cssClass: "axis")
    }

    private func drawHorizontal(_ w: inout SVGWriter, range: (Double, Double)) {
        let width = Double(w.width), height = Double(w.height)
        let size = ChartFrame.tickSize
        let top = ChartFrame.topMargin(title: title)
        let bottom = height - ChartFrame.bottomMargin(xLabel: yLabel)
        let categoryLabelSpace = xLabel.isEmpty ? 0 : ChartFrame.labelSize + 10
        let maxText = width * 0.42
        let shown = labels.map { TextMetrics.truncate($0, toWidth: maxText, size: size) }
        let widest = shown.map { TextMetrics.width($0, size: size) }.max() ?? 0
        let left = 10 + categoryLabelSpace + widest + 8
        let valueSpace = showsValues ? TextMetrics.width(valueText(range.1), size: 10) + 8 : 0
        let right = width - 18 - valueSpace
        let plot = PlotArea(left: left, top: top, right: max(right, left + 10), bottom: bottom)
        let xAxis = Axis.fittedLinear(minimum: range.0, maximum: range.1, length: plot.width,
                                      fontSize: size, includeZero: true)
        let band = plot.height / Double(labels.count)
        let every = max(1, Int(((size + 1) / band).rounded(.up)))
        ChartFrame.drawXAxis(&w, xAxis, plot, label: yLabel)
        let zero = plot.x(xAxis, 0)
        w.open(group: "bars")
        for (k, v) in values.enumerated() where v.isFinite {
            let y = plot.top + Double(k) * band + band * 0.1
            let x = plot.x(xAxis, v)
            w.rect(x: min(x, zero), y: y, width: abs(x - zero), height: band * 0.8, fill: color, cssClass: "bar",
                   title: "\(labels[k]): \(valueText(v))")
            if showsValues {
                w.text(valueText(v), x: max(x, zero) + 4, y: y + band * 0.4 + 3.5, size: 10, fill: "#333333",
                       cssClass: "bar-value")
            }
        }
        w.close()
        w.open(group: "y-axis")
        for k in labels.indices {
            let cy = plot.top + (Double(k) + 0.5) * band
            w.line(x1: plot.left - 4, y1: cy, x2: plot.left, y2: cy, stroke: ChartFrame.axisColor, cssClass: "tick")
            guard k % every == 0 else { continue }
            w.text(shown[k], x: plot.left - 7, y: cy + size * 0.35, size: size, anchor: .end, cssClass: "tick-label",
                   title: shown[k] == labels[k] ? nil : labels[k])
        }
        if !xLabel.isEmpty {
            w.text(TextMetrics.truncate(xLabel, toWidth: plot.height, size: ChartFrame.labelSize),
                   x: 10 + ChartFrame.labelSize * 0.8, y: (plot.top + plot.bottom) / 2, size: ChartFrame.labelSize,
                   anchor: .middle, rotate: -90, cssClass: "axis-label")
        }
        w.close()
        w.line(x1: zero, y1: plot.top, x2: zero, y2: plot.bottom, stroke: ChartFrame.axisColor, cssClass: "axis")
        w.line(x1: plot.left, y1: plot.bottom, x2: plot.right, y2: plot.bottom, stroke: ChartFrame.axisColor, cssClass: "axis")
    }
}
