/// A fitted biased factor model (`svd`, `svdpp`, `als`): r̂_ui = μ + b_u + b_i + q_i · p_u
/// (SVD++ adds its implicit term to p_u), clipped to the rating scale.
///
/// The three models read out the same parameters, predict and score known users the same way;
/// this protocol names that shared surface, ``SVDModel``, ``SVDppModel`` and ``ALSModel`` each
/// add their own fold-in and configuration.
public protocol BiasedFactorModel: RatingModel, ItemEmbeddingModel {
    /// μ, the training mean.
    var mean: Float { get }
    /// b_u per user index.
    var userBias: [Float] { get }
    /// b_i per item index.
    var itemBias: [Float] { get }
    /// p_u, one row per user index (q_i, one row per item index, is ``ItemEmbeddingModel/itemEmbeddings``).
    var userFactors: Matrix { get }
}

/// A biased factor model whose parameters live in one ``FactorModelCore``.
///
/// This internal protocol is where the public members of ``BiasedFactorModel`` and
/// ``RatingModel`` are written once: a `public` member of its extension satisfies the requirement
/// of a public protocol, while ``FactorModelCore`` stays internal.
protocol FactorCoreModel: BiasedFactorModel {
    /// The fitted parameters.
    var core: FactorModelCore { get }
    /// λ, the per-rating penalty used by fold-in.
    var regularization: Float { get }
}

extension FactorCoreModel {
    /// μ.
    public var mean: Float { core.mean }
    /// b_u per user index.
    public var userBias: [Float] { core.userBias }
    /// b_i per item index.
    public var itemBias: [Float] { core.itemBias }
    /// p_u, one row per user index.
    public var userFactors: Matrix { FactorModelCore.unpadded(core.userRows, count: core.userCount, factors: core.factors) }
    /// q_i, one row per item index.
    public var itemEmbeddings: Matrix { FactorModelCore.unpadded(core.itemRows, count: core.itemCount, factors: core.factors) }
    public var ratingRange: ClosedRange<Float> { core.ratingRange }
    public var metadata: ModelMetadata { core.metadata }

    /// The predicted rating, clipped; unknown users or items fall back to the biases.
    public func predict(user: UserIndex, item: ItemIndex) -> Float { core.predict(user: user, item: item) }
    public func scores(forUser user: UserIndex) -> [Float] { core.scores(forUser: user) }

    /// The new user's padded row p_u (+ `offset`) and b_u: the ridge fold-in with penalty λ·n on
    /// both (n = the known items of `history`) against the frozen items.
    func ridgeFoldIn(_ history: [(item: ItemIndex, rating: Float)], offset: [Float]? = nil) -> (row: [Float], bias: Float) {
        core.foldIn(history, offset: offset, factorPenalty: { regularization * Float($0) }, biasPenalty: { regularization * Float($0) })
    }
}

/// A biased factor model without an implicit term (`svd`, `als`): the model file holds the
/// core and λ, and a new user is scored from the fold-in row alone.
protocol PlainFactorModel: FactorCoreModel {
    /// λ (set when the model is read back).
    var regularization: Float { get set }
    /// The model around `core`, with the type's default λ.
    init(core: FactorModelCore)
}

extension PlainFactorModel {
    /// The new user's p_u (unpadded) and b_u (``FactorCoreModel/ridgeFoldIn(_:offset:)``).
    func plainFoldIn(_ history: [(item: ItemIndex, rating: Float)]) -> (factors: [Float], bias: Float) {
        let r = ridgeFoldIn(history)
        return (Array(r.row.prefix(core.factors)), r.bias)
    }

    /// The predicted rating of every item for a new user who gave `history` (fold-in).
    public func scores(forHistory history: [(item: ItemIndex, rating: Float)]) -> [Float] {
        let r = ridgeFoldIn(history)
        return core.scores(bias: r.bias, row: r.row)
    }

    /// Scores from its factors alone: a server may leave the training history in the file.
    public static var scoresWithoutTrainingHistory: Bool { true }
    public func archive() -> ModelArchive {
        var a = ModelArchive(kind: Self.kind)
        core.store(into: &a)
        a.set("regularization", .double(Double(regularization)))
        return a
    }
    public init(archive: ModelArchive, path: String) throws {
        self.init(core: try FactorModelCore(archive: archive, path: path))
        regularization = Float(try archive.double("regularization", path: path))
    }
}
