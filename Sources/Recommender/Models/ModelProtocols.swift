/// A fitted model that predicts the rating a known user would give a known item.
public protocol RatingPredictor: Sendable {
    /// The predicted rating of `item` by `user` (dense indices of the training data).
    func predict(user: UserIndex, item: ItemIndex) -> Float
}

/// A fitted model that scores every item for a known user; higher scores rank first.
public protocol ItemScorer: Sendable {
    /// The number of items the model scores.
    var itemCount: Int { get }
    /// The score of every item for `user`, indexed by ``ItemIndex``.
    func scores(forUser user: UserIndex) -> [Float]
}

/// A fitted model with one embedding (a row of ``itemEmbeddings``) per item.
public protocol ItemEmbeddingModel: Sendable {
    /// Item embeddings, one row per item.
    var itemEmbeddings: Matrix { get }
}
