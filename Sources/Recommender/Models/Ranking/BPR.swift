/// Bayesian personalised ranking (`bpr` in the catalog; Rendle, Freudenthaler, Gantner & Schmidt-Thieme, "BPR:
/// Bayesian Personalized Ranking from Implicit Feedback", UAI 2009), matrix-factorisation
/// variant with item biases, trained by SGD with uniform negative sampling.
///
/// Notation: user factors `x_u`, item factors `y_i` (`f` each), item bias `b_i`,
/// `x̂_ui = x_uᵀ y_i + b_i`. For a sampled positive `(u, i)` (an entry of the implicit matrix,
/// see ``ImplicitFeedback``) and a negative `j` drawn uniformly among the items `u` has no
/// positive for, `x̂_uij = x̂_ui − x̂_uj`. The loss (BPR-Opt, negated) is
///
///     Σ −ln σ(x̂_uij) + (λ/2) (‖x_u‖² + ‖y_i‖² + ‖y_j‖² + b_i² + b_j²)
///
/// and one SGD step with `g = σ(−x̂_uij)` and learning rate `η` is
///
///     x_u += η (g (y_i − y_j) − λ x_u)
///     y_i += η (g x_u − λ y_i),     y_j += η (−g x_u − λ y_j)
///     b_i += η (g − λ b_i),         b_j += η (−g − λ b_j)
///
/// An epoch draws as many triples as there are positives. By default training is one seeded
/// SGD stream: the model depends on the seed only, never on the thread count or the machine.
/// With ``Configuration/hogwild`` (an explicit opt-in) training is parallel instead: each of
/// ``Configuration/threads`` threads samples the positives of its own range of users (so user
/// factors are never shared) and updates the item factors lock-free (Hogwild, Recht et al. 2011).
/// Prediction rule: `score(u, i) = x̂_ui`. Fold-in learns `x_u` for a new
/// history with the item factors frozen (same SGD, same loss, seeded).
///
/// Hyper-parameters (table name, symbol, default from ``Configuration``): `embedding-dim` `f`
/// 64, `learning-rate` `η` 0.03, `regularization` `λ` 0.02, `epochs` 150, `init-stddev` `σ`
/// 0.1, `threshold` (none) and `weighting` (binary). The seed defaults to 42
/// (``FitContext/seed`` replaces it); ``FitContext/threads`` replaces ``Configuration/threads``
/// when set. The fit reports one ``TrainingEvent`` per epoch (unit `epoch`) with the metric
/// `train_accuracy`, the share of sampled triples already ranked right (`x̂_uij > 0`).
public struct BPR: Trainer {
    /// Options of BPR.
    public struct Configuration: Sendable, Equatable {
        /// Latent factors `f`. Default 64.
        public var factors: Int
        /// SGD learning rate `η`. Default 0.03 (tuned on ML-100K 75/25 with the other defaults).
        public var learningRate: Float
        /// L2 penalty `λ`. Default 0.02 (0.005 overfits: NDCG@10 0.385 instead of 0.45).
        public var regularization: Float
        /// Epochs (each draws one triple per positive). Default 150 — BPR needs far more
        /// epochs than the library defaults of other packages to reach its accuracy.
        public var epochs: Int
        /// Standard deviation of the initial factors. Default 0.1.
        public var initStandardDeviation: Float
        /// Random seed (initialisation and sampling).
        public var seed: UInt64
        /// Worker threads for ``hogwild`` training (default: all cores). Without `hogwild` the
        /// fit is one deterministic SGD stream and does not use more than one thread.
        public var threads: Int
        /// Lock-free parallel SGD (Hogwild): `threads` threads update shared item factors without
        /// synchronisation. Default false. It trades reproducibility for speed on many cores: the
        /// model then depends on the thread count and on how the threads interleave (two runs
        /// with the same seed differ), and the unsynchronised updates are data races by design
        /// (a ThreadSanitizer run reports them; its suppression file names this mode). On two
        /// cores it is no faster: the threads fight over the item factors' cache lines.
        public var hogwild: Bool
        /// How ratings become positives.
        public var feedback: ImplicitFeedback

        /// Creates a configuration.
        public init(factors: Int = 64, learningRate: Float = 0.03, regularization: Float = 0.02, epochs: Int = 150,
                    initStandardDeviation: Float = 0.1, seed: UInt64 = 42, threads: Int = Parallelism.availableCores,
                    feedback: ImplicitFeedback = .default, hogwild: Bool = false) {
            self.factors = factors
            self.learningRate = learningRate
            self.regularization = regularization
            self.epochs = epochs
            self.initStandardDeviation = initStandardDeviation
            self.seed = seed
            self.threads = threads
            self.feedback = feedback
            self.hogwild = hogwild
        }
        /// The tuned defaults documented on each property.
        public static let `default` = Configuration()
    }

    /// The options used to fit.
    public var configuration: Configuration
    /// Creates an unfitted description of the model.
    public init(_ configuration: Configuration = .default) { self.configuration = configuration }

    public var name: String { "bpr" }
    public var summary: String { "Bayesian personalised ranking: matrix factorisation with item biases by SGD on sampled triples (Rendle et al. 2009)" }
    public var task: AlgorithmTask { .ranking }
    public var parameters: [HyperparameterSpec] {
        let c = configuration
        return c.table([
            .real("learning-rate", 0...10, exclusiveLowerBound: true, default: Double(c.learningRate), help: "SGD step size", symbol: "η",
                  aliases: ["lr"]),
            .real("regularization", 0...100, default: Double(c.regularization), help: "L2 penalty on factors and biases", symbol: "λ",
                  aliases: ["reg"]),
            .integer("epochs", 0...100_000, default: c.epochs, help: "passes, each drawing one triple per positive", aliases: ["iterations"]),
        ])
    }

    public func configured(_ r: HyperparameterReader) throws -> Configuration {
        var c = configuration.applyingShared(r)
        c.learningRate = r.float("learning-rate")!
        c.regularization = r.float("regularization")!
        c.epochs = r.integer("epochs")!
        return c
    }

    /// Trains by SGD.
    /// - Parameters:
    ///   - data: the data set and the interactions to learn from (positives per
    ///     ``Configuration/feedback``).
    ///   - context: the seed (default ``Configuration/seed``), the threads (default
    ///     ``Configuration/threads``) and the observer, called after each epoch.
    /// - Returns: the model, with `data`'s ids and catalog.
    /// - Throws: ``TrainingError/emptyTraining`` when there is no positive;
    ///   ``TrainingError/invalidInput(_:)`` for a configuration out of bounds or when a user
    ///   has a positive for every item (no negative can be sampled).
    /// - Complexity: O(epochs · positives · f).
    public func fit(_ data: TrainingData, context: FitContext) throws -> BPRModel {
        let c = configuration.adjusted(for: context)
        try c.feedback.checkPositives(data.interactions)
        return try BPR(c).fit(data.interactions, metadata: data.metadata, observer: context.observer)
    }

    /// The SGD core, over interactions whose ids `metadata` gives (anonymous when `nil`: for
    /// tests of the arithmetic only).
    /// - Throws: ``TrainingError/invalidInput(_:)`` as ``fit(_:context:)``.
    package func fit(_ training: Interactions, metadata: ModelMetadata? = nil, observer: TrainingObserver? = nil) throws -> BPRModel {
        let c = configuration
        guard c.factors > 0, c.epochs >= 0, c.learningRate > 0, c.learningRate.isFinite, c.regularization >= 0, c.regularization.isFinite,
              c.initStandardDeviation >= 0, c.initStandardDeviation.isFinite else {
            throw TrainingError.invalidInput("bpr needs embedding-dim >= 1, epochs >= 0, a finite learning-rate > 0, finite regularization and init-stddev >= 0")
        }
        try FactorModelCore.checkSize(rows: training.userCount + training.itemCount, factors: c.factors, algorithm: "bpr")
        try c.feedback.checkHasPositives(training)
        let x = c.feedback.matrix(training)
        let f = c.factors, n = x.columnCount
        for u in 0..<x.rowCount where x.count(ofRow: u) >= n && n > 0 {
            throw TrainingError.invalidInput("bpr: user \(u) has a positive for every item; no negative can be sampled")
        }
        var g = SeededGenerator(seed: c.seed)
        let users = AlignedBuffer<Float>(count: x.rowCount * f), items = AlignedBuffer<Float>(count: n * f)
        let bias = AlignedBuffer<Float>(count: n)
        for k in 0..<users.count { users.pointer[k] = g.nextNormal() * c.initStandardDeviation }
        for k in 0..<items.count { items.pointer[k] = g.nextNormal() * c.initStandardDeviation }
        // One stream by default; with Hogwild, one stream per thread, each owning a contiguous range
        // of users holding about the same number of positives.
        let streams = c.hogwild ? max(1, min(c.threads, x.rowCount)) : 1
        var bounds = [0]
        for t in 1..<streams {
            let target = x.nonZeroCount * t / streams
            var u = bounds[t - 1]
            while u < x.rowCount && x.rowOffsets[u] < target { u += 1 }
            bounds.append(u)
        }
        bounds.append(x.rowCount)
        let seeds = (0..<streams).map { _ in g.next() }
        let sgd = BPRStep(factors: f, learningRate: c.learningRate, regularization: c.regularization)
        let parameters = BPRParameters(users: users.pointer, items: items.pointer, bias: bias.pointer)
        let start = DispatchClock.now()
        for epoch in 0..<c.epochs {
            let right: Int
            if streams == 1 {
                right = Self.sampleStream(x, parameters, sgd, users: 0..<x.rowCount, seed: seeds[0], epoch: epoch)
            } else {
                right = Self.hogwildEpoch(x, parameters, sgd, bounds: bounds, seeds: seeds, epoch: epoch)
            }
            if let observer {
                let accuracy = Double(right) / Double(max(x.nonZeroCount, 1))
                observer(TrainingEvent(step: epoch + 1, stepCount: c.epochs, unit: "epoch", metrics: [TrainingMetric("train_accuracy", accuracy)],
                                       elapsedSeconds: DispatchClock.seconds(since: start)))
            }
        }
        guard FiniteCheck.allFinite(users.pointer, users.count), FiniteCheck.allFinite(items.pointer, items.count),
              FiniteCheck.allFinite(bias.pointer, bias.count) else {
            throw TrainingError.diverged(iteration: c.epochs, hint: "lower the learning rate (was \(c.learningRate)) or raise the regularization (was \(c.regularization))")
        }
        return BPRModel(userFactors: Matrix(rows: x.rowCount, columns: f, storage: users.array),
                        itemFactors: Matrix(rows: n, columns: f, storage: items.array), itemBias: bias.array,
                        configuration: c, metadata: metadata ?? ModelMetadata(anonymous: training))
    }

    /// One epoch of SGD over the positives of `users`: as many triples as positives, drawn with
    /// the stream's own generator. Returns how many were ranked correctly before their step.
    static func sampleStream(_ x: SparseMatrix, _ p: BPRParameters, _ sgd: BPRStep, users: Range<Int>, seed: UInt64, epoch: Int) -> Int {
        var rng = SeededGenerator(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15)
        let lo = x.rowOffsets[users.lowerBound], hi = x.rowOffsets[users.upperBound]
        guard hi > lo else { return 0 }
        let n = x.columnCount, f = sgd.factors
        var right = 0
        x.columns.withUnsafeBufferPointer { cols in
            x.rowOffsets.withUnsafeBufferPointer { offsets in
                for _ in 0..<(hi - lo) {
                    let e = lo + rng.nextInt(below: hi - lo)
                    // the user owning entry e (binary search over the stream's rows)
                    var a = users.lowerBound, b = users.upperBound
                    while b - a > 1 { let m = (a + b) / 2; if offsets[m] <= e { a = m } else { b = m } }
                    let rowLo = offsets[a], rowHi = offsets[a + 1]
                    var j: Int
                    repeat { j = rng.nextInt(below: n) } while contains(cols, rowLo, rowHi, Int32(j))
                    if sgd.step(user: p.users + a * f, positive: Int(cols[e]), negative: j, items: p.items, bias: p.bias) { right += 1 }
                }
            }
        }
        return right
    }

    /// One Hogwild epoch (the ``Configuration/hogwild`` opt-in): one stream per user range, run
    /// concurrently; the streams update the shared item factors and biases without
    /// synchronisation — data races by design (scripts/tsan.supp names this function).
    static func hogwildEpoch(_ x: SparseMatrix, _ p: BPRParameters, _ sgd: BPRStep, bounds: [Int], seeds: [UInt64], epoch: Int) -> Int {
        let streams = seeds.count
        let correct = SharedSlots<Int>(count: streams, initial: 0)
        let box = UnsafeSendableBox((x, p))
        ComputePool.forEachChunk(count: streams, chunks: streams, threads: streams) { t, _ in
            let (x, p) = box.value
            correct.set(t, sampleStream(x, p, sgd, users: bounds[t]..<bounds[t + 1], seed: seeds[t], epoch: epoch))
        }
        return correct.values.reduce(0, +)
    }

    @inline(__always)
    static func contains(_ cols: UnsafeBufferPointer<Int32>, _ lo: Int, _ hi: Int, _ j: Int32) -> Bool {
        var a = lo, b = hi
        while a < b { let m = (a + b) / 2; if cols[m] < j { a = m + 1 } else { b = m } }
        return a < hi && cols[a] == j
    }
}

/// The parameter arrays BPR's SGD updates in place (owned by the fit). Only the Hogwild opt-in
/// shares them between threads, unsynchronised by design.
struct BPRParameters {
    let users: UnsafeMutablePointer<Float>, items: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>
}

/// One BPR SGD step (shared by fitting and fold-in).
struct BPRStep: Sendable {
    let factors: Int
    let learningRate: Float
    let regularization: Float
    var updateItems = true

    init(factors: Int, learningRate: Float, regularization: Float, updateItems: Bool = true) {
        self.factors = factors; self.learningRate = learningRate; self.regularization = regularization; self.updateItems = updateItems
    }

    /// Updates the user (and, when `updateItems`, the two items); returns whether `x̂_uij > 0` before the step.
    @inline(__always)
    func step(user xu: UnsafeMutablePointer<Float>, positive i: Int, negative j: Int,
              items: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>) -> Bool {
        let f = factors
        let yi = items + i * f, yj = items + j * f
        let d = Kernels.dot(xu, yi, f) - Kernels.dot(xu, yj, f) + bias[i] - bias[j]
        let g = 1 / (1 + _exp(d))
        let eta = learningRate, lambda = regularization
        let shrink = 1 - eta * lambda
        let vg = SIMD16<Float>(repeating: eta * g), vs = SIMD16<Float>(repeating: shrink)
        var k = 0
        while k + 16 <= f {
            let u = Kernels.load(xu + k), a = Kernels.load(yi + k), b = Kernels.load(yj + k)
            Kernels.store(Kernels.fma(vg, a - b, u * vs), xu + k)
            if updateItems {
                Kernels.store(Kernels.fma(vg, u, a * vs), yi + k)
                Kernels.store((b * vs) - vg * u, yj + k)
            }
            k += 16
        }
        while k < f {
            let u = xu[k], a = yi[k], b = yj[k]
            xu[k] = u * shrink + eta * g * (a - b)
            if updateItems { yi[k] = a * shrink + eta * g * u; yj[k] = b * shrink - eta * g * u }
            k += 1
        }
        if updateItems {
            bias[i] += eta * (g - lambda * bias[i])
            bias[j] += eta * (-g - lambda * bias[j])
        }
        return d > 0
    }
}

/// A fitted ``BPR`` model.
public struct BPRModel: ItemScorer, HistoryScorer, ItemEmbeddingModel, PersistableModel {
    /// User factors `x_u`.
    public let userFactors: Matrix
    /// Item factors `y_i`.
    public let itemFactors: Matrix
    /// Item biases `b_i`.
    public let itemBias: [Float]
    /// The options of the fit (fold-in reuses them).
    public let configuration: BPR.Configuration
    /// Ids, catalog and seen items.
    public let metadata: ModelMetadata

    /// Creates a model from its parts.
    public init(userFactors: Matrix, itemFactors: Matrix, itemBias: [Float], configuration: BPR.Configuration, metadata: ModelMetadata) {
        precondition(userFactors.columns == itemFactors.columns && itemBias.count == itemFactors.rows)
        self.userFactors = userFactors
        self.itemFactors = itemFactors
        self.itemBias = itemBias
        self.configuration = configuration
        self.metadata = metadata
    }

    public static let kind = "bpr"
    /// Scores from its factors alone: a server may leave the training history in the file.
    public static var scoresWithoutTrainingHistory: Bool { true }
    public var itemCount: Int { itemFactors.rows }
    /// The item factors.
    public var itemEmbeddings: Matrix { itemFactors }

    /// `score(u, i) = x_uᵀ y_i + b_i`.
    public func scores(forUser user: UserIndex) -> [Float] {
        userFactors.storage.withUnsafeBufferPointer { scores(userVector: $0.baseAddress! + Int(user) * userFactors.columns) }
    }

    func scores(userVector x: UnsafePointer<Float>) -> [Float] {
        let f = itemFactors.columns, n = itemCount
        var out = [Float](repeating: 0, count: n)
        itemFactors.storage.withUnsafeBufferPointer { y in
            out.withUnsafeMutableBufferPointer { o in
                Kernels.gemv(y.baseAddress!, rows: n, columns: f, x, o.baseAddress!)
                for i in 0..<n { o[i] += itemBias[i] }
            }
        }
        return out
    }

    /// Fold-in: learns a user vector for `history` by the BPR SGD step with the item factors
    /// and biases frozen, for ``BPR/Configuration/epochs`` epochs of `|positives|` triples,
    /// from a zero start, seeded by ``BPR/Configuration/seed``.
    public func userVector(forHistory history: [(item: ItemIndex, rating: Float)]) -> [Float] {
        let c = configuration, f = itemFactors.columns
        let positives = c.feedback.positives(history, itemCount: itemCount).map { $0.item.rawValue }
        var x = [Float](repeating: 0, count: f)
        guard !positives.isEmpty, positives.count < itemCount else { return x }
        var rng = SeededGenerator(seed: c.seed)
        for k in 0..<f { x[k] = rng.nextNormal() * c.initStandardDeviation }
        let step = BPRStep(factors: f, learningRate: c.learningRate, regularization: c.regularization, updateItems: false)
        var items = itemFactors.storage, bias = itemBias
        items.withUnsafeMutableBufferPointer { y in
            bias.withUnsafeMutableBufferPointer { b in
                x.withUnsafeMutableBufferPointer { xu in
                    positives.withUnsafeBufferPointer { cols in
                        for _ in 0..<c.epochs {
                            for _ in 0..<positives.count {
                                let i = Int(cols[rng.nextInt(below: cols.count)])
                                var j: Int
                                repeat { j = rng.nextInt(below: itemCount) } while BPR.contains(cols, 0, cols.count, Int32(j))
                                _ = step.step(user: xu.baseAddress!, positive: i, negative: j, items: y.baseAddress!, bias: b.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
        return x
    }

    /// Fold-in scores `x_newᵀ y_i + b_i`.
    public func scores(forHistory history: [(item: ItemIndex, rating: Float)]) -> [Float] {
        let x = userVector(forHistory: history)
        return x.withUnsafeBufferPointer { scores(userVector: $0.baseAddress!) }
    }

    public func archive() -> ModelArchive {
        var a = ModelArchive(kind: Self.kind)
        a.store(metadata)
        configuration.feedback.store(in: &a)
        let c = configuration
        a.set("bpr.factors", .int(Int64(c.factors)))
        a.set("bpr.hyper", .floats([c.learningRate, c.regularization, c.initStandardDeviation]))
        a.set("bpr.epochs", .int(Int64(c.epochs)))
        a.set("bpr.seed", .int(Int64(bitPattern: c.seed)))
        a.set("bpr.user_factors", .floats(userFactors.storage))
        a.set("bpr.item_factors", .floats(itemFactors.storage))
        a.set("bpr.item_bias", .floats(itemBias))
        return a
    }

    public init(archive: ModelArchive, path: String) throws {
        let metadata = try archive.metadata(path: path)
        let f = try archive.factorCount("bpr.factors", path: path)
        let hyper = try archive.floats("bpr.hyper", count: 3, path: path)
        var c = BPR.Configuration(factors: f, learningRate: hyper[0], regularization: hyper[1], epochs: try archive.int("bpr.epochs", path: path),
                                  initStandardDeviation: hyper[2], seed: UInt64(bitPattern: Int64(try archive.int("bpr.seed", path: path))))
        c.feedback = try ImplicitFeedback(archive: archive, path: path)
        let nu = metadata.userIDs.count, ni = metadata.itemIDs.count
        self.init(userFactors: Matrix(rows: nu, columns: f, storage: try archive.floats("bpr.user_factors", count: nu * f, path: path)),
                  itemFactors: Matrix(rows: ni, columns: f, storage: try archive.floats("bpr.item_factors", count: ni * f, path: path)),
                  itemBias: try archive.floats("bpr.item_bias", count: ni, path: path), configuration: c, metadata: metadata)
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _exp(_ x: Float) -> Float { Glibc.expf(x) }
#else
import Foundation
@inline(__always) func _exp(_ x: Float) -> Float { Foundation.exp(x) }
#endif
