import Recommender
/// One point of a ``ScatterChart``.
public struct ScatterPoint: Sendable {
    /// The horizontal coordinate.
    public var x: Double
    /// The vertical coordinate.
    public var y: Double
    /// The category that picks the point's colour (and its legend entry); `nil` for none.
    public var category: String?
    /// Hover text shown by browsers (an SVG `<title>`), e.g. a movie title.
    public var label: String?

    /// Creates a point.
    /// - Parameters:
    ///   - x: The horizontal coordinate.
    ///   - y: The vertical coordinate.
    ///   - category: The colour category, if any.
    ///   - label: The hover text, if any.
    public init(x: Double, y: Double, category: String? = nil, label: String? = nil) {
        self.x = x
        self.y = y
        self.category = category
        self.label = label
    }
}

/// A scatter plot whose points are coloured by category, with a legend of the categories,
/// optional hover labels and optional logarithmic axes.
///
/// At most ``maxColors`` categories get a colour of ``ChartPalette/distinct`` (more cannot be
/// told apart): the largest ones, or the ``highlighted`` ones when given. The others are drawn
/// in grey, underneath, as one legend entry "other". The legend gives each entry's point count.
public struct ScatterChart: Sendable {
    /// The title above the chart.
    public var title: String
    /// The label under the horizontal axis.
    public var xLabel: String
    /// The label beside the vertical axis.
    public var yLabel: String
    /// The points.
    public var points: [ScatterPoint]
    /// Whether the horizontal axis is logarithmic (points with x ≤ 0 are then skipped).
    public var logX: Bool
    /// Whether the vertical axis is logarithmic (points with y ≤ 0 are then skipped).
    public var logY: Bool
    /// The dot radius; `nil` picks 3.5 for up to 2,000 points and 2 above.
    public var pointRadius: Double? = nil
    /// The name given in the legend to points without a category, when others have one.
    public var uncategorizedName = "other"
    /// The most categories drawn in colour (at most 10, the size of ``ChartPalette/distinct``);
    /// when there are more, the largest `maxColors − 1` keep a colour and the rest are "other".
    public var maxColors = 10
    /// Categories to pick out: when not empty, only these (up to ``maxColors``) are coloured,
    /// in this order, and every other point is grey.
    public var highlighted: [String] = []

    /// Creates a scatter plot.
    /// - Parameters:
    ///   - title: The title above the chart.
    ///   - xLabel: The horizontal axis label.
    ///   - yLabel: The vertical axis label.
    ///   - points: The points.
    ///   - logX: Whether the horizontal axis is logarithmic.
    ///   - logY: Whether the vertical axis is logarithmic.
    public init(title: String, xLabel: String, yLabel: String, points: [ScatterPoint],
                logX: Bool = false, logY: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.points = points
        self.logX = logX
        self.logY = logY
    }

    /// The categories in legend order (first appearance among drawable points).
    public var categories: [String] {
        var seen = Set<String>(), order: [String] = []
        let anyCategory = points.contains { $0.category != nil }
        guard anyCategory else { return [] }
        for p in points where isDrawable(p.x, log: logX) && isDrawable(p.y, log: logY) {
            let name = p.category ?? uncategorizedName
            if seen.insert(name).inserted { order.append(name) }
        }
        return order
    }

    /// The coloured categories, largest first (or the ``highlighted`` ones present, in their
    /// order), and how many drawable points each has; points of other categories are "other".
    public var coloredCategories: [(name: String, count: Int)] {
        var counts: [String: Int] = [:]
        for p in points where p.category != nil && isDrawable(p.x, log: logX) && isDrawable(p.y, log: logY) {
            counts[p.category!, default: 0] += 1
        }
        let limit = max(1, min(maxColors, ChartPalette.distinct.count))
        if !highlighted.isEmpty {
            return highlighted.filter { counts[$0] != nil }.prefix(limit).map { ($0, counts[$0]!) }
        }
        let order = categories.filter { counts[$0] != nil }
        let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        let sorted = order.sorted { (counts[$0]!, -rank[$0]!) > (counts[$1]!, -rank[$1]!) }
        let kept = sorted.count <= limit ? sorted : Array(sorted.prefix(limit - 1))
        return kept.map { ($0, counts[$0]!) }
    }

    /// The chart as a standalone SVG document: one `circle` per drawable point (non-finite
    /// coordinates, and non-positive ones on a log axis, are skipped).
    /// - Parameters:
    ///   - width: The width in pixels.
    ///   - height: The height in pixels.
    /// - Returns: The SVG markup.
    /// - Complexity: O(points.count).
    public func svg(width: Int = 640, height: Int = 480) -> String {
        var w = SVGWriter(width: width, height: height)
        let drawable = points.filter { isDrawable($0.x, log: logX) && isDrawable($0.y, log: logY) }
        let colored = points.contains { $0.category != nil } ? coloredCategories : []
        var colorOf: [String: String] = [:]
        for (k, entry) in colored.enumerated() { colorOf[entry.name] = ChartPalette.distinct[k] }
        let otherCount = colored.isEmpty ? 0 : drawable.count - colored.map(\.count).reduce(0, +)
        let otherGroups = Set(drawable.map { $0.category ?? uncategorizedName }).subtracting(colorOf.keys).count
        var entries = colored.map { LegendEntry(name: "\($0.name) (\($0.count))", color: colorOf[$0.name]!, swatch: .dot) }
        if otherCount > 0 {
            let name = otherGroups == 1 && !colorOf.keys.contains(uncategorizedName)
                ? (Set(drawable.map { $0.category ?? uncategorizedName }).subtracting(colorOf.keys).first ?? uncategorizedName)
                : "\(uncategorizedName): \(otherGroups) more"
            entries.append(LegendEntry(name: "\(name) (\(otherCount))", color: ChartPalette.other, swatch: .dot))
        }
        let xs = drawable.map(\.x), ys = drawable.map(\.y)
        guard let layout = NumericChartLayout.drawAxes(&w, width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel,
                                                       legend: entries, xs: xs, ys: ys, logX: logX, logY: logY) else {
            return w.document(description: title)   // no drawable point: "No data"
        }
        let plot = layout.plot
        let radius = pointRadius ?? (drawable.count <= 2000 ? 3.5 : 2)
        let defaultColor = colored.isEmpty ? ChartPalette.color(0) : ChartPalette.other
        // Grey "other" points first, so that the coloured ones are drawn over them.
        let ordered = drawable.filter { colorOf[$0.category ?? uncategorizedName] == nil }
            + drawable.filter { colorOf[$0.category ?? uncategorizedName] != nil }
        w.open(group: "points")
        for p in ordered {
            let color = colorOf[p.category ?? uncategorizedName] ?? defaultColor
            w.circle(cx: plot.x(layout.xAxis, p.x), cy: plot.y(layout.yAxis, p.y), r: radius, fill: color,
                     opacity: color == ChartPalette.other ? 0.6 : 0.8, cssClass: "point", title: p.label)
        }
        w.close()
        layout.drawLegend(&w, entries)
        return w.document(description: title)
    }
}
