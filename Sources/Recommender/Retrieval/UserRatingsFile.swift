import Foundation

/// A new user's own ratings, read from a small CSV file of `title or id, rating` lines (the
/// notebook's optional exercise), resolved against a model's catalog.
///
/// Format: one rating per line; the rating is after the **last** comma, so titles may contain
/// commas ("Usual Suspects, The"); surrounding quotes are removed; blank lines and lines starting
/// with `#` are skipped; a first line whose rating is not a number is a header. The item is the
/// one whose external id equals the text, else the first whose title contains it (case-insensitive).
public struct UserRatingsFile: Sendable {
    /// One resolved line.
    public struct Entry: Sendable, Equatable {
        /// The 1-based line number.
        public var line: Int
        /// The text that named the item.
        public var query: String
        /// Every item that matched (the first is used).
        public var lookup: ItemLookup
        /// The rating.
        public var rating: Float
    }

    /// The resolved lines, in file order (a repeated item keeps its last rating in ``history``).
    public var entries: [Entry]

    /// The ratings as a history for ``HistoryScorer`` and ``Recommendations/forHistory(_:scorer:metadata:options:)``.
    public var history: [(item: ItemIndex, rating: Float)] {
        var order: [ItemIndex] = []
        var last: [ItemIndex: Float] = [:]
        for e in entries {
            guard let item = e.lookup.chosen else { continue }
            if last[item] == nil { order.append(item) }
            last[item] = e.rating
        }
        return order.map { (item: $0, rating: last[$0]!) }
    }

    /// The largest file accepted (16 MiB): a user's own ratings are a few hundred lines.
    public static let largestFile = 16 << 20

    /// Reads and resolves a ratings file.
    /// - Throws: ``DataError/missingFile(path:)``, ``DataError/emptyFile(path:)``, or
    ///   ``DataError/malformedLine(file:line:reason:)`` for a line without a rating, a rating that is not
    ///   a number or is outside `metadata.ratingScale`, or an item that matches nothing.
    public init(contentsOf url: URL, catalog metadata: ModelMetadata) throws {
        let data: Data
        switch FileKind.of(url.path) {
        case .missing: throw DataError.missingFile(path: url.path)
        case .unreadable(let reason): throw DataError.unreadableFile(path: url.path, reason: reason)
        case .regular, .stream:
            // A pipe or standard input is read to its end; a fold-in file is small.
            guard let handle = FileHandle(forReadingAtPath: url.path) else { throw DataError.unreadableFile(path: url.path, reason: "cannot be opened") }
            defer { try? handle.close() }
            do { data = try handle.readToEnd() ?? Data() } catch {
                throw DataError.unreadableFile(path: url.path, reason: error.localizedDescription)
            }
        }
        guard data.count <= Self.largestFile else {
            throw DataError.invalidInput("\(url.path): \(data.count) bytes is too large for a user's own ratings (at most \(Self.largestFile))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DataError.malformedLine(file: url.path, line: 1, reason: "not valid UTF-8")
        }
        try self.init(text: text, file: url.path, metadata: metadata)
    }

    /// Parses ratings from text (see the type's format).
    public init(text: String, file: String, metadata: ModelMetadata) throws {
        var entries: [Entry] = []
        for (k, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = k + 1
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let comma = line.lastIndex(of: ",") else {
                throw DataError.malformedLine(file: file, line: lineNumber, reason: "expected 'title or id, rating'")
            }
            let name = Self.unquote(String(line[..<comma]))
            let ratingText = Self.unquote(String(line[line.index(after: comma)...]))
            guard let rating = Float(ratingText), rating.isFinite else {
                // A header names its columns: a first line whose rating is NaN, inf or a
                // number too large for Float is a bad rating, not a header.
                if entries.isEmpty && lineNumber == 1 && Double(ratingText) == nil { continue }
                throw DataError.malformedLine(file: file, line: lineNumber, reason: ratingProblem(ratingText))
            }
            guard abs(rating) <= RatingsFileFormat.largestRating else {
                throw DataError.malformedLine(file: file, line: lineNumber, reason: ratingProblem(ratingText))
            }
            if let scale = metadata.ratingScale, !scale.contains(rating) {
                throw DataError.malformedLine(file: file, line: lineNumber,
                                              reason: "rating \(ratingText) is outside the scale \(scale.lowerBound)...\(scale.upperBound)")
            }
            guard !name.isEmpty else { throw DataError.malformedLine(file: file, line: lineNumber, reason: "empty title") }
            let lookup = metadata.lookUpItem(name)
            guard !lookup.matches.isEmpty else {
                throw DataError.malformedLine(file: file, line: lineNumber, reason: "no movie id or title matches '\(name)'")
            }
            entries.append(Entry(line: lineNumber, query: name, lookup: lookup, rating: rating))
        }
        guard !entries.isEmpty else { throw DataError.emptyFile(path: file) }
        self.entries = entries
    }

    static func unquote(_ s: String) -> String {
        var t = s.trimmingCharacters(in: .whitespaces)
        if t.count >= 2, t.hasPrefix("\""), t.hasSuffix("\"") { t = String(t.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"") }
        return t
    }
}

extension Dataset {
    /// Adds a new user with the given ratings (the notebook's "add your own ratings" exercise).
    /// - Returns: the new data set (the user gets the next index; the new ratings are appended last)
    ///   and the user's index.
    /// - Throws: ``DataError/invalidInput(_:)`` when the user id already exists.
    public func addingUser(_ id: UserID, ratings: [(item: ItemIndex, rating: Float)]) throws -> (dataset: Dataset, user: UserIndex) {
        guard userIDs.index(of: id) == nil else { throw DataError.invalidInput("user '\(id)' already exists in the data set") }
        var ids = userIDs
        let user = ids.insert(id)
        var inter = interactions
        inter.userCount += 1
        let stamp = inter.timestamps.map { ($0.max() ?? 0) + 1 }
        for (item, rating) in ratings {
            inter.users.append(user.rawValue)
            inter.items.append(item.rawValue)
            inter.ratings.append(rating)
            if let stamp { inter.timestamps!.append(stamp) }
        }
        var table = userTable
        if var t = table {
            t.ages.append(nil); t.sexes.append(""); t.occupations.append(""); t.zipCodes.append("")
            table = t
        }
        var report = self.report
        report.notes.append("added user '\(id)' with \(ratings.count) ratings")
        let result = Dataset(name: name, userIDs: ids, itemIDs: itemIDs, interactions: inter, catalog: catalog, userTable: table,
                             ratingScale: ratingScale, hasExplicitRatings: hasExplicitRatings, report: report)
        return (result, user)
    }
}
