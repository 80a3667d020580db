// libFuzzer harness: the ratings-file readers (layout detection, the fast parallel parser and
// the general parser). Any input must end in a dataset or a DataError, never a signal; when the
// fast path accepts a file, it must read the same ids, ratings and timestamps as the general
// parser, and in id order the same data set as loading and renumbering. The C line parser also runs alone on a buffer of exactly the input's lines, so that
// AddressSanitizer (scripts/fuzz.sh builds the C code with it) reports any read past them.
import CKernels
import Foundation
@testable import Recommender

private let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-ratings-\(getpid())")
private let file = scratch.appendingPathComponent("ratings.csv")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRatings(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard FileManager.default.createFile(atPath: file.path, contents: Data(bytes)) else { return 0 }
    // 1. The generic loader: everything detected. Renumbered by id, every row must still name
    // the same user and item, the ids must be in id order, and renumbering by first appearance
    // must give the loaded data set back.
    if let loaded = try? DelimitedRatingsLoader.load(ratings: file, threads: 1) {
        checkReindexing(loaded)
        // Loading in id order (numbered by the fast parser while it reads, or renumbered after
        // the general parser) gives the loaded data set renumbered by id.
        guard let byID = try? DelimitedRatingsLoader.load(ratings: file, indexOrder: .id, threads: 2) else {
            fatalError("the loader refused in id order a file it read by first appearance")
        }
        let renumbered = loaded.reindexed(.id, threads: 1)
        guard byID.userIDs == renumbered.userIDs, byID.itemIDs == renumbered.itemIDs,
              byID.interactions == renumbered.interactions, byID.report.duplicatesDropped == renumbered.report.duplicatesDropped else {
            fatalError("loading in id order differs from loading and renumbering by id")
        }
    }
    // 2. Options chosen by the first byte: separator, header, scale.
    let selector = bytes.first ?? 0
    let separators: [FieldSeparator?] = [nil, .comma, .tab, .semicolon, .doubleColon, .pipe]
    let options = DelimitedFileOptions(separator: separators[Int(selector) % separators.count],
                                       hasHeader: selector & 0x10 == 0 ? nil : selector & 0x20 != 0,
                                       ratingScale: selector & 0x40 != 0 ? 1...5 : nil)
    _ = try? DelimitedRatingsLoader.load(ratings: file, options: options, threads: 2)
    // 3. The MovieLens u.data layout: the fast path (2 threads) against the general parser.
    let uData = RatingsFileFormat(separator: .tab, hasHeader: false, userColumn: 0, itemColumn: 1, ratingColumn: 2,
                                  timestampColumn: 3, fieldCount: 4, ratingScale: 1...5, integerIDs: true, quoting: false)
    let general = try? RatingsReader.readGeneral(url: file, format: uData)
    if let fast = FastRatingsParser.parse(url: file, format: uData, threads: 2) {
        guard let general, general.interactions == fast.interactions,
              general.userIDs == fast.userIDs, general.itemIDs == fast.itemIDs else {
            fatalError("the fast parser accepted a file the general parser reads differently")
        }
    }
    // The fast path numbering by id while it reads (1 thread, small chunks) against the general
    // parser's result renumbered.
    if let fast = FastRatingsParser.parse(url: file, format: uData, threads: 1, order: .id, parallelThreshold: 64, blockSize: 256) {
        guard let general else { fatalError("the fast parser (id order) accepted a file the general parser refuses") }
        let byRows = assembleDataset(name: "fuzz", ratings: general, catalog: nil, users: nil, ratingScale: 1...5, explicit: true,
                                     files: [], order: .id, threads: 1)
        // Numbered by id while reading when every id is below the flat limit; otherwise by first
        // appearance, and the loaders renumber.
        let small = general.userIDs.ids.allSatisfy { Int64($0.rawValue)! < FastRatingsParser.flatIDLimit }
            && general.itemIDs.ids.allSatisfy { Int64($0.rawValue)! < FastRatingsParser.flatIDLimit }
        let fastByID = assembleDataset(name: "fuzz", ratings: fast, catalog: nil, users: nil, ratingScale: 1...5, explicit: true,
                                       files: [], order: .id, threads: 1)
        guard fast.order == (small ? .id : .firstAppearance), byRows.userIDs == fastByID.userIDs,
              byRows.itemIDs == fastByID.itemIDs, byRows.interactions == fastByID.interactions else {
            fatalError("the fast parser's id order differs from the general parser's data renumbered by id")
        }
    }
    // 4. The C line parser alone (its SIMD pass included), comma and tab layouts.
    parseLinesExactly(bytes, separator: UInt8(ascii: ","), timestamps: selector & 1 == 0)
    parseLinesExactly(bytes, separator: UInt8(ascii: "\t"), timestamps: true)
    return 0
}

/// `Dataset.reindex` on a loaded data set (no items file, so every id is named by a row).
private func checkReindexing(_ loaded: Dataset) {
    let byID = loaded.reindexed(.id, threads: 2)
    let x = loaded.interactions, y = byID.interactions
    for row in 0..<x.count where loaded.userIDs.id(at: x.user(at: row)) != byID.userIDs.id(at: y.user(at: row))
        || loaded.itemIDs.id(at: x.item(at: row)) != byID.itemIDs.id(at: y.item(at: row)) {
        fatalError("reindex(.id) changed what row \(row) names")
    }
    guard x.ratings == y.ratings, x.timestamps == y.timestamps else { fatalError("reindex(.id) changed the ratings") }
    let users = byID.userIDs.ids.map(\.rawValue), items = byID.itemIDs.ids.map(\.rawValue)
    guard zip(users, users.dropFirst()).allSatisfy({ IndexOrder.idPrecedes($0, $1) }),
          zip(items, items.dropFirst()).allSatisfy({ IndexOrder.idPrecedes($0, $1) }) else {
        fatalError("reindex(.id) left ids out of id order")
    }
    // The loader numbers by first appearance in the file: the rows' order too, unless a dropped
    // duplicate line was the first to name an id.
    let back = byID.reindexed(.firstAppearance, threads: 1)
    if loaded.report.duplicatesDropped == 0 {
        guard back.userIDs == loaded.userIDs, back.itemIDs == loaded.itemIDs, back.interactions == loaded.interactions,
              back.catalog == loaded.catalog else {
            fatalError("reindex(.firstAppearance) did not give the loaded data set back")
        }
    }
    guard back.reindexed(.firstAppearance, threads: 2).interactions == back.interactions else {
        fatalError("reindex(.firstAppearance) is not stable")
    }
}

/// Runs `ck_parse_rating_lines` on a copy of the bytes up to their last newline, in a buffer of
/// exactly that size, and checks that it stays inside the buffer and its columns.
private func parseLinesExactly(_ bytes: [UInt8], separator: UInt8, timestamps: Bool) {
    guard let last = bytes.lastIndex(of: 10) else { return }
    let n = last + 1
    let lines = bytes[..<n].reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
    let text = UnsafeMutablePointer<UInt8>.allocate(capacity: n)
    let users = UnsafeMutablePointer<Int32>.allocate(capacity: lines), items = UnsafeMutablePointer<Int32>.allocate(capacity: lines)
    let ratings = UnsafeMutablePointer<Float>.allocate(capacity: lines), times = UnsafeMutablePointer<Int64>.allocate(capacity: lines)
    defer { text.deallocate(); users.deallocate(); items.deallocate(); ratings.deallocate(); times.deallocate() }
    text.initialize(from: bytes, count: n)
    SIMDTable.withRatings { table in
        var state = ck_rating_lines(p: UnsafePointer(text), end: UnsafePointer(text + n), separator: separator,
                                    rating_table: table.baseAddress!, low: 0.5, high: 5, users: users, items: items,
                                    ratings: ratings, times: timestamps ? times : nil, rows: 0, capacity: lines,
                                    max_user: 0, max_item: 0)
        ck_parse_rating_lines(&state)
        guard state.p >= UnsafePointer(text), state.p <= UnsafePointer(text + n), state.rows >= 0, state.rows <= lines else {
            fatalError("the C line parser left its buffer or its columns")
        }
        for row in 0..<state.rows where users[row] < 0 || items[row] < 0 || users[row] > state.max_user || items[row] > state.max_item {
            fatalError("the C line parser wrote an id outside 0...max (row \(row))")
        }
    }
}
