/// The mean ranking metrics of a model over the users of a test set.
public struct RankingReport: Sendable, Equatable {
    /// The cut-off.
    public var k: Int
    /// The number of users evaluated (users with at least one relevant test item).
    public var userCount: Int
    /// Mean precision@k.
    public var precision: Double
    /// Mean recall@k.
    public var recall: Double
    /// Mean NDCG@k.
    public var ndcg: Double
    /// MAP@k.
    public var map: Double
    /// Mean hit rate@k.
    public var hitRate: Double
    /// MRR@k.
    public var mrr: Double
    /// Catalog coverage@k: the share of all items that appear in at least one user's top k.
    public var coverage: Double

    /// The metrics as `(name, value)` pairs named like `ndcg@10`, in a fixed order.
    public var named: [(name: String, value: Double)] {
        [("ndcg@\(k)", ndcg), ("precision@\(k)", precision), ("recall@\(k)", recall), ("map@\(k)", map),
         ("hit_rate@\(k)", hitRate), ("mrr@\(k)", mrr), ("coverage@\(k)", coverage)]
    }
}

/// Full-ranking evaluation of top-k recommendations (never sampled negatives).
///
/// For each user with at least one relevant test interaction, the recommender ranks **all**
/// items except those the user has in training (the caller's recommend function excludes
/// them), and the top `k` are scored with ``RankingMetrics``. A test interaction is relevant
/// when its rating passes `relevance` (all are relevant when it is `nil`).
public enum RankingEvaluation {
    /// Evaluates a recommend function.
    /// - Parameters:
    ///   - test: the held-out interactions.
    ///   - k: the cut-off.
    ///   - relevanceThreshold: ratings at or above it are relevant; `nil`: all.
    ///   - recommendations: the top-k lists of the users asked for (one per user, in order),
    ///     computed by the same recommend call used for serving.
    /// - Returns: the means over the evaluated users.
    public static func evaluate(test: Interactions, k: Int, relevanceThreshold: Float? = nil,
                                recommend: ([UserIndex]) -> [[ItemIndex]]) -> RankingReport {
        precondition(k > 0, "k must be positive")
        let relevant = ImplicitFeedback(threshold: relevanceThreshold).matrix(test)
        let users = (0..<relevant.rowCount).filter { relevant.count(ofRow: $0) > 0 }.map { UserIndex($0) }
        let lists = recommend(users)
        precondition(lists.count == users.count, "recommend must return one list per user")
        var sum = RankingMetrics(precision: 0, recall: 0, ndcg: 0, averagePrecision: 0, hit: 0, reciprocalRank: 0)
        var recommended = [Bool](repeating: false, count: test.itemCount)
        for (u, list) in zip(users, lists) {
            let row = Int(u)
            let m = RankingMetrics(ranked: list, isRelevant: { relevant.value(row: row, column: $0.rawValue) != nil },
                                   relevantCount: relevant.count(ofRow: row), k: k)
            sum.precision += m.precision; sum.recall += m.recall; sum.ndcg += m.ndcg
            sum.averagePrecision += m.averagePrecision; sum.hit += m.hit; sum.reciprocalRank += m.reciprocalRank
            for item in list.prefix(k) { recommended[Int(item)] = true }
        }
        let n = Double(max(users.count, 1))
        return RankingReport(k: k, userCount: users.count, precision: sum.precision / n, recall: sum.recall / n,
                             ndcg: sum.ndcg / n, map: sum.averagePrecision / n, hitRate: sum.hit / n,
                             mrr: sum.reciprocalRank / n,
                             coverage: Double(recommended.filter { $0 }.count) / Double(max(test.itemCount, 1)))
    }
}

/// Top-k recommendation for many known users at once, through the serving call's ranking
/// (``Recommendations/rankIndices(scores:metadata:user:options:)``, which
/// ``Recommendations/forUser(_:scorer:metadata:options:)`` uses), in parallel over users — so
/// the exclusions and filters that are evaluated are exactly those that are served.
public enum TopNRecommender {
    /// The top `k` items of each user, best first, excluding the items the user rated in
    /// training (``ModelMetadata/seen``) and applying `filter`.
    /// - Parameters:
    ///   - model: the scorer.
    ///   - metadata: the model's metadata (seen items, catalog for the filter).
    ///   - users: dense user indices of the model.
    ///   - k: list length.
    ///   - filter: the include filter (all items by default).
    ///   - threads: 1 is the single-thread mode (results are identical).
    public static func recommend(_ model: some ItemScorer, metadata: ModelMetadata, users: [UserIndex], k: Int,
                                 filter: ItemFilter = .all, threads: Int = Parallelism.availableCores) -> [[ItemIndex]] {
        recommendScored(model, metadata: metadata, users: users, options: RecommendationOptions(count: k, excludeRated: true, filter: filter),
                        threads: threads).map { $0.map(\.index) }
    }
}
