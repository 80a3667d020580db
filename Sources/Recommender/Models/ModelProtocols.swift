import Foundation

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

/// A fitted model that can score every item for a user it was not trained on, from that
/// user's ratings alone (fold-in), without retraining.
public protocol HistoryScorer: Sendable {
    /// The score of every item for a user who rated `history` (dense item indices, ratings).
    func scores(forHistory history: [(item: ItemIndex, rating: Float)]) -> [Float]
}

/// A fitted model that can be written to and read from a model file.
///
/// Conforming types store their parameters in a ``ModelArchive`` whose `kind` is
/// ``kind``, together with the ``ModelMetadata`` needed to answer queries from the file
/// alone. A model type is read back by the ``AlgorithmCatalog`` whose algorithm produces it
/// (``Algorithm/modelTypes``).
public protocol PersistableModel: Sendable {
    /// The algorithm name written in the file header (e.g. `"mf"`); unique per type.
    static var kind: String { get }
    /// Kind names that files written by earlier versions carry for this type (read, never written).
    static var formerKinds: [String] { get }
    /// The id maps, catalog and seen items of the training data.
    var metadata: ModelMetadata { get }
    /// Whether the model scores from its parameters alone (its training history only filters
    /// and explains results), so a server may leave that history in the model file.
    static var scoresWithoutTrainingHistory: Bool { get }
    /// The model as an archive (parameters + metadata).
    func archive() -> ModelArchive
    /// Rebuilds the model from an archive, checking every section.
    /// - Parameter path: used in error messages.
    init(archive: ModelArchive, path: String) throws
}

extension PersistableModel {
    public static var formerKinds: [String] { [] }

    /// Whether the model scores from its parameters alone, so that its training history
    /// (``ModelMetadata/seen``) serves only to filter and explain results and may stay in the
    /// model file (``ModelMetadata/seenOnDisk``). `false` unless a model type says otherwise.
    public static var scoresWithoutTrainingHistory: Bool { false }

    /// Writes the model file atomically.
    public func save(to url: URL) throws { try archive().write(to: url) }

    /// Reads a model file of this kind.
    public static func load(from url: URL) throws -> Self {
        let archive = try ModelArchive(contentsOf: url)
        guard archive.kind == kind || formerKinds.contains(archive.kind) else {
            throw PersistenceError.wrongKind(path: url.path, found: archive.kind, expected: kind)
        }
        return try Self(archive: archive, path: url.path)
    }
}
