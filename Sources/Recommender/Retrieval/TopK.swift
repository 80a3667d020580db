/// One scored result: an item and its score.
public struct ScoredIndex: Sendable, Equatable {
    /// The item.
    public var index: ItemIndex
    /// The score; higher is better.
    public var score: Float
    /// Creates a scored index.
    @inline(__always)
    public init(index: ItemIndex, score: Float) { self.index = index; self.score = score }
}

/// Selects the `k` highest scores with a bounded min-heap, in O(n log k) time and O(k) memory.
///
/// Ties are broken by the lower index, so results are deterministic.
public struct TopKSelector: Sendable {
    /// How many results to keep.
    public let k: Int
    private var heap: [ScoredIndex] = []

    /// Creates a selector that keeps the `k` best candidates.
    public init(k: Int) {
        precondition(k >= 0, "TopKSelector: k must be non-negative")
        self.k = k
        // `k` may be far larger than the candidates offered (`-k 9223372036854775807`): the
        // heap grows with the offers, only a modest capacity is reserved up front.
        heap.reserveCapacity(min(k, 4096))
    }

    @inline(__always)
    private static func worse(_ a: ScoredIndex, _ b: ScoredIndex) -> Bool {
        a.score < b.score || (a.score == b.score && a.index > b.index)
    }

    /// The lowest score a new candidate must beat to enter, or `-infinity` while not full.
    public var threshold: Float { k == 0 ? .infinity : (heap.count < k ? -.infinity : heap[0].score) }

    /// Offers a candidate. NaN scores are ignored.
    @inline(__always)
    public mutating func offer(index: ItemIndex, score: Float) {
        guard k > 0, !score.isNaN else { return }
        let item = ScoredIndex(index: index, score: score)
        if heap.count < k {
            heap.append(item)
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                if Self.worse(heap[child], heap[parent]) { heap.swapAt(child, parent); child = parent } else { break }
            }
        } else if Self.worse(heap[0], item) {
            heap[0] = item
            var parent = 0
            while true {
                let l = 2 * parent + 1, r = l + 1
                var worst = parent
                if l < heap.count && Self.worse(heap[l], heap[worst]) { worst = l }
                if r < heap.count && Self.worse(heap[r], heap[worst]) { worst = r }
                if worst == parent { break }
                heap.swapAt(parent, worst); parent = worst
            }
        }
    }

    /// The kept candidates, best first.
    public func sorted() -> [ScoredIndex] {
        heap.sorted { Self.worse($1, $0) }
    }
}

/// The `k` best entries of `scores`, best first, skipping indices for which `excluded` is true.
///
/// The scan jumps from one score above the current threshold to the next with a vector kernel
/// (``Kernels``' `next_above`), so the scores that cannot enter (most of them once the selection
/// is full) cost one vector comparison per 16, and `excluded` is asked only about candidates that
/// could enter. The result is the same as offering every score in order.
public func topK(_ scores: [Float], k: Int, excluding excluded: ((ItemIndex) -> Bool)? = nil) -> [ScoredIndex] {
    var selector = TopKSelector(k: min(k, scores.count))
    scores.withUnsafeBufferPointer { s in
        guard let base = s.baseAddress else { return }
        let n = s.count
        let kernels = Kernels.Table.active.table
        // NaN and scores at or below the threshold never enter (see `offer`).
        var i = kernels.pointee.next_above(base, 0, n, selector.threshold)
        while i < n {
            let index = ItemIndex(i)
            if excluded.map({ !$0(index) }) ?? true {
                selector.offer(index: index, score: base[i])
            }
            i = kernels.pointee.next_above(base, i + 1, n, selector.threshold)
        }
    }
    return selector.sorted()
}
