import Foundation
import Testing
@testable import Recommender

/// A two-block world: users 0..<12 like items 0..<8, users 12..<24 like items 8..<16; each user
/// rated 6 of their block's 8 items (a different pair left out per user), plus items 16, 17 are
/// rarely rated noise. A good ranking model recommends the user's own block first.
enum TwoBlocks {
    static let users = 24, items = 18
    static func interactions() -> Interactions {
        var u: [Int32] = [], i: [Int32] = [], r: [Float] = []
        for user in 0..<users {
            let block = user < 12 ? 0 : 8
            let skip = user % 4
            for k in 0..<8 where k != skip * 2 && k != skip * 2 + 1 {
                u.append(Int32(user)); i.append(Int32(block + k)); r.append(Float(3 + (user + k) % 3))
            }
            if user % 6 == 0 { u.append(Int32(user)); i.append(Int32(16 + user % 2)); r.append(2) }
        }
        return Interactions(users: u, items: i, ratings: r, userCount: users, itemCount: items)
    }
    /// The block's items the user did not rate.
    static func missing(_ user: Int) -> Set<ItemIndex> {
        let block = user < 12 ? 0 : 8, skip = user % 4
        return [ItemIndex(block + skip * 2), ItemIndex(block + skip * 2 + 1)]
    }
}

/// Checks shared by every ranking model.
func checkRankingConformance<M: ItemScorer & PersistableModel>(_ model: M, name: String, requireBlocks: Bool = true) throws {
    let seen = model.metadata.seen
    let lists = TopNRecommender.recommend(model, users: (0..<TwoBlocks.users).map { UserIndex($0) }, k: 2, excluding: seen, threads: 1)
    for u in 0..<TwoBlocks.users {
        #expect(model.scores(forUser: UserIndex(u)).count == TwoBlocks.items)
        let rated = Set(seen.columns(ofRow: u))
        #expect(lists[u].allSatisfy { !rated.contains($0) }, "\(name): recommended a seen item to user \(u)")
        if requireBlocks { #expect(Set(lists[u]) == TwoBlocks.missing(u), "\(name): user \(u) got \(lists[u])") }
    }
    // save / load round trip gives the same scores
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ranking-\(name)-\(UInt32.random(in: 0...UInt32.max)).model")
    defer { try? FileManager.default.removeItem(at: url) }
    try model.save(to: url)
    let loaded = try M.load(from: url)
    let any = try ModelRegistry.load(from: url)
    #expect(type(of: any) == M.self, "\(name) is not registered in ModelRegistry")
    for u in [0, 13] {
        for (a, b) in zip(model.scores(forUser: UserIndex(u)), loaded.scores(forUser: UserIndex(u))) { #expect(abs(a - b) < 1e-6) }
    }
}

/// Fold-in of a known user's own training history reproduces the model's scores (exact models).
func checkExactFoldIn<M: ItemScorer & HistoryScorer & PersistableModel>(_ model: M) {
    for u in [0, 5, 17] {
        let a = model.scores(forUser: UserIndex(u)), b = model.scores(forHistory: model.metadata.history(of: UserIndex(u)))
        for (x, y) in zip(a, b) { #expect(abs(x - y) < 1e-5) }
    }
}

/// Explanations of a linear model add up to the item's score.
func checkExplanationsAddUp<M: ItemScorer & ExplainableScorer & PersistableModel>(_ model: M, tolerance: Float = 1e-4) {
    for u in [1, 14] {
        let history = model.metadata.history(of: UserIndex(u))
        let scores = model.scores(forUser: UserIndex(u))
        for item in TwoBlocks.missing(u) {
            let parts = model.contributions(to: item, history: history)
            #expect(abs(parts.reduce(0) { $0 + $1.contribution } - scores[Int(item)]) < tolerance * max(1, abs(scores[Int(item)])))
            #expect(zip(parts, parts.dropFirst()).allSatisfy { $0.contribution >= $1.contribution })
        }
    }
}

@Suite struct RankingModelsTests {
    let data = TwoBlocks.interactions()

    @Test func implicitFeedbackThresholdAndWeights() {
        // ratings 2 and 3 fall below threshold 4; 4 and 5 are kept with their rating as weight
        let x = Interactions(users: [0, 0, 1, 1], items: [0, 1, 0, 2], ratings: [5, 2, 4, 3], userCount: 2, itemCount: 3)
        let m = ImplicitFeedback(threshold: 4, weighting: .rating).matrix(x)
        #expect(m.nonZeroCount == 2 && m.value(row: 0, column: 0) == 5 && m.value(row: 1, column: 0) == 4)
        let all = ImplicitFeedback.default.matrix(x)
        #expect(all.nonZeroCount == 4 && all.values.allSatisfy { $0 == 1 })
        let h = ImplicitFeedback(threshold: 4).positives([(2, 5), (1, 1), (2, 3), (0, 4), (9, 5)], itemCount: 3)
        #expect(h.map(\.item) == [0])                            // item 2's last rating (3) is not positive; 9 is unknown
    }

    @Test func popularityCountsPositives() throws {
        let model = Popularity().fit(data)
        // item 0: users 0..<12 except those skipping it (user % 4 == 0 → 3 users) = 9
        #expect(model.counts[0] == 9)
        #expect(model.counts[16] == 4 && model.counts[17] == 0)   // users 0, 6, 12, 18 rated item 16
        try checkRankingConformance(model, name: "popularity", requireBlocks: false)
    }

    @Test(arguments: ItemKNN.Similarity.allCases) func itemKNNRanksTheBlock(similarity: ItemKNN.Similarity) throws {
        let model = ItemKNN(.init(similarity: similarity, neighbours: 10, shrink: 0)).fit(data)
        try checkRankingConformance(model, name: "item-knn-\(similarity.rawValue)")
        checkExactFoldIn(model)
        checkExplanationsAddUp(model)
        // threads do not change the result
        let single = ItemKNN(.init(similarity: similarity, neighbours: 10, shrink: 0, threads: 1)).fit(data)
        #expect(single.neighbours == model.neighbours)
    }

    @Test func itemKNNCosineByHand() {
        // items 0, 1 rated by users {0, 1} and {1}: c = 1, n0 = 2, n1 = 1 → cos = 1 / √2.
        let x = Interactions(users: [0, 1, 1], items: [0, 0, 1], ratings: [1, 1, 1], userCount: 2, itemCount: 2)
        let cosine = ItemKNN(.init(similarity: .cosine, neighbours: 5, shrink: 0)).fit(x)
        #expect(abs((cosine.neighbours.value(row: 0, column: 1) ?? 0) - 1 / 2.0.squareRoot().float) < 1e-6)
        // Jaccard: 1 / (2 + 1 − 1) = 0.5; conditional probability α = 0.5: c / (|0| · |1|^0.5) = 1 / 2, and 1 / (1 · √2) from item 1.
        let jaccard = ItemKNN(.init(similarity: .jaccard, neighbours: 5)).fit(x)
        #expect(abs((jaccard.neighbours.value(row: 0, column: 1) ?? 0) - 0.5) < 1e-6)
        let conditional = ItemKNN(.init(similarity: .conditionalProbability, neighbours: 5, alpha: 0.5)).fit(x)
        #expect(abs((conditional.neighbours.value(row: 0, column: 1) ?? 0) - 0.5) < 1e-6)
        #expect(abs((conditional.neighbours.value(row: 1, column: 0) ?? 0) - 1 / 2.0.squareRoot().float) < 1e-6)
    }

    @Test func easeRanksTheBlockAndMatchesTheClosedForm() throws {
        let model = try EASE(.init(lambda: 5)).fit(data)
        try checkRankingConformance(model, name: "ease")
        checkExactFoldIn(model)
        checkExplanationsAddUp(model)
        // B has a zero diagonal and satisfies the stationarity condition of the constrained
        // problem: (G + λI) B − G = −diag(μ), i.e. off-diagonal entries of (G + λI)B − G vanish.
        let x = ImplicitFeedback.default.matrix(data)
        let n = TwoBlocks.items
        var g = [Double](repeating: 0, count: n * n)
        for u in 0..<x.rowCount { for a in x.range(ofRow: u) { for b in x.range(ofRow: u) {
            g[Int(x.columns[a]) * n + Int(x.columns[b])] += 1 } } }
        var worst = 0.0
        for i in 0..<n {
            #expect(model.weights[i, i] == 0)
            for j in 0..<n where i != j {
                var s = 0.0
                for k in 0..<n { s += (g[i * n + k] + (i == k ? 5 : 0)) * Double(model.weights[k, j]) }
                worst = max(worst, abs(s - g[i * n + j]))
            }
        }
        #expect(worst < 1e-3, "stationarity residual \(worst)")
    }
}

extension Double { var float: Float { Float(self) } }
