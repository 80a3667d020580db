import Foundation
import Testing
@testable import Recommender
import RecommenderTestSupport

/// A fixed-score model, to test the recommend call independently of any algorithm.
struct FixedScorer: ItemScorer, HistoryScorer {
    var table: [[Float]]
    var itemCount: Int { table[0].count }
    func scores(forUser user: UserIndex) -> [Float] { table[Int(user)] }
    func scores(forHistory history: [(item: ItemIndex, rating: Float)]) -> [Float] {
        (0..<itemCount).map { j in history.contains { $0.item == ItemIndex(j) } ? 100 : Float(j) }
    }
}

struct FixedEmbeddings: ItemEmbeddingModel {
    var itemEmbeddings: Matrix
}

@Suite struct RecommendationsTests {
    /// 6 items, genres alternating Comedy (even) / Drama (odd); user 0 rated items 1 and 4.
    func metadata() -> ModelMetadata {
        let train = Interactions(users: [0, 0, 1], items: [1, 4, 2], ratings: [5, 3, 4], userCount: 2, itemCount: 6)
        var m = MFFixtures.metadata(users: 2, items: 6, train: train)
        m.catalog.titles = ["Aladdin", "Toy Story", "Aladdin and the King of Thieves", "Heat", "Fargo", "Babe"]
        return m
    }

    @Test func computeScoresDotAndCosine() {
        let e = Matrix(rows: 4, columns: 2, storage: [2, 0, 0, 3, 1, 1, 0, 0])
        #expect(EmbeddingSimilarity.scores(query: [1, 0], embeddings: e, measure: .dot) == [2, 0, 1, 0])
        let cosine = EmbeddingSimilarity.scores(query: [2, 0], embeddings: e, measure: .cosine)
        expectClose(cosine, [1, 0, Float(0.5).squareRoot(), 0], absolute: 1e-6)
        #expect(EmbeddingSimilarity.scores(query: [0, 0], embeddings: e, measure: .cosine) == [0, 0, 0, 0])
        #expect(SimilarityMeasure.allCases == [.dot, .cosine])
    }

    @Test func recommendForUserWithExclusionsAndFilters() {
        let m = metadata()
        let scorer = FixedScorer(table: [[6, 5, 4, 3, 2, 1], [1, 2, 3, 4, 5, 6]])
        let all = Recommendations.forUser(0, scorer: scorer, metadata: m, options: .init(count: 3, excludeRated: false))
        #expect(all.map(\.item) == [0, 1, 2])
        #expect(all[0].title == "Aladdin (1990)" && all[0].id == ItemID(1) && all[0].score == 6 && all[0].genres == ["Comedy"])
        let unseen = Recommendations.forUser(0, scorer: scorer, metadata: m, options: .init(count: 3, excludeRated: true))
        #expect(unseen.map(\.item) == [0, 2, 3])
        // Rated items are excluded by default.
        #expect(Recommendations.forUser(0, scorer: scorer, metadata: m, options: .init(count: 3)).map(\.item) == [0, 2, 3])
        let drama = Recommendations.forUser(0, scorer: scorer, metadata: m, options: .init(count: 3, excludeRated: false, filter: ItemFilter(genres: GenreSet(index: 1))))
        #expect(drama.map(\.item) == [1, 3, 5])
        let excluded = Recommendations.forUser(1, scorer: scorer, metadata: m, options: .init(count: 2, excluded: [5]))
        #expect(excluded.map(\.item) == [4, 3])
        #expect(throws: DataError.self) { try ItemFilter.genres(named: ["Western"], in: m.catalog) }
        #expect((try? ItemFilter.genres(named: ["drama"], in: m.catalog)) == ItemFilter(genres: GenreSet(index: 1)))
    }

    @Test func recommendForAHistoryExcludesItsItems() {
        let m = metadata()
        let scorer = FixedScorer(table: [[0, 0, 0, 0, 0, 0]])
        let history: [(item: ItemIndex, rating: Float)] = [(item: 2, rating: 5)]
        #expect(Recommendations.forHistory(history, scorer: scorer, metadata: m, options: .init(count: 2, excludeRated: false)).map(\.item) == [2, 5])
        #expect(Recommendations.forHistory(history, scorer: scorer, metadata: m, options: .init(count: 2, excludeRated: true)).map(\.item) == [5, 4])
    }

    @Test func similarItemsAndTitleLookup() {
        let m = metadata()
        let e = FixedEmbeddings(itemEmbeddings: Matrix(rows: 6, columns: 2, storage: [1, 0, 0, 1, 2, 0.2, 0.5, 0.5, -1, 0, 0.1, 0]))
        let lookup = m.lookUpItem("aladdin")
        #expect(lookup.matches == [0, 2])
        #expect(lookup.chosen == 0)
        #expect(m.lookUpItem("4").matches == [3])  // an item id
        #expect(m.lookUpItem("Casablanca").matches.isEmpty)
        let cosine = Recommendations.similarItems(to: 0, model: e, metadata: m, measure: .cosine, options: .init(count: 3))
        #expect(cosine.map(\.item) == [0, 5, 2])  // item 5 is exactly parallel: ties broken by lower index
        let dot = Recommendations.similarItems(to: 0, model: e, metadata: m, measure: .dot, options: .init(count: 3))
        #expect(dot.map(\.item) == [2, 0, 3])
    }

    @Test func userRatingsFileResolvesTitlesAndIds() throws {
        let m = metadata()
        let text = "title,rating\n\"Aladdin\", 5\n# a comment\n\n4,2\nFargo , 4.5\n"
        let file = try UserRatingsFile(text: text, file: "me.csv", metadata: m)
        #expect(file.entries.map(\.line) == [2, 5, 6])
        #expect(file.entries[0].lookup.matches == [0, 2])
        #expect(file.history.map(\.item) == [0, 3, 4])
        #expect(file.history.map(\.rating) == [5, 2, 4.5])
        #expect(throws: DataError.malformedLine(file: "me.csv", line: 2, reason: "no movie id or title matches 'Casablanca'")) {
            try UserRatingsFile(text: "Fargo,3\nCasablanca,5\n", file: "me.csv", metadata: m)
        }
        #expect(throws: DataError.malformedLine(file: "me.csv", line: 1, reason: "rating 9 is outside the scale 1.0...5.0")) {
            try UserRatingsFile(text: "Fargo,9\n", file: "me.csv", metadata: m)
        }
        #expect(throws: DataError.malformedLine(file: "me.csv", line: 2, reason: "rating 'good' is not a number")) {
            try UserRatingsFile(text: "Fargo,3\nHeat,good\n", file: "me.csv", metadata: m)
        }
        #expect(throws: DataError.emptyFile(path: "me.csv")) { try UserRatingsFile(text: "\n", file: "me.csv", metadata: m) }
    }
}

/// `topK` reads scores eight at a time and skips blocks under its threshold: it must return what
/// a full sort returns (ties by the lower index; NaN never; exclusions honoured), whatever the length.
@Suite struct TopKBlockTests {
    /// The reference: every admissible score sorted by (score descending, index ascending).
    static func reference(_ scores: [Float], k: Int, excluded: (ItemIndex) -> Bool) -> [ScoredIndex] {
        let all = scores.enumerated().filter { !$0.element.isNaN && $0.element != -.infinity && !excluded(ItemIndex($0.offset)) }
            .map { ScoredIndex(index: ItemIndex($0.offset), score: $0.element) }
        return Array(all.sorted { $0.score > $1.score || ($0.score == $1.score && $0.index < $1.index) }.prefix(k))
    }

    @Test func matchesAFullSort() {
        var g = SeededGenerator(seed: 7)
        for n in [0, 1, 7, 8, 9, 16, 63, 100, 1_683] {
            // Few distinct values, so ties are common; a NaN and an infinity now and then.
            var scores = (0..<n).map { _ in Float(Int(g.nextNormal() * 4)) / 4 }
            if n > 5 { scores[3] = .nan; scores[n - 1] = .infinity; scores[n / 2] = -.infinity }
            for k in [0, 1, 3, 10, n + 5] {
                let excluded: (ItemIndex) -> Bool = { $0.rawValue % 5 == 2 }
                #expect(topK(scores, k: k, excluding: excluded) == Self.reference(scores, k: k, excluded: excluded), "n=\(n) k=\(k)")
                #expect(topK(scores, k: k) == Self.reference(scores, k: k) { _ in false }, "n=\(n) k=\(k) no exclusions")
            }
        }
    }
}
