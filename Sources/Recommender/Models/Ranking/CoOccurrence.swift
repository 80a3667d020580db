/// Item–item co-occurrence rows `G[i] = Σ_u X[u][i] · X[u]` (the rows of `XᵀX`), computed
/// sparsely and in parallel: each thread owns a dense accumulator and a range of rows.
enum CoOccurrence {
    /// Calls `body(i, row)` for every item `i` with the dense row `G[i]` (length `itemCount`);
    /// `row` is only valid during the call and `touched` lists its nonzero columns.
    /// - Complexity: O(Σ_u |I(u)|²) multiply-adds, O(threads × items) memory.
    static func forEachRow(byUser x: SparseMatrix, byItem xt: SparseMatrix, threads: Int,
                           _ body: @Sendable (_ item: Int, _ row: UnsafeMutablePointer<Float>, _ touched: [Int32]) -> Void) {
        let itemCount = x.columnCount
        // Interleave rows across many chunks so popular items spread over the threads.
        let chunkCount = max(1, min(itemCount, threads * 16))
        let xBox = UnsafeSendableBox(x), xtBox = UnsafeSendableBox(xt)
        let done = ThreadCounter(threads)
        Parallelism.forEachChunk(count: threads, chunks: threads) { _, _ in
            let x = xBox.value, xt = xtBox.value
            let row = UnsafeMutablePointer<Float>.allocate(capacity: itemCount)
            row.initialize(repeating: 0, count: itemCount)
            var mark = [Bool](repeating: false, count: itemCount)
            var touched: [Int32] = []
            defer { row.deallocate() }
            while let chunk = done.next(limit: chunkCount) {
                let lo = itemCount * chunk / chunkCount, hi = itemCount * (chunk + 1) / chunkCount
                for i in lo..<hi {
                    touched.removeAll(keepingCapacity: true)
                    x.columns.withUnsafeBufferPointer { cols in
                        x.values.withUnsafeBufferPointer { vals in
                            for e in xt.range(ofRow: i) {
                                let u = Int(xt.columns[e]), w = xt.values[e]
                                for f in x.range(ofRow: u) {
                                    let j = Int(cols[f])
                                    if !mark[j] { mark[j] = true; touched.append(Int32(j)) }
                                    row[j] += w * vals[f]
                                }
                            }
                        }
                    }
                    body(i, row, touched)
                    for j in touched { row[Int(j)] = 0; mark[Int(j)] = false }
                }
            }
        }
    }
}

/// A shared work counter: threads take the next chunk index until `limit`.
final class ThreadCounter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLockShim()
    init(_ threads: Int) {}
    func next(limit: Int) -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}

#if canImport(Glibc)
import Glibc
/// A minimal mutex (pthread) usable from Sendable contexts.
final class NSLockShim: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func lock() { pthread_mutex_lock(&mutex) }
    func unlock() { pthread_mutex_unlock(&mutex) }
}
#else
import Foundation
final class NSLockShim: @unchecked Sendable {
    private let l = NSLock()
    func lock() { l.lock() }
    func unlock() { l.unlock() }
}
#endif
