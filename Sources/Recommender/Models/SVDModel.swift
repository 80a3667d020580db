/// `svd`: biased matrix factorisation trained by stochastic gradient descent (Funk SVD, as
/// Surprise's SVD).
///
/// **Prediction rule.** r̂_ui = μ + b_u + b_i + q_i · p_u, clipped to the rating scale.
/// Unknown user: μ + b_i; unknown item: μ + b_u; both: μ.
///
/// **Loss.** Σ_(u,i)∈train [(r_ui − r̂_ui)² + λ (b_u² + b_i² + |p_u|² + |q_i|²)].
///
/// **Updates.** For each training rating in an order reshuffled every epoch, with
/// e = r_ui − r̂_ui: b_u ← b_u + γ (e − λ b_u); b_i ← b_i + γ (e − λ b_i);
/// p_u ← p_u + γ (e q_i − λ p_u); q_i ← q_i + γ (e p_u − λ q_i) (old p_u).
/// Biases start at 0, factors at N(0, σ²).
///
/// **Defaults.** k = 100 factors, 20 epochs, γ = 0.015, λ = 0.08, σ = 0.1. Surprise's defaults
/// (γ = 0.005, λ = 0.02) are ``Configuration/surprise``; on ML-100K 5-fold (seed 0) they give
/// RMSE 0.9357, the tuned defaults 0.911 (`recommender tune --algorithm svd --grid
/// "reg=0.05,0.08,0.1;lr=0.01,0.015;epochs=20,30" --folds 5`). Tip: λ matters most; with early
/// stopping on a validation fold, raise `epochs` and let the validation RMSE decide.
///
/// **Threads.** The model depends on the seed only, never on `threads`. Below
/// ``blockedMinimumRatings`` training ratings the fit is sequential SGD (one epoch over ML-100K
/// takes a few ms, so waking threads would eat the gain). From there on it runs blocked SGD on
/// a fixed 8 × 8 grid: users and items are cut into 8 groups, and each epoch runs 8 phases in
/// which the 8 blocks (user group t, item group (t + phase) mod 8) are processed on up to
/// `threads` threads; blocks of a phase share no rows, so there are no races, and each block's
/// updates are the same whichever thread runs it.
///
/// **Papers.** S. Funk, "Netflix Update: Try This at Home", 2006; Y. Koren, R. Bell,
/// C. Volinsky, "Matrix factorization techniques for recommender systems", IEEE Computer 2009.
public struct SVDModel: BiasedFactorModel, PlainFactorModel, Equatable {
    /// Hyper-parameters of ``SVDModel``.
    public struct Configuration: RatingModelConfiguration, Equatable, Codable {
        /// k, the number of latent factors. Default 100.
        public var factors: Int = 100
        /// Passes over the training ratings. Default 20.
        public var epochs: Int = 20
        /// γ. Default 0.015.
        public var learningRate: Float = 0.015
        /// λ. Default 0.08.
        public var regularization: Float = 0.08
        /// σ of the N(0, σ²) initial factors. Default 0.1.
        public var initStandardDeviation: Float = 0.1
        /// The learning rate of epoch e is γ × decay^(e−1). Default 1 (constant, as Surprise).
        public var learningRateDecay: Float = 1
        /// Seed of the initialisation and shuffles. Default 0.
        public var seed: UInt64 = 0
        /// Threads for blocked SGD on large data (see the type's documentation); results do not
        /// depend on it. Default: all cores (``Parallelism/availableCores``).
        public var threads: Int = Parallelism.availableCores

        /// The documented defaults (k 100, 20 epochs, γ 0.015, λ 0.08, σ 0.1).
        public static let `default` = Configuration()
        /// Surprise's SVD defaults (k 100, 20 epochs, γ 0.005, λ 0.02, σ 0.1).
        public static let surprise = Configuration(learningRate: 0.005, regularization: 0.02)

        /// Creates a configuration (every argument defaults to ``default``).
        public init(factors: Int = 100, epochs: Int = 20, learningRate: Float = 0.015, regularization: Float = 0.08,
                    initStandardDeviation: Float = 0.1, seed: UInt64 = 0, threads: Int = Parallelism.availableCores) {
            self.factors = factors; self.epochs = epochs; self.learningRate = learningRate; self.regularization = regularization
            self.initStandardDeviation = initStandardDeviation; self.seed = seed; self.threads = threads
        }

        /// - Complexity: O(epochs × ratings × factors).
        /// - Throws: ``TrainingError``.
        package func fit(_ training: Interactions, options: RatingFitOptions) throws -> SVDModel {
            try fit(training, options: options, blockGroups: training.count >= SVDModel.blockedMinimumRatings ? 8 : 1)
        }

        /// The fit with `blockGroups` × `blockGroups` blocks (1: sequential); tests force blocks.
        func fit(_ training: Interactions, options: RatingFitOptions, blockGroups: Int) throws -> SVDModel {
            guard factors >= 1, epochs >= 0, learningRate > 0, regularization >= 0, learningRateDecay > 0 else {
                throw TrainingError.invalidInput("svd needs embedding-dim >= 1, epochs >= 0, learning-rate > 0, learning-rate-decay > 0, regularization >= 0")
            }
            try FactorModelCore.checkSize(rows: training.userCount + training.itemCount, factors: factors, algorithm: "svd")
            let stats = try RatingStatistics(training, options: options)
            var generator = SeededGenerator(seed: seed)
            var p = FactorModelCore.randomRows(count: training.userCount, factors: factors, standardDeviation: initStandardDeviation, generator: &generator)
            var q = FactorModelCore.randomRows(count: training.itemCount, factors: factors, standardDeviation: initStandardDeviation, generator: &generator)
            var bu = [Float](repeating: 0, count: training.userCount)
            var bi = [Float](repeating: 0, count: training.itemCount)
            var entries = training.packed()
            // One full shuffle, then a fresh order every epoch at no cost: visit the shuffled
            // ratings at b, b + a, b + 2a, ... (mod n) with random b and random a coprime to n.
            generator.shuffle(&entries)
            let n = entries.count
            // The hot loop works on 64-byte-aligned copies whose rows are 64-byte aligned too.
            let P = AlignedRows(p, count: training.userCount, factors: factors)
            let Q = AlignedRows(q, count: training.itemCount, factors: factors)
            defer { withExtendedLifetime((P, Q)) {} }
            let stride = P.stride
            var loop = EpochLoop(epochs: epochs, earlyStopping: options.earlyStopping, observer: options.observer)
            var best: (p: [Float], q: [Float], bu: [Float], bi: [Float])? = nil
            let mu = stats.mean, reg = regularization
            var lr = learningRate / learningRateDecay
            var model = SVDModel(core: FactorModelCore(mean: mu, userBias: bu, itemBias: bi, userRows: p, itemRows: q, factors: factors,
                                                       ratingRange: stats.range, metadata: stats.metadata))
            // Blocked SGD: users and items are cut into G contiguous groups (G fixed by the data,
            // never by the thread count); block (x, y) holds the ratings of user group x and item
            // group y. In phase s, task t runs block (t, (t + s) mod G): the blocks of a phase share
            // no user and no item, so there are no races and the result does not depend on timing.
            let groups = max(1, min(blockGroups, n / 256))
            var blockOffsets = [0, n]
            if groups > 1 {
                let nu = training.userCount, ni = training.itemCount
                func block(_ e: PackedRating) -> Int { (Int(e.user) * groups / nu) * groups + Int(e.item) * groups / ni }
                blockOffsets = [Int](repeating: 0, count: groups * groups + 1)
                for e in entries { blockOffsets[block(e) + 1] += 1 }
                for b in 0..<(groups * groups) { blockOffsets[b + 1] += blockOffsets[b] }
                var cursor = blockOffsets, sorted = entries
                for e in entries { let b = block(e); sorted[cursor[b]] = e; cursor[b] += 1 }
                entries = sorted
            }
            let bus = UnsafeMutablePointer<Float>.allocate(capacity: max(1, bu.count)), bis = UnsafeMutablePointer<Float>.allocate(capacity: max(1, bi.count))
            defer { bus.deallocate(); bis.deallocate() }
            for epoch in (0..<epochs).map({ $0 + 1 }) {
                lr *= learningRateDecay
                var sse = 0.0
                bus.update(from: bu, count: bu.count); bis.update(from: bi, count: bi.count)
                entries.withUnsafeBufferPointer { es in
                    let pass = SGDPass(ratings: es.baseAddress!, userRows: P.base, itemRows: Q.base, userBias: bus, itemBias: bis,
                                       stride: stride, mean: mu, learningRate: lr, regularization: reg)
                    if groups == 1 {
                        var a = 1
                        if n > 2 { repeat { a = 1 + generator.nextInt(below: n - 1) } while gcd(a, n) != 1 }
                        let at = n > 0 ? generator.nextInt(below: n) : 0
                        sse = Double(pass.run(0..<n, step: a, start: at))
                    } else {
                        for phase in 0..<groups {
                            var plans: [(range: Range<Int>, step: Int, start: Int)] = []
                            for t in 0..<groups {
                                let b = t * groups + (t + phase) % groups
                                let range = blockOffsets[b]..<blockOffsets[b + 1]
                                var a = 1
                                if range.count > 2 { repeat { a = 1 + generator.nextInt(below: range.count - 1) } while gcd(a, range.count) != 1 }
                                plans.append((range, a, range.isEmpty ? 0 : generator.nextInt(below: range.count)))
                            }
                            var partial = [Float](repeating: 0, count: groups)
                            partial.withUnsafeMutableBufferPointer { out in
                                let box = UnsafeSendableBox((pass, out.baseAddress!))
                                ComputePool.forEachChunk(count: groups, chunks: groups, threads: threads) { c, _ in
                                    let plan = plans[c]
                                    box.value.1[c] = box.value.0.run(plan.range, step: plan.step, start: plan.start)
                                }
                            }
                            sse += partial.reduce(0) { $0 + Double($1) }
                        }
                    }
                }
                bu = Array(UnsafeBufferPointer(start: bus, count: bu.count)); bi = Array(UnsafeBufferPointer(start: bis, count: bi.count))
                var validation: Double? = nil
                if options.validation != nil {
                    p = P.padded(); q = Q.padded()
                    model.core.userBias = bu; model.core.itemBias = bi; model.core.userRows = p; model.core.itemRows = q
                    validation = validationRMSE(options.validation, model.predict)
                }
                let (isBest, stop) = try loop.finish(epoch: epoch, trainingSSE: sse, count: training.count, validationRMSE: validation)
                if isBest { best = (p, q, bu, bi) }
                if stop { break }
            }
            p = P.padded(); q = Q.padded()
            if options.earlyStopping != nil, let best { (p, q, bu, bi) = best }
            model.core.userBias = bu; model.core.itemBias = bi; model.core.userRows = p; model.core.itemRows = q
            model.regularization = regularization
            try requireFinite(model, iteration: epochs, hint: "lower the learning rate (lr = \(learningRate)) or raise the regularization (reg = \(regularization))")
            return model
        }
    }

    /// From this many training ratings on, the fit runs blocked SGD on an 8 × 8 grid (parallel);
    /// below, sequential SGD.
    public static let blockedMinimumRatings = 500_000

    var core: FactorModelCore
    /// λ, used by fold-in (the per-rating penalty of the training loss).
    public internal(set) var regularization: Float = 0.08

    init(core: FactorModelCore) { self.core = core }
    // μ, b_u, b_i, p_u, q_i, predict, scores and the model file: ``PlainFactorModel`` (BiasedFactorModel.swift).

    /// Fold-in: the new user's [p_u; b_u] minimising the training loss restricted to that user
    /// with the item parameters frozen, Σ_j [(r_j − μ − b_j − b_u − q_j·p_u)² + λ(|p_u|² + b_u²)],
    /// i.e. ridge regression with penalty λ·n (n = the user's known ratings).
    public func foldIn(_ history: [(item: ItemIndex, rating: Float)]) -> (factors: [Float], bias: Float) {
        plainFoldIn(history)
    }

    public static var kind: String { "svd" }
}

/// Factor rows in a 64-byte-aligned buffer with a stride that is a multiple of 8 floats, so
/// every 32-byte SIMD8 access is 32-byte aligned and never splits a cache line (the SGD hot
/// loop's storage).
struct AlignedRows {
    /// The storage (kept alive by the struct).
    let buffer: AlignedBuffer<Float>
    var base: UnsafeMutablePointer<Float> { buffer.pointer }
    let count: Int, factors: Int, stride: Int

    /// Copies rows stored with ``Kernels/paddedStride(_:)``.
    init(_ rows: [Float], count: Int, factors: Int) {
        self.count = count; self.factors = factors
        stride = Kernels.paddedStride(factors)
        buffer = AlignedBuffer<Float>(count: count * stride)
        let base = buffer.pointer
        let from = Kernels.paddedStride(factors)
        for r in 0..<count { for f in 0..<factors { base[r * stride + f] = rows[r * from + f] } }
    }

    /// The rows with the ``Kernels/paddedStride(_:)`` layout.
    func padded() -> [Float] {
        let to = Kernels.paddedStride(factors)
        var out = [Float](repeating: 0, count: count * to)
        for r in 0..<count { for f in 0..<factors { out[r * to + f] = base[r * stride + f] } }
        return out
    }
}

func gcd(_ a: Int, _ b: Int) -> Int {
    var (x, y) = (a, b)
    while y != 0 { (x, y) = (y, x % y) }
    return x
}

/// One SGD pass of biased MF over a range of packed ratings, visited in the order
/// start, start + step, ... (mod the range's length).
struct SGDPass {
    let ratings: UnsafePointer<PackedRating>
    let userRows: UnsafeMutablePointer<Float>, itemRows: UnsafeMutablePointer<Float>
    let userBias: UnsafeMutablePointer<Float>, itemBias: UnsafeMutablePointer<Float>
    let stride: Int
    let mean: Float, learningRate: Float, regularization: Float

    /// Runs the pass; returns the sum of squared errors seen.
    func run(_ range: Range<Int>, step: Int, start: Int) -> Float {
        let n = range.count
        guard n > 0 else { return 0 }
        let base = ratings + range.lowerBound
        let lr = learningRate, reg = regularization, mu = mean
        var at = start, sse: Float = 0
        for _ in 0..<n {
            let e = base[at]
            at += step; if at >= n { at -= n }
            let u = Int(e.user), i = Int(e.item)
            let pu = userRows + u * stride, qi = itemRows + i * stride
            let err = e.rating - (mu + userBias[u] + itemBias[i] + Kernels.dot(pu, qi, stride))
            sse += err * err
            userBias[u] += lr * (err - reg * userBias[u])
            itemBias[i] += lr * (err - reg * itemBias[i])
            Kernels.sgdPairUpdate(pu, qi, error: err, learningRate: lr, regularization: reg, stride)
        }
        return sse
    }
}


/// The trainer of ``SVDModel`` (`svd` in the catalog); its table is ``BiasedSGDSettings/table``.
public struct SVD: Trainer {
    public var configuration: SVDModel.Configuration
    public init(_ configuration: SVDModel.Configuration = .default) { self.configuration = configuration }
    public var name: String { "svd" }
    public var task: AlgorithmTask { .rating }
    public var usesValidation: Bool { true }
    public var parameters: [HyperparameterSpec] { configuration.table }
    public func configured(_ r: HyperparameterReader) throws -> SVDModel.Configuration { configuration.applying(r) }
    public func fit(_ data: TrainingData, context: FitContext) throws -> SVDModel {
        try configuration.applying(context).fit(data.interactions, options: RatingFitOptions(data, context))
    }
    public var summary: String { "biased matrix factorisation by SGD (Funk 2006; Koren, Bell, Volinsky 2009)" }
}

extension SVDModel.Configuration: BiasedSGDSettings {}
