import Foundation

/// The MovieLens genre vocabulary shared by every loader, so that catalogs from different
/// layouts of the same data compare equal.
public enum MovieLensGenres {
    /// The 19 genres of MovieLens 100K, in the order of the `u.item` flag columns. Every
    /// MovieLens catalog starts with these names (in this bit order); genres only later data
    /// sets have (such as `IMAX`) are appended after them.
    public static let standard: [String] = [
        "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
        "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
        "War", "Western",
    ]

    /// The standard spelling of a genre name as written by a data set: `Children` (ML-10M and
    /// later) becomes `Children's`, `(no genres listed)` becomes `unknown`; case is normalised
    /// to the standard name's. Other names are returned unchanged.
    public static func canonicalName(_ name: String) -> String {
        let lower = name.lowercased()
        if lower == "children" { return "Children's" }
        if lower == "(no genres listed)" { return "unknown" }
        if let match = standard.first(where: { $0.lowercased() == lower }) { return match }
        return name
    }
}

/// Splits a MovieLens title such as `"Star Wars (1977)"` into `("Star Wars", 1977)`.
///
/// Only a trailing four-digit year in parentheses is recognised; a title without one
/// (`"Babylon 5"`) is returned whole (trimmed) with `nil`.
func splitTitleYear(_ raw: String) -> (title: String, year: Int?) {
    let text = raw.trimmingCharacters(in: .whitespaces)
    let scalars = Array(text.unicodeScalars)
    let n = scalars.count
    guard n >= 6, scalars[n - 1] == ")", scalars[n - 6] == "(" else { return (text, nil) }
    var year = 0
    for k in (n - 5)..<(n - 1) {
        let v = scalars[k].value
        guard v >= 48 && v <= 57 else { return (text, nil) }
        year = year * 10 + Int(v - 48)
    }
    var title = String(String.UnicodeScalarView(scalars[0..<(n - 6)]))
    title = title.trimmingCharacters(in: .whitespaces)
    return (title, year)
}

/// Collects item rows (title, year, genres) keyed by external id, then builds the catalog in
/// the order of an item ``IDMap``, adding items that nobody rated at the end of the map.
struct CatalogBuilder {
    private var titles: [String: String] = [:]
    private var years: [String: Int] = [:]
    private var genreSets: [String: GenreSet] = [:]
    private(set) var genreNames: [String]
    private(set) var order: [String] = []
    let path: String
    /// What one item is called in messages and charts: "movie" for MovieLens layouts.
    var itemNoun: String

    /// A builder whose genre list starts with MovieLens's (the default) or with `genreNames`.
    init(path: String, genreNames: [String] = MovieLensGenres.standard, itemNoun: String = "movie") {
        self.path = path
        self.genreNames = genreNames
        self.itemNoun = itemNoun
    }

    var isEmpty: Bool { order.isEmpty }

    /// Records an item.
    /// - Throws: ``DataError/malformedLine(file:line:reason:)`` when the id appears twice or there
    ///   are more than 64 genres.
    mutating func add(id rawID: String, title: String, year: Int?, genres: [String], line: Int) throws {
        let id = try normalizedID(rawID, what: "item", file: path, line: line)
        guard titles[id] == nil else {
            throw DataError.malformedLine(file: path, line: line, reason: "item id \(id) appears twice in the item file")
        }
        order.append(id)
        titles[id] = title
        if let year { years[id] = year }
        var set = GenreSet()
        for genre in genres {
            let name = itemNoun == "movie" ? MovieLensGenres.canonicalName(genre) : genre
            var index = genreNames.firstIndex(of: name)
            if index == nil {
                guard genreNames.count < 64 else {
                    throw DataError.malformedLine(file: path, line: line, reason: "more than 64 distinct genres")
                }
                genreNames.append(name)
                index = genreNames.count - 1
            }
            set.insert(GenreSet(index: index!))
        }
        genreSets[id] = set
    }

    /// The catalog parallel to `itemIDs` after appending the items of this file that are not in it yet.
    /// Items without an entry get their id as title.
    func build(itemIDs: inout IDMap<ItemID>) -> ItemCatalog {
        for id in order { itemIDs.insert(ItemID(id)) }
        return ItemCatalog(titles: itemIDs.ids.map { titles[$0.rawValue] ?? $0.rawValue },
                           years: itemIDs.ids.map { years[$0.rawValue] },
                           genres: itemIDs.ids.map { genreSets[$0.rawValue] ?? [] },
                           genreNames: genreNames)
    }
}

/// Collects user rows keyed by external id, then builds the table in the order of a user ``IDMap``.
struct UserTableBuilder {
    private var rows: [String: (age: Int?, sex: String, occupation: String, zip: String)] = [:]
    private var order: [String] = []
    let path: String

    init(path: String) { self.path = path }

    mutating func add(id rawID: String, age: Int?, sex: String, occupation: String, zip: String, line: Int) throws {
        let id = try normalizedID(rawID, what: "user", file: path, line: line)
        guard rows[id] == nil else {
            throw DataError.malformedLine(file: path, line: line, reason: "user id \(id) appears twice in the user file")
        }
        order.append(id)
        rows[id] = (age, sex, occupation, zip)
    }

    /// The table parallel to `userIDs` after appending the users of this file not in it yet.
    func build(userIDs: inout IDMap<UserID>) -> UserTable {
        for id in order { userIDs.insert(UserID(id)) }
        let r = userIDs.ids.map { rows[$0.rawValue] }
        return UserTable(ages: r.map { $0?.age }, sexes: r.map { $0?.sex ?? "" },
                         occupations: r.map { $0?.occupation ?? "" }, zipCodes: r.map { $0?.zip ?? "" })
    }
}

/// Rating scales of the MovieLens data sets.
enum MovieLensScale {
    /// 1...5 for ML-100K and ML-1M (whole stars), 0.5...5 for later sets (half stars), `nil` otherwise.
    static func forName(_ name: String) -> ClosedRange<Float>? {
        let lower = name.lowercased()
        if lower.hasPrefix("ml-100k") || lower.hasPrefix("ml-1m") { return 1...5 }
        if lower.hasPrefix("ml-") { return 0.5...5 }
        return nil
    }
}

/// Reads the optional side file `url` (a catalog or a user table) with `read` when it exists,
/// adding its path to `files` (the files a ``LoadReport`` lists).
/// - Returns: what `read` returns; `nil` when there is no such file.
/// - Throws: what `read` throws.
func readIfPresent<T>(_ url: URL, files: inout [String], _ read: (URL) throws -> T) rethrows -> T? {
    guard FileManager.default.fileExists(atPath: url.path) else { return nil }
    let value = try read(url)
    files.append(url.path)
    return value
}

/// Assembles a ``Dataset`` from parsed ratings plus optional catalog and user rows, its users and
/// items in `order`: renumbered unless the ratings are already numbered in that order and the
/// catalog and the user table add no ids (``IndexOrder/firstAppearance`` keeps the loaders'
/// numbering as it is).
func assembleDataset(name: String, ratings: ParsedRatings, catalog: CatalogBuilder?, users: UserTableBuilder?,
                     ratingScale: ClosedRange<Float>?, explicit: Bool, files: [String], notes: [String] = [],
                     order: IndexOrder = .firstAppearance, threads: Int = Parallelism.availableCores) -> Dataset {
    var itemIDs = ratings.itemIDs, userIDs = ratings.userIDs
    let itemCatalog = catalog?.build(itemIDs: &itemIDs) ?? ItemCatalog(placeholderFor: itemIDs)
    let userTable = users?.build(userIDs: &userIDs)
    var interactions = ratings.interactions
    interactions.userCount = userIDs.count
    interactions.itemCount = itemIDs.count
    var report = LoadReport()
    report.files = files
    report.linesRead = ratings.linesRead
    report.duplicatesDropped = ratings.duplicatesDropped
    report.notes = notes
    var dataset = Dataset(name: name, userIDs: userIDs, itemIDs: itemIDs, interactions: interactions, catalog: itemCatalog,
                          userTable: userTable, ratingScale: ratingScale, hasExplicitRatings: explicit, report: report)
    dataset.itemNoun = catalog?.itemNoun ?? (name.lowercased().hasPrefix("ml-") ? "movie" : "item")
    let sideIDsAdded = userIDs.count != ratings.userIDs.count || itemIDs.count != ratings.itemIDs.count
    if order != .firstAppearance && (order != ratings.order || sideIDsAdded) { dataset.reindex(order, threads: threads) }
    return dataset
}

/// An id from an items or users file without surrounding spaces (`" 1 "` is id `1`).
/// - Throws: ``DataError/malformedLine(file:line:reason:)`` when it is empty or holds a control
///   character (NUL, CR, escape, ...).
func normalizedID(_ raw: String, what: String, file: String, line: Int) throws -> String {
    let id = raw.trimmingCharacters(in: .whitespaces)
    if let bad = id.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
        throw DataError.malformedLine(file: file, line: line,
            reason: "\(what) id '\(id)' contains a control character (0x\(String(bad.value, radix: 16, uppercase: true)))")
    }
    guard !id.isEmpty else { throw DataError.malformedLine(file: file, line: line, reason: "\(what) id is empty") }
    return id
}
