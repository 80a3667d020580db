/// Item–item co-occurrence rows `G[i] = Σ_u X[u][i] · X[u]` (the rows of `XᵀX`), computed
/// sparsely and in parallel: each thread owns a dense accumulator and claims chunks of rows.
enum CoOccurrence {
    /// Calls `body(i, row)` for every item `i` with the dense row `G[i]` (length `itemCount`);
    /// `row` is only valid during the call and `touched` lists its nonzero columns.
    /// - Complexity: O(Σ_u |I(u)|²) multiply-adds, O(threads × items) memory.
    static func forEachRow(byUser x: SparseMatrix, byItem xt: SparseMatrix, threads: Int,
                           _ body: @Sendable (_ item: Int, _ row: UnsafeMutablePointer<Float>, _ touched: [Int32]) -> Void) {
        let itemCount = x.columnCount
        // Chunks of 16 rows handed out dynamically, so popular (costly) items spread over the threads.
        let xBox = UnsafeSendableBox(x), xtBox = UnsafeSendableBox(xt)
        ComputePool.forEachChunk(count: itemCount, chunkSize: 16, threads: threads, setup: { RowScratch(itemCount: itemCount) }) { scratch, range in
            let x = xBox.value, xt = xtBox.value
            let row = scratch.row.pointer
            for i in range {
                scratch.touched.removeAll(keepingCapacity: true)
                x.columns.withUnsafeBufferPointer { cols in
                    x.values.withUnsafeBufferPointer { vals in
                        for e in xt.range(ofRow: i) {
                            let u = Int(xt.columns[e]), w = xt.values[e]
                            for f in x.range(ofRow: u) {
                                let j = Int(cols[f])
                                if !scratch.mark[j] { scratch.mark[j] = true; scratch.touched.append(Int32(j)) }
                                row[j] += w * vals[f]
                            }
                        }
                    }
                }
                body(i, row, scratch.touched)
                for j in scratch.touched { row[Int(j)] = 0; scratch.mark[Int(j)] = false }
            }
        }
    }

    /// One worker's dense accumulator row (all zeros between rows) and its nonzero marks.
    struct RowScratch {
        let row: AlignedBuffer<Float>
        var mark: [Bool]
        var touched: [Int32] = []
        init(itemCount: Int) {
            row = AlignedBuffer<Float>(count: max(itemCount, 1), repeating: 0)
            mark = [Bool](repeating: false, count: itemCount)
        }
    }
}
