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
    ///   - indexOrder: the order of the user and item indices (see ``IndexOrder``); by id, a
    ///     plain numeric ratings file is numbered while it is read.
    ///   - threads: threads for parsing (1 = single-thread mode; same result).
    /// - Throws: ``DataError`` naming the file, line and problem.
    public static func load(ratings: URL, items: URL? = nil, options: DelimitedFileOptions = DelimitedFileOptions(),
                            name: String? = nil, indexOrder: IndexOrder = .firstAppearance,
                            threads: Int = Parallelism.availableCores) throws -> Dataset {
        if case .stream = FileKind.of(ratings.path) {
            // A pipe, standard input or a device can be read only once, and the loader reads the
            // head first: copy the stream to a temporary file, load that, and name the stream in
            // every message.
            let spooled = try StreamSpool(reading: ratings.path)
            defer { spooled.remove() }
            do {
                var dataset = try load(ratings: spooled.url, items: items, options: options,
                                       name: name ?? (ratings.path == "/dev/stdin" ? "stdin" : ratings.deletingPathExtension().lastPathComponent),
                                       indexOrder: indexOrder, threads: threads)
                dataset.report.files = dataset.report.files.map { $0 == spooled.url.path ? ratings.path : $0 }
                return dataset
            } catch let error as DataError {
                throw error.replacingPath(spooled.url.path, with: ratings.path)
            }
        }
        let (format, notes) = try detectFormat(url: ratings, options: options)
        let parsed = try RatingsReader.read(url: ratings, format: format, threads: threads, order: indexOrder)
        var files = [ratings.path]
        var catalog: CatalogBuilder? = nil
        if let items {
            catalog = try ItemsFileLoader.read(url: items)
            files.append(items.path)
        }
        return assembleDataset(name: name ?? ratings.deletingPathExtension().lastPathComponent, ratings: parsed,
                               catalog: catalog, users: nil, ratingScale: format.ratingColumn == nil ? nil : options.ratingScale,
                               explicit: format.ratingColumn != nil, files: files, notes: notes, order: indexOrder, threads: threads)
    }

    /// The header names each role is recognised by (after ``normalize(_:)``). The lists are
    /// disjoint, so a name never fits two roles.
    static let aliases: [String: [String]] = [
        "user": ["user", "userid", "uid", "users", "customer", "customerid", "reader", "readerid", "member", "memberid",
                 "visitor", "visitorid", "session", "sessionid", "client", "clientid", "account", "accountid",
                 "listener", "listenerid", "viewer", "viewerid", "player", "playerid", "person", "personid"],
        "item": ["item", "itemid", "iid", "movie", "movieid", "product", "productid", "items", "book", "bookid", "isbn",
                 "song", "songid", "track", "trackid", "artist", "artistid", "article", "articleid", "asin", "sku",
                 "video", "videoid", "game", "gameid", "recipe", "recipeid", "show", "showid", "anime", "animeid"],
        "rating": ["rating", "ratings", "score", "stars", "value", "weight", "count", "clicks", "plays", "playcount",
                   "views", "quantity", "bookrating", "grade", "preference", "feedback"],
        "timestamp": ["timestamp", "time", "ts", "unixtime", "epoch", "datetime"],
    ]

    /// The order roles are resolved and reported in.
    static let roles = ["user", "item", "rating", "timestamp"]

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
        // The most common field count (of at least 2) over the sample lines, and how many have it.
        // A majority decides, so one malformed line among the first ones cannot change the
        // layout: it gets its own `file:line` error when the file is read.
        func modalCount(_ candidate: FieldSeparator) -> (count: Int, lines: Int) {
            var tally: [Int: Int] = [:]
            for line in lines { if let c = split(line, candidate)?.count, c >= 2 { tally[c, default: 0] += 1 } }
            return tally.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }.map { ($0.key, $0.value) } ?? (0, 0)
        }
        var separator = options.separator
        if separator == nil {
            for candidate in [FieldSeparator.doubleColon, .tab, .comma, .semicolon, .pipe] {
                let (count, agreeing) = modalCount(candidate)
                if count >= 2 && agreeing * 2 > lines.count { separator = candidate; break }
            }
        }
        guard let separator else {
            throw DataError.malformedLine(file: path, line: lines[0].number,
                reason: "could not detect the field separator (tried '::', tab, ',', ';', '|' for at least 2 columns on most lines); give it explicitly")
        }
        guard let first = split(lines[0], separator) else {
            throw DataError.malformedLine(file: path, line: lines[0].number, reason: "unterminated quoted field")
        }
        let expectedCount = modalCount(separator).count
        if expectedCount >= 2 && first.count != expectedCount && options.separator == nil {
            throw DataError.malformedLine(file: path, line: lines[0].number,
                reason: "expected \(expectedCount) fields separated by '\(separator.text)' (as on most of the first lines), found \(first.count)")
        }
        let names = first.map { normalize(String(decoding: file.bytes[$0.range], as: UTF8.self)) }
        func isNumber(_ f: FieldRange) -> Bool { NumberParsing.decimal(file.bytes[f.range]) != nil }
        var hasHeader = options.hasHeader
        if hasHeader == nil {
            // Two known names, or names above numbers: one known word alone ("book") is as
            // likely an id as a column name.
            let knownNames = names.filter { n in aliases.values.contains { $0.contains(n) } }.count
            var typeChange = false
            if lines.count > 1, let second = split(lines[1], separator), second.count == first.count {
                typeChange = zip(first, second).contains { !isNumber($0) && isNumber($1) }
            }
            hasHeader = knownNames >= 2 || typeChange
        }
        let columnCount = first.count
        let headerNames = first.map { file.preview($0.range) }
        /// A column as a message names it: its position and, with a header, its name.
        func column(_ k: Int) -> String {
            hasHeader == true ? "column \(k + 1) '\(headerNames[k])'" : "column \(k + 1)"
        }
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
                if hasHeader == true {
                    let matches = names.indices.filter { aliases[role]!.contains(names[$0]) }
                    if matches.count > 1 {
                        throw DataError.invalidInput("\(path): the header is ambiguous: \(matches.map { column($0) }.joined(separator: " and ")) could each be the \(role) column; name it with --\(role)-column")
                    }
                    if let k = matches.first { return k }
                }
                guard position < columnCount else { return nil }
                if hasHeader == true, let other = roles.first(where: { $0 != role && aliases[$0]!.contains(names[position]) }) {
                    // No column is named like this role, and the one at its usual position is
                    // named like another role: guessing would swap roles silently.
                    if role == "rating" || role == "timestamp" { return nil }
                    throw DataError.invalidInput("\(path): no header name says which column holds the \(role) ids (known names: \(aliases[role]!.prefix(8).joined(separator: ", ")), …), and \(column(position)) looks like the \(other) column; give --\(role)-column NAME")
                }
                if role == "rating" || role == "timestamp" {
                    // Unnamed: the column is used when most of its sample values are numbers; a
                    // minority of non-numbers are typos reported with their line, not a reason
                    // to read the file as implicit feedback.
                    let samples = lines.dropFirst(hasHeader == true ? 1 : 0).compactMap { line in split(line, separator).map { (line.number, $0) } }
                    func isValue(_ fields: [FieldRange]) -> Bool {
                        position < fields.count && (role == "rating" ? NumberParsing.decimal(file.bytes[fields[position].range]) != nil
                                                                     : NumberParsing.timestamp(file.bytes[fields[position].range]) != nil)
                    }
                    let numeric = samples.filter { isValue($0.1) }.count
                    guard !samples.isEmpty, numeric * 2 >= samples.count else { return nil }
                    if let bad = samples.first(where: { !isValue($0.1) }) {
                        let value = position < bad.1.count ? file.preview(bad.1[position].range) : ""
                        let what = role == "rating" ? ratingProblem(value) : "timestamp '\(value)' is not an integer"
                        throw DataError.malformedLine(file: path, line: bad.0,
                            reason: "\(what) (column \(position + 1) holds \(role)s on the other lines; give --\(role)-column none if it is not a \(role) column)")
                    }
                    return position
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
        let assigned: [(role: String, column: Int)] = [("user", user), ("item", item)]
            + [("rating", rating), ("timestamp", timestamp)].compactMap { pair in pair.1.map { (pair.0, $0) } }
        for i in assigned.indices {
            for j in assigned.indices where j > i && assigned[i].column == assigned[j].column {
                throw DataError.invalidInput("\(path): the \(assigned[i].role) and the \(assigned[j].role) would both be \(column(assigned[i].column)); give --\(assigned[i].role)-column or --\(assigned[j].role)-column")
            }
        }
        let format = RatingsFileFormat(separator: separator, hasHeader: hasHeader!, userColumn: user, itemColumn: item,
                                       ratingColumn: rating, timestampColumn: timestamp, fieldCount: columnCount,
                                       ratingScale: options.ratingScale, integerIDs: false, quoting: separator == .comma)
        func describe(_ c: Int?) -> String { c.map { column($0) } ?? "none" }
        let notes = ["separator: \(separator.rawValue); header: \(hasHeader! ? "yes" : "no"); user \(describe(user)), item \(describe(item)), rating \(describe(rating))\(rating == nil ? " (implicit feedback: every rating is 1)" : ""), timestamp \(describe(timestamp))"]
        return (format, notes)
    }
}

/// Reads an items file in any MovieLens layout, RecBole's, or the generic
/// `id,title[,categories][,year]` layout, detected from its first line.
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
        return try readGeneric(url: url)
    }

    /// Header names of the generic items file's columns (after ``DelimitedRatingsLoader/normalize(_:)``).
    static let columnNames: [String: [String]] = [
        "id": ["id"] + DelimitedRatingsLoader.aliases["item"]!,
        "title": ["title", "name", "booktitle", "itemtitle", "itemname", "productname", "label"],
        "categories": ["categories", "category", "genres", "genre", "tags", "tag", "section", "type"],
        "year": ["year", "published", "yearofpublication", "releaseyear", "releasedate"],
    ]

    /// Reads a generic items file: `id,title[,categories][,year]`, comma-, tab- or
    /// semicolon-separated, with or without a header line (a header may put the columns in any
    /// order; without one they are taken in that order). Categories are separated by `|` (or
    /// `;` when the file is not `;`-separated); an empty year is allowed.
    /// - Throws: ``DataError/malformedLine(file:line:reason:)`` naming the line and problem.
    static func readGeneric(url: URL) throws -> CatalogBuilder {
        let file = try TextFile(url: url)
        let lines = file.lines()
        guard let first = lines.first else { throw DataError.emptyFile(path: url.path) }
        let firstText = String(decoding: file.bytes[first.range], as: UTF8.self)
        let separator: FieldSeparator = firstText.contains("\t") ? .tab : firstText.contains(",") ? .comma : firstText.contains(";") ? .semicolon : .comma
        let header = try file.fields(first.range, separator: separator, quoting: separator == .comma, lineNumber: first.number)
            .map { DelimitedRatingsLoader.normalize(file.preview($0.range)) }
        var roles: [String: Int] = [:]
        for (role, names) in columnNames {
            if let k = header.firstIndex(where: { names.contains($0) }) { roles[role] = k }
        }
        let hasHeader = roles["title"] != nil || (roles["id"] != nil && roles.count >= 2)
        if hasHeader {
            guard let id = roles["id"], let title = roles["title"] else {
                throw DataError.malformedLine(file: url.path, line: first.number,
                    reason: "an items file needs an id and a title column (header names such as id, item_id, isbn and title, name); found \(header.joined(separator: ", "))")
            }
            guard id != title else {
                throw DataError.malformedLine(file: url.path, line: first.number, reason: "the id and the title would be the same column")
            }
        } else {
            roles = ["id": 0, "title": 1]
            if header.count > 2 { roles["categories"] = 2 }
            if header.count > 3 { roles["year"] = 3 }
            guard header.count >= 2 else {
                throw DataError.unrecognizedLayout(directory: url.path,
                    reason: "not an items file this library knows: MovieLens (movies.csv, movies.dat, u.item), RecBole .item, or id,title[,categories][,year] separated by ',', tab or ';'")
            }
        }
        let categorySeparators: Set<Character> = separator == .semicolon ? ["|"] : ["|", ";"]
        var catalog = CatalogBuilder(path: url.path, genreNames: [], itemNoun: "item")
        for line in lines.dropFirst(hasHeader ? 1 : 0) {
            let fields = try file.fields(line.range, separator: separator, quoting: separator == .comma, lineNumber: line.number)
            if fields.count == 1 && fields[0].range.isEmpty { continue }
            func field(_ role: String) throws -> String? {
                guard let k = roles[role] else { return nil }
                guard k < fields.count else {
                    if role == "categories" || role == "year" { return nil }
                    throw DataError.malformedLine(file: url.path, line: line.number,
                        reason: "expected at least \(k + 1) fields separated by '\(separator.text)', found \(fields.count)")
                }
                return try file.string(fields[k], encoding: .utf8, lineNumber: line.number)
            }
            let id = try field("id")!
            let title = try field("title")!.trimmingCharacters(in: .whitespaces)
            let categories = try field("categories").map { $0.split(whereSeparator: { categorySeparators.contains($0) })
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } } ?? []
            var year: Int? = nil
            if let text = try field("year")?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
                guard let y = Int(text.prefix(4)), text.count == 4 || text.dropFirst(4).first.map({ !$0.isNumber }) == true, (0...9999).contains(y) else {
                    throw DataError.malformedLine(file: url.path, line: line.number, reason: "year '\(text)' is not a year (four digits)")
                }
                year = y
            }
            try catalog.add(id: id, title: title.isEmpty ? id : title, year: year, genres: categories, line: line.number)
        }
        return catalog
    }
}

/// The whole content of a stream (pipe, standard input, character device) copied into a
/// temporary regular file, so that the loaders can read it more than once.
struct StreamSpool {
    /// The temporary file.
    let url: URL

    /// Copies everything `path` gives until its end into a new temporary file.
    /// - Throws: ``DataError/unreadableFile(path:reason:)`` when the stream cannot be opened or
    ///   the copy cannot be written; ``DataError/emptyFile(path:)`` when it gives no data.
    init(reading path: String) throws {
        let input = open(path, O_RDONLY)
        guard input >= 0 else { throw DataError.unreadableFile(path: path, reason: String(cString: strerror(errno))) }
        defer { close(input) }
        let name = "recommender-stream-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).txt"
        url = FileManager.default.temporaryDirectory.appendingPathComponent(name)
        let output = open(url.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard output >= 0 else { throw DataError.unreadableFile(path: path, reason: "could not create a temporary copy: \(String(cString: strerror(errno)))") }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var total = 0
        while true {
            let got = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { let reason = String(cString: strerror(errno)); remove(); throw DataError.unreadableFile(path: path, reason: reason) }
            if got == 0 { break }
            var done = 0
            while done < got {
                let wrote = buffer.withUnsafeBytes { write(output, $0.baseAddress! + done, got - done) }
                guard wrote > 0 else { let reason = String(cString: strerror(errno)); remove(); throw DataError.unreadableFile(path: path, reason: "could not copy the stream to a temporary file: \(reason)") }
                done += wrote
            }
            total += got
        }
        if total == 0 { remove(); throw DataError.emptyFile(path: path) }
    }

    /// Deletes the temporary file.
    func remove() { unlink(url.path) }
}

extension DataError {
    /// The same error naming `replacement` wherever it named the file at `path`.
    func replacingPath(_ path: String, with replacement: String) -> DataError {
        func r(_ s: String) -> String { s.replacingOccurrences(of: path, with: replacement) }
        switch self {
        case .missingFile(let p): return .missingFile(path: r(p))
        case .emptyFile(let p): return .emptyFile(path: r(p))
        case let .malformedLine(f, l, reason): return .malformedLine(file: r(f), line: l, reason: r(reason))
        case let .unrecognizedLayout(d, reason): return .unrecognizedLayout(directory: r(d), reason: r(reason))
        case .invalidInput(let m): return .invalidInput(r(m))
        case let .unreadableFile(p, reason): return .unreadableFile(path: r(p), reason: r(reason))
        case .unknownDataset, .fetchFailed: return self
        }
    }
}
