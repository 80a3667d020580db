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
        precondition(retriever.itemCount == metadata.itemIDs.count, "the retriever does not index this model's items")
        let filter = RetrievalFilter(options: options, metadata: metadata, user: user)
        return retriever.search(model.queryVector(forUser: user), k: options.count, filter: filter)
            .map { describe($0.index, score: $0.score, metadata: metadata) }
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
