extension TopNRecommender {
    /// The top items of many known users with their scores, best first, through the serving
    /// call's ranking (``Recommendations/rankIndices(scores:metadata:user:options:)``, which
    /// ``Recommendations/forUser(_:scorer:metadata:options:)`` uses): the same exclusions
    /// (`options.excludeRated`, `options.excluded`) and include filter, in parallel over users.
    /// - Parameters:
    ///   - model: the scorer.
    ///   - metadata: the model's metadata (seen items, catalog for the filter).
    ///   - users: dense user indices of the model.
    ///   - options: list length, exclusions and filter, as for one user.
    ///   - threads: 1 is the single-thread mode (results are identical).
    /// - Returns: one list per user, in the order of `users`.
    /// - Complexity: O(|users| · (cost of one scoring + M log k)).
    public static func recommendScored(_ model: some ItemScorer, metadata: ModelMetadata, users: [UserIndex],
                                       options: RecommendationOptions, threads: Int = Parallelism.availableCores) -> [[ScoredIndex]] {
        let out = SharedSlots<[ScoredIndex]>(count: users.count, initial: [])
        // Chunks of 16 users handed out dynamically: per-user costs differ (seen items, filters).
        ComputePool.forEachChunk(count: users.count, chunkSize: 16, threads: threads, setup: {}) { _, range in
            for position in range {
                let user = users[position]
                out.set(position, Recommendations.rankIndices(scores: model.scores(forUser: user), metadata: metadata, user: user, options: options))
            }
        }
        return out.values
    }
}
