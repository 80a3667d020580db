import Foundation

extension HNSWIndex {
    /// Builds an index over `vectors` (one row per item).
    /// - Parameters:
    ///   - vectors: the item vectors (copied into aligned storage; rows normalised for cosine).
    ///   - metric: ``RetrievalMetric/dot`` (maximum inner product) or ``RetrievalMetric/cosine``.
    ///   - parameters: M, efConstruction, seed, inner-product handling, threads.
    /// - Returns: the index.
    /// - Complexity: about O(n · efConstruction · M · log n · d), split over the threads.
    public static func build(vectors: Matrix, metric: RetrievalMetric, parameters: HNSWParameters = .default) -> HNSWIndex {
        build(store: EmbeddingStore(vectors, metric: metric), parameters: parameters)
    }

    /// Builds an index over the vectors of `store`.
    ///
    /// The build is deterministic for a seed whatever the thread count: levels are drawn
    /// from the seed in item order, and items are inserted in fixed batches (1, then batches
    /// growing to 256 items). Within a batch every item searches the graph as it stood before
    /// the batch (in parallel) and is compared exactly with the batch items before it; then
    /// the batch's links are written and the reverse links applied per target node, in item
    /// order (in parallel over targets). No step depends on how the work is split.
    /// - Parameters:
    ///   - store: the vectors.
    ///   - parameters: M, efConstruction, seed, inner-product handling, threads.
    /// - Returns: the index.
    public static func build(store: EmbeddingStore, parameters: HNSWParameters = .default) -> HNSWIndex {
        precondition(parameters.m >= 2, "HNSW: m must be at least 2")
        precondition(parameters.efConstruction >= 1, "HNSW: efConstruction must be positive")
        var builder = HNSWBuilder(store: store, parameters: parameters)
        builder.run()
        return HNSWIndex(store: store, graph: builder.graph, parameters: parameters)
    }
}

/// The batch-parallel, deterministic HNSW construction.
struct HNSWBuilder {
    /// The vectors the links are chosen with: the index's own, or their directions
    /// (``InnerProductHandling/angularGraph``).
    let store: EmbeddingStore
    let parameters: HNSWParameters
    let n: Int
    let m: Int
    let m0: Int
    let levels: [UInt8]
    let aug: AlignedBuffer<Float>?
    let graph: HNSWGraph
    static let maxBatch = 256
    static let levelCap = 16

    init(store: EmbeddingStore, parameters: HNSWParameters) {
        self.store = store.metric == .dot && parameters.innerProduct == .angularGraph ? store.directions() : store
        self.parameters = parameters
        n = store.count
        m = parameters.m
        m0 = 2 * parameters.m
        // Levels: ⌊−ln(U)·mL⌋ with mL = 1/ln(M), drawn in item order from the seed.
        var g = SeededGenerator(seed: parameters.seed)
        let mL = 1 / log(Double(max(2, m)))
        var levels = [UInt8](repeating: 0, count: n)
        for i in 0..<n {
            let u = 1 - g.nextUnitDouble()
            levels[i] = UInt8(min(Double(Self.levelCap), (-log(u) * mL).rounded(.down)))
        }
        self.levels = levels
        // Norm augmentation for inner products: a_v = √(Φ² − ‖v‖²).
        if store.metric == .dot && parameters.innerProduct == .normAugmentation && n > 0 {
            let a = AlignedBuffer<Float>(count: n)
            var phi2: Float = 0
            for i in 0..<n {
                let row = store.vectors + i * store.stride
                let s = RetrievalKernels.dot(row, row, store.stride)
                a.pointer[i] = s
                phi2 = max(phi2, s)
            }
            for i in 0..<n { a.pointer[i] = max(0, phi2 - a.pointer[i]).squareRoot() }
            aug = a
        } else {
            aug = nil
        }
        // Memory: level 0, per-node upper offsets, upper blocks.
        var blocks = 0
        var offsets = [Int32](repeating: -1, count: n)
        for i in 0..<n where levels[i] > 0 { offsets[i] = Int32(blocks); blocks += Int(levels[i]) }
        let level0Bytes = n * (1 + m0) * 4, offsetBytes = n * 4, upperBytes = blocks * (1 + m) * 4
        let memory = RawAllocation(byteCount: level0Bytes + offsetBytes + upperBytes + n + 192)
        let level0 = memory.pointer.bindMemory(to: Int32.self, capacity: n * (1 + m0))
        let upperOffsets = (memory.pointer + ((level0Bytes + 63) / 64 * 64)).bindMemory(to: Int32.self, capacity: n)
        let upperLinks = (memory.pointer + ((level0Bytes + 63) / 64 * 64) + ((offsetBytes + 63) / 64 * 64))
            .bindMemory(to: Int32.self, capacity: blocks * (1 + m))
        let levelPointer = (memory.pointer + ((level0Bytes + 63) / 64 * 64) + ((offsetBytes + 63) / 64 * 64) + ((upperBytes + 63) / 64 * 64))
            .bindMemory(to: UInt8.self, capacity: n)
        levels.withUnsafeBufferPointer { if let b = $0.baseAddress { levelPointer.update(from: b, count: $0.count) } }
        let nodeCount = n
        offsets.withUnsafeBufferPointer { if let b = $0.baseAddress { upperOffsets.update(from: b, count: nodeCount) } }
        graph = HNSWGraph(count: n, m: m, level0: level0, upperOffsets: upperOffsets, upperLinks: upperLinks,
                          upperBlockCount: blocks, levels: levelPointer, entry: -1, maxLevel: -1, owner: memory)
    }

    /// The build distance between two items: −(v·w + a_v·a_w).
    @inline(__always)
    func distance(_ a: Int32, _ b: Int32) -> Float {
        let d = RetrievalKernels.dot(store.vectors + Int(a) * store.stride, store.vectors + Int(b) * store.stride, store.stride)
        if let aug { return -(d + aug.pointer[Int(a)] * aug.pointer[Int(b)]) }
        return -d
    }

    /// Whether two items have bitwise identical vectors.
    @inline(__always)
    func identical(_ a: Int32, _ b: Int32) -> Bool {
        memcmp(store.vectors + Int(a) * store.stride, store.vectors + Int(b) * store.stride, store.stride * 4) == 0
    }

    /// hnswlib's neighbour-selection heuristic: walk `sorted` (ascending distance to the new node)
    /// and keep a candidate only if it is not farther from the new node than from every neighbour
    /// kept so far, and is not an exact duplicate of a kept neighbour (so a group of identical
    /// vectors links to one of its members and still to the rest of the catalogue).
    /// With ``HNSWParameters/keepPrunedLinks`` the slots left are then filled with the pruned
    /// candidates in order (still skipping exact duplicates of a kept neighbour).
    /// Writes up to `limit` ids into `out`; returns how many.
    func selectNeighbours(_ sorted: UnsafeMutableBufferPointer<Candidate>, limit: Int, out: UnsafeMutablePointer<Int32>) -> Int {
        if sorted.count <= limit {
            for i in 0..<sorted.count { out[i] = sorted[i].id }
            return sorted.count
        }
        var kept = 0
        for c in sorted {
            if kept >= limit { break }
            var good = true
            for s in 0..<kept where distance(c.id, out[s]) < c.distance || identical(c.id, out[s]) { good = false; break }
            if good { out[kept] = c.id; kept += 1 }
        }
        guard parameters.keepPrunedLinks, kept < limit else { return kept }
        let firstKept = kept
        for c in sorted {
            if kept >= limit { break }
            var fresh = true
            for s in 0..<kept where c.id == out[s] || (s < firstKept && identical(c.id, out[s])) { fresh = false; break }
            if fresh { out[kept] = c.id; kept += 1 }
        }
        return kept
    }

    mutating func run() {
        guard n > 0 else { return }
        graph.entry = 0
        graph.maxLevel = Int(levels[0])
        let threads = max(1, parameters.threads ?? Parallelism.availableCores)
        let scratches = (0..<threads).map { _ in HNSWSearchScratch(count: n, stride: store.stride) }
        for s in scratches {
            s.prepare(count: n, stride: store.stride, ef: parameters.efConstruction)
            s.ensureEntries(Self.maxBatch + parameters.efConstruction + 1)
        }
        let box = UnsafeSendableBox(scratches)
        var start = 1
        while start < n {
            let size = min(n - start, max(1, min(Self.maxBatch, start / 4)))
            insertBatch(start..<(start + size), threads: threads, scratches: box)
            start += size
        }
    }

    /// Inserts one batch of items (see ``HNSWIndex/build(store:parameters:)``).
    func insertBatch(_ batch: Range<Int>, threads: Int, scratches: UnsafeSendableBox<[HNSWSearchScratch]>) {
        // Slots for the chosen neighbours: per item, (level + 1) blocks of m (count kept apart).
        var slotStart = [Int](repeating: 0, count: batch.count + 1)
        for (b, i) in batch.enumerated() { slotStart[b + 1] = slotStart[b] + Int(levels[i]) + 1 }
        let blockCount = slotStart[batch.count]
        var chosen = [Int32](repeating: 0, count: blockCount * m)
        var chosenCount = [Int32](repeating: 0, count: blockCount)
        let frozenEntry = graph.entry, frozenMax = graph.maxLevel
        let efc = parameters.efConstruction
        // Phase 1: search the frozen graph, add the earlier batch items, select neighbours (parallel).
        chosen.withUnsafeMutableBufferPointer { chosenBuffer in
            chosenCount.withUnsafeMutableBufferPointer { countBuffer in
                let chosenBox = UnsafeSendableBox(chosenBuffer), countBox = UnsafeSendableBox(countBuffer)
                ComputePool.forEachChunk(count: batch.count, chunks: threads) { chunk, range in
                    let scratch = scratches.value[chunk]
                    for b in range {
                        let item = batch.lowerBound + b
                        link(item: item, batch: batch, frozenEntry: frozenEntry, frozenMax: frozenMax, efc: efc, scratch: scratch,
                             out: chosenBox.value.baseAddress! + slotStart[b] * m, counts: countBox.value.baseAddress! + slotStart[b])
                    }
                }
            }
        }
        // Phase 2a: write each new item's own links.
        for (b, i) in batch.enumerated() {
            for level in 0...Int(levels[i]) {
                let block = graph.links(Int32(i), level: level)
                let c = Int(chosenCount[slotStart[b] + level])
                block[0] = Int32(c)
                for j in 0..<c { block[1 + j] = chosen[(slotStart[b] + level) * m + j] }
            }
        }
        // Phase 2b: reverse links, grouped by (level, target), sources in item order.
        var pairs: [(level: Int32, target: Int32, source: Int32)] = []
        pairs.reserveCapacity(blockCount * m)
        for (b, i) in batch.enumerated() {
            for level in 0...Int(levels[i]) {
                let c = Int(chosenCount[slotStart[b] + level])
                for j in 0..<c { pairs.append((Int32(level), chosen[(slotStart[b] + level) * m + j], Int32(i))) }
            }
        }
        pairs.sort { ($0.level, $0.target, $0.source) < ($1.level, $1.target, $1.source) }
        var groups: [Int] = []
        for p in 0..<pairs.count where p == 0 || pairs[p].level != pairs[p - 1].level || pairs[p].target != pairs[p - 1].target {
            groups.append(p)
        }
        groups.append(pairs.count)
        pairs.withUnsafeBufferPointer { pairBuffer in
            let pairBox = UnsafeSendableBox(pairBuffer)
            ComputePool.forEachChunk(count: groups.count - 1, chunks: threads) { chunk, range in
                let scratch = scratches.value[chunk]
                for g in range {
                    let slice = pairBox.value[groups[g]..<groups[g + 1]]
                    addReverseLinks(slice, scratch: scratch)
                }
            }
        }
        // The entry point: the first item of the batch with a level above the current top.
        for i in batch where Int(levels[i]) > graph.maxLevel {
            graph.maxLevel = Int(levels[i])
            graph.entry = Int32(i)
        }
    }

    /// Phase 1 for one item: its neighbour lists at each of its levels.
    func link(item: Int, batch: Range<Int>, frozenEntry: Int32, frozenMax: Int, efc: Int, scratch: HNSWSearchScratch,
              out: UnsafeMutablePointer<Int32>, counts: UnsafeMutablePointer<Int32>) {
        let q = store.vectors + item * store.stride
        let qa = aug?.pointer[item] ?? 0
        let level = Int(levels[item])
        var entry = frozenEntry
        var entryDistance = distance(Int32(item), entry)
        var l = frozenMax
        while l > level {
            (entry, entryDistance) = HNSWSearch.greedy(store: store, graph: graph, aug: aug.map { UnsafePointer($0.pointer) }, query: q,
                                                       queryAug: qa, entry: entry, distance: entryDistance, level: l)
            l -= 1
        }
        let entries = scratch.entries
        for l in stride(from: level, through: 0, by: -1) {
            var found = 0
            if l <= frozenMax {
                entries[0] = Candidate(distance: entryDistance, id: entry)
                found = HNSWSearch.searchLayer(store: store, graph: graph, aug: aug.map { UnsafePointer($0.pointer) }, query: q,
                                               queryAug: qa, entryCount: 1, level: l, ef: efc, scratch: scratch,
                                               allowed: nil, excludedMarks: nil, markEpoch: 0)
                for j in 0..<found { entries[j] = scratch.results[j] }
            }
            // The batch items before this one that reach level l, compared exactly.
            for other in batch.lowerBound..<item where Int(levels[other]) >= l {
                entries[found] = Candidate(distance: distance(Int32(item), Int32(other)), id: Int32(other))
                found += 1
            }
            var sorted = UnsafeMutableBufferPointer(start: entries, count: found)
            sorted.sort(by: Candidate.before)
            counts[l] = Int32(selectNeighbours(sorted, limit: m, out: out + l * m))
            // Next level starts from the closest node of the frozen graph.
            if l <= frozenMax {
                for c in sorted where c.id < Int32(batch.lowerBound) { entry = c.id; entryDistance = c.distance; break }
            }
        }
    }

    /// Adds the new items of `slice` (one target, one level, sources ascending) to the target's
    /// list, pruning with the heuristic when it overflows.
    func addReverseLinks(_ slice: Slice<UnsafeBufferPointer<(level: Int32, target: Int32, source: Int32)>>, scratch: HNSWSearchScratch) {
        guard let first = slice.first else { return }
        let level = Int(first.level), target = first.target
        let cap = level == 0 ? m0 : m
        let block = graph.links(target, level: level)
        var c = Int(block[0])
        if c + slice.count <= cap {
            for p in slice { block[1 + c] = p.source; c += 1 }
            block[0] = Int32(c)
            return
        }
        scratch.ensureEntries(c + slice.count)
        let entries = scratch.entries
        var found = 0
        for j in 0..<c { entries[found] = Candidate(distance: distance(target, block[1 + j]), id: block[1 + j]); found += 1 }
        for p in slice { entries[found] = Candidate(distance: distance(target, p.source), id: p.source); found += 1 }
        var sorted = UnsafeMutableBufferPointer(start: entries, count: found)
        sorted.sort(by: Candidate.before)
        scratch.ensurePending(cap)
        let kept = selectNeighbours(sorted, limit: cap, out: scratch.pending)
        for j in 0..<kept { block[1 + j] = scratch.pending[j] }
        block[0] = Int32(kept)
    }
}
