import Foundation

/// Loads the RecBole "atomic files" layout: `NAME.inter`, `NAME.item`, `NAME.user`.
///
/// Each file is tab-separated, UTF-8, with a typed header line (`user_id:token`,
/// `rating:float`, ...); columns are found by name. `NAME.item` has `movie_title`,
/// `release_year` and `class` (space-separated genres); `NAME.user` has `age`, `gender`,
/// `occupation`, `zip_code`. This is the layout of the ML-100K copy shipped in the `recbole`
/// Python package, used offline.
///
/// So that the same data loaded from this layout and from the original MovieLens files
/// compare equal, genres map onto ``MovieLensGenres/standard`` (same names, same bit order),
/// and two quirks of RecBole's ML-100K copy are undone: item 267's title and year are written
/// `unkonwn` (read as title `unknown`, no year), and a year that is not a number (item 1412's
/// `V`, split off the original title `... (1995) (V)`) is put back at the end of the title.
public enum RecBoleLoader {
    /// Loads `directory/NAME.inter` (required) plus `.item` and `.user` when present.
    /// - Parameters:
    ///   - directory: the folder holding the files.
    ///   - name: the file stem and data set name (e.g. `"ml-100k"`).
    ///   - ratingScale: the declared scale (ratings outside are errors); by default the
    ///     MovieLens scale for MovieLens names, none otherwise.
    ///   - indexOrder: the order of the user and item indices (see ``IndexOrder``); by id, a
    ///     plain numeric ratings file is numbered while it is read.
    ///   - threads: threads for parsing (1 = single-thread mode; same result).
    /// - Throws: ``DataError`` naming the file, line and problem.
    public static func load(directory: URL, name: String, ratingScale: ClosedRange<Float>?? = nil,
                            indexOrder: IndexOrder = .firstAppearance, threads: Int = Parallelism.availableCores) throws -> Dataset {
        let inter = directory.appendingPathComponent("\(name).inter")
        let header = try typedHeader(url: inter)
        guard let userColumn = header.firstIndex(of: "user_id"), let itemColumn = header.firstIndex(of: "item_id") else {
            throw DataError.malformedLine(file: inter.path, line: 1,
                reason: "header needs user_id and item_id columns (found: \(header.joined(separator: ", ")))")
        }
        let ratingColumn = header.firstIndex(of: "rating")
        let scale: ClosedRange<Float>? = ratingScale ?? MovieLensScale.forName(name)
        let format = RatingsFileFormat(separator: .tab, hasHeader: true, userColumn: userColumn, itemColumn: itemColumn,
                                       ratingColumn: ratingColumn, timestampColumn: header.firstIndex(of: "timestamp"),
                                       fieldCount: header.count, ratingScale: scale, integerIDs: false, quoting: false)
        let ratings = try RatingsReader.read(url: inter, format: format, threads: threads, order: indexOrder)
        var files = [inter.path]

        let catalog = try readIfPresent(directory.appendingPathComponent("\(name).item"), files: &files, readItems)
        let users = try readIfPresent(directory.appendingPathComponent("\(name).user"), files: &files, readUsers)
        return assembleDataset(name: name, ratings: ratings, catalog: catalog, users: users,
                               ratingScale: ratingColumn == nil ? nil : scale, explicit: ratingColumn != nil, files: files,
                               order: indexOrder, threads: threads)
    }

    /// The column names of a typed header (`user_id:token` → `user_id`), reading only the first line.
    static func typedHeader(url: URL) throws -> [String] {
        let (file, line) = try TextFile.firstLine(url: url)
        return try file.fields(line, separator: .tab, quoting: false, lineNumber: 1).map {
            String(try file.string($0, encoding: .utf8, lineNumber: 1).split(separator: ":", maxSplits: 1).first ?? "")
        }
    }

    /// Reads a tab-separated file with a typed header: the header and the rows as text.
    static func readTable(url: URL, required: [String]) throws -> (file: TextFile, columns: [String: Int], rows: [(line: Int, fields: [String])]) {
        let file = try TextFile(url: url)
        var header: [String]? = nil
        var rows: [(line: Int, fields: [String])] = []
        try file.forEachLine { number, line in
            let fields = try file.fields(line, separator: .tab, quoting: false, lineNumber: number)
            let text = try fields.map { try file.string($0, encoding: .utf8, lineNumber: number) }
            guard let header else {
                header = text.map { String($0.split(separator: ":", maxSplits: 1).first ?? "") }
                return
            }
            guard text.count == header.count else {
                throw DataError.malformedLine(file: file.path, line: number,
                    reason: "expected \(header.count) fields separated by tabs, found \(text.count)")
            }
            rows.append((number, text))
        }
        let names = header ?? []
        var columns: [String: Int] = [:]
        for (k, name) in names.enumerated() where columns[name] == nil { columns[name] = k }
        for name in required where columns[name] == nil {
            throw DataError.malformedLine(file: file.path, line: 1,
                reason: "header has no '\(name)' column (found: \(names.joined(separator: ", ")))")
        }
        if rows.isEmpty { throw DataError.emptyFile(path: file.path) }
        return (file, columns, rows)
    }

    static func readItems(url: URL) throws -> CatalogBuilder {
        let table = try readTable(url: url, required: ["item_id"])
        var catalog = CatalogBuilder(path: table.file.path)
        let c = table.columns
        for (line, fields) in table.rows {
            let id = fields[c["item_id"]!]
            guard !id.isEmpty else { throw DataError.malformedLine(file: table.file.path, line: line, reason: "item id is empty") }
            var title = c["movie_title"].map { fields[$0].trimmingCharacters(in: .whitespaces) } ?? id
            if title == "unkonwn" { title = "unknown" }
            var year: Int? = nil
            if let column = c["release_year"] {
                let text = fields[column].trimmingCharacters(in: .whitespaces)
                if let value = Int(text) {
                    year = value
                } else if !["", "unkonwn", "unknown"].contains(text) {
                    title += " (\(text))"
                }
            }
            let genres = c["class"].map { fields[$0].split(separator: " ").map(String.init) } ?? []
            try catalog.add(id: id, title: title, year: year, genres: genres, line: line)
        }
        return catalog
    }

    static func readUsers(url: URL) throws -> UserTableBuilder {
        let table = try readTable(url: url, required: ["user_id"])
        var users = UserTableBuilder(path: table.file.path)
        let c = table.columns
        for (line, fields) in table.rows {
            let id = fields[c["user_id"]!]
            guard !id.isEmpty else { throw DataError.malformedLine(file: table.file.path, line: line, reason: "user id is empty") }
            var age: Int? = nil
            if let column = c["age"], !fields[column].isEmpty {
                guard let value = Int(fields[column]), value >= 0 else {
                    throw DataError.malformedLine(file: table.file.path, line: line,
                        reason: "age '\(fields[column])' is not a non-negative integer")
                }
                age = value
            }
            try users.add(id: id, age: age, sex: c["gender"].map { fields[$0] } ?? "",
                          occupation: c["occupation"].map { fields[$0] } ?? "",
                          zip: c["zip_code"].map { fields[$0] } ?? "", line: line)
        }
        return users
    }
}
