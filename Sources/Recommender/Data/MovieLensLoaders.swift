import Foundation

/// Loads MovieLens 1M and 10M: `ratings.dat`, `movies.dat` and (1M only) `users.dat`, with
/// `::` separators.
///
/// - `ratings.dat`: `UserID::MovieID::Rating::Timestamp` (1...5 for 1M, 0.5...5 for 10M).
/// - `movies.dat`: `MovieID::Title (year)::Genre|Genre` — Latin-1 in ML-1M, UTF-8 in ML-10M.
///   The year is parsed from the title and removed from it.
/// - `users.dat` (ML-1M): `UserID::Gender::Age::Occupation::Zip-code`. Ages are group codes
///   (1 = under 18, 18 = 18–24, 25, 35, 45, 50, 56 = 56+) and are stored as the code; the
///   occupation code is translated to its name (see ``occupationNames``).
public enum MovieLensDatLoader {
    /// Loads the files in `directory`.
    /// - Parameters:
    ///   - directory: the folder holding `ratings.dat`.
    ///   - name: the data set name; `ml-1m…` reads `movies.dat` as Latin-1, `ml-10m…` as strict
    ///     UTF-8, any other name as UTF-8 when the file is valid UTF-8 and Latin-1 otherwise.
    ///     It also picks the rating scale (1...5 for `ml-1m`, 0.5...5 otherwise).
    ///   - indexOrder: the order of the user and item indices (see ``IndexOrder``); by id, a
    ///     plain numeric ratings file is numbered while it is read.
    ///   - threads: threads for parsing (1 = single-thread mode; same result).
    /// - Throws: ``DataError`` naming the file, line and problem.
    public static func load(directory: URL, name: String, indexOrder: IndexOrder = .firstAppearance,
                            threads: Int = Parallelism.availableCores) throws -> Dataset {
        let ratingsURL = directory.appendingPathComponent("ratings.dat")
        let scale = MovieLensScale.forName(name) ?? 0.5...5
        let format = RatingsFileFormat(separator: .doubleColon, hasHeader: false, userColumn: 0, itemColumn: 1,
                                       ratingColumn: 2, timestampColumn: 3, fieldCount: 4, ratingScale: scale,
                                       integerIDs: true, quoting: false)
        let ratings = try RatingsReader.read(url: ratingsURL, format: format, threads: threads, order: indexOrder)
        var files = [ratingsURL.path]
        let catalog = try readIfPresent(directory.appendingPathComponent("movies.dat"), files: &files) { url in
            let lower = name.lowercased()
            let file = try TextFile(url: url)
            let encoding: TextEncoding
            if lower.hasPrefix("ml-1m") { encoding = .latin1 }
            else if lower.hasPrefix("ml-10m") { encoding = .utf8 }
            else { encoding = String(validating: file.bytes, as: UTF8.self) == nil ? .latin1 : .utf8 }
            return try readMovies(file, separator: .doubleColon, encoding: encoding)
        }
        let users = try readIfPresent(directory.appendingPathComponent("users.dat"), files: &files, readUsers)
        return assembleDataset(name: name, ratings: ratings, catalog: catalog, users: users,
                               ratingScale: scale, explicit: true, files: files, order: indexOrder, threads: threads)
    }

    /// ML-1M occupation codes 0–20, in code order.
    public static let occupationNames = [
        "other", "academic/educator", "artist", "clerical/admin", "college/grad student", "customer service",
        "doctor/health care", "executive/managerial", "farmer", "homemaker", "K-12 student", "lawyer",
        "programmer", "retired", "sales/marketing", "scientist", "self-employed", "technician/engineer",
        "tradesman/craftsman", "unemployed", "writer",
    ]

    /// Reads `users.dat`: `UserID::Gender::Age::Occupation::Zip-code`, UTF-8, the occupation a
    /// code translated by ``occupationNames``.
    static func readUsers(url: URL) throws -> UserTableBuilder {
        try readMovieLensUsers(url: url, separator: .doubleColon, encoding: .utf8, ageColumn: 2, sexColumn: 1,
                               occupation: { Int($0).flatMap { occupationNames.indices.contains($0) ? occupationNames[$0] : nil } },
                               occupationRule: "a code 0-20")
    }
}

/// Loads MovieLens 20M, 25M, 32M and latest(-small): `ratings.csv` and `movies.csv`.
///
/// - `ratings.csv`: header `userId,movieId,rating,timestamp`, ratings 0.5...5. This file can
///   hold tens of millions of lines and is read by the parallel fast path.
/// - `movies.csv`: header `movieId,title,genres`, UTF-8; titles containing commas are
///   double-quoted (with `""` for a quote); genres are `|`-separated, `(no genres listed)`
///   becomes `unknown`; the year is parsed from the title (`"Babylon 5"` has none).
public enum MovieLensCSVLoader {
    /// Loads the files in `directory`.
    /// - Parameters:
    ///   - directory: the folder holding `ratings.csv`.
    ///   - name: the data set name.
    ///   - indexOrder: the order of the user and item indices (see ``IndexOrder``); by id, a
    ///     plain numeric ratings file is numbered while it is read.
    ///   - threads: threads for parsing (1 = single-thread mode; same result).
    /// - Throws: ``DataError`` naming the file, line and problem.
    public static func load(directory: URL, name: String, indexOrder: IndexOrder = .firstAppearance,
                            threads: Int = Parallelism.availableCores) throws -> Dataset {
        let ratingsURL = directory.appendingPathComponent("ratings.csv")
        let scale: ClosedRange<Float> = 0.5...5
        let ratings = try RatingsReader.read(url: ratingsURL, format: ratingsFormat(scale: scale), threads: threads, order: indexOrder)
        var files = [ratingsURL.path]
        let catalog = try readIfPresent(directory.appendingPathComponent("movies.csv"), files: &files) {
            try readMovies(TextFile(url: $0), separator: .comma, encoding: .utf8, header: true)
        }
        return assembleDataset(name: name, ratings: ratings, catalog: catalog, users: nil,
                               ratingScale: scale, explicit: true, files: files, order: indexOrder, threads: threads)
    }

    static func ratingsFormat(scale: ClosedRange<Float>?) -> RatingsFileFormat {
        RatingsFileFormat(separator: .comma, hasHeader: true, userColumn: 0, itemColumn: 1, ratingColumn: 2,
                          timestampColumn: 3, fieldCount: 4, ratingScale: scale, integerIDs: true, quoting: true)
    }
}

/// Reads a MovieLens users file (`u.user`, `users.dat`): five fields a line, the user id first,
/// age and sex in the columns given (1 and 2), the occupation fourth, the zip code last.
/// - Parameters:
///   - occupation: the occupation to store for the field's text, `nil` when it is invalid
///     (then the line is refused: the occupation is not `occupationRule`).
/// - Throws: ``DataError/malformedLine(file:line:reason:)`` for a wrong field count, a user id
///   that is not a non-negative integer, an invalid age or occupation.
func readMovieLensUsers(url: URL, separator: FieldSeparator, encoding: TextEncoding, ageColumn: Int, sexColumn: Int,
                        occupation: (String) -> String? = { $0 }, occupationRule: String = "") throws -> UserTableBuilder {
    let file = try TextFile(url: url)
    var users = UserTableBuilder(path: file.path)
    try file.forEachLine { number, line in
        let fields = try file.fields(line, separator: separator, quoting: false, lineNumber: number)
        guard fields.count == 5 else {
            throw DataError.malformedLine(file: file.path, line: number,
                                          reason: "expected 5 fields separated by '\(separator.text)', found \(fields.count)")
        }
        let text = try fields.map { try file.string($0, encoding: encoding, lineNumber: number) }
        guard NumberParsing.canonicalID(file.bytes[fields[0].range]) != nil else {
            throw DataError.malformedLine(file: file.path, line: number, reason: "user id '\(text[0])' is not a non-negative integer")
        }
        guard let age = Int(text[ageColumn]), age >= 0 else {
            throw DataError.malformedLine(file: file.path, line: number, reason: "age '\(text[ageColumn])' is not a non-negative integer")
        }
        guard let job = occupation(text[3]) else {
            throw DataError.malformedLine(file: file.path, line: number, reason: "occupation '\(text[3])' is not \(occupationRule)")
        }
        try users.add(id: text[0], age: age, sex: text[sexColumn], occupation: job, zip: text[4], line: number)
    }
    return users
}

/// Reads a MovieLens movies file (`movies.dat` or `movies.csv`): `id, title (year), genres`.
func readMovies(_ file: TextFile, separator: FieldSeparator, encoding: TextEncoding, header: Bool = false) throws -> CatalogBuilder {
    var catalog = CatalogBuilder(path: file.path)
    var headerPending = header
    try file.forEachLine { number, line in
        if headerPending { headerPending = false; return }
        let fields = try file.fields(line, separator: separator, quoting: separator == .comma, lineNumber: number)
        guard fields.count == 3 else {
            throw DataError.malformedLine(file: file.path, line: number,
                reason: "expected 3 fields (id, title, genres) separated by '\(separator.text)', found \(fields.count)")
        }
        let id = try file.string(fields[0], encoding: encoding, lineNumber: number)
        guard NumberParsing.canonicalID(file.bytes[fields[0].range]) != nil else {
            throw DataError.malformedLine(file: file.path, line: number, reason: "movie id '\(id)' is not a non-negative integer")
        }
        let (title, year) = splitTitleYear(try file.string(fields[1], encoding: encoding, lineNumber: number))
        let genres = try file.string(fields[2], encoding: encoding, lineNumber: number)
            .split(separator: "|").map(String.init).filter { !$0.isEmpty }
        try catalog.add(id: id, title: title, year: year, genres: genres, line: number)
    }
    return catalog
}
