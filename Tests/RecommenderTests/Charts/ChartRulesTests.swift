import Foundation
import Testing
@testable import Recommender
@testable import RecommenderCharts

/// The rules charts follow so that a reader sees the data at a glance (issue 11, "Charts"):
/// nice ticks, aligned bins, log axes for long tails, no cut-off text, at most 10 colours,
/// error bars from folds, training curves whose start does not flatten the rest.
@Suite("Chart rules")
struct ChartRulesTests {
    private func parsed(_ svg: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> SVGInspector {
        try #require(SVGInspector.parse(svg), "not well-formed XML", sourceLocation: sourceLocation)
    }

    /// 1, 2 or 5 times a power of ten.
    private func isNice(_ v: Double) -> Bool {
        guard v != 0 else { return true }
        let mantissa = abs(v) / pow(10, floor(log10(abs(v)) + 1e-12))
        return [1.0, 2, 5].contains { abs(mantissa - $0) < 1e-9 }
    }

    /// A long-tailed, deterministic sample of counts: 20 ... about 740, most near the bottom.
    private let counts: [Double] = (0..<943).map { k in (20 * pow(37, pow(Double(k) / 943, 2.2))).rounded() }

    @Test func histogramTicksAreNiceNumbers() throws {
        let chart = Histogram(title: "Ages", xLabel: "age", values: (0..<500).map { Double(7 + ($0 * 13) % 67) })
        let svg = try parsed(chart.svg())
        let xTicks = svg.all("text", inGroup: "x-axis").filter { $0.attributes["class"] == "tick-label" }.map(\.text)
        #expect(xTicks.count >= 3)
        for label in xTicks {
            let v = try #require(Double(label), "tick label \(label) is not a plain number")
            // Ticks are multiples of a nice step: their differences are nice.
            #expect(v == v.rounded())
        }
        let values = xTicks.compactMap(Double.init)
        let steps = Set(zip(values.dropFirst(), values).map { $0 - $1 })
        #expect(steps.count == 1 && steps.allSatisfy(isNice), "steps \(steps)")
        let yTicks = svg.all("text", inGroup: "y-axis").filter { $0.attributes["class"] == "tick-label" }.compactMap { Double($0.text) }
        #expect(Set(zip(yTicks.dropFirst(), yTicks).map { $0 - $1 }).allSatisfy(isNice))
    }

    @Test func binsOfCountsAreNiceWholeNumbers() {
        let bins = HistogramBins.nice(values: (0..<1000).map { Double($0 % 97) }, bins: 20)
        #expect(bins.edges.first == 0 && bins.edges.last == 100)
        #expect(Set(zip(bins.edges.dropFirst(), bins.edges).map { $0 - $1 }) == [5])
        #expect(bins.total == 1000)
        // Whole numbers: the largest value lies inside the last bin [a, a + width), never on an edge.
        let edgeCase = HistogramBins.nice(values: [0, 3, 10, 20], bins: 4)
        #expect(edgeCase.edges == [0, 5, 10, 15, 20, 25])
        #expect(edgeCase.counts == [2, 0, 1, 0, 1])
        // Fractions: edges are multiples of a nice width too.
        let means = HistogramBins.nice(values: [1.3, 2.71, 3.05, 4.99], bins: 10)
        #expect(means.edges.allSatisfy { abs(($0 / 0.5).rounded() * 0.5 - $0) < 1e-9 })
        #expect(means.total == 4)
    }

    @Test func longTailedCountsGetALogarithmicAxis() throws {
        #expect(HistogramBins.isLongTailed(counts))
        #expect(!HistogramBins.isLongTailed((0..<500).map { Double(7 + $0 % 67) }))          // ages
        #expect(!HistogramBins.isLongTailed((0..<500).map { 1 + Double($0 % 40) / 10 }))     // mean ratings
        #expect(!HistogramBins.isLongTailed(counts.map { $0 - 20 }))                          // zeros: no log axis
        let chart = Histogram(title: "Ratings per user", xLabel: "ratings", values: counts)
        #expect(chart.isLogarithmic)
        let bins = chart.binned
        #expect(bins.total == counts.count)
        // Integer edges, increasing, of roughly equal ratio.
        #expect(bins.edges.allSatisfy { $0 == $0.rounded() })
        let ratios = zip(bins.edges.dropFirst(), bins.edges).map { $0 / $1 }
        #expect(ratios.allSatisfy { $0 > 1.1 && $0 < 1.45 }, "ratios \(ratios)")
        let svg = try parsed(chart.svg())
        #expect(svg.texts.contains("ratings (log scale)"))
        let ticks = svg.all("text", inGroup: "x-axis").filter { $0.attributes["class"] == "tick-label" }.compactMap { Double($0.text) }
        #expect(ticks.count >= 3 && ticks.allSatisfy(isNice), "ticks \(ticks)")
        var linear = chart
        linear.scale = .linear
        #expect(!linear.isLogarithmic)
        #expect(try parsed(linear.svg()).texts.contains("ratings"))
    }

    @Test func longTitlesWrapAndKeepTheFullTextInATooltip() throws {
        let long = "Rating prediction on ml-100k: mean RMSE over folds (5-fold cross-validation, seed 0) with a few more words to wrap and cut"
        let chart = BarChart(title: long, xLabel: "model", yLabel: "RMSE", labels: ["a", "b"], values: [0.9, 0.95])
        let svg = try parsed(chart.svg(width: 400, height: 300))
        let lines = svg.all("text", class: "chart-title")
        #expect(lines.count == 2)
        for line in lines {
            #expect(TextMetrics.width(line.text, size: ChartFrame.titleSize) * 1.08 <= 400 - 24)
        }
        #expect(lines.last?.text.hasSuffix("…") == true)
        #expect(svg.titles.contains(long))
        // A title that fits in two lines is wrapped, not shortened.
        let two = "Rating prediction on ml-100k: mean RMSE over folds (5-fold cross-validation, seed 0)"
        let wrapped = try parsed(BarChart(title: two, xLabel: "", yLabel: "", labels: ["a"], values: [1]).svg(width: 600, height: 300))
        #expect(wrapped.all("text", class: "chart-title").map(\.text).joined(separator: " ") == two)
        // Long category labels: wrapped onto two lines when the bars are tall enough, the full text as a tooltip.
        let name = "Wallace & Gromit: The Best of Aardman Animation (1996)"
        var bars = BarChart(title: "t", xLabel: "", yLabel: "ratings", labels: [name, "Short (1990)"], values: [3, 4])
        bars.orientation = .horizontal
        let b = try parsed(bars.svg(width: 420, height: 200))
        let labelLines = b.all("text", class: "tick-label").filter { $0.attributes["text-anchor"] == "end" && !$0.text.hasPrefix("Short") }
        #expect(labelLines.count >= 2)
        #expect(b.titles.contains(name))
    }

    @Test func closeValuesGetAnAxisThatShowsTheirDifferences() throws {
        var chart = BarChart(title: "Top by mean", xLabel: "", yLabel: "mean rating",
                             labels: ["a", "b", "c"], values: [4.49, 4.45, 4.34])
        chart.orientation = .horizontal
        #expect(!chart.startsAtZero)
        let svg = try parsed(chart.svg())
        #expect(svg.count("circle", class: "dot") == 3)       // a dot plot: bar lengths would mean nothing
        #expect(svg.count("rect", class: "bar") == 0)
        #expect(svg.count("g", class: "axis-break") == 1)
        let ticks = svg.all("text", inGroup: "x-axis").filter { $0.attributes["class"] == "tick-label" }.compactMap { Double($0.text) }
        #expect(try #require(ticks.min()) > 4 && ticks.min()! <= 4.34)
        #expect(svg.all("text", class: "chart-subtitle").map(\.text) == ["value axis does not start at 0"])
        // Values far apart keep bars from zero.
        let apart = BarChart(title: "", xLabel: "", yLabel: "", labels: ["F", "M"], values: [273, 670])
        #expect(apart.startsAtZero)
        #expect(try parsed(apart.svg()).count("rect", class: "bar") == 2)
    }

    @Test func errorBarsComeFromTheFoldValues() throws {
        let folds: [[Double]] = [[0.95, 0.94, 0.96, 0.945, 0.955], [0.91, 0.92, 0.90, 0.915, 0.905]]
        let chart = BarChart(title: "RMSE", xLabel: "model", yLabel: "RMSE", labels: ["baseline", "svd"], foldValues: folds)
        #expect(abs(chart.values[0] - 0.95) < 1e-12 && abs(chart.values[1] - 0.91) < 1e-12)
        #expect(chart.errorBars?[0] == 0.94...0.96)
        #expect(chart.errorBars?[1] == 0.90...0.92)
        #expect(chart.errorBarNote == "error bars: min–max over 5 folds")
        let svg = try parsed(chart.svg(width: 500, height: 400))
        let bars = svg.all("line", class: "error-bar")
        #expect(bars.count == 2)
        // Each error bar spans its folds' min and max: same pixel length ratio as the data.
        let lengths = bars.map { abs(Double($0.attributes["y1"]!)! - Double($0.attributes["y2"]!)!) }
        #expect(abs(lengths[0] - lengths[1]) < 0.05)
        #expect(svg.titles.contains("baseline: 0.95 (0.94–0.96)"))
        #expect(svg.all("text", class: "chart-subtitle").first?.text.contains("error bars: min–max over 5 folds") == true)
        let std = BarChart(title: "", xLabel: "", yLabel: "", labels: ["x"], foldValues: [[1, 3]], spread: .standardDeviation)
        #expect(std.errorBars?[0] == 1...3)
        let single = BarChart(title: "", xLabel: "", yLabel: "", labels: ["x"], foldValues: [[2]])
        #expect(single.errorBars?[0] == nil)
        #expect(try parsed(single.svg()).count("line", class: "error-bar") == 0)
    }

    @Test func atMostTenColoursAndTheRestGreyOrHighlighted() throws {
        let genres = (0..<19).map { "genre \($0)" }
        // genre k has 19 - k points, so the largest are genre 0, 1, ...
        var points: [ScatterPoint] = []
        for (k, g) in genres.enumerated() {
            for n in 0..<(19 - k) { points.append(ScatterPoint(x: Double(n), y: Double(k), category: g)) }
        }
        let chart = ScatterChart(title: "Genres", xLabel: "x", yLabel: "y", points: points)
        #expect(chart.coloredCategories.map(\.name) == Array(genres.prefix(9)))
        let svg = try parsed(chart.svg())
        let fills = svg.all("circle", class: "point").compactMap { $0.attributes["fill"] }
        #expect(Set(fills).count == 10)
        #expect(Set(fills).subtracting(ChartPalette.distinct) == [ChartPalette.other])
        #expect(svg.count("g", class: "legend-entry") == 10)
        #expect(svg.texts.contains { $0.hasPrefix("other: 10 more") })
        #expect(ChartPalette.distinct.count == 10 && Set(ChartPalette.distinct).count == 10)
        // Grey points are drawn first, under the coloured ones.
        #expect(fills.first == ChartPalette.other && fills.last != ChartPalette.other)

        var picked = chart
        picked.highlighted = ["genre 12", "genre 3"]
        #expect(picked.coloredCategories.map(\.name) == ["genre 12", "genre 3"])
        let p = try parsed(picked.svg())
        #expect(Set(p.all("circle", class: "point").compactMap { $0.attributes["fill"] })
                == [ChartPalette.distinct[0], ChartPalette.distinct[1], ChartPalette.other])
        // Few categories keep one colour each and no "other".
        let few = ScatterChart(title: "", xLabel: "x", yLabel: "y",
                               points: (0..<30).map { ScatterPoint(x: Double($0), y: 1, category: "c\($0 % 10)") })
        #expect(few.coloredCategories.count == 10)
    }

    @Test func trainingCurvesFitTheRangeAfterTheFirstIterations() throws {
        let x = (0..<200).map(Double.init)
        var chart = LineChart(title: "errors", xLabel: "iteration", yLabel: "value", series: [
            ChartSeries(name: "train", x: x, y: x.map { 0.5 + 40 / ($0 + 1) }),
        ])
        chart.yRangeSkipsFirst = 0.05
        let svg = try parsed(chart.svg())
        let yTicks = svg.all("text", inGroup: "y-axis").filter { $0.attributes["class"] == "tick-label" }.compactMap { Double($0.text) }
        // After 5 % (x >= 10) the values are below 4.2: the axis ends there, not at 40.5.
        #expect(try #require(yTicks.max()) <= 5)
        #expect(svg.count("rect", class: "clipped-band") == 1)
        #expect(svg.texts.contains { $0.contains("off scale, up to 40.5") })
        // The line stays inside the plot.
        let plotTop = try #require(svg.all("line", class: "axis").compactMap { Double($0.attributes["y1"] ?? "") }.min())
        for line in svg.all("polyline", class: "series-line") {
            for pair in line.attributes["points"]!.split(separator: " ") {
                #expect(Double(pair.split(separator: ",")[1])! >= plotTop - 0.01)
            }
        }
        chart.yRangeSkipsFirst = nil
        let all = try parsed(chart.svg())
        #expect(all.count("rect", class: "clipped-band") == 0)
        #expect(all.all("text", inGroup: "y-axis").compactMap { Double($0.text) }.max()! >= 40)
        // The training-history chart does this by default.
        let clipped = LineChart.clip([(0, -10), (1, 5), (2, 5), (3, 20)], top: 0, bottom: 10)
        #expect(clipped.count == 1)
        #expect(abs(clipped[0].first!.0 - 2.0 / 3.0) < 1e-9 && clipped[0].first!.1 == 0)
        #expect(abs(clipped[0].last!.0 - 2 - 1.0 / 3.0) < 1e-9 && clipped[0].last!.1 == 10)
    }
}
