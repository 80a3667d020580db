import Foundation

/// How an HNSW index treats the inner product, which is not a metric (q·q is not the largest q·v).
///
/// Searches always rank by the inner product; the cases differ in the geometry the graph's
/// links are chosen in.
public enum InnerProductHandling: String, CaseIterable, Sendable {
    /// The reduction of Bachrach et al. (2014), "Speeding up the Xbox recommender system using a
    /// Euclidean transformation for inner-product spaces": each item v gets one extra coordinate
    /// √(Φ² − ‖v‖²) (Φ the largest item norm) and the query a 0, so that
    /// ‖q′ − v′‖² = ‖q‖² + Φ² − 2 q·v: the Euclidean nearest neighbours of the augmented
    /// vectors are exactly the largest inner products, and the graph is built in a true metric
    /// space. The extra coordinate is kept apart (one float per item), so rows stay 64-aligned and
    /// queries compute only q·v. Measured worse on factor-model vectors (see ``native``).
    case normAugmentation
    /// The graph is built and searched with −v·w as the "distance", as hnswlib's `ip` space does
    /// (and as Morozov & Babenko 2018, "Non-metric similarity graphs for maximum inner product
    /// search", recommend). The default: on vectors whose norms vary as item factors' do
    /// (p99/median ≈ 4, max/median ≈ 12), the augmented coordinate dominates for most items and
    /// the reduced graph reached recall@10 0.64 at ef 64 where the native graph reached 0.99
    /// (5,000 items, 32 dimensions, M 12, efConstruction 64; `recommender bench ann --compare-inner-product`).
    case native
    /// The graph is built over the items' directions (cosine: v/‖v‖, so every item, whatever its
    /// norm, gets neighbours and in-links), and searched with the inner product −q·v; the build
    /// costs the same. Choose it when recall stalls below the target at any ef: on the
    /// ML-25M-shaped iALS model the ``native`` graph (ours and hnswlib's `ip` space alike) left
    /// 58,514 of 59,047 items without an in-link at level 0, so the true top-10 items no link
    /// reaches capped recall@10 at 0.949, while the direction graph reached 0.95 at ef 16 and
    /// 0.99 at ef 32. It is not the default because on the generated power-law vectors of
    /// `bench ann` (where every query's top items are the few longest vectors) it reached only
    /// 0.36 at ef 128 where the native graph reaches 0.998 at ef 256 (README, "Retrieval at
    /// catalog scale": run `bench ann --inner-product angularGraph` on your model's vectors).
    case angularGraph
}

/// The build parameters of an ``HNSWIndex``.
///
/// Defaults (M = 16, efConstruction = 200) follow hnswlib's recommendations for 64-dimension
/// embeddings; the recall/speed trade-off is made at query time with ``HNSWIndex/defaultEf``
/// (see the README's "Retrieval at catalog scale" table). Larger `m` costs memory
/// (4·(2m + 1) bytes per item at level 0) and build time, and helps high recall on hard data.
public struct HNSWParameters: Sendable, Equatable {
    /// Links per node on the upper levels; level 0 keeps up to 2·m.
    public var m: Int
    /// The candidate-list size while linking a new node (quality of the graph vs build time).
    public var efConstruction: Int
    /// The seed of the level draws; with the same seed and vectors the graph is identical,
    /// whatever the thread count.
    public var seed: UInt64
    /// How inner products are handled (ignored for cosine).
    public var innerProduct: InnerProductHandling
    /// Threads for the build (`nil`: all cores). Does not change the result.
    public var threads: Int?
    /// Fill the link slots the selection heuristic leaves empty with the best candidates it pruned
    /// (Malkov & Yashunin's `keepPrunedConnections`). With inner products the heuristic prunes
    /// almost every link towards the few longest vectors, so many items keep no in-link; filling
    /// gives them some. Off by default (hnswlib's behaviour).
    public var keepPrunedLinks: Bool

    /// Creates build parameters.
    public init(m: Int = 16, efConstruction: Int = 200, seed: UInt64 = 42,
                innerProduct: InnerProductHandling = .native, threads: Int? = nil, keepPrunedLinks: Bool = false) {
        self.m = m
        self.efConstruction = efConstruction
        self.seed = seed
        self.innerProduct = innerProduct
        self.threads = threads
        self.keepPrunedLinks = keepPrunedLinks
    }

    /// M = 16, efConstruction = 200, seed 42, native inner product, all cores.
    public static let `default` = HNSWParameters()
}

/// A hierarchical navigable small-world graph (Malkov & Yashunin 2018, "Efficient and robust
/// approximate nearest neighbor search using Hierarchical Navigable Small World graphs") over
/// item vectors, for maximum inner product or cosine, with filters applied inside the search.
///
/// Storage: the vectors in one aligned buffer (``EmbeddingStore``); level 0 as one flat `Int32`
/// buffer of `count × (1 + 2M)` (a length then up to 2M neighbours per node); the upper levels
/// as one flat buffer of `(1 + M)`-sized blocks addressed by a per-node offset. A search
/// allocates nothing in its loop: it reuses a per-thread scratch (a visited array with epoch
/// counters, two preallocated heaps).
///
/// Filters: nodes that fail the filter are still traversed (so the graph stays connected) but
/// never enter the results, and the search keeps going until `ef` qualifying nodes are held.
/// When few items qualify (below ``exactFallbackFraction`` of the catalogue) the index scans the
/// qualifying items exactly instead, and when the graph search finds fewer than `k` qualifying
/// items while at least `k` exist, it falls back to the exact scan too: a query for k items
/// returns k whenever k qualifying items exist.
public final class HNSWIndex: CandidateRetriever, @unchecked Sendable {
    /// The item vectors.
    public let store: EmbeddingStore
    /// The graph.
    let graph: HNSWGraph
    /// The parameters of the build.
    public let parameters: HNSWParameters
    /// The query-time candidate-list size used when a query gives none (at least k is used).
    public var defaultEf: Int {
        get { efState.withLock { $0 } }
        set { efState.withLock { $0 = max(1, newValue) } }
    }
    /// Below this fraction of qualifying items a filtered query scans the qualifying items
    /// exactly (measured crossover; see the README). Above it, a filtered query widens its
    /// candidate list to `1.5·ef / p` for a filter keeping a fraction `p` of the items, and
    /// still scans exactly when that search would cost more (about `8·M` distances per
    /// candidate) than the scan. `0` turns the exact scan off (the graph is always searched).
    public var exactFallbackFraction: Double {
        get { fallbackState.withLock { $0 } }
        set { fallbackState.withLock { $0 = newValue } }
    }
    /// The default of ``exactFallbackFraction``.
    public static let defaultExactFallbackFraction = 0.02
    private let efState = Locked(64)
    private let fallbackState = Locked(HNSWIndex.defaultExactFallbackFraction)
    private let scratchPool = Locked<[HNSWSearchScratch]>([])

    init(store: EmbeddingStore, graph: HNSWGraph, parameters: HNSWParameters) {
        self.store = store
        self.graph = graph
        self.parameters = parameters
    }

    public var itemCount: Int { store.count }
    public var dimension: Int { store.dimension }
    public var metric: RetrievalMetric { store.metric }

    /// Bytes of the graph (links and offsets), without the vectors.
    public var graphBytes: Int { graph.byteCount }
    /// Bytes of the vectors (padded rows).
    public var vectorBytes: Int { store.count * store.stride * 4 }
    /// The top level of the graph (−1 when empty).
    public var maxLevel: Int { graph.maxLevel }

    // MARK: search

    /// The `k` best items for `query` passing `filter`, best first (see ``CandidateRetriever``).
    public func search(_ query: [Float], k: Int, filter: RetrievalFilter) -> [ScoredIndex] {
        search(query, k: k, ef: nil, filter: filter)
    }

    /// The `k` best items for `query` passing `filter`, with an explicit candidate-list size.
    /// - Parameters:
    ///   - query: ``dimension`` values.
    ///   - k: how many results.
    ///   - ef: the candidate-list size (recall vs speed); `nil` uses ``defaultEf``; at least `k` is used.
    ///   - filter: which items may be returned.
    /// - Returns: up to `k` items with their scores, best first.
    public func search(_ query: [Float], k: Int, ef: Int?, filter: RetrievalFilter = .none) -> [ScoredIndex] {
        let scratch = takeScratch()
        defer { returnScratch(scratch) }
        return search(query, k: k, ef: ef ?? defaultEf, filter: filter, scratch: scratch)
    }

    /// The search with a caller-owned scratch (one per thread): no allocation beyond the result.
    /// - Parameters:
    ///   - query: ``dimension`` values.
    ///   - k: how many results.
    ///   - ef: the candidate-list size; at least `k` is used.
    ///   - filter: which items may be returned.
    ///   - scratch: from ``makeScratch()``; not shared between threads.
    /// - Returns: up to `k` items with their scores, best first.
    public func search(_ query: [Float], k: Int, ef: Int, filter: RetrievalFilter, scratch: HNSWSearchScratch) -> [ScoredIndex] {
        precondition(query.count == store.dimension, "query has \(query.count) values, the index has \(store.dimension) dimensions")
        precondition(k >= 0, "k must be non-negative")
        let n = store.count
        guard k > 0, n > 0 else { return [] }
        // A filter keeping a fraction p of the items leaves about p·ef admitted items in a
        // search of ef candidates: the candidate list grows to 1.5·ef / p so that at least ef
        // admitted items compete (the admitted items' neighbourhoods are sparser than the
        // graph's, hence the margin; measured: recall@10 ≥ 0.95 from 30% to 50% kept).
        let allowedCount = filter.allowed.map { min($0.count, n) } ?? n
        let searchEf = allowedCount < n && allowedCount > 0
            ? min(n, Int((1.5 * Double(max(ef, k)) * Double(n) / Double(allowedCount)).rounded(.up))) : max(ef, k)
        scratch.prepare(count: n, stride: store.stride, ef: searchEf)
        let q = scratch.query
        for i in 0..<store.stride { q[i] = i < query.count ? query[i] : 0 }
        // Mark the excluded items and count the qualifying ones.
        scratch.markEpoch = scratch.nextMarkEpoch()
        var excludedQualifying = 0
        for item in filter.excluded where item >= 0 && Int(item) < n {
            if scratch.marks[Int(item)] != scratch.markEpoch {
                scratch.marks[Int(item)] = scratch.markEpoch
                if filter.allowed?.contains(item) ?? true { excludedQualifying += 1 }
            }
        }
        let hasExclusions = !filter.excluded.isEmpty
        let qualifying = allowedCount - excludedQualifying
        if qualifying <= 0 { return [] }
        let marks = scratch.marks, epoch = scratch.markEpoch
        let exact = { () -> [ScoredIndex] in
            ExactScan.scan(store: self.store, query: UnsafePointer(q), k: k, allowed: filter.allowed,
                           isExcluded: hasExclusions ? { marks[Int($0)] == epoch } : nil)
        }
        // The exact scan of the qualifying items when there are few of them, or when it costs
        // less than the graph search would: about searchEf expanded nodes of 2·M links each,
        // a filtered search visiting ~4× more nodes than it keeps (measured crossover: the scan
        // wins at 20% kept, the graph at 50%, on 59,047 items).
        let fallback = exactFallbackFraction
        if qualifying <= k || Double(qualifying) < fallback * Double(n)
            || (fallback > 0 && searchEf > max(ef, k) && qualifying <= searchEf * 8 * parameters.m) {
            return exact()
        }
        let found = filter.allowed.map { allowed in
            allowed.words.withUnsafeBufferPointer { words in
                graphSearch(q, ef: searchEf, scratch: scratch, allowed: words.baseAddress, excluded: hasExclusions)
            }
        } ?? graphSearch(q, ef: searchEf, scratch: scratch, allowed: nil, excluded: hasExclusions)
        if found < k { return exact() }
        return scratch.takeResults(k: k, cosineQuery: store.metric == .cosine ? query : nil)
    }

    /// A scratch for ``search(_:k:ef:filter:scratch:)`` (about 4 bytes per item).
    public func makeScratch() -> HNSWSearchScratch { HNSWSearchScratch(count: store.count, stride: store.stride) }

    private func takeScratch() -> HNSWSearchScratch {
        scratchPool.withLock { $0.popLast() } ?? makeScratch()
    }

    private func returnScratch(_ scratch: HNSWSearchScratch) {
        scratchPool.withLock { if $0.count < 64 { $0.append(scratch) } }
    }

    /// Greedy descent through the upper levels, then the filtered best-first search at level 0.
    /// Leaves the qualifying results in `scratch.results`; returns how many.
    private func graphSearch(_ q: UnsafeMutablePointer<Float>, ef: Int, scratch: HNSWSearchScratch,
                             allowed: UnsafePointer<UInt64>?, excluded: Bool) -> Int {
        let g = graph
        var entry = g.entry
        guard entry >= 0 else { return 0 }
        var entryDistance = -store.dot(q, Int(entry))
        var level = g.maxLevel
        while level > 0 {
            (entry, entryDistance) = HNSWSearch.greedy(store: store, graph: g, aug: nil, query: q, queryAug: 0,
                                                       entry: entry, distance: entryDistance, level: level)
            level -= 1
        }
        scratch.entries[0] = Candidate(distance: entryDistance, id: entry)
        return HNSWSearch.searchLayer(store: store, graph: g, aug: nil, query: q, queryAug: 0, entryCount: 1, level: 0,
                                      ef: ef, scratch: scratch, allowed: allowed, excludedMarks: excluded ? scratch.marks : nil,
                                      markEpoch: scratch.markEpoch)
    }
}

@inline(__always)
func swapCandidates(_ p: UnsafeMutablePointer<Candidate>, _ i: Int, _ j: Int) {
    let t = p[i]; p[i] = p[j]; p[j] = t
}

/// One candidate of a search: a distance (lower is better: −q·v) and a node.
struct Candidate {
    var distance: Float
    var id: Int32

    @inline(__always)
    static func before(_ a: Candidate, _ b: Candidate) -> Bool {
        a.distance < b.distance || (a.distance == b.distance && a.id < b.id)
    }
}

/// The reusable memory of one searching thread: a visited array with epoch counters (no
/// clearing per query), exclusion marks, the candidate min-heap, the result max-heap and the
/// padded query. Create one per thread with ``HNSWIndex/makeScratch()``.
public final class HNSWSearchScratch: @unchecked Sendable {
    var visited: UnsafeMutablePointer<UInt16>
    var marks: UnsafeMutablePointer<UInt16>
    var capacity: Int
    var epoch: UInt16 = 0
    var markEpoch: UInt16 = 0
    var candidates: UnsafeMutablePointer<Candidate>
    var candidateCapacity: Int
    var results: UnsafeMutablePointer<Candidate>
    var resultCapacity: Int
    var resultCount = 0
    var entries: UnsafeMutablePointer<Candidate>
    var entryCapacity: Int
    var pending: UnsafeMutablePointer<Int32>
    var pendingCapacity: Int
    var query: UnsafeMutablePointer<Float>
    var queryCapacity: Int

    init(count: Int, stride: Int) {
        capacity = max(1, count)
        visited = .allocate(capacity: capacity); visited.initialize(repeating: 0, count: capacity)
        marks = .allocate(capacity: capacity); marks.initialize(repeating: 0, count: capacity)
        candidateCapacity = 1024
        candidates = .allocate(capacity: candidateCapacity)
        resultCapacity = 256
        results = .allocate(capacity: resultCapacity)
        entryCapacity = 1024
        entries = .allocate(capacity: entryCapacity)
        pendingCapacity = 1024
        pending = .allocate(capacity: pendingCapacity)
        queryCapacity = max(16, stride)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: queryCapacity * 4, alignment: 64)
        query = raw.bindMemory(to: Float.self, capacity: queryCapacity)
        query.initialize(repeating: 0, count: queryCapacity)
    }

    deinit {
        visited.deallocate(); marks.deallocate(); candidates.deallocate(); results.deallocate()
        entries.deallocate(); pending.deallocate(); UnsafeMutableRawPointer(query).deallocate()
    }

    /// Grows the buffers (outside the search loop) for a search over `count` items with `ef`.
    func prepare(count: Int, stride: Int, ef: Int) {
        if count > capacity {
            visited.deallocate(); marks.deallocate()
            capacity = count
            visited = .allocate(capacity: capacity); visited.initialize(repeating: 0, count: capacity)
            marks = .allocate(capacity: capacity); marks.initialize(repeating: 0, count: capacity)
            epoch = 0; markEpoch = 0
        }
        if ef + 1 > resultCapacity {
            results.deallocate()
            resultCapacity = ef + 1
            results = .allocate(capacity: resultCapacity)
        }
        if stride > queryCapacity {
            UnsafeMutableRawPointer(query).deallocate()
            queryCapacity = stride
            let raw = UnsafeMutableRawPointer.allocate(byteCount: queryCapacity * 4, alignment: 64)
            query = raw.bindMemory(to: Float.self, capacity: queryCapacity)
        }
        query.update(repeating: 0, count: queryCapacity)
    }

    func ensureEntries(_ n: Int) {
        if n > entryCapacity { entries.deallocate(); entryCapacity = n; entries = .allocate(capacity: n) }
    }

    func ensurePending(_ n: Int) {
        if n > pendingCapacity { pending.deallocate(); pendingCapacity = n; pending = .allocate(capacity: n) }
    }

    /// A fresh visited epoch (the array is cleared once every 65,535 searches).
    @inline(__always)
    func nextEpoch() -> UInt16 {
        if epoch == UInt16.max { visited.update(repeating: 0, count: capacity); epoch = 0 }
        epoch += 1
        return epoch
    }

    /// A fresh exclusion-mark epoch.
    func nextMarkEpoch() -> UInt16 {
        if markEpoch == UInt16.max { marks.update(repeating: 0, count: capacity); markEpoch = 0 }
        return markEpoch + 1
    }

    @inline(__always)
    func growCandidates() {
        let bigger = UnsafeMutablePointer<Candidate>.allocate(capacity: candidateCapacity * 2)
        bigger.moveInitialize(from: candidates, count: candidateCapacity)
        candidates.deallocate()
        candidates = bigger
        candidateCapacity *= 2
    }

    /// The best `k` of the held results as scores (−distance; divided by ‖q‖ for cosine).
    func takeResults(k: Int, cosineQuery: [Float]?) -> [ScoredIndex] {
        let n = resultCount
        var buffer = UnsafeMutableBufferPointer(start: results, count: n)
        buffer.sort(by: Candidate.before)
        var scale: Float = 1
        if let q = cosineQuery {
            let norm = q.reduce(0) { $0 + $1 * $1 }.squareRoot()
            scale = norm > 0 ? 1 / norm : 0
        }
        return (0..<min(k, n)).map { ScoredIndex(index: ItemIndex(results[$0].id), score: -results[$0].distance * scale) }
    }
}

/// The graph: level-0 links, upper-level links and the entry point. Memory is owned or mapped.
final class HNSWGraph: @unchecked Sendable {
    let count: Int
    let m: Int
    let m0: Int
    /// `count × (1 + m0)`: for each node a length then up to m0 neighbours.
    let level0: UnsafeMutablePointer<Int32>
    /// For each node the first block of its upper levels in ``upperLinks`` (−1: level 0 only).
    let upperOffsets: UnsafeMutablePointer<Int32>
    /// Blocks of `1 + m` (a length then up to m neighbours), one per (node, level ≥ 1).
    let upperLinks: UnsafeMutablePointer<Int32>
    /// The number of upper blocks.
    let upperBlockCount: Int
    /// The top level of each node.
    let levels: UnsafeMutablePointer<UInt8>
    var entry: Int32
    var maxLevel: Int
    let owner: AnyObject?

    init(count: Int, m: Int, level0: UnsafeMutablePointer<Int32>, upperOffsets: UnsafeMutablePointer<Int32>,
         upperLinks: UnsafeMutablePointer<Int32>, upperBlockCount: Int, levels: UnsafeMutablePointer<UInt8>,
         entry: Int32, maxLevel: Int, owner: AnyObject?) {
        self.count = count
        self.m = m
        self.m0 = 2 * m
        self.level0 = level0
        self.upperOffsets = upperOffsets
        self.upperLinks = upperLinks
        self.upperBlockCount = upperBlockCount
        self.levels = levels
        self.entry = entry
        self.maxLevel = maxLevel
        self.owner = owner
    }

    var byteCount: Int { 4 * (count * (1 + m0) + count + upperBlockCount * (1 + m)) + count }

    /// The link block (length, then neighbours) of `node` at `level`.
    @inline(__always)
    func links(_ node: Int32, level: Int) -> UnsafeMutablePointer<Int32> {
        if level == 0 { return level0 + Int(node) * (1 + m0) }
        return upperLinks + (Int(upperOffsets[Int(node)]) + level - 1) * (1 + m)
    }
}

/// Owns raw memory (a build's buffers).
final class RawAllocation: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    init(byteCount: Int) {
        pointer = .allocate(byteCount: max(64, byteCount), alignment: 64)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: max(64, byteCount))
    }
    deinit { pointer.deallocate() }
}

/// The search routines shared by the build and the queries.
enum HNSWSearch {
    /// The distance of node `id` to the query: −(q·v + qa·a_v), `aug` the norm-augmentation coordinates.
    @inline(__always)
    static func distance(store: EmbeddingStore, aug: UnsafePointer<Float>?, query: UnsafePointer<Float>, queryAug: Float, _ id: Int32) -> Float {
        let d = store.dot(query, Int(id))
        if let aug { return -(d + queryAug * aug[Int(id)]) }
        return -d
    }

    /// Greedy search (ef = 1) at an upper level.
    @inline(__always)
    static func greedy(store: EmbeddingStore, graph: HNSWGraph, aug: UnsafePointer<Float>?, query: UnsafePointer<Float>,
                       queryAug: Float, entry: Int32, distance: Float, level: Int) -> (Int32, Float) {
        var current = entry, best = distance
        var changed = true
        while changed {
            changed = false
            let links = graph.links(current, level: level)
            let n = Int(links[0])
            for j in 0..<n { RetrievalKernels.prefetch(store.vectors + Int(links[1 + j]) * store.stride, store.stride) }
            for j in 0..<n {
                let id = links[1 + j]
                let d = Self.distance(store: store, aug: aug, query: query, queryAug: queryAug, id)
                if d < best || (d == best && id < current) { best = d; current = id; changed = true }
            }
        }
        return (current, best)
    }

    /// Best-first search at `level` from `scratch.entries[0..<entryCount]`, keeping the `ef` best nodes
    /// that pass the filter (`allowed` bits, and not marked in `excludedMarks` with `markEpoch`) in
    /// `scratch.results` (a max-heap). Nodes that fail the filter are expanded but never kept.
    /// - Returns: the number of results held.
    static func searchLayer(store: EmbeddingStore, graph: HNSWGraph, aug: UnsafePointer<Float>?, query: UnsafePointer<Float>,
                            queryAug: Float, entryCount: Int, level: Int, ef: Int, scratch: HNSWSearchScratch,
                            allowed: UnsafePointer<UInt64>?, excludedMarks: UnsafeMutablePointer<UInt16>?, markEpoch: UInt16) -> Int {
        let visited = scratch.visited
        let epoch = scratch.nextEpoch()
        let results = scratch.results
        var resultCount = 0
        var candidateCount = 0
        let filtered = allowed != nil || excludedMarks != nil
        @inline(__always) func admits(_ id: Int32) -> Bool {
            if let allowed, allowed[Int(id) >> 6] & (1 << UInt64(Int(id) & 63)) == 0 { return false }
            if let excludedMarks, excludedMarks[Int(id)] == markEpoch { return false }
            return true
        }
        // Result max-heap on `Candidate.before` (worst at the top).
        @inline(__always) func pushResult(_ c: Candidate) {
            var i = resultCount
            results[i] = c
            resultCount += 1
            while i > 0 {
                let p = (i - 1) / 2
                if Candidate.before(results[p], results[i]) { swapCandidates(results, p, i); i = p } else { break }
            }
        }
        @inline(__always) func popResult() {
            resultCount -= 1
            results[0] = results[resultCount]
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var worst = i
                if l < resultCount && Candidate.before(results[worst], results[l]) { worst = l }
                if r < resultCount && Candidate.before(results[worst], results[r]) { worst = r }
                if worst == i { break }
                swapCandidates(results, i, worst); i = worst
            }
        }
        // Candidate min-heap.
        @inline(__always) func pushCandidate(_ c: Candidate) {
            if candidateCount == scratch.candidateCapacity { scratch.growCandidates() }
            let cands = scratch.candidates
            var i = candidateCount
            cands[i] = c
            candidateCount += 1
            while i > 0 {
                let p = (i - 1) / 2
                if Candidate.before(cands[i], cands[p]) { swapCandidates(cands, p, i); i = p } else { break }
            }
        }
        @inline(__always) func popCandidate() -> Candidate {
            let cands = scratch.candidates
            let top = cands[0]
            candidateCount -= 1
            cands[0] = cands[candidateCount]
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var best = i
                if l < candidateCount && Candidate.before(cands[l], cands[best]) { best = l }
                if r < candidateCount && Candidate.before(cands[r], cands[best]) { best = r }
                if best == i { break }
                swapCandidates(cands, i, best); i = best
            }
            return top
        }

        for e in 0..<entryCount {
            let c = scratch.entries[e]
            if visited[Int(c.id)] == epoch { continue }
            visited[Int(c.id)] = epoch
            pushCandidate(c)
            if !filtered || admits(c.id) {
                pushResult(c)
                if resultCount > ef { popResult() }
            }
        }
        let pending = scratch.pending
        let stride = store.stride
        while candidateCount > 0 {
            let current = popCandidate()
            if resultCount >= ef && current.distance > results[0].distance { break }
            let links = graph.links(current.id, level: level)
            let n = Int(links[0])
            var fresh = 0
            for j in 0..<n {
                let id = links[1 + j]
                if visited[Int(id)] != epoch {
                    visited[Int(id)] = epoch
                    pending[fresh] = id
                    fresh += 1
                    RetrievalKernels.prefetch(store.vectors + Int(id) * stride, stride)
                }
            }
            for j in 0..<fresh {
                let id = pending[j]
                let d = distance(store: store, aug: aug, query: query, queryAug: queryAug, id)
                if resultCount < ef || d < results[0].distance {
                    pushCandidate(Candidate(distance: d, id: id))
                    if !filtered || admits(id) {
                        pushResult(Candidate(distance: d, id: id))
                        if resultCount > ef { popResult() }
                    }
                }
            }
        }
        scratch.resultCount = resultCount
        return resultCount
    }
}
