import Foundation

/// A train/test split made elsewhere (another library, a paper's protocol), read from two files,
/// and the writing of this library's splits as such files.
///
/// Both files are read like a `--ratings` file (`user,item[,rating][,timestamp]`, separator,
/// header and columns detected or given) and mapped through **one** data set built from both:
/// the training file's ids first, in order of appearance, then the ids seen only in the test
/// file. Evaluating on the result gives the same figures as the built-in protocols on the same
/// rows (``RatingEvaluation``, ``RankingEvaluation``).
public enum GivenSplit {
    /// Reads a training file and a test file into one data set and its split.
    /// - Parameters:
    ///   - train: the training ratings.
    ///   - test: the test ratings (same layout: both with ratings, or both without).
    ///   - items: an optional items file (as for ``DelimitedRatingsLoader/load(ratings:items:options:name:threads:)``).
    ///   - options: separator, header and columns, applied to both files (detected per file when not given).
    ///   - name: the data set name (default: the training file's name without extension).
    ///   - threads: threads for parsing (same result whatever the count).
    /// - Returns: the data set (its ``Dataset/interactions`` are the training rows then the test
    ///   rows) and the split over it. Pairs present in both files are kept in both and counted
    ///   in the report's notes.
    /// - Throws: ``DataError`` naming the file, line and problem, or
    ///   ``DataError/invalidInput(_:)`` when one file has ratings and the other does not.
    public static func load(train: URL, test: URL, items: URL? = nil, options: DelimitedFileOptions = DelimitedFileOptions(),
                            name: String? = nil, threads: Int = Parallelism.availableCores) throws -> (dataset: Dataset, split: Split) {
        let (trainFormat, trainNotes) = try DelimitedRatingsLoader.detectFormat(url: train, options: options)
        let (testFormat, testNotes) = try DelimitedRatingsLoader.detectFormat(url: test, options: options)
        guard (trainFormat.ratingColumn == nil) == (testFormat.ratingColumn == nil) else {
            throw DataError.invalidInput("\(train.path) \(trainFormat.ratingColumn == nil ? "has no" : "has a") rating column but \(test.path) "
                                         + "\(testFormat.ratingColumn == nil ? "has none" : "has one"); give both files the same layout (or --rating-column)")
        }
        let a = try RatingsReader.read(url: train, format: trainFormat, threads: threads)
        let b = try RatingsReader.read(url: test, format: testFormat, threads: threads)
        var userIDs = a.userIDs, itemIDs = a.itemIDs
        let userMap = b.userIDs.ids.map { userIDs.insert($0).rawValue }
        let itemMap = b.itemIDs.ids.map { itemIDs.insert($0).rawValue }
        let x = a.interactions, y = b.interactions
        var notes = ["train: " + trainNotes.joined(separator: "; "), "test: " + testNotes.joined(separator: "; ")]
        var timestamps: [Int64]? = nil
        if let t = x.timestamps, let s = y.timestamps { timestamps = t + s } else if (x.timestamps == nil) != (y.timestamps == nil) {
            notes.append("only one of the files has timestamps: timestamps are not used")
        }
        let interactions = Interactions(users: x.users + y.users.map { userMap[Int($0)] }, items: x.items + y.items.map { itemMap[Int($0)] },
                                        ratings: x.ratings + y.ratings, timestamps: timestamps,
                                        userCount: userIDs.count, itemCount: itemIDs.count)
        let overlap = sharedPairs(interactions, trainCount: x.count)
        if overlap > 0 { notes.append("\(overlap) (user, item) pair(s) are in both the training and the test file") }
        let newUsers = userIDs.count - a.userIDs.count, newItems = itemIDs.count - a.itemIDs.count
        if newUsers > 0 || newItems > 0 { notes.append("the test file has \(newUsers) user(s) and \(newItems) item(s) absent from the training file") }
        let parsed = ParsedRatings(userIDs: userIDs, itemIDs: itemIDs, interactions: interactions,
                                   linesRead: a.linesRead + b.linesRead, duplicatesDropped: a.duplicatesDropped + b.duplicatesDropped)
        var catalog: CatalogBuilder? = nil
        var files = [train.path, test.path]
        if let items {
            catalog = try ItemsFileLoader.read(url: items)
            files.append(items.path)
        }
        let dataset = assembleDataset(name: name ?? train.deletingPathExtension().lastPathComponent, ratings: parsed, catalog: catalog, users: nil,
                                      ratingScale: trainFormat.ratingColumn == nil ? nil : options.ratingScale,
                                      explicit: trainFormat.ratingColumn != nil, files: files, notes: notes)
        let split = Split(source: dataset.interactions, trainRows: Array(0..<x.count), testRows: Array(x.count..<interactions.count))
        return (dataset, split)
    }

    /// The number of test rows whose (user, item) pair is also a training row.
    static func sharedPairs(_ all: Interactions, trainCount: Int) -> Int {
        var pairs = Set<Int64>()
        pairs.reserveCapacity(trainCount)
        for k in 0..<trainCount { pairs.insert(Int64(all.users[k]) << 32 | Int64(all.items[k])) }
        var shared = 0
        for k in trainCount..<all.count where pairs.contains(Int64(all.users[k]) << 32 | Int64(all.items[k])) { shared += 1 }
        return shared
    }

    /// Writes `split` as a training and a test file in the layout ``load(train:test:items:options:name:threads:)``
    /// reads: CSV with a header `user,item,rating[,timestamp]` (no rating column for implicit
    /// data), raw ids, ratings at full precision, rows in split order.
    /// - Parameters:
    ///   - split: a split of `dataset`'s interactions.
    ///   - dataset: the data set that gives the raw ids.
    ///   - train: where the training rows go.
    ///   - test: where the test rows go.
    /// - Throws: the file system's error.
    public static func write(_ split: Split, dataset: Dataset, train: URL, test: URL) throws {
        try write(split.train, dataset: dataset, to: train)
        try write(split.test, dataset: dataset, to: test)
    }

    static func write(_ rows: Interactions, dataset: Dataset, to url: URL) throws {
        let explicit = dataset.hasExplicitRatings
        let withTime = rows.timestamps != nil
        var text = "user,item" + (explicit ? ",rating" : "") + (withTime ? ",timestamp" : "") + "\n"
        text.reserveCapacity(rows.count * 24)
        for k in 0..<rows.count {
            text += AnswerEncoding.csvField(dataset.userIDs.id(at: rows.user(at: k)).rawValue)
            text += ","
            text += AnswerEncoding.csvField(dataset.itemIDs.id(at: rows.item(at: k)).rawValue)
            if explicit { text += ","; text += rows.ratings[k].description }
            if let t = rows.timestamps { text += ","; text += String(t[k]) }
            text += "\n"
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url, options: .atomic)
    }
}
