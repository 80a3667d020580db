import Foundation
import Testing
@testable import Recommender
import RecommenderTestSupport

/// Fold-in gives a new user the row a refit of that user alone would: the minimiser of the
/// training loss restricted to the user's ratings with every item parameter frozen, found
/// here by slow, plain full-batch gradient descent (the obviously correct reference).
@Suite struct RatingFoldInTests {
    /// Minimises Σ_j (t_j − q_j·p − b)² + λ(|p|² + b²) by gradient descent (Double).
    static func refitByGradientDescent(items: [[Float]], targets: [Float], lambda: Double, steps: Int = 20_000) -> (p: [Double], b: Double) {
        let k = items.first?.count ?? 0
        var p = [Double](repeating: 0, count: k), b = 0.0
        let rate = 0.5 / (Double(items.count) * 4 + lambda)
        for _ in 0..<steps {
            var gp = p.map { 2 * lambda * $0 }, gb = 2 * lambda * b
            for (j, q) in items.enumerated() {
                var pred = b
                for f in 0..<k { pred += Double(q[f]) * p[f] }
                let e = Double(targets[j]) - pred
                for f in 0..<k { gp[f] -= 2 * e * Double(q[f]) }
                gb -= 2 * e
            }
            for f in 0..<k { p[f] -= rate * gp[f] }
            b -= rate * gb
        }
        return (p, b)
    }

    static func history(_ data: Interactions, user: UserIndex) -> [(item: ItemIndex, rating: Float)] {
        (0..<data.count).filter { data.user(at: $0) == user }.map { (data.item(at: $0), data.ratings[$0]) }
    }

    @Test func svdFoldInEqualsRefitOfTheUser() throws {
        let data = RatingFixtures.random()
        let model = try SVD(.init(factors: 4, epochs: 10, regularization: 0.05)).fit(data)
        let history = Self.history(data, user: 3)
        let folded = model.foldIn(history)
        let q = model.itemEmbeddings
        let items = history.map { q.row(Int($0.item)) }
        let targets = history.map { $0.rating - model.mean - model.itemBias[Int($0.item)] }
        let ref = Self.refitByGradientDescent(items: items, targets: targets, lambda: 0.05 * Double(history.count))
        for f in 0..<4 { #expect(abs(Double(folded.factors[f]) - ref.p[f]) < 1e-3) }
        #expect(abs(Double(folded.bias) - ref.b) < 1e-3)
        // and the scores use that row
        let scores = model.scores(forHistory: history)
        var expected = model.mean + folded.bias + model.itemBias[7]
        for f in 0..<4 { expected += q[7, f] * folded.factors[f] }
        #expect(abs(scores[7] - expected) < 1e-4)   // ranking scores are unclipped
    }

    @Test func alsFoldInEqualsRefitOfTheUser() throws {
        let data = RatingFixtures.random()
        let model = try ALS(.init(factors: 3, iterations: 5, threads: 1)).fit(data)
        let history = Self.history(data, user: 5)
        let folded = model.foldIn(history)
        let q = model.itemEmbeddings
        let ref = Self.refitByGradientDescent(items: history.map { q.row(Int($0.item)) },
                                              targets: history.map { $0.rating - model.mean - model.itemBias[Int($0.item)] },
                                              lambda: 0.12 * Double(history.count))
        for f in 0..<3 { #expect(abs(Double(folded.factors[f]) - ref.p[f]) < 1e-3) }
        #expect(abs(Double(folded.bias) - ref.b) < 1e-3)
    }

    @Test func svdppFoldInAddsTheImplicitTerm() throws {
        let data = RatingFixtures.random()
        let model = try SVDpp(.init(factors: 4, epochs: 8)).fit(data)
        let history = Self.history(data, user: 2)
        let folded = model.foldIn(history)
        let y = model.implicitFactors, q = model.itemEmbeddings
        var z = [Float](repeating: 0, count: 4)
        for h in history { for f in 0..<4 { z[f] += y[Int(h.item), f] } }
        for f in 0..<4 { z[f] /= Float(history.count).squareRoot(); #expect(abs(folded.implicit[f] - z[f]) < 1e-5) }
        let targets = history.map { h -> Float in
            var t = h.rating - model.mean - model.itemBias[Int(h.item)]
            for f in 0..<4 { t -= q[Int(h.item), f] * z[f] }
            return t
        }
        let ref = Self.refitByGradientDescent(items: history.map { q.row(Int($0.item)) }, targets: targets,
                                              lambda: Double(model.regularization) * Double(history.count))
        for f in 0..<4 { #expect(abs(Double(folded.factors[f]) - ref.p[f]) < 1e-3) }
        #expect(abs(Double(folded.bias) - ref.b) < 1e-3)
    }

    /// The fold-in objective's gradient, by central differences, vanishes at the solution.
    @Test func foldInSolutionHasZeroGradient() throws {
        let data = RatingFixtures.random()
        let model = try SVD(.init(factors: 3, epochs: 5)).fit(data, scale: nil)
        let history = Self.history(data, user: 0)
        let folded = model.foldIn(history)
        let q = model.itemEmbeddings
        let lambda = Double(model.regularization) * Double(history.count)
        func objective(_ x: [Double]) -> Double {
            var s = lambda * x.map { $0 * $0 }.reduce(0, +)
            for h in history {
                var pred = Double(model.mean + model.itemBias[Int(h.item)]) + x[3]
                for f in 0..<3 { pred += Double(q[Int(h.item), f]) * x[f] }
                s += (Double(h.rating) - pred) * (Double(h.rating) - pred)
            }
            return s
        }
        let x = folded.factors.map(Double.init) + [Double(folded.bias)]
        for d in 0..<4 {
            var a = x, b = x; a[d] += 1e-4; b[d] -= 1e-4
            #expect(abs((objective(a) - objective(b)) / 2e-4) < 1e-2)
        }
    }

    @Test func baselineAndKNNFoldIn() throws {
        let data = RatingFixtures.random()
        let base = try Baseline().fit(data)
        let history = Self.history(data, user: 4)
        // the ALS user step against the frozen item biases
        let expected = history.map { $0.rating - base.mean - base.itemBias[Int($0.item)] }.reduce(0, +) / (5 + Float(history.count))
        #expect(abs(base.foldInBias(history) - expected) < 1e-5)
        // a training user folded in with the same ratings gets (nearly) the fitted bias
        #expect(abs(base.foldInBias(history) - base.userBias[4]) < 0.05)
        let knn = try KNNBaseline(.init(threads: 1)).fit(data)
        let scores = knn.scores(forHistory: history)
        #expect(scores.count == data.itemCount)
        // With the user's own history, fold-in reproduces the neighbourhood of the trained user
        // up to the difference between the folded-in and the fitted b_u.
        let shift = knn.baseline.foldInBias(history) - knn.baseline.userBias[4]
        let trained = knn.scores(forUser: 4)
        for i in 0..<data.itemCount {
            #expect(abs(scores[i] - trained[i] - shift) < 1e-3)
        }
    }

    /// The call forms of the RatingModels article.
    @Test func articleExampleCallForms() throws {
        let data = RatingFixtures.random()
        let dataset = Fixtures.dataset(data)
        let split = Splitter.randomHoldout(dataset.interactions, testFraction: 0.1, seed: 0)
        let reports = ReportBox()
        let model = try SVDpp(.init(epochs: 3)).fit(TrainingData(dataset, training: split.train),
                                                    context: FitContext(validation: split.test) { event in reports.append(event) })
        #expect(reports.all.count == 3 && reports.all.allSatisfy { $0.metric("train_rmse") != nil && $0.metric("validation_rmse") != nil })
        #expect((1...5).contains(model.predict(userID: "1", itemID: "2")))
        #expect(model.predictedRatings(forNewUser: [("2", 5), ("3", 4)]).count == data.itemCount)
    }

    @Test func rawIDFoldInIgnoresUnknownItems() throws {
        let data = RatingFixtures.random()
        let model = try SVD(.init(factors: 4, epochs: 5)).fit(data, scale: nil)
        let byIndex = model.scores(forHistory: [(2, 5), (3, 1)])
        let byID = model.predictedRatings(forNewUser: [(ItemID(2), 5), (ItemID(3), 1), (ItemID("no-such-movie"), 4)])
        #expect(byID.count == data.itemCount)
        for (i, r) in byID.enumerated() { #expect(r.item == ItemID(i) && abs(r.rating - byIndex[i]) < 1e-6) }
        #expect(model.scores(forHistory: []).count == data.itemCount)   // no history: the item biases
    }
}

/// The neighbourhood prediction against a slow reference written from the formula.
@Suite struct KNNBaselineTests {
    @Test func matchesReferenceImplementation() throws {
        let data = RatingFixtures.random(users: 25, items: 20, density: 0.5, seed: 11)
        let c = KNNBaselineModel.Configuration(neighbors: 5, minNeighbors: 2, shrinkage: 10, threads: 2)
        let model = try KNNBaseline(c).fit(data)
        let base = model.baseline
        var rating = [Int: [Int: Float]]()   // user -> item -> rating
        for k in 0..<data.count { rating[Int(data.users[k]), default: [:]][Int(data.items[k])] = data.ratings[k] }
        func b(_ u: Int, _ i: Int) -> Double { Double(base.mean + base.userBias[u] + base.itemBias[i]) }
        func sim(_ i: Int, _ j: Int) -> Double {
            var prod = 0.0, si = 0.0, sj = 0.0, n = 0
            for (u, rs) in rating { if let a = rs[i], let c = rs[j] {
                let x = Double(a) - b(u, i), y = Double(c) - b(u, j)
                prod += x * y; si += x * x; sj += y * y; n += 1
            } }
            guard n >= 2, si * sj > 0 else { return 0 }
            return prod / (si * sj).squareRoot() * Double(n - 1) / (Double(n - 1) + 10)
        }
        for u in 0..<25 {
            for i in 0..<20 where rating[u]?[i] == nil {
                let neighbours = (rating[u] ?? [:]).map { (j: $0.key, s: sim(i, $0.key), r: $0.value) }
                    .sorted { $0.s > $1.s }.prefix(5).filter { $0.s > 0 }
                var expected = b(u, i)
                let sumSim = neighbours.map(\.s).reduce(0, +)
                if neighbours.count >= 2, sumSim > 0 {
                    expected += neighbours.map { $0.s * (Double($0.r) - b(u, $0.j)) }.reduce(0, +) / sumSim
                }
                expected = min(5, max(1, expected))
                #expect(abs(Double(model.predict(user: UserIndex(u), item: ItemIndex(i))) - expected) < 1e-4, "user \(u) item \(i)")
            }
        }
        #expect(abs(Double(model.similarity(3, 7)) - sim(3, 7)) < 1e-5)
        // the similarity rows do not depend on the thread count
        #expect(try KNNBaseline(c).fit(data, context: FitContext(threads: 1)) == model)
        #expect(try KNNBaseline(c).fit(data, context: FitContext(threads: 3)) == model)
    }
}
