/// The popularity baseline (`popularity` in the catalog): every user gets the items with the
/// most positives in training.
///
/// Prediction rule: `score(u, i) = Σ_v X[v][i]`, the number (binary weighting) or total weight of
/// positives of item `i`, the same for every user. No parameters are learned beyond the counts;
/// it is the floor every personalised model must beat.
///
/// Hyper-parameters: `threshold` (default: every rating is a positive) and `weighting`
/// (default `binary`), see ``ImplicitFeedback``.
public struct Popularity: Trainer {
    /// Options of the popularity baseline.
    public struct Configuration: Sendable, Equatable {
        /// How ratings become positives.
        public var feedback: ImplicitFeedback
        /// Creates a configuration.
        public init(feedback: ImplicitFeedback = .default) { self.feedback = feedback }
        /// All ratings positive, binary counts.
        public static let `default` = Configuration()
    }

    /// The options used to fit.
    public var configuration: Configuration

    /// Creates an unfitted description of the model.
    public init(_ configuration: Configuration = .default) { self.configuration = configuration }

    public var name: String { "popularity" }
    public var summary: String { "the most popular items for everyone (the floor a personalised model must beat)" }
    public var task: AlgorithmTask { .ranking }
    public var parameters: [HyperparameterSpec] { configuration.feedback.parameters() }

    public func configured(_ r: HyperparameterReader) throws -> Configuration {
        Configuration(feedback: configuration.feedback.configured(r))
    }

    /// Counts the positives of each item.
    /// - Parameters:
    ///   - data: the data set and the interactions to count.
    ///   - context: unused (the counts need no seed, threads or validation).
    /// - Returns: the model, with `data`'s ids and catalog.
    /// - Throws: ``TrainingError/emptyTraining`` when there is no positive.
    /// - Complexity: O(interactions).
    public func fit(_ data: TrainingData, context: FitContext) throws -> PopularityModel {
        try configuration.feedback.checkPositives(data.interactions)
        return fit(data.interactions, metadata: data.metadata)
    }

    /// The counting core, over interactions whose ids `metadata` gives (anonymous when `nil`:
    /// for tests of the arithmetic only).
    package func fit(_ training: Interactions, metadata: ModelMetadata? = nil) -> PopularityModel {
        var counts = [Float](repeating: 0, count: training.itemCount)
        let f = configuration.feedback
        for row in 0..<training.count where f.isPositive(training.ratings[row]) {
            counts[Int(training.items[row])] += f.weight(training.ratings[row])
        }
        return PopularityModel(counts: counts, feedback: f, metadata: metadata ?? ModelMetadata(anonymous: training))
    }
}

/// A fitted ``Popularity`` model: one score per item, shared by all users.
public struct PopularityModel: ItemScorer, HistoryScorer, PersistableModel {
    /// The positives (or total weight) of each item in training.
    public let counts: [Float]
    /// How ratings became positives.
    public let feedback: ImplicitFeedback
    /// Ids, catalog and seen items.
    public let metadata: ModelMetadata

    /// Creates a model from its parts.
    public init(counts: [Float], feedback: ImplicitFeedback, metadata: ModelMetadata) {
        self.counts = counts
        self.feedback = feedback
        self.metadata = metadata
    }

    public static let kind = "popularity"
    public var itemCount: Int { counts.count }
    /// The counts, for every user.
    public func scores(forUser user: UserIndex) -> [Float] { counts }
    /// The counts, whatever the history.
    public func scores(forHistory history: [(item: ItemIndex, rating: Float)]) -> [Float] { counts }

    public func archive() -> ModelArchive {
        var a = ModelArchive(kind: Self.kind)
        a.store(metadata)
        feedback.store(in: &a)
        a.set("popularity.counts", .floats(counts))
        return a
    }

    public init(archive: ModelArchive, path: String) throws {
        let metadata = try archive.metadata(path: path)
        let counts = try archive.floats("popularity.counts", count: metadata.itemIDs.count, path: path)
        self.init(counts: counts, feedback: try ImplicitFeedback(archive: archive, path: path), metadata: metadata)
    }
}
