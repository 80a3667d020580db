/// Implicit alternating least squares (`ials` in the catalog, and `best` for ranking; Hu,
/// Koren & Volinsky, "Collaborative Filtering for
/// Implicit Feedback Datasets", ICDM 2008), with conjugate-gradient solves (Takács, Pilászy &
/// Tikk, "Applications of the conjugate gradient method for implicit feedback collaborative
/// filtering", RecSys 2011).
///
/// Notation: `X` is the implicit matrix (``ImplicitFeedback``), `p_ui = 1` when `X[u][i] > 0`
/// else 0, confidence `c_ui = 1 + α·X[u][i]` (1 for unobserved pairs). User factors `x_u`,
/// item factors `y_i` (`f` each). Loss:
///
///     Σ_{u,i} c_ui (p_ui − x_uᵀ y_i)² + λ (Σ_u ‖x_u‖² + Σ_i ‖y_i‖²)
///
/// Alternating updates (items fixed, then users fixed), each an exact least-squares problem:
///
///     x_u = (YᵀY + Yᵀ(Cᵘ − I)Y + λI)⁻¹ Yᵀ Cᵘ p(u)
///
/// `YᵀY` is computed once per half-step (the Gram-matrix trick), so a user costs
/// O(f² + f·|I(u)|) per CG step instead of O(f²·|I(u)|). The default solver runs a few CG
/// steps warm-started from the previous factors; ``Solver/cholesky`` forms and factors the
/// `f × f` system exactly (O(f²·|I(u)| + f³) per user).
///
/// Prediction rule: `score(u, i) = x_uᵀ y_i`. Fold-in solves `x_u` exactly against the frozen
/// item factors. Explanations use Hu et al. §5: with `W = (YᵀCᵘY + λI)⁻¹`,
/// `score(u, i) = Σ_{j ∈ I(u)} (y_iᵀ W y_j) c_uj`, the term of `j` being its contribution.
///
/// Hyper-parameters (table name, symbol, default from ``Configuration``): `embedding-dim` `f`
/// 64, `regularization` `λ` 15, `regularization-exponent` `ν` 0.5, `alpha` `α` 0.4,
/// `iterations` 15, `solver` cg, `cg-steps` 3, `init-stddev` `σ` 0.01, `threshold` (none) and
/// `weighting` (rating). The seed defaults to 42 (``FitContext/seed`` replaces it); the fit uses
/// ``FitContext/threads`` when set, and reports one ``TrainingEvent`` per iteration (unit
/// `iteration`, no metrics: the loss is not computed).
public struct ImplicitALS: Trainer {
    /// How each per-user / per-item least-squares problem is solved.
    public enum Solver: String, CaseIterable, Sendable {
        /// A few conjugate-gradient steps, warm-started (fast; the default).
        case conjugateGradient = "cg"
        /// Exact Cholesky solve of the `f × f` system in double precision.
        case cholesky
    }

    /// Options of iALS.
    public struct Configuration: Sendable, Equatable {
        /// Latent factors `f`. Default 64 (128 gains nothing on ML-100K and costs 2–3× the time).
        public var factors: Int
        /// L2 penalty `λ`. Default 15 (tuned on ML-100K, 75/25 per-user split, seed 42; far
        /// above the 0.01 of `implicit`, which is what lifts NDCG@10 from 0.38 to about 0.50.
        /// Beware the cliff: above ~20, with these α, the factors shrink and NDCG drops fast).
        public var regularization: Float
        /// Frequency scaling `ν` of the penalty (Rendle et al., "Revisiting the performance of
        /// iALS on item recommendation benchmarks", RecSys 2022): a row with `n` positives is
        /// penalised by `λ · (n + 1)^ν / mean_rows((n + 1)^ν)` (the mean taken over its side,
        /// users or items, so `λ` keeps its scale). 0 is the constant `λ` of Hu et al.
        /// Default 0.5.
        public var regularizationExponent: Float
        /// Confidence scale `α` in `c = 1 + α·r`. Default 0.4, tuned together with the
        /// default ``ImplicitFeedback/Weighting/rating`` weighting (so a 5-star rating has
        /// confidence 3 and a 1-star rating 1.4); with binary weights use α ≈ 1 and λ ≈ 20.
        public var alpha: Float
        /// Alternating iterations (one user pass and one item pass each). Default 15.
        public var iterations: Int
        /// The least-squares solver. Default conjugate gradient.
        public var solver: Solver
        /// CG steps per solve. Default 3.
        public var conjugateGradientSteps: Int
        /// Standard deviation of the initial factors. Default 0.01.
        public var initStandardDeviation: Float
        /// Random seed of the initial factors.
        public var seed: UInt64
        /// Worker threads; 1 is the deterministic single-thread mode (the solves are
        /// independent; only the summation order of `YᵀY` depends on the thread count, so
        /// results agree up to float rounding).
        public var threads: Int
        /// How ratings become positives and their weights. Default: every rating positive,
        /// weighted by its value (`r` in the confidence).
        public var feedback: ImplicitFeedback

        /// Creates a configuration.
        public init(factors: Int = 64, regularization: Float = 15, regularizationExponent: Float = 0.5, alpha: Float = 0.4, iterations: Int = 15,
                    solver: Solver = .conjugateGradient, conjugateGradientSteps: Int = 3, initStandardDeviation: Float = 0.01,
                    seed: UInt64 = 42, threads: Int = Parallelism.availableCores,
                    feedback: ImplicitFeedback = ImplicitFeedback(threshold: nil, weighting: .rating)) {
            self.factors = factors
            self.regularization = regularization
            self.regularizationExponent = regularizationExponent
            self.alpha = alpha
            self.iterations = iterations
            self.solver = solver
            self.conjugateGradientSteps = conjugateGradientSteps
            self.initStandardDeviation = initStandardDeviation
            self.seed = seed
            self.threads = threads
            self.feedback = feedback
        }

        /// The tuned defaults documented on each property.
        public static let `default` = Configuration()
    }

    /// The options used to fit.
    public var configuration: Configuration
    /// Creates an unfitted description of the model.
    public init(_ configuration: Configuration = .default) { self.configuration = configuration }

    public var name: String { "ials" }
    public var summary: String { "implicit alternating least squares with confidence weights and a frequency-scaled penalty (Hu, Koren & Volinsky 2008; Rendle et al. 2022)" }
    public var task: AlgorithmTask { .ranking }
    public var parameters: [HyperparameterSpec] {
        let c = configuration
        return c.table([
            .real("regularization", 0...1_000_000, default: Double(c.regularization), help: "L2 penalty on the factors", symbol: "λ",
                  aliases: ["reg", "lambda"]),
            .real("regularization-exponent", 0...4, default: Double(c.regularizationExponent),
                  help: "frequency scaling of the penalty: a row with n positives gets λ·(n+1)^ν / mean (0: constant λ)", symbol: "ν"),
            .real("alpha", 0...1_000_000, default: Double(c.alpha), help: "confidence scale in c = 1 + α·r", symbol: "α"),
            .integer("iterations", 0...100_000, default: c.iterations, help: "alternating iterations (a user pass and an item pass each)"),
            .choice("solver", Solver.self, default: c.solver, help: "cg (a few warm-started conjugate-gradient steps) or cholesky (exact)"),
            .integer("cg-steps", 1...1_000, default: c.conjugateGradientSteps, help: "conjugate-gradient steps per solve (solver cg)"),
        ])
    }

    public func configured(_ r: HyperparameterReader) throws -> Configuration {
        var c = configuration.applyingShared(r)
        c.regularization = r.float("regularization")!
        c.regularizationExponent = r.float("regularization-exponent")!
        c.alpha = r.float("alpha")!
        c.iterations = r.integer("iterations")!
        c.solver = r.choice("solver")!
        c.conjugateGradientSteps = r.integer("cg-steps")!
        return c
    }

    /// Fits by alternating least squares.
    /// - Parameters:
    ///   - data: the data set and the interactions to learn from (positives per
    ///     ``Configuration/feedback``).
    ///   - context: the seed (default ``Configuration/seed``), the threads (default
    ///     ``Configuration/threads``) and the observer, called after each iteration.
    /// - Returns: the model, with `data`'s ids and catalog.
    /// - Throws: ``TrainingError/emptyTraining`` when there is no positive;
    ///   ``TrainingError/invalidInput(_:)`` for a configuration out of bounds.
    /// - Complexity: O(iterations · (f²·(users + items) + f·positives·steps)) with CG.
    public func fit(_ data: TrainingData, context: FitContext) throws -> ImplicitALSModel {
        let c = configuration.adjusted(for: context)
        try c.feedback.checkPositives(data.interactions)
        return try ImplicitALS(c).fit(matrix: c.feedback.matrix(data.interactions), metadata: data.metadata, observer: context.observer)
    }

    /// The numerical core on interactions whose ids `metadata` gives (anonymous when `nil`:
    /// for tests of the arithmetic only).
    package func fit(_ training: Interactions, metadata: ModelMetadata? = nil, observer: TrainingObserver? = nil) throws -> ImplicitALSModel {
        let x = configuration.feedback.matrix(training)
        return try fit(matrix: x, metadata: metadata ?? ModelMetadata(anonymous: training), observer: observer)
    }

    /// Fits from a prepared user × item matrix of positive weights (used by benchmarks); the
    /// observer is called after each iteration (`elapsedSeconds` since the start of the loop).
    /// - Throws: ``TrainingError/invalidInput(_:)`` for a configuration out of bounds.
    package func fit(matrix x: SparseMatrix, metadata: ModelMetadata, observer: TrainingObserver? = nil) throws -> ImplicitALSModel {
        let c = configuration
        guard c.factors > 0, c.iterations >= 0, c.regularization >= 0, c.regularization.isFinite, c.alpha >= 0, c.alpha.isFinite,
              c.regularizationExponent.isFinite, c.initStandardDeviation >= 0, c.initStandardDeviation.isFinite,
              c.solver == .cholesky || c.conjugateGradientSteps >= 1 else {
            throw TrainingError.invalidInput("ials needs embedding-dim >= 1, iterations >= 0, cg-steps >= 1, and finite regularization, alpha, init-stddev >= 0")
        }
        try FactorModelCore.checkSize(rows: x.rowCount + x.columnCount, factors: c.factors, algorithm: "ials")
        let f = c.factors
        let xt = x.transposed()
        var g = SeededGenerator(seed: c.seed)
        // Factors live in the arrays the model keeps (no copy at the end: 57 MB at ML-25M scale).
        var users = [Float](repeating: 0, count: x.rowCount * f), items = [Float](repeating: 0, count: x.columnCount * f)
        for k in users.indices { users[k] = g.nextNormal() * c.initStandardDeviation }
        for k in items.indices { items[k] = g.nextNormal() * c.initStandardDeviation }
        let solver = ALSSolver(factors: f, regularization: c.regularization, alpha: c.alpha, solver: c.solver,
                               steps: c.conjugateGradientSteps, threads: max(1, c.threads))
        let userPenalty = Self.penalties(x, lambda: c.regularization, exponent: c.regularizationExponent)
        let itemPenalty = Self.penalties(xt, lambda: c.regularization, exponent: c.regularizationExponent)
        users.withUnsafeMutableBufferPointer { u in
            items.withUnsafeMutableBufferPointer { i in
                let start = DispatchClock.now()
                for iteration in 0..<c.iterations {
                    solver.solveAll(target: u.baseAddress!, fixed: i.baseAddress!, fixedCount: x.columnCount, matrix: x, penalties: userPenalty)
                    solver.solveAll(target: i.baseAddress!, fixed: u.baseAddress!, fixedCount: x.rowCount, matrix: xt, penalties: itemPenalty)
                    observer?(TrainingEvent(step: iteration + 1, stepCount: c.iterations, unit: "iteration",
                                            elapsedSeconds: DispatchClock.seconds(since: start)))
                }
            }
        }
        try FiniteCheck.require([users, items], iteration: c.iterations,
                                hint: "lower the confidence scale alpha (was \(c.alpha)) or raise the regularization (was \(c.regularization))")
        return ImplicitALSModel(userFactors: Matrix(rows: x.rowCount, columns: f, storage: users),
                                itemFactors: Matrix(rows: x.columnCount, columns: f, storage: items),
                                regularization: c.regularization, alpha: c.alpha, feedback: c.feedback, metadata: metadata)
    }
}

extension ImplicitALS {
    /// `λ_row = λ · (n_row + 1)^ν / mean_rows((n + 1)^ν)`, or `nil` when `ν = 0` (constant λ).
    static func penalties(_ m: SparseMatrix, lambda: Float, exponent: Float) -> [Float]? {
        guard exponent != 0, m.rowCount > 0 else { return nil }
        let raw = (0..<m.rowCount).map { _pow(Float(m.count(ofRow: $0) + 1), exponent) }
        let mean = raw.reduce(0, +) / Float(raw.count)
        return raw.map { lambda * $0 / mean }
    }
}

/// The per-row least-squares solves of iALS (one half-step).
struct ALSSolver: Sendable {
    let factors: Int
    let regularization: Float
    let alpha: Float
    let solver: ImplicitALS.Solver
    let steps: Int
    let threads: Int
    /// Rows with at least this many entries are solved in lockstep batches (CG only).
    var longRow: Int = 1024
    /// Rows per lockstep batch.
    static let batchRows = 16
    /// Fixed-side vectors per tile of a batched pass (512 KB at f = 64: stays in L2).
    static let tileRows = 2048

    init(factors: Int, regularization: Float, alpha: Float, solver: ImplicitALS.Solver, steps: Int, threads: Int, longRow: Int = 1024) {
        self.factors = factors; self.regularization = regularization; self.alpha = alpha
        self.solver = solver; self.steps = steps; self.threads = threads; self.longRow = longRow
    }

    /// Chunks of the Gram matrix's rows: a constant, so that the partial sums (added in chunk
    /// order) and hence the model do not depend on the thread count.
    static let gramChunks = 8

    /// `YᵀY + λI` (f × f) of the fixed side: partial sums over ``gramChunks`` fixed row ranges,
    /// added in order.
    func gram(_ fixed: UnsafeMutablePointer<Float>, count: Int) -> [Float] {
        let f = factors
        let box = UnsafeSendableBox(fixed)
        let partial = SharedSlots<[Float]>(count: Self.gramChunks, initial: [])
        ComputePool.forEachChunk(count: count, chunks: Self.gramChunks, threads: threads) { t, range in
            var acc = [Float](repeating: 0, count: f * f)
            acc.withUnsafeMutableBufferPointer { a in
                let y = box.value
                for i in range {
                    let row = y + i * f
                    for r in 0..<f where row[r] != 0 { Kernels.axpy(row[r], row, a.baseAddress! + r * f, f) }
                }
            }
            partial.set(t, acc)
        }
        var out = [Float](repeating: 0, count: f * f)
        for p in partial.values where !p.isEmpty { for k in 0..<(f * f) { out[k] += p[k] } }
        for r in 0..<f { out[r * f + r] += regularization }
        return out
    }

    /// Solves every row of `target` against `fixed`, rows of `matrix` giving the positives.
    /// `penalties[row]` replaces `λ` for that row when given.
    func solveAll(target: UnsafeMutablePointer<Float>, fixed: UnsafeMutablePointer<Float>, fixedCount: Int, matrix: SparseMatrix,
                  penalties: [Float]? = nil) {
        let f = factors
        let yty = gram(fixed, count: fixedCount)
        let box = UnsafeSendableBox((target, fixed))
        let m = UnsafeSendableBox(matrix)
        var longest = 0
        var longRows: [Int] = []
        let useBatches = solver == .conjugateGradient && steps > 0
        for row in 0..<matrix.rowCount {
            let n = matrix.count(ofRow: row)
            longest = max(longest, n)
            if useBatches && n >= longRow { longRows.append(row) }
        }
        let isLong = UnsafeSendableBox(Set(longRows))
        let shortLongest = useBatches ? min(longest, longRow) : longest
        ComputePool.forEachChunk(count: matrix.rowCount, chunkSize: 128, threads: threads, setup: { SolveScratch(factors: f, longestRow: shortLongest) }) { scratch, range in
            let (target, fixed) = box.value
            let matrix = m.value
            yty.withUnsafeBufferPointer { a in
                matrix.columns.withUnsafeBufferPointer { cols in
                    matrix.values.withUnsafeBufferPointer { vals in
                        for row in range {
                            let lo = matrix.rowOffsets[row], hi = matrix.rowOffsets[row + 1]
                            if useBatches && hi - lo >= longRow && isLong.value.contains(row) { continue }
                            let x = target + row * f
                            let extra = penalties.map { $0[row] - regularization } ?? 0
                            if !useBatches {
                                solveExact(x: x, yty: a.baseAddress!, fixed: fixed, columns: cols.baseAddress! + lo,
                                           values: vals.baseAddress! + lo, count: hi - lo, extraPenalty: extra, scratch: &scratch)
                            } else {
                                solveCG(x: x, yty: a.baseAddress!, fixed: fixed, columns: cols.baseAddress! + lo,
                                        values: vals.baseAddress! + lo, count: hi - lo, extraPenalty: extra, scratch: scratch)
                            }
                        }
                    }
                }
            }
        }
        guard !longRows.isEmpty else { return }
        let batches = (longRows.count + Self.batchRows - 1) / Self.batchRows
        ComputePool.forEachChunk(count: batches, chunkSize: 1, threads: threads, setup: { BatchScratch(factors: f) }) { scratch, range in
            let (target, fixed) = box.value
            let matrix = m.value
            for batch in range {
                let rows = Array(longRows[(batch * Self.batchRows)..<min(longRows.count, (batch + 1) * Self.batchRows)])
                yty.withUnsafeBufferPointer { a in
                    solveBatchCG(rows: rows, target: target, yty: a.baseAddress!, fixed: fixed, fixedCount: fixedCount,
                                 matrix: matrix, penalties: penalties, scratch: &scratch)
                }
            }
        }
    }

    /// CG for a batch of long rows in lockstep: every pass over the rows' entries is tiled
    /// over blocks of the fixed side, so each block of fixed vectors is read from memory once
    /// per pass for the whole batch (instead of once per row). Same arithmetic, in the same
    /// order, as ``solveCG(x:yty:fixed:columns:values:count:extraPenalty:scratch:)``.
    func solveBatchCG(rows: [Int], target: UnsafeMutablePointer<Float>, yty: UnsafePointer<Float>, fixed: UnsafePointer<Float>,
                      fixedCount: Int, matrix: SparseMatrix, penalties: [Float]?, scratch: inout BatchScratch) {
        let f = factors, nb = rows.count
        let r = scratch.r.pointer, p = scratch.p.pointer, ap = scratch.ap.pointer
        let alpha = self.alpha
        var active = [Bool](repeating: true, count: nb)
        var rsOld = [Float](repeating: 0, count: nb)
        let extra = rows.map { row in penalties.map { $0[row] - regularization } ?? 0 }
        matrix.columns.withUnsafeBufferPointer { colsBuf in
            matrix.values.withUnsafeBufferPointer { valsBuf in
                let cols = colsBuf.baseAddress!, vals = valsBuf.baseAddress!
                /// out_b += Σ_e (residual ? c − (c−1)(y·v_b) : (c−1)(y·v_b)) y over the batch, tiled.
                func pass(residual: Bool, v: (Int) -> UnsafePointer<Float>, out: (Int) -> UnsafeMutablePointer<Float>) {
                    var cursor = rows.map { matrix.rowOffsets[$0] }
                    let ends = rows.map { matrix.rowOffsets[$0 + 1] }
                    var tileStart = 0
                    while tileStart < fixedCount {
                        let tileEnd = Int32(min(fixedCount, tileStart + Self.tileRows))
                        for b in 0..<nb where active[b] {
                            let lo = cursor[b]
                            var hi = lo
                            while hi < ends[b] && cols[hi] < tileEnd { hi += 1 }
                            if hi > lo {
                                if residual {
                                    Kernels.rankOneSum(count: hi - lo, f: f, fixed: fixed, columns: cols + lo, values: vals + lo,
                                                       a0: 1, a1: alpha, b1: -alpha, v: v(b), out: out(b))
                                } else {
                                    Kernels.rankOneSum(count: hi - lo, f: f, fixed: fixed, columns: cols + lo, values: vals + lo,
                                                       a0: 0, a1: 0, b1: alpha, v: v(b), out: out(b))
                                }
                            }
                            cursor[b] = hi
                        }
                        tileStart = Int(tileEnd)
                    }
                }
                for b in 0..<nb {
                    let x = target + rows[b] * f, rb = r + b * f
                    Kernels.symv(yty, n: f, x, rb)
                    for k in 0..<f { rb[k] = -rb[k] - extra[b] * x[k] }
                }
                pass(residual: true, v: { UnsafePointer(target + rows[$0] * f) }, out: { r + $0 * f })
                for b in 0..<nb {
                    (p + b * f).update(from: r + b * f, count: f)
                    rsOld[b] = Kernels.dot(r + b * f, r + b * f, f)
                    if rsOld[b] < 1e-20 { active[b] = false }
                }
                for _ in 0..<steps {
                    for b in 0..<nb where active[b] {
                        Kernels.symv(yty, n: f, p + b * f, ap + b * f)
                        if extra[b] != 0 { Kernels.axpy(extra[b], p + b * f, ap + b * f, f) }
                    }
                    pass(residual: false, v: { UnsafePointer(p + $0 * f) }, out: { ap + $0 * f })
                    for b in 0..<nb where active[b] {
                        let x = target + rows[b] * f, pb = p + b * f, apb = ap + b * f, rb = r + b * f
                        let pAp = Kernels.dot(pb, apb, f)
                        guard pAp > 0 else { active[b] = false; continue }
                        let step = rsOld[b] / pAp
                        Kernels.axpy(step, pb, x, f)
                        Kernels.axpy(-step, apb, rb, f)
                        let rsNew = Kernels.dot(rb, rb, f)
                        if rsNew < 1e-20 { active[b] = false; continue }
                        Kernels.axpby(1, rb, rsNew / rsOld[b], pb, f)
                        rsOld[b] = rsNew
                    }
                }
            }
        }
    }

    /// A few CG steps on `(YᵀY + λI + Σ (c−1) y yᵀ) x = Σ c y`, warm-started at `x`.
    ///
    /// The row's fixed-side vectors are read in place: after the first pass they sit in L1/L2
    /// (a row of 150 entries is 38 KB at f = 64), so copying them to a local buffer only costs.
    @inline(__always)
    func solveCG(x: UnsafeMutablePointer<Float>, yty: UnsafePointer<Float>, fixed: UnsafePointer<Float>,
                 columns: UnsafePointer<Int32>, values: UnsafePointer<Float>, count: Int, extraPenalty: Float = 0, scratch: SolveScratch) {
        let f = factors
        let r = scratch.r.pointer, p = scratch.p.pointer, ap = scratch.ap.pointer
        let alpha = self.alpha
        // r = b − A x = Σ [c − (c − 1) yᵀx] y − (YᵀY + λI) x, with c − 1 = w.
        Kernels.symv(yty, n: f, x, r)
        for k in 0..<f { r[k] = -r[k] - extraPenalty * x[k] }
        Kernels.rankOneSum(count: count, f: f, fixed: fixed, columns: columns, values: values, a0: 1, a1: alpha, b1: -alpha, v: x, out: r)
        p.update(from: r, count: f)
        var rsOld = Kernels.dot(r, r, f)
        if rsOld < 1e-20 { return }
        for _ in 0..<steps {
            // Ap = (YᵀY + λI) p + Σ (c − 1)(yᵀp) y
            Kernels.symv(yty, n: f, p, ap)
            if extraPenalty != 0 { Kernels.axpy(extraPenalty, p, ap, f) }
            Kernels.rankOneSum(count: count, f: f, fixed: fixed, columns: columns, values: values, a0: 0, a1: 0, b1: alpha, v: p, out: ap)
            let pAp = Kernels.dot(p, ap, f)
            guard pAp > 0 else { break }
            let step = rsOld / pAp
            Kernels.axpy(step, p, x, f)
            Kernels.axpy(-step, ap, r, f)
            let rsNew = Kernels.dot(r, r, f)
            if rsNew < 1e-20 { break }
            Kernels.axpby(1, r, rsNew / rsOld, p, f)
            rsOld = rsNew
        }
    }

    /// The exact solve: `A = YᵀY + λI + Σ_e w_e·y_e y_eᵀ` (`w_e = α·r_e`) and
    /// `b = Σ_e (1 + w_e)·y_e`.
    ///
    /// The row's vectors are gathered into two panels (`w_e·y_e` and `y_e`), and the sum of
    /// rank-one updates is one panel product `Wᵀ·Y` computed by the SGEMM micro-kernel on the
    /// tiles that cover the upper triangle (`count · f² · ~0.6` multiply-adds at full SIMD
    /// width); the `f × f` system is then factored in double precision
    /// (``SymmetricPositiveDefinite/solveInPlaceRowOriented(_:_:n:)``). An exact solve therefore
    /// costs a small multiple of a few warm-started CG steps, not the 80× of scalar updates.
    func solveExact(x: UnsafeMutablePointer<Float>, yty: UnsafePointer<Float>, fixed: UnsafePointer<Float>,
                    columns: UnsafePointer<Int32>, values: UnsafePointer<Float>, count: Int, extraPenalty: Float = 0, scratch: inout SolveScratch) {
        let f = factors
        scratch.reservePanels(rows: count, factors: f)
        let weighted = scratch.weightedPanel.pointer, plain = scratch.plainPanel.pointer
        let product = scratch.upper.pointer, rhs = scratch.r.pointer
        for k in 0..<f { rhs[k] = 0 }
        for e in 0..<count {
            let y = fixed + Int(columns[e]) * f
            let weight = alpha * values[e]
            (plain + e * f).update(from: y, count: f)
            let w = weighted + e * f
            for c in 0..<f { w[c] = weight * y[c] }
            Kernels.axpy(1 + weight, y, rhs, f)
        }
        let kernels = Kernels.Table.active
        // Tiles of 6 rows × 16 columns whose columns reach the diagonal or beyond.
        var r0 = 0
        while r0 < f {
            let rows = min(6, f - r0)
            var c0 = (r0 / 16) * 16
            while c0 < f {
                kernels.gemmTile(kc: count, a: weighted + r0, rowStride: 1, columnStride: f, b: plain + c0, bStride: f,
                                 c: product + r0 * f + c0, ldc: f, rows: rows, columns: min(16, f - c0), alpha: 1, beta: 0)
                c0 += 16
            }
            r0 += 6
        }
        scratch.a.withUnsafeMutableBufferPointer { aBuf in
            scratch.b.withUnsafeMutableBufferPointer { bBuf in
                let a = aBuf.baseAddress!, b = bBuf.baseAddress!
                for r in 0..<f {
                    for c in r..<f {
                        let v = Double(yty[r * f + c]) + Double(product[r * f + c])
                        a[r * f + c] = v
                        a[c * f + r] = v
                    }
                    a[r * f + r] += Double(extraPenalty)
                    b[r] = Double(rhs[r])
                }
                if SymmetricPositiveDefinite.solveInPlaceRowOriented(a, b, n: f) {
                    for k in 0..<f { x[k] = Float(b[k]) }
                }
            }
        }
    }
}

/// Per-thread working vectors of the batched solves (one `f`-vector per batch row).
struct BatchScratch {
    let r: AlignedBuffer<Float>, p: AlignedBuffer<Float>, ap: AlignedBuffer<Float>
    init(factors f: Int) {
        r = AlignedBuffer<Float>(count: f * ALSSolver.batchRows)
        p = AlignedBuffer<Float>(count: f * ALSSolver.batchRows)
        ap = AlignedBuffer<Float>(count: f * ALSSolver.batchRows)
    }
}

/// Per-thread working vectors of the solves.
struct SolveScratch {
    let r: AlignedBuffer<Float>, p: AlignedBuffer<Float>, ap: AlignedBuffer<Float>
    /// `α·X[row][e]` of the current row (length: the longest row).
    let weights: AlignedBuffer<Float>
    var a: [Double], b: [Double]
    /// The exact solve's panel product (`f × f`, the tiles over the upper triangle written).
    let upper: AlignedBuffer<Float>
    /// The exact solve's gathered rows `w_e·y_e` and `y_e` (`count × f`, plus a padding the
    /// micro-kernel's full-width reads may touch); grown only when a longer row comes.
    var weightedPanel: AlignedBuffer<Float>, plainPanel: AlignedBuffer<Float>
    init(factors f: Int, longestRow: Int = 0) {
        r = AlignedBuffer<Float>(count: f); p = AlignedBuffer<Float>(count: f); ap = AlignedBuffer<Float>(count: f)
        upper = AlignedBuffer<Float>(count: f * f)
        weightedPanel = AlignedBuffer<Float>(count: 32)
        plainPanel = AlignedBuffer<Float>(count: 32)
        weights = AlignedBuffer<Float>(count: max(1, longestRow))
        a = [Double](repeating: 0, count: f * f); b = [Double](repeating: 0, count: f)
    }

    /// Makes the panels hold `rows × factors` values and the padding (no allocation when they
    /// already do: a chunk allocates at most a few times, for its longest rows).
    mutating func reservePanels(rows: Int, factors: Int) {
        let needed = max(1, rows) * factors + 32
        guard weightedPanel.count < needed else { return }
        let capacity = max(needed, weightedPanel.count * 2)
        weightedPanel = AlignedBuffer<Float>(count: capacity)
        plainPanel = AlignedBuffer<Float>(count: capacity)
    }
}

/// A fitted ``ImplicitALS`` model.
public struct ImplicitALSModel: ItemScorer, HistoryScorer, ItemEmbeddingModel, ExplainableScorer, PersistableModel {
    /// User factors `x_u`, one row per user.
    public let userFactors: Matrix
    /// Item factors `y_i`, one row per item.
    public let itemFactors: Matrix
    /// `λ` of the fit (used by fold-in and explanations).
    public let regularization: Float
    /// `α` of the fit.
    public let alpha: Float
    /// How ratings became positives.
    public let feedback: ImplicitFeedback
    /// Ids, catalog and seen items.
    public let metadata: ModelMetadata

    /// Creates a model from its parts.
    public init(userFactors: Matrix, itemFactors: Matrix, regularization: Float, alpha: Float, feedback: ImplicitFeedback, metadata: ModelMetadata) {
        precondition(userFactors.columns == itemFactors.columns, "user and item factors differ in width")
        self.userFactors = userFactors
        self.itemFactors = itemFactors
        self.regularization = regularization
        self.alpha = alpha
        self.feedback = feedback
        self.metadata = metadata
    }

    public static let kind = "ials"
    /// Scores from its factors alone: a server may leave the training history in the file.
    public static var scoresWithoutTrainingHistory: Bool { true }
    public var itemCount: Int { itemFactors.rows }
    /// The item factors.
    public var itemEmbeddings: Matrix { itemFactors }

    /// `score(u, i) = x_uᵀ y_i` for every item.
    public func scores(forUser user: UserIndex) -> [Float] {
        userFactors.storage.withUnsafeBufferPointer { u in scores(userVector: u.baseAddress! + Int(user) * userFactors.columns) }
    }

    func scores(userVector x: UnsafePointer<Float>) -> [Float] {
        let f = itemFactors.columns, n = itemCount
        return arrayFilledInPlace(capacity: n) { out, count in
            itemFactors.storage.withUnsafeBufferPointer { y in
                Kernels.gemv(y.baseAddress!, rows: n, columns: f, x, out.baseAddress!)
            }
            count = n
        }
    }

    /// Fold-in: the exact least-squares user vector against the frozen item factors,
    /// `x = (YᵀY + Yᵀ(Cᵘ − I)Y + λI)⁻¹ YᵀCᵘp(u)`.
    public func userVector(forHistory history: [(item: ItemIndex, rating: Float)]) -> [Float] {
        let f = itemFactors.columns
        let positives = feedback.positives(history, itemCount: itemCount)
        let solver = ALSSolver(factors: f, regularization: regularization, alpha: alpha, solver: .cholesky, steps: 0, threads: 1)
        var x = [Float](repeating: 0, count: f)
        var scratch = SolveScratch(factors: f, longestRow: positives.count)
        let columns = positives.map(\.item.rawValue), values = positives.map(\.weight)
        let y = AlignedBuffer<Float>(itemFactors.storage)
        let yty = solver.gram(y.pointer, count: itemCount)
        yty.withUnsafeBufferPointer { a in
            columns.withUnsafeBufferPointer { c in
                values.withUnsafeBufferPointer { v in
                    x.withUnsafeMutableBufferPointer { xb in
                        solver.solveExact(x: xb.baseAddress!, yty: a.baseAddress!, fixed: y.pointer, columns: c.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                          values: v.baseAddress ?? UnsafePointer(bitPattern: 8)!, count: positives.count, scratch: &scratch)
                    }
                }
            }
        }
        return x
    }

    /// Fold-in scores: `x_newᵀ y_i` with the exact fold-in vector.
    public func scores(forHistory history: [(item: ItemIndex, rating: Float)]) -> [Float] {
        let x = userVector(forHistory: history)
        return x.withUnsafeBufferPointer { scores(userVector: $0.baseAddress!) }
    }

    /// Hu et al. §5: the fold-in score of `item` is `Σ_{j ∈ I(u)} (y_itemᵀ W y_j) c_uj` with
    /// `W = (YᵀCᵘY + λI)⁻¹`; the term of `j` is its contribution. The terms add up to
    /// `scores(forHistory:)[item]`.
    public func contributions(to item: ItemIndex, history: [(item: ItemIndex, rating: Float)]) -> [(item: ItemIndex, contribution: Float)] {
        let f = itemFactors.columns
        let positives = feedback.positives(history, itemCount: itemCount)
        // A = YᵀY + Σ_j (c_j − 1) y_j y_jᵀ + λI (double), then w = A⁻¹ y_item (A symmetric).
        var a = [Double](repeating: 0, count: f * f)
        let y = itemFactors.storage
        for i in 0..<itemCount { for r in 0..<f where y[i * f + r] != 0 { for c in 0..<f { a[r * f + c] += Double(y[i * f + r]) * Double(y[i * f + c]) } } }
        for r in 0..<f { a[r * f + r] += Double(regularization) }
        for (j, w) in positives {
            let s = Double(alpha * w)
            for r in 0..<f { for c in 0..<f { a[r * f + c] += s * Double(y[Int(j) * f + r]) * Double(y[Int(j) * f + c]) } }
        }
        var v = (0..<f).map { Double(y[Int(item) * f + $0]) }
        let ok = a.withUnsafeMutableBufferPointer { ab in v.withUnsafeMutableBufferPointer { vb in
            SymmetricPositiveDefinite.solveInPlace(ab.baseAddress!, vb.baseAddress!, n: f) } }
        guard ok else { return [] }
        return positives.map { (j, w) in
            var s = 0.0
            for r in 0..<f { s += v[r] * Double(y[Int(j) * f + r]) }
            return (item: j, contribution: Float(s * (1 + Double(alpha * w))))
        }.sorted { $0.contribution > $1.contribution }
    }

    public func archive() -> ModelArchive {
        var a = ModelArchive(kind: Self.kind)
        a.store(metadata)
        feedback.store(in: &a)
        a.set("ials.factors", .int(Int64(itemFactors.columns)))
        a.set("ials.regularization", .double(Double(regularization)))
        a.set("ials.alpha", .double(Double(alpha)))
        a.set("ials.user_factors", .floats(userFactors.storage))
        a.set("ials.item_factors", .floats(itemFactors.storage))
        return a
    }

    public init(archive: ModelArchive, path: String) throws {
        let metadata = try archive.metadata(path: path)
        let f = try archive.factorCount("ials.factors", path: path)
        let u = try archive.floats("ials.user_factors", count: metadata.userIDs.count * f, path: path)
        let i = try archive.floats("ials.item_factors", count: metadata.itemIDs.count * f, path: path)
        self.init(userFactors: Matrix(rows: metadata.userIDs.count, columns: f, storage: u),
                  itemFactors: Matrix(rows: metadata.itemIDs.count, columns: f, storage: i),
                  regularization: Float(try archive.double("ials.regularization", path: path)),
                  alpha: Float(try archive.double("ials.alpha", path: path)),
                  feedback: try ImplicitFeedback(archive: archive, path: path), metadata: metadata)
    }
}

/// Monotonic time for progress reports.
enum DispatchClock {
    static func now() -> UInt64 { DispatchTime_now() }
    static func seconds(since start: UInt64) -> Double { Double(DispatchTime_now() &- start) / 1e9 }
}

import Dispatch
@inline(__always) func DispatchTime_now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
