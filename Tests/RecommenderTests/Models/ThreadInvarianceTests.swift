import Testing
@testable import Recommender
import RecommenderTestSupport

/// Every parallel model gives the bit-identical model with 1, 2 and 3 threads (the library's
/// rule: work is cut into fixed chunks, never by the thread count). Fixtures are large enough
/// that each model's parallel path splits the work into several chunks.
@Suite struct ThreadInvarianceTests {
    static let threadCounts = [1, 2, 3]
    /// 300 users × 200 items, about 6,000 ratings 1–5.
    static let ratings = RatingFixtures.random(users: 300, items: 200, density: 0.1, seed: 11)

    /// Fits once per thread count and expects every result to equal the first.
    func expectSame<T: Equatable>(_ name: String, _ fit: (Int) throws -> T) rethrows {
        let results = try Self.threadCounts.map { try fit($0) }
        for (k, r) in results.enumerated().dropFirst() {
            #expect(r == results[0], "\(name): \(Self.threadCounts[k]) threads differ from 1 thread")
        }
    }

    struct MFResult: Equatable { var u: Matrix, v: Matrix, history: TrainingHistory }

    @Test func matrixFactorization() throws {
        let train = MFFixtures.interactions(users: 80, items: 60, density: 0.3, seed: 1)
        let test = MFFixtures.interactions(users: 80, items: 60, density: 0.05, seed: 2)
        let metadata = MFFixtures.metadata(users: 80, items: 60, train: train)
        for (regularization, gravity) in [(Float(0), Float(0)), (0.1, 1)] {
            try expectSame("mf λ=\(regularization) γ=\(gravity)") { threads -> MFResult in
                var c = MatrixFactorization.Configuration(embeddingDim: 20, initStddev: 0.1, iterations: 20, learningRate: 2,
                                                          optimizer: .adam, regularization: regularization, gravity: gravity, seed: 4)
                c.threads = threads
                let m = try MatrixFactorization(c).fit(train: train, test: test, metadata: metadata)
                return MFResult(u: m.userEmbeddings, v: m.itemEmbeddings, history: m.history)
            }
        }
    }

    @Test func softmax() throws {
        let d = softmaxTwoGroupDataset()
        try expectSame("softmax") { threads -> SoftmaxNetwork in
            var c = softmaxSmallConfiguration(); c.threads = threads
            return try Softmax(c).fit(TrainingData(d), context: FitContext()).network
        }
    }

    @Test func svdSequentialAndBlocked() throws {
        let options = RatingFitOptions(ratingScale: 1...5)
        try expectSame("svd") { try SVDModel.Configuration(factors: 8, epochs: 5, threads: $0).fit(Self.ratings, options: options) }
        // Blocked SGD (used from SVDModel.blockedMinimumRatings ratings on), forced on the fixture.
        try expectSame("svd blocked") {
            try SVDModel.Configuration(factors: 8, epochs: 5, threads: $0).fit(Self.ratings, options: options, blockGroups: 8)
        }
    }

    @Test func alsAndKNNBaseline() throws {
        let options = RatingFitOptions(ratingScale: 1...5)
        try expectSame("als") { try ALSModel.Configuration(factors: 6, iterations: 3, threads: $0).fit(Self.ratings, options: options) }
        try expectSame("knn-baseline") { try KNNBaselineModel.Configuration(threads: $0).fit(Self.ratings, options: options) }
    }

    @Test func bayesianFM() throws {
        let d = BayesianFMTests.lowRankDataset()
        try expectSame("best") { threads in
            var c = BayesianFMTests.quick
            c.samples = 6; c.burnIn = 2; c.threads = threads
            return try BayesianFactorizationMachine.fit(dataset: d, training: d.interactions, configuration: c, seed: 9).parameters
        }
    }

    @Test func implicitALS() throws {
        for solver in [ImplicitALS.Solver.conjugateGradient, .cholesky] {
            try expectSame("ials \(solver)") { threads -> [[Float]] in
                var c = ImplicitALS.Configuration(factors: 8, iterations: 3, seed: 3, threads: threads)
                c.solver = solver
                let m = try ImplicitALS(c).fit(Self.ratings)
                return [m.userFactors.storage, m.itemFactors.storage]
            }
        }
    }

    @Test func easeItemKNNAndBPR() throws {
        try expectSame("ease") { try EASE(.init(lambda: 50, threads: $0)).fit(Self.ratings).weights }
        expectSame("item-knn") { ItemKNN(.init(neighbours: 20, threads: $0)).fit(Self.ratings).neighbours }
        // BPR's default is one deterministic SGD stream: `threads` only matters with `hogwild`.
        try expectSame("bpr") { threads -> [[Float]] in
            let m = try BPR(.init(factors: 8, epochs: 3, threads: threads)).fit(Self.ratings)
            return [m.userFactors.storage, m.itemFactors.storage, m.itemBias]
        }
    }

    @Test func topNRecommendations() throws {
        let model = try ImplicitALS(.init(factors: 4, iterations: 2, threads: 1)).fit(Self.ratings)
        let users = (0..<Self.ratings.userCount).map { UserIndex($0) }
        expectSame("top-n") { TopNRecommender.recommend(model, metadata: model.metadata, users: users, k: 10, threads: $0) }
    }

    /// The Hogwild opt-in trains (its result depends on thread timing, so only quality is
    /// checked). Its item-factor updates are data races by design: scripts/tsan.supp suppresses
    /// them for `make tsan` (function `hogwildEpoch`).
    @Test func bprHogwildOptInTrains() throws {
        let recorded = Locked<[Double]>([])
        let m = try BPR(.init(factors: 8, epochs: 20, threads: 2, hogwild: true)).fit(Self.ratings, observer: { event in
            if let a = event.metric("train_accuracy") { recorded.withLock { $0.append(a) } }
        })
        #expect(m.itemFactors.storage.allSatisfy { $0.isFinite })
        let accuracy = recorded.withLock { $0 }
        let first = try #require(accuracy.first), last = try #require(accuracy.last)
        #expect(last > first, "sampled-triple accuracy \(first) → \(last)")
    }
}
