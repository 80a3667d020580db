/// `als`: explicit alternating least squares with biases and weighted-λ regularisation
/// (ALS-WR).
///
/// **Prediction rule.** r̂_ui = μ + b_u + b_i + q_i · p_u, clipped to the rating scale.
/// Unknown user: μ + b_i; unknown item: μ + b_u.
///
/// **Loss.** Σ_(u,i)∈train (r_ui − r̂_ui)² + λ [Σ_u |R(u)| (|p_u|² + b_u²) + Σ_i |R(i)| (|q_i|² + b_i²)]
/// (μ is the fixed training mean).
///
/// **Updates.** Alternately, every user row then every item row is the exact minimiser with
/// the other side fixed: with v_i = [q_i; 1] and t_ui = r_ui − μ − b_i,
/// [p_u; b_u] = (Σ_{i∈R(u)} v_i v_iᵀ + λ |R(u)| I)⁻¹ Σ_{i∈R(u)} t_ui v_i, solved by Cholesky;
/// symmetrically for [q_i; b_i] with [p_u; 1] and r_ui − μ − b_u. Item rows start at
/// N(0, σ²), item biases at 0.
///
/// **Defaults.** k = 20, 12 iterations, λ = 0.12, σ = 0.1 (chosen by 5-fold CV on ML-100K with
/// `recommender tune`). Tip: λ matters most; larger k needs larger λ.
///
/// **Threads.** The per-user and per-item solves are independent and run on `threads`
/// threads (default: all cores); the result is identical for any thread count.
///
/// **Paper.** Y. Zhou, D. Wilkinson, R. Schreiber, R. Pan, "Large-scale parallel
/// collaborative filtering for the Netflix prize", AAIM 2008.
public struct ALSModel: BiasedFactorModel, PlainFactorModel, Equatable {
    /// Hyper-parameters of ``ALSModel``.
    public struct Configuration: RatingModelConfiguration, Equatable, Codable {
        /// k. Default 20.
        public var factors: Int = 20
        /// Alternations (one user pass + one item pass each). Default 12.
        public var iterations: Int = 12
        /// λ (multiplied by each row's rating count). Default 0.12.
        public var regularization: Float = 0.12
        /// σ of the initial item factors. Default 0.1.
        public var initStandardDeviation: Float = 0.1
        /// Seed of the initialisation. Default 0.
        public var seed: UInt64 = 0
        /// Threads for the solves (the result does not depend on it). Default: all cores.
        public var threads: Int = Parallelism.availableCores

        /// The documented defaults.
        public static let `default` = Configuration()

        /// Creates a configuration (every argument defaults to ``default``).
        public init(factors: Int = 20, iterations: Int = 12, regularization: Float = 0.12, initStandardDeviation: Float = 0.1,
                    seed: UInt64 = 0, threads: Int = Parallelism.availableCores) {
            self.factors = factors; self.iterations = iterations; self.regularization = regularization
            self.initStandardDeviation = initStandardDeviation; self.seed = seed; self.threads = threads
        }

        /// Fits by alternating exact solves.
        /// - Complexity: O(iterations × (ratings × k² + (users + items) × k³)).
        package func fit(_ training: Interactions, options: RatingFitOptions) throws -> ALSModel {
            guard factors >= 1, iterations >= 0, regularization > 0 else {
                throw TrainingError.invalidInput("als needs embedding-dim >= 1, iterations >= 0, regularization > 0")
            }
            try FactorModelCore.checkSize(rows: training.userCount + training.itemCount, factors: factors, algorithm: "als")
            let stats = try RatingStatistics(training, options: options)
            var generator = SeededGenerator(seed: seed)
            let nu = training.userCount, ni = training.itemCount
            var p = [Float](repeating: 0, count: nu * Kernels.paddedStride(factors))
            var q = FactorModelCore.randomRows(count: ni, factors: factors, standardDeviation: initStandardDeviation, generator: &generator)
            var bu = [Float](repeating: 0, count: nu), bi = [Float](repeating: 0, count: ni)
            let byUser = training.byUser(), byItem = training.byItem()
            var loop = EpochLoop(epochs: iterations, earlyStopping: options.earlyStopping, observer: options.observer, unit: "iteration")
            var model = ALSModel(core: FactorModelCore(mean: stats.mean, userBias: bu, itemBias: bi, userRows: p, itemRows: q,
                                                       factors: factors, ratingRange: stats.range, metadata: stats.metadata))
            var best: ALSModel? = nil
            for iteration in (0..<iterations).map({ $0 + 1 }) {
                ALSModel.solveSide(rows: byUser, fixed: q, fixedBias: bi, solved: &p, solvedBias: &bu, mean: stats.mean,
                                   factors: factors, lambda: regularization, threads: threads)
                ALSModel.solveSide(rows: byItem, fixed: p, fixedBias: bu, solved: &q, solvedBias: &bi, mean: stats.mean,
                                   factors: factors, lambda: regularization, threads: threads)
                model.core.userRows = p; model.core.itemRows = q; model.core.userBias = bu; model.core.itemBias = bi
                // The training RMSE over every rating when someone watches, else over a sample
                // (enough to detect divergence).
                let checked = options.observer == nil ? min(training.count, 1024) : training.count
                var sse = 0.0
                for k in 0..<checked {
                    let d = Double(model.core.rawPrediction(user: training.users[k], item: training.items[k]) - training.ratings[k])
                    sse += d * d
                }
                let (isBest, stop) = try loop.finish(epoch: iteration, trainingSSE: sse, count: checked,
                                                     validationRMSE: validationRMSE(options.validation, model.predict))
                if isBest { best = model }
                if stop { break }
            }
            if options.earlyStopping != nil, let best { model = best }
            model.regularization = regularization
            try requireFinite(model, iteration: iterations, hint: "raise the regularization (reg = \(regularization)) or lower the initial standard deviation (init_std = \(initStandardDeviation))")
            return model
        }
    }

    var core: FactorModelCore
    /// λ, used by fold-in.
    public internal(set) var regularization: Float = 0.12

    init(core: FactorModelCore) { self.core = core }
    // μ, b_u, b_i, p_u, q_i, predict, scores and the model file: ``PlainFactorModel`` (BiasedFactorModel.swift).

    /// Solves every row of one side: [x_r; c_r] = (Σ v vᵀ + λ n_r I)⁻¹ Σ t v with v = [fixed row; 1].
    static func solveSide(rows: SparseMatrix, fixed: [Float], fixedBias: [Float], solved: inout [Float], solvedBias: inout [Float],
                          mean: Float, factors k: Int, lambda: Float, threads: Int) {
        let stride = Kernels.paddedStride(k)
        let n = k + 1, lda = Kernels.paddedStride(n)
        let count = rows.rowCount
        let chunks = max(1, min(threads, count / 64 + 1))
        fixed.withUnsafeBufferPointer { fb in
            fixedBias.withUnsafeBufferPointer { fbias in
                solved.withUnsafeMutableBufferPointer { sb in
                    solvedBias.withUnsafeMutableBufferPointer { sbias in
                        rows.columns.withUnsafeBufferPointer { cols in
                            rows.values.withUnsafeBufferPointer { vals in
                                let F = UnsafeSendableBox(fb.baseAddress!), FB = UnsafeSendableBox(fbias.baseAddress!)
                                let S = UnsafeSendableBox(sb.baseAddress!), SB = UnsafeSendableBox(sbias.baseAddress!)
                                let C = UnsafeSendableBox(cols.baseAddress!), V = UnsafeSendableBox(vals.baseAddress!)
                                let offsets = rows.rowOffsets
                                ComputePool.forEachChunk(count: count, chunks: chunks) { _, range in
                                    let a = UnsafeMutablePointer<Float>.allocate(capacity: n * lda)
                                    let b = UnsafeMutablePointer<Float>.allocate(capacity: lda)
                                    let v = UnsafeMutablePointer<Float>.allocate(capacity: lda)
                                    defer { a.deallocate(); b.deallocate(); v.deallocate() }
                                    for r in range {
                                        let lo = offsets[r], hi = offsets[r + 1]
                                        let out = S.value + r * stride
                                        guard hi > lo else {
                                            for f in 0..<stride { out[f] = 0 }
                                            SB.value[r] = 0
                                            continue
                                        }
                                        a.initialize(repeating: 0, count: n * lda)
                                        b.initialize(repeating: 0, count: lda)
                                        v.initialize(repeating: 0, count: lda)
                                        for t in lo..<hi {
                                            let c = Int(C.value[t])
                                            let row = F.value + c * stride
                                            for f in 0..<k { v[f] = row[f] }
                                            v[k] = 1
                                            let target = V.value[t] - mean - FB.value[c]
                                            Kernels.axpy(target, v, b, lda)
                                            for i in 0..<n { Kernels.axpy(v[i], v, a + i * lda, lda) }
                                        }
                                        let penalty = lambda * Float(hi - lo)
                                        for i in 0..<n { a[i * lda + i] += penalty }
                                        if Kernels.choleskySolve(a, lda: lda, b, n) {
                                            for f in 0..<k { out[f] = b[f] }
                                            SB.value[r] = b[k]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Fold-in: exactly the ALS user step for the new user, [p_u; b_u] =
    /// (Σ v_j v_jᵀ + λ n I)⁻¹ Σ (r_j − μ − b_j) v_j against the frozen items.
    public func foldIn(_ history: [(item: ItemIndex, rating: Float)]) -> (factors: [Float], bias: Float) {
        plainFoldIn(history)
    }

    public static var kind: String { "als" }
}

/// The trainer of ``ALSModel`` (`als` in the catalog): biased factors by alternating exact solves.
public struct ALS: Trainer {
    public var configuration: ALSModel.Configuration
    public init(_ configuration: ALSModel.Configuration = .default) { self.configuration = configuration }

    public var name: String { "als" }
    public var summary: String { "biased matrix factorisation by alternating least squares (Zhou et al. 2008)" }
    public var task: AlgorithmTask { .rating }
    public var usesValidation: Bool { true }
    public var parameters: [HyperparameterSpec] {
        let c = configuration
        return [
            .integer("embedding-dim", 1...4096, default: c.factors, help: "latent factors per user and item", symbol: "k", aliases: ["factors", "k"]),
            .integer("iterations", 0...100_000, default: c.iterations, help: "alternating passes (users, then items)", aliases: ["epochs"]),
            .real("regularization", 0...100_000, exclusiveLowerBound: true, default: Double(c.regularization),
                  help: "L2 penalty per rating on biases and factors", symbol: "λ", aliases: ["reg", "lambda"]),
            .real("init-stddev", 0...10, default: Double(c.initStandardDeviation), help: "standard deviation of the initial item factors",
                  symbol: "σ", aliases: ["init_std"]),
        ]
    }

    public func configured(_ r: HyperparameterReader) throws -> ALSModel.Configuration {
        var c = configuration
        c.factors = r.integer("embedding-dim")!
        c.iterations = r.integer("iterations")!
        c.regularization = r.float("regularization")!
        c.initStandardDeviation = r.float("init-stddev")!
        return c
    }

    public func fit(_ data: TrainingData, context: FitContext) throws -> ALSModel {
        let c = configuration.adjusted(for: context)
        return try c.fit(data.interactions, options: RatingFitOptions(data, context))
    }
}
