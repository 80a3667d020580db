import Foundation

// Shared pieces of the explicit-rating models (`baseline`, `svd`, `svdpp`, `als`, `knn-baseline`).
//
// Notation (used in every model's documentation):
// r_ui the rating of item i by user u; μ the global mean of the training ratings; b_u, b_i the
// user and item biases; p_u, q_i the user and item factor rows (k numbers each); R(u) the
// items u rated in training, R(i) the users who rated i; λ a regularisation weight; γ a
// learning rate; e_ui = r_ui − r̂_ui the prediction error.

/// What a rating model's fit needs besides the configuration: ids, scale, validation data,
/// early stopping and an observer (built from ``TrainingData`` and ``FitContext``).
package struct RatingFitOptions: Sendable {
    /// The id maps, catalog and rating scale stored in the model; `nil` gives placeholder ids
    /// (`"0"`, `"1"`, ...), for tests of the numerical core only.
    public var metadata: ModelMetadata?
    /// The scale predictions are clipped to; `nil` uses the metadata's scale, else the range
    /// of the training ratings.
    public var ratingScale: ClosedRange<Float>?
    /// Held-out ratings scored after every epoch (reported, and used by early stopping).
    public var validation: Interactions?
    /// Stop when the validation RMSE stops improving.
    public var earlyStopping: EarlyStopping?
    /// Called after every epoch, on the fitting thread.
    public var observer: TrainingObserver?

    /// Creates options.
    public init(metadata: ModelMetadata? = nil, ratingScale: ClosedRange<Float>? = nil, validation: Interactions? = nil,
                earlyStopping: EarlyStopping? = nil, observer: TrainingObserver? = nil) {
        self.metadata = metadata
        self.ratingScale = ratingScale
        self.validation = validation
        self.earlyStopping = earlyStopping
        self.observer = observer
    }

    /// The options of a fit on `data` in `context`.
    public init(_ data: TrainingData, _ context: FitContext) {
        self.init(metadata: data.metadata, ratingScale: data.dataset.ratingScale, validation: context.validation,
                  earlyStopping: context.earlyStopping, observer: context.observer)
    }
}

/// The configuration of a rating model: it fits a fitted model value from ratings. The public
/// entry point is the model's ``Trainer`` (e.g. ``SVD``); this is the numerical core it calls.
package protocol RatingModelConfiguration: Sendable {
    /// The fitted model type.
    associatedtype Model: RatingModel
    /// Fits the model on `training` (the trainer's numerical core; call the trainer instead).
    /// - Throws: ``TrainingError``.
    func fit(_ training: Interactions, options: RatingFitOptions) throws -> Model
}

/// A fitted explicit-rating model: predicts with fallbacks, scores all items, folds in new
/// users and is stored in a model file.
///
/// Unknown users or items (an index outside the training data, or one with no training
/// rating) fall back to the baseline part of the model (μ + b_u, μ + b_i or μ); predictions
/// (`predict`, `predictedRatings(forNewUser:)`) are clipped to the rating scale, while the
/// ranking scores (`scores(forUser:)`, `scores(forHistory:)`) are the same values unclipped,
/// so items predicted above the top of the scale keep their order.
public protocol RatingModel: RatingPredictor, ItemScorer, HistoryScorer, PersistableModel {
    /// The scale predictions are clipped to.
    var ratingRange: ClosedRange<Float> { get }
}

extension RatingModel {
    /// The predicted rating by raw ids; unknown ids fall back to the baseline.
    public func predict(userID: UserID, itemID: ItemID) -> Float {
        predict(user: metadata.userIDs.index(of: userID) ?? -1, item: metadata.itemIDs.index(of: itemID) ?? -1)
    }

    /// Fold-in by raw ids: the predicted rating (clipped to the scale) of every item for a new
    /// user who gave `ratings`, without retraining. Items unknown to the model are ignored.
    /// - Returns: one prediction per item of the model, in item-index order.
    public func predictedRatings(forNewUser ratings: [(item: ItemID, rating: Float)]) -> [(item: ItemID, rating: Float)] {
        let history = ratings.compactMap { r -> (item: ItemIndex, rating: Float)? in
            guard let i = metadata.itemIDs.index(of: r.item) else { return nil }
            return (i, r.rating)
        }
        let scores = scores(forHistory: history)
        return scores.enumerated().map { (metadata.itemIDs.id(at: ItemIndex($0.offset)), clip($0.element, ratingRange)) }
    }

    /// The number of items the model scores.
    public var itemCount: Int { metadata.itemIDs.count }
}

extension ModelMetadata {
    /// Metadata with placeholder ids (`"0"`, `"1"`, ...) for models fitted on bare interactions.
    public static func placeholder(training: Interactions, ratingScale: ClosedRange<Float>?) -> ModelMetadata {
        let users = IDMap((0..<training.userCount).map { UserID($0) })
        let items = IDMap((0..<training.itemCount).map { ItemID($0) })
        return ModelMetadata(userIDs: users, itemIDs: items, catalog: ItemCatalog(placeholderFor: items),
                             seen: training.byUser(), ratingScale: ratingScale)
    }
}

/// Facts about the training ratings every rating model needs.
struct RatingStatistics {
    var mean: Float
    var range: ClosedRange<Float>
    var userCounts: [Int32]
    var itemCounts: [Int32]
    var metadata: ModelMetadata

    init(_ training: Interactions, options: RatingFitOptions) throws {
        guard !training.isEmpty else { throw TrainingError.emptyTraining }
        mean = training.meanRating
        var lo = Float.infinity, hi = -Float.infinity
        for r in training.ratings { lo = min(lo, r); hi = max(hi, r) }
        range = options.ratingScale ?? options.metadata?.ratingScale ?? (lo...hi)
        userCounts = [Int32](repeating: 0, count: training.userCount)
        itemCounts = [Int32](repeating: 0, count: training.itemCount)
        for u in training.users { userCounts[Int(u)] += 1 }
        for i in training.items { itemCounts[Int(i)] += 1 }
        metadata = options.metadata ?? .placeholder(training: training, ratingScale: range)
        precondition(metadata.userIDs.count == training.userCount && metadata.itemIDs.count == training.itemCount,
                     "metadata and training interactions disagree on the index spaces")
    }
}

/// Seconds on a monotonic clock.
@inline(__always) func monotonicSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

@inline(__always) func clip(_ x: Float, _ range: ClosedRange<Float>) -> Float {
    x.isNaN ? (range.lowerBound + range.upperBound) / 2 : min(max(x, range.lowerBound), range.upperBound)
}

/// Per-epoch bookkeeping shared by the SGD models: progress reports, validation RMSE and
/// early stopping with restore-best.
struct EpochLoop {
    let epochs: Int
    let earlyStopping: EarlyStopping?
    let observer: TrainingObserver?
    /// What a step is called in reports (`epoch` for SGD, `iteration` for ALS).
    var unit = "epoch"
    let start = monotonicSeconds()
    var bestRMSE = Double.infinity
    var bestEpoch = 0
    var epochsWithoutImprovement = 0

    /// Records an epoch; returns (isBest, shouldStop).
    mutating func finish(epoch: Int, trainingSSE: Double, count: Int, validationRMSE: Double?) throws -> (isBest: Bool, stop: Bool) {
        let trainingRMSE = (trainingSSE / Double(max(count, 1))).squareRoot()
        guard trainingRMSE.isFinite else {
            throw TrainingError.diverged(iteration: epoch, hint: "lower learning-rate or raise regularization")
        }
        if let observer {
            var metrics = [TrainingMetric("train_rmse", trainingRMSE)]
            if let validationRMSE { metrics.append(TrainingMetric("validation_rmse", validationRMSE)) }
            observer(TrainingEvent(step: epoch, stepCount: epochs, unit: unit, metrics: metrics, elapsedSeconds: monotonicSeconds() - start))
        }
        guard let validationRMSE, let rule = earlyStopping else { return (false, false) }
        if validationRMSE < bestRMSE - rule.minimumImprovement {
            bestRMSE = validationRMSE; bestEpoch = epoch; epochsWithoutImprovement = 0
            return (true, false)
        }
        epochsWithoutImprovement += 1
        return (false, epochsWithoutImprovement >= rule.patience)
    }
}

/// The RMSE of `predict` on `interactions` (clipped predictions), or `nil` when empty.
func validationRMSE(_ interactions: Interactions?, _ predict: (UserIndex, ItemIndex) -> Float) -> Double? {
    guard let v = interactions, !v.isEmpty else { return nil }
    var sse = 0.0
    for k in 0..<v.count {
        let d = Double(predict(v.user(at: k), v.item(at: k)) - v.ratings[k])
        sse += d * d
    }
    return (sse / Double(v.count)).squareRoot()
}

/// Shared archive helpers for the rating models.
extension ModelArchive {
    mutating func storeRatingCommon(mean: Float, range: ClosedRange<Float>, metadata: ModelMetadata) {
        store(metadata)
        set("rating.mean", .double(Double(mean)))
        set("rating.range", .floats([range.lowerBound, range.upperBound]))
    }

    func ratingCommon(path: String) throws -> (mean: Float, range: ClosedRange<Float>, metadata: ModelMetadata) {
        let metadata = try metadata(path: path)
        let mean = Float(try double("rating.mean", path: path))
        let r = try floats("rating.range", count: 2, path: path)
        guard r[0] <= r[1], mean.isFinite else {
            throw PersistenceError.badSection(path: path, name: "rating.range", reason: "invalid rating range or mean")
        }
        return (mean, r[0]...r[1], metadata)
    }
}

extension ModelMetadata {
    /// Training ratings per user and per item, from the seen matrix.
    func ratingCounts() -> (users: [Int32], items: [Int32]) {
        let users = (0..<userIDs.count).map { Int32(seenCount(ofUser: UserIndex($0))) }
        return (users, seenItemCounts())
    }
}

/// The settings shared by the SGD biased-factor models (`svd`, `svdpp`).
public protocol BiasedSGDSettings: Sendable {
    /// k.
    var factors: Int { get set }
    /// Passes over the training ratings.
    var epochs: Int { get set }
    /// γ.
    var learningRate: Float { get set }
    /// λ.
    var regularization: Float { get set }
    /// σ of the initial factors.
    var initStandardDeviation: Float { get set }
    /// The step size of epoch e is γ·decay^(e−1).
    var learningRateDecay: Float { get set }
    /// The documented default seed.
    var seed: UInt64 { get set }
    /// Threads of the blocked parallel SGD.
    var threads: Int { get set }
}

extension BiasedSGDSettings {
    /// The hyper-parameter table of `svd` and `svdpp`, with these settings as defaults.
    public var table: [HyperparameterSpec] {
        [
            .integer("embedding-dim", 1...4096, default: factors, help: "latent factors per user and item", symbol: "k", aliases: ["factors", "k"]),
            .integer("epochs", 0...100_000, default: epochs, help: "passes over the training ratings"),
            .real("learning-rate", 0...10, exclusiveLowerBound: true, default: Double(learningRate), help: "SGD step size", symbol: "γ",
                  aliases: ["lr", "learning_rate"]),
            .real("regularization", 0...10_000, default: Double(regularization), help: "L2 penalty on biases and factors", symbol: "λ",
                  aliases: ["reg"]),
            .real("init-stddev", 0...10, default: Double(initStandardDeviation), help: "standard deviation of the initial factors",
                  symbol: "σ", aliases: ["init_std"]),
            .real("learning-rate-decay", 0...1, exclusiveLowerBound: true, default: Double(learningRateDecay),
                  help: "the step size of epoch e is γ·decay^(e−1)", aliases: ["lr_decay"]),
        ]
    }

    /// These settings with the table's values read from `r`.
    public func applying(_ r: HyperparameterReader) -> Self {
        var c = self
        c.factors = r.integer("embedding-dim")!
        c.epochs = r.integer("epochs")!
        c.learningRate = r.float("learning-rate")!
        c.regularization = r.float("regularization")!
        c.initStandardDeviation = r.float("init-stddev")!
        c.learningRateDecay = r.float("learning-rate-decay")!
        return c
    }

    /// These settings with the context's seed and threads.
    func applying(_ context: FitContext) -> Self {
        var c = self
        c.seed = context.resolvedSeed(default: seed)
        if let threads = context.threads { c.threads = threads }
        return c
    }
}

/// Regularised least squares for one user row against frozen item rows (fold-in).
///
/// Minimises Σ_j (t_j − x·v_j)² + Σ_d λ_d x_d², where v_j = [q_j, 1] (factors then a bias
/// slot) and λ_d is `factorPenalty` for the factor slots and `biasPenalty` for the bias slot.
/// - Returns: the solution, `factors + 1` numbers (factors then bias).
func solveUserRow(itemRows: UnsafePointer<Float>, stride: Int, factors k: Int, items: [Int32], targets: [Float],
                  factorPenalty: Float, biasPenalty: Float) -> [Float] {
    let n = k + 1
    var a = [Float](repeating: 0, count: n * n)
    var b = [Float](repeating: 0, count: n)
    var v = [Float](repeating: 0, count: n)
    for (j, item) in items.enumerated() {
        let q = itemRows + Int(item) * stride
        for d in 0..<k { v[d] = q[d] }
        v[k] = 1
        let t = targets[j]
        for r in 0..<n {
            let vr = v[r]
            b[r] += t * vr
            for c in 0...r { a[r * n + c] += vr * v[c] }
        }
    }
    for d in 0..<k { a[d * n + d] += factorPenalty }
    a[k * n + k] += biasPenalty
    let ok = a.withUnsafeMutableBufferPointer { ap in
        b.withUnsafeMutableBufferPointer { bp in Kernels.choleskySolve(ap.baseAddress!, lda: n, bp.baseAddress!, n) }
    }
    return ok ? b : [Float](repeating: 0, count: n)
}
