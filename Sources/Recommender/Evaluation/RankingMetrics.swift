/// Top-k ranking metrics of one user's recommendation list, with the conventions spelled out
/// (several libraries have shipped different, sometimes wrong, variants).
///
/// Notation: `L = (l₁, …, l_k)` is the ranked list cut at `k` (it may be shorter when fewer
/// items could be ranked), `R` the set of relevant (held-out) items, `rel_r = 1` when `l_r ∈ R`
/// else `0` (binary relevance), `hits = Σ_{r ≤ k} rel_r`.
///
/// - precision@k = hits / k (always divided by `k`, even when `L` is shorter);
/// - recall@k = hits / |R|;
/// - NDCG@k = DCG / IDCG with DCG = Σ_{r ≤ k} rel_r / log₂(r + 1) and the ideal
///   IDCG = Σ_{r ≤ min(k, |R|)} 1 / log₂(r + 1);
/// - MAP@k (the user's average precision) = Σ_{r ≤ k} rel_r · precision@r / min(k, |R|);
/// - hit rate@k = 1 when hits > 0, else 0;
/// - MRR@k = 1 / (rank of the first hit), 0 when no hit in the top k;
/// - catalog coverage@k (over all users, see ``RankingEvaluation``) = |⋃_u L_u| / items.
///
/// Users with `R = ∅` are skipped (every metric is undefined for them); means are over users.
public struct RankingMetrics: Sendable, Equatable {
    /// precision@k.
    public var precision: Double
    /// recall@k.
    public var recall: Double
    /// NDCG@k.
    public var ndcg: Double
    /// Average precision at k (MAP@k once averaged over users).
    public var averagePrecision: Double
    /// 1 or 0.
    public var hit: Double
    /// Reciprocal rank of the first hit (MRR@k once averaged).
    public var reciprocalRank: Double

    /// Creates metrics from their values.
    public init(precision: Double, recall: Double, ndcg: Double, averagePrecision: Double, hit: Double, reciprocalRank: Double) {
        self.precision = precision; self.recall = recall; self.ndcg = ndcg
        self.averagePrecision = averagePrecision; self.hit = hit; self.reciprocalRank = reciprocalRank
    }

    /// The metrics of one ranked list against one set of relevant items.
    /// - Parameters:
    ///   - ranked: the recommendations, best first; only the first `k` are read.
    ///   - isRelevant: whether an item is relevant.
    ///   - relevantCount: `|R|`, which must be > 0.
    ///   - k: the cut-off (> 0).
    public init(ranked: [ItemIndex], isRelevant: (ItemIndex) -> Bool, relevantCount: Int, k: Int) {
        precondition(k > 0 && relevantCount > 0, "RankingMetrics: need k > 0 and at least one relevant item")
        var hits = 0, dcg = 0.0, precisionSum = 0.0, firstHit = 0
        for (r, item) in ranked.prefix(k).enumerated() where isRelevant(item) {
            let rank = r + 1
            hits += 1
            dcg += 1 / _log2(Double(rank + 1))
            precisionSum += Double(hits) / Double(rank)
            if firstHit == 0 { firstHit = rank }
        }
        var idcg = 0.0
        for rank in 1...min(k, relevantCount) { idcg += 1 / _log2(Double(rank + 1)) }
        self.init(precision: Double(hits) / Double(k),
                  recall: Double(hits) / Double(relevantCount),
                  ndcg: dcg / idcg,
                  averagePrecision: precisionSum / Double(min(k, relevantCount)),
                  hit: hits > 0 ? 1 : 0,
                  reciprocalRank: firstHit > 0 ? 1 / Double(firstHit) : 0)
    }

    /// Convenience for a relevant set.
    public init(ranked: [ItemIndex], relevant: Set<ItemIndex>, k: Int) {
        self.init(ranked: ranked, isRelevant: { relevant.contains($0) }, relevantCount: relevant.count, k: k)
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _log2(_ x: Double) -> Double { Glibc.log2(x) }
#else
import Foundation
@inline(__always) func _log2(_ x: Double) -> Double { Foundation.log2(x) }
#endif
