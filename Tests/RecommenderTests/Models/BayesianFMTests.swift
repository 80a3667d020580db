import Foundation
import Testing
@testable import Recommender
import RecommenderTestSupport

@Suite struct BayesianFMTests {
    /// Ratings 3 + ⟨p_u, q_i⟩ (+ noise), rank 2, with every side feature (``Fixtures/sideFeatureDataset``).
    static func lowRankDataset(users: Int = 40, items: Int = 30, density: Double = 0.5, noise: Float = 0.1,
                               seed: UInt64 = 1, scale: ClosedRange<Float>? = nil) -> Dataset {
        Fixtures.sideFeatureDataset(users: users, items: items, density: density, noise: noise, seed: seed, scale: scale)
    }

    static let quick = BayesianFactorizationMachine.Configuration(rank: 4, samples: 40, burnIn: 8, thinning: 1, threads: 1)

    @Test func documentedDefaults() throws {
        let c = BayesianFactorizationMachine.Configuration.default
        #expect(c.rank == 7 && c.samples == 400 && c.burnIn == 40 && c.thinning == 4)
        #expect(c.initStandardDeviation == 0.1)
        #expect(c.userSideFeatures && c.itemSideFeatures && c.userImplicitFeedback && c.itemImplicitFeedback)
        #expect(c.implicitNormalization == .sqrt && c.zipPrefixLength == 1 && c.yearBucketWidth == 1 && !c.normalizeGenres)
        #expect(c.hyperpriors == BayesianFactorizationMachine.Hyperpriors())
        #expect(c.hyperpriors.alpha0 == 1 && c.hyperpriors.beta0 == 1 && c.hyperpriors.gamma0 == 1 && c.hyperpriors.mu0 == 0)
        // The table documents the same values, within their bounds; burn-in depends on samples.
        let t = BayesianFactorizationMachine()
        #expect(t.implicitSource == .training)
        expectTableDefaults(t, ["embedding-dim": .integer(7), "samples": .integer(400), "burn-in": nil, "thinning": .integer(4),
                                "init-stddev": .real(0.1), "user-side-features": .flag(true), "item-side-features": .flag(true),
                                "user-implicit": .flag(true), "item-implicit": .flag(true), "implicit-source": .choice("training")])
        #expect(try t.configured(t.reader([:])) == c)
        #expect(try t.configured(t.reader(["samples": .integer(100)])).burnIn == 10)
        #expect(try t.configured(t.reader(["samples": .integer(1000)])).burnIn == 40)
        #expect(try t.configured(t.reader(["samples": .integer(100), "burn-in": .integer(3)])).burnIn == 3)
        #expect(try t.configured(t.reader(["rank": .integer(3)])).rank == 3)
    }

    @Test func gammaSamplerHasTheRightMoments() {
        var g = SeededGenerator(seed: 7)
        for shape in [0.5, 2.0, 40.0] {
            let n = 20_000
            let xs = (0..<n).map { _ in g.nextGamma(shape: shape) }
            let mean = xs.reduce(0, +) / Double(n)
            let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)
            #expect(abs(mean - shape) < 4 * (shape / Double(n)).squareRoot(), "shape \(shape): mean \(mean)")
            #expect(abs(variance - shape) / shape < 0.1, "shape \(shape): variance \(variance)")
        }
    }

    /// The Gibbs conditional of one feature vector (the "sex = M" user feature, shared by
    /// half the users) matches the analytic Gaussian posterior computed row by row.
    @Test func gibbsConditionalMatchesTheAnalyticPosterior() throws {
        let d = Self.lowRankDataset(users: 12, items: 10, density: 0.6)
        var c = Self.quick
        c.rank = 2
        let ub = FMFeatureBuilder.userBlock(dataset: d, implicit: d.interactions, configuration: c)
        let ib = FMFeatureBuilder.itemBlock(dataset: d, implicit: d.interactions, configuration: c)
        var g = SeededGenerator(seed: 3)
        let s = FMGibbsSampler(users: ub, items: ib, training: d.interactions, rank: 2, initStandardDeviation: 0.5,
                               globalMean: 3, hyper: .init(), threads: 1, generator: &g)
        for it in 0..<3 { s.sweep(iteration: it, seed: 11, generator: &g) }
        s.alpha = 2
        let group = try #require(ub.groupNames.firstIndex(of: "sex"))
        let j = try #require((0..<ub.featureCount).first { Int(ub.groupOf[$0]) == group })
        s.users.mu[group * s.D + 1] = 0.3
        s.users.lambda[group * s.D + 1] = 4
        s.computeStatistics(side: s.users, other: s.items)
        // Analytic posterior from the rows: ŷ is linear in φ_j with design h = x_j (1, θ_i,1…k).
        let D = s.D, Dp = s.Dp
        func theta(_ side: FMSide, _ e: Int) -> [Double] { (0..<D).map { Double(side.theta.pointer[e * Dp + $0]) } }
        let phiOld = (0..<D).map { Double(s.users.phi.pointer[j * Dp + $0]) }
        var A = [Double](repeating: 0, count: D * D), b = [Double](repeating: 0, count: D)
        for a in 0..<D {
            A[a * D + a] = s.users.lambda[group * D + a]
            b[a] = s.users.lambda[group * D + a] * s.users.mu[group * D + a]
        }
        let x = d.interactions
        for r in 0..<x.count {
            let u = Int(x.users[r]), i = Int(x.items[r])
            let entries = ub.entityOffsets[u]..<ub.entityOffsets[u + 1]
            guard let k = entries.first(where: { Int(ub.entityFeatures[$0]) == j }) else { continue }
            let xj = Double(ub.entityValues[k])
            let tu = theta(s.users, u), ti = theta(s.items, i)
            var prediction = tu[0] + ti[0]
            for f in 1..<D { prediction += tu[f] * ti[f] }
            var h = [xj] + (1..<D).map { xj * ti[$0] }
            var without = prediction
            for a in 0..<D { without -= h[a] * phiOld[a] }
            for a in 0..<D {
                b[a] += s.alpha * h[a] * (Double(x.ratings[r]) - without)
                for c in 0..<D { A[a * D + c] += s.alpha * h[a] * h[c] }
            }
            h.removeAll()
        }
        let mean = BayesianFactorizationMachineModel.solveSymmetric(A, b, D)
        let varianceOfFirst = BayesianFactorizationMachineModel.solveSymmetric(A, [1] + [Double](repeating: 0, count: D - 1), D)[0]
        // Sample the conditional many times (each draw keeps θ and g consistent).
        let n = 4000
        var sum = [Double](repeating: 0, count: D), sumSquares = 0.0
        let scratch = AlignedBuffer<Float>(count: D * Dp + 2 * Dp)
        var work = [Double](repeating: 0, count: D * D + 3 * D)
        for t in 0..<n {
            var rng = SeededGenerator(seed: UInt64(t) &+ 1000)
            s.sampleFeature(j, group: group, side: s.users, scratch: scratch.pointer, work: &work, rng: &rng)
            for a in 0..<D { sum[a] += Double(s.users.phi.pointer[j * Dp + a]) }
            let v = Double(s.users.phi.pointer[j * Dp]) - mean[0]
            sumSquares += v * v
        }
        for a in 0..<D {
            let sampled = sum[a] / Double(n)
            #expect(abs(sampled - mean[a]) < 5 * (varianceOfFirst * 4 / Double(n)).squareRoot() + 1e-3,
                    "coordinate \(a): sampled mean \(sampled), analytic \(mean[a])")
        }
        let sampledVariance = sumSquares / Double(n)
        #expect(abs(sampledVariance - varianceOfFirst) / varianceOfFirst < 0.12,
                "sampled variance \(sampledVariance), analytic \(varianceOfFirst)")
    }

    /// With the noise turned off the sweeps are iterated conditional modes: the penalised
    /// squared error never increases.
    @Test func conditionalModesDecreaseThePenalisedError() {
        let d = Self.lowRankDataset()
        let c = Self.quick
        let ub = FMFeatureBuilder.userBlock(dataset: d, implicit: d.interactions, configuration: c)
        let ib = FMFeatureBuilder.itemBlock(dataset: d, implicit: d.interactions, configuration: c)
        var g = SeededGenerator(seed: 5)
        let s = FMGibbsSampler(users: ub, items: ib, training: d.interactions, rank: 4, initStandardDeviation: 0.1,
                               globalMean: 3, hyper: .init(), threads: 1, generator: &g)
        s.drawScale = 0
        func objective() -> Double {
            var penalty = 0.0
            for side in [s.users, s.items] {
                for j in 0..<side.block.featureCount {
                    let grp = Int(side.block.groupOf[j])
                    for a in 0..<s.D {
                        let prior = j == side.block.globalFeature ? (0.0, s.hyper.globalPrecision) : (side.mu[grp * s.D + a], side.lambda[grp * s.D + a])
                        let v = Double(side.phi.pointer[j * s.Dp + a]) - prior.0
                        penalty += prior.1 * v * v
                    }
                }
            }
            return s.alpha * s.sumOfSquaredErrors() + penalty
        }
        var previous = objective()
        for it in 0..<8 {
            s.phase(side: s.users, other: s.items, seed: UInt64(it))
            let afterUsers = objective()
            #expect(afterUsers <= previous * (1 + 1e-5) + 1e-6)
            s.phase(side: s.items, other: s.users, seed: UInt64(it))
            let afterItems = objective()
            #expect(afterItems <= afterUsers * (1 + 1e-5) + 1e-6)
            previous = afterItems
        }
    }

    static func heldOut(_ d: Dataset) -> Split { Splitter.randomHoldout(d.interactions, testFraction: 0.2, seed: 2) }

    static func rmse(_ model: BayesianFactorizationMachineModel, _ test: Interactions) -> Double {
        RatingMetrics.rmse(predictions: (0..<test.count).map { model.predict(user: test.user(at: $0), item: test.item(at: $0)) },
                           targets: test.ratings)
    }

    @Test func recoversSyntheticLowRankRatings() throws {
        let d = Self.lowRankDataset(users: 60, items: 40, density: 0.5, noise: 0.1)
        let split = Self.heldOut(d)
        let model = try BayesianFactorizationMachine.fit(dataset: d, training: split.train, configuration: Self.quick, seed: 1)
        let mean = split.train.meanRating
        let baseline = RatingMetrics.rmse(predictions: [Float](repeating: mean, count: split.test.count), targets: split.test.ratings)
        let rmse = Self.rmse(model, split.test)
        #expect(rmse < 0.25, "held-out RMSE \(rmse) (global mean: \(baseline))")
        #expect(rmse < 0.4 * baseline)
    }

    @Test func sameSeedSameModelAndThreadCountDoesNotMatter() throws {
        let d = Self.lowRankDataset()
        var c = Self.quick
        c.samples = 20; c.burnIn = 5
        let a = try BayesianFactorizationMachine.fit(dataset: d, training: d.interactions, configuration: c, seed: 9)
        let b = try BayesianFactorizationMachine.fit(dataset: d, training: d.interactions, configuration: c, seed: 9)
        c.threads = 2
        let t = try BayesianFactorizationMachine.fit(dataset: d, training: d.interactions, configuration: c, seed: 9)
        let other = try BayesianFactorizationMachine.fit(dataset: d, training: d.interactions, configuration: c, seed: 10)
        #expect(a.parameters == b.parameters)
        #expect(a.parameters == t.parameters)
        #expect(a.parameters.userVectors != other.parameters.userVectors)
    }

    @Test func unknownUsersAndItemsFallBack() throws {
        let full = Self.lowRankDataset(scale: 1...5)
        // User 0 and item 0 have no training ratings at all.
        let rows = (0..<full.interactions.count).filter { full.interactions.users[$0] != 0 && full.interactions.items[$0] != 0 }
        let training = full.interactions.subset(rows)
        let model = try BayesianFactorizationMachine.fit(dataset: full, training: training, configuration: Self.quick, seed: 1)
        let mean = training.meanRating
        for (u, i) in [(0, 3), (4, 0), (0, 0), (-1, 2), (1000, 2), (2, 1000), (1000, 1000)] {
            let p = model.predict(user: UserIndex(u), item: ItemIndex(i))
            #expect(p.isFinite && (1...5).contains(p), "(\(u), \(i)) -> \(p)")
            #expect(abs(p - mean) < 1.5, "(\(u), \(i)) -> \(p), mean \(mean)")
        }
        #expect(abs(model.predict(user: 1000, item: 1000) - model.parameters.globalBias) < 1e-5)
        let scores = model.scores(forUser: 0)
        #expect(scores.count == full.itemCount && scores.allSatisfy { $0.isFinite && (1...5).contains($0) })
    }

    @Test func predictionsAreClippedToTheScale() throws {
        let d = Self.lowRankDataset(noise: 0, scale: 2.5...3.5)
        let model = try BayesianFactorizationMachine.fit(dataset: d, training: d.interactions, configuration: Self.quick, seed: 1)
        let all = (0..<d.userCount).flatMap { u in model.scores(forUser: UserIndex(u)) }
        #expect(all.allSatisfy { (2.5...3.5).contains($0) })
        #expect(all.contains(2.5) && all.contains(3.5))
    }

    @Test func saveAndLoadRoundTrip() throws {
        let d = Self.lowRankDataset()
        var c = Self.quick
        c.samples = 20; c.burnIn = 5; c.thinning = 3
        let model = try BayesianFactorizationMachine.fit(dataset: d, training: d.interactions, configuration: c, seed: 4)
        #expect(model.sampleCount == 5)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bfm-\(UUID().uuidString).model")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let loaded = try BayesianFactorizationMachineModel.load(from: url)
        #expect(loaded.parameters == model.parameters)
        #expect(loaded.metadata == model.metadata)
        let any = try AlgorithmCatalog.standard.loadModel(from: url)
        #expect(type(of: any).kind == "bayesian-fm")
        #expect(loaded.scores(forUser: 3) == model.scores(forUser: 3))
        // files written before the rename carry the kind "best" and still load
        var old = model.archive()
        old.kind = "best"
        try old.write(to: url)
        let former = try #require(try AlgorithmCatalog.standard.loadModel(from: url) as? BayesianFactorizationMachineModel)
        #expect(former.parameters == model.parameters)
        #expect(try BayesianFactorizationMachineModel.load(from: url).parameters == model.parameters)
    }

    /// Fold-in of a training user's own ratings gives nearly the model's predictions for
    /// that user (it differs only by using posterior means and no demographics).
    @Test func foldInMatchesTheTrainedUser() throws {
        let d = Self.lowRankDataset(users: 60, items: 40, density: 0.6, noise: 0.1)
        let model = try BayesianFactorizationMachine.fit(dataset: d, training: d.interactions, configuration: Self.quick, seed: 1)
        let byUser = d.interactions.byUser()
        var worst = 0.0
        for u in 0..<10 {
            let history = (byUser.rowOffsets[u]..<byUser.rowOffsets[u + 1]).map { (item: ItemIndex(byUser.columns[$0]), rating: byUser.values[$0]) }
            let folded = model.scores(forHistory: history), trained = model.scores(forUser: UserIndex(u))
            worst = max(worst, RatingMetrics.rmse(predictions: folded, targets: trained))
        }
        #expect(worst < 0.2, "largest RMS difference between fold-in and trained user: \(worst)")
        let empty = model.scores(forHistory: [])
        #expect(empty.count == d.itemCount && empty.allSatisfy(\.isFinite))
    }

    @Test func invalidConfigurationsThrow() throws {
        let d = Self.lowRankDataset()
        for c in [BayesianFactorizationMachine.Configuration(rank: 0), .init(samples: 10, burnIn: 10), .init(thinning: 0)] {
            #expect(throws: TrainingError.self) {
                try BayesianFactorizationMachine.fit(dataset: d, training: d.interactions, configuration: c)
            }
            #expect(throws: TrainingError.self) { try BayesianFactorizationMachine(c).fit(TrainingData(d), context: FitContext()) }
        }
        // through the table: out of bounds, or burn-in not below samples
        let t = BayesianFactorizationMachine()
        #expect(throws: TrainingError.self) { try t.fit(d, hyperparameters: ["embedding-dim": .integer(0)]) }
        #expect(throws: TrainingError.self) { try t.fit(d, hyperparameters: ["samples": .integer(10), "burn-in": .integer(10)]) }
        let foreign = Interactions(users: [0], items: [0], ratings: [3], userCount: d.userCount + 1, itemCount: d.itemCount)
        #expect(throws: TrainingError.self) {
            try BayesianFactorizationMachine.fit(dataset: d, training: d.interactions, validation: foreign)
        }
        #expect(throws: TrainingError.self) {
            try t.fit(TrainingData(d), hyperparameters: ["samples": .integer(2), "burn-in": .integer(0)], context: FitContext(validation: foreign))
        }
        #expect(throws: TrainingError.emptyTraining) {
            try BayesianFactorizationMachine.fit(dataset: d, training: .empty(userCount: d.userCount, itemCount: d.itemCount))
        }
        #expect(throws: TrainingError.emptyTraining) {
            try t.fit(TrainingData(d, training: .empty(userCount: d.userCount, itemCount: d.itemCount)), hyperparameters: [:], context: FitContext())
        }
    }

    /// The catalog's entry point gives the sampler's model for the same settings and seed, with
    /// the implicit bags from the training part only unless `implicit-source` is `all`.
    @Test func trainerMatchesTheSampler() throws {
        let d = Self.lowRankDataset()
        let split = Self.heldOut(d)
        var c = Self.quick
        c.samples = 10; c.burnIn = 2
        let direct = try BayesianFactorizationMachine.fit(dataset: d, training: split.train, configuration: c, seed: 3)
        let settings: Hyperparameters = ["embedding-dim": .integer(4), "samples": .integer(10), "burn-in": .integer(2), "thinning": .integer(1)]
        let data = try TrainingData(d, training: split.train)
        let viaTable = try #require(try BayesianFactorizationMachine().fit(data, hyperparameters: settings, context: FitContext(seed: 3, threads: 1))
                                    as? BayesianFactorizationMachineModel)
        #expect(viaTable.parameters == direct.parameters)
        let leaky = try BayesianFactorizationMachine.fit(dataset: d, training: split.train, implicit: d.interactions, configuration: c, seed: 3)
        let viaAll = try #require(try BayesianFactorizationMachine().fit(data, hyperparameters: settings.setting("implicit-source", .choice("all")),
                                                                         context: FitContext(seed: 3, threads: 1)) as? BayesianFactorizationMachineModel)
        #expect(viaAll.parameters == leaky.parameters && viaAll.parameters != direct.parameters)
    }
}
