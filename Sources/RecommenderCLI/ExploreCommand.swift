import ArgumentParser
import Foundation
import Recommender
import RecommenderCharts

/// `recommender explore`: the notebook's section I as tables on stdout and charts in a folder.
struct ExploreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Describe a data set: user table, top movies, rating distributions; write SVG charts and an HTML page.",
        discussion: """
        Prints aligned tables and writes one SVG file per chart plus a self-contained index.html \
        into --output. --occupation keeps the users of one occupation, --genre the movies of one genre. \
        Long-tailed counts (ratings per user and per item) are drawn on a logarithmic axis. Data without \
        rating values (implicit feedback) gets no rating charts or tables (means, rating values, top by \
        mean rating), and the text output says so. --highlight picks the genres coloured in the \
        count-vs-mean chart (otherwise the 9 largest, the rest grey).
        """
    )

    @OptionGroup var data: DataOptions

    @Option(name: .long, help: "Rank by mean only movies with more than this many ratings.")
    var minRatings: Int = 20

    @Option(name: .long, help: "Keep only users with this occupation (e.g. student).")
    var occupation: String?

    @Option(name: .long, help: "Keep only movies of this genre (e.g. Comedy).")
    var genre: String?

    @Option(name: .long, parsing: .unconditionalSingleValue,
            help: "A genre to colour in the count-vs-mean chart (repeatable, at most 10); the others are grey.")
    var highlight: [String] = []

    @Option(name: .long, help: "How many movies (and zip codes) the top lists show.")
    var top: Int = 10

    @Option(name: .long, help: "Folder for the SVG charts and index.html (created if absent); without it no chart is written.")
    var output: String?

    @Option(name: .long, help: "The summary tables on standard output: table (for people), json (docs/schemas/explore.schema.json) or csv (table,row,column,value).")
    var format: OutputFormat = .table

    func validate() throws {
        if highlight.count > 10 { throw ValidationError("--highlight: at most 10 genres can be told apart by colour, got \(highlight.count)") }
        try OptionBounds.check(top, "--top", OptionBounds.top)
        try OptionBounds.check(minRatings, "--min-ratings", OptionBounds.minRatings)
    }

    func run() async throws {
        let dataset = try data.load()
        let exploration = try DatasetExploration(dataset: dataset,
                                                 filter: ExplorationFilter(occupation: occupation, genre: genre))
        let genreNames = dataset.catalog.genreNames
        let highlighted = try highlight.map { wanted in
            guard let name = genreNames.first(where: { $0.lowercased() == wanted.lowercased() }) else {
                throw CLIError("--highlight: no genre '\(wanted)' in \(dataset.name) (genres: \(genreNames.isEmpty ? "none" : genreNames.joined(separator: ", ")))")
            }
            return name
        }
        var report = ExploreReport(dataset: dataset, exploration: exploration, top: top, minRatings: minRatings)
        report.highlighted = highlighted
        let say = noteWriter(onStandardOutput: format == .table)
        switch format {
        case .table: for line in report.textLines() { print(line) }
        case .json:
            print(try AnswerEncoding.json(ExplorationDocument(dataset: dataset, exploration: exploration, top: top, minRatings: minRatings)))
        case .csv:
            let document = ExplorationDocument(dataset: dataset, exploration: exploration, top: top, minRatings: minRatings)
            print(([ExplorationDocument.csvHeader] + document.csvLines()).joined(separator: "\n"))
        }
        guard let output else {
            if format == .table { printError("no --output folder: charts not written") }
            return
        }
        let folder = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let charts = report.charts()
        for chart in charts {
            try chart.svg.write(to: folder.appendingPathComponent(chart.file), atomically: true, encoding: .utf8)
        }
        let index = folder.appendingPathComponent("index.html")
        try report.html(charts: charts).write(to: index, atomically: true, encoding: .utf8)
        if format == .table { say("") }
        say("Wrote \(charts.count) SVG charts to \(folder.path)/ (\(charts.map(\.file).joined(separator: ", ")))")
        say("Open \(index.path) to see them all.")
    }
}

/// Turns a ``DatasetExploration`` into text tables, charts and an HTML page.
struct ExploreReport {
    let dataset: Dataset
    /// "movie" for MovieLens data, "item" otherwise.
    var noun: String { dataset.itemNoun }
    var Noun: String { noun.prefix(1).uppercased() + noun.dropFirst() }
    let exploration: DatasetExploration
    let top: Int
    let minRatings: Int
    /// Genres coloured in the count-vs-mean chart (empty: the largest ones).
    var highlighted: [String] = []
    /// Whether the data has rating values; without them (implicit feedback) the rating charts
    /// and tables would describe a column of ones, and are left out.
    var hasRatings: Bool { dataset.hasExplicitRatings }

    /// What the text output says instead of the rating tables and charts, for implicit data.
    static let implicitNote = "No rating values (implicit feedback): mean ratings, rating values, top by mean rating and count vs mean are not shown."

    struct Chart {
        var file: String
        var heading: String
        var svg: String

        /// A histogram of `values` (20 bins; ``Histogram`` picks a logarithmic axis for long-tailed counts).
        static func histogram(_ file: String, heading: String, title: String, xLabel: String, yLabel: String, values: [Double]) -> Chart {
            var chart = Histogram(title: title, xLabel: xLabel, values: values)
            chart.yLabel = yLabel
            return Chart(file: file, heading: heading, svg: chart.svg())
        }
    }

    struct Section {
        var title: String
        var table: ConsoleTable
    }

    var filterDescription: String? {
        var parts: [String] = []
        if let o = exploration.filter.occupation { parts.append("occupation = \(o)") }
        if let g = exploration.filter.genre { parts.append("genre = \(g)") }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    var headline: String {
        "Data set \(dataset.name): \(Format.grouped(exploration.userCount)) users, \(Format.grouped(exploration.itemCount)) \(noun)s, \(Format.grouped(exploration.ratingCount)) ratings"
    }

    /// The top list as a table; without rating values (implicit data) the mean column is left out.
    func movieTable(_ list: [ItemRatingStatistics]) -> ConsoleTable {
        ConsoleTable(headers: ["#", "\(noun)", "ratings"] + (hasRatings ? ["mean"] : []),
                     rows: list.enumerated().map { k, s in
                         [String(k + 1), exploration.displayName(of: s.item), Format.grouped(s.count)]
                             + (hasRatings ? [Format.fixed(s.mean)] : [])
                     })
    }

    func sections() -> [Section] {
        var result: [Section] = []
        if let users = exploration.userSummary {
            if let age = users.age {
                result.append(Section(title: "Age of the users", table: ConsoleTable(headers: ["", "age"], rows: [
                    ["count", Format.grouped(age.count)], ["mean", Format.fixed(age.mean)],
                    ["std", Format.fixed(age.standardDeviation)], ["min", Format.number(age.minimum)],
                    ["25%", Format.number(age.firstQuartile)], ["50%", Format.number(age.median)],
                    ["75%", Format.number(age.thirdQuartile)], ["max", Format.number(age.maximum)],
                ])))
            }
            result.append(Section(title: "Sex", table: counts(users.sexes, header: "sex")))
            result.append(Section(title: "Occupations (\(users.occupations.count))",
                                  table: counts(users.occupations, header: "occupation")))
            let zips = Array(users.zipCodes.prefix(top))
            result.append(Section(title: "Zip codes (\(Format.grouped(users.zipCodes.count)) distinct; top \(zips.count))",
                                  table: counts(zips, header: "zip code")))
        }
        result.append(Section(title: "Top \(top) \(noun)s by number of ratings", table: movieTable(exploration.topByCount(top))))
        if hasRatings {
            result.append(Section(title: "Top \(top) \(noun)s by mean rating (more than \(minRatings) rating\(minRatings == 1 ? "" : "s"))",
                                  table: movieTable(exploration.topByMean(top, minimumRatings: minRatings))))
        }
        let h = exploration.histograms
        let rows: [(String, [Double])] = hasRatings
            ? [("ratings per user", h.ratingsPerUser), ("mean user rating", h.meanUserRating),
               ("ratings per \(noun)", h.ratingsPerItem), ("mean \(noun) rating", h.meanItemRating),
               ("rating value", h.ratingValues)]
            : [("ratings per user", h.ratingsPerUser), ("ratings per \(noun)", h.ratingsPerItem)]
        result.append(Section(title: "Distributions", table: ConsoleTable(
            headers: ["", "count", "mean", "std", "min", "25%", "50%", "75%", "max"],
            rows: rows.map { name, values in
                guard let s = NumericSummary(values) else { return [name, "0", "", "", "", "", "", "", ""] }
                let order = [s.minimum, s.firstQuartile, s.median, s.thirdQuartile, s.maximum]
                let integral = order.allSatisfy { $0 == $0.rounded() }
                return [name, Format.grouped(s.count), Format.fixed(s.mean), Format.fixed(s.standardDeviation)]
                    + order.map { integral ? Format.number($0) : Format.fixed($0) }
            })))
        return result
    }

    func counts(_ counts: [CategoryCount], header: String) -> ConsoleTable {
        ConsoleTable(headers: [header, "users"], rows: counts.map { [$0.name.isEmpty ? "(unknown)" : $0.name, Format.grouped($0.count)] },
                     rightAligned: [1])
    }

    func textLines() -> [String] {
        var lines = [headline]
        if let filterDescription { lines.append("Filter: \(filterDescription)") }
        if exploration.userSummary == nil { lines.append("(no user table in this data set)") }
        if !hasRatings { lines.append(Self.implicitNote) }
        for section in sections() {
            lines.append("")
            lines.append(section.title)
            lines += section.table.lines()
        }
        return lines
    }

    func charts() -> [Chart] {
        var charts: [Chart] = []
        let h = exploration.histograms
        if let users = exploration.userSummary {
            if users.age != nil {
                charts.append(.histogram("user-age.svg", heading: "Age of the users", title: "Age of the users", xLabel: "age (years)",
                                         yLabel: "users", values: selectedUserAges()))
            }
            charts.append(Chart(file: "user-sex.svg", heading: "Sex of the users",
                                svg: BarChart(title: "Users by sex", xLabel: "sex", yLabel: "users",
                                              labels: users.sexes.map(\.name), values: users.sexes.map { Double($0.count) })
                                    .svg(width: 400, height: 320)))
            charts.append(Chart(file: "user-occupation.svg", heading: "Occupations of the users",
                                svg: BarChart(title: "Users by occupation", xLabel: "occupation", yLabel: "users",
                                              labels: users.occupations.map(\.name),
                                              values: users.occupations.map { Double($0.count) }).svg(width: 720, height: 420)))
        }
        // Counts per user and per item are long-tailed: Histogram picks a logarithmic axis for them.
        charts.append(.histogram("ratings-per-user.svg", heading: "Ratings per user", title: "Number of ratings per user",
                                 xLabel: "ratings", yLabel: "users", values: h.ratingsPerUser))
        if hasRatings {
            charts.append(.histogram("mean-user-rating.svg", heading: "Mean rating per user", title: "Mean rating per user",
                                     xLabel: "mean rating", yLabel: "users", values: h.meanUserRating))
        }
        charts.append(.histogram("ratings-per-movie.svg", heading: "Ratings per \(noun)", title: "Number of ratings per \(noun)",
                                 xLabel: "ratings", yLabel: "\(noun)s", values: h.ratingsPerItem))
        if hasRatings {
            charts.append(.histogram("mean-movie-rating.svg", heading: "Mean rating per \(noun)", title: "Mean rating per \(noun)",
                                     xLabel: "mean rating", yLabel: "\(noun)s", values: h.meanItemRating))
            // Ratings take few distinct values (1...5 stars): one bar per value reads better than bins.
            let ratingCounts = CategoryCount.counts(of: h.ratingValues.map { Format.number($0) })
                .sorted { (Double($0.name) ?? 0) < (Double($1.name) ?? 0) }
            var ratingBars = BarChart(title: "Rating values", xLabel: "rating", yLabel: "ratings",
                                      labels: ratingCounts.map(\.name), values: ratingCounts.map { Double($0.count) })
            ratingBars.valueAxisStart = .zero
            let ratingChart = ratingCounts.count <= 20
                ? ratingBars.svg()
                : Histogram(title: "Rating values", xLabel: "rating", values: h.ratingValues).svg()
            charts.append(Chart(file: "rating-values.svg", heading: "Rating values", svg: ratingChart))
        }

        let popular = exploration.topByCount(top)
        var byCount = BarChart(title: "Top \(top) \(noun)s by number of ratings", xLabel: "", yLabel: "ratings",
                               labels: popular.map { exploration.displayName(of: $0.item) },
                               values: popular.map { Double($0.count) })
        byCount.orientation = .horizontal
        byCount.showsValues = true
        byCount.valueAxisStart = .zero
        charts.append(Chart(file: "top-by-count.svg", heading: "Top \(noun)s by number of ratings",
                            svg: byCount.svg(width: 720, height: max(240, 80 + 26 * top))))
        guard hasRatings else { return charts }
        // Means of the best items differ by hundredths: a dot plot on an axis that starts near them.
        let best = exploration.topByMean(top, minimumRatings: minRatings)
        var byMean = BarChart(title: "Top \(top) \(noun)s by mean rating (more than \(minRatings) rating\(minRatings == 1 ? "" : "s"))", xLabel: "",
                              yLabel: "mean rating", labels: best.map { exploration.displayName(of: $0.item) },
                              values: best.map(\.mean))
        byMean.orientation = .horizontal
        byMean.showsValues = true
        charts.append(Chart(file: "top-by-mean.svg", heading: "Top \(noun)s by mean rating",
                            svg: byMean.svg(width: 720, height: max(240, 80 + 26 * top))))

        let catalog = dataset.catalog
        let hasGenres = !catalog.genreNames.isEmpty
        // Each item takes its first genre, or with --highlight the first highlighted genre it has.
        let points = exploration.items.map { s -> ScatterPoint in
            let genres = catalog.genreNames(of: s.item)
            let category = highlighted.first { genres.contains($0) } ?? genres.first ?? "none"
            return ScatterPoint(x: Double(s.count), y: s.mean, category: hasGenres ? category : nil,
                         label: "\(exploration.displayName(of: s.item)): \(s.count) ratings, mean \(Format.fixed(s.mean))")
        }
        let colouring = !hasGenres ? "" : highlighted.isEmpty ? " (colour: first genre)" : " (colour: first genre, highlighted)"
        var scatter = ScatterChart(title: "\(Noun)s: number of ratings vs mean rating" + colouring,
                                   xLabel: "number of ratings (log scale)", yLabel: "mean rating", points: points, logX: true)
        scatter.pointRadius = 3
        scatter.highlighted = highlighted
        charts.append(Chart(file: "movies-count-vs-mean.svg", heading: "Number of ratings vs mean rating, per \(noun)",
                            svg: scatter.svg(width: 760, height: 520)))
        return charts
    }

    private func selectedUserAges() -> [Double] {
        guard let table = dataset.userTable else { return [] }
        let wanted = exploration.filter.occupation?.lowercased()
        return table.ages.indices.compactMap { u in
            guard wanted == nil || table.occupations[u].lowercased() == wanted else { return nil }
            return table.ages[u].map(Double.init)
        }
    }

    func html(charts: [Chart]) -> String {
        var blocks: [HTMLReport.Block] = [.paragraph(headline)]
        if let filterDescription { blocks.append(.paragraph("Filter: \(filterDescription)")) }
        if !hasRatings { blocks.append(.paragraph(Self.implicitNote)) }
        for section in sections() {
            blocks.append(.table(HTMLTable(headers: section.table.headers.map { $0.isEmpty ? " " : $0 },
                                           rows: section.table.rows, caption: section.title)))
        }
        for chart in charts {
            blocks.append(.heading(chart.heading))
            blocks.append(.figure(svg: chart.svg, caption: chart.file))
        }
        return HTMLReport.page(title: "Exploring \(dataset.name)", blocks: blocks)
    }
}
