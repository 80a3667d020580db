import Foundation

/// Builds a ``SparkALSModel`` from what `scripts/spark/train_als.py` wrote and the export it
/// trained on (`recommender import spark-als`).
///
/// The factors folder holds `spark_als.json` (``SparkTrainingRun``) and `user_factors/` and
/// `item_factors/`, each a set of Spark CSV part files (`part-*`; `_SUCCESS` and hidden `.crc`
/// files are ignored) with the header `id,f0,…,f{rank−1}` and one row per dense id.
/// Every line is checked: field count, an integer id in range and not repeated, finite
/// factors; a bad line is reported as `file:line: reason`.
///
/// **Cold rows.** Spark returns factors only for users and items with at least one training
/// interaction. Users or items of the export without interactions have none: ``ColdPolicy/zero``
/// gives them the zero vector (they score 0 and a cold user's list is the fold-in of nothing),
/// ``ColdPolicy/error`` refuses the import. A user or item *with* interactions but without
/// factors means Spark's output is incomplete (a missing part file): always an error.
public enum SparkALSImport {
    /// What to do with users and items of the export that Spark returned no factors for.
    public enum ColdPolicy: String, CaseIterable, Sendable {
        /// Zero vectors (scores 0), counted in the report.
        case zero
        /// Refuse the import, naming some of them.
        case error
    }

    /// The factors record's `format`.
    public static let formatName = "swift-recommender-spark-factors"
    /// The record's file name in the factors folder.
    public static let recordName = "spark_als.json"

    /// What an import produced.
    public struct Result: Sendable {
        /// The model.
        public var model: SparkALSModel
        /// Users and items without factors (given zero vectors).
        public var coldUsers: Int, coldItems: Int
        /// Wall-clock seconds of the import (reading, checking, building).
        public var seconds: Double
    }

    /// Imports Spark's factors.
    /// - Parameters:
    ///   - factors: the folder `train_als.py --output` wrote.
    ///   - export: the export folder it trained on.
    ///   - cold: the policy for users and items without factors.
    /// - Returns: the model and counts.
    /// - Throws: ``DataError/malformedLine(file:line:reason:)`` for a bad factor line,
    ///   ``DataError/invalidInput(_:)`` for factors of another export, a rank mismatch, or cold rows
    ///   refused by the policy; ``DataError/missingFile(path:)``.
    public static func run(factors: URL, export: URL, cold: ColdPolicy = .zero) throws -> Result {
        let start = Date()
        let record = try readRecord(factors.appendingPathComponent(recordName))
        let contents = try SparkExport.read(from: export)
        if let fingerprint = record.exportFingerprint, fingerprint != contents.manifest.fingerprint {
            throw DataError.invalidInput("\(factors.path) was trained on the export with fingerprint \(fingerprint), but \(export.path) has \(contents.manifest.fingerprint): give the export Spark read")
        }
        let users = try readFactors(factors.appendingPathComponent("user_factors"), rows: contents.manifest.users, rank: record.rank, what: "user")
        let items = try readFactors(factors.appendingPathComponent("item_factors"), rows: contents.manifest.items, rank: record.rank, what: "item")
        var userHas = [Bool](repeating: false, count: contents.manifest.users), itemHas = [Bool](repeating: false, count: contents.manifest.items)
        for u in contents.interactions.users { userHas[Int(u)] = true }
        for i in contents.interactions.items { itemHas[Int(i)] = true }
        func check(_ present: [Bool], _ has: [Bool], what: String, ids: (Int) -> String) throws -> Int {
            let missing = (0..<present.count).filter { !present[$0] }
            let trained = missing.filter { has[$0] }
            if !trained.isEmpty {
                throw DataError.invalidInput("Spark's output has no factors for \(trained.count) \(what)(s) that have interactions in the export (e.g. \(trained.prefix(5).map(ids).joined(separator: ", "))): the \(what)_factors part files are incomplete")
            }
            if cold == .error && !missing.isEmpty {
                throw DataError.invalidInput("\(missing.count) \(what)(s) have no interaction in the export, so Spark learned no factors for them (e.g. \(missing.prefix(5).map(ids).joined(separator: ", "))); import with --cold zero to give them zero vectors")
            }
            return missing.count
        }
        let coldUsers = try check(users.present, userHas, what: "user") { "'\(contents.userIDs.ids[$0].rawValue)'" }
        let coldItems = try check(items.present, itemHas, what: "item") { "'\(contents.itemIDs.ids[$0].rawValue)'" }
        let metadata = ModelMetadata(userIDs: contents.userIDs, itemIDs: contents.itemIDs, catalog: contents.catalog,
                                     seen: contents.interactions.byUser(), ratingScale: contents.ratingScale)
        var run = record
        if run.dataset == nil { run.dataset = contents.manifest.dataset }
        let model = SparkALSModel(userFactors: users.matrix, itemFactors: items.matrix, run: run, metadata: metadata)
        return Result(model: model, coldUsers: coldUsers, coldItems: coldItems, seconds: Date().timeIntervalSince(start))
    }

    /// The training record an import stores in the model file (algorithm `spark-als`, Spark's
    /// hyper-parameters, the export's counts, Spark's fit seconds).
    public static func trainingRecord(_ result: Result) -> TrainingRecord {
        let m = result.model, run = m.run
        var metrics: [String: Double] = [:]
        for (name, value) in run.timings ?? [:] { metrics["spark_" + name] = value }
        return TrainingRecord(algorithm: SparkALSModel.kind, hyperparameters: run.hyperparameters, dataset: run.dataset ?? "",
                              users: m.metadata.userIDs.count, items: m.metadata.itemIDs.count, interactions: m.metadata.seen.values.count,
                              validationInteractions: 0, seed: run.seed.map { UInt64(bitPattern: $0) }, trainedAt: Date(),
                              seconds: run.timings?["fit_seconds"] ?? 0, finalMetrics: metrics)
    }

    /// Reads and checks `spark_als.json`.
    /// - Throws: ``DataError``.
    public static func readRecord(_ url: URL) throws -> SparkTrainingRun {
        try TextFile.checkExists(url)
        guard let bytes = TextFile.readAll(url.path) else { throw DataError.missingFile(path: url.path) }
        let run: SparkTrainingRun
        do { run = try SparkTrainingRun.decoder.decode(SparkTrainingRun.self, from: Data(bytes)) } catch {
            throw DataError.invalidInput("\(url.path): not a Spark factors record (\(JSONProblem.describe(error)))")
        }
        guard run.format == formatName else { throw DataError.invalidInput("\(url.path): format '\(run.format)' is not \(formatName)") }
        guard run.version == 1 else { throw DataError.invalidInput("\(url.path): factors format version \(run.version); this program reads version 1") }
        guard (1...4096).contains(run.rank) else { throw DataError.invalidInput("\(url.path): rank must be in 1...4096, got \(run.rank)") }
        guard run.regParam.isFinite, run.regParam >= 0, run.alpha.isFinite, run.alpha >= 0, run.maxIter >= 0 else {
            throw DataError.invalidInput("\(url.path): reg_param and alpha must be finite and >= 0, max_iter >= 0")
        }
        return run
    }

    /// The part files of a Spark output folder, sorted by name (`_SUCCESS`, `.crc` and other
    /// hidden files left out).
    static func partFiles(_ folder: URL) throws -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataError.missingFile(path: folder.path)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasPrefix("part-") && !$0.hasSuffix(".crc") }.sorted()
        guard !names.isEmpty else {
            throw DataError.invalidInput("\(folder.path): no part-* files (was it written by train_als.py?)")
        }
        return names.map { folder.appendingPathComponent($0) }
    }

    /// Reads every part file of `folder` into a `rows × rank` matrix (zero rows where absent).
    /// - Throws: ``DataError/malformedLine(file:line:reason:)`` naming the first bad line.
    static func readFactors(_ folder: URL, rows: Int, rank: Int, what: String) throws -> (matrix: Matrix, present: [Bool]) {
        let files = try partFiles(folder)
        var storage = [Float](repeating: 0, count: rows * rank)
        var present = [Bool](repeating: false, count: rows)
        // Parsed in parallel into per-file (id, offset) lists, then checked for repeats in order.
        let outcomes = Locked<[Int: Swift.Result<(ids: [Int32], lines: [Int], values: [Float]), Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: files.count) { k in
            let outcome = Swift.Result { try parseFactorFile(files[k], rows: rows, rank: rank, what: what) }
            outcomes.withLock { $0[k] = outcome }
        }
        for k in 0..<files.count {
            let parsed = try outcomes.withLock { try $0[k]!.get() }
            for (n, id) in parsed.ids.enumerated() {
                let row = Int(id)
                if present[row] {
                    throw DataError.malformedLine(file: files[k].path, line: parsed.lines[n], reason: "\(what) id \(id) appears twice")
                }
                present[row] = true
                for c in 0..<rank { storage[row * rank + c] = parsed.values[n * rank + c] }
            }
        }
        return (Matrix(rows: rows, columns: rank, storage: storage), present)
    }

    /// Parses one Spark CSV part file of factors.
    static func parseFactorFile(_ url: URL, rows: Int, rank: Int, what: String) throws -> (ids: [Int32], lines: [Int], values: [Float]) {
        try TextFile.checkExists(url)
        guard let bytes = TextFile.readAll(url.path) else { throw DataError.missingFile(path: url.path) }
        let file = TextFile(path: url.path, bytes: bytes)
        try TextFile.checkLineEnds(bytes, path: url.path)
        var ids: [Int32] = [], lines: [Int] = [], values: [Float] = []
        // About 10 bytes per factor as Spark prints them: reserve once (never per line).
        values.reserveCapacity(bytes.count / 10 + rank)
        var header = true
        let expectedHeader = (["id"] + (0..<rank).map { "f\($0)" }).joined(separator: ",")
        try bytes.withUnsafeBufferPointer { buffer in
            let p = buffer.baseAddress!
            try file.forEachLine { number, range in
                if header {
                    let text = String(decoding: buffer[range], as: UTF8.self)
                    guard text == expectedHeader else {
                        let found = text.split(separator: ",", omittingEmptySubsequences: false).count
                        let reason = text.hasPrefix("id,") && found != rank + 1
                            ? "the header has \(found - 1) factor columns, but \(recordName) says rank \(rank)"
                            : "expected the header 'id,f0,…,f\(rank - 1)' (Spark's CSV with header=true)"
                        throw DataError.malformedLine(file: url.path, line: number, reason: reason)
                    }
                    header = false
                    return
                }
                var fieldStart = range.lowerBound, field = 0
                var id = -1
                let base = values.count
                var k = range.lowerBound
                while true {
                    if k == range.upperBound || p[k] == 44 {
                        let count = k - fieldStart
                        if field == 0 {
                            guard let v = SparkFactorParsing.integer(p + fieldStart, count), v >= 0, v < rows else {
                                throw DataError.malformedLine(file: url.path, line: number,
                                                              reason: "\(what) id '\(file.preview(fieldStart..<k))' is not a dense id in 0..<\(rows)")
                            }
                            id = v
                        } else {
                            guard field <= rank else {
                                throw DataError.malformedLine(file: url.path, line: number, reason: "more than \(rank + 1) fields (id and \(rank) factors)")
                            }
                            guard let v = NumberParsing.decimal(p + fieldStart, count) else {
                                throw DataError.malformedLine(file: url.path, line: number,
                                                              reason: "factor f\(field - 1) '\(file.preview(fieldStart..<k))' is not a finite number")
                            }
                            values.append(v)
                        }
                        field += 1
                        if k == range.upperBound { break }
                        fieldStart = k + 1
                    }
                    k += 1
                }
                guard field == rank + 1 else {
                    values.removeSubrange(base...)
                    throw DataError.malformedLine(file: url.path, line: number, reason: "expected \(rank + 1) fields (id and \(rank) factors), found \(field)")
                }
                ids.append(Int32(id))
                lines.append(number)
            }
        }
        if header && bytes.contains(where: { $0 != 10 && $0 != 13 && $0 != 32 }) {
            throw DataError.malformedLine(file: url.path, line: 1, reason: "expected the header 'id,f0,…,f\(rank - 1)'")
        }
        return (ids, lines, values)
    }
}

/// Integer fields of the interchange files.
enum SparkFactorParsing {
    /// A non-negative decimal integer of at most 10 digits (no sign, no spaces), or `nil`.
    @inline(__always)
    static func integer(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int? {
        guard count > 0, count <= 10 else { return nil }
        var v = 0
        for k in 0..<count {
            let d = p[k] &- 48
            guard d <= 9 else { return nil }
            v = v * 10 + Int(d)
        }
        return v
    }
}
