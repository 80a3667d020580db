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

    /// Builds a CSR matrix from coordinate triplets by a counting sort (stable, O(n + rows)).
    ///
    /// Entries of a row keep the column order ascending; duplicates are kept as they are.
    public init(rows: [Int32], columns: [Int32], values: [Float], rowCount: Int, columnCount: Int) {
        precondition(rows.count == columns.count && columns.count == values.count)
        var offsets = [Int](repeating: 0, count: rowCount + 1)
        for r in rows { offsets[Int(r) + 1] += 1 }
        for r in 0..<rowCount { offsets[r + 1] += offsets[r] }
        var cursor = offsets
        var outColumns = [Int32](repeating: 0, count: rows.count)
        var outValues = [Float](repeating: 0, count: rows.count)
        // Place entries in column order so rows come out sorted: first counting-sort by column.
        var columnOrder = [Int](repeating: 0, count: columnCount + 1)
        for c in columns { columnOrder[Int(c) + 1] += 1 }
        for c in 0..<columnCount { columnOrder[c + 1] += columnOrder[c] }
        var byColumn = [Int](repeating: 0, count: rows.count)
        for (k, c) in columns.enumerated() {
            byColumn[columnOrder[Int(c)]] = k
            columnOrder[Int(c)] += 1
        }
        for k in byColumn {
            let r = Int(rows[k])
            let at = cursor[r]
            outColumns[at] = columns[k]
            outValues[at] = values[k]
            cursor[r] = at + 1
        }
        self.init(rowCount: rowCount, columnCount: columnCount, rowOffsets: offsets, columns: outColumns, values: outValues)
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
