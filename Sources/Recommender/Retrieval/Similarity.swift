/// How two embeddings are compared (the notebook's `DOT` and `COSINE`).
public enum SimilarityMeasure: String, CaseIterable, Sendable {
    /// The dot product q·vⱼ: favours items with large embeddings (often the popular ones).
    case dot
    /// The cosine q·vⱼ/(‖q‖‖vⱼ‖): the angle only; a zero vector scores 0.
    case cosine
}

/// Scores of a query embedding against every row of an embedding table.
public enum EmbeddingSimilarity {
    /// The notebook's `compute_scores(query_embedding, item_embeddings, measure)`: the similarity of
    /// `query` to each row of `embeddings`.
    /// - Parameters:
    ///   - query: a vector of `embeddings.columns` values.
    ///   - embeddings: one row per item.
    ///   - measure: ``SimilarityMeasure/dot`` or ``SimilarityMeasure/cosine``.
    /// - Returns: one score per row.
    /// - Complexity: O(rows · columns).
    public static func scores(query: [Float], embeddings: Matrix, measure: SimilarityMeasure) -> [Float] {
        let d = embeddings.columns
        precondition(query.count == d, "query has \(query.count) values, embeddings have \(d) columns")
        var out = [Float](repeating: 0, count: embeddings.rows)
        var queryNorm: Float = 1
        if measure == .cosine {
            queryNorm = query.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if queryNorm == 0 { return out }
        }
        embeddings.storage.withUnsafeBufferPointer { e in
            query.withUnsafeBufferPointer { q in
                out.withUnsafeMutableBufferPointer { o in
                    for r in 0..<embeddings.rows {
                        let row = e.baseAddress! + r * d
                        var dot: Float = 0, norm: Float = 0
                        for k in 0..<d {
                            dot += q[k] * row[k]
                            norm += row[k] * row[k]
                        }
                        switch measure {
                        case .dot: o[r] = dot
                        case .cosine: o[r] = norm > 0 ? dot / (norm.squareRoot() * queryNorm) : 0
                        }
                    }
                }
            }
        }
        return out
    }
}
