import Foundation

/// A model whose score for a known user is an inner product with the item embeddings:
/// `scores(forUser: u)[i] == queryVector(forUser: u) · itemEmbeddings.row(i)`. Such a model can
/// answer recommendations through any ``CandidateRetriever`` (an ``HNSWIndex`` for large catalogues).
public protocol InnerProductScorer: ItemScorer, ItemEmbeddingModel {
    /// The query vector of `user` (length `itemEmbeddings.columns`).
    func queryVector(forUser user: UserIndex) -> [Float]
}

extension MatrixFactorizationModel: InnerProductScorer {
    /// The user embedding Uᵤ (scores are Uᵤ·Vⱼ).
    public func queryVector(forUser user: UserIndex) -> [Float] { userEmbeddings.row(Int(user)) }
}

extension ImplicitALSModel: InnerProductScorer {
    /// The user factors x_u (scores are x_uᵀ y_i).
    public func queryVector(forUser user: UserIndex) -> [Float] { userFactors.row(Int(user)) }
}

extension Recommendations {
    /// Top-k items for a known user through `retriever` (built over `model.itemEmbeddings` with
    /// ``RetrievalMetric/dot``), with the same exclusions and include filter as
    /// ``forUser(_:scorer:metadata:options:)``, applied inside the search.
    /// - Precondition: `user` is a valid index of `metadata`; the retriever indexes the model's items.
    public static func forUser(_ user: UserIndex, model: some InnerProductScorer, retriever: some CandidateRetriever,
                               metadata: ModelMetadata, options: RecommendationOptions = RecommendationOptions()) -> [RecommendedItem] {
        rankIndices(forUser: user, model: model, retriever: retriever, metadata: metadata, options: options)
            .map { describe($0.index, score: $0.score, metadata: metadata) }
    }

    /// What ``forUser(_:model:retriever:metadata:options:)`` selects, as bare indices and scores.
    /// - Precondition: `user` is a valid index of `metadata`; the retriever indexes the model's items.
    public static func rankIndices(forUser user: UserIndex, model: some InnerProductScorer, retriever: some CandidateRetriever,
                                   metadata: ModelMetadata, options: RecommendationOptions = RecommendationOptions()) -> [ScoredIndex] {
        precondition(retriever.itemCount == metadata.itemIDs.count, "the retriever does not index this model's items")
        let filter = RetrievalFilter(options: options, metadata: metadata, user: user)
        return retriever.search(model.queryVector(forUser: user), k: options.count, filter: filter)
    }

    /// The items most similar to `item` through `retriever` (its metric is the similarity), as
    /// ``similarItems(to:model:metadata:measure:options:)`` computes them by a full scan.
    /// - Precondition: the retriever indexes `model.itemEmbeddings`.
    public static func similarItems(to item: ItemIndex, model: some ItemEmbeddingModel, retriever: some CandidateRetriever,
                                    metadata: ModelMetadata, options: RecommendationOptions = RecommendationOptions(count: 6)) -> [RecommendedItem] {
        precondition(retriever.itemCount == metadata.itemIDs.count, "the retriever does not index this model's items")
        let filter = RetrievalFilter(options: options, metadata: metadata, user: nil)
        return retriever.search(model.itemEmbeddings.row(Int(item)), k: options.count, filter: filter)
            .map { describe($0.index, score: $0.score, metadata: metadata) }
    }
}

extension HNSWIndex {
    /// Builds the index of a model's item embeddings and writes it beside the model file
    /// (``HNSWIndexFile/url(besideModel:)``), with the embeddings' fingerprint.
    /// - Parameters:
    ///   - model: the model.
    ///   - modelURL: the model file.
    ///   - metric: the similarity the index answers (dot for recommendations).
    ///   - parameters: the build parameters.
    /// - Returns: the index and where it was written.
    /// - Throws: ``IndexFileError/ioFailed(path:reason:)``.
    @discardableResult
    public static func buildBeside(model: some ItemEmbeddingModel, modelURL: URL, metric: RetrievalMetric = .dot,
                                   parameters: HNSWParameters = .default) throws -> (index: HNSWIndex, url: URL) {
        let vectors = model.itemEmbeddings
        let index = build(vectors: vectors, metric: metric, parameters: parameters)
        let url = HNSWIndexFile.url(besideModel: modelURL)
        try index.write(to: url, sourceFingerprint: fingerprint(of: vectors))
        return (index, url)
    }

    /// What ``buildBesideChoosingGraph(model:modelURL:parameters:probeUsers:)`` measured.
    public struct GraphChoice: Sendable, Equatable {
        /// The users whose query vectors probed the recall.
        public var probeQueries: Int
        /// The ef of the probe (the index's default ef, what serving uses).
        public var ef: Int
        /// Recall@10 of the native inner-product graph against the exact scan.
        public var nativeRecall: Double
        /// Recall@10 of the direction graph, when it was built (the native one was under 0.95).
        public var angularRecall: Double?
        /// The graph written.
        public var chosen: InnerProductHandling
    }

    /// Builds the inner-product index of a model's item embeddings, choosing the graph from the
    /// model's own users, and writes it beside the model file.
    ///
    /// The native graph (hnswlib's rule) is built first and its recall@10 at the default ef is
    /// measured against the exact scan for `probeUsers` users' query vectors (drawn with the
    /// parameters' seed). Under 0.95, the direction graph (``InnerProductHandling/angularGraph``)
    /// is built and probed too, and the graph with the higher recall is written. On real factor
    /// models whose few long item vectors leave most items without an in-link (the ML-25M-shaped
    /// iALS model: native 0.94 at ef 64) this picks the direction graph; where the native graph
    /// does well it costs one probe. A model that is not an ``InnerProductScorer`` gets the
    /// native graph without a probe.
    /// - Parameters:
    ///   - parameters: the build parameters; their `innerProduct` is ignored (chosen here).
    ///   - probeUsers: how many users probe (at most the model's users).
    /// - Returns: the index, where it was written, and the probe (nil without one).
    /// - Throws: ``IndexFileError/ioFailed(path:reason:)``.
    @discardableResult
    public static func buildBesideChoosingGraph(model: some ItemEmbeddingModel, modelURL: URL, parameters: HNSWParameters = .default,
                                                probeUsers: Int = 200) throws -> (index: HNSWIndex, url: URL, choice: GraphChoice?) {
        let vectors = model.itemEmbeddings
        var native = parameters
        native.innerProduct = .native
        var index = build(vectors: vectors, metric: .dot, parameters: native)
        var choice: GraphChoice? = nil
        if let scorer = model as? any InnerProductScorer, let users = (model as? any PersistableModel)?.metadata.userIDs.count,
           users > 0, vectors.rows > 0 {
            var generator = SeededGenerator(seed: parameters.seed)
            let count = min(max(1, probeUsers), users)
            let queries = (0..<count).map { _ in scorer.queryVector(forUser: UserIndex(generator.nextInt(below: users))) }
            let exact = ExactScan(vectors: vectors, metric: .dot)
            let truth = queries.map { exact.search($0, k: 10, filter: .none).map(\.index) }
            func recall(_ candidate: HNSWIndex) -> Double {
                var hits = 0, total = 0
                for (q, t) in zip(queries, truth) {
                    let found = Set(candidate.search(q, k: 10, ef: nil).map(\.index))
                    hits += t.filter { found.contains($0) }.count
                    total += t.count
                }
                return total == 0 ? 1 : Double(hits) / Double(total)
            }
            let nativeRecall = recall(index)
            choice = GraphChoice(probeQueries: count, ef: index.defaultEf, nativeRecall: nativeRecall, angularRecall: nil, chosen: .native)
            if nativeRecall < 0.95 {
                var angular = parameters
                angular.innerProduct = .angularGraph
                let other = build(vectors: vectors, metric: .dot, parameters: angular)
                let angularRecall = recall(other)
                choice?.angularRecall = angularRecall
                if angularRecall > nativeRecall { index = other; choice?.chosen = .angularGraph }
            }
        }
        let url = HNSWIndexFile.url(besideModel: modelURL)
        try index.write(to: url, sourceFingerprint: fingerprint(of: vectors))
        return (index, url, choice)
    }

    /// The index beside a model file, memory-mapped, or `nil` when there is none.
    /// - Parameters:
    ///   - modelURL: the model file.
    ///   - vectors: the model's item embeddings, checked against the fingerprint in the index.
    /// - Returns: the index, or `nil` when no index file exists.
    /// - Throws: ``IndexFileError`` for a corrupt index or one built from other vectors.
    public static func loadBeside(modelURL: URL, vectors: Matrix) throws -> HNSWIndex? {
        let url = HNSWIndexFile.url(besideModel: modelURL)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let (index, stored) = try load(from: url)
        guard index.itemCount == vectors.rows, index.dimension == vectors.columns else {
            throw IndexFileError.mismatch(path: url.path, reason: "index of \(index.itemCount) × \(index.dimension) vectors, model has \(vectors.rows) × \(vectors.columns)")
        }
        guard stored == fingerprint(of: vectors) else {
            throw IndexFileError.mismatch(path: url.path, reason: "the model's item embeddings changed since the index was built")
        }
        return index
    }
}
