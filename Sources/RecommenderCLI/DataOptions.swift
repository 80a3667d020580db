import ArgumentParser
import Foundation
import Recommender

extension FieldSeparator: ExpressibleByArgument {}
extension IndexOrder: ExpressibleByArgument {}

/// Whether a ratings file starts with a header line.
enum HeaderChoice: String, CaseIterable, ExpressibleByArgument {
    case auto, yes, no
}

/// The one way every data-reading command names its input: a fetched data set
/// (`--data-dir` + `--dataset`) or a file of one's own (`--ratings` [+ `--items`] and the
/// options describing its columns).
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "Folder where `recommender data fetch` put the data sets (default: $RECOMMENDER_DATA_DIR or ~/.cache/swift-recommender).")
    var dataDir: String?

    @Option(name: .long, help: "Data set name inside --data-dir (ml-100k, ml-1m, ml-10m, ml-20m, ml-25m, ml-32m, ml-latest-small).")
    var dataset: String?

    @Option(name: .long, help: "A ratings file of your own (CSV/TSV: user,item[,rating][,timestamp]); replaces --dataset. '-' reads standard input.")
    var ratings: String?

    @Option(name: .long, help: "An items file to go with --ratings (movies.csv, movies.dat, u.item or RecBole .item).")
    var items: String?

    @Option(name: .long, help: "Field separator of --ratings (default: detected).")
    var separator: FieldSeparator?

    @Option(name: .long, help: "Whether --ratings starts with a header line.")
    var header: HeaderChoice = .auto

    @Option(name: .long, help: "User column of --ratings: a header name or a 1-based position (default: detected).")
    var userColumn: String?

    @Option(name: .long, help: "Item column of --ratings: a header name or a 1-based position (default: detected).")
    var itemColumn: String?

    @Option(name: .long, help: "Rating column of --ratings: a header name, a 1-based position, or 'none' for implicit feedback (default: detected).")
    var ratingColumn: String?

    @Option(name: .long, help: "Timestamp column of --ratings: a header name, a 1-based position, or 'none' (default: detected).")
    var timestampColumn: String?

    @Option(name: .long, help: "Declared rating scale of --ratings, e.g. 1...5 or 0.5...5; ratings outside are errors.")
    var ratingScale: String?

    @Option(name: .long, help: "Order of the user and item indices: first-appearance (as the rows come) or id (by id: integers in numeric order, then other ids by their text). In id order, ML-100K's index k is id k + 1, as in the notebook.")
    var indexOrder: IndexOrder = .firstAppearance

    @Option(name: .long, help: "A ratings store (`recommender serve --store`): its ratings are merged into the data (a stored rating replaces the data's for the same user and item).")
    var store: String?

    /// The data folder.
    var dataDirectory: URL {
        dataDir.map { URL(fileURLWithPath: $0) } ?? DatasetLocator.defaultDataDirectory
    }

    /// The data set name (default `ml-100k`).
    var datasetName: String { dataset ?? "ml-100k" }

    func validate() throws {
        if ratings != nil && dataset != nil {
            throw ValidationError("give either --dataset or --ratings, not both")
        }
        if let ratingScale, Self.parseScale(ratingScale) == nil {
            throw ValidationError("--rating-scale must look like 1...5 or 0.5...5")
        }
    }

    /// Refuses the options that describe a ratings file when no file is given (checked when
    /// loading, since `evaluate --train/--test` also takes them).
    func checkFileOptions() throws {
        if ratings == nil {
            let fileOnly: [(String, Bool)] = [("--items", items != nil), ("--separator", separator != nil),
                                              ("--header", header != .auto), ("--user-column", userColumn != nil),
                                              ("--item-column", itemColumn != nil), ("--rating-column", ratingColumn != nil),
                                              ("--timestamp-column", timestampColumn != nil), ("--rating-scale", ratingScale != nil)]
            if let used = fileOnly.first(where: { $0.1 }) {
                throw ValidationError("\(used.0) describes a --ratings file; give --ratings FILE too")
            }
        }
        if let ratingScale, Self.parseScale(ratingScale) == nil {
            throw ValidationError("--rating-scale must look like 1...5 or 0.5...5: two finite numbers, low <= high, at most 1e9 in magnitude (got '\(escapingControlCharacters(ratingScale))')")
        }
    }

    /// `low...high` (or `low..high`) with finite bounds of at most 1e9 in magnitude, else `nil`.
    static func parseScale(_ text: String) -> ClosedRange<Float>? {
        let parts = text.components(separatedBy: "...")
        let pieces = parts.count == 2 ? parts : text.components(separatedBy: "..")
        guard pieces.count == 2, let low = Double(pieces[0]), let high = Double(pieces[1]), low <= high,
              abs(low) <= 1e9, abs(high) <= 1e9 else { return nil }
        return Float(low)...Float(high)
    }

    /// The path to read for `--ratings`: `-` is standard input.
    var ratingsPath: String? { ratings.map { $0 == "-" ? "/dev/stdin" : $0 } }

    static func column(_ text: String?) -> ColumnChoice {
        guard let text else { return .automatic }
        if text.lowercased() == "none" { return .none }
        if let position = Int(text) { return .position(position) }
        return .name(text)
    }

    /// The options for the generic ratings-file loader.
    var fileOptions: DelimitedFileOptions {
        DelimitedFileOptions(separator: separator, hasHeader: header == .auto ? nil : header == .yes,
                             user: Self.column(userColumn), item: Self.column(itemColumn),
                             rating: Self.column(ratingColumn), timestamp: Self.column(timestampColumn),
                             ratingScale: ratingScale.flatMap(Self.parseScale))
    }

    /// Loads the data set the options name.
    /// - Throws: ``DataError`` (printed by the commands as one line).
    func load(threads: Int = Parallelism.availableCores) throws -> Dataset {
        guard store != nil else { return try loadWithoutStore(threads: threads) }
        var dataset = try StoreDataSource.merge(loadWithoutStore(threads: threads), store: store)
        // The store's new users and items come last: renumber again, so that the whole data set
        // is in the chosen order.
        if indexOrder != .firstAppearance { dataset.reindex(indexOrder, threads: threads) }
        return dataset
    }

    /// Loads the data set the options name, without the store's ratings.
    func loadWithoutStore(threads: Int = Parallelism.availableCores) throws -> Dataset {
        try checkFileOptions()
        let dataset: Dataset
        if let ratings = ratingsPath {
            dataset = try DelimitedRatingsLoader.load(ratings: URL(fileURLWithPath: ratings),
                                                      items: items.map { URL(fileURLWithPath: $0) }, options: fileOptions,
                                                      name: self.ratings == "-" ? "stdin" : nil, indexOrder: indexOrder, threads: threads)
        } else {
            dataset = try DatasetLocator.load(name: datasetName, dataDirectory: dataDirectory, indexOrder: indexOrder, threads: threads)
        }
        // Every load says what it read (standard error): counts, duplicates dropped (so that 500
        // identical lines never train as "1 ratings" without a word), and for a user's file what
        // was detected (separator, header, which column is user/item/rating/timestamp, scale).
        for line in Self.loadReport(dataset, detection: ratingsPath != nil) { printError(line) }
        return dataset
    }

    /// The load report: what was read, how many duplicated (user, item) lines were dropped, the
    /// ratings' kind and range, and (with `detection`) how the file's layout was read.
    static func loadReport(_ dataset: Dataset, detection: Bool = true) -> [String] {
        let r = dataset.report
        let duplicates = r.duplicatesDropped == 0 ? "no duplicate (user, item) pairs"
            : "\(r.duplicatesDropped) duplicate (user, item) line\(r.duplicatesDropped == 1 ? "" : "s") dropped (the last rating of each pair is kept)"
        let lines = r.linesRead > 0 ? "\(r.linesRead) lines → " : ""
        let kind: String
        if dataset.hasExplicitRatings {
            let observed = dataset.interactions.ratingRange.map { " \(formatNumber(Double($0.lowerBound)))...\(formatNumber(Double($0.upperBound)))" } ?? ""
            let declared = dataset.ratingScale.map { "; scale \(formatNumber(Double($0.lowerBound)))...\(formatNumber(Double($0.upperBound)))" } ?? "; no declared scale"
            kind = "explicit ratings\(observed)\(declared)"
        } else {
            kind = "implicit feedback (every rating 1)"
        }
        var report = ["loaded \(dataset.name): \(lines)\(dataset.interactions.count) ratings, \(dataset.userCount) users, \(dataset.itemCount) \(dataset.itemNoun)s; \(kind); \(duplicates)"]
        if detection { report += r.notes.map { "  read as: \($0)" } }
        return report.map(escapingControlCharacters)
    }
}

extension DataOptions {
    /// Loads a split made elsewhere: `train` and `test` files read with this group's file
    /// options (separator, header, columns, scale, `--items`) into one data set.
    /// - Throws: ``DataError``; a validation error when `--dataset` or `--ratings` is also given.
    func loadSplit(train: String, test: String, threads: Int = Parallelism.availableCores) throws -> (dataset: Dataset, split: Split) {
        guard ratings == nil && dataset == nil else {
            throw ValidationError("--train/--test replace --ratings and --dataset; give one or the other")
        }
        var (dataset, split) = try GivenSplit.load(train: URL(fileURLWithPath: train), test: URL(fileURLWithPath: test),
                                                   items: items.map { URL(fileURLWithPath: $0) }, options: fileOptions, threads: threads)
        if indexOrder != .firstAppearance {
            dataset.reindex(indexOrder, threads: threads)
            split = Split(source: dataset.interactions, trainRows: split.trainRows, testRows: split.testRows)
        }
        return (dataset, split)
    }
}
