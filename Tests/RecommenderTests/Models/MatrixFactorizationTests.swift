import Foundation
import Testing
@testable import Recommender

@Suite struct MatrixFactorizationTests {
    struct GradientCase: Sendable, CustomStringConvertible {
        var dim: Int, regularization: Float, gravity: Float, threads: Int
        var description: String { "d=\(dim) λ=\(regularization) γ=\(gravity) threads=\(threads)" }
    }

    static let gradientCases: [GradientCase] = [
        GradientCase(dim: 3, regularization: 0, gravity: 0, threads: 1),
        GradientCase(dim: 3, regularization: 0.3, gravity: 0, threads: 2),
        GradientCase(dim: 3, regularization: 0, gravity: 0.7, threads: 1),
        GradientCase(dim: 3, regularization: 0.3, gravity: 0.7, threads: 2),
        GradientCase(dim: 20, regularization: 0, gravity: 0, threads: 2),
        GradientCase(dim: 20, regularization: 0.3, gravity: 0.7, threads: 1),
    ]

    @Test(arguments: gradientCases)
    func gradientsMatchFiniteDifferences(_ c: GradientCase) throws {
        let users = 6, items = 5
        let train = MFFixtures.interactions(users: users, items: items, density: 0.6, seed: 11)
        let test = MFFixtures.interactions(users: users, items: items, density: 0.2, seed: 12)
        let (u0, v0) = MFFixtures.initial(users: users, items: items, dim: c.dim, stddev: 0.5, seed: 3)
        let kernel = MatrixFactorizationKernel(userCount: users, itemCount: items, dim: c.dim, train: train, test: test,
                                               initialU: u0, initialV: v0, regularization: c.regularization, gravity: c.gravity,
                                               optimizer: .gradientDescent, threads: c.threads)
        defer { kernel.shutDown() }
        let (gu, gv) = kernel.gradients()
        let reference = ReferenceMF(users: users, items: items, dim: c.dim, train: train,
                                    regularization: Double(c.regularization), gravity: Double(c.gravity))
        let ud = u0.map(Double.init), vd = v0.map(Double.init)
        let (nu, nv) = reference.numericGradients(ud, vd)
        let scale = max(1, (nu + nv).map(abs).max()!)
        for k in nu.indices { #expect(abs(Double(gu[k]) - nu[k]) <= 2e-4 * scale, "∂L/∂U[\(k)]: \(gu[k]) vs \(nu[k])") }
        for k in nv.indices { #expect(abs(Double(gv[k]) - nv[k]) <= 2e-4 * scale, "∂L/∂V[\(k)]: \(gv[k]) vs \(nv[k])") }
        // The loss terms the kernel reports agree with the dense reference too.
        let mse = kernel.trainSquaredError / Double(train.count)
        var total = mse
        if c.regularization != 0 || c.gravity != 0 {
            let terms = kernel.regularizationTerms()
            total += Double(c.regularization) * terms.regularization + Double(c.gravity) * terms.gravity
        }
        let expected = reference.loss(ud, vd)
        #expect(abs(total - expected) <= 1e-5 * max(1, expected))
    }

    /// Full training against a Double reference loop with each optimizer's TF1 update rule.
    @Test(arguments: OptimizerKind.allCases)
    func trainingFollowsTheReferenceUpdates(_ optimizer: OptimizerKind) throws {
        let users = 7, items = 6, dim = 4
        let train = MFFixtures.interactions(users: users, items: items, density: 0.7, seed: 5)
        let test = Interactions.empty(userCount: users, itemCount: items)
        let lr: Float = optimizer == .gradientDescent ? 0.5 : 0.05
        let config = MatrixFactorization.Configuration(embeddingDim: dim, initStddev: 0.5, iterations: 4, learningRate: lr,
                                                       optimizer: optimizer, regularization: 0.2, gravity: 0.5, seed: 9)
        let model = try MatrixFactorization(config)
            .fit(MFFixtures.data(users: users, items: items, train: train), context: FitContext(validation: test))
        let reference = ReferenceMF(users: users, items: items, dim: dim, train: train, regularization: 0.2, gravity: 0.5)
        let (u0, v0) = MFFixtures.initial(users: users, items: items, dim: dim, stddev: 0.5, seed: 9)
        var u = u0.map(Double.init), v = v0.map(Double.init)
        var su = [[Double]](repeating: [Double](repeating: optimizer == .adagrad ? 0.1 : 0, count: u.count), count: 2)
        var sv = [[Double]](repeating: [Double](repeating: optimizer == .adagrad ? 0.1 : 0, count: v.count), count: 2)
        func update(_ w: inout [Double], _ g: [Double], _ s: inout [[Double]], step t: Int) {
            let eta = Double(lr)
            for k in w.indices {
                switch optimizer {
                case .gradientDescent: w[k] -= eta * g[k]
                case .adagrad:
                    s[0][k] += g[k] * g[k]
                    w[k] -= eta * g[k] / s[0][k].squareRoot()
                case .adam:
                    s[0][k] = 0.9 * s[0][k] + 0.1 * g[k]
                    s[1][k] = 0.999 * s[1][k] + 0.001 * g[k] * g[k]
                    let step = eta * (1 - pow(0.999, Double(t))).squareRoot() / (1 - pow(0.9, Double(t)))
                    w[k] -= step * s[0][k] / (s[1][k].squareRoot() + 1e-8)
                }
            }
        }
        for t in 1...(config.iterations + 1) {
            let (gu, gv) = reference.numericGradients(u, v)
            update(&u, gu, &su, step: t)
            update(&v, gv, &sv, step: t)
        }
        for k in u.indices { #expect(abs(Double(model.userEmbeddings.storage[k]) - u[k]) < 1e-3, "U[\(k)]") }
        for k in v.indices { #expect(abs(Double(model.itemEmbeddings.storage[k]) - v[k]) < 1e-3, "V[\(k)]") }
    }

    @Test func oneAndTwoThreadsGiveIdenticalModels() throws {
        let train = MFFixtures.interactions(users: 40, items: 30, density: 0.3, seed: 1)
        let test = MFFixtures.interactions(users: 40, items: 30, density: 0.05, seed: 2)
        let data = MFFixtures.data(users: 40, items: 30, train: train)
        var config = MatrixFactorization.Configuration(embeddingDim: 35, initStddev: 0.1, iterations: 30, learningRate: 2,
                                                       optimizer: .adam, regularization: 0.1, gravity: 1, seed: 4)
        config.threads = 1
        let one = try MatrixFactorization(config).fit(data, context: FitContext(validation: test))
        config.threads = 2
        let two = try MatrixFactorization(config).fit(data, context: FitContext(validation: test))
        let context = try MatrixFactorization(config).fit(data, context: FitContext(threads: 1, validation: test))
        // Same seed → bit-identical parameters: partial sums are combined in a fixed order.
        #expect(one.userEmbeddings == two.userEmbeddings)
        #expect(one.itemEmbeddings == two.itemEmbeddings)
        #expect(one.history == two.history)
        #expect(context.userEmbeddings == one.userEmbeddings && context.history == one.history)
    }

    @Test func reconstructsALowRankMatrix() throws {
        // A fully observed rank-2 matrix: with no regularization the model must fit it almost exactly.
        let users = 12, items = 9
        var g = SeededGenerator(seed: 8)
        let a = (0..<(users * 2)).map { _ in g.nextNormal() }, b = (0..<(items * 2)).map { _ in g.nextNormal() }
        var us: [Int32] = [], its: [Int32] = [], rs: [Float] = []
        for i in 0..<users { for j in 0..<items {
            us.append(Int32(i)); its.append(Int32(j)); rs.append(a[2 * i] * b[2 * j] + a[2 * i + 1] * b[2 * j + 1] + 3)
        } }
        let train = Interactions(users: us, items: its, ratings: rs, userCount: users, itemCount: items)
        let config = MatrixFactorization.Configuration(embeddingDim: 4, initStddev: 0.3, iterations: 1500, learningRate: 0.05, optimizer: .adam)
        let model = try MatrixFactorization(config).fit(MFFixtures.data(users: users, items: items, train: train))
        let first = model.history.rows.first!.values["train_error"]!, last = model.history.last!.values["train_error"]!
        #expect(first > 1)
        #expect(last < 1e-3)
        #expect(abs(model.predict(user: 3, item: 4) - rs[3 * items + 4]) < 0.1)
    }

    @Test func divergenceStopsWithTheIterationAndAHint() {
        let train = MFFixtures.interactions(users: 10, items: 8, density: 0.5, seed: 1)
        let config = MatrixFactorization.Configuration(embeddingDim: 5, initStddev: 1, iterations: 100, learningRate: 1e6)
        #expect {
            try MatrixFactorization(config).fit(MFFixtures.data(users: 10, items: 8, train: train))
        } throws: { error in
            guard case let .diverged(iteration, hint)? = error as? TrainingError else { return false }
            return iteration > 0 && iteration < 100 && hint.contains("smaller learning-rate")
        }
    }

    @Test func historyUsesTheNotebookNamesAndSchedule() throws {
        let train = MFFixtures.interactions(users: 10, items: 8, density: 0.5, seed: 1)
        let test = MFFixtures.interactions(users: 10, items: 8, density: 0.2, seed: 2)
        let data = MFFixtures.data(users: 10, items: 8, train: train)
        let reported = Locked<[TrainingEvent]>([])
        let plain = try MatrixFactorization(.init(embeddingDim: 3, iterations: 25, learningRate: 1))
            .fit(data, context: FitContext(validation: test, observer: { event in reported.withLock { $0.append(event) } }))
        #expect(plain.history.rows.map(\.iteration) == [0, 10, 20, 25])
        let events = reported.withLock { $0 }
        #expect(events.map(\.step) == [0, 10, 20, 25])
        #expect(events.allSatisfy { $0.unit == "iteration" && $0.stepCount == 25 })
        #expect(events.map { $0.metrics.map(\.name) } == Array(repeating: ["train_error", "test_error"], count: 4))
        #expect(events.last?.metric("train_error") == plain.history.last?.values["train_error"])
        #expect(plain.history.metricNames == ["train_error", "test_error"])
        let regularized = try MatrixFactorization(.init(embeddingDim: 3, iterations: 5, learningRate: 1, regularization: 0.1, gravity: 1))
            .fit(data, context: FitContext(validation: test))
        #expect(regularized.history.metricNames == ["train_error_observed", "test_error_observed", "observed_loss", "regularization_loss", "gravity_loss"])
        let row = regularized.history.rows[0].values
        #expect(row["observed_loss"] == row["train_error_observed"])
        #expect(row["regularization_loss"]! > 0 && row["gravity_loss"]! > 0)
    }

    @Test func documentedDefaults() {
        let d = MatrixFactorization.Configuration.default
        #expect(d.embeddingDim == 30 && d.initStddev == 0.5 && d.iterations == 1000 && d.learningRate == 10)
        #expect(d.optimizer == .gradientDescent && d.regularization == 0 && d.gravity == 0 && d.reportInterval == 10)
        let r = MatrixFactorization.Configuration.regularizedNotebook
        #expect(r.embeddingDim == 35 && r.initStddev == 0.05 && r.iterations == 2000 && r.learningRate == 20)
        #expect(r.regularization == 0.1 && r.gravity == 1.0 && r.optimizer == .gradientDescent)
        #expect(OptimizerKind.adagradInitialAccumulator == 0.1)
        #expect(OptimizerKind.adamBeta1 == 0.9 && OptimizerKind.adamBeta2 == 0.999 && OptimizerKind.adamEpsilon == 1e-8)
    }

    @Test func rejectsBadConfigurations() {
        let train = MFFixtures.interactions(users: 4, items: 4, density: 0.5, seed: 1)
        let data = MFFixtures.data(users: 4, items: 4, train: train)
        for config in [MatrixFactorization.Configuration(embeddingDim: 0), .init(embeddingDim: 129), .init(learningRate: 0), .init(iterations: -1)] {
            #expect(throws: TrainingError.self) {
                try MatrixFactorization(config).fit(data)
            }
        }
        #expect(throws: TrainingError.self) {
            try MatrixFactorization().fit(TrainingData(data.dataset, training: .empty(userCount: 4, itemCount: 4)))
        }
        // validation data over other index spaces
        #expect(throws: TrainingError.self) {
            try MatrixFactorization(.init(iterations: 1)).fit(data, context: FitContext(validation: .empty(userCount: 5, itemCount: 4)))
        }
    }
}
