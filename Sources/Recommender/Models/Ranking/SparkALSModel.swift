import Foundation

/// How a ``SparkALSModel`` was trained: the record `scripts/spark/train_als.py` writes as
/// `spark_als.json` beside the factors, kept in the model file (section `spark.run`).
public struct SparkTrainingRun: Sendable, Codable, Equatable {
    /// Always `swift-recommender-spark-factors`.
    public var format: String
    /// The record's format version (1).
    public var version: Int
    /// The ``SparkExportManifest/fingerprint`` of the export Spark read.
    public var exportFingerprint: String?
    /// The data set's name, from the export.
    public var dataset: String?
    /// `implicitPrefs`: implicit feedback (confidence `1 + α·|r|`) rather than explicit ratings.
    public var implicitPrefs: Bool
    /// `rank`: latent factors.
    public var rank: Int
    /// `regParam`: Spark multiplies it by each row's rating count ("ALS-WR").
    public var regParam: Double
    /// `alpha`: the implicit confidence scale.
    public var alpha: Double
    /// `maxIter`.
    public var maxIter: Int
    /// `seed`.
    public var seed: Int64?
    /// `nonnegative`.
    public var nonnegative: Bool?
    /// `numUserBlocks`, `numItemBlocks`.
    public var numUserBlocks: Int?, numItemBlocks: Int?
    /// The checkpoint interval, when checkpointing was on.
    public var checkpointInterval: Int?
    /// Spark's version and master URL.
    public var sparkVersion: String?, master: String?
    /// Interactions read, factor rows written.
    public var interactions: Int?, userFactorRows: Int?, itemFactorRows: Int?
    /// Seconds: `session_seconds`, `read_seconds`, `fit_seconds`, `write_seconds`, `total_seconds`,
    /// `seconds_per_iteration` (with `--measure-setup`), ...
    public var timings: [String: Double]?

    /// The hyper-parameters in the training record's form.
    public var hyperparameters: [String: HyperparameterValue] {
        var h: [String: HyperparameterValue] = ["rank": .integer(rank), "reg-param": .real(regParam), "alpha": .real(alpha),
                                                "max-iter": .integer(maxIter), "implicit-prefs": .flag(implicitPrefs)]
        if let seed { h["seed"] = .integer(Int(seed)) }
        if let nonnegative { h["nonnegative"] = .flag(nonnegative) }
        if let numUserBlocks { h["num-user-blocks"] = .integer(numUserBlocks) }
        if let numItemBlocks { h["num-item-blocks"] = .integer(numItemBlocks) }
        return h
    }

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }()

    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// A model trained by Apache Spark's ALS (`pyspark.ml.recommendation.ALS`) and imported with
/// `recommender import spark-als` (kind `spark-als`): Spark's user and item factors with our
/// id maps, catalog and training interactions, so that `recommend`, `similar`, `evaluate`,
/// fold-in, explanations and the ANN index work on it as on ``ImplicitALSModel``.
///
/// **Prediction rule.** `score(u, i) = x_uᵀ y_i` (Spark's `transform`, without its cold-start
/// handling: a user or item without factors has the zero vector, so it scores 0).
///
/// **Loss Spark minimised** (notation of ``ImplicitALS``; `n_u`, `n_i` the numbers of ratings of
/// the row, `λ` Spark's `regParam`). Implicit (`implicitPrefs`): `p_ui = 1` when `r_ui > 0`,
/// `c_ui = 1 + α·|r_ui|`,
///
///     Σ_{u,i} c_ui (p_ui − x_uᵀ y_i)² + λ (Σ_u n_u ‖x_u‖² + Σ_i n_i ‖y_i‖²)
///
/// Explicit: `Σ_{(u,i) rated} (r_ui − x_uᵀ y_i)² + λ (Σ_u n_u ‖x_u‖² + Σ_i n_i ‖y_i‖²)` — the
/// weighted-λ regularisation of Zhou et al. 2008 ("ALS-WR"), which Spark applies in both modes.
///
/// **Fold-in** (a new user's history, no retraining) solves the same row problem against the
/// frozen item factors, with Spark's penalty `λ·n` for a history of `n` ratings: implicit,
/// `x = (YᵀY + Yᵀ(Cᵘ − I)Y + λn I)⁻¹ YᵀCᵘp(u)` (exactly ``ImplicitALSModel``'s fold-in with
/// `λn` in place of its λ); explicit, `x = (Σ_j y_j y_jᵀ + λn I)⁻¹ Σ_j r_j y_j`.
/// **Explanations** split the fold-in score over the history (Hu et al. §5 for implicit; for
/// explicit, the term of `j` is `r_j · y_iᵀ W y_j` with `W = (Σ y yᵀ + λn I)⁻¹`).
///
/// **Papers.** Hu, Koren & Volinsky, "Collaborative Filtering for Implicit Feedback Datasets",
/// ICDM 2008 (Spark's implicit mode); Zhou, Wilkinson, Schreiber & Pan, "Large-scale Parallel
/// Collaborative Filtering for the Netflix Prize", AAIM 2008 (ALS-WR, Spark's blocking scheme).
public struct SparkALSModel: ItemScorer, HistoryScorer, ItemEmbeddingModel, ExplainableScorer, PersistableModel {
    /// User factors `x_u` (zero rows for users Spark returned none for).
    public let userFactors: Matrix
    /// Item factors `y_i` (zero rows for items Spark returned none for).
    public let itemFactors: Matrix
    /// How Spark trained it.
    public let run: SparkTrainingRun
    /// Ids, catalog and the exported training interactions (excluded from recommendations).
    public let metadata: ModelMetadata

    /// Creates a model from its parts.
    /// - Precondition: the factors have `run.rank` columns and one row per user / item of `metadata`.
    public init(userFactors: Matrix, itemFactors: Matrix, run: SparkTrainingRun, metadata: ModelMetadata) {
        precondition(userFactors.columns == itemFactors.columns && userFactors.columns == run.rank, "factor widths differ from the rank")
        precondition(userFactors.rows == metadata.userIDs.count && itemFactors.rows == metadata.itemIDs.count, "factor rows differ from the id maps")
        self.userFactors = userFactors
        self.itemFactors = itemFactors
        self.run = run
        self.metadata = metadata
    }

    public static let kind = "spark-als"
    /// Scores from its factors alone: a server may leave the training history in the file.
    public static var scoresWithoutTrainingHistory: Bool { true }
    public var itemCount: Int { itemFactors.rows }
    /// The item factors.
    public var itemEmbeddings: Matrix { itemFactors }

    /// How ratings enter the implicit confidence: every rating, weighted by its value (Spark's
    /// `c = 1 + α·|r|` for the positive ratings of star data).
    static let feedback = ImplicitFeedback(threshold: nil, weighting: .rating)

    /// `score(u, i) = x_uᵀ y_i` for every item.
    public func scores(forUser user: UserIndex) -> [Float] {
        userFactors.storage.withUnsafeBufferPointer { u in scores(userVector: u.baseAddress! + Int(user) * userFactors.columns) }
    }

    func scores(userVector x: UnsafePointer<Float>) -> [Float] {
        let f = itemFactors.columns, n = itemCount
        return arrayFilledInPlace(capacity: n) { out, count in
            itemFactors.storage.withUnsafeBufferPointer { y in Kernels.gemv(y.baseAddress!, rows: n, columns: f, x, out.baseAddress!) }
            count = n
        }
    }

    /// The implicit row solver with Spark's penalty for a history of `count` ratings.
    func implicitSolver(ratings count: Int) -> ImplicitALSModel {
        ImplicitALSModel(userFactors: Matrix(rows: 0, columns: run.rank, storage: []), itemFactors: itemFactors,
                         regularization: Float(run.regParam) * Float(count), alpha: Float(run.alpha), feedback: Self.feedback, metadata: metadata)
    }

    /// The history's ratings of known items, one per item (the last wins), sorted by item.
    func cleaned(_ history: [(item: ItemIndex, rating: Float)]) -> [(item: ItemIndex, rating: Float)] {
        var byItem: [ItemIndex: Float] = [:]
        for (item, rating) in history where item >= 0 && Int(item) < itemCount { byItem[item] = rating }
        return byItem.sorted { $0.key < $1.key }.map { (item: $0.key, rating: $0.value) }
    }

    /// Fold-in: the user vector Spark's solve would give a user with `history` (see the type's
    /// documentation); the zero vector for an empty history.
    public func userVector(forHistory history: [(item: ItemIndex, rating: Float)]) -> [Float] {
        let h = cleaned(history)
        let f = run.rank
        if run.implicitPrefs {
            let n = h.filter { $0.rating > 0 }.count
            guard n > 0 else { return [Float](repeating: 0, count: f) }
            return implicitSolver(ratings: n).userVector(forHistory: h)
        }
        guard !h.isEmpty else { return [Float](repeating: 0, count: f) }
        var (a, b) = explicitSystem(h)
        let ok = a.withUnsafeMutableBufferPointer { ab in b.withUnsafeMutableBufferPointer { bb in
            SymmetricPositiveDefinite.solveInPlace(ab.baseAddress!, bb.baseAddress!, n: f) } }
        return ok ? b.map { Float($0) } : [Float](repeating: 0, count: f)
    }

    /// `A = Σ_j y_j y_jᵀ + λn I` and `b = Σ_j r_j y_j` (double precision).
    func explicitSystem(_ h: [(item: ItemIndex, rating: Float)]) -> (a: [Double], b: [Double]) {
        let f = run.rank, y = itemFactors.storage
        var a = [Double](repeating: 0, count: f * f), b = [Double](repeating: 0, count: f)
        for (j, r) in h {
            let row = Int(j) * f
            for p in 0..<f {
                let yp = Double(y[row + p])
                b[p] += Double(r) * yp
                for q in 0..<f { a[p * f + q] += yp * Double(y[row + q]) }
            }
        }
        for p in 0..<f { a[p * f + p] += run.regParam * Double(h.count) }
        return (a, b)
    }

    /// Fold-in scores: `x_newᵀ y_i` with the fold-in vector.
    public func scores(forHistory history: [(item: ItemIndex, rating: Float)]) -> [Float] {
        let x = userVector(forHistory: history)
        return x.withUnsafeBufferPointer { scores(userVector: $0.baseAddress!) }
    }

    /// The contribution of each rated item to the fold-in score of `item` (they add up to it).
    public func contributions(to item: ItemIndex, history: [(item: ItemIndex, rating: Float)]) -> [(item: ItemIndex, contribution: Float)] {
        let h = cleaned(history)
        if run.implicitPrefs {
            let n = h.filter { $0.rating > 0 }.count
            guard n > 0 else { return [] }
            return implicitSolver(ratings: n).contributions(to: item, history: h)
        }
        guard !h.isEmpty, item >= 0, Int(item) < itemCount else { return [] }
        let f = run.rank, y = itemFactors.storage
        var (a, _) = explicitSystem(h)
        var w = (0..<f).map { Double(y[Int(item) * f + $0]) }
        let ok = a.withUnsafeMutableBufferPointer { ab in w.withUnsafeMutableBufferPointer { wb in
            SymmetricPositiveDefinite.solveInPlace(ab.baseAddress!, wb.baseAddress!, n: f) } }
        guard ok else { return [] }
        return h.map { (j, r) in
            var s = 0.0
            for p in 0..<f { s += w[p] * Double(y[Int(j) * f + p]) }
            return (item: j, contribution: Float(Double(r) * s))
        }.sorted { $0.contribution > $1.contribution }
    }

    public func archive() -> ModelArchive {
        var a = ModelArchive(kind: Self.kind)
        a.store(metadata)
        a.set("spark.run", .strings([run.json()]))
        a.set("spark.user_factors", .floats(userFactors.storage))
        a.set("spark.item_factors", .floats(itemFactors.storage))
        return a
    }

    public init(archive: ModelArchive, path: String) throws {
        let metadata = try archive.metadata(path: path)
        let text = try archive.strings("spark.run", count: 1, path: path)[0]
        let run: SparkTrainingRun
        do { run = try SparkTrainingRun.decoder.decode(SparkTrainingRun.self, from: Data(text.utf8)) } catch {
            throw PersistenceError.badSection(path: path, name: "spark.run", reason: "not a Spark training record (\(JSONProblem.describe(error)))")
        }
        guard run.rank > 0, run.rank <= 4096, run.regParam.isFinite, run.regParam >= 0, run.alpha.isFinite, run.alpha >= 0 else {
            throw PersistenceError.badSection(path: path, name: "spark.run", reason: "rank must be in 1...4096, regParam and alpha finite and >= 0")
        }
        let f = run.rank
        let u = try archive.floats("spark.user_factors", count: metadata.userIDs.count * f, path: path)
        let i = try archive.floats("spark.item_factors", count: metadata.itemIDs.count * f, path: path)
        self.init(userFactors: Matrix(rows: metadata.userIDs.count, columns: f, storage: u),
                  itemFactors: Matrix(rows: metadata.itemIDs.count, columns: f, storage: i), run: run, metadata: metadata)
    }
}

extension SparkALSModel: InnerProductScorer {
    /// The user factors x_u (scores are x_uᵀ y_i).
    public func queryVector(forUser user: UserIndex) -> [Float] { userFactors.row(Int(user)) }
}
