import Recommender
import Foundation

/// The rectangle, in SVG user units, inside which the data is drawn.
struct PlotArea {
    var left: Double
    var top: Double
    var right: Double
    var bottom: Double
    var width: Double { right - left }
    var height: Double { bottom - top }

    func x(_ axis: Axis, _ value: Double) -> Double { left + axis.fraction(value) * width }
    func y(_ axis: Axis, _ value: Double) -> Double { bottom - axis.fraction(value) * height }
}

/// One legend entry: a name and how its mark looks.
struct LegendEntry {
    enum Swatch { case line(dashed: Bool), box, dot }
    var name: String
    var color: String
    var swatch: Swatch
}

/// The parts every chart shares: title, axes with ticks and grid lines, axis labels, legend,
/// and the "no data" note. Internal to the chart types.
enum ChartFrame {
    static let titleSize = 15.0
    static let labelSize = 12.0
    static let tickSize = 11.0
    static let legendSize = 11.0
    static let axisColor = "#444444"
    static let gridColor = "#e6e6e6"
    static let legendRowHeight = 18.0

    /// The space above the plot: room for the title's one or two lines (see ``titleLines(_:width:)``).
    static func topMargin(title: String, width: Double, subtitle: String? = nil) -> Double {
        let base: Double = title.isEmpty ? 16 : titleLines(title, width: width).count > 1 ? 58 : 40
        guard let subtitle, !subtitle.isEmpty else { return base }
        return base + (title.isEmpty ? 8 : 0) + subtitleSize + 8
    }

    static let subtitleSize = 11.0

    /// The title as drawn in a chart `width` wide: one line when it fits, else wrapped at spaces
    /// into two, the second shortened with "…" when even two lines are too short (the full title
    /// is then in the line's hover text).
    static func titleLines(_ title: String, width: Double) -> [String] {
        TextMetrics.wrap(title, toWidth: width - 24, size: titleSize, bold: true, maxLines: 2)
    }

    static func bottomMargin(xLabel: String) -> Double { 10 + tickSize + 8 + (xLabel.isEmpty ? 0 : labelSize + 10) }

    static func leftMargin(yAxisLabels: [String], yLabel: String) -> Double {
        let widest = yAxisLabels.map { TextMetrics.width($0, size: tickSize) }.max() ?? 0
        return 10 + (yLabel.isEmpty ? 0 : labelSize + 10) + widest + 8
    }

    /// The title, and under it a one-line note in grey (shortened with "…" and a tooltip when too long).
    static func drawTitle(_ w: inout SVGWriter, _ title: String, subtitle: String? = nil) {
        if let subtitle, !subtitle.isEmpty {
            let y = topMargin(title: title, width: Double(w.width)) + subtitleSize - 4
            let shown = TextMetrics.truncate(subtitle, toWidth: Double(w.width) - 24, size: subtitleSize)
            w.text(shown, x: Double(w.width) / 2, y: y, size: subtitleSize, anchor: .middle, fill: "#555555",
                   cssClass: "chart-subtitle", title: shown == subtitle ? nil : subtitle)
        }
        guard !title.isEmpty else { return }
        let lines = titleLines(title, width: Double(w.width))
        let abbreviated = lines.joined(separator: " ") != title
        for (k, line) in lines.enumerated() {
            w.text(line, x: Double(w.width) / 2, y: 26 + Double(k) * (titleSize + 3), size: titleSize, anchor: .middle,
                   bold: true, cssClass: "chart-title", title: abbreviated ? title : nil)
        }
    }

    static func drawFrame(_ w: inout SVGWriter, _ plot: PlotArea) {
        w.line(x1: plot.left, y1: plot.bottom, x2: plot.right, y2: plot.bottom, stroke: axisColor, cssClass: "axis")
        w.line(x1: plot.left, y1: plot.top, x2: plot.left, y2: plot.bottom, stroke: axisColor, cssClass: "axis")
    }

    /// The vertical axis at the left of `plot`: ticks, labels, horizontal grid lines, rotated label.
    static func drawYAxis(_ w: inout SVGWriter, _ axis: Axis, _ plot: PlotArea, label: String, grid: Bool = true) {
        w.open(group: "y-axis")
        var lastY = Double.infinity
        for (tick, text) in zip(axis.ticks, axis.labels) {
            let y = plot.y(axis, tick)
            guard y >= plot.top - 0.5 && y <= plot.bottom + 0.5 else { continue }
            if grid && abs(y - plot.bottom) > 0.5 {
                w.line(x1: plot.left, y1: y, x2: plot.right, y2: y, stroke: gridColor, cssClass: "grid")
            }
            w.line(x1: plot.left - 4, y1: y, x2: plot.left, y2: y, stroke: axisColor, cssClass: "tick")
            if lastY - y >= tickSize + 2 {
                w.text(text, x: plot.left - 7, y: y + tickSize * 0.35, size: tickSize, anchor: .end, cssClass: "tick-label")
                lastY = y
            }
        }
        if !label.isEmpty {
            let x = 10 + labelSize * 0.8
            let yMid = (plot.top + plot.bottom) / 2
            let shown = TextMetrics.truncate(label, toWidth: plot.height, size: labelSize)
            w.text(shown, x: x, y: yMid, size: labelSize, anchor: .middle, rotate: -90, cssClass: "axis-label")
        }
        w.close()
    }

    /// The horizontal axis under `plot`: ticks, labels that never overlap, vertical grid lines, label.
    static func drawXAxis(_ w: inout SVGWriter, _ axis: Axis, _ plot: PlotArea, label: String, grid: Bool = true) {
        w.open(group: "x-axis")
        let positions = axis.ticks.map { plot.x(axis, $0) }
        let widths = axis.labels.map { TextMetrics.width($0, size: tickSize) }
        var every = 1
        if !axis.isLog && positions.count > 1 {
            let spacing = zip(positions.dropFirst(), positions).map { $0 - $1 }.min() ?? plot.width
            every = Axis.labelStride(count: positions.count, spacing: spacing, widest: widths.max() ?? 0)
        }
        var lastRight = -Double.infinity
        let labelY = plot.bottom + 8 + tickSize
        for (k, x) in positions.enumerated() {
            guard x >= plot.left - 0.5 && x <= plot.right + 0.5 else { continue }
            if grid && abs(x - plot.left) > 0.5 {
                w.line(x1: x, y1: plot.top, x2: x, y2: plot.bottom, stroke: gridColor, cssClass: "grid")
            }
            w.line(x1: x, y1: plot.bottom, x2: x, y2: plot.bottom + 4, stroke: axisColor, cssClass: "tick")
            guard k % every == 0 else { continue }
            var anchor = SVGWriter.Anchor.middle
            var left = x - widths[k] / 2, right = x + widths[k] / 2
            if right > Double(w.width) - 2 { anchor = .end; left = x - widths[k]; right = x }
            if left < 2 { anchor = .start; left = x; right = x + widths[k] }
            if left >= lastRight + 6 {
                w.text(axis.labels[k], x: x, y: labelY, size: tickSize, anchor: anchor, cssClass: "tick-label")
                lastRight = right
            }
        }
        if !label.isEmpty {
            let shown = TextMetrics.truncate(label, toWidth: plot.width, size: labelSize)
            w.text(shown, x: (plot.left + plot.right) / 2, y: labelY + labelSize + 10, size: labelSize,
                   anchor: .middle, cssClass: "axis-label")
        }
        w.close()
    }

    /// A zig-zag across an axis line at (x, y), marking that the axis does not start at zero.
    static func drawAxisBreak(_ w: inout SVGWriter, x: Double, y: Double, vertical: Bool) {
        w.open(group: "axis-break")
        if vertical {
            w.rect(x: x - 6, y: y - 4, width: 12, height: 8, fill: "#ffffff")
            w.polyline([(x - 6, y + 1), (x + 6, y - 3)], stroke: axisColor, strokeWidth: 1.2)
            w.polyline([(x - 6, y + 4), (x + 6, y)], stroke: axisColor, strokeWidth: 1.2)
        } else {
            w.rect(x: x - 4, y: y - 6, width: 8, height: 12, fill: "#ffffff")
            w.polyline([(x - 4, y + 6), (x, y - 6)], stroke: axisColor, strokeWidth: 1.2)
            w.polyline([(x, y + 6), (x + 4, y - 6)], stroke: axisColor, strokeWidth: 1.2)
        }
        w.close()
    }

    static func drawNoData(_ w: inout SVGWriter, _ plot: PlotArea) {
        w.rect(x: plot.left, y: plot.top, width: plot.width, height: plot.height, fill: "#fafafa",
               stroke: gridColor, cssClass: "empty-plot")
        w.text("No data", x: (plot.left + plot.right) / 2, y: (plot.top + plot.bottom) / 2, size: 14,
               anchor: .middle, fill: "#888888", cssClass: "no-data")
    }

    /// The space a legend needs at the right of the plot: its width, columns and the names as shown.
    static func legendLayout(_ entries: [LegendEntry], plotHeight: Double, chartWidth: Double)
        -> (width: Double, columns: Int, rows: Int, names: [String]) {
        guard !entries.isEmpty else { return (0, 0, 0, []) }
        let rows = max(1, min(entries.count, Int(plotHeight / legendRowHeight)))
        let columns = (entries.count + rows - 1) / rows
        let maxTotal = chartWidth * (chartWidth < 500 ? 0.3 : 0.4)
        let textBudget = min(170, maxTotal / Double(columns) - 30)
        let names = entries.map { TextMetrics.truncate($0.name, toWidth: max(textBudget, 24), size: legendSize) }
        let widest = names.map { TextMetrics.width($0, size: legendSize) }.max() ?? 0
        let width = Double(columns) * (widest + 30) + 8
        return (width, columns, rows, names)
    }

    static func drawLegend(_ w: inout SVGWriter, _ entries: [LegendEntry], names: [String], rows: Int,
                           columnWidth: Double, x: Double, y: Double) {
        w.open(group: "legend")
        for (k, entry) in entries.enumerated() {
            let column = k / rows, row = k % rows
            let ex = x + Double(column) * columnWidth
            let ey = y + Double(row) * legendRowHeight
            w.open(group: "legend-entry")
            switch entry.swatch {
            case .line(let dashed):
                w.line(x1: ex, y1: ey + 6, x2: ex + 20, y2: ey + 6, stroke: entry.color, strokeWidth: 2.5, dashed: dashed)
            case .box:
                w.rect(x: ex + 4, y: ey, width: 12, height: 12, fill: entry.color)
            case .dot:
                w.circle(cx: ex + 10, cy: ey + 6, r: 5, fill: entry.color)
            }
            w.text(names[k], x: ex + 26, y: ey + 6 + legendSize * 0.36, size: legendSize, cssClass: "legend-label",
                   title: names[k] == entry.name ? nil : entry.name)
            w.close()
        }
        w.close()
    }
}

/// Layout of a chart with two numeric axes and an optional legend on the right (line, scatter).
struct NumericChartLayout {
    var plot: PlotArea
    var xAxis: Axis
    var yAxis: Axis
    var legendNames: [String]
    var legendRows: Int
    var legendColumnWidth: Double

    init(width: Int, height: Int, title: String, xLabel: String, yLabel: String, legend: [LegendEntry],
         xRange: (Double, Double), yRange: (Double, Double), logX: Bool, logY: Bool,
         includeZeroY: Bool = false, wholeStepsY: Bool = false) {
        let w = Double(width), h = Double(height)
        let top = ChartFrame.topMargin(title: title, width: w)
        let bottom = h - ChartFrame.bottomMargin(xLabel: xLabel)
        let plotHeight = max(bottom - top, 10)
        let y = logY ? Axis.logarithmic(minimum: yRange.0, maximum: yRange.1, maxTicks: max(2, Int(plotHeight / 30)))
                     : Axis.linear(minimum: yRange.0, maximum: yRange.1, targetTicks: max(4, Int(plotHeight / 50)),
                                   includeZero: includeZeroY, wholeSteps: wholeStepsY)
        let left = ChartFrame.leftMargin(yAxisLabels: y.labels, yLabel: yLabel)
        let layout = ChartFrame.legendLayout(legend, plotHeight: plotHeight, chartWidth: w)
        let right = w - 18 - layout.width
        let plotWidth = max(right - left, 10)
        let x = logX ? Axis.logarithmic(minimum: xRange.0, maximum: xRange.1, maxTicks: max(2, Int(plotWidth / 40)))
                     : Axis.fittedLinear(minimum: xRange.0, maximum: xRange.1, length: plotWidth, fontSize: ChartFrame.tickSize)
        plot = PlotArea(left: left, top: top, right: left + plotWidth, bottom: top + plotHeight)
        xAxis = x
        yAxis = y
        legendNames = layout.names
        legendRows = layout.rows
        legendColumnWidth = layout.columns > 0 ? (layout.width - 8) / Double(layout.columns) : 0
    }

    func drawLegend(_ w: inout SVGWriter, _ entries: [LegendEntry]) {
        guard !entries.isEmpty else { return }
        ChartFrame.drawLegend(&w, entries, names: legendNames, rows: legendRows, columnWidth: legendColumnWidth,
                              x: plot.right + 16, y: plot.top + 2)
    }

    /// Lays out a chart of points with coordinates `xs` × `ys` (the drawable ones) and draws its
    /// title, then the axes and the frame (the start of ``LineChart`` and ``ScatterChart``).
    /// - Returns: the layout; `nil` when there is no point, after drawing the "No data" note
    ///   (the chart is then complete).
    static func drawAxes(_ w: inout SVGWriter, width: Int, height: Int, title: String, xLabel: String, yLabel: String,
                         legend: [LegendEntry], xs: [Double], ys: [Double], logX: Bool, logY: Bool) -> NumericChartLayout? {
        let layout = NumericChartLayout(width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel,
                                        legend: legend, xRange: (xs.min() ?? 0, xs.max() ?? 1),
                                        yRange: (ys.min() ?? 0, ys.max() ?? 1), logX: logX, logY: logY)
        ChartFrame.drawTitle(&w, title)
        guard !xs.isEmpty else {
            ChartFrame.drawNoData(&w, layout.plot)
            return nil
        }
        ChartFrame.drawYAxis(&w, layout.yAxis, layout.plot, label: yLabel)
        ChartFrame.drawXAxis(&w, layout.xAxis, layout.plot, label: xLabel)
        ChartFrame.drawFrame(&w, layout.plot)
        return layout
    }
}
