import Foundation

/// Which column of a delimited file holds a field.
public enum ColumnChoice: Sendable, Equatable {
    /// Found by the usual header names (`user`, `userId`, `user_id`, …), else by position
    /// (user 1, item 2, rating 3, timestamp 4 when the file has that many columns; the rating
    /// and timestamp positions only when the first lines hold numbers there).
    case automatic
    /// The file has no such column (only for rating and timestamp: no rating column means
    /// implicit feedback, every rating 1).
    case none
    /// The column whose header is this name (case, `_`, `-` and a `:type` suffix ignored).
    case name(String)
    /// The column at this 1-based position (like `cut -f`).
    case position(Int)
}

/// How to read a user's own ratings file. Every field left `nil`/`.automatic` is detected.
public struct DelimitedFileOptions: Sendable, Equatable {
    /// The field separator, or `nil` to detect it among `::`, tab, `,`, `;`, `|`.
    public var separator: FieldSeparator?
    /// Whether the first line is a header, or `nil` to detect it.
    public var hasHeader: Bool?
    /// The user id column.
    public var user: ColumnChoice
    /// The item id column.
    public var item: ColumnChoice
    /// The rating column (`.none` for implicit feedback).
    public var rating: ColumnChoice
    /// The timestamp column (integer Unix seconds), if any.
    public var timestamp: ColumnChoice
    /// The declared rating scale: ratings outside it are errors. `nil` accepts any finite number.
    public var ratingScale: ClosedRange<Float>?

    /// Creates options; the defaults detect everything.
    public init(separator: FieldSeparator? = nil, hasHeader: Bool? = nil, user: ColumnChoice = .automatic,
                item: ColumnChoice = .automatic, rating: ColumnChoice = .automatic, timestamp: ColumnChoice = .automatic,
                ratingScale: ClosedRange<Float>? = nil) {
        self.separator = separator
        self.hasHeader = hasHeader
        self.user = user
        self.item = item
        self.rating = rating
        self.timestamp = timestamp
        self.ratingScale = ratingScale
    }
}

/// Loads a user's own data: a delimited ratings file `user,item[,rating][,timestamp]` and an
/// optional items file.
///
/// Ids may be any text (kept exactly as written). Without a rating column the data is implicit
/// feedback: every rating is 1 and ``Dataset/hasExplicitRatings`` is `false`. What was detected
/// (separator, header, columns) is listed in the report's notes.
public enum DelimitedRatingsLoader {
    /// Loads `ratings` (and `items` when given).
    /// - Parameters:
    ///   - ratings: the ratings file.
    ///   - items: an items file in a MovieLens layout (`movies.csv`, `movies.dat`, `u.item`) or
    ///     RecBole `.item`, detected from its first line.
    ///   - options: separator, header and columns (detected when not given).
    ///   - name: the data set name (default: the ratings file name without extension).
    ///   - threads: threads for parsing (1 = single-thread mode; same result).
    /// - Throws: ``DataError`` naming the file, line and problem.
    public static func load(ratings: URL, items: URL? = nil, options: DelimitedFileOptions = DelimitedFileOptions(),
                            name: String? = nil, threads: Int = Parallelism.availableCores) throws -> Dataset {
        let (format, notes) = try detectFormat(url: ratings, options: options)
        let parsed = try RatingsReader.read(url: ratings, format: format, threads: threads)
        var files = [ratings.path]
        var catalog: CatalogBuilder? = nil
        if let items {
            catalog = try ItemsFileLoader.read(url: items)
            files.append(items.path)
        }
        return assembleDataset(name: name ?? ratings.deletingPathExtension().lastPathComponent, ratings: parsed,
                               catalog: catalog, users: nil, ratingScale: format.ratingColumn == nil ? nil : options.ratingScale,
                               explicit: format.ratingColumn != nil, files: files, notes: notes)
    }

    static let aliases: [String: [String]] = [
        "user": ["user", "userid", "uid", "users", "customer", "customerid"],
        "item": ["item", "itemid", "iid", "movie", "movieid", "product", "productid", "items"],
        "rating": ["rating", "ratings", "score", "stars", "value", "weight"],
        "timestamp": ["timestamp", "time", "ts", "unixtime"],
    ]

    static func normalize(_ name: String) -> String {
        String(name.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            .lowercased().filter { $0 != "_" && $0 != "-" && $0 != " " }
    }

    /// Detects separator, header and columns from the first lines.
    static func detectFormat(url: URL, options: DelimitedFileOptions) throws -> (RatingsFileFormat, [String]) {
        let (file, lines) = try TextFile.headLines(url: url, count: 20)
        let path = file.path
        func split(_ line: (number: Int, range: Range<Int>), _ separator: FieldSeparator) -> [FieldRange]? {
            try? file.fields(line.range, separator: separator, quoting: separator == .comma, lineNumber: line.number)
        }
        var separator = options.separator
        if separator == nil {
            for candidate in [FieldSeparator.doubleColon, .tab, .comma, .semicolon, .pipe] {
                let counts = lines.map { split($0, candidate)?.count ?? 0 }
                if counts[0] >= 2 && counts.allSatisfy({ $0 == counts[0] }) { separator = candidate; break }
            }
        }
        guard let separator else {
            throw DataError.malformedLine(file: path, line: lines[0].number,
                reason: "could not detect the field separator (tried '::', tab, ',', ';', '|' for at least 2 columns on every line); give it explicitly")
        }
        guard let first = split(lines[0], separator) else {
            throw DataError.malformedLine(file: path, line: lines[0].number, reason: "unterminated quoted field")
        }
        let names = first.map { normalize(String(decoding: file.bytes[$0.range], as: UTF8.self)) }
        func isNumber(_ f: FieldRange) -> Bool { NumberParsing.decimal(file.bytes[f.range]) != nil }
        var hasHeader = options.hasHeader
        if hasHeader == nil {
            let knownName = names.contains { n in aliases.values.contains { $0.contains(n) } }
            var typeChange = false
            if lines.count > 1, let second = split(lines[1], separator), second.count == first.count {
                typeChange = zip(first, second).contains { !isNumber($0) && isNumber($1) }
            }
            hasHeader = knownName || typeChange
        }
        let columnCount = first.count
        func resolve(_ choice: ColumnChoice, role: String, position: Int) throws -> Int? {
            switch choice {
            case .none:
                guard role == "rating" || role == "timestamp" else {
                    throw DataError.invalidInput("the \(role) column cannot be 'none'")
                }
                return nil
            case .position(let p):
                guard p >= 1 && p <= columnCount else {
                    throw DataError.invalidInput("\(path): \(role) column \(p) does not exist (the file has \(columnCount) columns)")
                }
                return p - 1
            case .name(let n):
                guard hasHeader == true else {
                    throw DataError.invalidInput("\(path): the \(role) column is named '\(n)' but the file has no header line")
                }
                guard let k = names.firstIndex(of: normalize(n)) else {
                    throw DataError.invalidInput("\(path): no column named '\(n)' in the header (\(names.joined(separator: ", ")))")
                }
                return k
            case .automatic:
                if hasHeader == true, let k = names.firstIndex(where: { aliases[role]!.contains($0) }) { return k }
                guard position < columnCount else { return nil }
                if role == "rating" || role == "timestamp" {
                    // Unnamed: the column is used only when its sample values are numbers.
                    let samples = lines.dropFirst(hasHeader == true ? 1 : 0).compactMap { split($0, separator) }
                    let numeric = samples.allSatisfy { fields in
                        position < fields.count && (role == "rating" ? NumberParsing.decimal(file.bytes[fields[position].range]) != nil
                                                                     : NumberParsing.timestamp(file.bytes[fields[position].range]) != nil)
                    }
                    return numeric ? position : nil
                }
                return position
            }
        }
        guard let user = try resolve(options.user, role: "user", position: 0),
              let item = try resolve(options.item, role: "item", position: 1) else {
            throw DataError.malformedLine(file: path, line: lines[0].number,
                reason: "need at least a user and an item column, found \(columnCount) column(s)")
        }
        let rating = try resolve(options.rating, role: "rating", position: 2)
        let timestamp = try resolve(options.timestamp, role: "timestamp", position: 3)
        let chosen = [user, item] + [rating, timestamp].compactMap { $0 }
        guard Set(chosen).count == chosen.count else {
            throw DataError.invalidInput("\(path): two roles were given the same column")
        }
        let format = RatingsFileFormat(separator: separator, hasHeader: hasHeader!, userColumn: user, itemColumn: item,
                                       ratingColumn: rating, timestampColumn: timestamp, fieldCount: columnCount,
                                       ratingScale: options.ratingScale, integerIDs: false, quoting: separator == .comma)
        func describe(_ c: Int?) -> String { c.map { String($0 + 1) } ?? "none" }
        let notes = ["separator: \(separator.rawValue); header: \(hasHeader! ? "yes" : "no"); columns: user \(describe(user)), item \(describe(item)), rating \(describe(rating))\(rating == nil ? " (implicit feedback)" : ""), timestamp \(describe(timestamp))"]
        return (format, notes)
    }
}

/// Reads an items file in any MovieLens layout or RecBole's, detected from its first line.
enum ItemsFileLoader {
    static func read(url: URL) throws -> CatalogBuilder {
        let (head, line) = try TextFile.firstLine(url: url)
        let text = String(decoding: head.bytes[line], as: UTF8.self)
        let lower = text.lowercased()
        if lower.hasPrefix("item_id:") || lower.contains("\titem_id:") {
            return try RecBoleLoader.readItems(url: url)
        }
        if lower.hasPrefix("movieid,title,genres") {
            return try readMovies(TextFile(url: url), separator: .comma, encoding: .utf8, header: true)
        }
        if text.contains("::") {
            let file = try TextFile(url: url)
            let encoding: TextEncoding = String(validating: file.bytes, as: UTF8.self) == nil ? .latin1 : .utf8
            return try readMovies(file, separator: .doubleColon, encoding: encoding)
        }
        if text.split(separator: "|", omittingEmptySubsequences: false).count == 5 + MovieLensGenres.standard.count {
            return try MovieLens100KLoader.readItems(url: url)
        }
        throw DataError.unrecognizedLayout(directory: url.path,
            reason: "not an items file this library knows (movies.csv, movies.dat, u.item or RecBole .item)")
    }
}
