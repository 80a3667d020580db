import Foundation

/// How a ratings file is laid out (internal: the layout loaders and the generic loader fill it).
struct RatingsFileFormat: Sendable {
    /// The field separator.
    var separator: FieldSeparator
    /// Whether the first non-empty line is a header to skip.
    var hasHeader: Bool
    /// 0-based column of the user id.
    var userColumn: Int
    /// 0-based column of the item id.
    var itemColumn: Int
    /// 0-based column of the rating, or `nil` for implicit feedback (every rating 1).
    var ratingColumn: Int?
    /// 0-based column of the Unix timestamp, or `nil`.
    var timestampColumn: Int?
    /// The exact number of fields on every line, when the layout declares it.
    var fieldCount: Int?
    /// Ratings outside this range are errors.
    var ratingScale: ClosedRange<Float>?
    /// Whether ids must be integers (MovieLens); otherwise any non-empty text is an id.
    var integerIDs: Bool
    /// Whether double-quoted fields are understood (CSV).
    var quoting: Bool

    /// The largest rating magnitude accepted (`1e9`): larger values overflow the squared
    /// errors the trainers sum in `Float`, so they are refused with their line.
    static let largestRating: Float = 1e9
    /// ``largestRating`` as written in messages.
    static let largestRatingText = "1e9"

    /// The smallest number of fields a line must have.
    var minimumFieldCount: Int {
        fieldCount ?? ([userColumn, itemColumn, ratingColumn ?? 0, timestampColumn ?? 0].max()! + 1)
    }
}

/// Ratings read from a file: the id maps (in order of first appearance) and the interactions,
/// with duplicated (user, item) pairs already resolved (the last occurrence is kept).
struct ParsedRatings: Sendable {
    var userIDs: IDMap<UserID>
    var itemIDs: IDMap<ItemID>
    var interactions: Interactions
    var linesRead: Int
    var duplicatesDropped: Int
    /// The order the indices follow: ``IndexOrder/id`` when the fast path numbered them by id,
    /// else the file's order of first appearance.
    var order: IndexOrder = .firstAppearance
}

/// Reads rating files: the parallel fast path for plain numeric files, else the general parser.
enum RatingsReader {
    /// Reads `url` in `format`.
    /// - Parameters:
    ///   - allowFastPath: try ``FastRatingsParser`` first (it hands back to the general parser
    ///     on anything unusual, including every error, so the messages always come from one place).
    ///   - threads: threads for the fast path (1 = single-thread deterministic mode; the result is
    ///     the same whatever the count).
    ///   - order: the order the caller will want; the fast path numbers by id when asked to and
    ///     it can (the result's ``ParsedRatings/order`` says which order it got).
    /// - Throws: ``DataError`` naming the file, the line and the problem.
    static func read(url: URL, format: RatingsFileFormat, allowFastPath: Bool = true,
                     threads: Int = Parallelism.availableCores, order: IndexOrder = .firstAppearance) throws -> ParsedRatings {
        try TextFile.checkExists(url)
        if allowFastPath, let fast = FastRatingsParser.parse(url: url, format: format, threads: threads, order: order) {
            return fast
        }
        return try readGeneral(url: url, format: format)
    }

    /// The general, sequential parser: quoted fields, text ids, precise error messages.
    static func readGeneral(url: URL, format: RatingsFileFormat) throws -> ParsedRatings {
        let file = try TextFile(url: url)
        let path = file.path
        var userIDs = IDMap<UserID>(), itemIDs = IDMap<ItemID>()
        var users: [Int32] = [], items: [Int32] = [], ratings: [Float] = [], times: [Int64] = []
        var headerPending = format.hasHeader
        let minimumFields = format.minimumFieldCount
        try file.forEachLine { number, line in
            if headerPending { headerPending = false; return }
            let fields = try file.fields(line, separator: format.separator, quoting: format.quoting, lineNumber: number)
            if let exact = format.fieldCount, fields.count != exact {
                throw DataError.malformedLine(file: path, line: number,
                    reason: "expected \(exact) fields separated by '\(format.separator.text)', found \(fields.count)")
            }
            if fields.count < minimumFields {
                throw DataError.malformedLine(file: path, line: number,
                    reason: "expected at least \(minimumFields) fields separated by '\(format.separator.text)', found \(fields.count)")
            }
            func id(_ column: Int, _ what: String) throws -> String {
                var field = fields[column]
                // Surrounding spaces are not part of an id (" 1 " is user "1").
                field.range = trimmedSpaces(file.bytes, field.range)
                if let k = file.bytes[field.range].firstIndex(where: { $0 < 0x20 || $0 == 0x7F }) {
                    throw DataError.malformedLine(file: path, line: number,
                        reason: "\(what) id '\(file.preview(field.range))' contains a control character (byte 0x\(String(file.bytes[k], radix: 16, uppercase: true)))")
                }
                if format.integerIDs {
                    guard NumberParsing.canonicalID(file.bytes[field.range]) != nil else {
                        throw DataError.malformedLine(file: path, line: number,
                            reason: "\(what) id '\(file.preview(field.range))' is not a non-negative integer")
                    }
                }
                let text = try file.string(field, encoding: .utf8, lineNumber: number)
                guard !text.isEmpty else {
                    throw DataError.malformedLine(file: path, line: number, reason: "\(what) id is empty")
                }
                return text
            }
            let u = userIDs.insert(UserID(try id(format.userColumn, "user")))
            let i = itemIDs.insert(ItemID(try id(format.itemColumn, "item")))
            var r: Float = 1
            if let column = format.ratingColumn {
                let range = fields[column].range
                guard let value = NumberParsing.decimal(file.bytes[range]) else {
                    throw DataError.malformedLine(file: path, line: number, reason: ratingProblem(file.preview(range)))
                }
                guard abs(value) <= RatingsFileFormat.largestRating else {
                    throw DataError.malformedLine(file: path, line: number,
                        reason: "rating \(file.preview(range)) is too large: ratings must be at most \(RatingsFileFormat.largestRatingText) in magnitude")
                }
                if let scale = format.ratingScale, !scale.contains(value) {
                    throw DataError.malformedLine(file: path, line: number,
                        reason: "rating \(file.preview(range)) is outside the scale \(formatScale(scale))")
                }
                r = value
            }
            if let column = format.timestampColumn {
                let range = fields[column].range
                guard let value = NumberParsing.timestamp(file.bytes[range]) else {
                    throw DataError.malformedLine(file: path, line: number,
                        reason: "timestamp '\(file.preview(range))' is not an integer")
                }
                times.append(value)
            }
            users.append(u.rawValue); items.append(i.rawValue); ratings.append(r)
        }
        guard !users.isEmpty else { throw DataError.emptyFile(path: path) }
        return finish(userIDs: userIDs, itemIDs: itemIDs, users: users, items: items, ratings: ratings,
                      timestamps: format.timestampColumn == nil ? nil : times)
    }

    /// Resolves duplicates (keep last) and wraps the columns.
    /// - Parameter threads: threads for finding the duplicates (the same result for any count).
    static func finish(userIDs: IDMap<UserID>, itemIDs: IDMap<ItemID>, users: [Int32], items: [Int32],
                       ratings: [Float], timestamps: [Int64]?, threads: Int = 1) -> ParsedRatings {
        let linesRead = users.count
        var interactions = Interactions(users: users, items: items, ratings: ratings, timestamps: timestamps,
                                        userCount: userIDs.count, itemCount: itemIDs.count)
        let dropped = duplicateRowsToDrop(users: users, items: items, userCount: userIDs.count, itemCount: itemIDs.count,
                                          threads: threads)
        if !dropped.isEmpty {
            var keep = [Int]()
            keep.reserveCapacity(users.count - dropped.count)
            var d = 0
            for row in 0..<users.count {
                if d < dropped.count && dropped[d] == row { d += 1 } else { keep.append(row) }
            }
            interactions = interactions.subset(keep)
        }
        return ParsedRatings(userIDs: userIDs, itemIDs: itemIDs, interactions: interactions,
                             linesRead: linesRead, duplicatesDropped: dropped.count)
    }
}

func formatScale(_ scale: ClosedRange<Float>) -> String {
    "\(formatRatingValue(scale.lowerBound))...\(formatRatingValue(scale.upperBound))"
}

/// A rating (or scale bound) for messages: `4` rather than `4.0`, any float (huge, infinite,
/// NaN) without trapping.
func formatRatingValue(_ x: Float) -> String {
    x.isFinite && x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
}

/// Why a rating field that ``NumberParsing/decimal(_:)`` refused is wrong: not a number at
/// all, not finite, or beyond `Float`.
func ratingProblem(_ text: String) -> String {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if let value = Double(trimmed) {
        if value.isNaN { return "rating '\(text)' is not a finite number" }
        if value.isInfinite || abs(value) > Double(RatingsFileFormat.largestRating) {
            return "rating '\(text)' is too large: ratings must be at most \(RatingsFileFormat.largestRatingText) in magnitude"
        }
    }
    return "rating '\(text)' is not a number"
}

/// `range` without leading and trailing ASCII spaces.
func trimmedSpaces(_ bytes: [UInt8], _ range: Range<Int>) -> Range<Int> {
    var low = range.lowerBound, high = range.upperBound
    while low < high && bytes[low] == 32 { low += 1 }
    while high > low && bytes[high - 1] == 32 { high -= 1 }
    return low..<high
}

/// The rows to drop so that each (user, item) pair keeps only its **last** occurrence, ascending.
///
/// O(n + users + items) with flat arrays (no hashing): rows are visited user by user in file
/// order (directly when the user column never decreases, as in MovieLens files sorted by user,
/// otherwise through a counting sort), remembering for each item the last user and row that had
/// it. When users never decrease, the rows are cut into parts at user boundaries (a pair never
/// spans two parts) checked in parallel, each with its own item arrays; the parts' lists, joined
/// in order, are the one-thread list.
/// - Parameter threads: threads for the sorted case (the result is the same for any count).
/// - Complexity: O(n + userCount + itemCount) time; O(itemCount) memory per part, plus O(n)
///   when the user column is not sorted.
func duplicateRowsToDrop(users: [Int32], items: [Int32], userCount: Int, itemCount: Int,
                         threads: Int = Parallelism.availableCores) -> [Int] {
    let n = users.count
    guard n > 1 else { return [] }
    let sorted = users.withUnsafeBufferPointer { ColumnOrder.isNonDecreasing($0, 0..<n) }
    /// Appends to `dropped` the rows of `rows` (visited in that order, each user's rows together)
    /// that a later row of the same pair replaces.
    func scan(_ rows: some Sequence<Int>, _ u: UnsafeBufferPointer<Int32>, _ it: UnsafeBufferPointer<Int32>,
              into dropped: inout [Int]) {
        let lastUser = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, itemCount))
        let lastRow = UnsafeMutablePointer<Int>.allocate(capacity: max(1, itemCount))
        defer { lastUser.deallocate(); lastRow.deallocate() }
        lastUser.initialize(repeating: -1, count: max(1, itemCount))
        for row in rows {
            let user = u[row], item = Int(it[row])
            if lastUser[item] == user { dropped.append(lastRow[item]) }
            lastUser[item] = user
            lastRow[item] = row
        }
    }
    return users.withUnsafeBufferPointer { u in
        items.withUnsafeBufferPointer { it in
            guard sorted else {
                var offsets = [Int](repeating: 0, count: userCount + 1)
                for k in 0..<n { offsets[Int(u[k]) + 1] += 1 }
                for k in 0..<userCount { offsets[k + 1] += offsets[k] }
                var order = [Int32](repeating: 0, count: n)
                for k in 0..<n {
                    let user = Int(u[k])
                    order[offsets[user]] = Int32(truncatingIfNeeded: k)
                    offsets[user] += 1
                }
                var dropped: [Int] = []
                scan(order.lazy.map { Int($0) }, u, it, into: &dropped)
                dropped.sort()
                return dropped
            }
            // Parts of about n / parts rows, each moved forward to the start of a user's run.
            let parts = max(1, min(threads, n / 1_000_000 + 1))
            var bounds = [0]
            for p in 1..<parts {
                var at = max(n * p / parts, bounds.last!)
                while at < n && at > 0 && u[at] == u[at - 1] { at += 1 }
                bounds.append(at)
            }
            bounds.append(n)
            let lists = SharedSlots<[Int]>(count: parts, initial: [])
            let columns = UnsafeSendableBox((u, it))
            ComputePool.forEachChunk(count: parts, chunks: parts, threads: threads) { _, range in
                for part in range {
                    let (u, it) = columns.value
                    let rows = bounds[part]..<bounds[part + 1]
                    // First only whether the part has a duplicate (one item array to read and
                    // write: the common case), then, if it has, which rows to drop.
                    let lastUser = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, itemCount))
                    lastUser.initialize(repeating: -1, count: max(1, itemCount))
                    var duplicated = false
                    for row in rows {
                        let user = u[row], item = Int(it[row])
                        duplicated = duplicated || lastUser[item] == user
                        lastUser[item] = user
                    }
                    lastUser.deallocate()
                    guard duplicated else { continue }
                    var dropped: [Int] = []
                    scan(rows, u, it, into: &dropped)
                    // A row is listed when its pair comes again, not in row order (items A, B, B, A
                    // list B's row, then A's): ascending, as the caller's merge needs.
                    dropped.sort()
                    lists.set(part, dropped)
                }
            }
            return Array(lists.values.joined())
        }
    }
}

/// An array of `count` elements whose memory is not initialised first (the caller writes every
/// element before reading it). Saves a pass over large columns.
func uninitializedArray<T: BitwiseCopyable>(_ type: T.Type, count: Int) -> [T] {
    // (Advising transparent huge pages here was measured: fewer faults but twice the kernel
    // time zeroing pages on this machine, so it is not done.)
    arrayFilledInPlace(capacity: count) { _, initialized in initialized = count }
}
