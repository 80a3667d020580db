import Foundation

/// A fitted ``MatrixFactorization``: user embeddings U (N × d), item embeddings V (M × d) and the
/// metadata needed to answer queries. Prediction: r̂ᵢⱼ = Uᵢ·Vⱼ (not clipped, as in the notebook).
public struct MatrixFactorizationModel: RatingPredictor, ItemScorer, ItemEmbeddingModel, HistoryScorer, PersistableModel {
    /// The algorithm name in model files.
    public static let kind = "mf"
    /// Scores from its factors alone: a server may leave the training history in the file.
    public static var scoresWithoutTrainingHistory: Bool { true }
    /// The hyperparameters the model was trained with.
    public let configuration: MatrixFactorization.Configuration
    /// User embeddings, one row per user index.
    public let userEmbeddings: Matrix
    /// Item embeddings, one row per item index.
    public let itemEmbeddings: Matrix
    /// Id maps, catalog and training ratings.
    public let metadata: ModelMetadata
    /// The metrics recorded during training.
    public let history: TrainingHistory
    /// The number of training ratings n.
    public let trainingCount: Int

    /// Creates a model from its parts.
    /// - Precondition: the embedding shapes agree with each other and with `metadata`.
    public init(configuration: MatrixFactorization.Configuration, userEmbeddings: Matrix, itemEmbeddings: Matrix,
                metadata: ModelMetadata, history: TrainingHistory, trainingCount: Int) {
        precondition(userEmbeddings.columns == itemEmbeddings.columns, "embedding dimensions differ")
        precondition(userEmbeddings.rows == metadata.userIDs.count && itemEmbeddings.rows == metadata.itemIDs.count,
                     "embeddings and metadata disagree")
        self.configuration = configuration
        self.userEmbeddings = userEmbeddings
        self.itemEmbeddings = itemEmbeddings
        self.metadata = metadata
        self.history = history
        self.trainingCount = trainingCount
    }

    /// The embedding dimension d.
    public var embeddingDim: Int { itemEmbeddings.columns }

    /// The number of items.
    public var itemCount: Int { itemEmbeddings.rows }

    /// The ridge λ_f used by fold-in: the training objective restricted to one user's row and
    /// multiplied by n, i.e. λ·n/N, when the model was trained with regularization; otherwise 1
    /// (a small ridge that keeps the d×d system well posed for users with few ratings).
    public var foldInRegularization: Float {
        configuration.regularization > 0
            ? configuration.regularization * Float(trainingCount) / Float(max(1, userEmbeddings.rows))
            : 1
    }

    /// Uᵢ·Vⱼ.
    public func predict(user: UserIndex, item: ItemIndex) -> Float {
        let d = embeddingDim
        return userEmbeddings.storage.withUnsafeBufferPointer { u in
            itemEmbeddings.storage.withUnsafeBufferPointer { v in
                var s: Float = 0
                for k in 0..<d { s += u[Int(user) * d + k] * v[Int(item) * d + k] }
                return s
            }
        }
    }

    /// V·Uᵢ: the predicted rating of every item (the notebook's dot-product scores).
    public func scores(forUser user: UserIndex) -> [Float] {
        precondition(Int(user) >= 0 && Int(user) < userEmbeddings.rows, "unknown user index \(user)")
        return EmbeddingSimilarity.scores(query: userEmbeddings.row(Int(user)), embeddings: itemEmbeddings, measure: .dot)
    }

    /// Fold-in: the embedding u of a new user who gave `history`, by regularized least squares
    /// against the frozen item embeddings, u = argmin Σ (r − u·Vⱼ)² + λ_f‖u‖² = (VₕᵀVₕ + λ_f I)⁻¹ Vₕᵀr,
    /// solved by Cholesky; returns `nil` for an empty history.
    /// - Complexity: O(h·d² + d³) for a history of h ratings.
    public func foldIn(_ history: [(item: ItemIndex, rating: Float)]) -> [Float]? {
        guard !history.isEmpty else { return nil }
        let d = embeddingDim
        var a = [Double](repeating: 0, count: d * d), b = [Double](repeating: 0, count: d)
        for (item, rating) in history {
            let row = itemEmbeddings.row(Int(item)).map(Double.init)
            for k in 0..<d {
                b[k] += row[k] * Double(rating)
                for l in 0...k { a[k * d + l] += row[k] * row[l] }
            }
        }
        for k in 0..<d { a[k * d + k] += Double(foldInRegularization) }
        guard let factor = try? Cholesky(a, order: d) else { return nil }
        return factor.solve(b).map { Float($0) }
    }

    /// Scores of every item for a new user from their ratings alone (fold-in, no retraining);
    /// all zeros for an empty history.
    public func scores(forHistory history: [(item: ItemIndex, rating: Float)]) -> [Float] {
        guard let u = foldIn(history) else { return [Float](repeating: 0, count: itemCount) }
        return EmbeddingSimilarity.scores(query: u, embeddings: itemEmbeddings, measure: .dot)
    }

    // MARK: persistence

    /// The model as an archive: embeddings, configuration, history and metadata.
    public func archive() -> ModelArchive {
        var a = ModelArchive(kind: Self.kind)
        a.set("mf.dim", .int(Int64(embeddingDim)))
        a.set("mf.user_embeddings", .floats(userEmbeddings.storage))
        a.set("mf.item_embeddings", .floats(itemEmbeddings.storage))
        a.set("mf.init_stddev", .double(Double(configuration.initStddev)))
        a.set("mf.iterations", .int(Int64(configuration.iterations)))
        a.set("mf.learning_rate", .double(Double(configuration.learningRate)))
        a.set("mf.optimizer", .string(configuration.optimizer.rawValue))
        a.set("mf.regularization", .double(Double(configuration.regularization)))
        a.set("mf.gravity", .double(Double(configuration.gravity)))
        a.set("mf.seed", .int(Int64(bitPattern: configuration.seed)))
        a.set("mf.report_interval", .int(Int64(configuration.reportInterval)))
        a.set("mf.training_count", .int(Int64(trainingCount)))
        a.set("mf.history_csv", .string(history.csv()))
        a.store(metadata)
        return a
    }

    /// Rebuilds a model from an archive written by ``archive()``.
    /// - Throws: ``PersistenceError`` naming the bad section.
    public init(archive a: ModelArchive, path: String) throws {
        let metadata = try a.metadata(path: path)
        let d = try a.int("mf.dim", path: path)
        guard (1...4096).contains(d) else { throw PersistenceError.badSection(path: path, name: "mf.dim", reason: "bad dimension \(d)") }
        let n = metadata.userIDs.count, m = metadata.itemIDs.count
        let u = try a.floats("mf.user_embeddings", count: n * d, path: path)
        let v = try a.floats("mf.item_embeddings", count: m * d, path: path)
        let optimizerName = try a.string("mf.optimizer", path: path)
        guard let optimizer = OptimizerKind(rawValue: optimizerName) else {
            throw PersistenceError.badSection(path: path, name: "mf.optimizer", reason: "unknown optimizer '\(optimizerName)'")
        }
        let config = MatrixFactorization.Configuration(
            embeddingDim: d, initStddev: Float(try a.double("mf.init_stddev", path: path)),
            iterations: try a.int("mf.iterations", path: path), learningRate: Float(try a.double("mf.learning_rate", path: path)),
            optimizer: optimizer, regularization: Float(try a.double("mf.regularization", path: path)),
            gravity: Float(try a.double("mf.gravity", path: path)), seed: UInt64(bitPattern: Int64(try a.int("mf.seed", path: path))),
            reportInterval: try a.int("mf.report_interval", path: path))
        let history: TrainingHistory
        do { history = try TrainingHistory(csv: try a.string("mf.history_csv", path: path), file: "\(path) [mf.history_csv]") } catch let e as DataError {
            throw PersistenceError.badSection(path: path, name: "mf.history_csv", reason: e.description)
        }
        self.init(configuration: config, userEmbeddings: Matrix(rows: n, columns: d, storage: u),
                  itemEmbeddings: Matrix(rows: m, columns: d, storage: v), metadata: metadata, history: history,
                  trainingCount: try a.int("mf.training_count", path: path))
    }
}
