/// EASE: Embarrassingly Shallow Autoencoder (`ease` in the catalog; Steck, "Embarrassingly
/// Shallow Autoencoders for Sparse Data", WWW 2019).
///
/// Learns an item–item weight matrix `B` with a zero diagonal that reconstructs the implicit
/// matrix `X` (see ``ImplicitFeedback``):
///
///     minimise ‖X − X B‖²_F + λ ‖B‖²_F   subject to diag(B) = 0
///
/// whose closed form is `P = (XᵀX + λI)⁻¹`, `B = I − P · diag(1 / diag(P))`, i.e.
/// `B[i][j] = −P[i][j] / P[j][j]` for `i ≠ j`. The inverse is computed by this library's
/// blocked Cholesky (``SymmetricPositiveDefinite/inverse(_:n:threads:)``).
///
/// Prediction rule: `score(u, j) = Σ_{i ∈ I(u)} X[u][i] · B[i][j]`; the term of item `i` is its
/// contribution ("because you liked i"). Fold-in is exact: the same rule over any history.
///
/// Cost: O(Σ_u |I(u)|²) for the Gram matrix plus O(items³) for the inverse; memory O(items²)
/// (11 MB for ML-100K's 1,682 items; impractical beyond ~50,000 items).
///
/// Hyper-parameters (defaults in ``Configuration``): `regularization` (`λ`, 400), `dropout`
/// (`p`, 0), `threshold` and `weighting` (every rating a binary positive). The fit uses
/// ``FitContext/threads`` when set.
public struct EASE: Trainer {
    /// Options of EASE.
    public struct Configuration: Sendable, Equatable {
        /// The L2 penalty `λ` added to the diagonal of `XᵀX`. Default 400 (tuned on ML-100K,
        /// 75/25 per-user split; Steck's tip: λ grows with the data, a few hundred for ~100k
        /// interactions, thousands for millions).
        public var lambda: Float
        /// Dropout-denoising penalty `p` of DLAE (Steck, "Autoencoders that don't overfit towards
        /// the identity", NeurIPS 2020): adds `p / (1 − p) · G_ii` to each diagonal entry, an
        /// L2 penalty proportional to item popularity. 0 is plain EASE. Default 0.
        public var dropout: Float
        /// How ratings become positives.
        public var feedback: ImplicitFeedback
        /// Threads for the Gram matrix and the inverse; 1 is the single-thread mode.
        public var threads: Int

        /// Creates a configuration.
        /// `dropout` must be in [0, 1); the fit refuses other values.
        public init(lambda: Float = 400, dropout: Float = 0, feedback: ImplicitFeedback = .default, threads: Int = Parallelism.availableCores) {
            self.lambda = lambda
            self.dropout = dropout
            self.feedback = feedback
            self.threads = threads
        }
        /// λ = 400, no dropout penalty, all ratings positive (binary).
        public static let `default` = Configuration()
    }

    /// The options used to fit.
    public var configuration: Configuration
    /// Creates an unfitted description of the model.
    public init(_ configuration: Configuration = .default) { self.configuration = configuration }

    public var name: String { "ease" }
    public var summary: String { "embarrassingly shallow autoencoder: closed-form item–item weights (Steck 2019; DLAE, Steck 2020)" }
    public var task: AlgorithmTask { .ranking }
    public var parameters: [HyperparameterSpec] {
        let c = configuration
        return [
            .real("regularization", 0...100_000_000, exclusiveLowerBound: true, default: Double(c.lambda),
                  help: "L2 penalty added to the diagonal of XᵀX", symbol: "λ", aliases: ["lambda"]),
            .real("dropout", 0...0.99, default: Double(c.dropout),
                  help: "DLAE dropout penalty: adds p/(1−p)·G_ii to each diagonal entry (0: plain EASE)", symbol: "p"),
        ] + c.feedback.parameters()
    }

    public func configured(_ r: HyperparameterReader) throws -> Configuration {
        var c = configuration
        c.lambda = r.float("regularization")!
        c.dropout = r.float("dropout")!
        c.feedback = c.feedback.configured(r)
        return c
    }

    /// Solves for `B` in closed form.
    /// - Parameters:
    ///   - data: the data set and the interactions to learn from.
    ///   - context: ``FitContext/threads`` (when set) bounds the threads; seed and validation
    ///     are not used.
    /// - Returns: the model, with `data`'s ids and catalog.
    /// - Throws: ``TrainingError/emptyTraining`` when there is no positive;
    ///   ``TrainingError/invalidInput(_:)`` for `dropout` outside [0, 1), or when `XᵀX + λI`
    ///   is not positive definite (`λ ≤ 0` with unrated items).
    public func fit(_ data: TrainingData, context: FitContext) throws -> EASEModel {
        var c = configuration
        try c.feedback.checkPositives(data.interactions)
        if let threads = context.threads { c.threads = threads }
        return try EASE(c).fit(data.interactions, metadata: data.metadata)
    }

    /// The closed-form core, over interactions whose ids `metadata` gives (anonymous when
    /// `nil`: for tests of the arithmetic only).
    /// - Throws: ``TrainingError/invalidInput(_:)`` as ``fit(_:context:)``.
    package func fit(_ training: Interactions, metadata: ModelMetadata? = nil) throws -> EASEModel {
        let c = configuration
        guard c.lambda.isFinite, c.lambda > 0 else {
            throw TrainingError.invalidInput("ease: the regularization λ (regularization) must be a positive number, e.g. 400; got \(c.lambda)")
        }
        guard c.dropout.isFinite, c.dropout >= 0, c.dropout < 1 else {
            throw TrainingError.invalidInput("ease: the dropout must be in [0, 1); got \(c.dropout)")
        }
        try c.feedback.checkHasPositives(training)
        _ = try parameterCount(training.itemCount, training.itemCount, what: "ease item × item weights")
        let x = c.feedback.matrix(training)
        let n = x.columnCount
        let gram = AlignedBuffer<Float>(count: n * n)
        let gBox = UnsafeSendableBox(gram.pointer)
        CoOccurrence.forEachRow(byUser: x, byItem: x.transposed(), threads: max(1, c.threads)) { i, row, touched in
            let g = gBox.value + i * n
            for j in touched { g[Int(j)] = row[Int(j)] }
        }
        for i in 0..<n { gram.pointer[i * n + i] += c.lambda + c.dropout / (1 - c.dropout) * gram.pointer[i * n + i] }
        var p: [Float]
        do {
            p = try SymmetricPositiveDefinite.inverse(gram.array, n: n, threads: max(1, c.threads))
        } catch LinearAlgebraError.notPositiveDefinite {
            throw TrainingError.invalidInput("ease: XᵀX + λI is not positive definite with λ = \(c.lambda) (regularization); raise λ (e.g. 400)")
        }
        // B[i][j] = −P[i][j] / P[j][j], zero diagonal (in place).
        let diagonal = (0..<n).map { p[$0 * n + $0] }
        p.withUnsafeMutableBufferPointer { b in
            for i in 0..<n {
                for j in 0..<n { b[i * n + j] = -b[i * n + j] / diagonal[j] }
                b[i * n + i] = 0
            }
        }
        try FiniteCheck.require([p], iteration: 1, hint: "raise the regularization λ (was \(c.lambda))")
        return EASEModel(weights: Matrix(rows: n, columns: n, storage: p), feedback: c.feedback,
                         metadata: metadata ?? ModelMetadata(anonymous: training))
    }
}

/// A fitted ``EASE`` model: the dense item–item weights `B`.
public struct EASEModel: ItemScorer, HistoryScorer, ExplainableScorer, PersistableModel {
    /// `B`, items × items, zero diagonal.
    public let weights: Matrix
    /// How ratings became positives.
    public let feedback: ImplicitFeedback
    /// Ids, catalog and seen items.
    public let metadata: ModelMetadata

    /// Creates a model from its parts.
    public init(weights: Matrix, feedback: ImplicitFeedback, metadata: ModelMetadata) {
        precondition(weights.rows == weights.columns, "EASE weights must be square")
        self.weights = weights
        self.feedback = feedback
        self.metadata = metadata
    }

    public static let kind = "ease"
    public var itemCount: Int { weights.rows }

    /// `score(u, ·) = Σ_{i ∈ I(u)} X[u][i] · B[i]` over the user's training history.
    public func scores(forUser user: UserIndex) -> [Float] {
        let n = itemCount
        var out = [Float](repeating: 0, count: n)
        weights.storage.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { o in
                let base = b.baseAddress!, dst = o.baseAddress!
                feedback.forEachPositive(row: Int(user), of: metadata.seen) { i, w in Kernels.axpy(w, base + Int(i) * n, dst, n) }
            }
        }
        return out
    }

    /// Fold-in: the same rule over an ad-hoc history (exact).
    /// - Complexity: O(|history| × items), SIMD.
    public func scores(forHistory history: [(item: ItemIndex, rating: Float)]) -> [Float] {
        let n = itemCount
        var out = [Float](repeating: 0, count: n)
        let positives = feedback.positives(history, itemCount: n)
        weights.storage.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { o in
                guard let base = b.baseAddress, let dst = o.baseAddress else { return }
                for (i, w) in positives { Kernels.axpy(w, base + Int(i) * n, dst, n) }
            }
        }
        return out
    }

    /// Contribution of history item `i` to `item`: `X[u][i] · B[i][item]`.
    public func contributions(to item: ItemIndex, history: [(item: ItemIndex, rating: Float)]) -> [(item: ItemIndex, contribution: Float)] {
        feedback.positives(history, itemCount: itemCount)
            .map { (item: $0.item, contribution: $0.weight * weights[Int($0.item), Int(item)]) }
            .sorted { $0.contribution > $1.contribution }
    }

    public func archive() -> ModelArchive {
        var a = ModelArchive(kind: Self.kind)
        a.store(metadata)
        feedback.store(in: &a)
        a.set("ease.weights", .floats(weights.storage))
        return a
    }

    public init(archive: ModelArchive, path: String) throws {
        let metadata = try archive.metadata(path: path)
        let n = metadata.itemIDs.count
        let w = try archive.floats("ease.weights", count: n * n, path: path)
        self.init(weights: Matrix(rows: n, columns: n, storage: w), feedback: try ImplicitFeedback(archive: archive, path: path), metadata: metadata)
    }
}
