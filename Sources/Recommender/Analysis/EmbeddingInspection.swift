/// One item's embedding norm next to the number of training ratings it had.
public struct ItemEmbeddingNorm: Sendable, Equatable {
    /// The item (dense index).
    public var item: ItemIndex
    /// ‖Vᵢ‖, the Euclidean norm of the item's embedding.
    public var norm: Float
    /// How many training ratings the item had (its column count in ``ModelMetadata/seen``).
    public var ratingCount: Int

    /// Creates a row.
    public init(item: ItemIndex, norm: Float, ratingCount: Int) {
        self.item = item
        self.norm = norm
        self.ratingCount = ratingCount
    }
}

/// Inspections of item embeddings shared by every ``ItemEmbeddingModel``: embedding norms
/// against popularity, genre labels and the t-SNE map (the notebook's section IV).
public enum EmbeddingInspection {
    /// The number of stored entries in each column of `matrix` (ratings per item for a
    /// user × item matrix).
    /// - Complexity: O(non-zeros + columns).
    public static func columnCounts(_ matrix: SparseMatrix) -> [Int] {
        var counts = [Int](repeating: 0, count: matrix.columnCount)
        for c in matrix.columns { counts[Int(c)] += 1 }
        return counts
    }

    /// The embedding norm and number of training ratings of every item.
    /// - Parameters:
    ///   - embeddings: one row per item.
    ///   - seen: the training user × item matrix (``ModelMetadata/seen``).
    /// - Returns: one row per item, in item order.
    /// - Throws: ``DataError/invalidInput(_:)`` when the two disagree on the number of items.
    /// - Complexity: O(items·d + ratings).
    public static func norms(embeddings: Matrix, seen: SparseMatrix) throws -> [ItemEmbeddingNorm] {
        guard embeddings.rows == seen.columnCount else {
            throw DataError.invalidInput("the model has \(embeddings.rows) item embeddings but its training data has \(seen.columnCount) items")
        }
        let counts = columnCounts(seen)
        let norms = embeddings.rowNorms()
        return (0..<embeddings.rows).map { ItemEmbeddingNorm(item: ItemIndex($0), norm: norms[$0], ratingCount: counts[$0]) }
    }

    /// The embedding norm and number of training ratings of every item, the counts taken from
    /// a model's metadata (its training history in memory or left in the model file).
    /// - Throws: ``DataError/invalidInput(_:)`` when the two disagree on the number of items.
    public static func norms(embeddings: Matrix, metadata: ModelMetadata) throws -> [ItemEmbeddingNorm] {
        guard embeddings.rows == metadata.itemIDs.count else {
            throw DataError.invalidInput("the model has \(embeddings.rows) item embeddings but its training data has \(metadata.itemIDs.count) items")
        }
        let counts = metadata.seenItemCounts()
        let norms = embeddings.rowNorms()
        return (0..<embeddings.rows).map { ItemEmbeddingNorm(item: ItemIndex($0), norm: norms[$0], ratingCount: Int(counts[$0])) }
    }

    /// The embedding norm and number of training ratings of every item of a saved model.
    /// - Throws: ``DataError/invalidInput(_:)`` when embeddings and metadata disagree.
    public static func norms<Model: ItemEmbeddingModel & PersistableModel>(of model: Model) throws -> [ItemEmbeddingNorm] {
        try norms(embeddings: model.itemEmbeddings, seen: model.metadata.seen)
    }

    /// The label used for items without any genre.
    public static let unknownGenre = "unknown"

    /// One genre per item, drawn at random among the item's genres (the notebook's
    /// `mark_genres`, which colours each movie by one of its genres); ``unknownGenre`` when
    /// the item has none.
    /// - Parameters:
    ///   - catalog: the items' genres.
    ///   - seed: the same seed always picks the same genres.
    /// - Returns: one genre name per item, in item order.
    public static func randomGenres(_ catalog: ItemCatalog, seed: UInt64) -> [String] {
        var generator = SeededGenerator(seed: seed)
        return catalog.genres.map { set in
            let indices = set.indices.filter { $0 < catalog.genreNames.count }
            guard !indices.isEmpty else { return unknownGenre }
            return catalog.genreNames[indices[generator.nextInt(below: indices.count)]]
        }
    }

    /// One point of an item map.
    public struct MapPoint: Sendable, Equatable {
        /// The item (dense index).
        public var item: ItemIndex
        /// The map coordinates.
        public var x: Float, y: Float
        /// The item's title with its year, e.g. `"Aladdin (1992)"`.
        public var title: String
        /// The genre the item is coloured by (see ``randomGenres(_:seed:)``).
        public var genre: String
        /// All the item's genres.
        public var genres: [String]
    }

    /// A 2-D t-SNE map of the items.
    public struct ItemMap: Sendable {
        /// One point per item, in item order.
        public var points: [MapPoint]
        /// The t-SNE run (final KL divergence, iterations, history).
        public var tsne: TSNE.Result
    }

    /// Maps item embeddings to 2-D with t-SNE and labels each point with its title and one
    /// random genre.
    /// - Parameters:
    ///   - embeddings: one row per item.
    ///   - catalog: titles and genres, one per item.
    ///   - configuration: t-SNE settings; its seed also picks the genres.
    ///   - progress: t-SNE progress reports.
    /// - Throws: ``TSNEError`` from t-SNE; ``DataError/invalidInput(_:)`` when the catalog
    ///   and the embeddings disagree on the number of items.
    public static func itemMap(embeddings: Matrix, catalog: ItemCatalog, configuration: TSNE.Configuration = .default,
                               progress: ((TSNE.Progress) -> Void)? = nil) throws -> ItemMap {
        guard embeddings.rows == catalog.count else {
            throw DataError.invalidInput("the model has \(embeddings.rows) item embeddings but its catalog has \(catalog.count) items")
        }
        let result = try TSNE(configuration: configuration).embed(embeddings, progress: progress)
        let genres = randomGenres(catalog, seed: configuration.seed)
        let points = (0..<embeddings.rows).map { i in
            MapPoint(item: ItemIndex(i), x: result.embedding[i, 0], y: result.embedding[i, 1],
                     title: catalog.displayTitle(ItemIndex(i)), genre: genres[i], genres: catalog.genreNames(of: ItemIndex(i)))
        }
        return ItemMap(points: points, tsne: result)
    }

    /// The t-SNE map of a saved model's items.
    public static func itemMap<Model: ItemEmbeddingModel & PersistableModel>(of model: Model, configuration: TSNE.Configuration = .default,
                                                                             progress: ((TSNE.Progress) -> Void)? = nil) throws -> ItemMap {
        try itemMap(embeddings: model.itemEmbeddings, catalog: model.metadata.catalog, configuration: configuration, progress: progress)
    }
}
