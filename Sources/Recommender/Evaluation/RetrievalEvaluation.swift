/// The ranking metrics of one model's top-k lists computed twice: by the exact scan of every
/// item (the model's own scores, as ``TopNRecommender`` ranks them) and through an approximate
/// ``CandidateRetriever`` (an ``HNSWIndex``), with the same exclusions (the user's training
/// items). ``ndcgLost`` is what approximate retrieval costs in ranking quality.
public struct RetrievalComparison: Sendable, Equatable {
    /// A name for the retriever in tables and JSON, e.g. `"hnsw"`.
    public var retriever: String
    /// The query-time candidate-list size of the retriever (`nil` when it has none).
    public var ef: Int?
    /// The metrics of the exact lists.
    public var exact: RankingReport
    /// The metrics of the lists the retriever returned.
    public var approximate: RankingReport
    /// The mean, over the evaluated users, of |retrieved ∩ exact| / |exact| for the top k:
    /// the recall@k of the retrieval itself against the exact lists (1 for an exact retriever).
    public var listRecall: Double
    /// The number of users whose retrieved list was shorter than their exact list (0 when the
    /// retriever always returns k items whenever k qualify).
    public var shortLists: Int
    /// Wall-clock seconds for the exact lists of every evaluated user.
    public var exactSeconds: Double
    /// Wall-clock seconds for the retrieved lists of every evaluated user.
    public var approximateSeconds: Double

    /// NDCG@k of the exact lists minus NDCG@k of the retrieved ones (positive: quality lost).
    public var ndcgLost: Double { exact.ndcg - approximate.ndcg }

    /// The figures as `(name, value)` pairs for an evaluation document: every metric of the
    /// retrieved lists suffixed `_<retriever>` (`ndcg@10_hnsw`), `ndcg@10_lost_by_<retriever>`,
    /// `list_recall@10_<retriever>`, `short_lists_<retriever>`, `recommend_seconds_<retriever>`
    /// and `<retriever>_ef` when known.
    public var named: [(name: String, value: Double)] {
        let k = exact.k, r = retriever
        var out = approximate.named.map { (name: "\($0.name)_\(r)", value: $0.value) }
        out.append(("ndcg@\(k)_lost_by_\(r)", ndcgLost))
        out.append(("list_recall@\(k)_\(r)", listRecall))
        out.append(("short_lists_\(r)", Double(shortLists)))
        out.append(("recommend_seconds_\(r)", approximateSeconds))
        if let ef { out.append(("\(r)_ef", Double(ef))) }
        return out
    }
}

extension RankingEvaluation {
    /// Evaluates `model`'s top-`k` lists by the exact scan and through `retriever` on the same
    /// test interactions and reports both (see ``RetrievalComparison``).
    /// - Parameters:
    ///   - model: a model whose scores are inner products (``InnerProductScorer``).
    ///   - metadata: its metadata (the training items excluded from every list).
    ///   - retriever: an index over `model.itemEmbeddings` with ``RetrievalMetric/dot``.
    ///   - name: the retriever's name in the figures (`"hnsw"`).
    ///   - ef: the retriever's candidate-list size, for the record.
    ///   - test: the held-out interactions (users and items in `metadata`'s index spaces;
    ///     users at or above `knownUsers` get empty lists).
    ///   - knownUsers: the number of users the model knows (default: all of `metadata`'s).
    ///   - k: the cut-off.
    ///   - relevanceThreshold: test ratings at or above it are relevant; `nil`: all.
    ///   - threads: for the lists (they do not depend on it).
    /// - Returns: the two reports, the list recall and the timings.
    /// - Throws: ``TrainingError/invalidInput(_:)`` for `k` < 1 or a retriever over other items.
    public static func compareRetrieval(model: some InnerProductScorer, metadata: ModelMetadata, retriever: some CandidateRetriever,
                                        name: String, ef: Int? = nil, test: Interactions, knownUsers: Int? = nil, k: Int,
                                        relevanceThreshold: Float? = nil,
                                        threads: Int = Parallelism.availableCores) throws -> RetrievalComparison {
        guard k > 0 else { throw TrainingError.invalidInput("the cut-off k must be positive, got \(k)") }
        guard retriever.itemCount == metadata.itemIDs.count, retriever.dimension == model.itemEmbeddings.columns,
              retriever.metric == .dot else {
            throw TrainingError.invalidInput("the \(name) index holds \(retriever.itemCount) × \(retriever.dimension) vectors (\(retriever.metric.rawValue)); "
                + "the model has \(metadata.itemIDs.count) items × \(model.itemEmbeddings.columns) (dot): rebuild it (recommender index build)")
        }
        let known = min(knownUsers ?? metadata.userIDs.count, metadata.userIDs.count)
        let options = RecommendationOptions(count: k, excludeRated: true)
        var exactLists: [[ItemIndex]] = [], exactSeconds = 0.0
        let exact = evaluate(test: test, k: k, relevanceThreshold: relevanceThreshold) { users in
            let t0 = monotonicSeconds()
            let asked = users.filter { Int($0) < known }
            var lists = TopNRecommender.recommend(model, metadata: metadata, users: asked, k: k, threads: threads).makeIterator()
            exactLists = users.map { Int($0) < known ? (lists.next() ?? []) : [] }
            exactSeconds = monotonicSeconds() - t0
            return exactLists
        }
        var retrievedLists: [[ItemIndex]] = [], approximateSeconds = 0.0
        let approximate = evaluate(test: test, k: k, relevanceThreshold: relevanceThreshold) { users in
            let t0 = monotonicSeconds()
            let out = SharedSlots<[ItemIndex]>(count: users.count, initial: [])
            ComputePool.forEachChunk(count: users.count, chunkSize: 16, threads: threads, setup: {}) { _, range in
                for position in range {
                    let user = users[position]
                    guard Int(user) < known else { continue }
                    let filter = RetrievalFilter(options: options, metadata: metadata, user: user)
                    out.set(position, retriever.search(model.queryVector(forUser: user), k: k, filter: filter).map(\.index))
                }
            }
            retrievedLists = out.values
            approximateSeconds = monotonicSeconds() - t0
            return retrievedLists
        }
        var recallSum = 0.0, counted = 0, short = 0
        for (exactList, retrieved) in zip(exactLists, retrievedLists) where !exactList.isEmpty {
            let truth = Set(exactList.prefix(k))
            recallSum += Double(retrieved.prefix(k).filter { truth.contains($0) }.count) / Double(truth.count)
            counted += 1
            if retrieved.count < exactList.count { short += 1 }
        }
        return RetrievalComparison(retriever: name, ef: ef, exact: exact, approximate: approximate,
                                   listRecall: counted == 0 ? 1 : recallSum / Double(counted), shortLists: short,
                                   exactSeconds: exactSeconds, approximateSeconds: approximateSeconds)
    }
}
