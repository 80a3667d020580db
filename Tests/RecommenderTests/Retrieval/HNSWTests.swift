import Foundation
import Testing
@testable import Recommender

/// Small seeded fixtures: item vectors whose norms vary (scaled by a power of a Zipf rank, as
/// popular items' factors are longer) and queries.
enum ANNFixtures {
    static func vectors(count: Int, dimension: Int, seed: UInt64) -> Matrix {
        var g = SeededGenerator(seed: seed)
        var storage = [Float](repeating: 0, count: count * dimension)
        for i in 0..<count {
            let scale = Float(pow(Double(i % 97 + 1), -0.3))
            for c in 0..<dimension { storage[i * dimension + c] = g.nextNormal() * scale }
        }
        return Matrix(rows: count, columns: dimension, storage: storage)
    }

    static func queries(count: Int, dimension: Int, seed: UInt64) -> [[Float]] {
        var g = SeededGenerator(seed: seed)
        return (0..<count).map { _ in (0..<dimension).map { _ in g.nextNormal() } }
    }

    /// Mean recall of `approximate` against `exact` over `queries` (k results each).
    static func recall(_ approximate: some CandidateRetriever, _ exact: ExactScan, queries: [[Float]], k: Int,
                       filter: (Int) -> RetrievalFilter = { _ in .none }) -> Double {
        var hits = 0, total = 0
        for (qi, q) in queries.enumerated() {
            let truth = Set(exact.search(q, k: k, filter: filter(qi)).map(\.index))
            hits += approximate.search(q, k: k, filter: filter(qi)).filter { truth.contains($0.index) }.count
            total += truth.count
        }
        return total == 0 ? 1 : Double(hits) / Double(total)
    }

    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hnsw-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

@Suite struct HNSWTests {
    static let vectors = ANNFixtures.vectors(count: 3000, dimension: 20, seed: 7)
    static let queries = ANNFixtures.queries(count: 60, dimension: 20, seed: 8)

    @Test func exactScanMatchesTheFullScoreScan() {
        let scan = ExactScan(vectors: Self.vectors, metric: .dot)
        for q in Self.queries.prefix(10) {
            let scores = EmbeddingSimilarity.scores(query: q, embeddings: Self.vectors, measure: .dot)
            let expected = topK(scores, k: 10)
            let found = scan.search(q, k: 10, filter: .none)
            #expect(found.map(\.index) == expected.map(\.index))
            for (a, b) in zip(found, expected) { #expect(abs(a.score - b.score) <= 1e-4 * max(1, abs(b.score))) }
        }
    }

    @Test(arguments: [(RetrievalMetric.dot, InnerProductHandling.native),
                      (RetrievalMetric.cosine, InnerProductHandling.native)])
    func recallAgainstTheExactScan(metric: RetrievalMetric, handling: InnerProductHandling) {
        let index = HNSWIndex.build(vectors: Self.vectors, metric: metric,
                                    parameters: HNSWParameters(m: 12, efConstruction: 100, seed: 1, innerProduct: handling, threads: 2))
        index.defaultEf = 80
        let exact = ExactScan(vectors: Self.vectors, metric: metric)
        let recall = ANNFixtures.recall(index, exact, queries: Self.queries, k: 10)
        #expect(recall >= 0.9, "recall@10 \(recall) for \(metric) / \(handling), seed 1")
        // Scores are the metric's own values.
        let q = Self.queries[0]
        for r in index.search(q, k: 5, filter: .none) {
            let row = Self.vectors.row(Int(r.index))
            var expected = zip(q, row).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            if metric == .cosine {
                expected /= (q.reduce(0) { $0 + $1 * $1 }.squareRoot() * row.reduce(0) { $0 + $1 * $1 }.squareRoot())
            }
            #expect(abs(r.score - expected) <= 1e-4 * max(1, abs(expected)))
        }
    }

    /// The norm-augmentation reduction is exact in theory; its graph is searchable (results are
    /// true inner products, recall well above chance) even though it ranks below the native graph.
    @Test func normAugmentationGraphIsSearchable() {
        let index = HNSWIndex.build(vectors: Self.vectors, metric: .dot,
                                    parameters: HNSWParameters(m: 12, efConstruction: 100, seed: 1, innerProduct: .normAugmentation))
        let exact = ExactScan(vectors: Self.vectors, metric: .dot)
        index.defaultEf = 200
        let recall = ANNFixtures.recall(index, exact, queries: Self.queries, k: 10)
        #expect(recall >= 0.5, "recall@10 \(recall) with norm augmentation, seed 1")
    }

    @Test func defaultsAreTheDocumentedOnes() {
        let d = HNSWParameters.default
        #expect(d.m == 16 && d.efConstruction == 200 && d.seed == 42 && d.innerProduct == .native && d.threads == nil)
    }

    /// Item factors whose norms spread as a model's do (log-normal: max/median ≈ 40), where the
    /// native inner-product graph links nearly every item only to the few longest ones.
    static func skewedVectors(count: Int, dimension: Int, seed: UInt64) -> Matrix {
        var g = SeededGenerator(seed: seed)
        var storage = [Float](repeating: 0, count: count * dimension)
        for i in 0..<count {
            let scale = Float(exp(1.2 * Double(g.nextNormal())))
            for c in 0..<dimension { storage[i * dimension + c] = g.nextNormal() * scale }
        }
        return Matrix(rows: count, columns: dimension, storage: storage)
    }

    /// Nodes reachable from the entry point through level-0 links.
    static func reachableAtLevel0(_ index: HNSWIndex) -> Int {
        let g = index.graph
        guard g.entry >= 0 else { return 0 }
        var seen = [Bool](repeating: false, count: g.count)
        var stack = [g.entry]
        seen[Int(g.entry)] = true
        var reached = 1
        while let node = stack.popLast() {
            let links = g.links(node, level: 0)
            for j in 0..<Int(links[0]) where !seen[Int(links[1 + j])] {
                seen[Int(links[1 + j])] = true
                reached += 1
                stack.append(links[1 + j])
            }
        }
        return reached
    }

    /// The direction graph reaches every item on vectors whose norms vary widely; its searches
    /// still rank by inner product.
    @Test func angularGraphReachesEveryItemOfSkewedNorms() {
        let vectors = Self.skewedVectors(count: 2000, dimension: 16, seed: 11)
        let queries = ANNFixtures.queries(count: 60, dimension: 16, seed: 12)
        let index = HNSWIndex.build(vectors: vectors, metric: .dot, parameters: HNSWParameters(m: 8, efConstruction: 60, seed: 3, innerProduct: .angularGraph))
        #expect(Self.reachableAtLevel0(index) == 2000)
        let exact = ExactScan(vectors: vectors, metric: .dot)
        index.defaultEf = 64
        let recall = ANNFixtures.recall(index, exact, queries: queries, k: 10)
        // Searchable, though on random queries the longest vectors win and the native graph suits
        // this fixture better (0.67 here at ef 64): the direction graph is for factor models whose
        // recall stalls (README).
        #expect(recall >= 0.5, "recall@10 \(recall) of the direction graph on skewed norms, seed 3")
        for r in index.search(queries[0], k: 3, filter: .none) {
            let expected = zip(queries[0], vectors.row(Int(r.index))).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            #expect(abs(r.score - expected) <= 1e-4 * max(1, abs(expected)))
        }
    }

    /// Keeping the pruned links gives the items the inner-product heuristic cuts off some in-links,
    /// deterministically, and the flag survives the file.
    @Test func keepPrunedLinksReachesMoreItems() throws {
        let vectors = Self.skewedVectors(count: 2000, dimension: 16, seed: 11)
        let plain = HNSWIndex.build(vectors: vectors, metric: .dot, parameters: HNSWParameters(m: 8, efConstruction: 60, seed: 3))
        let filled = HNSWIndex.build(vectors: vectors, metric: .dot,
                                     parameters: HNSWParameters(m: 8, efConstruction: 60, seed: 3, threads: 1, keepPrunedLinks: true))
        let again = HNSWIndex.build(vectors: vectors, metric: .dot,
                                    parameters: HNSWParameters(m: 8, efConstruction: 60, seed: 3, threads: 2, keepPrunedLinks: true))
        #expect(Self.reachableAtLevel0(filled) > Self.reachableAtLevel0(plain))
        let words = filled.graph.count * (1 + filled.graph.m0)
        #expect(Array(UnsafeBufferPointer(start: filled.graph.level0, count: words))
                == Array(UnsafeBufferPointer(start: again.graph.level0, count: words)))
        let directory = ANNFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.hnsw")
        try filled.write(to: url)
        #expect(try HNSWIndex.load(from: url).index.parameters.keepPrunedLinks)
    }

    @Test func buildIsDeterministicWhateverTheThreadCount() {
        let one = HNSWIndex.build(vectors: Self.vectors, metric: .dot, parameters: HNSWParameters(m: 8, efConstruction: 40, seed: 3, threads: 1))
        let two = HNSWIndex.build(vectors: Self.vectors, metric: .dot, parameters: HNSWParameters(m: 8, efConstruction: 40, seed: 3, threads: 2))
        let three = HNSWIndex.build(vectors: Self.vectors, metric: .dot, parameters: HNSWParameters(m: 8, efConstruction: 40, seed: 3, threads: 3))
        let words = one.graph.count * (1 + one.graph.m0)
        let a = Array(UnsafeBufferPointer(start: one.graph.level0, count: words))
        #expect(a == Array(UnsafeBufferPointer(start: two.graph.level0, count: words)))
        #expect(a == Array(UnsafeBufferPointer(start: three.graph.level0, count: words)))
        #expect(one.graph.entry == two.graph.entry && one.maxLevel == three.maxLevel)
        for q in Self.queries.prefix(5) {
            #expect(one.search(q, k: 10, filter: .none) == three.search(q, k: 10, filter: .none))
        }
    }

    @Test func filtersNeverReturnAnExcludedItemAndAlwaysReturnK() {
        let index = HNSWIndex.build(vectors: Self.vectors, metric: .dot, parameters: HNSWParameters(m: 12, efConstruction: 80, seed: 2))
        let exact = ExactScan(vectors: Self.vectors, metric: .dot)
        let n = Self.vectors.rows
        // Graph search even for very selective filters, then with the exact fallback.
        for fallback in [0.0, 0.02] {
            index.exactFallbackFraction = fallback
            for (qi, q) in Self.queries.prefix(20).enumerated() {
                // The hardest exclusion: the query's own exact top 100.
                let excluded = exact.search(q, k: 100, filter: .none).map(\.index)
                let half = ItemBitset(capacity: n) { ($0.rawValue &+ Int32(qi)) % 2 == 0 }
                let onePercent = ItemBitset(capacity: n) { ($0.rawValue &* 7 &+ Int32(qi)) % 100 == 0 }
                for filter in [RetrievalFilter(excluded: excluded), RetrievalFilter(allowed: half),
                               RetrievalFilter(allowed: onePercent, excluded: Array(excluded.prefix(5)))] {
                    let found = index.search(q, k: 10, filter: filter)
                    #expect(found.count == 10)
                    #expect(found.allSatisfy { filter.admits($0.index) })
                    #expect(Set(found.map(\.index)).count == found.count)
                }
            }
            let recall = ANNFixtures.recall(index, exact, queries: Self.queries, k: 10) { qi in
                RetrievalFilter(allowed: ItemBitset(capacity: n) { ($0.rawValue &+ Int32(qi)) % 2 == 0 })
            }
            #expect(recall >= 0.9, "recall@10 with a 50% filter: \(recall), fallback \(fallback)")
        }
    }

    /// One index for the filter-recall cases (built once; searched with an explicit ef).
    static let filterIndex = HNSWIndex.build(vectors: vectors, metric: .dot, parameters: HNSWParameters(m: 12, efConstruction: 80, seed: 2))

    @Test(arguments: [50, 30, 10, 2])
    func categoryFiltersKeepTheirRecall(percentKept: Int) {
        // A filter keeping p of the items: the candidate list widens to 1.5·ef/p, or the kept
        // items are scanned exactly when that costs less; either way recall@10 stays ≥ 0.95.
        let exact = ExactScan(vectors: Self.vectors, metric: .dot)
        let n = Self.vectors.rows
        var hits = 0, total = 0
        for (qi, q) in Self.queries.prefix(30).enumerated() {
            let filter = RetrievalFilter(allowed: ItemBitset(capacity: n) { Int(($0.rawValue &* 31 &+ Int32(qi)) % 100) < percentKept })
            let truth = Set(exact.search(q, k: 10, filter: filter).map(\.index))
            hits += Self.filterIndex.search(q, k: 10, ef: 16, filter: filter).filter { truth.contains($0.index) }.count
            total += truth.count
        }
        #expect(Double(hits) / Double(total) >= 0.95, "recall@10 with \(percentKept)% kept: \(hits)/\(total)")
        // The exact scan of scattered kept items (prefetched a few rows ahead) is the full scan's answer.
        for q in Self.queries.prefix(3) {
            let kept = ItemBitset(capacity: n) { Int($0.rawValue % 100) < percentKept }
            let scanned = exact.search(q, k: 10, filter: RetrievalFilter(allowed: kept))
            let full = exact.search(q, k: n, filter: .none).filter { kept.contains($0.index) }.prefix(10)
            #expect(scanned.map(\.index) == full.map(\.index))
        }
    }

    @Test func fewerQualifyingItemsThanKReturnsThemAll() {
        let index = HNSWIndex.build(vectors: Self.vectors, metric: .dot, parameters: HNSWParameters(m: 8, efConstruction: 40))
        let allowed = ItemBitset(capacity: Self.vectors.rows, items: [5, 17, 2999])
        let found = index.search(Self.queries[0], k: 10, filter: RetrievalFilter(allowed: allowed, excluded: [17]))
        #expect(Set(found.map(\.index)) == [5, 2999])
        #expect(index.search(Self.queries[0], k: 10, filter: RetrievalFilter(allowed: ItemBitset(capacity: Self.vectors.rows))).isEmpty)
        #expect(found.count == 2 && found[0].score >= found[1].score)
    }

    @Test func retrievalFilterFollowsRecommendationOptions() {
        let train = Interactions(users: [0, 0, 1], items: [1, 4, 2], ratings: [5, 3, 4], userCount: 2, itemCount: 6)
        let metadata = MFFixtures.metadata(users: 2, items: 6, train: train)
        let filter = RetrievalFilter(options: RecommendationOptions(count: 3, excluded: [0]), metadata: metadata, user: 0)
        #expect(Set(filter.excluded) == [0, 1, 4])
        #expect(filter.allowed == nil)
        #expect(!filter.admits(4) && filter.admits(2))
    }

    @Test func saveAndLoadRoundTrip() throws {
        let index = HNSWIndex.build(vectors: Self.vectors, metric: .cosine, parameters: HNSWParameters(m: 8, efConstruction: 60, seed: 5))
        let directory = ANNFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.hnsw")
        let fingerprint = HNSWIndex.fingerprint(of: Self.vectors)
        try index.write(to: url, sourceFingerprint: fingerprint)
        let (loaded, stored) = try HNSWIndex.load(from: url)
        #expect(stored == fingerprint)
        #expect(loaded.itemCount == index.itemCount && loaded.dimension == 20 && loaded.metric == .cosine)
        #expect(loaded.parameters.m == 8 && loaded.parameters.efConstruction == 60 && loaded.parameters.seed == 5)
        for q in Self.queries.prefix(10) {
            #expect(loaded.search(q, k: 10, filter: .none) == index.search(q, k: 10, filter: .none))
        }
        // Each inner-product handling survives the round trip.
        for handling in InnerProductHandling.allCases {
            let dot = HNSWIndex.build(vectors: Self.vectors, metric: .dot,
                                      parameters: HNSWParameters(m: 6, efConstruction: 30, seed: 5, innerProduct: handling))
            let file = directory.appendingPathComponent("\(handling.rawValue).hnsw")
            try dot.write(to: file)
            let (back, _) = try HNSWIndex.load(from: file)
            #expect(back.parameters.innerProduct == handling)
            #expect(back.search(Self.queries[1], k: 10, filter: .none) == dot.search(Self.queries[1], k: 10, filter: .none))
        }
        #expect(HNSWIndexFile.url(besideModel: directory.appendingPathComponent("model.recmodel")).lastPathComponent == "model.hnsw")
    }

    @Test func corruptIndexFilesGiveClearErrors() throws {
        let index = HNSWIndex.build(vectors: ANNFixtures.vectors(count: 300, dimension: 8, seed: 1), metric: .dot,
                                    parameters: HNSWParameters(m: 4, efConstruction: 20))
        let directory = ANNFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.hnsw")
        try index.write(to: url)
        let good = try Data(contentsOf: url)
        func expectError(_ bytes: Data, _ check: (IndexFileError) -> Bool) throws {
            let bad = directory.appendingPathComponent("bad.hnsw")
            try bytes.write(to: bad)
            do {
                _ = try HNSWIndex.load(from: bad)
                Issue.record("a corrupt index loaded")
            } catch let error as IndexFileError {
                #expect(check(error), "\(error)")
                #expect(error.description.contains("bad.hnsw"))
            }
        }
        var flipped = good
        flipped[good.count - 200] ^= 0x40
        try expectError(flipped) { if case .checksumMismatch = $0 { return true }; return false }
        try expectError(good.prefix(good.count - 64)) { if case .wrongSize = $0 { return true }; return false }
        var header = good
        header[33] ^= 1
        try expectError(header) { if case .corruptHeader = $0 { return true }; return false }
        try expectError(Data("not an index at all, just text".utf8)) { if case .notAnIndexFile = $0 { return true }; return false }
        var version = good
        version[8] = 9
        try expectError(version) { if case .unsupportedVersion = $0 { return true }; return false }
        #expect(throws: IndexFileError.self) { _ = try HNSWIndex.load(from: directory.appendingPathComponent("missing.hnsw")) }
    }

    @Test func emptyCatalog() throws {
        let empty = Matrix(rows: 0, columns: 8)
        let index = HNSWIndex.build(vectors: empty, metric: .dot)
        #expect(index.search([Float](repeating: 1, count: 8), k: 10, filter: .none).isEmpty)
        #expect(ExactScan(vectors: empty, metric: .dot).search([Float](repeating: 1, count: 8), k: 10, filter: .none).isEmpty)
        let directory = ANNFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("empty.hnsw")
        try index.write(to: url)
        let (loaded, _) = try HNSWIndex.load(from: url)
        #expect(loaded.itemCount == 0 && loaded.search([Float](repeating: 1, count: 8), k: 3, filter: .none).isEmpty)
    }

    @Test func kLargerThanTheCatalog() {
        let small = ANNFixtures.vectors(count: 5, dimension: 4, seed: 9)
        let index = HNSWIndex.build(vectors: small, metric: .dot, parameters: HNSWParameters(m: 4, efConstruction: 10))
        let q: [Float] = [1, -1, 0.5, 2]
        let found = index.search(q, k: 10, filter: .none)
        #expect(found.count == 5)
        #expect(found.map(\.index) == ExactScan(vectors: small, metric: .dot).search(q, k: 10, filter: .none).map(\.index))
        #expect(index.search(q, k: 0, filter: .none).isEmpty)
    }

    @Test func duplicateVectors() {
        // 400 items, only 4 distinct vectors.
        let base = ANNFixtures.vectors(count: 4, dimension: 16, seed: 4)
        var storage: [Float] = []
        for i in 0..<400 { storage += base.row(i % 4) }
        let vectors = Matrix(rows: 400, columns: 16, storage: storage)
        let index = HNSWIndex.build(vectors: vectors, metric: .dot, parameters: HNSWParameters(m: 6, efConstruction: 40, seed: 11))
        let exact = ExactScan(vectors: vectors, metric: .dot)
        for q in ANNFixtures.queries(count: 5, dimension: 16, seed: 12) {
            let found = index.search(q, k: 30, filter: .none)
            let truth = exact.search(q, k: 30, filter: .none)
            #expect(found.count == 30 && Set(found.map(\.index)).count == 30)
            // Ties make the ids ambiguous; the scores must match the exact ones.
            for (a, b) in zip(found, truth) { #expect(abs(a.score - b.score) <= 1e-4 * max(1, abs(b.score))) }
            let filtered = index.search(q, k: 10, filter: RetrievalFilter(excluded: truth.map(\.index)))
            #expect(filtered.count == 10 && filtered.allSatisfy { !truth.map(\.index).contains($0.index) })
        }
    }
}
