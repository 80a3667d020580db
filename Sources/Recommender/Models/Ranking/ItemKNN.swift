/// Item-based k-nearest-neighbour top-N recommendation (`item-knn` in the catalog; Sarwar et
/// al. 2001; Deshpande & Karypis 2004), what Create ML's `MLRecommender` offers.
///
/// With `X` the implicit matrix (see ``ImplicitFeedback``), `c_ij = Σ_u X[u][i] X[u][j]`,
/// `n_i = Σ_u X[u][i]²` and `|i|` the number of positives of item `i`:
/// - cosine: `s_ij = c_ij / (√n_i · √n_j + shrink)`;
/// - Jaccard: `s_ij = c_ij / (|i| + |j| − c_ij)` on binary counts;
/// - conditional probability: `s_ij = c_ij / (|i| · |j|^α)` (Deshpande & Karypis' `P(j | i)`
///   with popularity damping `α`).
///
/// Only the `neighbours` most similar items `j ≠ i` of each item `i` are kept. Prediction rule:
/// `score(u, j) = Σ_{i ∈ I(u)} X[u][i] · s_ij` over the items `i` of the user whose kept
/// neighbours include `j`. The contribution of `i` to `j` is the explanation "because you liked i".
///
/// Hyper-parameters (defaults in ``Configuration``): `similarity` (cosine), `neighbours` (400),
/// `shrink` (10), `alpha` (0.5, conditional probability only), `threshold` and `weighting`
/// (every rating a binary positive). The fit uses ``FitContext/threads`` when set; the result
/// does not depend on it.
public struct ItemKNN: Trainer {
    /// The item–item similarity.
    public enum Similarity: String, CaseIterable, Sendable {
        case cosine, jaccard
        case conditionalProbability = "conditional-probability"
    }

    /// Options of item-kNN.
    public struct Configuration: Sendable, Equatable {
        /// The similarity measure. Default: cosine.
        public var similarity: Similarity
        /// Neighbours kept per item. Default 400 (tuned on ML-100K, 75/25 per-user split:
        /// NDCG@10 0.383 with 50, 0.387 with 200, 0.396 with 400, no gain beyond; fewer
        /// neighbours make the model smaller and faster to serve).
        public var neighbours: Int
        /// Added to the cosine denominator; damps similarities supported by few users. Default 10.
        public var shrink: Float
        /// Popularity damping `α` of the conditional probability. Default 0.5.
        public var alpha: Float
        /// How ratings become positives.
        public var feedback: ImplicitFeedback
        /// Threads for the fit; 1 gives the deterministic single-thread mode (results are
        /// identical either way).
        public var threads: Int

        /// Creates a configuration.
        public init(similarity: Similarity = .cosine, neighbours: Int = 400, shrink: Float = 10, alpha: Float = 0.5,
                    feedback: ImplicitFeedback = .default, threads: Int = Parallelism.availableCores) {
            self.similarity = similarity
            self.neighbours = neighbours
            self.shrink = shrink
            self.alpha = alpha
            self.feedback = feedback
            self.threads = threads
        }

        /// Cosine, 400 neighbours, shrink 10, all ratings positive.
        public static let `default` = Configuration()
    }

    /// The options used to fit.
    public var configuration: Configuration
    /// Creates an unfitted description of the model.
    public init(_ configuration: Configuration = .default) { self.configuration = configuration }

    public var name: String { "item-knn" }
    public var summary: String { "item-based k-nearest neighbours: cosine, Jaccard or conditional probability (Sarwar et al. 2001; Deshpande & Karypis 2004)" }
    public var task: AlgorithmTask { .ranking }
    public var parameters: [HyperparameterSpec] {
        let c = configuration
        return [
            .choice("similarity", Similarity.self, default: c.similarity, help: "the item–item similarity"),
            .integer("neighbours", 1...1_000_000, default: c.neighbours, help: "most similar items kept per item", symbol: "k",
                     aliases: ["neighbors"]),
            .real("shrink", 0...1_000_000, default: Double(c.shrink), help: "added to the cosine denominator; damps similarities supported by few users"),
            .real("alpha", 0...10, default: Double(c.alpha), help: "popularity damping of the conditional-probability similarity", symbol: "α"),
        ] + c.feedback.parameters()
    }

    public func configured(_ r: HyperparameterReader) throws -> Configuration {
        var c = configuration
        c.similarity = r.choice("similarity")!
        c.neighbours = r.integer("neighbours")!
        c.shrink = r.float("shrink")!
        c.alpha = r.float("alpha")!
        c.feedback = c.feedback.configured(r)
        return c
    }

    /// Computes the similarities and keeps the top neighbours of every item.
    /// - Parameters:
    ///   - data: the data set and the interactions to learn from.
    ///   - context: ``FitContext/threads`` (when set) bounds the threads; seed and validation
    ///     are not used.
    /// - Returns: the model, with `data`'s ids and catalog.
    /// - Throws: ``TrainingError/emptyTraining`` when there is no positive;
    ///   ``TrainingError/invalidInput(_:)`` for a configuration out of bounds.
    /// - Complexity: O(Σ_u |I(u)|² + items² ) time (sparse co-occurrence), O(items × neighbours) memory.
    public func fit(_ data: TrainingData, context: FitContext) throws -> ItemKNNModel {
        var c = configuration
        guard c.neighbours >= 1, c.shrink >= 0, c.shrink.isFinite, c.alpha >= 0, c.alpha.isFinite else {
            throw TrainingError.invalidInput("item-knn needs neighbours >= 1 and finite shrink, alpha >= 0")
        }
        try c.feedback.checkPositives(data.interactions)
        if let threads = context.threads { c.threads = threads }
        return ItemKNN(c).fit(data.interactions, metadata: data.metadata)
    }

    /// The similarity core, over interactions whose ids `metadata` gives (anonymous when `nil`:
    /// for tests of the arithmetic only).
    /// - Complexity: O(Σ_u |I(u)|² + items² ) time (sparse co-occurrence), O(items × neighbours) memory.
    package func fit(_ training: Interactions, metadata: ModelMetadata? = nil) -> ItemKNNModel {
        let c = configuration
        let x = c.feedback.matrix(training)
        let xt = x.transposed()
        let itemCount = x.columnCount
        var norms = [Float](repeating: 0, count: itemCount), counts = [Float](repeating: 0, count: itemCount)
        for e in 0..<x.nonZeroCount {
            let i = Int(x.columns[e])
            norms[i] += x.values[e] * x.values[e]
            counts[i] += 1
        }
        norms = norms.map { $0.squareRoot() }
        let k = max(0, min(c.neighbours, itemCount - 1))
        let output = SharedSlots<[ScoredIndex]>(count: itemCount, initial: [])
        let normsBox = UnsafeSendableBox(norms), countsBox = UnsafeSendableBox(counts)
        CoOccurrence.forEachRow(byUser: x, byItem: xt, threads: max(1, c.threads)) { i, row, touched in
            let norms = normsBox.value, counts = countsBox.value
            var selector = TopKSelector(k: k)
            for j32 in touched {
                let j = Int(j32)
                if j == i { continue }
                let cij = row[j]
                let s: Float
                switch c.similarity {
                case .cosine: s = cij / (norms[i] * norms[j] + c.shrink)
                case .jaccard:
                    // Co-occurrence counts of binary data; with rating weights use positive counts.
                    let both = c.feedback.weighting == .binary ? cij : min(cij, min(counts[i], counts[j]))
                    s = both / max(counts[i] + counts[j] - both, 1)
                case .conditionalProbability: s = cij / (counts[i] * _pow(counts[j], c.alpha))
                }
                if s > 0 { selector.offer(index: ItemIndex(j32), score: s) }
            }
            output.set(i, selector.sorted())
        }
        let (offsets, columns, values) = Self.csr(output.values)
        let neighbours = SparseMatrix(rowCount: itemCount, columnCount: itemCount, rowOffsets: offsets, columns: columns, values: values)
        return ItemKNNModel(neighbours: neighbours, similarity: c.similarity, feedback: c.feedback,
                            metadata: metadata ?? ModelMetadata(anonymous: training))
    }

    /// The kept neighbour lists as CSR arrays, each row sorted by item index.
    static func csr(_ rows: [[ScoredIndex]]) -> ([Int], [Int32], [Float]) {
        var offsets = [0], columns: [Int32] = [], values: [Float] = []
        for list in rows {
            for s in list.sorted(by: { $0.index < $1.index }) { columns.append(s.index.rawValue); values.append(s.score) }
            offsets.append(columns.count)
        }
        return (offsets, columns, values)
    }
}

/// A fitted ``ItemKNN`` model: the kept neighbours of every item.
public struct ItemKNNModel: ItemScorer, HistoryScorer, ExplainableScorer, PersistableModel {
    /// Row `i` holds the kept neighbours `j` of item `i` with their similarity `s_ij`.
    public let neighbours: SparseMatrix
    /// The similarity the neighbours were ranked by.
    public let similarity: ItemKNN.Similarity
    /// How ratings became positives.
    public let feedback: ImplicitFeedback
    /// Ids, catalog and seen items.
    public let metadata: ModelMetadata

    /// Creates a model from its parts.
    public init(neighbours: SparseMatrix, similarity: ItemKNN.Similarity, feedback: ImplicitFeedback, metadata: ModelMetadata) {
        self.neighbours = neighbours
        self.similarity = similarity
        self.feedback = feedback
        self.metadata = metadata
    }

    public static let kind = "item-knn"
    public var itemCount: Int { neighbours.rowCount }

    /// `score(u, j) = Σ_{i ∈ I(u)} X[u][i] · s_ij`, over the user's training history.
    public func scores(forUser user: UserIndex) -> [Float] {
        var out = [Float](repeating: 0, count: itemCount)
        out.withUnsafeMutableBufferPointer { o in
            neighbours.columns.withUnsafeBufferPointer { cols in
                neighbours.values.withUnsafeBufferPointer { vals in
                    feedback.forEachPositive(row: Int(user), of: metadata.seen) { i, w in
                        for e in neighbours.range(ofRow: Int(i)) { o[Int(cols[e])] += w * vals[e] }
                    }
                }
            }
        }
        return out
    }

    /// Fold-in: the same rule over an ad-hoc history (exact; nothing is learned per user).
    public func scores(forHistory history: [(item: ItemIndex, rating: Float)]) -> [Float] {
        var out = [Float](repeating: 0, count: itemCount)
        for (i, w) in feedback.positives(history, itemCount: itemCount) {
            for e in neighbours.range(ofRow: Int(i)) { out[Int(neighbours.columns[e])] += w * neighbours.values[e] }
        }
        return out
    }

    /// Contribution of history item `i` to `item`: `X[u][i] · s_{i,item}`.
    public func contributions(to item: ItemIndex, history: [(item: ItemIndex, rating: Float)]) -> [(item: ItemIndex, contribution: Float)] {
        feedback.positives(history, itemCount: itemCount).compactMap { (i, w) -> (item: ItemIndex, contribution: Float)? in
            guard let s = neighbours.value(row: Int(i), column: item.rawValue) else { return nil }
            return (i, w * s)
        }.sorted { $0.contribution > $1.contribution }
    }

    public func archive() -> ModelArchive {
        var a = ModelArchive(kind: Self.kind)
        a.store(metadata)
        feedback.store(in: &a)
        a.set("knn.similarity", .string(similarity.rawValue))
        a.set("knn.offsets", .int64s(neighbours.rowOffsets.map { Int64($0) }))
        a.set("knn.columns", .int32s(neighbours.columns))
        a.set("knn.values", .floats(neighbours.values))
        return a
    }

    public init(archive: ModelArchive, path: String) throws {
        let metadata = try archive.metadata(path: path)
        let n = metadata.itemIDs.count
        let offsets = try archive.int64s("knn.offsets", path: path).map { Int($0) }
        let columns = try archive.int32s("knn.columns", path: path)
        let values = try archive.floats("knn.values", count: columns.count, path: path)
        guard offsets.count == n + 1, offsets.first == 0, offsets.last == columns.count,
              zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }), columns.allSatisfy({ $0 >= 0 && Int($0) < n }) else {
            throw PersistenceError.badSection(path: path, name: "knn.offsets", reason: "inconsistent neighbour table")
        }
        let s = try archive.string("knn.similarity", path: path)
        guard let similarity = ItemKNN.Similarity(rawValue: s) else {
            throw PersistenceError.badSection(path: path, name: "knn.similarity", reason: "unknown similarity '\(s)'")
        }
        self.init(neighbours: SparseMatrix(rowCount: n, columnCount: n, rowOffsets: offsets, columns: columns, values: values),
                  similarity: similarity, feedback: try ImplicitFeedback(archive: archive, path: path), metadata: metadata)
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _pow(_ x: Float, _ y: Float) -> Float { Glibc.powf(x, y) }
#else
import Foundation
@inline(__always) func _pow(_ x: Float, _ y: Float) -> Float { Foundation.pow(x, y) }
#endif
