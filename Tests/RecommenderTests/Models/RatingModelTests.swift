import Foundation
import Testing
@testable import Recommender
import RecommenderTestSupport

@Suite struct BaselineModelTests {
    @Test func documentedDefaults() throws {
        let c = BaselineModel.Configuration.default
        #expect(c.method == .als && c.epochs == 10 && c.userRegularization == 5 && c.itemRegularization == 5)
        let s = BaselineModel.Configuration.surprise
        #expect(s.userRegularization == 15 && s.itemRegularization == 10 && s.epochs == 10)
        let sgd = BaselineModel.Configuration.defaultSGD
        #expect(sgd.method == .sgd && sgd.epochs == 20 && sgd.learningRate == 0.005 && sgd.sgdRegularization == 0.02)
        // The table (train, tune, the HTTP API and the help) documents the same values, within their bounds.
        let t = Baseline()
        expectTableDefaults(t, ["method": .choice("als"), "epochs": nil, "user-regularization": .real(5), "item-regularization": .real(5),
                                "learning-rate": .real(0.005), "regularization": .real(0.02)])
        #expect(try t.configured(t.reader([:])) == c)
        // epochs: 10 for als, 20 for sgd; learning-rate alone selects sgd
        #expect(try t.configured(t.reader(["method": .choice("sgd")])) == sgd)
        #expect(try t.configured(t.reader(["learning-rate": .real(0.005)])) == sgd)
        #expect(try t.configured(t.reader(["method": .choice("sgd"), "epochs": .integer(3)])).epochs == 3)
        // for als, regularization sets both λ_u and λ_i unless they are set themselves
        let r = try t.configured(t.reader(["regularization": .real(2), "item-regularization": .real(7)]))
        #expect(r.method == .als && r.userRegularization == 2 && r.itemRegularization == 7)
    }

    /// μ = 4; one ALS epoch with λ_u = λ_i = 1: b_u0 = (1 + 0)/3, b_u1 = −1/2,
    /// b_i0 = ((5−4−1/3) + (3−4+1/2))/3 = 1/18, b_i1 = (4−4−1/3)/2 = −1/6.
    @Test func handComputedALSEpoch() throws {
        let c = BaselineModel.Configuration(epochs: 1, userRegularization: 1, itemRegularization: 1)
        let m = try Baseline(c).fit(RatingFixtures.tiny())
        #expect(abs(m.mean - 4) < 1e-6)
        #expect(abs(m.userBias[0] - 1.0 / 3) < 1e-6 && abs(m.userBias[1] + 0.5) < 1e-6)
        #expect(abs(m.itemBias[0] - 1.0 / 18) < 1e-6 && abs(m.itemBias[1] + 1.0 / 6) < 1e-6)
        #expect(abs(m.predict(user: 1, item: 1) - (4 - 0.5 - 1.0 / 6)) < 1e-5)
    }

    /// One SGD step from zero biases: e = r − μ, b ← γ e.
    @Test func handComputedSGDStep() throws {
        let data = Interactions(users: [0], items: [0], ratings: [4], userCount: 1, itemCount: 1)
        let c = BaselineModel.Configuration(method: .sgd, epochs: 1, learningRate: 0.5, sgdRegularization: 0)
        let m = try Baseline(c).fit(data, scale: nil)
        #expect(abs(m.userBias[0]) < 1e-7 && abs(m.itemBias[0]) < 1e-7)   // μ = 4, e = 0
        let two = Interactions(users: [0, 0], items: [0, 1], ratings: [5, 3], userCount: 1, itemCount: 2)
        let m2 = try Baseline(BaselineModel.Configuration(method: .sgd, epochs: 1, learningRate: 0.1, sgdRegularization: 0)).fit(two, scale: nil)
        // μ = 4. Item 0 first: e = 1 → b_u = b_0 = 0.1; then e = 3 − 4 − 0.1 = −1.1 → b_1 = −0.11.
        // Item 1 first: e = −1 → b_u = b_1 = −0.1; then e = 5 − 4 + 0.1 = 1.1 → b_0 = 0.11.
        let a = abs(m2.itemBias[0] - 0.1) < 1e-6 && abs(m2.itemBias[1] + 0.11) < 1e-6 && abs(m2.userBias[0] + 0.01) < 1e-6
        let b = abs(m2.itemBias[0] - 0.11) < 1e-6 && abs(m2.itemBias[1] + 0.1) < 1e-6 && abs(m2.userBias[0] - 0.01) < 1e-6
        #expect(a || b, "biases \(m2.userBias) \(m2.itemBias)")
    }

    @Test func unknownUsersAndItemsFallBack() throws {
        let m = try Baseline().fit(RatingFixtures.tiny())
        // user 2 and item 2 have no training rating
        #expect(abs(m.predict(user: 2, item: 0) - (m.mean + m.itemBias[0])) < 1e-6)
        #expect(abs(m.predict(user: 0, item: 2) - (m.mean + m.userBias[0])) < 1e-6)
        #expect(abs(m.predict(user: -1, item: 99) - m.mean) < 1e-6)
        #expect(abs(m.predict(userID: "nobody", itemID: "nothing") - m.mean) < 1e-6)
    }

    @Test func emptyTrainingThrows() {
        #expect(throws: TrainingError.emptyTraining) {
            try Baseline().fit(Interactions.empty(userCount: 2, itemCount: 2), scale: nil)
        }
    }
}

@Suite struct FactorModelTests {
    @Test func documentedDefaults() throws {
        let s = SVDModel.Configuration.default
        #expect(s.factors == 100 && s.epochs == 20 && s.learningRate == 0.015 && s.regularization == 0.08 && s.initStandardDeviation == 0.1)
        #expect(SVDModel.Configuration.surprise.learningRate == 0.005 && SVDModel.Configuration.surprise.regularization == 0.02)
        let pp = SVDppModel.Configuration.default
        #expect(pp.factors == 20 && pp.epochs == 40 && pp.learningRate == 0.01 && pp.regularization == 0.1 && pp.initStandardDeviation == 0.1)
        let ps = SVDppModel.Configuration.surprise
        #expect(ps.epochs == 20 && ps.learningRate == 0.007 && ps.regularization == 0.02)
        let a = ALSModel.Configuration.default
        #expect(a.factors == 20 && a.iterations == 12 && a.regularization == 0.12)
        let k = KNNBaselineModel.Configuration.default
        #expect(k.neighbors == 40 && k.minNeighbors == 1 && k.shrinkage == 100 && k.baseline == .surprise)
        // The tables document the same values, within their bounds, and read back as the configurations.
        expectTableDefaults(SVD(), ["embedding-dim": .integer(100), "epochs": .integer(20), "learning-rate": .real(0.015),
                                    "regularization": .real(0.08), "init-stddev": .real(0.1), "learning-rate-decay": .real(1)])
        expectTableDefaults(SVDpp(), ["embedding-dim": .integer(20), "epochs": .integer(40), "learning-rate": .real(0.01),
                                      "regularization": .real(0.1), "init-stddev": .real(0.1), "learning-rate-decay": .real(1)])
        expectTableDefaults(ALS(), ["embedding-dim": .integer(20), "iterations": .integer(12), "regularization": .real(0.12),
                                    "init-stddev": .real(0.1)])
        expectTableDefaults(KNNBaseline(), ["neighbours": .integer(40), "min-neighbours": .integer(1), "shrinkage": .real(100),
                                            "user-regularization": .real(15), "item-regularization": .real(10), "epochs": .integer(10)])
        #expect(try SVD().configured(SVD().reader([:])) == s)
        #expect(try SVDpp().configured(SVDpp().reader([:])) == pp)
        #expect(try ALS().configured(ALS().reader([:])) == a)
        #expect(try KNNBaseline().configured(KNNBaseline().reader([:])) == k)
        // older spellings still name the same parameters
        #expect(try SVD().configured(SVD().reader(["factors": .integer(7), "lr": .real(0.5), "reg": .real(0.25)]))
                == SVDModel.Configuration(factors: 7, learningRate: 0.5, regularization: 0.25))
    }

    /// Known answer: an exact rank-2 matrix is recovered on held-out cells far better than by the biases alone.
    @Test func recoverLowRankMatrix() throws {
        let (train, test) = RatingFixtures.lowRank()
        let scale: ClosedRange<Float> = -10...10
        let baseline = RatingFixtures.rmse(try Baseline(.init(userRegularization: 0.1, itemRegularization: 0.1)).fit(train, scale: scale), test)
        let svd = RatingFixtures.rmse(try SVD(.init(factors: 2, epochs: 400, learningRate: 0.02, regularization: 0.001)).fit(train, scale: scale), test)
        let svdpp = RatingFixtures.rmse(try SVDpp(.init(factors: 2, epochs: 400, learningRate: 0.02, regularization: 0.001)).fit(train, scale: scale), test)
        let als = RatingFixtures.rmse(try ALS(.init(factors: 2, iterations: 40, regularization: 0.001, threads: 1)).fit(train, scale: scale), test)
        #expect(baseline > 0.4)
        #expect(svd < 0.1, "svd held-out RMSE \(svd) vs baseline \(baseline)")
        #expect(svdpp < 0.15, "svdpp held-out RMSE \(svdpp)")
        #expect(als < 0.1, "als held-out RMSE \(als)")
    }

    @Test func predictionsAreClippedAndUnknownsFallBack() throws {
        let data = RatingFixtures.random()
        let widened = Interactions(users: data.users, items: data.items, ratings: data.ratings, userCount: data.userCount + 1, itemCount: data.itemCount + 1)
        let svd = try SVD(.init(factors: 8, epochs: 5)).fit(widened)
        let newUser = UserIndex(data.userCount), newItem = ItemIndex(data.itemCount)
        #expect(abs(svd.predict(user: newUser, item: 0) - min(5, max(1, svd.mean + svd.itemBias[0]))) < 1e-6)
        #expect(abs(svd.predict(user: 0, item: newItem) - min(5, max(1, svd.mean + svd.userBias[0]))) < 1e-6)
        #expect(abs(svd.predict(user: -5, item: 1_000) - svd.mean) < 1e-6)
        for u in 0..<data.userCount { for i in 0..<data.itemCount { #expect((1...5).contains(svd.predict(user: UserIndex(u), item: ItemIndex(i)))) } }
        let scores = svd.scores(forUser: 0)
        #expect(scores.count == data.itemCount + 1 && abs(min(5, max(1, scores[3])) - svd.predict(user: 0, item: 3)) < 1e-5)
        #expect(svd.predictedRatings(forNewUser: [(ItemID(1), 5)]).allSatisfy { (1...5).contains($0.rating) })
    }

    @Test func sameSeedSameModelSingleThread() throws {
        let data = RatingFixtures.random()
        let c = SVD(.init(factors: 10, epochs: 5, seed: 42))
        #expect(try c.fit(data, scale: nil) == c.fit(data, scale: nil))
        #expect(try c.fit(data, scale: nil) != c.fit(data, scale: nil, context: FitContext(seed: 43)))
        // the context's seed overrides the configuration's
        #expect(try c.fit(data, scale: nil) == SVD(.init(factors: 10, epochs: 5, seed: 7)).fit(data, scale: nil, context: FitContext(seed: 42)))
        let pp = SVDpp(.init(factors: 6, epochs: 4, seed: 9))
        #expect(try pp.fit(data, scale: nil) == pp.fit(data, scale: nil))
        // ALS solves are independent: the thread count does not change the result.
        let one = try ALS(.init(factors: 5, iterations: 3, threads: 1)).fit(data, scale: nil)
        let two = try ALS(.init(factors: 5, iterations: 3, threads: 2)).fit(data, scale: nil)
        #expect(one == two)
        #expect(try ALS(.init(factors: 5, iterations: 3, threads: 1)).fit(data, scale: nil, context: FitContext(threads: 3)) == one)
    }

    /// Blocked parallel SGD (forced on a small fixture): deterministic, and as accurate.
    @Test func blockedParallelSVDIsDeterministicAndAccurate() throws {
        let (train, test) = RatingFixtures.lowRank()
        let options = RatingFitOptions(ratingScale: -10...10)
        let c = SVDModel.Configuration(factors: 2, epochs: 400, learningRate: 0.02, regularization: 0.001, threads: 2)
        let a = try c.fit(train, options: options, blockGroups: 8), b = try c.fit(train, options: options, blockGroups: 8)
        #expect(train.count / 256 >= 2, "the fixture must be large enough for at least 2 × 2 blocks")
        #expect(a == b)
        #expect(RatingFixtures.rmse(a, test) < 0.1, "blocked SGD held-out RMSE \(RatingFixtures.rmse(a, test))")
    }

    /// The SGD update is −γ/2 times the gradient of the per-rating loss
    /// (r − μ − b_u − b_i − p·q)² + λ(|p|² + |q|²), checked against central differences.
    @Test func sgdUpdateMatchesFiniteDifferenceGradient() {
        let k = 8
        var g = SeededGenerator(seed: 1)
        let p0 = (0..<k).map { _ in g.nextNormal() * 0.3 }, q0 = (0..<k).map { _ in g.nextNormal() * 0.3 }
        let r: Float = 4, base: Float = 3.2, lr: Float = 0.01, lambda: Float = 0.05
        func loss(_ p: [Double], _ q: [Double]) -> Double {
            let pred = Double(base) + zip(p, q).map(*).reduce(0, +)
            return (Double(r) - pred) * (Double(r) - pred) + Double(lambda) * (p.map { $0 * $0 }.reduce(0, +) + q.map { $0 * $0 }.reduce(0, +))
        }
        var p = p0, q = q0
        let e = r - base - zip(p0, q0).map(*).reduce(0, +)
        p.withUnsafeMutableBufferPointer { pb in q.withUnsafeMutableBufferPointer { qb in
            Kernels.sgdPairUpdate(pb.baseAddress!, qb.baseAddress!, error: e, learningRate: lr, regularization: lambda, k)
        } }
        let pd = p0.map(Double.init), qd = q0.map(Double.init), h = 1e-5
        for f in 0..<k {
            var plus = pd, minus = pd; plus[f] += h; minus[f] -= h
            let gradP = (loss(plus, qd) - loss(minus, qd)) / (2 * h)
            #expect(abs(Double(p[f] - p0[f]) - (-Double(lr) / 2 * gradP)) < 1e-6)
            var qp = qd, qm = qd; qp[f] += h; qm[f] -= h
            let gradQ = (loss(pd, qp) - loss(pd, qm)) / (2 * h)
            #expect(abs(Double(q[f] - q0[f]) - (-Double(lr) / 2 * gradQ)) < 1e-6)
        }
    }

    /// SVD++ grouped by user equals Surprise's per-rating updates: a reference implementation of
    /// the per-rating rule (every y_j updated at every rating) over the same order.
    @Test func svdppGroupedUpdatesEqualPerRatingUpdates() throws {
        // One user, items visited in CSR order when the user has a single shuffle... use a
        // single user so the order is only within-user; compare after one epoch.
        let data = Interactions(users: [0, 0, 0, 0], items: [0, 1, 2, 3], ratings: [5, 3, 4, 1], userCount: 1, itemCount: 4)
        let c = SVDppModel.Configuration(factors: 8, epochs: 1, learningRate: 0.05, regularization: 0.1, seed: 5)
        let model = try SVDpp(c).fit(data, scale: nil)
        // Reproduce the initialisation and the within-user order of the fit.
        var g = SeededGenerator(seed: 5)
        let k = 8
        var p = (0..<k).map { _ in g.nextNormal() * 0.1 }
        var q = (0..<4).map { _ in (0..<k).map { _ in g.nextNormal() * 0.1 } }
        var y = (0..<4).map { _ in (0..<k).map { _ in g.nextNormal() * 0.1 } }
        var users = [0]; g.shuffle(&users)
        var order = [0, 1, 2, 3]
        var t = 3
        while t > 0 { let j = g.nextInt(below: t + 1); order.swapAt(t, j); t -= 1 }
        var bu: Float = 0, bi = [Float](repeating: 0, count: 4)
        let mu: Float = 3.25, lr: Float = 0.05, reg: Float = 0.1, s = 1 / Float(2)
        for at in order {
            let i = at, r = data.ratings[at]
            var z = [Float](repeating: 0, count: k)
            for j in 0..<4 { for f in 0..<k { z[f] += s * y[j][f] } }
            var dot: Float = 0
            for f in 0..<k { dot += q[i][f] * (p[f] + z[f]) }
            let e = r - (mu + bu + bi[i] + dot)
            bu += lr * (e - reg * bu); bi[i] += lr * (e - reg * bi[i])
            let oldP = p, oldQ = q[i]
            for f in 0..<k {
                p[f] += lr * (e * oldQ[f] - reg * oldP[f])
                q[i][f] += lr * (e * (oldP[f] + z[f]) - reg * oldQ[f])
            }
            for j in 0..<4 { for f in 0..<k { y[j][f] += lr * (e * s * oldQ[f] - reg * y[j][f]) } }
        }
        let fittedP = model.userFactors, fittedQ = model.itemEmbeddings, fittedY = model.implicitFactors
        for f in 0..<k {
            #expect(abs(fittedP[0, f] - p[f]) < 1e-5)
            for j in 0..<4 {
                #expect(abs(fittedQ[j, f] - q[j][f]) < 1e-5)
                #expect(abs(fittedY[j, f] - y[j][f]) < 1e-5)
            }
        }
        #expect(abs(model.userBias[0] - bu) < 1e-5)
    }

    @Test func earlyStoppingRestoresTheBestEpoch() throws {
        let data = RatingFixtures.random(users: 60, items: 40, density: 0.5)
        let split = Splitter.randomHoldout(data, testFraction: 0.2, seed: 1)
        let reports = ReportBox()
        let c = SVD(.init(factors: 30, epochs: 200, learningRate: 0.05, regularization: 0.0))
        let context = FitContext(validation: split.test, earlyStopping: EarlyStopping(patience: 3, minimumImprovement: 0),
                                 observer: { reports.append($0) })
        let model = try c.fit(split.train, context: context)
        let seen = reports.all
        #expect(seen.count < 200, "an overfitting run must stop early")
        let best = try #require(seen.compactMap { $0.metric("validation_rmse") }.min())
        #expect(abs(RatingFixtures.rmse(model, split.test) - best) < 1e-4)
        #expect(seen.last?.step == seen.count && seen.allSatisfy { $0.stepCount == 200 && $0.unit == "epoch" && $0.estimatedRemainingSeconds >= 0 })
    }

    @Test func divergenceIsReported() {
        let data = RatingFixtures.random()
        #expect {
            try SVD(.init(factors: 10, epochs: 30, learningRate: 5)).fit(data, scale: nil)
        } throws: { error in
            guard case .diverged? = error as? TrainingError else { return false }
            return "\(error)".contains("learning-rate")   // names the table's parameter, not another spelling
        }
    }
}

final class ReportBox: @unchecked Sendable {
    private var reports: [TrainingEvent] = []
    private let lock = NSLock()
    func append(_ p: TrainingEvent) { lock.lock(); reports.append(p); lock.unlock() }
    var all: [TrainingEvent] { lock.lock(); defer { lock.unlock() }; return reports }
}
