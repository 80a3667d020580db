import Foundation
import Testing
@testable import Recommender

@Suite struct RatingPersistenceTests {
    static func roundTrip<M: RatingModel>(_ model: M) throws -> M {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rating-\(M.kind)-\(UInt32.random(in: 0...UInt32.max)).model")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let loaded = try M.load(from: url)
        let any = try ModelRegistry.load(from: url)
        #expect(type(of: any).kind == M.kind)
        return loaded
    }

    static func samePredictions(_ a: some RatingModel, _ b: some RatingModel, _ data: Interactions) {
        for u in 0..<Int32(data.userCount) {
            for i in stride(from: Int32(0), to: Int32(data.itemCount), by: 3) {
                #expect(abs(a.predict(user: u, item: i) - b.predict(user: u, item: i)) < 1e-5)
            }
        }
        let history: [(item: ItemIndex, rating: Float)] = [(1, 4), (2, 2)]
        #expect(zip(a.scores(forHistory: history), b.scores(forHistory: history)).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func everyRatingModelRoundTrips() throws {
        let data = RatingFixtures.random()
        let options = RatingFitOptions(ratingScale: 1...5)
        let base = try BaselineModel.Configuration.default.fit(data, options: options)
        Self.samePredictions(base, try Self.roundTrip(base), data)
        let svd = try SVDModel.Configuration(factors: 5, epochs: 3).fit(data, options: options)
        Self.samePredictions(svd, try Self.roundTrip(svd), data)
        let svdpp = try SVDppModel.Configuration(factors: 5, epochs: 3).fit(data, options: options)
        Self.samePredictions(svdpp, try Self.roundTrip(svdpp), data)
        let als = try ALSModel.Configuration(factors: 5, iterations: 3).fit(data, options: options)
        Self.samePredictions(als, try Self.roundTrip(als), data)
        let knn = try KNNBaselineModel.Configuration.default.fit(data, options: options)
        Self.samePredictions(knn, try Self.roundTrip(knn), data)
    }

    @Test func wrongKindAndCorruptFilesAreRejected() throws {
        let data = RatingFixtures.random()
        let svd = try SVDModel.Configuration(factors: 5, epochs: 1).fit(data)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rating-kind-\(UInt32.random(in: 0...UInt32.max)).model")
        defer { try? FileManager.default.removeItem(at: url) }
        try svd.save(to: url)
        #expect(throws: PersistenceError.self) { try ALSModel.load(from: url) }
        var archive = svd.archive()
        archive.set("user_factors", .floats([1, 2, 3]))
        #expect(throws: PersistenceError.self) { try SVDModel(archive: archive, path: "x") }
    }
}
