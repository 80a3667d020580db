import Foundation
import GRDB
import Recommender

/// One rating event of the store.
public struct StoredRating: Sendable, Equatable, Codable {
    /// The raw user id.
    public var user: String
    /// The raw item id.
    public var item: String
    /// The rating.
    public var rating: Float
    /// Seconds since 1970.
    public var timestamp: Int64
    /// Where it came from (`api`, `import`, ...).
    public var source: String

    /// Creates an event.
    public init(user: String, item: String, rating: Float, timestamp: Int64, source: String) {
        self.user = user
        self.item = item
        self.rating = rating
        self.timestamp = timestamp
        self.source = source
    }
}

/// Errors of the ratings store.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    /// The database could not be opened or migrated.
    case open(path: String, reason: String)
    /// A CSV line could not be read.
    case malformedLine(file: String, line: Int, reason: String)
    /// A write failed.
    case writeFailed(reason: String)

    public var description: String {
        switch self {
        case let .open(p, r): return "\(p): cannot open the ratings store: \(r)"
        case let .malformedLine(f, l, r): return "\(f):\(l): \(r)"
        case let .writeFailed(r): return "the ratings store could not write: \(r)"
        }
    }
}

/// The embedded ratings store: SQLite through GRDB in WAL mode with `synchronous = FULL`, so a
/// write acknowledged by ``add(_:)`` survives a crash of the process (and, as SQLite promises,
/// of the machine). Tables `users`, `items` and `ratings` (the events); schema versions are
/// applied by a `DatabaseMigrator`.
///
/// Concurrent ``add(_:)`` calls are committed together (group commit: one transaction and one
/// fsync for all the writes waiting), each call returning only after its transaction committed.
/// Every user's events are also kept in memory, so recommendations read them without a query.
public final class RatingsStore: Sendable {
    /// The database file.
    public let path: String
    let pool: DatabasePool
    private let byUser: Locked<[String: [StoredRating]]>
    private let queue: Locked<(pending: [(StoredRating, CheckedContinuation<Void, any Error>)], running: Bool)>
    private let writer = DispatchQueue(label: "recommender.store.writer")

    /// Opens (creating and migrating as needed) the store at `path`.
    /// - Throws: ``StoreError/open(path:reason:)``.
    public init(path: String) throws {
        self.path = path
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try Self.migrator.migrate(pool)
            let all = try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT user_id, item_id, rating, timestamp, source FROM ratings ORDER BY id")
            }
            var map: [String: [StoredRating]] = [:]
            for row in all {
                let r = StoredRating(user: row[0], item: row[1], rating: Float(row[2] as Double), timestamp: row[3], source: row[4])
                map[r.user, default: []].append(r)
            }
            byUser = Locked(map)
        } catch {
            throw StoreError.open(path: path, reason: "\(error)")
        }
        queue = Locked(([], false))
    }

    /// The schema, version by version.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1: users, items, rating events") { db in
            try db.create(table: "users") { t in
                t.primaryKey("id", .text)
                t.column("created_at", .integer).notNull()
            }
            try db.create(table: "items") { t in
                t.primaryKey("id", .text)
            }
            try db.create(table: "ratings") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("user_id", .text).notNull().references("users")
                t.column("item_id", .text).notNull().references("items")
                t.column("rating", .double).notNull()
                t.column("timestamp", .integer).notNull()
                t.column("source", .text).notNull()
            }
            try db.create(index: "ratings_by_user", on: "ratings", columns: ["user_id", "id"])
        }
        return m
    }

    /// The applied schema versions.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Self.migrator.appliedIdentifiers(db).sorted() }
    }

    /// Stores `rating`; returns once the transaction holding it is committed (durable).
    /// - Throws: ``StoreError/writeFailed(reason:)``.
    public func add(_ rating: StoredRating) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let start = queue.withLock { q -> Bool in
                q.pending.append((rating, continuation))
                if q.running { return false }
                q.running = true
                return true
            }
            if start { writer.async { self.drain() } }
        }
    }

    /// Stores many events in one transaction (import).
    /// - Throws: ``StoreError/writeFailed(reason:)``.
    public func add(contentsOf ratings: [StoredRating]) throws {
        do {
            try pool.write { db in try Self.insert(ratings, db) }
        } catch {
            throw StoreError.writeFailed(reason: "\(error)")
        }
        byUser.withLock { map in for r in ratings { map[r.user, default: []].append(r) } }
    }

    private func drain() {
        while true {
            let batch = queue.withLock { q -> [(StoredRating, CheckedContinuation<Void, any Error>)] in
                let b = q.pending
                q.pending = []
                if b.isEmpty { q.running = false }
                return b
            }
            if batch.isEmpty { return }
            let ratings = batch.map(\.0)
            do {
                try pool.write { db in try Self.insert(ratings, db) }
                byUser.withLock { map in for r in ratings { map[r.user, default: []].append(r) } }
                for (_, c) in batch { c.resume() }
            } catch {
                for (_, c) in batch { c.resume(throwing: StoreError.writeFailed(reason: "\(error)")) }
            }
        }
    }

    private static func insert(_ ratings: [StoredRating], _ db: Database) throws {
        let users = try db.cachedStatement(sql: "INSERT OR IGNORE INTO users (id, created_at) VALUES (?, ?)")
        let items = try db.cachedStatement(sql: "INSERT OR IGNORE INTO items (id) VALUES (?)")
        let events = try db.cachedStatement(sql: "INSERT INTO ratings (user_id, item_id, rating, timestamp, source) VALUES (?, ?, ?, ?, ?)")
        for r in ratings {
            try users.execute(arguments: [r.user, r.timestamp])
            try items.execute(arguments: [r.item])
            try events.execute(arguments: [r.user, r.item, Double(r.rating), r.timestamp, r.source])
        }
    }

    /// `user`'s events in the order they were stored (from memory).
    public func ratings(of user: String) -> [StoredRating] { byUser.withLock { $0[user] ?? [] } }

    /// `user`'s events read from the database.
    public func storedRatings(of user: String) throws -> [StoredRating] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT user_id, item_id, rating, timestamp, source FROM ratings WHERE user_id = ? ORDER BY id",
                             arguments: [user]).map(Self.rating)
        }
    }

    /// Every event, in the order stored.
    public func allRatings() throws -> [StoredRating] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT user_id, item_id, rating, timestamp, source FROM ratings ORDER BY id").map(Self.rating)
        }
    }

    /// The number of events.
    public func count() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ratings") ?? 0 }
    }

    private static func rating(_ row: Row) -> StoredRating {
        StoredRating(user: row[0], item: row[1], rating: Float(row[2] as Double), timestamp: row[3], source: row[4])
    }

    /// The latest rating of each item `user` rated, in first-rated order.
    public func history(of user: String) -> [(item: String, rating: Float)] {
        Self.latest(ratings(of: user))
    }

    static func latest(_ events: [StoredRating]) -> [(item: String, rating: Float)] {
        var order: [String] = [], value: [String: Float] = [:]
        for e in events {
            if value[e.item] == nil { order.append(e.item) }
            value[e.item] = e.rating
        }
        return order.map { ($0, value[$0] ?? 0) }
    }
}

extension RatingsStore {
    /// The CSV header of ``exportCSV(to:)``.
    public static let csvHeader = "user,item,rating,timestamp,source"

    /// Writes every event as CSV (`user,item,rating,timestamp,source`).
    /// - Returns: the number of events written.
    /// - Throws: ``StoreError`` or a file error.
    @discardableResult
    public func exportCSV(to url: URL) throws -> Int {
        let all = try allRatings()
        var text = Self.csvHeader + "\n"
        for r in all { text += "\(Self.csvField(r.user)),\(Self.csvField(r.item)),\(r.rating),\(r.timestamp),\(Self.csvField(r.source))\n" }
        try text.write(to: url, atomically: true, encoding: .utf8)
        return all.count
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// Reads a CSV of `user,item,rating[,timestamp[,source]]` lines (a header line is skipped).
    /// - Parameters:
    ///   - url: the file.
    ///   - defaultSource: the source of lines without one.
    /// - Returns: the events.
    /// - Throws: ``StoreError/malformedLine(file:line:reason:)``.
    public static func readCSV(_ url: URL, defaultSource: String = "import") throws -> [StoredRating] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw StoreError.malformedLine(file: url.path, line: 0, reason: "cannot read the file as UTF-8 (\(error.localizedDescription))")
        }
        var out: [StoredRating] = []
        var lineNumber = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw[...]
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            if lineNumber == 1 && fields.first?.lowercased() == "user" { continue }
            guard (3...5).contains(fields.count) else {
                throw StoreError.malformedLine(file: url.path, line: lineNumber, reason: "expected user,item,rating[,timestamp[,source]], found \(fields.count) fields")
            }
            guard !fields[0].isEmpty, !fields[1].isEmpty else {
                throw StoreError.malformedLine(file: url.path, line: lineNumber, reason: "empty user or item id")
            }
            guard let rating = Float(fields[2]), rating.isFinite else {
                throw StoreError.malformedLine(file: url.path, line: lineNumber, reason: "rating '\(fields[2])' is not a finite number")
            }
            var timestamp = Int64(Date().timeIntervalSince1970)
            if fields.count >= 4, !fields[3].isEmpty {
                guard let t = Int64(fields[3]) else {
                    throw StoreError.malformedLine(file: url.path, line: lineNumber, reason: "timestamp '\(fields[3])' is not an integer (seconds since 1970)")
                }
                timestamp = t
            }
            let source = fields.count == 5 && !fields[4].isEmpty ? fields[4] : defaultSource
            out.append(StoredRating(user: fields[0], item: fields[1], rating: rating, timestamp: timestamp, source: source))
        }
        return out
    }
}

extension Dataset {
    /// This data set with the store's ratings added (training from base data plus the store):
    /// a stored rating replaces the data set's rating of the same user and item, users new to
    /// the data set are appended, and items the data set does not know are left out (noted in
    /// ``LoadReport/notes``).
    /// - Parameter events: the store's events (latest per user and item wins).
    /// - Returns: the merged data set.
    public func merging(stored events: [StoredRating]) -> Dataset {
        guard !events.isEmpty else { return self }
        var ids = userIDs
        var latest: [String: [(item: String, rating: Float)]] = [:]
        var grouped: [String: [StoredRating]] = [:], userOrder: [String] = []
        for e in events {
            if grouped[e.user] == nil { userOrder.append(e.user) }
            grouped[e.user, default: []].append(e)
        }
        for u in userOrder { latest[u] = RatingsStore.latest(grouped[u] ?? []) }
        var replaced = Set<Int64>()  // user << 32 | item
        var added: [(UserIndex, ItemIndex, Float)] = []
        var unknownItems = 0
        for u in userOrder {
            let user = ids.index(of: UserID(u)) ?? ids.insert(UserID(u))
            for (itemID, rating) in latest[u] ?? [] {
                guard let item = itemIDs.index(of: ItemID(itemID)) else { unknownItems += 1; continue }
                replaced.insert(Int64(user.rawValue) << 32 | Int64(item.rawValue))
                added.append((user, item, rating))
            }
        }
        var inter = Interactions.empty(userCount: ids.count, itemCount: itemIDs.count)
        let stamp = interactions.timestamps.map { ($0.max() ?? 0) + 1 }
        var stamps: [Int64]? = stamp == nil ? nil : []
        for k in 0..<interactions.count {
            let key = Int64(interactions.users[k]) << 32 | Int64(interactions.items[k])
            if replaced.contains(key) { continue }
            inter.users.append(interactions.users[k]); inter.items.append(interactions.items[k]); inter.ratings.append(interactions.ratings[k])
            if let t = interactions.timestamps { stamps?.append(t[k]) }
        }
        for (u, i, r) in added {
            inter.users.append(u.rawValue); inter.items.append(i.rawValue); inter.ratings.append(r)
            if let stamp { stamps?.append(stamp) }
        }
        inter.timestamps = stamps
        var table = userTable
        if var t = table {
            for _ in t.count..<ids.count { t.ages.append(nil); t.sexes.append(""); t.occupations.append(""); t.zipCodes.append("") }
            table = t
        }
        var report = self.report
        report.notes.append("merged \(added.count) stored ratings (\(ids.count - userIDs.count) new users)" +
                            (unknownItems > 0 ? "; \(unknownItems) stored ratings of items not in the data set left out" : ""))
        return Dataset(name: name, userIDs: ids, itemIDs: itemIDs, interactions: inter, catalog: catalog, userTable: table,
                       ratingScale: ratingScale, hasExplicitRatings: hasExplicitRatings, report: report)
    }
}
