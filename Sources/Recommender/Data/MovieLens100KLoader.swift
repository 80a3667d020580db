import Foundation

/// Loads the original MovieLens 100K files: `u.data`, `u.item`, `u.user`, and the given
/// splits `u1.base`/`u1.test` … `u5`, `ua`, `ub`.
///
/// - `u.data`: tab-separated `user item rating timestamp`, ratings 1...5.
/// - `u.item`: `|`-separated, Latin-1: `id|title (year)|release date|video release date|URL|`
///   then 19 genre flags in the order of ``MovieLensGenres/standard``. The title is stored
///   without its trailing `" (year)"` so that ``ItemCatalog/displayTitle(_:)`` gives back the
///   original; the year is the one in the title, or when the title has none, the year of the
///   release date (`01-Jan-1995`).
/// - `u.user`: `|`-separated `id|age|sex|occupation|zip`.
public enum MovieLens100KLoader {
    /// Loads `directory/u.data` (required) plus `u.item` and `u.user` when present.
    /// - Parameters:
    ///   - directory: the folder holding the files.
    ///   - name: the name given to the data set.
    ///   - indexOrder: the order of the user and item indices (see ``IndexOrder``); by id, a
    ///     plain numeric ratings file is numbered while it is read.
    ///   - threads: threads for parsing (1 = single-thread mode; same result).
    /// - Returns: the data set; duplicated (user, item) pairs keep their last occurrence.
    /// - Throws: ``DataError`` naming the file, line and problem.
    public static func load(directory: URL, name: String = "ml-100k", indexOrder: IndexOrder = .firstAppearance,
                            threads: Int = Parallelism.availableCores) throws -> Dataset {
        let dataURL = directory.appendingPathComponent("u.data")
        let ratings = try RatingsReader.read(url: dataURL, format: ratingsFormat, threads: threads, order: indexOrder)
        var files = [dataURL.path]
        let catalog = try readIfPresent(directory.appendingPathComponent("u.item"), files: &files, readItems)
        let users = try readIfPresent(directory.appendingPathComponent("u.user"), files: &files, readUsers)
        return assembleDataset(name: name, ratings: ratings, catalog: catalog, users: users,
                               ratingScale: 1...5, explicit: true, files: files, order: indexOrder, threads: threads)
    }

    /// The names of the given splits shipped with ML-100K.
    public static let givenSplitNames = ["u1", "u2", "u3", "u4", "u5", "ua", "ub"]

    /// Loads a given split (`NAME.base` for training, `NAME.test` for testing) as interactions
    /// indexed by the id maps of `dataset` (the full ML-100K loaded by ``load(directory:name:threads:)``),
    /// so models trained on the split answer queries in the data set's indices.
    /// - Parameters:
    ///   - split: one of ``givenSplitNames`` (e.g. `"u1"`).
    ///   - directory: the folder holding the files.
    ///   - dataset: the data set whose id maps index the result.
    /// - Returns: training and test interactions over the data set's index spaces.
    /// - Throws: ``DataError/missingFile(path:)`` when the split files are absent,
    ///   ``DataError/malformedLine(file:line:reason:)`` for bad lines, ``DataError/invalidInput(_:)``
    ///   for ids the data set does not know.
    public static func loadGivenSplit(_ split: String, directory: URL, dataset: Dataset) throws -> (train: Interactions, test: Interactions) {
        guard givenSplitNames.contains(split) else {
            throw DataError.invalidInput("unknown ML-100K split '\(split)'; known: \(givenSplitNames.joined(separator: ", "))")
        }
        func part(_ suffix: String) throws -> Interactions {
            let url = directory.appendingPathComponent("\(split).\(suffix)")
            let parsed = try RatingsReader.read(url: url, format: ratingsFormat, allowFastPath: false)
            return try reindex(parsed, file: url.path, into: dataset)
        }
        return (try part("base"), try part("test"))
    }

    static let ratingsFormat = RatingsFileFormat(separator: .tab, hasHeader: false, userColumn: 0, itemColumn: 1,
                                                 ratingColumn: 2, timestampColumn: 3, fieldCount: 4,
                                                 ratingScale: 1...5, integerIDs: true, quoting: false)

    static func readItems(url: URL) throws -> CatalogBuilder {
        let file = try TextFile(url: url)
        var catalog = CatalogBuilder(path: file.path)
        let genres = MovieLensGenres.standard
        try file.forEachLine { number, line in
            let fields = try file.fields(line, separator: .pipe, quoting: false, lineNumber: number)
            guard fields.count == 5 + genres.count else {
                throw DataError.malformedLine(file: file.path, line: number,
                    reason: "expected \(5 + genres.count) fields separated by '|', found \(fields.count)")
            }
            let id = try file.string(fields[0], encoding: .latin1, lineNumber: number)
            guard NumberParsing.canonicalID(file.bytes[fields[0].range]) != nil else {
                throw DataError.malformedLine(file: file.path, line: number, reason: "item id '\(id)' is not a non-negative integer")
            }
            var (title, year) = splitTitleYear(try file.string(fields[1], encoding: .latin1, lineNumber: number))
            let date = try file.string(fields[2], encoding: .latin1, lineNumber: number)
            if !date.isEmpty {
                guard let dateYear = releaseYear(date) else {
                    throw DataError.malformedLine(file: file.path, line: number,
                        reason: "release date '\(date)' is not a date like 01-Jan-1995")
                }
                if year == nil { year = dateYear }
            }
            var names: [String] = []
            for (k, genre) in genres.enumerated() {
                switch file.bytes[fields[5 + k].range] {
                case [48]: break
                case [49]: names.append(genre)
                default:
                    throw DataError.malformedLine(file: file.path, line: number,
                        reason: "genre flag \(k + 1) (\(genre)) is '\(file.preview(fields[5 + k].range))', expected 0 or 1")
                }
            }
            try catalog.add(id: id, title: title, year: year, genres: names, line: number)
        }
        return catalog
    }

    /// The year of a date like `01-Jan-1995`.
    static func releaseYear(_ date: String) -> Int? {
        let parts = date.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, let day = Int(parts[0]), (1...31).contains(day), parts[1].count == 3,
              parts[2].count == 4, let year = Int(parts[2]) else { return nil }
        return year
    }

    /// Reads `u.user`: `user id|age|sex|occupation|zip code`, Latin-1.
    static func readUsers(url: URL) throws -> UserTableBuilder {
        try readMovieLensUsers(url: url, separator: .pipe, encoding: .latin1, ageColumn: 1, sexColumn: 2)
    }
}

/// Re-expresses parsed ratings in the index spaces of `dataset`.
func reindex(_ parsed: ParsedRatings, file: String, into dataset: Dataset) throws -> Interactions {
    let userMap = try parsed.userIDs.ids.map { id -> Int32 in
        guard let index = dataset.userIDs.index(of: id) else {
            throw DataError.invalidInput("\(file): user \(id) is not in data set \(dataset.name)")
        }
        return index.rawValue
    }
    let itemMap = try parsed.itemIDs.ids.map { id -> Int32 in
        guard let index = dataset.itemIDs.index(of: id) else {
            throw DataError.invalidInput("\(file): item \(id) is not in data set \(dataset.name)")
        }
        return index.rawValue
    }
    let x = parsed.interactions
    return Interactions(users: x.users.map { userMap[Int($0)] }, items: x.items.map { itemMap[Int($0)] },
                        ratings: x.ratings, timestamps: x.timestamps,
                        userCount: dataset.userCount, itemCount: dataset.itemCount)
}
