import Foundation
import Testing
@testable import Recommender
import RecommenderTestSupport

@Suite struct MatrixFactorizationModelTests {
    static func trained(regularized: Bool = true) throws -> MatrixFactorizationModel {
        let train = MFFixtures.interactions(users: 12, items: 10, density: 0.5, seed: 21)
        let test = MFFixtures.interactions(users: 12, items: 10, density: 0.1, seed: 22)
        let config = MatrixFactorization.Configuration(embeddingDim: 5, initStddev: 0.3, iterations: 40, learningRate: 0.05,
                                                       optimizer: .adam, regularization: regularized ? 0.1 : 0, gravity: regularized ? 0.5 : 0, seed: 7)
        return try MatrixFactorization(config).fit(MFFixtures.data(users: 12, items: 10, train: train), context: FitContext(validation: test))
    }

    func temporaryURL() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("mf-\(UUID().uuidString)/model.recmodel")
    }

    @Test func saveAndLoadRoundTrip() throws {
        let model = try Self.trained()
        let url = temporaryURL()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try model.save(to: url)
        let loaded = try MatrixFactorizationModel.load(from: url)
        #expect(loaded.userEmbeddings == model.userEmbeddings)
        #expect(loaded.itemEmbeddings == model.itemEmbeddings)
        #expect(loaded.configuration == model.configuration)
        #expect(loaded.metadata == model.metadata)
        #expect(loaded.trainingCount == model.trainingCount)
        #expect(loaded.history.rows.count == model.history.rows.count)
        #expect(loaded.history.metricNames == model.history.metricNames)
        for (a, b) in zipEqualLength(loaded.history.rows, model.history.rows) {
            #expect(a.iteration == b.iteration)
            for (name, value) in b.values { #expect(abs(a.values[name]! - value) <= 1e-5 * max(1, abs(value))) }
        }
        // Through the catalog, as the CLI loads it.
        let any = try AlgorithmCatalog.standard.loadModel(from: url)
        #expect(type(of: any).kind == "mf")
        #expect((any as? MatrixFactorizationModel)?.itemEmbeddings == model.itemEmbeddings)
    }

    @Test func corruptAndForeignFilesGiveClearErrors() throws {
        let model = try Self.trained(regularized: false)
        let url = temporaryURL()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try model.save(to: url)
        var bytes = [UInt8](try Data(contentsOf: url))
        bytes[bytes.count / 2] ^= 0x5A
        try Data(bytes).write(to: url)
        #expect(throws: PersistenceError.checksumMismatch(path: url.path)) { try MatrixFactorizationModel.load(from: url) }
        try Data("user,item,rating\n1,2,3\n".utf8).write(to: url)
        #expect(throws: PersistenceError.notAModelFile(path: url.path)) { try AlgorithmCatalog.standard.loadModel(from: url) }
        // A well-formed archive with the embeddings missing.
        var archive = ModelArchive(kind: "mf")
        archive.store(model.metadata)
        try archive.write(to: url)
        #expect(throws: PersistenceError.self) { try MatrixFactorizationModel.load(from: url) }
        // A different kind of model.
        var other = ModelArchive(kind: "other")
        other.store(model.metadata)
        try other.write(to: url)
        #expect(throws: PersistenceError.wrongKind(path: url.path, found: "other", expected: "mf")) { try MatrixFactorizationModel.load(from: url) }
    }

    @Test func scoresPredictionsAndProtocols() throws {
        let model = try Self.trained()
        let scores = model.scores(forUser: 3)
        #expect(scores.count == 10)
        for j in 0..<10 { #expect(abs(scores[j] - model.predict(user: 3, item: ItemIndex(j))) < 1e-5) }
        let scorer: any ItemScorer = model
        #expect(scorer.itemCount == 10)
        let embedding: any ItemEmbeddingModel = model
        #expect(embedding.itemEmbeddings.rows == 10 && embedding.itemEmbeddings.columns == 5)
    }

    /// Fold-in solves (VₕᵀVₕ + λI)u = Vₕᵀr: checked against Gaussian elimination of the same system.
    @Test func foldInSolvesTheRidgeSystem() throws {
        let model = try Self.trained()
        let history: [(item: ItemIndex, rating: Float)] = [(0, 5), (3, 1), (4, 4), (7, 2), (9, 3)]
        let u = try #require(model.foldIn(history))
        let d = model.embeddingDim
        var a = [[Double]](repeating: [Double](repeating: 0, count: d + 1), count: d)
        for (item, rating) in history {
            let v = model.itemEmbeddings.row(Int(item)).map(Double.init)
            for k in 0..<d {
                for l in 0..<d { a[k][l] += v[k] * v[l] }
                a[k][d] += v[k] * Double(rating)
            }
        }
        for k in 0..<d { a[k][k] += Double(model.foldInRegularization) }
        for col in 0..<d {  // Gauss-Jordan with partial pivoting
            let pivot = (col..<d).max { abs(a[$0][col]) < abs(a[$1][col]) }!
            a.swapAt(col, pivot)
            for r in 0..<d where r != col {
                let f = a[r][col] / a[col][col]
                for c in col...d { a[r][c] -= f * a[col][c] }
            }
        }
        for k in 0..<d { #expect(abs(Double(u[k]) - a[k][d] / a[k][k]) < 1e-4) }
        let scores = model.scores(forHistory: history)
        #expect(abs(scores[2] - zip(u, model.itemEmbeddings.row(2)).map { $0 * $1 }.reduce(0, +)) < 1e-4)
        #expect(model.scores(forHistory: []).allSatisfy { $0 == 0 })
        // λ_f = λ·n/N for a regularized model.
        #expect(abs(model.foldInRegularization - 0.1 * Float(model.trainingCount) / 12) < 1e-6)
    }

    /// A user folded in from their own training ratings lands near the embedding training gave them.
    @Test func foldInOfAKnownUserRanksLikeTheTrainedUser() throws {
        let model = try Self.trained(regularized: false)
        let user = 2
        let seen = model.metadata.seen
        let history = zip(seen.columns(ofRow: user), seen.values(ofRow: user)).map { (item: ItemIndex($0.0), rating: $0.1) }
        let folded = model.scores(forHistory: history), trained = model.scores(forUser: UserIndex(user))
        // Both fit the same ratings: their errors on those ratings are of the same order.
        func mse(_ s: [Float]) -> Float { history.map { (s[Int($0.item)] - $0.rating) * (s[Int($0.item)] - $0.rating) }.reduce(0, +) / Float(history.count) }
        #expect(mse(folded) <= max(2 * mse(trained), 0.5))
    }
}
