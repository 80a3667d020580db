import CKernels
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fast path for large, plain numeric rating files (`ratings.csv`, `ratings.dat`, `u.data`,
/// RecBole `.inter` with integer ids).
///
/// How it works:
/// 1. The file is cut into chunks at newline boundaries. Every chunk is read with `pread` into
///    a small reused buffer (no `String` per line, no mapping of the whole file into memory).
/// 2. Pass one counts newlines per chunk in parallel (SIMD), which gives each chunk the row
///    where its output starts, so the columns are allocated once at their final size.
/// 3. Pass two parses the chunks in parallel straight into the final columns: integer ids as
///    raw numbers, ratings and timestamps as numbers.
/// 4. Raw ids become dense indices through flat lookup arrays, duplicates are resolved (keep
///    last) without hashing. In ``IndexOrder/firstAppearance`` order, users and items are numbered
///    on two threads as the rows come. In ``IndexOrder/id`` order (ids below ``flatIDLimit``),
///    each chunk marks the ids it names while parsing, the marks give each id its rank, and
///    parts of the rows take their ranks in parallel: the numbering of
///    ``Dataset/reindex(_:threads:)`` without a second pass over the loaded data.
///
/// It handles only the plain case. Anything else (quotes, text ids, a malformed line, a rating
/// out of scale, a very long line) makes it return `nil`, and the general parser reads the file
/// and reports the exact problem. Its result is identical to the general parser's.
enum FastRatingsParser {
    /// Largest raw id mapped through a flat array (bigger ids use a dictionary).
    static let flatIDLimit: Int64 = 1 << 25

    /// - Parameters:
    ///   - parallelThreshold: files smaller than this are read as one chunk.
    ///   - blockSize: the read buffer size (a line longer than this goes to the general parser).
    ///   - order: the order of the indices. ``IndexOrder/id`` is honoured when every id is below
    ///     ``flatIDLimit``; otherwise the result is numbered by first appearance (its
    ///     ``ParsedRatings/order`` says which).
    static func parse(url: URL, format: RatingsFileFormat, threads: Int, order: IndexOrder = .firstAppearance,
                      parallelThreshold: Int = 4 << 20, blockSize: Int = 1 << 20) -> ParsedRatings? {
        guard !format.quoting || format.separator == .comma else { return nil }
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        let size = Int(info.st_size)
        guard size > 0 else { return nil }

        // Chunk boundaries at newlines.
        let chunkCount = size < parallelThreshold ? 1 : max(1, threads) * 4
        var bounds = [0]
        var probe = [UInt8](repeating: 0, count: 64 << 10)
        for c in 1..<max(chunkCount, 1) {
            var at = max(size * c / chunkCount, bounds.last!)
            var found = false
            while at < size && !found {
                let got = probe.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(at)) }
                guard got > 0 else { return nil }
                if let k = probe[0..<got].firstIndex(of: 10) { at += k + 1; found = true } else { at += got }
            }
            if at < size && at > bounds.last! { bounds.append(at) }
        }
        bounds.append(size)
        let chunks = bounds.count - 1

        // Pass 1: newlines per chunk.
        var newlineCounts = [Int](repeating: 0, count: chunks)
        var lastByte: UInt8 = 0
        _ = withUnsafeMutablePointer(to: &lastByte) { pread(fd, $0, 1, off_t(size - 1)) }
        let pass1OK = newlineCounts.withUnsafeMutableBufferPointer { countsBuffer -> Bool in
            let counts = UnsafeSendableBox(countsBuffer)
            let failed = UnsafeSendableBox(UnsafeMutablePointer<Bool>.allocate(capacity: chunks))
            failed.value.initialize(repeating: false, count: chunks)
            defer { failed.value.deallocate() }
            ComputePool.forEachChunk(count: chunks, chunks: threads <= 1 ? 1 : chunks) { _, range in
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: blockSize, alignment: 64)
                defer { buffer.deallocate() }
                for c in range {
                    var at = bounds[c], total = 0
                    while at < bounds[c + 1] {
                        let want = min(blockSize, bounds[c + 1] - at)
                        let got = pread(fd, buffer, want, off_t(at))
                        if got <= 0 { failed.value[c] = true; break }
                        total += countNewlines(buffer.assumingMemoryBound(to: UInt8.self), got)
                        at += got
                    }
                    counts.value[c] = total
                }
            }
            return !(0..<chunks).contains { failed.value[$0] }
        }
        guard pass1OK else { return nil }
        // Upper bound on the data rows of each chunk (the header and blank lines make it smaller).
        var rowStarts = [Int](repeating: 0, count: chunks + 1)
        for c in 0..<chunks {
            var bound = newlineCounts[c]
            if c == chunks - 1 && lastByte != 10 { bound += 1 }
            if c == 0 && format.hasHeader && bound > 0 { bound -= 1 }
            rowStarts[c + 1] = rowStarts[c] + bound
        }
        let capacity = rowStarts[chunks]
        guard capacity > 0, capacity < Int(Int32.max) else { return nil }

        var users = uninitializedArray(Int32.self, count: capacity)
        var items = uninitializedArray(Int32.self, count: capacity)
        var ratings = uninitializedArray(Float.self, count: format.ratingColumn == nil ? 0 : capacity)
        var times = uninitializedArray(Int64.self, count: format.timestampColumn == nil ? 0 : capacity)
        var results = [ChunkResult](repeating: ChunkResult(), count: chunks)
        // By id: each chunk marks the ids its rows name while they are still in cache.
        let marks: [IDMarks]? = order == .id ? (0..<chunks).map { _ in IDMarks() } : nil

        // Pass 2: parse.
        let roles = columnRoles(format)
        users.withUnsafeMutableBufferPointer { u in
        items.withUnsafeMutableBufferPointer { i in
        ratings.withUnsafeMutableBufferPointer { r in
        times.withUnsafeMutableBufferPointer { t in
        results.withUnsafeMutableBufferPointer { res in
            // Empty buffers may still have a base address: pass nil for absent columns explicitly.
            let out = UnsafeSendableBox((u.baseAddress!, i.baseAddress!, r.isEmpty ? nil : r.baseAddress,
                                         t.isEmpty ? nil : t.baseAddress, res.baseAddress!))
            ComputePool.forEachChunk(count: chunks, chunks: threads <= 1 ? 1 : chunks) { _, range in
                let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: blockSize + 2)
                defer { buffer.deallocate() }
                let (u, i, r, t, res) = out.value
                for c in range {
                    var parser = ChunkParser(roles: roles, format: format, users: u + rowStarts[c], items: i + rowStarts[c],
                                             ratings: r.map { $0 + rowStarts[c] }, times: t.map { $0 + rowStarts[c] },
                                             capacity: rowStarts[c + 1] - rowStarts[c], skipHeader: c == 0 && format.hasHeader)
                    res[c] = parser.run(fd: fd, from: bounds[c], to: bounds[c + 1], buffer: buffer, blockSize: blockSize,
                                        marks: marks?[c])
                }
            }
        }}}}}
        guard results.allSatisfy({ $0.ok }) else { return nil }

        // Close the gaps left by the header and blank lines.
        var rowCount = 0
        for c in 0..<chunks {
            let n = results[c].rows, from = rowStarts[c]
            if from != rowCount && n > 0 {
                users.withUnsafeMutableBufferPointer { b in _ = memmove(b.baseAddress! + rowCount, b.baseAddress! + from, n * 4) }
                items.withUnsafeMutableBufferPointer { b in _ = memmove(b.baseAddress! + rowCount, b.baseAddress! + from, n * 4) }
                if !ratings.isEmpty { ratings.withUnsafeMutableBufferPointer { b in _ = memmove(b.baseAddress! + rowCount, b.baseAddress! + from, n * 4) } }
                if !times.isEmpty { times.withUnsafeMutableBufferPointer { b in _ = memmove(b.baseAddress! + rowCount, b.baseAddress! + from, n * 8) } }
            }
            rowCount += n
        }
        guard rowCount > 0 else { return nil }
        if rowCount < capacity {
            users.removeLast(capacity - rowCount); items.removeLast(capacity - rowCount)
            if !ratings.isEmpty { ratings.removeLast(capacity - rowCount) }
            if !times.isEmpty { times.removeLast(capacity - rowCount) }
        }
        if format.ratingColumn == nil { ratings = [Float](repeating: 1, count: rowCount) }

        // Raw ids → dense indices.
        let maxUser = results.map(\.maxUser).max()!, maxItem = results.map(\.maxItem).max()!
        var userRaw: [Int32] = [], itemRaw: [Int32] = []
        let byID = order == .id && Int64(maxUser) < flatIDLimit && Int64(maxItem) < flatIDLimit
        users.withUnsafeMutableBufferPointer { u in
            items.withUnsafeMutableBufferPointer { i in
                if byID {
                    (userRaw, itemRaw) = rankByID(users: u, items: i, marks: marks!, maxUser: maxUser, maxItem: maxItem, threads: threads)
                    return
                }
                // By first appearance: users and items on two threads.
                let columns = UnsafeSendableBox((u, i))
                var rawLists: [[Int32]] = [[], []]
                rawLists.withUnsafeMutableBufferPointer { lists in
                    let listsBox = UnsafeSendableBox(lists)
                    ComputePool.forEachChunk(count: 2, chunks: min(2, threads)) { _, range in
                        for which in range {
                            let column = which == 0 ? columns.value.0 : columns.value.1
                            listsBox.value[which] = densify(column, maxRaw: which == 0 ? maxUser : maxItem)
                        }
                    }
                }
                userRaw = rawLists[0]; itemRaw = rawLists[1]
            }
        }
        // The two id maps (text ids, hashed) on two threads.
        let userMap = SharedSlots(count: 1, initial: IDMap<UserID>()), itemMap = SharedSlots(count: 1, initial: IDMap<ItemID>())
        let rawBox = UnsafeSendableBox((userRaw, itemRaw))
        ComputePool.forEachChunk(count: 2, chunks: 2, threads: threads) { _, range in
            for which in range {
                if which == 0 {
                    userMap.set(0, IDMap(rawBox.value.0.map { UserID(Int($0)) }))
                } else {
                    itemMap.set(0, IDMap(rawBox.value.1.map { ItemID(Int($0)) }))
                }
            }
        }
        var parsed = RatingsReader.finish(userIDs: userMap.value(at: 0), itemIDs: itemMap.value(at: 0), users: users, items: items,
                                          ratings: ratings, timestamps: format.timestampColumn == nil ? nil : times, threads: threads)
        parsed.order = byID ? .id : .firstAppearance
        return parsed
    }

    /// The ids the rows of one chunk name, as one bit per raw id (set = named), users and items
    /// apart; the bitmaps grow with the largest id seen. Filled a parsed block at a time, while
    /// the block's rows are still in cache; ML-25M's item bitmap (26 KB) stays in L1. An id of
    /// ``flatIDLimit`` or more stops the marking (the bitmaps are dropped, at most 4 MB each):
    /// such a file is numbered by first appearance and renumbered after loading.
    final class IDMarks: @unchecked Sendable {
        var users: [UInt64] = []
        var items: [UInt64] = []
        /// Whether an id beyond ``flatIDLimit`` stopped the marking.
        private(set) var overflowed = false

        /// Marks the ids of `count` rows; `maxUser` and `maxItem` bound every id so far.
        func mark(users u: UnsafePointer<Int32>, items it: UnsafePointer<Int32>, count: Int, maxUser: Int32, maxItem: Int32) {
            guard count > 0, !overflowed else { return }
            guard Int64(maxUser) < flatIDLimit && Int64(maxItem) < flatIDLimit else {
                overflowed = true
                users = []
                items = []
                return
            }
            let userWords = Int(maxUser) / 64 + 1, itemWords = Int(maxItem) / 64 + 1
            if userWords > users.count { users.append(contentsOf: repeatElement(0, count: max(userWords, 2 * users.count) - users.count)) }
            if itemWords > items.count { items.append(contentsOf: repeatElement(0, count: max(itemWords, 2 * items.count) - items.count)) }
            users.withUnsafeMutableBufferPointer { userBits in
                items.withUnsafeMutableBufferPointer { itemBits in
                    let userBits = userBits.baseAddress!, itemBits = itemBits.baseAddress!
                    // A user's rows usually come together: mark a user once per run of rows.
                    var previous: Int32 = -1
                    for k in 0..<count {
                        let user = u[k], item = Int(it[k])
                        if user != previous {
                            userBits[Int(user) >> 6] |= 1 << UInt64(user & 63)
                            previous = user
                        }
                        itemBits[item >> 6] |= 1 << UInt64(item & 63)
                    }
                }
            }
        }
    }

    /// Replaces the raw ids of both columns (each at most `maxUser` / `maxItem`, below
    /// ``flatIDLimit``) by their rank among the ids present: ``IndexOrder/id`` order, since the
    /// raw ids are canonical integers. Returns the raw id of each index, users then items.
    ///
    /// The chunks' marks (``IDMarks``), joined, give each present id its rank; then parts of the
    /// rows, in parallel, replace their ids by their ranks (the rank tables stay in cache for
    /// columns of any length). The result does not depend on the thread count.
    static func rankByID(users: UnsafeMutableBufferPointer<Int32>, items: UnsafeMutableBufferPointer<Int32>, marks: [IDMarks],
                         maxUser: Int32, maxItem: Int32, threads: Int) -> (users: [Int32], items: [Int32]) {
        let n = users.count
        let userSpan = Int(maxUser) + 1, itemSpan = Int(maxItem) + 1
        // ranks[raw] = the raw id's index (users at [0, userSpan), items after), -1 when absent.
        let ranks = UnsafeMutablePointer<Int32>.allocate(capacity: userSpan + itemSpan)
        defer { ranks.deallocate() }
        func rank(_ part: KeyPath<IDMarks, [UInt64]>, span: Int, into table: UnsafeMutablePointer<Int32>) -> [Int32] {
            var joined = [UInt64](repeating: 0, count: span / 64 + 1)
            for chunk in marks {
                chunk[keyPath: part].withUnsafeBufferPointer { m in
                    for w in 0..<min(joined.count, m.count) { joined[w] |= m[w] }
                }
            }
            var raws: [Int32] = []
            var next: Int32 = 0
            for raw in 0..<span {
                if joined[raw >> 6] & (1 << UInt64(raw & 63)) != 0 {
                    table[raw] = next
                    next += 1
                    raws.append(Int32(raw))
                } else {
                    table[raw] = -1
                }
            }
            return raws
        }
        let userRaws = rank(\.users, span: userSpan, into: ranks), itemRaws = rank(\.items, span: itemSpan, into: ranks + userSpan)
        let parts = max(1, min(threads, n / 65_536 + 1))
        let tables = UnsafeSendableBox((users, items, UnsafePointer(ranks), UnsafePointer(ranks + userSpan)))
        ComputePool.forEachChunk(count: n, chunks: parts, threads: threads) { _, range in
            let (u, it, userRanks, itemRanks) = tables.value
            for k in range {
                u[k] = userRanks[Int(u[k])]
                it[k] = itemRanks[Int(it[k])]
            }
        }
        return (userRaws, itemRaws)
    }

    /// Replaces raw ids by dense indices in order of first appearance; returns the raw id of each index.
    static func densify(_ column: UnsafeMutableBufferPointer<Int32>, maxRaw: Int32) -> [Int32] {
        var raws: [Int32] = []
        if Int64(maxRaw) < flatIDLimit {
            var lookup = [Int32](repeating: -1, count: Int(maxRaw) + 1)
            lookup.withUnsafeMutableBufferPointer { l in
                for k in 0..<column.count {
                    let raw = Int(column[k])
                    var dense = l[raw]
                    if dense < 0 {
                        dense = Int32(raws.count)
                        l[raw] = dense
                        raws.append(Int32(raw))
                    }
                    column[k] = dense
                }
            }
        } else {
            var lookup: [Int32: Int32] = [:]
            for k in 0..<column.count {
                let raw = column[k]
                if let dense = lookup[raw] {
                    column[k] = dense
                } else {
                    let dense = Int32(raws.count)
                    lookup[raw] = dense
                    raws.append(raw)
                    column[k] = dense
                }
            }
        }
        return raws
    }

    /// Counts `\n` bytes with 32-byte SIMD compares.
    @inline(__always)
    static func countNewlines(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        var total = 0, k = 0
        let newline = SIMD32<UInt8>(repeating: 10)
        let raw = UnsafeRawPointer(p)
        while k + 32 <= n {
            var acc = SIMD32<UInt8>(repeating: 0)
            var steps = 0
            while steps < 255 && k + 32 <= n {
                let v = raw.loadUnaligned(fromByteOffset: k, as: SIMD32<UInt8>.self)
                // A true lane of the mask is all ones (255): subtracting it adds 1.
                acc &-= unsafeBitCast(v .== newline, to: SIMD32<UInt8>.self)
                k += 32
                steps += 1
            }
            var sum = 0
            for lane in 0..<32 { sum += Int(acc[lane]) }
            total += sum
        }
        while k < n { if p[k] == 10 { total += 1 }; k += 1 }
        return total
    }

    enum Role: UInt8 { case ignore, user, item, rating, timestamp }

    static func columnRoles(_ format: RatingsFileFormat) -> [Role] {
        var roles = [Role](repeating: .ignore, count: format.minimumFieldCount)
        roles[format.userColumn] = .user
        roles[format.itemColumn] = .item
        if let c = format.ratingColumn { roles[c] = .rating }
        if let c = format.timestampColumn { roles[c] = .timestamp }
        return roles
    }

    struct ChunkResult {
        var ok = false
        var rows = 0
        var maxUser: Int32 = 0
        var maxItem: Int32 = 0
    }

    /// Parses the lines of one chunk into its slice of the columns.
    struct ChunkParser {
        let roles: [Role]
        let format: RatingsFileFormat
        let users: UnsafeMutablePointer<Int32>
        let items: UnsafeMutablePointer<Int32>
        let ratings: UnsafeMutablePointer<Float>?
        let times: UnsafeMutablePointer<Int64>?
        let capacity: Int
        var skipHeader: Bool
        var result = ChunkResult()
        /// Whether the lines are `user,item,rating[,timestamp]` with a one-byte separator, the
        /// layout the C loop `ck_parse_rating_lines` reads (MovieLens's `ratings.csv`).
        let plainLayout: Bool

        init(roles: [Role], format: RatingsFileFormat, users: UnsafeMutablePointer<Int32>, items: UnsafeMutablePointer<Int32>,
             ratings: UnsafeMutablePointer<Float>?, times: UnsafeMutablePointer<Int64>?, capacity: Int, skipHeader: Bool) {
            self.roles = roles; self.format = format; self.users = users; self.items = items
            self.ratings = ratings; self.times = times; self.capacity = capacity; self.skipHeader = skipHeader
            plainLayout = format.separator.length == 1 && format.fieldCount == roles.count && ratings != nil
                && (roles == [.user, .item, .rating, .timestamp] && times != nil || roles == [.user, .item, .rating] && times == nil)
        }

        /// - Parameter marks: when given, the ids of the rows are marked there, a block at a time.
        mutating func run(fd: Int32, from: Int, to: Int, buffer: UnsafeMutablePointer<UInt8>, blockSize: Int,
                          marks: IDMarks? = nil) -> ChunkResult {
            var carry = 0
            var at = from
            while at < to || carry > 0 {
                let want = min(blockSize - carry, to - at)
                var filled = carry
                if want > 0 {
                    let got = pread(fd, buffer + carry, want, off_t(at))
                    guard got > 0 else { return result }
                    at += got
                    filled += got
                } else if at < to {
                    return result   // a line longer than the block: leave it to the general parser
                }
                var end = filled
                if at >= to {
                    if buffer[filled - 1] != 10 { buffer[filled] = 10; end = filled + 1 }
                } else {
                    while end > 0 && buffer[end - 1] != 10 { end -= 1 }
                    if end == 0 { return result }
                }
                let rowsBefore = result.rows
                let ok = plainLayout ? parseLinesPlain(buffer, end)
                    : format.fieldCount == roles.count ? parseLinesFused(buffer, end) : parseLines(buffer, end)
                guard ok else { return result }
                marks?.mark(users: users + rowsBefore, items: items + rowsBefore, count: result.rows - rowsBefore,
                            maxUser: result.maxUser, maxItem: result.maxItem)
                carry = filled - min(end, filled)
                if carry > 0 { memmove(buffer, buffer + end, carry) }
                if at >= to { carry = 0 }
            }
            result.ok = true
            return result
        }

        /// Parses complete lines in `p[0..<n]` (the last byte is `\n`) of the plain layout: the C
        /// loop reads every line it can; each line it leaves (the header, an empty line, any other
        /// form of number, a bad line) goes through ``parseLinesFused(_:_:)``, one line at a time,
        /// so the result is exactly that function's.
        mutating func parseLinesPlain(_ base: UnsafeMutablePointer<UInt8>, _ n: Int) -> Bool {
            guard let ratings else { return parseLinesFused(base, n) }
            let low = max(format.ratingScale?.lowerBound ?? -.infinity, -RatingsFileFormat.largestRating)
            let high = min(format.ratingScale?.upperBound ?? .infinity, RatingsFileFormat.largestRating)
            return SIMDTable.withRatings { table -> Bool in
                var at = 0
                while at < n {
                    if !skipHeader {
                        var state = ck_rating_lines(
                            p: UnsafePointer(base + at), end: UnsafePointer(base + n), separator: format.separator.firstByte,
                            rating_table: table.baseAddress!, low: low, high: high, users: users, items: items, ratings: ratings,
                            times: times, rows: result.rows, capacity: capacity, max_user: result.maxUser, max_item: result.maxItem)
                        ck_parse_rating_lines(&state)
                        result.rows = state.rows
                        result.maxUser = state.max_user
                        result.maxItem = state.max_item
                        at = UnsafePointer(state.p) - UnsafePointer(base)
                        if at >= n { break }
                    }
                    var lineEnd = at
                    while base[lineEnd] != 10 { lineEnd += 1 }
                    guard parseLinesFused(base + at, lineEnd + 1 - at) else { return false }
                    at = lineEnd + 1
                }
                return true
            }
        }

        /// `a.b` ratings by `10 * a + b`, computed exactly as ``NumberParsing/decimal(_:_:)`` does.
        static let ratingTable: [Float] = (0..<100).map { Float(Double($0) / 10) }

        /// Parses complete lines in `p[0..<n]` (the last byte is `\n`) when every field has a
        /// role: each byte is read once, numbers are accumulated while scanning.
        @inline(__always)
        mutating func parseLinesFused(_ base: UnsafeMutablePointer<UInt8>, _ n: Int) -> Bool {
            let sep = format.separator.firstByte
            let sepLength = format.separator.length
            let k = roles.count
            let low = max(format.ratingScale?.lowerBound ?? -.infinity, -RatingsFileFormat.largestRating)
            let high = min(format.ratingScale?.upperBound ?? .infinity, RatingsFileFormat.largestRating)
            var p = UnsafePointer(base)
            let end = p + n
            var rows = result.rows
            var maxUser = result.maxUser, maxItem = result.maxItem
            defer { result.rows = rows; result.maxUser = maxUser; result.maxItem = maxItem }
            @inline(__always) func isEnd(_ b: UInt8) -> Bool { b == sep || b == 10 || b == 13 }
            /// The value of the decimal digits at `p` (wrapping past Int64), `p` moved past them.
            @inline(__always) func digits(_ p: inout UnsafePointer<UInt8>) -> Int64 {
                var v: Int64 = 0
                while true {
                    let d = p.pointee &- 48
                    if d > 9 { return v }
                    v = v &* 10 &+ Int64(d)
                    p += 1
                }
            }
            return roles.withUnsafeBufferPointer { roleBuffer -> Bool in
            SIMDTable.withRatings { table -> Bool in
                while p < end {
                    if p.pointee == 10 { p += 1; continue }                      // an empty line
                    if p.pointee == 13 && p[1] == 10 { p += 2; continue }       // an empty CRLF line
                    if skipHeader {
                        var q = p
                        while q.pointee != 10 { q += 1 }
                        p = q + 1
                        skipHeader = false
                        continue
                    }
                    var u: Int32 = 0, it: Int32 = 0, r: Float = 1, t: Int64 = 0
                    for f in 0..<k {
                        switch roleBuffer[f] {
                        case .user, .item:
                            let start = p
                            let v = digits(&p)
                            let length = p - start
                            guard length > 0 && length <= 10 && (length == 1 || start.pointee != 48) && v <= Int64(Int32.max) else { return false }
                            if roleBuffer[f] == .user { u = Int32(truncatingIfNeeded: v) } else { it = Int32(truncatingIfNeeded: v) }
                        case .rating:
                            let d0 = p[0] &- 48
                            if d0 <= 9 && p[1] == 46 && p[2] &- 48 <= 9 && isEnd(p[3]) {
                                r = table[Int(d0) * 10 + Int(p[2] &- 48)]
                                p += 3
                            } else if d0 <= 9 && isEnd(p[1]) {
                                r = table[Int(d0) * 10]
                                p += 1
                            } else {
                                let start = p
                                while !isEnd(p.pointee) { p += 1 }
                                guard let v = NumberParsing.decimal(start, p - start) else { return false }
                                r = v
                            }
                            guard r >= low && r <= high else { return false }
                        case .timestamp:
                            var negative = false
                            if p.pointee == 45 { negative = true; p += 1 }
                            let start = p
                            let v = digits(&p)
                            let length = p - start
                            guard length > 0 && length <= 18 else { return false }
                            if p.pointee == 46 {
                                p += 1
                                while p.pointee &- 48 <= 9 { p += 1 }
                            }
                            t = negative ? -v : v
                        case .ignore:
                            while !isEnd(p.pointee) { p += 1 }
                        }
                        if f < k - 1 {
                            guard p.pointee == sep else { return false }
                            if sepLength == 2 { guard p[1] == sep else { return false } }
                            p += sepLength
                        } else {
                            if p.pointee == 13 { p += 1 }
                            guard p.pointee == 10 else { return false }
                            p += 1
                        }
                    }
                    guard rows < capacity else { return false }
                    users[rows] = u; items[rows] = it
                    if let ratings { ratings[rows] = r }
                    if let times { times[rows] = t }
                    maxUser = max(maxUser, u); maxItem = max(maxItem, it)
                    rows += 1
                }
                return true
            }}
        }

        /// Parses complete lines in `p[0..<n]` (the last byte is `\n`).
        @inline(__always)
        mutating func parseLines(_ base: UnsafeMutablePointer<UInt8>, _ n: Int) -> Bool {
            let sep = format.separator.firstByte
            let doubleSep = format.separator == .doubleColon
            let fieldCount = format.fieldCount
            let minimum = roles.count
            let scale = format.ratingScale
            var p = UnsafePointer(base)
            let end = p + n
            var rows = result.rows
            var maxUser = result.maxUser, maxItem = result.maxItem
            defer { result.rows = rows; result.maxUser = maxUser; result.maxItem = maxItem }
            return roles.withUnsafeBufferPointer { roleBuffer -> Bool in
                while p < end {
                    if skipHeader {
                        // The header is the first non-empty line: pass over it without parsing.
                        var q = p
                        while q.pointee != 10 { q += 1 }
                        let empty = q == p || (q - p == 1 && p.pointee == 13)
                        p = q + 1
                        if !empty { skipHeader = false }
                        continue
                    }
                    if p.pointee == 10 { p += 1; continue }                      // an empty line
                    if p.pointee == 13 && p[1] == 10 { p += 2; continue }       // an empty CRLF line
                    var field = 0
                    var start = p
                    var u: Int32 = 0, it: Int32 = 0, r: Float = 1, t: Int64 = 0
                    while true {
                        let b = p.pointee
                        if b == sep || b == 10 {
                            var length = p - start
                            if b == 10 && length > 0 && start[length - 1] == 13 { length -= 1 }
                            if field < minimum {
                                switch roleBuffer[field] {
                                case .ignore: break
                                case .user:
                                    guard let v = NumberParsing.canonicalID(start, length), v <= Int64(Int32.max) else { return false }
                                    u = Int32(v)
                                case .item:
                                    guard let v = NumberParsing.canonicalID(start, length), v <= Int64(Int32.max) else { return false }
                                    it = Int32(v)
                                case .rating:
                                    guard let v = NumberParsing.decimal(start, length) else { return false }
                                    if let scale, !scale.contains(v) { return false }
                                    guard abs(v) <= RatingsFileFormat.largestRating else { return false }
                                    r = v
                                case .timestamp:
                                    guard let v = NumberParsing.timestamp(start, length) else { return false }
                                    t = v
                                }
                            }
                            field += 1
                            if b == 10 { p += 1; break }
                            if doubleSep {
                                guard p[1] == sep else { return false }
                                p += 2
                            } else {
                                p += 1
                            }
                            start = p
                            continue
                        }
                        p += 1
                    }
                    if let fieldCount { guard field == fieldCount else { return false } } else { guard field >= minimum else { return false } }
                    guard rows < capacity else { return false }
                    users[rows] = u; items[rows] = it
                    if let ratings { ratings[rows] = r }
                    if let times { times[rows] = t }
                    maxUser = max(maxUser, u); maxItem = max(maxItem, it)
                    rows += 1
                }
                return true
            }
        }
    }
}

/// The rating look-up table as a buffer (no array access checks in the hot loop).
enum SIMDTable {
    static func withRatings<R>(_ body: (UnsafeBufferPointer<Float>) -> R) -> R {
        FastRatingsParser.ChunkParser.ratingTable.withUnsafeBufferPointer(body)
    }
}
