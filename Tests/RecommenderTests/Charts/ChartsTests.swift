import Foundation
import Testing
@testable import Recommender
@testable import RecommenderCharts

@Suite("Charts")
struct ChartsTests {
    private func parsed(_ svg: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> SVGInspector {
        let inspector = try #require(SVGInspector.parse(svg), "not well-formed XML", sourceLocation: sourceLocation)
        let root = try #require(inspector.root, sourceLocation: sourceLocation)
        #expect(root.name == "svg", sourceLocation: sourceLocation)
        #expect(root.attributes["xmlns"] == "http://www.w3.org/2000/svg", sourceLocation: sourceLocation)
        #expect(root.attributes["viewBox"] != nil, sourceLocation: sourceLocation)
        return inspector
    }

    @Test func escapesXMLSpecialCharacters() {
        #expect(XMLEscaping.escape("Schindler's List") == "Schindler&apos;s List")
        #expect(XMLEscaping.escape("Rock & Roll <live> \"now\"") == "Rock &amp; Roll &lt;live&gt; &quot;now&quot;")
        #expect(XMLEscaping.escape("bell\u{07}") == "bell\u{FFFD}")
        #expect(XMLEscaping.escape("Amélie\n") == "Amélie\n")
    }

    @Test func niceTicksCoverTheDataWithRoundSteps() {
        let axis = Axis.linear(minimum: 0.3, maximum: 9.2, targetTicks: 6)
        #expect(axis.lower <= 0.3 && axis.upper >= 9.2)
        #expect(axis.ticks == [0, 2, 4, 6, 8, 10])
        #expect(axis.labels == ["0", "2", "4", "6", "8", "10"])
        let small = Axis.linear(minimum: 0.81, maximum: 0.97, targetTicks: 5)
        #expect(small.labels.first == "0.80" || small.labels.first == "0.8")
        #expect(small.ticks.count >= 3 && small.ticks.count <= 10)
        let big = Axis.linear(minimum: 0, maximum: 100_000, targetTicks: 6)
        #expect(big.labels.last == "100k")
        let constant = Axis.linear(minimum: 5, maximum: 5, targetTicks: 5)
        #expect(constant.lower < 5 && constant.upper > 5)
        let log = Axis.logarithmic(minimum: 3, maximum: 4200)
        #expect(log.lower == 1 && log.upper == 10_000)
        #expect(log.labels == ["1", "10", "100", "1000", "10k"])
    }

    @Test func histogramBinsLikeNumpy() {
        let bins = HistogramBins(values: [1, 2, 2, 3, 4, 5, .nan, .infinity], bins: 4)
        #expect(bins.edges == [1, 2, 3, 4, 5])
        #expect(bins.counts == [1, 2, 1, 2])   // the last bin holds its upper edge
        #expect(bins.skipped == 2)
        let explicit = HistogramBins(values: [1, 2, 2, 5, 5, 5, 7], edges: [0.5, 1.5, 2.5, 3.5, 4.5, 5.5])
        #expect(explicit.counts == [1, 2, 0, 0, 3])
        #expect(explicit.skipped == 1)
        #expect(HistogramBins(values: [3, 3], bins: 10).counts == [2])
        #expect(HistogramBins(values: [], bins: 10).counts.isEmpty)
    }

    @Test func lineChartDrawsOneLinePerSeriesWithLegend() throws {
        let chart = LineChart(title: "RMSE by epoch", xLabel: "epoch", yLabel: "RMSE", series: [
            ChartSeries(name: "train", points: (1...50).map { (x: Double($0), y: 1.0 / Double($0)) }),
            ChartSeries(name: "test", points: (1...50).map { (x: Double($0), y: 1.2 / Double($0) + 0.1) }),
            ChartSeries(name: "Rock & Roll", points: [(x: 1, y: 0.5), (x: 2, y: .nan), (x: 3, y: 0.7), (x: 4, y: 0.6)]),
        ])
        let svg = try parsed(chart.svg())
        // The NaN splits the third series: one lone point (a marker) and a 2-point line.
        #expect(svg.count("polyline", class: "series-line") == 3)
        #expect(svg.count("g", class: "legend-entry") == 3)
        #expect(svg.texts.contains("Rock & Roll"))
        #expect(svg.texts.contains("RMSE by epoch"))
        #expect(svg.texts.contains("epoch"))
        #expect(svg.count("text", class: "tick-label") >= 6)
        let points = svg.all("polyline", class: "series-line")[0].attributes["points"]!.split(separator: " ")
        #expect(points.count == 50)
    }

    @Test func lineChartTickLabelsDoNotOverlap() throws {
        let chart = LineChart(title: "", xLabel: "x", yLabel: "y", series: [
            ChartSeries(name: "", points: (0...100).map { (x: Double($0) * 12_345.6, y: Double($0)) }),
        ])
        let svg = try parsed(chart.svg(width: 300, height: 200))
        let xLabels = svg.all("text", inGroup: "x-axis").filter { $0.attributes["class"] == "tick-label" }
        let xs = xLabels.map { Double($0.attributes["x"]!)! }.sorted()
        let widths = xLabels.map { TextMetrics.width($0.text, size: 11) }
        #expect(xs.count >= 2)
        for k in 1..<xs.count { #expect(xs[k] - xs[k - 1] >= (widths.max() ?? 0)) }
        #expect(svg.count("g", class: "legend-entry") == 0)   // one unnamed series: no legend
    }

    @Test func logAxesSkipNonPositiveValues() throws {
        var chart = LineChart(title: "log", xLabel: "x", yLabel: "y", series: [
            ChartSeries(name: "s", points: [(x: 1, y: 10), (x: 10, y: 100), (x: 100, y: 0), (x: 1000, y: 1000)]),
        ])
        chart.logY = true
        chart.logX = true
        let svg = try parsed(chart.svg())
        #expect(svg.count("circle", class: "marker") == 3)
        #expect(svg.texts.contains("1000") || svg.texts.contains("1k"))
    }

    @Test func histogramDrawsOneBarPerBinAndEdgeLabels() throws {
        let values = (0..<1000).map { Double($0 % 97) } + [.nan, -.infinity]
        let chart = Histogram(title: "Ratings per user", xLabel: "ratings", values: values, bins: 20)
        let svg = try parsed(chart.svg())
        // 0...96 in about 20 bins: nice width 5, edges 0, 5, ..., 100.
        #expect(svg.count("rect", class: "bar") == 20)
        let labels = svg.all("text", class: "tick-label").map(\.text)
        #expect(labels.contains("0"))
        #expect(labels.contains("100"))
        // Whole numbers spanning fewer integers than bins: one bar per integer, labelled at its centre.
        let small = try parsed(Histogram(title: "Ratings per movie", xLabel: "ratings", values: [1, 1, 1, 2, 4]).svg())
        #expect(small.count("rect", class: "bar") == 4)
        #expect(small.all("text", class: "tick-label").map(\.text).contains("4"))
        #expect(small.titles.contains("1: 3") && small.titles.contains("3: 0"))
        let stars = Histogram(title: "Ratings", xLabel: "stars", values: [1, 2, 2, 3, 5], binEdges: [0.5, 1.5, 2.5, 3.5, 4.5, 5.5])
        let s = try parsed(stars.svg())
        #expect(s.count("rect", class: "bar") == 5)
        #expect(s.titles.contains("[1.5, 2.5): 2"))
    }

    @Test func barChartRotatesLongLabelsAndKeepsFullTextInHoverTitles() throws {
        let labels = ["administrator", "artist", "doctor", "educator", "engineer", "entertainment", "executive",
                      "healthcare", "homemaker", "lawyer", "librarian", "marketing", "none", "other",
                      "programmer", "retired", "salesman", "scientist", "student", "technician", "writer"]
        let chart = BarChart(title: "Occupations", xLabel: "occupation", yLabel: "users", labels: labels,
                             values: labels.indices.map { Double($0 * 10) })
        let svg = try parsed(chart.svg())
        #expect(svg.count("rect", class: "bar") == 21)
        let rotated = svg.all("text", class: "tick-label").filter { $0.attributes["transform"]?.hasPrefix("rotate(-45") == true }
        #expect(rotated.count == 21)
        #expect(svg.titles.contains("student: 180"))
        let short = BarChart(title: "Sex", xLabel: "", yLabel: "users", labels: ["F", "M"], values: [273, 670])
        let s = try parsed(short.svg())
        #expect(s.all("text", class: "tick-label").filter { $0.attributes["transform"] != nil }.isEmpty)
        #expect(s.count("rect", class: "bar") == 2)
    }

    @Test func horizontalBarChartEscapesTitles() throws {
        var chart = BarChart(title: "Top movies", xLabel: "movie", yLabel: "ratings",
                             labels: ["Schindler's List (1993)", "Rock & Roll <High School>"], values: [298, 120])
        chart.orientation = .horizontal
        chart.showsValues = true
        let markup = chart.svg()
        #expect(markup.contains("Schindler&apos;s List (1993)"))
        let svg = try parsed(markup)
        #expect(svg.texts.contains("Rock & Roll <High School>"))
        #expect(svg.count("rect", class: "bar") == 2)
        #expect(svg.all("text", class: "bar-value").map(\.text) == ["298", "120"])
    }

    @Test func scatterColoursCategoriesAndAddsHoverLabels() throws {
        var points: [ScatterPoint] = []
        for k in 0..<200 {
            points.append(ScatterPoint(x: Double(k), y: Double(k * k % 37), category: "genre \(k % 20)", label: "movie \(k)"))
        }
        points.append(ScatterPoint(x: .nan, y: 1, category: "ghost"))
        let svg = try parsed(ScatterChart(title: "Embeddings", xLabel: "x", yLabel: "y", points: points).svg())
        #expect(svg.count("circle", class: "point") == 200)
        // 20 categories: the 9 largest coloured, the other 11 one grey "other" entry.
        #expect(svg.count("g", class: "legend-entry") == 10)
        #expect(svg.titles.contains("movie 17"))
        let colours = Set(svg.all("circle", class: "point").compactMap { $0.attributes["fill"] })
        #expect(colours.count == 10)
        #expect(colours.contains(ChartPalette.other))
        let uncategorized = try parsed(ScatterChart(title: "", xLabel: "x", yLabel: "y",
                                                    points: [ScatterPoint(x: 1, y: 2), ScatterPoint(x: 2, y: 3)]).svg())
        #expect(uncategorized.count("g", class: "legend-entry") == 0)
        #expect(uncategorized.count("circle", class: "point") == 2)
    }

    @Test func paletteColoursAreDistinct() {
        let colours = (0..<40).map(ChartPalette.color)
        #expect(Set(colours).count == 40)
        #expect(colours.allSatisfy { $0.count == 7 && $0.hasPrefix("#") })
    }

    @Test func emptyInputGivesANoDataChart() throws {
        let charts = [
            LineChart(title: "empty", xLabel: "x", yLabel: "y", series: []).svg(),
            LineChart(title: "nan", xLabel: "x", yLabel: "y", series: [ChartSeries(name: "a", points: [(x: .nan, y: 1)])]).svg(),
            Histogram(title: "empty", xLabel: "x", values: []).svg(),
            Histogram(title: "inf", xLabel: "x", values: [.infinity]).svg(),
            BarChart(title: "empty", xLabel: "x", yLabel: "y", labels: [], values: []).svg(),
            ScatterChart(title: "empty", xLabel: "x", yLabel: "y", points: []).svg(),
        ]
        for markup in charts {
            let svg = try parsed(markup)
            #expect(svg.texts.contains("No data"))
            #expect(svg.count("rect", class: "bar") == 0)
        }
    }

    @Test func gridPlacesEachChartAsANestedSVG() throws {
        let a = Histogram(title: "a", xLabel: "x", values: [1, 2, 3]).svg(width: 300, height: 200)
        let b = BarChart(title: "b", xLabel: "x", yLabel: "y", labels: ["p", "q"], values: [1, 2]).svg(width: 300, height: 250)
        let c = ScatterChart(title: "c", xLabel: "x", yLabel: "y", points: [ScatterPoint(x: 1, y: 1)]).svg(width: 300, height: 200)
        let svg = try parsed(SVGLayout.grid([a, b, c], columns: 2, title: "Overview & more"))
        let nested = svg.all("svg").filter { $0.depth == 1 }
        #expect(nested.count == 3)
        #expect(nested.map { $0.attributes["x"]! } == ["10", "320", "10"])
        #expect(nested[2].attributes["y"] == "310")   // 40 title + 10 gap + 250 (tallest of row 1) + 10 gap
        #expect(svg.root?.attributes["width"] == "630")
        #expect(svg.texts.contains("Overview & more"))
    }

    @Test func htmlPageEmbedsEveryChartAndEscapesText() throws {
        let chart = BarChart(title: "Q&A", xLabel: "x", yLabel: "y", labels: ["a"], values: [1]).svg()
        let table = HTMLTable(headers: ["title", "ratings"], rows: [["Schindler's List (1993)", "298"], ["Fargo (1996)", "508"]])
        let html = HTMLReport.page(title: "Explore <ML-100K>", blocks: [
            .heading("Top & bottom"), .paragraph("1 < 2"), .table(table), .figure(svg: chart, caption: "a chart"),
        ])
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<title>Explore &lt;ML-100K&gt;</title>"))
        #expect(html.contains("<td>Schindler&apos;s List (1993)</td><td class=\"num\">298</td>"))
        #expect(!html.contains("src=") && !html.contains("href="))   // self-contained
        // The body (everything after the DOCTYPE) is well-formed XML: every SVG is intact.
        let body = String(html[html.range(of: "<html")!.lowerBound...])
        let page = try #require(SVGInspector.parse(body.replacingOccurrences(of: "<meta charset=\"utf-8\">", with: "")
            .replacingOccurrences(of: "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">", with: "")))
        #expect(page.count("svg") == 1)
        #expect(page.count("rect", class: "bar") == 1)
        let simple = HTMLReport.page(title: "t", sections: [(heading: "one", svg: chart), (heading: "two", svg: chart)])
        #expect(simple.components(separatedBy: "<svg ").count == 3)
        #expect(simple.components(separatedBy: "<h2>").count == 3)
    }

    /// Writes one chart of each kind to `$CHARTS_SAMPLE_DIR`, to be looked at as PNGs (`rsvg-convert`).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CHARTS_SAMPLE_DIR"] != nil,
                   "set CHARTS_SAMPLE_DIR to write sample charts for visual inspection"))
    func writeSamples() throws {
        let dir = URL(fileURLWithPath: ProcessInfo.processInfo.environment["CHARTS_SAMPLE_DIR"]!)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var rng = SeededGenerator(seed: 7)
        func gauss() -> Double {
            let u = Double.random(in: 1e-9..<1, using: &rng), v = Double.random(in: 0..<1, using: &rng)
            return (-2 * Foundation.log(u)).squareRoot() * cos(2 * .pi * v)
        }
        let epochs = (1...40).map(Double.init)
        let train = epochs.map { 0.7 + 0.5 / $0 }
        let test = epochs.map { 0.9 + 0.4 / $0 + $0 * 0.001 }
        let third = epochs.map { 1.0 + 0.2 / $0 }
        var line = LineChart(title: "Training curves: RMSE by epoch (Rock & Roll's test)", xLabel: "epoch", yLabel: "RMSE", series: [
            ChartSeries(name: "train", x: epochs, y: train),
            ChartSeries(name: "test", x: epochs, y: test),
            ChartSeries(name: "a rather long series name that goes on", x: epochs, y: third),
        ])
        line.series[2].dashed = true
        var logLine = LineChart(title: "Log-log", xLabel: "n", yLabel: "time (s)", series: [
            ChartSeries(name: "", x: (0...60).map { pow(10, Double($0) / 10) }, y: (0...60).map { pow(10, Double($0) / 8) * 0.001 }),
        ])
        logLine.logX = true; logLine.logY = true
        let hist = Histogram(title: "Ratings per user", xLabel: "number of ratings",
                             values: (0..<943).map { _ in exp(gauss() * 0.9 + 4) }, bins: 20)
        let stars = Histogram(title: "Rating values", xLabel: "stars", values: (0..<1000).map { Double($0 % 5 + 1) },
                              binEdges: [0.5, 1.5, 2.5, 3.5, 4.5, 5.5])
        let labels = ["administrator", "artist", "doctor", "educator", "engineer", "entertainment", "executive",
                      "healthcare", "homemaker", "lawyer", "librarian", "marketing", "none", "other",
                      "programmer", "retired", "salesman", "scientist", "student", "technician", "writer"]
        let bars = BarChart(title: "Users by occupation", xLabel: "occupation", yLabel: "users", labels: labels,
                            values: labels.indices.map { Double(($0 * 37) % 200) })
        var hbars = BarChart(title: "Top movies by number of ratings", xLabel: "", yLabel: "ratings",
                             labels: ["Star Wars (1977)", "Contact (1997)", "Fargo (1996)", "Return of the Jedi (1983)",
                                      "Liar Liar (1997)", "English Patient, The (1996)", "Scream (1996)", "Toy Story (1995)",
                                      "Air Force One (1997)", "Independence Day (ID4) (1996)"],
                             values: [583, 509, 508, 507, 485, 481, 478, 452, 431, 429])
        hbars.orientation = .horizontal
        hbars.showsValues = true
        let sex = BarChart(title: "Sex", xLabel: "sex", yLabel: "users", labels: ["F", "M"], values: [273, 670])
        var points: [ScatterPoint] = []
        for k in 0..<1500 {
            let c = k % 19
            points.append(ScatterPoint(x: gauss() + Double(c % 5) * 2, y: gauss() + Double(c / 5) * 2,
                                       category: ["Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
                                                  "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical",
                                                  "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western", "unknown"][c],
                                       label: "movie \(k)"))
        }
        let scatter = ScatterChart(title: "Movie embeddings (t-SNE)", xLabel: "x", yLabel: "y", points: points)
        let logScatter = ScatterChart(title: "Popularity vs mean rating", xLabel: "ratings", yLabel: "mean rating",
                                      points: (0..<500).map { _ in ScatterPoint(x: exp(gauss() * 1.5 + 3), y: 3 + gauss() * 0.5) },
                                      logX: true)
        let empty = Histogram(title: "Nothing here", xLabel: "x", values: []).svg()
        let charts: [(String, String)] = [
            ("line", line.svg()), ("loglog", logLine.svg()), ("hist", hist.svg()), ("stars", stars.svg()),
            ("bars", bars.svg()), ("hbars", hbars.svg()), ("sex", sex.svg(width: 320, height: 300)),
            ("scatter", scatter.svg()), ("logscatter", logScatter.svg()), ("empty", empty),
            ("small-line", line.svg(width: 360, height: 240)), ("small-bars", bars.svg(width: 360, height: 260)),
        ]
        for (name, markup) in charts {
            _ = try parsed(markup)
            try markup.write(to: dir.appendingPathComponent("\(name).svg"), atomically: true, encoding: .utf8)
        }
        let grid = SVGLayout.grid([hist.svg(width: 400, height: 300), stars.svg(width: 400, height: 300),
                                   sex.svg(width: 400, height: 300)], columns: 2, title: "Grid")
        try grid.write(to: dir.appendingPathComponent("grid.svg"), atomically: true, encoding: .utf8)
        let html = HTMLReport.page(title: "Samples", sections: charts.map { (heading: $0.0, svg: $0.1) })
        try html.write(to: dir.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
    }
}
