import Foundation
import Testing
@testable import Recommender
import RecommenderTestSupport

@Suite struct RatingPersistenceTests {
    static func roundTrip<M: RatingModel>(_ model: M) throws -> M {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rating-\(M.kind)-\(UInt32.random(in: 0...UInt32.max)).model")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let loaded = try M.load(from: url)
        // through the catalog, as the command line and a server load it
        let any = try AlgorithmCatalog.standard.loadModel(from: url)
        #expect(type(of: any).kind == M.kind && any is M)
        return loaded
    }

    static func samePredictions(_ a: some RatingModel, _ b: some RatingModel, _ data: Interactions) {
        for u in 0..<Int32(data.userCount) {
            for i in stride(from: Int32(0), to: Int32(data.itemCount), by: 3) {
                #expect(abs(a.predict(user: UserIndex(u), item: ItemIndex(i)) - b.predict(user: UserIndex(u), item: ItemIndex(i))) < 1e-5)
            }
        }
        let history: [(item: ItemIndex, rating: Float)] = [(1, 4), (2, 2)]
        expectClose(a.scores(forHistory: history), b.scores(forHistory: history), absolute: 1e-5)
    }

    @Test func everyRatingModelRoundTrips() throws {
        let data = RatingFixtures.random()
        let base = try Baseline().fit(data)
        Self.samePredictions(base, try Self.roundTrip(base), data)
        let svd = try SVD(.init(factors: 5, epochs: 3)).fit(data)
        Self.samePredictions(svd, try Self.roundTrip(svd), data)
        let svdpp = try SVDpp(.init(factors: 5, epochs: 3)).fit(data)
        Self.samePredictions(svdpp, try Self.roundTrip(svdpp), data)
        let als = try ALS(.init(factors: 5, iterations: 3)).fit(data)
        Self.samePredictions(als, try Self.roundTrip(als), data)
        let knn = try KNNBaseline().fit(data)
        Self.samePredictions(knn, try Self.roundTrip(knn), data)
    }

    @Test func wrongKindAndCorruptFilesAreRejected() throws {
        let data = RatingFixtures.random()
        let svd = try SVD(.init(factors: 5, epochs: 1)).fit(data, scale: nil)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rating-kind-\(UInt32.random(in: 0...UInt32.max)).model")
        defer { try? FileManager.default.removeItem(at: url) }
        try svd.save(to: url)
        #expect(throws: PersistenceError.self) { try ALSModel.load(from: url) }
        var archive = svd.archive()
        archive.set("user_factors", .floats([1, 2, 3]))
        #expect(throws: PersistenceError.self) { try SVDModel(archive: archive, path: "x") }
    }
}
