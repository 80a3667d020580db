import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `recommender export spark` writes, described by `manifest.json` (format version 1).
///
/// ```
/// DIR/manifest.json                  this description (counts, rating scale, files with size and CRC-32)
/// DIR/interactions/part-00000.csv    `user,item,rating`: dense integer ids (the data set's indices), one row per interaction
/// DIR/users.csv                      `user,id`: dense id → raw user id
/// DIR/items.csv                      `item,id,title,year,genres`: dense id → raw item id and catalog (genres joined by `|`)
/// DIR/split/train.csv, test.csv      only with a split: both parts with raw ids (`user,item[,rating][,timestamp]`)
/// ```
///
/// **Why CSV and not Parquet.** Spark reads both; Parquet would be smaller and typed, but no
/// Parquet writer is available to a Swift package on Linux without implementing the format
/// (Thrift metadata, pages, encodings) by hand. Plain CSV with a fixed header and integer ids
/// is what Spark's `spark.read.csv(..., schema=...)` reads at full speed, splits across tasks
/// by file and by block, and is trivially checked. The interactions are cut into part files
/// (about 2 million rows each by default) so that Spark reads them in parallel.
///
/// The dense ids are the data set's ``UserIndex``/``ItemIndex``: every user and item of the
/// data set has one, also those without an exported interaction (after a split, an item seen
/// only in the test part); Spark learns no factors for those, and the import gives them zero
/// vectors (``SparkALSImport``). Timestamps are not exported (Spark's ALS does not use them).
public struct SparkExportManifest: Sendable, Codable, Equatable {
    /// One file of the export.
    public struct File: Sendable, Codable, Equatable {
        /// The path relative to the export folder.
        public var path: String
        /// Data rows (without the header).
        public var rows: Int
        /// Size in bytes.
        public var bytes: Int
        /// CRC-32 (zip's) of the bytes, 8 lowercase hex digits.
        public var crc32: String
    }

    /// The split whose training part was exported.
    public struct SplitInfo: Sendable, Codable, Equatable {
        /// How it was made, e.g. `user-stratified`.
        public var method: String
        /// The held-out share, when the method has one.
        public var testFraction: Double?
        /// The seed, when the method is random.
        public var seed: UInt64?
        /// The training part (raw ids), the same rows as the interaction files.
        public var train: File
        /// The held-out part (raw ids), for `evaluate --model ... --test`.
        public var test: File
    }

    /// Always ``SparkExport/formatName``.
    public var format: String
    /// The format version (1).
    public var version: Int
    /// The data set's name.
    public var dataset: String
    /// Dense user ids are `0..<users`.
    public var users: Int
    /// Dense item ids are `0..<items`.
    public var items: Int
    /// Rows of the interaction files.
    public var interactions: Int
    /// Whether the ratings are explicit (stars); implicit data has rating 1 everywhere.
    public var explicit: Bool
    /// The declared rating scale `[low, high]`, when known.
    public var ratingScale: [Float]?
    /// The columns of the interaction files.
    public var columns: [String]
    /// The interaction part files, in order.
    public var interactionFiles: [File]
    /// The user id map.
    public var usersFile: File
    /// The item id map and catalog.
    public var itemsFile: File
    /// The genre names, in bit order (the `genres` column uses these names).
    public var genreNames: [String]
    /// The split, when only its training part was exported.
    public var split: SplitInfo?
    /// A digest of the exported files (CRC-32 of their CRC-32s and the counts): Spark's output
    /// records it, and the import refuses factors trained on another export.
    public var fingerprint: String
    /// The program that wrote it.
    public var createdBy: String
}

/// Writes and reads the folder Spark's ALS trains from (layout in ``SparkExportManifest``).
public enum SparkExport {
    /// The `format` of the manifest.
    public static let formatName = "swift-recommender-spark-export"
    /// The format version written and read.
    public static let version = 1
    /// The manifest's file name.
    public static let manifestName = "manifest.json"
    /// Rows per interaction part file when the caller does not choose the number of parts.
    public static let defaultRowsPerPart = 2_000_000

    /// The split whose training part is exported (the test part is written beside it).
    public struct SplitRequest: Sendable {
        /// The split of the data set's interactions.
        public var split: Split
        /// Its method name, e.g. `user-stratified`.
        public var method: String
        /// Its held-out share, if any.
        public var testFraction: Double?
        /// Its seed, if random.
        public var seed: UInt64?
        /// Creates a request.
        public init(split: Split, method: String, testFraction: Double? = nil, seed: UInt64? = nil) {
            self.split = split; self.method = method; self.testFraction = testFraction; self.seed = seed
        }
    }

    /// Writes `dataset` (or the training part of `split`) as a Spark export into `folder`.
    ///
    /// The files are written into a temporary folder beside `folder`, which then replaces it:
    /// a crash leaves the old export or none, never a mix. An existing `folder` is replaced only
    /// when it is empty or an earlier export (it has a manifest).
    /// - Parameters:
    ///   - dataset: the data set (ids, catalog, rating scale).
    ///   - split: when given, only `split.train` is exported, and both parts with raw ids under `split/`.
    ///   - folder: the export folder.
    ///   - partitions: the number of interaction part files (1...10,000); `nil`: one per
    ///     ``defaultRowsPerPart`` rows.
    ///   - createdBy: the program name recorded in the manifest.
    ///   - threads: part files written in parallel.
    /// - Returns: the manifest written.
    /// - Throws: ``DataError/invalidInput(_:)`` when `folder` holds something else or
    ///   `partitions` is out of bounds; ``PersistenceError/writeFailed(path:reason:)``.
    @discardableResult
    public static func write(_ dataset: Dataset, split: SplitRequest? = nil, to folder: URL, partitions: Int? = nil,
                             createdBy: String = "swift-recommender", threads: Int = Parallelism.availableCores) throws -> SparkExportManifest {
        let rows = split?.split.train ?? dataset.interactions
        guard rows.userCount == dataset.userCount, rows.itemCount == dataset.itemCount else {
            throw DataError.invalidInput("the split is not over the data set's \(dataset.userCount) users × \(dataset.itemCount) items")
        }
        if let partitions, !(1...10_000).contains(partitions) {
            throw DataError.invalidInput("the number of part files must be in 1...10000, got \(partitions)")
        }
        let parts = partitions ?? max(1, (rows.count + defaultRowsPerPart - 1) / defaultRowsPerPart)
        try checkReplaceable(folder)
        let staging = folder.deletingLastPathComponent()
            .appendingPathComponent(".\(folder.lastPathComponent).export-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))")
        try ModelFileWriter.prepareDirectory(staging, for: staging.appendingPathComponent(manifestName))
        do {
            let manifest = try writeFiles(dataset, rows: rows, split: split, into: staging, parts: parts, createdBy: createdBy, threads: threads)
            try replace(folder, with: staging)
            return manifest
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
    }

    static func writeFiles(_ dataset: Dataset, rows: Interactions, split: SplitRequest?, into folder: URL, parts: Int,
                           createdBy: String, threads: Int) throws -> SparkExportManifest {
        let interactionsFolder = folder.appendingPathComponent("interactions")
        try ModelFileWriter.prepareDirectory(interactionsFolder, for: interactionsFolder.appendingPathComponent("part-00000.csv"))
        let perPart = max(1, (rows.count + parts - 1) / parts)
        let results = Locked<[Int: Result<SparkExportManifest.File, Error>]>([:])
        let pool = DispatchQueue(label: "spark-export", attributes: .concurrent)
        let group = DispatchGroup()
        let semaphore = DispatchSemaphore(value: max(1, threads))
        for part in 0..<parts {
            semaphore.wait()
            pool.async(group: group) {
                defer { semaphore.signal() }
                let start = min(rows.count, part * perPart), end = min(rows.count, start + perPart)
                let name = "interactions/part-" + String(format: "%05d", part) + ".csv"
                let outcome = Result { try writePart(rows, range: start..<end, to: folder, name: name) }
                results.withLock { $0[part] = outcome }
            }
        }
        group.wait()
        let files = try results.withLock { all in try (0..<parts).map { try all[$0]!.get() } }

        var users = "user,id\n"
        users.reserveCapacity(dataset.userCount * 12)
        for (k, id) in dataset.userIDs.ids.enumerated() { users += "\(k),\(AnswerEncoding.csvField(id.rawValue))\n" }
        let usersFile = try writeText(users, rows: dataset.userCount, to: folder, name: "users.csv")
        var items = "item,id,title,year,genres\n"
        let catalog = dataset.catalog
        for (k, id) in dataset.itemIDs.ids.enumerated() {
            let genres = catalog.genreNames(of: ItemIndex(k)).joined(separator: "|")
            let year = catalog.years[k].map(String.init) ?? ""
            items += "\(k),\(AnswerEncoding.csvField(id.rawValue)),\(AnswerEncoding.csvField(catalog.titles[k])),\(year),\(AnswerEncoding.csvField(genres))\n"
        }
        let itemsFile = try writeText(items, rows: dataset.itemCount, to: folder, name: "items.csv")

        var splitInfo: SparkExportManifest.SplitInfo? = nil
        if let split {
            let train = folder.appendingPathComponent("split/train.csv"), test = folder.appendingPathComponent("split/test.csv")
            try GivenSplit.write(split.split, dataset: dataset, train: train, test: test)
            splitInfo = SparkExportManifest.SplitInfo(method: split.method, testFraction: split.testFraction, seed: split.seed,
                                                      train: try describe(train, path: "split/train.csv", rows: split.split.train.count),
                                                      test: try describe(test, path: "split/test.csv", rows: split.split.test.count))
        }
        var digest: [UInt8] = []
        for f in files + [usersFile, itemsFile] { digest += Array("\(f.path):\(f.rows):\(f.bytes):\(f.crc32)\n".utf8) }
        let manifest = SparkExportManifest(
            format: formatName, version: version, dataset: dataset.name, users: dataset.userCount, items: dataset.itemCount,
            interactions: rows.count, explicit: dataset.hasExplicitRatings,
            ratingScale: dataset.ratingScale.map { [$0.lowerBound, $0.upperBound] }, columns: ["user", "item", "rating"],
            interactionFiles: files, usersFile: usersFile, itemsFile: itemsFile, genreNames: catalog.genreNames, split: splitInfo,
            fingerprint: hex(CRC32.checksum(digest)), createdBy: createdBy)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let json = Array(try encoder.encode(manifest)) + [10]
        try ModelFileWriter.writeDurably(json, to: folder.appendingPathComponent(manifestName), reportedAs: folder.appendingPathComponent(manifestName).path)
        return manifest
    }

    /// Writes rows `range` of `rows` as one part file (`user,item,rating`).
    static func writePart(_ rows: Interactions, range: Range<Int>, to folder: URL, name: String) throws -> SparkExportManifest.File {
        var bytes: [UInt8] = Array("user,item,rating\n".utf8)
        bytes.reserveCapacity(range.count * 16 + 32)
        for k in range {
            appendInteger(Int(rows.users[k]), to: &bytes)
            bytes.append(44)
            appendInteger(Int(rows.items[k]), to: &bytes)
            bytes.append(44)
            appendRating(rows.ratings[k], to: &bytes)
            bytes.append(10)
        }
        let url = folder.appendingPathComponent(name)
        try ModelFileWriter.writeDurably(bytes, to: url, reportedAs: url.path)
        return SparkExportManifest.File(path: name, rows: range.count, bytes: bytes.count, crc32: hex(CRC32.checksum(bytes)))
    }

    static func writeText(_ text: String, rows: Int, to folder: URL, name: String) throws -> SparkExportManifest.File {
        let bytes = Array(text.utf8)
        let url = folder.appendingPathComponent(name)
        try ModelFileWriter.writeDurably(bytes, to: url, reportedAs: url.path)
        return SparkExportManifest.File(path: name, rows: rows, bytes: bytes.count, crc32: hex(CRC32.checksum(bytes)))
    }

    static func describe(_ url: URL, path: String, rows: Int) throws -> SparkExportManifest.File {
        guard let bytes = TextFile.readAll(url.path) else { throw DataError.missingFile(path: url.path) }
        return SparkExportManifest.File(path: path, rows: rows, bytes: bytes.count, crc32: hex(CRC32.checksum(bytes)))
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    @inline(__always)
    static func appendInteger(_ value: Int, to bytes: inout [UInt8]) {
        var v = value
        if v < 0 { bytes.append(45); v = -v }
        if v < 10 { bytes.append(UInt8(48 + v)); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            while v > 0 { d[n] = UInt8(48 + v % 10); v /= 10; n += 1 }
            for k in stride(from: n - 1, through: 0, by: -1) { bytes.append(d[k]) }
        }
    }

    /// A rating as the shortest decimal that reads back as the same `Float`; whole and half
    /// stars (`4.0`, `3.5`) without going through `description`.
    @inline(__always)
    static func appendRating(_ r: Float, to bytes: inout [UInt8]) {
        let twice = r * 2
        if twice == twice.rounded(), abs(r) < 1_000_000 {
            var whole = Int(abs(r))
            let half = abs(r) - Float(whole) != 0
            if r < 0 { bytes.append(45) }
            if whole == 0 { bytes.append(48) } else { appendInteger(whole, to: &bytes); whole = 0 }
            bytes.append(46)
            bytes.append(half ? 53 : 48)
        } else {
            bytes += Array(r.description.utf8)
        }
    }

    /// Refuses to replace a folder that holds something other than an earlier export.
    static func checkReplaceable(_ folder: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else {
            throw DataError.invalidInput("\(folder.path): a file is in the way; the export needs a folder")
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        if entries.isEmpty || entries.contains(manifestName) { return }
        throw DataError.invalidInput("\(folder.path): the folder is not empty and is not an earlier export (no \(manifestName)); choose a new or empty folder")
    }

    /// Moves `staging` to `folder`, removing an earlier export there.
    static func replace(_ folder: URL, with staging: URL) throws {
        var old: URL? = nil
        if FileManager.default.fileExists(atPath: folder.path) {
            let trash = folder.deletingLastPathComponent()
                .appendingPathComponent(".\(folder.lastPathComponent).old-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))")
            try ModelFileWriter.rename(folder, to: trash)
            old = trash
        }
        try ModelFileWriter.rename(staging, to: folder)
        ModelFileWriter.syncDirectory(folder.deletingLastPathComponent())
        if let old { try? FileManager.default.removeItem(at: old) }
    }
}

/// An export read back: what the import needs to build a model of ours.
public struct SparkExportContents: Sendable {
    /// The manifest.
    public var manifest: SparkExportManifest
    /// Dense user id → raw id.
    public var userIDs: IDMap<UserID>
    /// Dense item id → raw id.
    public var itemIDs: IDMap<ItemID>
    /// Titles, years and genres of the items.
    public var catalog: ItemCatalog
    /// The exported interactions over `userIDs` × `itemIDs`.
    public var interactions: Interactions

    /// The rating scale of the manifest.
    public var ratingScale: ClosedRange<Float>? {
        guard let s = manifest.ratingScale, s.count == 2, s[0] <= s[1] else { return nil }
        return s[0]...s[1]
    }
}

extension SparkExport {
    /// Reads an export folder, checking every file's size and CRC-32 against the manifest (the
    /// interaction part files are read in parallel).
    /// - Throws: ``DataError/malformedLine(file:line:reason:)`` for a bad line,
    ///   ``DataError/invalidInput(_:)`` for a manifest that does not match its files,
    ///   ``DataError/missingFile(path:)``.
    public static func read(from folder: URL) throws -> SparkExportContents {
        let manifest = try readManifest(from: folder)
        let userText = try checkedFile(folder, manifest.usersFile)
        let itemText = try checkedFile(folder, manifest.itemsFile)
        var users: [UserID] = []
        users.reserveCapacity(manifest.users)
        try readTable(userText, columns: ["user", "id"], expectedRows: manifest.users) { line, dense, fields in
            users.append(UserID(fields[1]))
        }
        var itemIDs: [ItemID] = [], titles: [String] = [], years: [Int?] = [], genres: [GenreSet] = []
        let genreIndex = Dictionary(manifest.genreNames.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        try readTable(itemText, columns: ["item", "id", "title", "year", "genres"], expectedRows: manifest.items) { line, dense, fields in
            itemIDs.append(ItemID(fields[1]))
            titles.append(fields[2])
            if fields[3].isEmpty { years.append(nil) } else {
                guard let y = Int(fields[3]) else {
                    throw DataError.malformedLine(file: itemText.path, line: line, reason: "year '\(fields[3])' is not an integer")
                }
                years.append(y)
            }
            var set = GenreSet()
            for name in fields[4].split(separator: "|") where !name.isEmpty {
                guard let g = genreIndex[String(name)] else {
                    throw DataError.malformedLine(file: itemText.path, line: line, reason: "genre '\(name)' is not in the manifest's genre_names")
                }
                set.insert(GenreSet(index: g))
            }
            genres.append(set)
        }
        guard Set(users).count == users.count else { throw DataError.invalidInput("\(userText.path): duplicated raw user ids") }
        guard Set(itemIDs).count == itemIDs.count else { throw DataError.invalidInput("\(itemText.path): duplicated raw item ids") }
        let parts = Locked<[Int: Result<(users: [Int32], items: [Int32], ratings: [Float]), Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: manifest.interactionFiles.count) { k in
            let outcome = Result { () throws -> (users: [Int32], items: [Int32], ratings: [Float]) in
                let file = try checkedFile(folder, manifest.interactionFiles[k])
                return try parseInteractions(file, rows: manifest.interactionFiles[k].rows, users: manifest.users, items: manifest.items)
            }
            parts.withLock { $0[k] = outcome }
        }
        var u: [Int32] = [], i: [Int32] = [], r: [Float] = []
        u.reserveCapacity(manifest.interactions); i.reserveCapacity(manifest.interactions); r.reserveCapacity(manifest.interactions)
        try parts.withLock { all in
            for k in 0..<manifest.interactionFiles.count {
                let p = try all[k]!.get()
                u += p.users; i += p.items; r += p.ratings
            }
        }
        guard u.count == manifest.interactions else {
            throw DataError.invalidInput("\(folder.path): the part files hold \(u.count) interactions, the manifest says \(manifest.interactions)")
        }
        let interactions = Interactions(users: u, items: i, ratings: r, userCount: manifest.users, itemCount: manifest.items)
        return SparkExportContents(manifest: manifest, userIDs: IDMap(users), itemIDs: IDMap(itemIDs),
                                   catalog: ItemCatalog(titles: titles, years: years, genres: genres, genreNames: manifest.genreNames),
                                   interactions: interactions)
    }

    /// Reads and checks `manifest.json`.
    /// - Throws: ``DataError``.
    public static func readManifest(from folder: URL) throws -> SparkExportManifest {
        let url = folder.appendingPathComponent(manifestName)
        try TextFile.checkExists(url)
        guard let bytes = TextFile.readAll(url.path) else { throw DataError.missingFile(path: url.path) }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let manifest: SparkExportManifest
        do { manifest = try decoder.decode(SparkExportManifest.self, from: Data(bytes)) } catch {
            throw DataError.invalidInput("\(url.path): not an export manifest (\(JSONProblem.describe(error)))")
        }
        guard manifest.format == formatName else {
            throw DataError.invalidInput("\(url.path): format '\(manifest.format)' is not \(formatName)")
        }
        guard manifest.version == version else {
            throw DataError.invalidInput("\(url.path): export format version \(manifest.version); this program reads version \(version)")
        }
        guard manifest.users >= 0, manifest.items >= 0, manifest.users <= Int(Int32.max), manifest.items <= Int(Int32.max),
              manifest.interactions >= 0, manifest.interactionFiles.reduce(0, { $0 + $1.rows }) == manifest.interactions else {
            throw DataError.invalidInput("\(url.path): inconsistent counts (users, items, interactions and the part files' rows)")
        }
        for f in manifest.interactionFiles + [manifest.usersFile, manifest.itemsFile] where f.path.hasPrefix("/") || f.path.contains("..") {
            throw DataError.invalidInput("\(url.path): file path '\(f.path)' leaves the export folder")
        }
        return manifest
    }

    /// The file `entry` of the export, after checking its size and CRC-32.
    static func checkedFile(_ folder: URL, _ entry: SparkExportManifest.File) throws -> TextFile {
        let url = folder.appendingPathComponent(entry.path)
        try TextFile.checkExists(url)
        guard let bytes = TextFile.readAll(url.path) else { throw DataError.missingFile(path: url.path) }
        guard bytes.count == entry.bytes, hex(CRC32.checksum(bytes)) == entry.crc32 else {
            throw DataError.invalidInput("\(url.path): size or CRC-32 differs from the manifest (\(bytes.count) bytes, expected \(entry.bytes)): the export was changed or damaged")
        }
        return TextFile(path: url.path, bytes: bytes)
    }

    /// Reads a small CSV table whose first column is the dense id `0, 1, 2, ...`.
    static func readTable(_ file: TextFile, columns: [String], expectedRows: Int, _ row: (Int, Int, [String]) throws -> Void) throws {
        var header = true, next = 0
        try file.forEachLine { number, range in
            let fields = try file.fields(range, separator: .comma, quoting: true, lineNumber: number)
            if header {
                let names = try fields.map { try file.string($0, encoding: .utf8, lineNumber: number) }
                guard names == columns else {
                    throw DataError.malformedLine(file: file.path, line: number, reason: "expected the header '\(columns.joined(separator: ","))'")
                }
                header = false
                return
            }
            guard fields.count == columns.count else {
                throw DataError.malformedLine(file: file.path, line: number, reason: "expected \(columns.count) fields, found \(fields.count)")
            }
            let values = try fields.map { try file.string($0, encoding: .utf8, lineNumber: number) }
            guard Int(values[0]) == next else {
                throw DataError.malformedLine(file: file.path, line: number, reason: "expected dense id \(next), found '\(values[0])'")
            }
            try row(number, next, values)
            next += 1
        }
        guard next == expectedRows else {
            throw DataError.invalidInput("\(file.path): \(next) rows, the manifest says \(expectedRows)")
        }
    }

    /// Parses an interaction part file: the header `user,item,rating`, then integer ids in range
    /// and finite ratings.
    static func parseInteractions(_ file: TextFile, rows: Int, users: Int, items: Int) throws -> (users: [Int32], items: [Int32], ratings: [Float]) {
        var u: [Int32] = [], i: [Int32] = [], r: [Float] = []
        u.reserveCapacity(rows); i.reserveCapacity(rows); r.reserveCapacity(rows)
        var header = true
        try file.bytes.withUnsafeBufferPointer { buffer in
            let p = buffer.baseAddress!
            try file.forEachLine { number, range in
                if header {
                    guard String(decoding: buffer[range], as: UTF8.self) == "user,item,rating" else {
                        throw DataError.malformedLine(file: file.path, line: number, reason: "expected the header 'user,item,rating'")
                    }
                    header = false
                    return
                }
                var cut = (0, 0), commas = 0
                for k in range where p[k] == 44 {
                    if commas == 0 { cut.0 = k } else if commas == 1 { cut.1 = k }
                    commas += 1
                }
                guard commas == 2 else {
                    throw DataError.malformedLine(file: file.path, line: number, reason: "expected 3 fields (user,item,rating), found \(commas + 1)")
                }
                guard let user = SparkFactorParsing.integer(p + range.lowerBound, cut.0 - range.lowerBound), user >= 0, user < users else {
                    throw DataError.malformedLine(file: file.path, line: number, reason: "user '\(file.preview(range.lowerBound..<cut.0))' is not a dense id in 0..<\(users)")
                }
                guard let item = SparkFactorParsing.integer(p + cut.0 + 1, cut.1 - cut.0 - 1), item >= 0, item < items else {
                    throw DataError.malformedLine(file: file.path, line: number, reason: "item '\(file.preview((cut.0 + 1)..<cut.1))' is not a dense id in 0..<\(items)")
                }
                guard let rating = NumberParsing.decimal(p + cut.1 + 1, range.upperBound - cut.1 - 1) else {
                    throw DataError.malformedLine(file: file.path, line: number, reason: "rating '\(file.preview((cut.1 + 1)..<range.upperBound))' is not a finite number")
                }
                u.append(Int32(user)); i.append(Int32(item)); r.append(rating)
            }
        }
        if header { throw DataError.malformedLine(file: file.path, line: 1, reason: "expected the header 'user,item,rating'") }
        guard u.count == rows else {
            throw DataError.invalidInput("\(file.path): \(u.count) rows, the manifest says \(rows)")
        }
        return (u, i, r)
    }
}

/// Short descriptions of JSON decoding errors (the key or value that is wrong).
enum JSONProblem {
    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing key '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let c): return "wrong type at '\(c.codingPath.map(\.stringValue).joined(separator: "."))'"
        case DecodingError.valueNotFound(_, let c): return "missing value at '\(c.codingPath.map(\.stringValue).joined(separator: "."))'"
        case DecodingError.dataCorrupted(let c):
            return c.codingPath.isEmpty ? "not valid JSON" : "bad value at '\(c.codingPath.map(\.stringValue).joined(separator: "."))'"
        default: return "\(error)"
        }
    }
}
