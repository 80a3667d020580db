import CKernels
import Foundation

/// How a query vector is compared with the item vectors of a ``CandidateRetriever``.
public enum RetrievalMetric: String, CaseIterable, Sendable {
    /// The inner product q·vⱼ (maximum inner-product search): the score every factor model here uses.
    case dot
    /// The cosine q·vⱼ/(‖q‖‖vⱼ‖); a zero vector scores 0.
    case cosine

    /// The matching ``SimilarityMeasure``.
    public var measure: SimilarityMeasure { self == .dot ? .dot : .cosine }

    /// The metric matching a ``SimilarityMeasure``.
    public init(_ measure: SimilarityMeasure) { self = measure == .dot ? .dot : .cosine }
}

/// A fixed-size set of item indices as bits: the "include only" side of a ``RetrievalFilter``
/// (a category, a catalogue section, any item predicate evaluated once).
public struct ItemBitset: Sendable, Equatable {
    /// The bits, 64 items per word, item `i` at bit `i % 64` of word `i / 64`.
    public private(set) var words: [UInt64]
    /// The number of items the set ranges over.
    public let capacity: Int
    /// The number of items in the set (kept up to date by ``insert(_:)`` and ``remove(_:)``).
    public private(set) var count: Int

    /// An empty set (or a full one) over `capacity` items.
    public init(capacity: Int, full: Bool = false) {
        precondition(capacity >= 0, "ItemBitset: negative capacity")
        self.capacity = capacity
        var words = [UInt64](repeating: full ? ~0 : 0, count: (capacity + 63) / 64)
        if full, capacity % 64 != 0, !words.isEmpty { words[words.count - 1] = (1 << UInt64(capacity % 64)) - 1 }
        self.words = words
        count = full ? capacity : 0
    }

    /// The set of the items of `0..<capacity` for which `predicate` is true.
    public init(capacity: Int, where predicate: (ItemIndex) -> Bool) {
        self.init(capacity: capacity)
        for i in 0..<capacity where predicate(ItemIndex(i)) { insert(ItemIndex(i)) }
    }

    /// The set holding `items` (indices outside `0..<capacity` are ignored).
    public init<S: Sequence>(capacity: Int, items: S) where S.Element == ItemIndex {
        self.init(capacity: capacity)
        for i in items where i >= 0 && Int(i) < capacity { insert(i) }
    }

    /// Whether `item` is in the set (false outside `0..<capacity`).
    @inlinable @inline(__always)
    public func contains(_ item: ItemIndex) -> Bool {
        let i = Int(item)
        guard i >= 0, i < capacity else { return false }
        return words[i >> 6] & (1 << UInt64(i & 63)) != 0
    }

    /// Adds `item`.
    public mutating func insert(_ item: ItemIndex) {
        precondition(item >= 0 && Int(item) < capacity, "ItemBitset: item \(item) outside 0..<\(capacity)")
        let w = Int(item) >> 6, bit: UInt64 = 1 << UInt64(Int(item) & 63)
        if words[w] & bit == 0 { words[w] |= bit; count += 1 }
    }

    /// Removes `item`.
    public mutating func remove(_ item: ItemIndex) {
        guard item >= 0, Int(item) < capacity else { return }
        let w = Int(item) >> 6, bit: UInt64 = 1 << UInt64(Int(item) & 63)
        if words[w] & bit != 0 { words[w] &= ~bit; count -= 1 }
    }
}

/// Which items a retrieval query may return, applied **inside** the search (not after it):
/// only items in ``allowed`` (all when `nil`), never the items of ``excluded``.
///
/// A retriever returns `k` results whenever at least `k` items qualify.
public struct RetrievalFilter: Sendable, Equatable {
    /// Include only these items; `nil` includes every item.
    public var allowed: ItemBitset?
    /// Items never returned (e.g. the ~100 items a user already rated); any order, duplicates allowed.
    public var excluded: [ItemIndex]

    /// Creates a filter.
    public init(allowed: ItemBitset? = nil, excluded: [ItemIndex] = []) {
        self.allowed = allowed
        self.excluded = excluded
    }

    /// No filtering.
    public static let none = RetrievalFilter()

    /// Whether the filter lets every item through.
    public var isEmpty: Bool { allowed == nil && excluded.isEmpty }

    /// Whether `item` passes (a slow, obviously correct check, for tests and call sites outside hot loops).
    public func admits(_ item: ItemIndex) -> Bool {
        (allowed?.contains(item) ?? true) && !excluded.contains(item)
    }

    /// The filter equivalent to ``RecommendationOptions``' exclusions and include filter for `user`
    /// (the user's training items when `options.excludeRated`, `options.excluded`, and the genre /
    /// item include filter), over `metadata`'s items.
    public init(options: RecommendationOptions, metadata: ModelMetadata, user: UserIndex?) {
        var excluded = [ItemIndex](options.excluded)
        if options.excludeRated, let user {
            if metadata.keepsHistoryOnDisk {
                excluded.append(contentsOf: metadata.seenRow(ofUser: user).items.lazy.map(ItemIndex.init))
            } else if Int(user) >= 0, Int(user) < metadata.seen.rowCount {
                excluded.append(contentsOf: metadata.seen.columns[metadata.seen.range(ofRow: Int(user))].lazy.map(ItemIndex.init))
            }
        }
        var allowed: ItemBitset? = nil
        if options.filter != .all {
            let catalog = metadata.catalog, filter = options.filter
            allowed = ItemBitset(capacity: metadata.itemIDs.count) { filter.includes($0, catalog: catalog) }
        }
        self.init(allowed: allowed, excluded: excluded)
    }
}

/// Candidate retrieval: the `k` items whose vectors score highest against a query vector
/// (``RetrievalMetric``), honouring a ``RetrievalFilter``. Two implementations: ``ExactScan``
/// (scores every item; exact; the default for small catalogues) and ``HNSWIndex`` (an
/// approximate graph index for catalogues of millions of items).
public protocol CandidateRetriever: Sendable {
    /// The number of items.
    var itemCount: Int { get }
    /// The vector dimension.
    var dimension: Int { get }
    /// How queries are scored.
    var metric: RetrievalMetric { get }
    /// The `k` best items for `query` that pass `filter`, best first (ties: lower index first).
    /// - Parameters:
    ///   - query: ``dimension`` values.
    ///   - k: how many results; fewer only when fewer items pass the filter.
    ///   - filter: which items may be returned.
    /// - Returns: item indices with their scores (q·v, or the cosine).
    func search(_ query: [Float], k: Int, filter: RetrievalFilter) -> [ScoredIndex]
}

/// Item vectors in one 64-byte-aligned buffer, rows padded with zeros to a multiple of 16 floats
/// (SIMD-friendly), normalised to unit length for ``RetrievalMetric/cosine``. The memory is either
/// owned or a memory-mapped file region (``HNSWIndex/load(from:verifyChecksum:)``).
public final class EmbeddingStore: @unchecked Sendable {
    /// The first value of row 0; row `i` starts at `vectors + i * stride`.
    public let vectors: UnsafePointer<Float>
    /// The number of rows (items).
    public let count: Int
    /// The vector dimension.
    public let dimension: Int
    /// Floats per row: ``dimension`` rounded up to a multiple of 16.
    public let stride: Int
    /// How queries are scored; for cosine the rows are stored unit-length.
    public let metric: RetrievalMetric
    let owner: AnyObject?

    init(vectors: UnsafePointer<Float>, count: Int, dimension: Int, stride: Int, metric: RetrievalMetric, owner: AnyObject?) {
        self.vectors = vectors
        self.count = count
        self.dimension = dimension
        self.stride = stride
        self.metric = metric
        self.owner = owner
    }

    /// Copies `vectors` (one row per item) into aligned, padded storage, normalising rows for cosine.
    public convenience init(_ vectors: Matrix, metric: RetrievalMetric) {
        let stride = Kernels.paddedWidth(vectors.columns)
        let buffer = AlignedBuffer<Float>(count: vectors.rows * stride)
        let d = vectors.columns
        vectors.storage.withUnsafeBufferPointer { src in
            for r in 0..<vectors.rows {
                let row = buffer.pointer + r * stride
                var norm: Float = 0
                for c in 0..<d { let v = src[r * d + c]; row[c] = v; norm += v * v }
                if metric == .cosine, norm > 0 {
                    let inv = 1 / norm.squareRoot()
                    for c in 0..<d { row[c] *= inv }
                }
            }
        }
        self.init(vectors: UnsafePointer(buffer.pointer), count: vectors.rows, dimension: d, stride: stride, metric: metric, owner: buffer)
    }

    /// A copy whose rows are the unit directions v/‖v‖ (zero rows stay zero), with the cosine metric.
    /// - Returns: a new store of the same shape.
    public func directions() -> EmbeddingStore {
        let buffer = AlignedBuffer<Float>(count: count * stride)
        for r in 0..<count {
            let src = vectors + r * stride, row = buffer.pointer + r * stride
            var norm: Float = 0
            for c in 0..<stride { norm += src[c] * src[c] }
            let inv: Float = norm > 0 ? 1 / norm.squareRoot() : 0
            for c in 0..<stride { row[c] = src[c] * inv }
        }
        return EmbeddingStore(vectors: UnsafePointer(buffer.pointer), count: count, dimension: dimension, stride: stride,
                              metric: .cosine, owner: buffer)
    }

    /// Row `i` as an array of ``dimension`` values (unit length for cosine).
    public func row(_ i: Int) -> [Float] {
        precondition(i >= 0 && i < count, "EmbeddingStore: row \(i) outside 0..<\(count)")
        return Array(UnsafeBufferPointer(start: vectors + i * stride, count: dimension))
    }

    /// q·row(i) over ``stride`` floats; `query` must hold ``stride`` values (zero-padded).
    @inline(__always)
    func dot(_ query: UnsafePointer<Float>, _ i: Int) -> Float {
        RetrievalKernels.dot(query, vectors + i * stride, stride)
    }
}

/// The SIMD kernels of retrieval.
enum RetrievalKernels {
    /// a·b over `n` floats, `n` a multiple of 16. Uses `a * b + c` (no `fmaf` call on targets
    /// without FMA) with two accumulators and a tree reduction.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var i = 0
        while i + 32 <= n {
            acc0 = acc0 + Kernels.load(a + i) * Kernels.load(b + i)
            acc1 = acc1 + Kernels.load(a + i + 16) * Kernels.load(b + i + 16)
            i += 32
        }
        if i < n { acc0 = acc0 + Kernels.load(a + i) * Kernels.load(b + i) }
        return Kernels.sum(acc0 + acc1)
    }

    /// Prefetches the row of `n` floats at `p` (in 256-byte steps).
    @inline(__always)
    static func prefetch(_ p: UnsafePointer<Float>, _ n: Int) {
        var o = 0
        while o < n { ck_prefetch256(p + o); o += 64 }
    }
}

/// The exact scan: scores every item (or every item of the include set) and keeps the top k
/// with a bounded heap. Today's behaviour, exact by construction; O(M·d) per query.
public struct ExactScan: CandidateRetriever {
    /// The item vectors.
    public let store: EmbeddingStore

    /// A scan over `store`.
    public init(store: EmbeddingStore) { self.store = store }

    /// A scan over a copy of `vectors` (one row per item).
    public init(vectors: Matrix, metric: RetrievalMetric) { store = EmbeddingStore(vectors, metric: metric) }

    public var itemCount: Int { store.count }
    public var dimension: Int { store.dimension }
    public var metric: RetrievalMetric { store.metric }

    public func search(_ query: [Float], k: Int, filter: RetrievalFilter) -> [ScoredIndex] {
        precondition(query.count == store.dimension, "query has \(query.count) values, the vectors have \(store.dimension)")
        precondition(k >= 0, "k must be non-negative")
        let padded = AlignedBuffer<Float>(count: store.stride)
        for i in 0..<query.count { padded.pointer[i] = query[i] }
        var excluded = ItemBitset(capacity: 0)
        if !filter.excluded.isEmpty { excluded = ItemBitset(capacity: store.count, items: filter.excluded) }
        return Self.scan(store: store, query: UnsafePointer(padded.pointer), k: k, allowed: filter.allowed,
                         isExcluded: filter.excluded.isEmpty ? nil : { excluded.contains($0) })
    }

    /// The scan itself: the top `k` rows of `store` by q·v (scaled to a cosine for cosine stores),
    /// restricted to `allowed` (visited word by word) and skipping `isExcluded` items.
    /// `query` holds `store.stride` values.
    static func scan(store: EmbeddingStore, query: UnsafePointer<Float>, k: Int, allowed: ItemBitset?,
                     isExcluded: ((ItemIndex) -> Bool)?) -> [ScoredIndex] {
        var selector = TopKSelector(k: k)
        let n = store.count
        @inline(__always) func consider(_ i: Int) {
            let s = store.dot(query, i)
            if s <= selector.threshold { return }
            let item = ItemIndex(i)
            if let isExcluded, isExcluded(item) { return }
            selector.offer(index: item, score: s)
        }
        if let allowed {
            // The qualifying rows are scattered, and the hardware prefetcher does not follow
            // them: each row's vector is prefetched a few qualifying rows before it is scored.
            let lookahead = 8
            var ring = [Int](repeating: 0, count: lookahead)
            var seen = 0
            let stride = store.stride
            ring.withUnsafeMutableBufferPointer { slots in
                allowed.words.withUnsafeBufferPointer { words in
                    for w in 0..<words.count {
                        var bits = words[w]
                        while bits != 0 {
                            let i = w * 64 + bits.trailingZeroBitCount
                            bits &= bits - 1
                            guard i < n else { continue }
                            RetrievalKernels.prefetch(store.vectors + i * stride, stride)
                            let slot = seen % lookahead
                            if seen >= lookahead { consider(slots[slot]) }
                            slots[slot] = i
                            seen += 1
                        }
                    }
                    for j in max(0, seen - lookahead)..<seen { consider(slots[j % lookahead]) }
                }
            }
        } else {
            for i in 0..<n { consider(i) }
        }
        var result = selector.sorted()
        if store.metric == .cosine {
            var norm: Float = 0
            for c in 0..<store.dimension { norm += query[c] * query[c] }
            let inv: Float = norm > 0 ? 1 / norm.squareRoot() : 0
            for j in result.indices { result[j].score *= inv }
        }
        return result
    }
}
