import Dispatch
import Foundation
import Recommender

/// `recommender bench ann`: the HNSW index against the exact scan on factor-model-shaped vectors.
///
/// Vectors: item factors shaped like a factor model of a power-law interaction matrix (see
/// ItemVectorGenerator below), queries shaped like user factors. Ground truth: exact inner-product
/// top-10. Queries run on one thread; the build uses all cores (``threads``).
public struct ANNBenchmark: Sendable {
    /// Item vectors (1,000,000 for the catalogue case, 59,047 for the ML-25M shape).
    public var items: Int = 1_000_000
    /// Query vectors.
    public var queries: Int = 10_000
    /// Dimensions.
    public var dimension: Int = 64
    /// HNSW M.
    public var m: Int = 16
    /// HNSW efConstruction.
    public var efConstruction: Int = 200
    /// Seed (vectors and index).
    public var seed: UInt64 = 42
    /// Query ef values to sweep (comma-separated).
    public var efs: String = "10,16,24,32,48,64,96,128,192,256"
    /// Build threads (nil: all cores).
    public var threads: Int?
    /// Inner products in the graph: native (default, as hnswlib), angularGraph (links chosen by direction,
    /// searched by inner product) or norm-augmentation (Bachrach et al. 2014).
    public var innerProduct: InnerProductHandling = .native
    /// Fill the link slots the selection heuristic leaves empty with the best pruned candidates.
    public var keepPrunedLinks = false
    /// The ef of the filter measurements (nil: the first swept ef reaching recall@10 0.95 unfiltered, else the largest).
    public var filterEf: Int?
    /// Also build with the other inner-product handling and report its recall (costs a second build).
    public var compareInnerProduct = false
    /// Queries used for the exact-scan speed and the filtered measurements (a prefix of the queries).
    public var filterQueries: Int = 2000
    /// Write the JSON report here.
    public var json: String?
    /// Write items.f32, queries.f32, truth.i32 and filters (for scripts/bench-ann.py) into this folder.
    public var vectorsOut: String?
    /// Where to save the index for the load (mmap) measurement (nil: a temporary folder).
    public var indexPath: String?
    /// A name for this case in the JSON.
    public var name: String?
    /// Read items.f32, queries.f32, truth.i32 and meta.json from this folder (written by ``vectorsOut``) instead of generating them.
    public var vectorsIn: String?
    /// Take the item vectors from this fitted model, the queries from its user vectors (``queries`` users
    /// drawn with ``seed``) and the exclude-rated filter from those users' training items.
    public var model: String?
    /// Load this index file (saved by an earlier run with ``indexPath``) instead of building one.
    public var loadIndex: String?
    /// Only the ef sweep (no filters, crossover or save/load).
    public var sweepOnly = false
    /// Skip the filter crossover measurements (graph vs exact scan at each kept fraction).
    public var skipCrossover = false

    /// The benchmark with its default settings.
    public init() {}

    /// Runs the benchmark, reporting each measurement as a line and writing the JSON report when asked.
    /// - Parameter output: receives each line of the report.
    /// - Throws: ``BenchmarkError`` for unreadable or mismatched inputs; a file or model error.
    public func run(output log: (String) -> Void) throws {
        var report: [String: Any] = [:]
        let caseName = name ?? "\(self.items)-items-\(dimension)d"
        report["case"] = caseName
        report["items"] = self.items; report["queries"] = self.queries; report["dimension"] = dimension
        report["command"] = CommandLine.arguments.joined(separator: " ")
        report["machine"] = machineDescription()
        log("case \(caseName): \(vectorsIn ?? model.map { "model \($0)" } ?? "generated vectors"); \(report["machine"]!)")

        // Vectors.
        var t = DispatchTime.now()
        let fromModel = try model.map { try ModelVectors(path: $0, queries: self.queries, seed: seed) }
        let loaded = try vectorsIn.map { try StoredVectors(folder: $0) } ?? fromModel?.stored
        let generated = loaded == nil ? ItemVectorGenerator(items: self.items, queries: self.queries, dimension: dimension, seed: seed) : nil
        let vectors = loaded?.items ?? generated?.items ?? Matrix(rows: 0, columns: dimension)
        let queryVectors = loaded?.queries ?? generated?.queries ?? []
        let items = vectors.rows, queries = queryVectors.count
        if let loaded {
            report["items"] = items; report["queries"] = queries; report["dimension"] = vectors.columns
            report["vectors_from"] = loaded.folder
            if let fromModel { report["model_users"] = fromModel.userCount; report["rated_items_per_query_mean"] = fromModel.meanRated }
        }
        let norms = (0..<items).map { i in vectors.row(i).reduce(Float(0)) { $0 + $1 * $1 }.squareRoot() }.sorted()
        func quantile(_ q: Double) -> Float { norms[min(norms.count - 1, Int(q * Double(norms.count)))] }
        report["item_norm_quantiles"] = ["p01": quantile(0.01), "p50": quantile(0.5), "p99": quantile(0.99), "max": norms.last ?? 0]
        log(String(format: "vectors in %.1f s; item norms p1 %.3f, median %.3f, p99 %.3f, max %.3f", elapsed(t),
                   quantile(0.01), quantile(0.5), quantile(0.99), norms.last ?? 0))

        // Ground truth: exact inner-product top-10 (all cores), and the exact scan's one-thread speed.
        let k = 10
        let store = EmbeddingStore(vectors, metric: .dot)
        let exact = ExactScan(store: store)
        t = DispatchTime.now()
        let truth = loaded?.truth ?? parallelMap(queries) { exact.search(queryVectors[$0], k: k, filter: .none).map(\.index.rawValue) }
        log(String(format: "ground truth (exact top-%d, all cores) in %.1f s%@", k, elapsed(t), loaded?.truth == nil ? "" : " (read from --vectors-in)"))
        let exactSample = min(queries, max(50, min(filterQueries, 2_000_000_000 / max(1, items * vectors.columns))))
        let exactQPS: Double
        if sweepOnly, let stored = loaded?.exactQueriesPerSecond {
            exactQPS = stored
            report["exact_scan"] = ["queries_per_second": exactQPS, "from": "meta.json", "recall_at_10": 1.0, "speedup_over_exact": 1.0]
        } else {
            t = DispatchTime.now()
            for q in 0..<exactSample { _ = exact.search(queryVectors[q], k: k, filter: .none) }
            exactQPS = Double(exactSample) / elapsed(t)
            report["exact_scan"] = ["queries_per_second": exactQPS, "queries_timed": exactSample, "recall_at_10": 1.0, "speedup_over_exact": 1.0]
        }
        log(String(format: "exact scan: %.1f queries/s (one thread)", exactQPS))
        report["load_average_before"] = loadAverage()

        if let vectorsOut { try writeVectors(folder: vectorsOut, vectors: vectors, queries: queryVectors, truth: truth, exactQPS: exactQPS, log: log) }

        // Build.
        let parameters = HNSWParameters(m: m, efConstruction: efConstruction, seed: seed, innerProduct: innerProduct, threads: threads, keepPrunedLinks: keepPrunedLinks)
        let before = residentMegabytes()
        t = DispatchTime.now()
        let index: HNSWIndex
        if let loadIndex {
            index = try HNSWIndex.load(from: URL(fileURLWithPath: loadIndex)).index
            guard index.itemCount == items, index.dimension == vectors.columns else {
                throw BenchmarkError("\(loadIndex): the index holds \(index.itemCount) × \(index.dimension) vectors, the data \(items) × \(vectors.columns)")
            }
        } else {
            index = HNSWIndex.build(store: store, parameters: parameters)
        }
        let buildSeconds = elapsed(t)
        let threadCount = threads ?? Parallelism.availableCores
        report[loadIndex == nil ? "build" : "loaded_index"] = ["seconds": buildSeconds, "load_average_after": loadAverage(), "inner_product": innerProduct.rawValue, "keep_pruned_links": keepPrunedLinks, "threads": threadCount, "m": m, "ef_construction": efConstruction,
                           "graph_megabytes": Double(index.graphBytes) / 1e6, "vector_megabytes": Double(index.vectorBytes) / 1e6,
                           "rss_increase_megabytes": residentMegabytes() - before, "max_level": index.maxLevel]
        log(String(format: "%@: %.1f s on %d threads (M %d, efConstruction %d); graph %.1f MB + vectors %.1f MB",
                   loadIndex == nil ? "build" : "load", buildSeconds, threadCount, index.parameters.m, index.parameters.efConstruction, Double(index.graphBytes) / 1e6, Double(index.vectorBytes) / 1e6))

        // Sweep ef.
        let efValues = efs.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 > 0 }
        var rows: [[String: Any]] = []
        let scratch = index.makeScratch()
        var chosenEf = efValues.last ?? 64
        for ef in efValues {
            var hits = 0
            t = DispatchTime.now()
            for q in 0..<queries {
                let found = index.search(queryVectors[q], k: k, ef: ef, filter: .none, scratch: scratch)
                for r in found where truth[q].contains(r.index.rawValue) { hits += 1 }
            }
            let seconds = elapsed(t)
            let recall = Double(hits) / Double(queries * k), qps = Double(queries) / seconds
            rows.append(["name": "hnsw-swift ef=\(ef)", "ef": ef, "recall_at_10": recall, "queries_per_second": qps,
                         "speedup_over_exact": qps / exactQPS])
            log(String(format: "hnsw ef %4d: recall@10 %.4f, %9.1f queries/s, %6.1f× exact", ef, recall, qps, qps / exactQPS))
            if recall >= 0.95 && chosenEf == efValues.last { chosenEf = ef }
        }
        report["hnsw"] = rows
        report["ef_at_recall_0_95"] = chosenEf
        report["load_average_after_sweep"] = loadAverage()
        if sweepOnly {
            try writeReport(report, log: log)
            return
        }

        // The other inner-product handling, for the documentation of the choice.
        if compareInnerProduct {
            var native = parameters
            native.innerProduct = innerProduct == .native ? .normAugmentation : .native
            let other = native.innerProduct.rawValue
            t = DispatchTime.now()
            let nativeIndex = HNSWIndex.build(store: store, parameters: native)
            let nativeBuild = elapsed(t)
            var nativeRows: [[String: Any]] = []
            let nativeScratch = nativeIndex.makeScratch()
            for ef in efValues {
                var hits = 0
                t = DispatchTime.now()
                for q in 0..<queries {
                    for r in nativeIndex.search(queryVectors[q], k: k, ef: ef, filter: .none, scratch: nativeScratch) where truth[q].contains(r.index.rawValue) { hits += 1 }
                }
                let seconds = elapsed(t)
                let recall = Double(hits) / Double(queries * k), qps = Double(queries) / seconds
                nativeRows.append(["name": "hnsw-swift-\(other) ef=\(ef)", "ef": ef, "recall_at_10": recall, "queries_per_second": qps,
                                   "speedup_over_exact": qps / exactQPS])
                log(String(format: "%@ ef %4d: recall@10 %.4f, %9.1f queries/s", other, ef, recall, qps))
            }
            report["hnsw_\(other)"] = ["build_seconds": nativeBuild, "rows": nativeRows]
        }

        // Filters, measured on a prefix of the queries at the chosen ef.
        if let filterEf { chosenEf = filterEf }
        let fq = min(filterQueries, queries)
        let filters = FilterCases(items: items, queries: fq, seed: seed, vectors: queryVectors, exact: exact, rated: fromModel?.rated)
        var filterRows: [[String: Any]] = []
        for (label, make) in [(fromModel == nil ? "exclude-rated-100" : "exclude-rated", filters.excludeRated)]
                + [50.0, 30, 20, 10, 5, 2, 1].map({ ("category-\(formatNumber($0))%", filters.category(percent: $0)) }) {
            let measured = measureFiltered(index: index, exact: exact, queries: queryVectors, count: fq, ef: chosenEf, k: k,
                                           filter: make, fallback: index.exactFallbackFraction)
            var row = measured
            row["name"] = "hnsw-swift \(label) ef=\(chosenEf)"
            row["speedup_over_exact"] = (measured["queries_per_second"] as? Double ?? 0) / exactQPS
            filterRows.append(row)
            log(String(format: "filter %@: recall@10 %.4f, %.1f queries/s, always k: %@", label,
                       measured["recall_at_10"] as? Double ?? 0, measured["queries_per_second"] as? Double ?? 0,
                       (measured["always_k"] as? Bool ?? false) ? "yes" : "no"))
        }
        report["filters"] = filterRows

        // Crossover: graph search versus the exact scan of the qualifying items, by selectivity.
        var crossover: [[String: Any]] = []
        let crossQueries = min(fq, 500)
        for percent in skipCrossover ? [] : [50.0, 20.0, 10.0, 5.0, 2.0, 1.0, 0.5] {
            let make = filters.category(percent: percent)
            let graph = measureFiltered(index: index, exact: exact, queries: queryVectors, count: crossQueries, ef: chosenEf, k: k, filter: make, fallback: 0)
            let scan = measureFiltered(index: index, exact: exact, queries: queryVectors, count: crossQueries, ef: chosenEf, k: k, filter: make, fallback: 2)
            crossover.append(["percent_kept": percent, "graph_queries_per_second": graph["queries_per_second"] ?? 0,
                              "graph_recall_at_10": graph["recall_at_10"] ?? 0, "scan_queries_per_second": scan["queries_per_second"] ?? 0])
            log(String(format: "crossover %5.1f%% kept: graph %.1f q/s (recall %.4f), exact scan of the kept items %.1f q/s", percent,
                       graph["queries_per_second"] as? Double ?? 0, graph["recall_at_10"] as? Double ?? 0, scan["queries_per_second"] as? Double ?? 0))
        }
        index.exactFallbackFraction = HNSWIndex.defaultExactFallbackFraction
        report["filter_crossover"] = crossover

        // Save, then load by memory-mapping.
        let folder = indexPath.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("bench-ann-\(ProcessInfo.processInfo.processIdentifier)")
        let file = folder.appendingPathComponent("bench.hnsw")
        t = DispatchTime.now()
        try index.write(to: file)
        let writeSeconds = elapsed(t)
        let fileBytes = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
        t = DispatchTime.now()
        let (mapped, _) = try HNSWIndex.load(from: file)
        let loadSeconds = elapsed(t)
        t = DispatchTime.now()
        let (unverified, _) = try HNSWIndex.load(from: file, verifyChecksum: false)
        let loadUnverified = elapsed(t)
        let same = (0..<min(queries, 100)).allSatisfy {
            mapped.search(queryVectors[$0], k: k, ef: chosenEf) == index.search(queryVectors[$0], k: k, ef: chosenEf)
        } && unverified.itemCount == items
        report["file"] = ["bytes": fileBytes, "write_seconds": writeSeconds, "load_seconds": loadSeconds,
                          "load_seconds_without_checksum": loadUnverified, "same_results_after_load": same]
        log(String(format: "index file %.1f MB: write %.2f s, load (mmap + checksum + link check) %.3f s, without checksum %.3f s; same results: %@",
                   Double(fileBytes) / 1e6, writeSeconds, loadSeconds, loadUnverified, same ? "yes" : "NO"))
        if indexPath == nil { try? FileManager.default.removeItem(at: folder) }
        report["peak_rss_megabytes"] = PeakMemory.megabytes()
        report["load_average_after"] = loadAverage()
        try writeReport(report, log: log)
    }

    func writeReport(_ report: [String: Any], log: (String) -> Void) throws {
        guard let json else { return }
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: json))
        log("wrote \(json)")
    }

    /// The 1-, 5- and 15-minute load averages (/proc/loadavg): the machine is shared, so each figure carries its load.
    func loadAverage() -> [Double] {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return [] }
        return text.split(separator: " ").prefix(3).compactMap { Double($0) }
    }

    func elapsed(_ start: DispatchTime) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }

    func residentMegabytes() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = text.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return 0 }
        return pages * 4096 / 1e6
    }

    func machineDescription() -> String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        return "\(cpu), \(Parallelism.availableCores) cores"
    }

    func parallelMap<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
        var out = [T?](repeating: nil, count: count)
        out.withUnsafeMutableBufferPointer { buffer in
            let box = UnsafeSendableBox(buffer)
            ComputePool.forEachChunk(count: count, chunks: Parallelism.availableCores) { _, range in
                for i in range { box.value[i] = body(i) }
            }
        }
        return out.map { $0! }
    }

    /// Recall@10 against the exact filtered top-10, queries/s (one thread) and whether every query got k.
    func measureFiltered(index: HNSWIndex, exact: ExactScan, queries: [[Float]], count: Int, ef: Int, k: Int,
                         filter: (Int) -> RetrievalFilter, fallback: Double) -> [String: Any] {
        let filters = (0..<count).map(filter)
        let truth = parallelMap(count) { exact.search(queries[$0], k: k, filter: filters[$0]).map(\.index) }
        index.exactFallbackFraction = fallback
        let scratch = index.makeScratch()
        var hits = 0, total = 0, alwaysK = true, admitted = true
        let t = DispatchTime.now()
        var results: [[ScoredIndex]] = []
        results.reserveCapacity(count)
        for q in 0..<count { results.append(index.search(queries[q], k: k, ef: ef, filter: filters[q], scratch: scratch)) }
        let seconds = elapsed(t)
        for q in 0..<count {
            let found = results[q]
            if found.count != truth[q].count { alwaysK = false }
            for r in found {
                if truth[q].contains(r.index) { hits += 1 }
            }
            if q < 200 { admitted = admitted && found.allSatisfy { filters[q].admits($0.index) } }
            total += truth[q].count
        }
        return ["recall_at_10": total == 0 ? 1.0 : Double(hits) / Double(total), "queries_per_second": Double(count) / seconds,
                "always_k": alwaysK, "only_admitted_items": admitted, "queries": count, "ef": ef]
    }

    func writeVectors(folder: String, vectors: Matrix, queries: [[Float]], truth: [[Int32]], exactQPS: Double, log: (String) -> Void) throws {
        let url = URL(fileURLWithPath: folder)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try vectors.storage.withUnsafeBytes { try Data($0).write(to: url.appendingPathComponent("items.f32")) }
        try queries.flatMap { $0 }.withUnsafeBytes { try Data($0).write(to: url.appendingPathComponent("queries.f32")) }
        try truth.flatMap { $0 + [Int32](repeating: -1, count: max(0, 10 - $0.count)) }
            .withUnsafeBytes { try Data($0).write(to: url.appendingPathComponent("truth.i32")) }
        let meta: [String: Any] = ["items": vectors.rows, "queries": queries.count, "dimension": vectors.columns, "k": 10,
                                   "exact_queries_per_second": exactQPS, "m": m, "ef_construction": efConstruction]
        try JSONSerialization.data(withJSONObject: meta, options: [.prettyPrinted, .sortedKeys]).write(to: url.appendingPathComponent("meta.json"))
        log("wrote vectors for scripts/bench-ann.py into \(folder)")
    }
}

/// A fitted model's item vectors, the user vectors of `queries` users drawn with `seed` (among
/// those with training items) and those users' training items.
struct ModelVectors {
    let stored: StoredVectors
    let rated: [[ItemIndex]]
    let userCount: Int
    let meanRated: Double

    init(path: String, queries: Int, seed: UInt64) throws {
        let url = try ModelFile.url(at: path)
        let loaded = try AlgorithmCatalog.standard.loadModel(from: url)
        guard let scorer = loaded as? any InnerProductScorer else {
            throw BenchmarkError("\(path): a '\(type(of: loaded).kind)' model does not score by inner products of user and item vectors")
        }
        let metadata = loaded.metadata
        let seen = metadata.seen
        var g = SeededGenerator(seed: seed ^ 0x0DE1)
        let candidates = g.permutation(seen.rowCount).filter { seen.count(ofRow: $0) > 0 }
        let users = Array(candidates.prefix(queries))
        guard !users.isEmpty else { throw BenchmarkError("\(path): the model has no user with training items") }
        func vectors(_ m: some InnerProductScorer) -> (Matrix, [[Float]]) {
            (m.itemEmbeddings, users.map { m.queryVector(forUser: UserIndex($0)) })
        }
        let (items, queryVectors) = vectors(scorer)
        rated = users.map { seen.columns[seen.range(ofRow: $0)].map(ItemIndex.init) }
        userCount = seen.rowCount
        meanRated = Double(rated.map(\.count).reduce(0, +)) / Double(rated.count)
        stored = StoredVectors(folder: path, items: items, queries: queryVectors, truth: nil)
    }
}

/// Vectors written by `bench ann --vectors-out`: items.f32 and queries.f32 (row-major Float32),
/// truth.i32 (10 indices per query, −1 padded) and meta.json (shape, the exact scan's speed).
struct StoredVectors {
    let folder: String
    let items: Matrix
    let queries: [[Float]]
    let truth: [[Int32]]?
    let exactQueriesPerSecond: Double?

    init(folder: String, items: Matrix, queries: [[Float]], truth: [[Int32]]?) {
        self.folder = folder
        self.items = items
        self.queries = queries
        self.truth = truth
        exactQueriesPerSecond = nil
    }

    init(folder: String) throws {
        let url = URL(fileURLWithPath: folder)
        func read(_ name: String) throws -> Data {
            do { return try Data(contentsOf: url.appendingPathComponent(name), options: .alwaysMapped) } catch {
                throw BenchmarkError("\(folder)/\(name): cannot read (\(error.localizedDescription)); write the folder with bench ann --vectors-out")
            }
        }
        guard let meta = try JSONSerialization.jsonObject(with: try read("meta.json")) as? [String: Any],
              let n = meta["items"] as? Int, let nq = meta["queries"] as? Int, let d = meta["dimension"] as? Int,
              let k = meta["k"] as? Int, n > 0, nq > 0, d > 0, k == 10 else {
            throw BenchmarkError("\(folder)/meta.json: needs items, queries, dimension and k = 10")
        }
        let itemData = try read("items.f32"), queryData = try read("queries.f32"), truthData = try read("truth.i32")
        guard itemData.count == n * d * 4, queryData.count == nq * d * 4, truthData.count == nq * k * 4 else {
            throw BenchmarkError("\(folder): file sizes do not match meta.json (\(n) items, \(nq) queries, \(d) dimensions)")
        }
        let itemValues = itemData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let queryValues = queryData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let truthValues = truthData.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
        self.folder = folder
        items = Matrix(rows: n, columns: d, storage: itemValues)
        queries = (0..<nq).map { Array(queryValues[($0 * d)..<(($0 + 1) * d)]) }
        truth = (0..<nq).map { q in truthValues[(q * k)..<((q + 1) * k)].filter { $0 >= 0 } }
        exactQueriesPerSecond = meta["exact_queries_per_second"] as? Double
    }
}

/// Item and query vectors shaped like a factor model of a power-law interaction matrix.
///
/// Items get popularity counts from a Zipf law (exponent 1, as ``SyntheticInteractions``), in a
/// seeded random order. Each item vector is a topic direction (one of 256 Gaussian centroids,
/// popular topics drawn more often) plus Gaussian noise, normalised, then scaled to
/// `(1 + count)^0.35 × LogNormal(0, 0.25)`: in iALS/BPR/MF factor models an item's norm grows
/// roughly as a small power of its number of interactions, so a few popular items have long
/// vectors and the long tail short ones — the property that makes inner-product search differ
/// from cosine search. Query (user) vectors mix two topics plus noise, with log-normal norms.
struct ItemVectorGenerator {
    let items: Matrix
    let queries: [[Float]]

    init(items n: Int, queries nq: Int, dimension d: Int, seed: UInt64) {
        var g = SeededGenerator(seed: seed)
        let topics = 256
        let centroids = (0..<topics).map { _ in (0..<d).map { _ in g.nextNormal() } }
        // Topic popularity: Zipf over topics, cumulative for sampling.
        var cumulative = [Double](repeating: 0, count: topics)
        var acc = 0.0
        for t in 0..<topics { acc += 1 / Double(t + 1); cumulative[t] = acc }
        func topic(_ g: inout SeededGenerator) -> Int {
            let x = g.nextUnitDouble() * acc
            var lo = 0, hi = topics - 1
            while lo < hi { let mid = (lo + hi) / 2; if cumulative[mid] < x { lo = mid + 1 } else { hi = mid } }
            return lo
        }
        let totalInteractions = Double(n) * 25
        let harmonic = log(Double(n)) + 0.5772
        let rankOf = g.permutation(n)
        var storage = [Float](repeating: 0, count: n * d)
        var row = [Float](repeating: 0, count: d)
        for i in 0..<n {
            let count = totalInteractions / (Double(rankOf[i] + 1) * harmonic)
            let c = centroids[topic(&g)]
            var norm: Float = 0
            for j in 0..<d { row[j] = c[j] + 0.8 * g.nextNormal(); norm += row[j] * row[j] }
            let length = Float(pow(1 + count, 0.35)) * exp(0.25 * g.nextNormal())
            let scale = norm > 0 ? length / norm.squareRoot() : 0
            for j in 0..<d { storage[i * d + j] = row[j] * scale }
        }
        items = Matrix(rows: n, columns: d, storage: storage)
        var queries: [[Float]] = []
        queries.reserveCapacity(nq)
        for _ in 0..<nq {
            let a = centroids[topic(&g)], b = centroids[topic(&g)]
            var q = (0..<d).map { a[$0] * 0.7 + b[$0] * 0.3 + 0.8 * g.nextNormal() }
            let norm = q.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let length = exp(0.3 * g.nextNormal())
            if norm > 0 { q = q.map { $0 * length / norm } }
            queries.append(q)
        }
        self.queries = queries
    }
}

/// The filters of the benchmark, per query.
struct FilterCases {
    let items: Int
    let excludedSets: [[ItemIndex]]
    let categoryOf: [UInt16]

    init(items: Int, queries: Int, seed: UInt64, vectors: [[Float]], exact: ExactScan, rated: [[ItemIndex]]? = nil) {
        self.items = items
        var g = SeededGenerator(seed: seed ^ 0xF117E5)
        if let rated {
            // The users' own training items (a model's queries).
            excludedSets = Array(rated.prefix(queries))
            categoryOf = (0..<items).map { _ in UInt16(g.nextInt(below: 10_000)) }
            return
        }
        // A user's ~100 rated items: half among the query's own exact top 200 (users rate what they like),
        // half drawn by popularity (Zipf over a random permutation).
        var sets: [[ItemIndex]] = []
        for q in 0..<queries {
            let top = exact.search(vectors[q], k: 200, filter: .none).map(\.index)
            var chosen = Set<ItemIndex>()
            while chosen.count < min(50, top.count) { chosen.insert(top[g.nextInt(below: top.count)]) }
            while chosen.count < min(100, items) {
                let r = Int(Double(items) * pow(g.nextUnitDouble(), 3))
                chosen.insert(ItemIndex(min(items - 1, r)))
            }
            sets.append(Array(chosen).sorted())
        }
        excludedSets = sets
        // Categories independent of the geometry (the harder case for a graph): 10,000 buckets.
        categoryOf = (0..<items).map { _ in UInt16(g.nextInt(below: 10_000)) }
    }

    var excludeRated: (Int) -> RetrievalFilter { { RetrievalFilter(excluded: excludedSets[$0]) } }

    /// Keeps `percent` % of the items (a fixed bucket range, the same for every query).
    func category(percent: Double) -> (Int) -> RetrievalFilter {
        let buckets = UInt16(max(1, min(10_000, Int(percent * 100))))
        let allowed = ItemBitset(capacity: items) { categoryOf[Int($0)] < buckets }
        return { _ in RetrievalFilter(allowed: allowed) }
    }
}

/// A percentage as the filter labels show it: "50", "0.5".
private func formatNumber(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
}
