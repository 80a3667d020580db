import Foundation
import Testing
@testable import Recommender

/// Checks every model must pass, whatever its algorithm (STYLE: one shared conformance suite).
/// Call ``check(_:)`` from a model's own tests with a small fitted model.
enum ModelConformance {
    /// Scoring, the recommend call (exclusions, filter, k), optional roles, and a save/load round trip
    /// that answers identically.
    static func check<Model: ItemScorer & PersistableModel>(_ model: Model, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let metadata = model.metadata
        let users = metadata.userIDs.count, items = metadata.itemIDs.count
        #expect(model.itemCount == items, sourceLocation: sourceLocation)
        // A user with training ratings.
        let user = try #require((0..<users).first { metadata.seen.count(ofRow: $0) > 0 }, sourceLocation: sourceLocation)
        let scores = model.scores(forUser: Int32(user))
        #expect(scores.count == items && scores.allSatisfy(\.isFinite), sourceLocation: sourceLocation)

        let k = min(5, items)
        let top = Recommendations.forUser(Int32(user), scorer: model, metadata: metadata, options: .init(count: k, excludeRated: false))
        #expect(top.count == k, sourceLocation: sourceLocation)
        #expect(zip(top, top.dropFirst()).allSatisfy { $0.score >= $1.score }, "best first", sourceLocation: sourceLocation)
        #expect(top.first?.score == scores.max(), sourceLocation: sourceLocation)
        let seen = Set(metadata.seen.columns(ofRow: user))
        let unseen = Recommendations.forUser(Int32(user), scorer: model, metadata: metadata, options: .init(count: items, excludeRated: true))
        #expect(unseen.count == items - seen.count, sourceLocation: sourceLocation)
        #expect(unseen.allSatisfy { !seen.contains($0.item) }, sourceLocation: sourceLocation)
        if let genre = metadata.catalog.genreNames.first {
            let filter = try ItemFilter.genres(named: [genre], in: metadata.catalog)
            let filtered = Recommendations.forUser(Int32(user), scorer: model, metadata: metadata, options: .init(count: items, filter: filter))
            #expect(filtered.allSatisfy { $0.genres.contains(genre) }, sourceLocation: sourceLocation)
        }
        if let predictor = model as? any RatingPredictor {
            #expect(predictor.predict(user: Int32(user), item: 0).isFinite, sourceLocation: sourceLocation)
        }
        if let embeddings = model as? any ItemEmbeddingModel {
            #expect(embeddings.itemEmbeddings.rows == items, sourceLocation: sourceLocation)
            let similar = Recommendations.similarItems(to: 0, model: embeddings, metadata: metadata, measure: .cosine, options: .init(count: k))
            #expect(similar.first?.item == 0, "an item is its own nearest neighbour under cosine", sourceLocation: sourceLocation)
        }
        if let folding = model as? any HistoryScorer {
            let history = zip(metadata.seen.columns(ofRow: user), metadata.seen.values(ofRow: user)).map { (item: $0.0, rating: $0.1) }
            let folded = folding.scores(forHistory: history)
            #expect(folded.count == items && folded.allSatisfy(\.isFinite), sourceLocation: sourceLocation)
        }

        // Save, load through the registry, answer the same.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("conformance-\(UUID().uuidString)/model.recmodel")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try model.save(to: url)
        let loaded = try AlgorithmCatalog.standard.loadModel(from: url)
        #expect(type(of: loaded).kind == Model.kind, sourceLocation: sourceLocation)
        let reloaded = try #require(loaded as? any ItemScorer, sourceLocation: sourceLocation)
        let again = reloaded.scores(forUser: Int32(user))
        #expect(zip(again, scores).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) }, sourceLocation: sourceLocation)
        #expect(loaded.metadata == metadata, sourceLocation: sourceLocation)
    }
}

@Suite struct MatrixFactorizationConformanceTests {
    @Test func matrixFactorizationConforms() throws {
        try ModelConformance.check(try MatrixFactorizationModelTests.trained())
        try ModelConformance.check(try MatrixFactorizationModelTests.trained(regularized: false))
    }
}
