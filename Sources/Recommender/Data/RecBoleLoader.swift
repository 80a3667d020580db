import Foundation

/// Loads the RecBole "atomic files" layout: `NAME.inter`, `NAME.item`, `NAME.user`.
///
/// Each file is tab-separated with a typed header line (`user_id:token`, `rating:float`, ...).
/// `NAME.item` has `movie_title`, `release_year` and `class` (space-separated genres);
/// `NAME.user` has `age`, `gender`, `occupation`, `zip_code`. This is the layout of the
/// ML-100K copy shipped in the `recbole` Python package, used offline.
public enum RecBoleLoader {
    /// Loads `directory/NAME.inter` (required) plus `.item` and `.user` when present.
    public static func load(directory: URL, name: String, ratingScale: ClosedRange<Float>? = 1...5) throws -> Dataset {
        let inter = directory.appendingPathComponent("\(name).inter")
        var report = LoadReport()
        let interTable = try TextTable(url: inter, separator: "\t")
        report.files.append(inter.path)
        let uCol = try interTable.column(named: "user_id")
        let iCol = try interTable.column(named: "item_id")
        let rCol = interTable.optionalColumn(named: "rating")
        let tCol = interTable.optionalColumn(named: "timestamp")

        var userIDs = IDMap<UserID>(), itemIDs = IDMap<ItemID>()
        var users: [Int32] = [], items: [Int32] = [], ratings: [Float] = [], times: [Int64] = []
        users.reserveCapacity(interTable.rows.count)
        for (n, row) in interTable.rows.enumerated() {
            let line = interTable.lineNumbers[n]
            let u = userIDs.insert(UserID(row[uCol]))
            let i = itemIDs.insert(ItemID(row[iCol]))
            var r: Float = 1
            if let rCol {
                guard let value = Float(row[rCol]), value.isFinite else {
                    throw DataError.malformedLine(file: inter.path, line: line, reason: "rating '\(row[rCol])' is not a number")
                }
                if let scale = ratingScale, !scale.contains(value) {
                    throw DataError.malformedLine(file: inter.path, line: line, reason: "rating \(row[rCol]) is outside the scale \(scale.lowerBound)...\(scale.upperBound)")
                }
                r = value
            }
            var t: Int64 = 0
            if let tCol {
                guard let value = Double(row[tCol]) else {
                    throw DataError.malformedLine(file: inter.path, line: line, reason: "timestamp '\(row[tCol])' is not a number")
                }
                t = Int64(value)
            }
            users.append(u); items.append(i); ratings.append(r); times.append(t)
        }
        report.linesRead = users.count

        // Items: the item file may list items nobody rated; add them so the catalog is complete.
        var titles: [String: String] = [:], years: [String: Int] = [:], genreSets: [String: GenreSet] = [:]
        var genreNames: [String] = []
        let itemURL = directory.appendingPathComponent("\(name).item")
        if FileManager.default.fileExists(atPath: itemURL.path) {
            let table = try TextTable(url: itemURL, separator: "\t")
            report.files.append(itemURL.path)
            let idCol = try table.column(named: "item_id")
            let titleCol = table.optionalColumn(named: "movie_title")
            let yearCol = table.optionalColumn(named: "release_year")
            let classCol = table.optionalColumn(named: "class")
            for row in table.rows {
                let id = row[idCol]
                itemIDs.insert(ItemID(id))
                if let titleCol { titles[id] = row[titleCol] }
                if let yearCol, let y = Int(row[yearCol]) { years[id] = y }
                if let classCol {
                    var set = GenreSet()
                    for g in row[classCol].split(separator: " ") where !g.isEmpty {
                        let name = String(g)
                        var index = genreNames.firstIndex(of: name)
                        if index == nil { genreNames.append(name); index = genreNames.count - 1 }
                        set.insert(GenreSet(index: index!))
                    }
                    genreSets[id] = set
                }
            }
        }
        let catalog = ItemCatalog(
            titles: itemIDs.ids.map { titles[$0.rawValue] ?? $0.rawValue },
            years: itemIDs.ids.map { years[$0.rawValue] },
            genres: itemIDs.ids.map { genreSets[$0.rawValue] ?? [] },
            genreNames: genreNames)

        var userTable: UserTable? = nil
        let userURL = directory.appendingPathComponent("\(name).user")
        if FileManager.default.fileExists(atPath: userURL.path) {
            let table = try TextTable(url: userURL, separator: "\t")
            report.files.append(userURL.path)
            let idCol = try table.column(named: "user_id")
            let ageCol = table.optionalColumn(named: "age")
            let sexCol = table.optionalColumn(named: "gender")
            let occCol = table.optionalColumn(named: "occupation")
            let zipCol = table.optionalColumn(named: "zip_code")
            var rows: [String: [String]] = [:]
            for row in table.rows {
                rows[row[idCol]] = row
                userIDs.insert(UserID(row[idCol]))
            }
            func value(_ id: UserID, _ col: Int?) -> String { col.flatMap { rows[id.rawValue]?[$0] } ?? "" }
            userTable = UserTable(ages: userIDs.ids.map { Int(value($0, ageCol)) },
                                  sexes: userIDs.ids.map { value($0, sexCol) },
                                  occupations: userIDs.ids.map { value($0, occCol) },
                                  zipCodes: userIDs.ids.map { value($0, zipCol) })
        }

        let deduplicated = keepLastOccurrence(users: users, items: items, itemCount: itemIDs.count)
        report.duplicatesDropped = users.count - deduplicated.count
        let interactions = Interactions(users: users, items: items, ratings: ratings,
                                        timestamps: tCol == nil ? nil : times,
                                        userCount: userIDs.count, itemCount: itemIDs.count)
        let final = deduplicated.count == users.count ? interactions : interactions.subset(deduplicated)
        return Dataset(name: name, userIDs: userIDs, itemIDs: itemIDs, interactions: final, catalog: catalog,
                       userTable: userTable, ratingScale: rCol == nil ? nil : ratingScale,
                       hasExplicitRatings: rCol != nil, report: report)
    }
}

/// Row numbers to keep so that each (user, item) pair appears once, keeping the last occurrence,
/// in original order.
func keepLastOccurrence(users: [Int32], items: [Int32], itemCount: Int) -> [Int] {
    var lastRow = [Int: Int]()
    var hasDuplicates = false
    lastRow.reserveCapacity(users.count)
    for k in users.indices {
        let key = Int(users[k]) * itemCount + Int(items[k])
        if lastRow.updateValue(k, forKey: key) != nil { hasDuplicates = true }
    }
    if !hasDuplicates { return Array(users.indices) }
    return users.indices.filter { lastRow[Int(users[$0]) * itemCount + Int(items[$0])] == $0 }
}

/// A small delimited text file read whole: a header line and rows of fields. For catalog-sized
/// files (items, users); large rating files use the streaming parser.
struct TextTable {
    let path: String
    let header: [String]
    var rows: [[String]] = []
    var lineNumbers: [Int] = []

    init(url: URL, separator: Character, hasHeader: Bool = true, encoding: String.Encoding = .utf8) throws {
        path = url.path
        guard let data = FileManager.default.contents(atPath: url.path) else { throw DataError.missingFile(path: url.path) }
        guard let text = String(data: data, encoding: encoding) else {
            throw DataError.malformedLine(file: url.path, line: 1, reason: "the file is not valid \(encoding == .utf8 ? "UTF-8" : "text in the expected encoding")")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard !lines.isEmpty, !(hasHeader && lines.count == 1) else { throw DataError.emptyFile(path: url.path) }
        if hasHeader {
            header = lines[0].split(separator: separator, omittingEmptySubsequences: false).map {
                String($0.split(separator: ":").first ?? "")
            }
        } else {
            header = []
        }
        let width = hasHeader ? header.count : nil
        for (n, line) in lines.enumerated().dropFirst(hasHeader ? 1 : 0) {
            if line.isEmpty { continue }
            let fields = line.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
            if let width, fields.count != width {
                throw DataError.malformedLine(file: url.path, line: n + 1, reason: "expected \(width) fields, found \(fields.count)")
            }
            rows.append(fields)
            lineNumbers.append(n + 1)
        }
        guard !rows.isEmpty else { throw DataError.emptyFile(path: url.path) }
    }

    func column(named name: String) throws -> Int {
        guard let i = header.firstIndex(of: name) else {
            throw DataError.malformedLine(file: path, line: 1, reason: "header has no '\(name)' column (found: \(header.joined(separator: ", ")))")
        }
        return i
    }

    func optionalColumn(named name: String) -> Int? { header.firstIndex(of: name) }
}
