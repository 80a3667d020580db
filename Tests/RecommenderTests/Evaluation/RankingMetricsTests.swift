import Testing
@testable import Recommender

/// Hand-computed fixtures for every ranking metric (arithmetic in the comments).
@Suite struct RankingMetricsTests {
    @Test func twoHitsAtRanksTwoAndFive() {
        // L = [1,2,3,4,5], R = {2,5,9}, k = 5: hits at ranks 2 and 5.
        let m = RankingMetrics(ranked: [1, 2, 3, 4, 5], relevant: [2, 5, 9], k: 5)
        #expect(abs(m.precision - 0.4) < 1e-12)                 // 2 / 5
        #expect(abs(m.recall - 2.0 / 3.0) < 1e-12)              // 2 / |R| = 2 / 3
        // DCG = 1/log2(3) + 1/log2(6) = 0.630930 + 0.386853 = 1.017783
        // IDCG over min(5, 3) = 3 ranks = 1 + 0.630930 + 0.5 = 2.130930
        #expect(abs(m.ndcg - 0.4776237035) < 1e-9)              // 1.017783 / 2.130930
        #expect(abs(m.averagePrecision - 0.3) < 1e-12)          // (1/2 + 2/5) / min(5, 3) = 0.9 / 3
        #expect(m.hit == 1)
        #expect(abs(m.reciprocalRank - 0.5) < 1e-12)            // first hit at rank 2
    }

    @Test func shortListStillDividesPrecisionByK() {
        // L = [7, 8] (only two items could be ranked), R = {8}, k = 3.
        let m = RankingMetrics(ranked: [7, 8], relevant: [8], k: 3)
        #expect(abs(m.precision - 1.0 / 3.0) < 1e-12)           // 1 / k, not 1 / |L|
        #expect(abs(m.recall - 1) < 1e-12)
        #expect(abs(m.ndcg - 0.6309297536) < 1e-9)              // (1/log2 3) / (IDCG over min(3,1) = 1 rank = 1)
        #expect(abs(m.averagePrecision - 0.5) < 1e-12)          // (1/2) / min(3, 1)
        #expect(abs(m.reciprocalRank - 0.5) < 1e-12)
    }

    @Test func moreRelevantThanKNormalisesByK() {
        // L = [1,2,3,4], R = {1,3,4,6,7,8}, k = 2: one hit, at rank 1 (ranks 3, 4 are beyond k).
        let m = RankingMetrics(ranked: [1, 2, 3, 4], relevant: [1, 3, 4, 6, 7, 8], k: 2)
        #expect(abs(m.precision - 0.5) < 1e-12)                 // 1 / 2
        #expect(abs(m.recall - 1.0 / 6.0) < 1e-12)              // 1 / 6
        #expect(abs(m.ndcg - 0.6131471928) < 1e-9)              // 1 / (1 + 1/log2 3): ideal over min(2, 6) = 2 ranks
        #expect(abs(m.averagePrecision - 0.5) < 1e-12)          // (1/1) / min(2, 6)
        #expect(m.hit == 1 && m.reciprocalRank == 1)
    }

    @Test func noHitIsAllZero() {
        let m = RankingMetrics(ranked: [1, 2], relevant: [3], k: 2)
        #expect(m.precision == 0 && m.recall == 0 && m.ndcg == 0 && m.averagePrecision == 0 && m.hit == 0 && m.reciprocalRank == 0)
    }

    @Test func perfectRankingScoresOne() {
        let m = RankingMetrics(ranked: [4, 2, 9], relevant: [2, 4], k: 3)
        #expect(abs(m.ndcg - 1) < 1e-12)                        // hits at ranks 1, 2 = the ideal
        #expect(abs(m.averagePrecision - 1) < 1e-12)            // (1/1 + 2/2) / min(3, 2)
        #expect(abs(m.precision - 2.0 / 3.0) < 1e-12)
    }

    @Test func evaluationAveragesOverUsersWithRelevantItemsAndCountsCoverage() {
        // 3 users, 6 items. Test: user 0 rated items 1 (5 stars) and 2 (2 stars); user 1 rated
        // item 4 (4 stars); user 2 has no test items and is skipped.
        let test = Interactions(users: [0, 0, 1], items: [1, 2, 4], ratings: [5, 2, 4], userCount: 3, itemCount: 6)
        let lists: [UserIndex: [ItemIndex]] = [0: [2, 1], 1: [0, 3]]
        var asked: [UserIndex] = []
        let all = RankingEvaluation.evaluate(test: test, k: 2) { users in asked = users; return users.map { lists[$0]! } }
        #expect(asked == [0, 1])
        // user 0: R = {1, 2}, both hit: P = 1, NDCG = 1, AP = 1; user 1: no hit, all 0.
        #expect(all.userCount == 2)
        #expect(abs(all.precision - 0.5) < 1e-12 && abs(all.ndcg - 0.5) < 1e-12 && abs(all.map - 0.5) < 1e-12)
        #expect(abs(all.hitRate - 0.5) < 1e-12 && abs(all.mrr - 0.5) < 1e-12)
        // coverage: items {0, 1, 2, 3} of 6 recommended = 4 / 6.
        #expect(abs(all.coverage - 4.0 / 6.0) < 1e-12)

        // With relevance ≥ 4, user 0's R = {1}: hit at rank 2 → P = 1/2, NDCG = 1/log2 3, AP = 1/2, RR = 1/2.
        let liked = RankingEvaluation.evaluate(test: test, k: 2, relevanceThreshold: 4) { users in users.map { lists[$0]! } }
        #expect(abs(liked.precision - 0.25) < 1e-12)            // (1/2 + 0) / 2 users
        #expect(abs(liked.ndcg - 0.6309297536 / 2) < 1e-9)
        #expect(abs(liked.map - 0.25) < 1e-12)
        #expect(abs(liked.mrr - 0.25) < 1e-12)
        #expect(liked.named.map(\.name) == ["ndcg@2", "precision@2", "recall@2", "map@2", "hit_rate@2", "mrr@2", "coverage@2"])
    }

    @Test func topNGoesThroughTheServingCallAndExcludesSeenItems() {
        // user 0 rated items 1 and 3; scores 0.1, 0.9, 0.5, 0.8, 0.2 → unseen best first: 2, 4, 0.
        let x = Interactions(users: [0, 0], items: [1, 3], ratings: [4, 5], userCount: 1, itemCount: 5)
        let model = PopularityModel(counts: [0.1, 0.9, 0.5, 0.8, 0.2], feedback: .default, metadata: ModelMetadata(anonymous: x))
        #expect(TopNRecommender.recommend(model, metadata: model.metadata, users: [0], k: 3) == [[2, 4, 0]])
        // an include filter keeps only the listed items
        #expect(TopNRecommender.recommend(model, metadata: model.metadata, users: [0], k: 3, filter: ItemFilter(items: [0, 4])) == [[4, 0]])
    }
}
