/// A sparse matrix in compressed sparse row (CSR) form, with `Float` values.
///
/// Row `r` holds the entries `rowOffsets[r] ..< rowOffsets[r + 1]` of ``columns`` and
/// ``values``; within a row, columns are sorted ascending. Built from ``Interactions`` it is
/// the per-user view (``Interactions/byUser()``) or the per-item view
/// (``Interactions/byItem()``).
public struct SparseMatrix: Sendable, Equatable {
    /// The number of rows.
    public let rowCount: Int
    /// The number of columns.
    public let columnCount: Int
    /// `rowCount + 1` offsets into ``columns`` and ``values``.
    public let rowOffsets: [Int]
    /// The column index of each stored entry.
    public let columns: [Int32]
    /// The value of each stored entry.
    public let values: [Float]

    /// Creates a matrix from its CSR arrays.
    /// - Precondition: `rowOffsets.count == rowCount + 1` and offsets are non-decreasing.
    public init(rowCount: Int, columnCount: Int, rowOffsets: [Int], columns: [Int32], values: [Float]) {
        precondition(rowOffsets.count == rowCount + 1, "SparseMatrix: need rowCount + 1 offsets")
        precondition(columns.count == values.count && rowOffsets.last == columns.count,
                     "SparseMatrix: offsets do not match the entries")
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.rowOffsets = rowOffsets
        self.columns = columns
        self.values = values
    }

    /// Builds a CSR matrix from coordinate triplets by two stable counting sorts (O(n + rows + columns)).
    ///
    /// Entries of a row keep the column order ascending; duplicates are kept as they are, in
    /// input order. The work is split over `threads` (the result does not depend on it).
    /// - Parameters:
    ///   - rows: the row index of each entry.
    ///   - columns: the column index of each entry.
    ///   - values: the value of each entry.
    ///   - rowCount: the number of rows.
    ///   - columnCount: the number of columns.
    ///   - threads: threads to use (1 = single-thread mode).
    /// - Complexity: O(n + rowCount + columnCount) time, O(n) extra memory while building.
    public init(rows: [Int32], columns: [Int32], values: [Float], rowCount: Int, columnCount: Int,
                threads: Int = Parallelism.availableCores) {
        precondition(rows.count == columns.count && columns.count == values.count)
        // Column-major first (stable), then transposing visits columns in ascending order,
        // which leaves every row's columns sorted.
        let byColumn = SparseMatrix.scatter(rows: columns, columns: rows, values: values, rowCount: columnCount,
                                            columnCount: rowCount, threads: threads)
        self = byColumn.transposed(threads: threads)
    }

    /// The transpose (rows become columns), with the columns of each row sorted ascending.
    /// - Parameter threads: threads to use (1 = single-thread mode; same result).
    /// - Complexity: O(nonZeroCount + rowCount + columnCount).
    public func transposed(threads: Int = Parallelism.availableCores) -> SparseMatrix {
        let n = nonZeroCount, targetRows = columnCount
        let parts = max(1, min(threads, n / 200_000 + 1))
        // Split the source rows so that each part has about n / parts entries.
        var rowBounds = [0]
        for p in 1..<parts {
            let goal = n * p / parts
            var lo = rowBounds.last!, hi = rowCount
            while lo < hi { let mid = (lo + hi) / 2; if rowOffsets[mid] < goal { lo = mid + 1 } else { hi = mid } }
            rowBounds.append(lo)
        }
        rowBounds.append(rowCount)
        let sorted = SparseMatrix.countingSortBuffers(parts: parts, keyCount: targetRows, entries: n) { h, off, oc, ov in
        rowOffsets.withUnsafeBufferPointer { o in
        columns.withUnsafeBufferPointer { c in
        values.withUnsafeBufferPointer { v in
            let box = UnsafeSendableBox((o.baseAddress!, c.baseAddress, v.baseAddress, h, oc, ov))
            ComputePool.forEachChunk(count: parts, chunks: parts) { _, range in
                let (o, c, _, h, _, _) = box.value
                for part in range {
                    let hist = h + part * targetRows
                    for k in o[rowBounds[part]]..<o[rowBounds[part + 1]] { hist[Int(c![k])] += 1 }
                }
            }
            if let shift = SparseMatrix.bucketShift(keyCount: targetRows, entries: n) {
                // Many target rows: through buckets of 2^shift rows (see ``scatterThroughBuckets``).
                SparseMatrix.scatterThroughBuckets(counts: h, parts: parts, keyCount: targetRows, entries: n, shift: shift,
                                                   offsets: off, columns: oc, values: ov) { part, cursors, low in
                    let (o, c, v, _, oc, ov) = box.value
                    let mask = (1 << shift) - 1
                    for row in rowBounds[part]..<rowBounds[part + 1] {
                        for k in o[row]..<o[row + 1] {
                            let target = Int(c![k])
                            let bucket = target >> shift
                            let at = cursors[bucket]
                            oc![at] = Int32(truncatingIfNeeded: row)
                            ov![at] = v![k]
                            low[at] = UInt8(truncatingIfNeeded: target & mask)
                            cursors[bucket] = at + 1
                        }
                    }
                }
                return
            }
            SparseMatrix.countsToCursors(h, parts: parts, rows: targetRows, offsets: off)
            ComputePool.forEachChunk(count: parts, chunks: parts) { _, range in
                let (o, c, v, h, oc, ov) = box.value
                for part in range {
                    let cursor = h + part * targetRows
                    for row in rowBounds[part]..<rowBounds[part + 1] {
                        for k in o[row]..<o[row + 1] {
                            let target = Int(c![k])
                            let at = cursor[target]
                            oc![at] = Int32(truncatingIfNeeded: row)
                            ov![at] = v![k]
                            cursor[target] = at + 1
                        }
                    }
                }
            }
        }}}}
        return SparseMatrix(rowCount: targetRows, columnCount: rowCount, rowOffsets: sorted.offsets, columns: sorted.columns, values: sorted.values)
    }

    /// A matrix from entries already grouped by row, columns not yet in order within a row: row
    /// `r` is `rowOffsets[r] ..< rowOffsets[r + 1]` of `columns` and `values`. Each row is sorted
    /// on its own, stably (equal columns keep their input order), so the result is the same as a
    /// transpose of the transpose, without two scatters over the whole matrix: every row is
    /// read and written once, in cache. Rows run in parallel, in dynamically claimed chunks.
    ///
    /// Short rows use an insertion sort; longer ones a least-significant-digit radix sort on the
    /// column's bytes (as many passes as `columnCount` needs; a byte that every entry of the row
    /// shares costs no pass).
    /// - Parameter threads: threads to use (1 = single-thread mode; same result).
    static func sortingEachRow(rowCount: Int, columnCount: Int, rowOffsets: [Int], columns: [Int32], values: [Float],
                               threads: Int) -> SparseMatrix {
        let n = columns.count
        var outColumns = uninitializedArray(Int32.self, count: n)
        var outValues = uninitializedArray(Float.self, count: n)
        let digitCount = max(1, (Int.bitWidth - max(0, columnCount - 1).leadingZeroBitCount + 7) / 8)
        rowOffsets.withUnsafeBufferPointer { o in
        columns.withUnsafeBufferPointer { c in
        values.withUnsafeBufferPointer { v in
        outColumns.withUnsafeMutableBufferPointer { oc in
        outValues.withUnsafeMutableBufferPointer { ov in
            guard n > 0 else { return }
            let box = UnsafeSendableBox((o.baseAddress!, c.baseAddress!, v.baseAddress!, oc.baseAddress!, ov.baseAddress!))
            // About 64 chunks of rows (fewer when rows are few): enough to balance skewed rows.
            let chunkSize = max(64, rowCount / 64)
            ComputePool.forEachChunk(count: rowCount, chunkSize: chunkSize, threads: threads,
                                     setup: { RowSortScratch(digits: digitCount) }) { scratch, rows in
                let (o, c, v, oc, ov) = box.value
                for row in rows {
                    let a = o[row], m = o[row + 1] - a
                    guard m > 0 else { continue }
                    var inOrder = true
                    for k in 1..<m where c[a + k] < c[a + k - 1] { inOrder = false; break }
                    if inOrder || m <= RowSortScratch.insertionLimit {
                        (oc + a).update(from: c + a, count: m)
                        (ov + a).update(from: v + a, count: m)
                        if !inOrder { RowSortScratch.insertionSort(oc + a, ov + a, m) }
                    } else {
                        scratch.radixSort(from: c + a, v + a, to: oc + a, ov + a, count: m)
                    }
                }
            }
        }}}}}
        return SparseMatrix(rowCount: rowCount, columnCount: columnCount, rowOffsets: rowOffsets, columns: outColumns, values: outValues)
    }

    /// A stable counting sort of triplets into rows (columns within a row stay in input order).
    static func scatter(rows: [Int32], columns: [Int32], values: [Float], rowCount: Int, columnCount: Int,
                        threads: Int) -> SparseMatrix {
        let n = rows.count
        let parts = max(1, min(threads, n / 200_000 + 1))
        let sorted = SparseMatrix.countingSortBuffers(parts: parts, keyCount: rowCount, entries: n) { h, off, oc, ov in
        rows.withUnsafeBufferPointer { r in
        columns.withUnsafeBufferPointer { c in
        values.withUnsafeBufferPointer { v in
            let box = UnsafeSendableBox((r.baseAddress, c.baseAddress, v.baseAddress, h, oc, ov))
            ComputePool.forEachChunk(count: n, chunks: parts) { part, range in
                let (r, _, _, h, _, _) = box.value
                let hist = h + part * rowCount
                for k in range { hist[Int(r![k])] += 1 }
            }
            if let shift = SparseMatrix.bucketShift(keyCount: rowCount, entries: n) {
                // Many rows: through buckets of 2^shift rows (see ``scatterThroughBuckets``).
                SparseMatrix.scatterThroughBuckets(counts: h, parts: parts, keyCount: rowCount, entries: n, shift: shift,
                                                   offsets: off, columns: oc, values: ov) { part, cursors, low in
                    let (r, c, v, _, oc, ov) = box.value
                    let mask = (1 << shift) - 1
                    // The same ranges as the histogram's chunks above.
                    for k in (n * part / parts)..<(n * (part + 1) / parts) {
                        let row = Int(r![k])
                        let bucket = row >> shift
                        let at = cursors[bucket]
                        oc![at] = c![k]
                        ov![at] = v![k]
                        low[at] = UInt8(truncatingIfNeeded: row & mask)
                        cursors[bucket] = at + 1
                    }
                }
                return
            }
            SparseMatrix.countsToCursors(h, parts: parts, rows: rowCount, offsets: off)
            ComputePool.forEachChunk(count: n, chunks: parts) { part, range in
                let (r, c, v, h, oc, ov) = box.value
                let cursor = h + part * rowCount
                for k in range {
                    let row = Int(r![k])
                    let at = cursor[row]
                    oc![at] = c![k]
                    ov![at] = v![k]
                    cursor[row] = at + 1
                }
            }
        }}}}
        return SparseMatrix(rowCount: rowCount, columnCount: columnCount, rowOffsets: sorted.offsets, columns: sorted.columns, values: sorted.values)
    }

    /// Runs `body` with the working buffers of a counting sort of `entries` entries into
    /// `keyCount` rows: `parts` histograms of `keyCount` counts (zeroed), the `keyCount + 1` row
    /// offsets (zeroed), and the sorted columns and values (`entries` each, not initialized: the
    /// sort writes every one). Returns what the sort wrote.
    static func countingSortBuffers(parts: Int, keyCount: Int, entries n: Int,
                                    _ body: (_ counts: UnsafeMutablePointer<Int>, _ offsets: UnsafeMutablePointer<Int>,
                                             _ columns: UnsafeMutablePointer<Int32>?, _ values: UnsafeMutablePointer<Float>?) -> Void)
        -> (offsets: [Int], columns: [Int32], values: [Float]) {
        var counts = [Int](repeating: 0, count: parts * keyCount)
        var outColumns = uninitializedArray(Int32.self, count: n)
        var outValues = uninitializedArray(Float.self, count: n)
        var offsets = [Int](repeating: 0, count: keyCount + 1)
        counts.withUnsafeMutableBufferPointer { h in
        offsets.withUnsafeMutableBufferPointer { off in
        outColumns.withUnsafeMutableBufferPointer { oc in
        outValues.withUnsafeMutableBufferPointer { ov in
            body(h.baseAddress!, off.baseAddress!, oc.baseAddress, ov.baseAddress)
        }}}}
        return (offsets, outColumns, outValues)
    }

    /// The bucket width (log2) for ``scatterThroughBuckets``, or nil when the direct scatter is
    /// as fast: few target rows (their write positions stay in cache), few entries, or so many
    /// rows that even the buckets would not.
    static func bucketShift(keyCount: Int, entries: Int) -> Int? {
        guard keyCount > 4096, keyCount <= 1 << 20, entries >= 1 << 16 else { return nil }
        let bits = Int.bitWidth - (keyCount - 1).leadingZeroBitCount
        return min(8, (bits + 1) / 2)
    }

    /// A stable counting sort of `entries` entries into `keyCount` rows in two cache-friendly
    /// passes, with the same result as one direct scatter (which writes to as many places at once
    /// as there are rows, and so misses the cache on nearly every entry when there are many).
    ///
    /// Pass 1 (`fill`, once per part, parts in parallel) writes each entry of the part, in input
    /// order, to the next free position of its *bucket* of 2^shift consecutive rows (the final
    /// range of those rows; part p after the parts before it) with the low bits of its row in
    /// `low`. Pass 2 (buckets in parallel) copies each bucket aside and scatters it by those low
    /// bits into the final positions. Both passes keep the input order within a row, so the
    /// result is the direct scatter's, whatever the number of threads.
    /// - Parameters:
    ///   - counts: per part, the number of entries of each row (`parts × keyCount`).
    ///   - offsets: receives the `keyCount + 1` row offsets.
    ///   - fill: writes part `part`'s entries; receives the part's bucket cursors (advance them)
    ///     and the low-bits array to fill at the same positions.
    static func scatterThroughBuckets(counts: UnsafeMutablePointer<Int>, parts: Int, keyCount: Int, entries n: Int, shift: Int,
                                      offsets: UnsafeMutablePointer<Int>, columns: UnsafeMutablePointer<Int32>?,
                                      values: UnsafeMutablePointer<Float>?,
                                      fill: (_ part: Int, _ cursors: UnsafeMutablePointer<Int>, _ low: UnsafeMutablePointer<UInt8>) -> Void) {
        let buckets = (keyCount + (1 << shift) - 1) >> shift
        var running = 0
        for key in 0..<keyCount {
            offsets[key] = running
            for part in 0..<parts { running += counts[part * keyCount + key] }
        }
        offsets[keyCount] = running
        guard n > 0, let columns, let values else { return }
        // Per part, where its entries of each bucket start.
        let cursors = UnsafeMutablePointer<Int>.allocate(capacity: parts * buckets)
        defer { cursors.deallocate() }
        for s in 0..<buckets {
            var at = offsets[s << shift]
            let keys = (s << shift)..<min(keyCount, (s + 1) << shift)
            for part in 0..<parts {
                cursors[part * buckets + s] = at
                for key in keys { at += counts[part * keyCount + key] }
            }
        }
        let low = UnsafeMutablePointer<UInt8>.allocate(capacity: n)
        defer { low.deallocate() }
        let box = UnsafeSendableBox((cursors, low, columns, values, offsets))
        ComputePool.forEachChunk(count: parts, chunks: parts) { _, range in
            for part in range { fill(part, box.value.0 + part * buckets, box.value.1) }
        }
        // Pass 2: buckets cut into `parts` groups of about equal entries (any cut gives the same result).
        var groupBounds = [0]
        for g in 1..<parts {
            var s = groupBounds.last!
            while s < buckets && offsets[s << shift] < n * g / parts { s += 1 }
            groupBounds.append(s)
        }
        groupBounds.append(buckets)
        ComputePool.forEachChunk(count: parts, chunks: parts) { _, range in
            let (_, low, oc, ov, off) = box.value
            for g in range {
                let bucketRange = groupBounds[g]..<groupBounds[g + 1]
                guard !bucketRange.isEmpty else { continue }
                var largest = 0
                for s in bucketRange { largest = max(largest, off[min(keyCount, (s + 1) << shift)] - off[s << shift]) }
                let tc = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, largest))
                let tv = UnsafeMutablePointer<Float>.allocate(capacity: max(1, largest))
                var cursor = [Int](repeating: 0, count: 1 << shift)
                defer { tc.deallocate(); tv.deallocate() }
                cursor.withUnsafeMutableBufferPointer { cur in
                    for s in bucketRange {
                        let first = s << shift, last = min(keyCount, (s + 1) << shift)
                        let a = off[first], b = off[last]
                        guard b > a else { continue }
                        for l in 0..<(last - first) { cur[l] = off[first + l] }
                        tc.update(from: oc + a, count: b - a)
                        tv.update(from: ov + a, count: b - a)
                        for i in 0..<(b - a) {
                            let l = Int(low[a + i])
                            let at = cur[l]
                            oc[at] = tc[i]
                            ov[at] = tv[i]
                            cur[l] = at + 1
                        }
                    }
                }
            }
        }
    }

    /// Turns per-part row counts into per-part write cursors and fills the row offsets.
    static func countsToCursors(_ counts: UnsafeMutablePointer<Int>, parts: Int, rows: Int, offsets: UnsafeMutablePointer<Int>) {
        var running = 0
        for row in 0..<rows {
            offsets[row] = running
            for part in 0..<parts {
                let k = part * rows + row
                let c = counts[k]
                counts[k] = running
                running += c
            }
        }
        offsets[rows] = running
    }

    /// The number of stored entries.
    public var nonZeroCount: Int { columns.count }

    /// The range of entry positions that belong to `row`.
    @inlinable public func range(ofRow row: Int) -> Range<Int> { rowOffsets[row]..<rowOffsets[row + 1] }

    /// The number of stored entries in `row`.
    @inlinable public func count(ofRow row: Int) -> Int { rowOffsets[row + 1] - rowOffsets[row] }

    /// The column indices of `row`.
    public func columns(ofRow row: Int) -> ArraySlice<Int32> { columns[range(ofRow: row)] }

    /// The values of `row`.
    public func values(ofRow row: Int) -> ArraySlice<Float> { values[range(ofRow: row)] }

    /// The value at (`row`, `column`), or `nil` when not stored. Binary search within the row.
    public func value(row: Int, column: Int32) -> Float? {
        var lo = rowOffsets[row], hi = rowOffsets[row + 1]
        while lo < hi {
            let mid = (lo + hi) / 2
            if columns[mid] < column { lo = mid + 1 } else { hi = mid }
        }
        return lo < rowOffsets[row + 1] && columns[lo] == column ? values[lo] : nil
    }
}

/// One worker's buffers for ``SparseMatrix/sortingEachRow(rowCount:columnCount:rowOffsets:columns:values:threads:)``.
final class RowSortScratch {
    /// Rows up to this length are insertion-sorted.
    static let insertionLimit = 32
    /// The column bytes a radix sort looks at (enough for every column index).
    let digits: Int
    private var capacity = 0
    private var columns: UnsafeMutablePointer<Int32>
    private var values: UnsafeMutablePointer<Float>
    /// 256 counts per byte of the column (rows are shorter than 2³² entries: the matrix's
    /// entries number below `Int32.max`).
    private let counts: UnsafeMutablePointer<UInt32>

    init(digits: Int) {
        self.digits = digits
        columns = .allocate(capacity: 1)
        values = .allocate(capacity: 1)
        counts = .allocate(capacity: 256 * digits)
    }

    deinit {
        columns.deallocate(); values.deallocate(); counts.deallocate()
    }

    /// Sorts `(c, v)` stably by column in place.
    static func insertionSort(_ c: UnsafeMutablePointer<Int32>, _ v: UnsafeMutablePointer<Float>, _ m: Int) {
        for k in 1..<max(m, 1) {
            let column = c[k], value = v[k]
            var j = k
            while j > 0 && c[j - 1] > column {
                c[j] = c[j - 1]; v[j] = v[j - 1]
                j -= 1
            }
            c[j] = column; v[j] = value
        }
    }

    /// Writes `(c, v)[0..<m]` sorted stably by column to `(outC, outV)`: one pass counts every
    /// byte, then one scatter per byte that differs between entries, least significant first,
    /// alternating between the output and this scratch so that the last pass lands in the output.
    func radixSort(from c: UnsafePointer<Int32>, _ v: UnsafePointer<Float>,
                   to outC: UnsafeMutablePointer<Int32>, _ outV: UnsafeMutablePointer<Float>, count m: Int) {
        if m > capacity {
            columns.deallocate(); values.deallocate()
            capacity = max(m, 2 * capacity)
            columns = .allocate(capacity: capacity)
            values = .allocate(capacity: capacity)
        }
        counts.initialize(repeating: 0, count: 256 * digits)
        for k in 0..<m {
            let key = UInt32(bitPattern: c[k])
            for d in 0..<digits { counts[d * 256 + Int((key >> UInt32(8 * d)) & 255)] &+= 1 }
        }
        // The bytes to sort on (bit d: byte d differs between entries), and how many.
        var passes = 0, passCount = 0
        for d in 0..<digits {
            let h = counts + d * 256
            var single = false
            for b in 0..<256 where h[b] != 0 { single = Int(h[b]) == m; break }
            if single { continue }
            var running: UInt32 = 0
            for b in 0..<256 { let x = h[b]; h[b] = running; running &+= x }
            passes |= 1 << d
            passCount += 1
        }
        guard passCount > 0 else {
            outC.update(from: c, count: m); outV.update(from: v, count: m)
            return
        }
        var sourceC = c, sourceV = v
        var done = 0
        for d in 0..<digits where passes & (1 << d) != 0 {
            // The last pass writes the output; the ones before alternate so that it does.
            let toOutput = (passCount - 1 - done) % 2 == 0
            let targetC = toOutput ? outC : columns, targetV = toOutput ? outV : values
            let h = counts + d * 256, shift = UInt32(8 * d)
            for k in 0..<m {
                let column = sourceC[k]
                let b = Int((UInt32(bitPattern: column) >> shift) & 255)
                let at = Int(h[b])
                targetC[at] = column
                targetV[at] = sourceV[k]
                h[b] = UInt32(truncatingIfNeeded: at + 1)
            }
            sourceC = UnsafePointer(targetC); sourceV = UnsafePointer(targetV)
            done += 1
        }
    }
}
