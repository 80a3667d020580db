/// The popularity baseline: every user gets the items with the most positives in training.
///
/// Prediction rule: `score(u, i) = Σ_v X[v][i]`, the number (binary weighting) or total weight of
/// positives of item `i`, the same for every user. No parameters are learned beyond the counts;
/// it is the floor every personalised model must beat.
public struct Popularity: Sendable {
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

    /// Counts the positives of each item.
    /// - Parameters:
    ///   - training: the training interactions.
    ///   - metadata: ids and catalog to store with the model (anonymous when `nil`).
    /// - Complexity: O(interactions).
    public func fit(_ training: Interactions, metadata: ModelMetadata? = nil) -> PopularityModel {
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
