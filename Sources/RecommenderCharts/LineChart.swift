import Recommender
import Foundation
/// One named line of a ``LineChart``: points joined in the given order.
public struct ChartSeries: Sendable {
    /// The name shown in the legend.
    public var name: String
    /// The points, joined in this order. Non-finite coordinates break the line (a gap).
    public var points: [(x: Double, y: Double)]
    /// A CSS colour; `nil` takes the next colour of ``ChartPalette``.
    public var color: String?
    /// Whether the line is dashed (e.g. training curves beside solid test curves).
    public var dashed: Bool

    /// Creates a series.
    /// - Parameters:
    ///   - name: The legend name.
    ///   - points: The points, in drawing order.
    public init(name: String, points: [(x: Double, y: Double)]) {
        self.name = name
        self.points = points
        self.color = nil
        self.dashed = false
    }

    /// Creates a series from parallel x and y values.
    /// - Precondition: `x.count == y.count`.
    public init(name: String, x: [Double], y: [Double], color: String? = nil, dashed: Bool = false) {
        precondition(x.count == y.count, "ChartSeries: x and y differ in length")
        self.name = name
        self.points = zip(x, y).map { (x: $0, y: $1) }
        self.color = color
        self.dashed = dashed
    }
}

/// A line chart: several series over shared numeric axes, with a legend, "nice" ticks,
/// axis labels and a title. Optional logarithmic axes.
///
/// ```swift
/// let chart = LineChart(title: "Training", xLabel: "epoch", yLabel: "RMSE",
///                       series: [ChartSeries(name: "train", points: [(1, 1.1), (2, 0.95)])])
/// try chart.svg().write(toFile: "rmse.svg", atomically: true, encoding: .utf8)
/// ```
public struct LineChart: Sendable {
    /// The title above the chart.
    public var title: String
    /// The label under the horizontal axis.
    public var xLabel: String
    /// The label beside the vertical axis.
    public var yLabel: String
    /// The lines to draw.
    public var series: [ChartSeries]
    /// Whether the horizontal axis is logarithmic (non-positive x values are then skipped).
    public var logX = false
    /// Whether the vertical axis is logarithmic (non-positive y values are then skipped).
    public var logY = false
    /// Whether to draw a dot on every point; `nil` draws them when each series has at most 30 points.
    public var showsMarkers: Bool? = nil
    /// Whether to show the legend; `nil` shows it when there is more than one series or the only one is named.
    public var showsLegend: Bool? = nil
    /// Fits the vertical axis to the points past this share of the horizontal range, e.g. 0.05
    /// for training curves whose first iterations dwarf the rest. Earlier points off that scale
    /// are clipped at the plot's edge; the clipped stretch is shaded and labelled with how far
    /// it goes. `nil` (the default) fits every point.
    public var yRangeSkipsFirst: Double? = nil

    /// Creates a line chart.
    /// - Parameters:
    ///   - title: The title above the chart.
    ///   - xLabel: The horizontal axis label.
    ///   - yLabel: The vertical axis label.
    ///   - series: The lines.
    public init(title: String, xLabel: String, yLabel: String, series: [ChartSeries]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    /// The chart as a standalone SVG document.
    ///
    /// Non-finite points (and non-positive ones on a log axis) are skipped and break their
    /// line; a chart with no drawable point shows a "No data" note.
    /// - Parameters:
    ///   - width: The width in pixels.
    ///   - height: The height in pixels.
    /// - Returns: The SVG markup (UTF-8 text, `xmlns` and `viewBox` set).
    /// - Complexity: O(total number of points).
    public func svg(width: Int = 640, height: Int = 400) -> String {
        var w = SVGWriter(width: width, height: height)
        let colors = series.enumerated().map { $0.element.color ?? ChartPalette.color($0.offset) }
        // Segments of consecutive drawable points, per series.
        let segments: [[[(Double, Double)]]] = series.map { s in
            var result: [[(Double, Double)]] = [[]]
            for p in s.points {
                if isDrawable(p.x, log: logX) && isDrawable(p.y, log: logY) {
                    result[result.count - 1].append((p.x, p.y))
                } else if !(result.last?.isEmpty ?? true) {
                    result.append([])
                }
            }
            return result.filter { !$0.isEmpty }
        }
        let all = segments.flatMap { $0.flatMap { $0 } }
        let legendShown = showsLegend ?? (series.count > 1 || (series.count == 1 && !series[0].name.isEmpty))
        let entries = legendShown ? series.enumerated().map {
            LegendEntry(name: $0.element.name, color: colors[$0.offset], swatch: .line(dashed: $0.element.dashed))
        } : []
        let xs = all.map(\.0)
        var ys = all.map(\.1)
        if let share = yRangeSkipsFirst, share > 0, let lo = xs.min(), let hi = xs.max(), hi > lo {
            let cut = logX ? pow(10, log10(lo) + share * (log10(hi) - log10(lo))) : lo + share * (hi - lo)
            let later = all.filter { $0.0 >= cut }.map(\.1)
            if !later.isEmpty { ys = later }
        }
        guard let layout = NumericChartLayout.drawAxes(&w, width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel,
                                                       legend: entries, xs: xs, ys: ys, logX: logX, logY: logY) else {
            return w.document(description: title)   // no drawable point: "No data"
        }
        let plot = layout.plot
        let markers = showsMarkers ?? series.allSatisfy { $0.points.count <= 30 }
        // Points off the vertical scale (only when yRangeSkipsFirst narrowed it): the largest x
        // among them and the most extreme value, for the shaded note.
        let offScale = all.filter { !(layout.yAxis.lower...layout.yAxis.upper).contains($0.1) }
        if let lastX = offScale.map(\.0).max() {
            let right = plot.x(layout.xAxis, lastX)
            let high = offScale.map(\.1).max()!, low = offScale.map(\.1).min()!
            let note = high > layout.yAxis.upper ? "start off scale, up to \(shortNumber(high))"
                                                  : "start off scale, down to \(shortNumber(low))"
            w.open(group: "clipped-start")
            w.rect(x: plot.left, y: plot.top, width: max(right - plot.left, 2), height: plot.height, fill: "#f2f2f2",
                   cssClass: "clipped-band", title: note)
            w.text((high > layout.yAxis.upper ? "↑ " : "↓ ") + note, x: plot.left + 6,
                   y: high > layout.yAxis.upper ? plot.top + 14 : plot.bottom - 6, size: 10, fill: "#666666",
                   cssClass: "clipped-note")
            w.close()
        }
        for (k, s) in series.enumerated() {
            w.open(group: "series")
            for segment in segments[k] {
                let points = segment.map { (plot.x(layout.xAxis, $0.0), plot.y(layout.yAxis, $0.1)) }
                for piece in Self.clip(points, top: plot.top, bottom: plot.bottom) where piece.count > 1 {
                    w.polyline(piece, stroke: colors[k], strokeWidth: 2, dashed: s.dashed, cssClass: "series-line", title: s.name)
                }
                if markers || points.count == 1 {
                    for (p, (px, py)) in zip(segment, points) where py >= plot.top - 0.5 && py <= plot.bottom + 0.5 {
                        w.circle(cx: px, cy: py, r: 3, fill: colors[k], cssClass: "marker",
                                 title: "\(s.name.isEmpty ? "" : s.name + ": ")(\(shortNumber(p.0)), \(shortNumber(p.1)))")
                    }
                }
            }
            w.close()
        }
        layout.drawLegend(&w, entries)
        return w.document(description: title)
    }
}

extension LineChart {
    /// The parts of a polyline (in SVG coordinates) between `top` and `bottom`, cut where it
    /// crosses them.
    static func clip(_ points: [(Double, Double)], top: Double, bottom: Double) -> [[(Double, Double)]] {
        func inside(_ p: (Double, Double)) -> Bool { p.1 >= top - 1e-9 && p.1 <= bottom + 1e-9 }
        func crossing(_ a: (Double, Double), _ b: (Double, Double), _ y: Double) -> (Double, Double) {
            let t = (y - a.1) / (b.1 - a.1)
            return (a.0 + t * (b.0 - a.0), y)
        }
        var pieces: [[(Double, Double)]] = []
        var current: [(Double, Double)] = []
        for (k, p) in points.enumerated() {
            if k > 0 {
                let a = points[k - 1]
                // The stretch from a to p inside [top, bottom], if any.
                var enter = a, leave = p
                var visible = true
                for (edge, isTop) in [(top, true), (bottom, false)] {
                    let aOut = isTop ? enter.1 < edge : enter.1 > edge
                    let pOut = isTop ? leave.1 < edge : leave.1 > edge
                    if aOut && pOut { visible = false; break }
                    if aOut { enter = crossing(enter, leave, edge) }
                    if pOut { leave = crossing(enter, leave, edge) }
                }
                if visible {
                    // A non-empty piece ends at a, which is inside, so enter == a.
                    if current.isEmpty { current.append(enter) }
                    current.append(leave)
                    if !inside(p) { pieces.append(current); current = [] }
                }
            } else if inside(p) {
                current = [p]
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }
}

/// A value for hover text: up to 4 significant decimals, no trailing zeros.
func shortNumber(_ v: Double) -> String {
    if v == v.rounded() && abs(v) < 1e15 { return String(Int(v)) }
    var s = String(format: "%.4g", v)
    if s.contains(".") && !s.contains("e") {
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
    }
    return s
}
