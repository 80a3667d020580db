import Foundation
import Testing
@testable import Recommender
import RecommenderTestSupport

/// A two-block world: users 0..<12 like items 0..<8, users 12..<24 like items 8..<16; each user
/// (users with the same `user % 4` have the same history, so factor models must be low-rank
/// (2 factors) to generalise across the block instead of memorising the pattern);
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
    /// The interactions as a data set (ids "u0"…, "i0"…, placeholder titles).
    static func dataset(_ interactions: Interactions = interactions()) -> Dataset {
        let items = IDMap((0..<interactions.itemCount).map { ItemID("i\($0)") })
        return Dataset(name: "two-blocks", userIDs: IDMap((0..<interactions.userCount).map { UserID("u\($0)") }), itemIDs: items,
                       interactions: interactions, catalog: ItemCatalog(placeholderFor: items), ratingScale: 1...5)
    }
    /// All of the interactions as training data, with the data set's ids.
    static func data(_ interactions: Interactions = interactions()) -> TrainingData { TrainingData(dataset(interactions)) }
    /// The block's items the user did not rate.
    static func missing(_ user: Int) -> Set<ItemIndex> {
        let block = user < 12 ? 0 : 8, skip = user % 4
        return [ItemIndex(block + skip * 2), ItemIndex(block + skip * 2 + 1)]
    }
}

/// Checks shared by every ranking model.
func checkRankingConformance<M: ItemScorer & PersistableModel>(_ model: M, name: String, requireBlocks: Bool = true) throws {
    let seen = model.metadata.seen
    let lists = TopNRecommender.recommend(model, metadata: model.metadata, users: (0..<TwoBlocks.users).map { UserIndex($0) }, k: 2, threads: 1)
    for u in 0..<TwoBlocks.users {
        #expect(model.scores(forUser: UserIndex(u)).count == TwoBlocks.items)
        let rated = Set(seen.columns(ofRow: u).map(ItemIndex.init))
        #expect(lists[u].allSatisfy { !rated.contains($0) }, "\(name): recommended a seen item to user \(u)")
        if requireBlocks { #expect(Set(lists[u]) == TwoBlocks.missing(u), "\(name): user \(u) got \(lists[u])") }
    }
    // save / load round trip gives the same scores
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ranking-\(name)-\(UInt32.random(in: 0...UInt32.max)).model")
    defer { try? FileManager.default.removeItem(at: url) }
    try model.save(to: url)
    let loaded = try M.load(from: url)
    let any = try AlgorithmCatalog.standard.loadModel(from: url)
    #expect(type(of: any) == M.self, "\(name) is not produced by an algorithm of AlgorithmCatalog.standard")
    for u in [0, 13] {
        expectClose(model.scores(forUser: UserIndex(u)), loaded.scores(forUser: UserIndex(u)), absolute: 1e-6, "\(name) user \(u)")
    }
}

/// Fold-in of a known user's own training history reproduces the model's scores (exact models).
func checkExactFoldIn<M: ItemScorer & HistoryScorer & PersistableModel>(_ model: M) {
    for u in [0, 5, 17] {
        let a = model.scores(forUser: UserIndex(u)), b = model.scores(forHistory: model.metadata.history(of: UserIndex(u)))
        expectClose(a, b, absolute: 1e-5, "user \(u)")
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
    let data = TwoBlocks.data()

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
        let model = try Popularity().fit(data)
        // item 0: users 0..<12 except those skipping it (user % 4 == 0 → 3 users) = 9
        #expect(model.counts[0] == 9)
        #expect(model.counts[16] == 4 && model.counts[17] == 0)   // users 0, 6, 12, 18 rated item 16
        try checkRankingConformance(model, name: "popularity", requireBlocks: false)
    }

    @Test(arguments: ItemKNN.Similarity.allCases) func itemKNNRanksTheBlock(similarity: ItemKNN.Similarity) throws {
        let model = try ItemKNN(.init(similarity: similarity, neighbours: 10, shrink: 0)).fit(data)
        try checkRankingConformance(model, name: "item-knn-\(similarity.rawValue)")
        checkExactFoldIn(model)
        checkExplanationsAddUp(model)
        // threads do not change the result
        let single = try ItemKNN(.init(similarity: similarity, neighbours: 10, shrink: 0)).fit(data, context: FitContext(threads: 1))
        #expect(single.neighbours == model.neighbours)
        let configured = try ItemKNN(.init(similarity: similarity, neighbours: 10, shrink: 0, threads: 1)).fit(data)
        #expect(configured.neighbours == model.neighbours)
    }

    @Test func itemKNNCosineByHand() throws {
        // items 0, 1 rated by users {0, 1} and {1}: c = 1, n0 = 2, n1 = 1 → cos = 1 / √2.
        let x = TwoBlocks.data(Interactions(users: [0, 1, 1], items: [0, 0, 1], ratings: [1, 1, 1], userCount: 2, itemCount: 2))
        let cosine = try ItemKNN(.init(similarity: .cosine, neighbours: 5, shrink: 0)).fit(x)
        #expect(abs((cosine.neighbours.value(row: 0, column: 1) ?? 0) - 1 / 2.0.squareRoot().float) < 1e-6)
        // Jaccard: 1 / (2 + 1 − 1) = 0.5; conditional probability α = 0.5: c / (|0| · |1|^0.5) = 1 / 2, and 1 / (1 · √2) from item 1.
        let jaccard = try ItemKNN(.init(similarity: .jaccard, neighbours: 5)).fit(x)
        #expect(abs((jaccard.neighbours.value(row: 0, column: 1) ?? 0) - 0.5) < 1e-6)
        let conditional = try ItemKNN(.init(similarity: .conditionalProbability, neighbours: 5, alpha: 0.5)).fit(x)
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
        let x = ImplicitFeedback.default.matrix(data.interactions)
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

@Suite struct FactorRankingModelsTests {
    let data = TwoBlocks.data()

    var ialsConfiguration: ImplicitALS.Configuration {
        ImplicitALS.Configuration(factors: 2, regularization: 0.5, regularizationExponent: 0, alpha: 5, iterations: 10,
                                  initStandardDeviation: 0.1, seed: 3, threads: 1)
    }

    /// Slow reference: x = (Σ_all y yᵀ + Σ_pos α r y yᵀ + λI)⁻¹ Σ_pos (1 + α r) y by Gaussian elimination in Double.
    func referenceFoldIn(_ m: ImplicitALSModel, history: [(item: ItemIndex, weight: Float)]) -> [Double] {
        let f = m.itemFactors.columns
        var a = [[Double]](repeating: [Double](repeating: 0, count: f + 1), count: f)
        for i in 0..<m.itemCount {
            let c = 1 + Double(m.alpha) * Double(history.first { $0.item == ItemIndex(i) }?.weight ?? 0)
            let p: Double = history.contains { $0.item == ItemIndex(i) } ? 1 : 0
            for r in 0..<f {
                for s in 0..<f { a[r][s] += c * Double(m.itemFactors[i, r]) * Double(m.itemFactors[i, s]) }
                a[r][f] += c * p * Double(m.itemFactors[i, r])
            }
        }
        for r in 0..<f { a[r][r] += Double(m.regularization) }
        for col in 0..<f {
            let pivot = (col..<f).max { abs(a[$0][col]) < abs(a[$1][col]) }!
            a.swapAt(col, pivot)
            for r in 0..<f where r != col {
                let factor = a[r][col] / a[col][col]
                for s in col...f { a[r][s] -= factor * a[col][s] }
            }
        }
        return (0..<f).map { a[$0][f] / a[$0][$0] }
    }

    @Test(arguments: ImplicitALS.Solver.allCases) func ialsRanksTheBlock(solver: ImplicitALS.Solver) throws {
        var c = ialsConfiguration
        c.solver = solver
        let model = try ImplicitALS(c).fit(data)
        try checkRankingConformance(model, name: "ials-\(solver.rawValue)")
        let again = try ImplicitALS(c).fit(data)
        #expect(again.userFactors == model.userFactors && again.itemFactors == model.itemFactors)   // same seed, 1 thread
    }

    @Test func ialsFoldInIsTheExactSolveAgainstFrozenItems() throws {
        let model = try ImplicitALS(ialsConfiguration).fit(data)
        for u in [2, 15] {
            let history = model.metadata.history(of: UserIndex(u))
            let positives = model.feedback.positives(history, itemCount: model.itemCount)
            let expected = referenceFoldIn(model, history: positives)
            let got = model.userVector(forHistory: history)
            for (g, e) in zipEqualLength(got, expected) { #expect(abs(Double(g) - e) < 1e-3 * max(1, abs(e))) }
            // A converged CG fit ends with user vectors that are (nearly) this solve against the
            // item factors of the previous half-step; after a final exact user pass they match.
            var c = ialsConfiguration
            c.solver = .cholesky
            let exact = try ImplicitALS(c).fit(data)
            let refit = exact.userVector(forHistory: exact.metadata.history(of: UserIndex(u)))
            let top = topK(exact.scores(forHistory: history), k: 2) { Set(history.map(\.item)).contains($0) }
            #expect(Set(top.map(\.index)) == TwoBlocks.missing(u))
            #expect(refit.count == c.factors)
        }
    }

    @Test func ialsConjugateGradientConvergesToTheExactSolve() {
        // one system: 6 factors, items 0..<18 random, 5 positives
        let f = 6, n = 18
        var g = SeededGenerator(seed: 9)
        let y = AlignedBuffer<Float>((0..<(n * f)).map { _ in g.nextNormal() * 0.5 })
        let solver = ALSSolver(factors: f, regularization: 0.3, alpha: 4, solver: .conjugateGradient, steps: 40, threads: 1)
        let yty = solver.gram(y.pointer, count: n)
        let cols: [Int32] = [1, 4, 7, 8, 15], vals: [Float] = [1, 2, 1, 3, 1]
        var scratch = SolveScratch(factors: f, longestRow: 5)
        let cg = AlignedBuffer<Float>(count: f), exact = AlignedBuffer<Float>(count: f)
        yty.withUnsafeBufferPointer { a in cols.withUnsafeBufferPointer { c in vals.withUnsafeBufferPointer { v in
            solver.solveCG(x: cg.pointer, yty: a.baseAddress!, fixed: y.pointer, columns: c.baseAddress!, values: v.baseAddress!, count: 5, scratch: scratch)
            solver.solveExact(x: exact.pointer, yty: a.baseAddress!, fixed: y.pointer, columns: c.baseAddress!, values: v.baseAddress!, count: 5, scratch: &scratch)
        } } }
        for k in 0..<f { #expect(abs(cg.pointer[k] - exact.pointer[k]) < 1e-3, "factor \(k): cg \(cg.pointer[k]) exact \(exact.pointer[k])") }
    }

    @Test(arguments: [(1, 3), (6, 1), (37, 50), (64, 200)]) func ialsExactSolveMatchesADoubleReference(f: Int, count: Int) throws {
        // The panel product on the micro-kernel's tiles (edges included) and the row-oriented
        // factorisation against A and b formed term by term in Double and solved by Cholesky.
        let n = 300
        var g = SeededGenerator(seed: UInt64(f * 1000 + count))
        let y = AlignedBuffer<Float>((0..<(n * f)).map { _ in g.nextNormal() * 0.4 })
        let solver = ALSSolver(factors: f, regularization: 0.7, alpha: 3, solver: .cholesky, steps: 0, threads: 1)
        let yty = solver.gram(y.pointer, count: n)
        var picked = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) { picked.swapAt(i, Int(g.next() % UInt64(i + 1))) }
        let cols = picked.prefix(count).map(Int32.init)
        let vals = (0..<count).map { _ in Float(1 + g.next() % 5) }
        var scratch = SolveScratch(factors: f)
        let exact = AlignedBuffer<Float>(count: f)
        let extra: Float = 0.25
        yty.withUnsafeBufferPointer { a in cols.withUnsafeBufferPointer { c in vals.withUnsafeBufferPointer { v in
            solver.solveExact(x: exact.pointer, yty: a.baseAddress!, fixed: y.pointer, columns: c.baseAddress!, values: v.baseAddress!,
                              count: count, extraPenalty: extra, scratch: &scratch)
        } } }
        var a = yty.map(Double.init), b = [Double](repeating: 0, count: f)
        for k in 0..<f { a[k * f + k] += Double(extra) }
        for (col, value) in zip(cols, vals) {
            let w = 3 * Double(value)
            for r in 0..<f {
                let yr = Double(y.pointer[Int(col) * f + r])
                b[r] += (1 + w) * yr
                for c in 0..<f { a[r * f + c] += w * yr * Double(y.pointer[Int(col) * f + c]) }
            }
        }
        let reference = try Cholesky(a, order: f).solve(b)
        for k in 0..<f {
            #expect(abs(Double(exact.pointer[k]) - reference[k]) < 2e-4 * max(1, abs(reference[k])), "f \(f) count \(count) factor \(k)")
        }
    }

    @Test(arguments: [6, 64]) func ialsBatchedLongRowsMatchPerRowSolves(f: Int) {
        // The lockstep, tiled CG for long rows does the same arithmetic in the same order.
        let x = ImplicitFeedback(weighting: .rating).matrix(data.interactions)
        var g = SeededGenerator(seed: 4)
        let fixed = AlignedBuffer<Float>((0..<(x.columnCount * f)).map { _ in g.nextNormal() * 0.3 })
        let start = (0..<(x.rowCount * f)).map { _ in g.nextNormal() * 0.3 }
        let perRow = AlignedBuffer<Float>(start), batched = AlignedBuffer<Float>(start)
        let penalties = (0..<x.rowCount).map { Float(1 + $0 % 3) }
        for threads in [1, 2] {
            ALSSolver(factors: f, regularization: 1, alpha: 2, solver: .conjugateGradient, steps: 3, threads: threads, longRow: 1_000_000)
                .solveAll(target: perRow.pointer, fixed: fixed.pointer, fixedCount: x.columnCount, matrix: x, penalties: penalties)
            ALSSolver(factors: f, regularization: 1, alpha: 2, solver: .conjugateGradient, steps: 3, threads: threads, longRow: 5)
                .solveAll(target: batched.pointer, fixed: fixed.pointer, fixedCount: x.columnCount, matrix: x, penalties: penalties)
        }
        var worst: Float = 0
        for k in 0..<perRow.count { worst = max(worst, abs(perRow.pointer[k] - batched.pointer[k])) }
        #expect(worst < 1e-5, "max difference \(worst)")
        #expect(perRow.array != start)
    }

    @Test func ialsExplanationsAddUpToTheFoldInScore() throws {
        let model = try ImplicitALS(ialsConfiguration).fit(data)
        for u in [1, 14] {
            let history = model.metadata.history(of: UserIndex(u))
            let scores = model.scores(forHistory: history)
            for item in TwoBlocks.missing(u) {
                let parts = model.contributions(to: item, history: history)
                #expect(parts.count == history.count)
                #expect(abs(parts.reduce(0) { $0 + $1.contribution } - scores[Int(item)]) < 1e-3)
                // the top contributor comes from the user's own block
                #expect((Int(parts[0].item) < 8) == (u < 12))
            }
        }
    }

    var bprConfiguration: BPR.Configuration {
        BPR.Configuration(factors: 8, learningRate: 0.05, regularization: 0.01, epochs: 60, initStandardDeviation: 0.1, seed: 5, threads: 1)
    }

    @Test func bprRanksTheBlockAndIsSeeded() throws {
        let model = try BPR(bprConfiguration).fit(data)
        try checkRankingConformance(model, name: "bpr")
        let again = try BPR(bprConfiguration).fit(data)
        #expect(again.userFactors == model.userFactors && again.itemBias == model.itemBias)
        var two = bprConfiguration
        two.threads = 2
        try checkRankingConformance(try BPR(two).fit(data), name: "bpr-2-threads")
    }

    @Test func bprFoldInRecoversTheUsersBlock() throws {
        let model = try BPR(bprConfiguration).fit(data)
        for u in [0, 7, 13, 22] {
            let history = model.metadata.history(of: UserIndex(u))
            let folded = model.scores(forHistory: history)
            let top = topK(folded, k: 2) { Set(history.map(\.item)).contains($0) }
            #expect(Set(top.map(\.index)) == TwoBlocks.missing(u), "user \(u): fold-in top-2 \(top.map(\.index))")
            // the same as the trained user's own top-2
            let trained = topK(model.scores(forUser: UserIndex(u)), k: 2) { Set(history.map(\.item)).contains($0) }
            #expect(Set(top.map(\.index)) == Set(trained.map(\.index)))
        }
    }

    @Test func bprStepIsAGradientStepOnTheDocumentedLoss() {
        // L = −ln σ(x_u·(y_i − y_j) + b_i − b_j) + (λ/2)(‖x_u‖² + ‖y_i‖² + ‖y_j‖² + b_i² + b_j²)
        let f = 5, lambda: Float = 0.1, eta: Float = 1e-3
        var g = SeededGenerator(seed: 1)
        let xu0 = (0..<f).map { _ in g.nextNormal() }, items0 = (0..<(3 * f)).map { _ in g.nextNormal() }
        let bias0: [Float] = [0.2, -0.1, 0.3]
        func loss(_ x: [Double], _ y: [Double], _ b: [Double]) -> Double {
            var d = b[1] - b[2]
            for k in 0..<f { d += x[k] * (y[f + k] - y[2 * f + k]) }
            var reg = b[1] * b[1] + b[2] * b[2]
            for k in 0..<f { reg += x[k] * x[k] + y[f + k] * y[f + k] + y[2 * f + k] * y[2 * f + k] }
            return log(1 + exp(-d)) + Double(lambda) / 2 * reg
        }
        let x = xu0.map(Double.init), y = items0.map(Double.init), b = bias0.map(Double.init)
        let h = 1e-6
        var numericX = [Double](), numericYi = [Double]()
        for k in 0..<f {
            var xp = x, xm = x; xp[k] += h; xm[k] -= h
            numericX.append((loss(xp, y, b) - loss(xm, y, b)) / (2 * h))
            var yp = y, ym = y; yp[f + k] += h; ym[f + k] -= h
            numericYi.append((loss(x, yp, b) - loss(x, ym, b)) / (2 * h))
        }
        var bp = b, bm = b; bp[2] += h; bm[2] -= h
        let numericBj = (loss(x, y, bp) - loss(x, y, bm)) / (2 * h)
        let xu = AlignedBuffer<Float>(xu0), items = AlignedBuffer<Float>(items0), bias = AlignedBuffer<Float>(bias0)
        _ = BPRStep(factors: f, learningRate: eta, regularization: lambda).step(user: xu.pointer, positive: 1, negative: 2, items: items.pointer, bias: bias.pointer)
        for k in 0..<f {
            #expect(abs(Double(xu0[k] - xu.pointer[k]) / Double(eta) - numericX[k]) < 1e-3)
            #expect(abs(Double(items0[f + k] - items.pointer[f + k]) / Double(eta) - numericYi[k]) < 1e-3)
        }
        #expect(abs(Double(bias0[2] - bias.pointer[2]) / Double(eta) - numericBj) < 1e-3)
    }
}

/// The defaults documented on each configuration (docs and code must not drift).
@Suite struct RankingDefaultsTests {
    @Test func documentedDefaults() {
        let ials = ImplicitALS.Configuration.default
        #expect(ials.factors == 64 && ials.regularization == 15 && ials.regularizationExponent == 0.5 && ials.alpha == 0.4)
        #expect(ials.iterations == 15 && ials.solver == .conjugateGradient && ials.conjugateGradientSteps == 3)
        #expect(ials.initStandardDeviation == 0.01 && ials.feedback == ImplicitFeedback(threshold: nil, weighting: .rating))
        let bpr = BPR.Configuration.default
        #expect(bpr.factors == 64 && bpr.learningRate == 0.03 && bpr.regularization == 0.02 && bpr.epochs == 150 && bpr.initStandardDeviation == 0.1)
        #expect(bpr.feedback == .default)
        let ease = EASE.Configuration.default
        #expect(ease.lambda == 400 && ease.dropout == 0 && ease.feedback == .default)
        let knn = ItemKNN.Configuration.default
        #expect(knn.similarity == .cosine && knn.neighbours == 400 && knn.shrink == 10 && knn.alpha == 0.5 && knn.feedback == .default)
        #expect(ImplicitFeedback.default == ImplicitFeedback(threshold: nil, weighting: .binary))
    }
}
