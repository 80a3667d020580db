/// Which items may appear in results (an include filter): all items by default, or only those
/// having at least one of ``genres`` and/or belonging to ``items``.
public struct ItemFilter: Sendable, Equatable {
    /// Keep items with at least one of these genres; empty keeps every genre.
    public var genres: GenreSet
    /// Keep only these items; `nil` keeps every item.
    public var items: Set<ItemIndex>?

    /// Creates a filter.
    public init(genres: GenreSet = [], items: Set<ItemIndex>? = nil) {
        self.genres = genres
        self.items = items
    }

    /// Every item.
    public static let all = ItemFilter()

    /// Items with at least one of the named genres (case-insensitive).
    /// - Throws: ``DataError/invalidInput(_:)`` for a genre the catalog does not know, listing the known ones.
    public static func genres(named names: [String], in catalog: ItemCatalog) throws -> ItemFilter {
        var set = GenreSet()
        for name in names {
            guard let index = catalog.genreIndex(named: name) else {
                throw DataError.invalidInput("unknown genre '\(name)'; known: \(catalog.genreNames.joined(separator: ", "))")
            }
            set.insert(GenreSet(index: index))
        }
        return ItemFilter(genres: set)
    }

    /// Whether `item` passes the filter.
    @inlinable
    public func includes(_ item: ItemIndex, catalog: ItemCatalog) -> Bool {
        if !genres.isEmpty && catalog.genres[Int(item)].isDisjoint(with: genres) { return false }
        if let items, !items.contains(item) { return false }
        return true
    }
}

/// What to return from a recommendation or similarity query.
public struct RecommendationOptions: Sendable, Equatable {
    /// How many items (k).
    public var count: Int
    /// Leave out the items the user already rated (the default): in training (``ModelMetadata/seen``) for a known
    /// user, or in the given history for a new user.
    public var excludeRated: Bool
    /// Further items to leave out.
    public var excluded: Set<ItemIndex>
    /// The include filter.
    public var filter: ItemFilter

    /// Creates options.
    public init(count: Int = 10, excludeRated: Bool = true, excluded: Set<ItemIndex> = [], filter: ItemFilter = .all) {
        precondition(count >= 0, "count must be non-negative")
        self.count = count
        self.excludeRated = excludeRated
        self.excluded = excluded
        self.filter = filter
    }
}

/// One result of a query: an item with its score and what a person needs to read it.
public struct RecommendedItem: Sendable, Equatable {
    /// The item's dense index.
    public var item: ItemIndex
    /// The item's external id.
    public var id: ItemID
    /// The score (higher first): a predicted rating, a similarity, …
    public var score: Float
    /// The display title, e.g. `"Aladdin (1992)"`.
    public var title: String
    /// The genre names.
    public var genres: [String]
}

/// The one recommendation entry point every model uses: scores from a model role (``ItemScorer``,
/// ``HistoryScorer``, ``ItemEmbeddingModel``) plus the model's ``ModelMetadata``, then exclusions,
/// the include filter and a bounded top-k.
public enum Recommendations {
    /// Ranks precomputed `scores` (one per item): the top `options.count` items passing the filter,
    /// skipping `options.excluded` and, when `options.excludeRated`, the items `user` rated in training.
    /// - Complexity: O(M log k).
    public static func rank(scores: [Float], metadata: ModelMetadata, user: UserIndex? = nil,
                            options: RecommendationOptions) -> [RecommendedItem] {
        rankIndices(scores: scores, metadata: metadata, user: user, options: options)
            .map { describe($0.index, score: $0.score, metadata: metadata) }
    }

    /// What ``rank(scores:metadata:user:options:)`` selects, as bare indices and scores (the same
    /// exclusions and filter, without building titles): what evaluation and batch serving use.
    /// The user's training items (their CSR row) get the score −∞ before the selection, which
    /// never enters it.
    /// - Complexity: O(M log k).
    public static func rankIndices(scores: consuming [Float], metadata: ModelMetadata, user: UserIndex? = nil,
                                   options: RecommendationOptions) -> [ScoredIndex] {
        precondition(scores.count == metadata.itemIDs.count, "one score per item expected")
        // The user's training items, sorted: a slice of the in-memory matrix, or the row read
        // from the model file when the history was left there.
        let rated: ArraySlice<Int32>
        if options.excludeRated, let user {
            if metadata.keepsHistoryOnDisk {
                rated = ArraySlice(metadata.seenRow(ofUser: user).items)
            } else {
                let seen = metadata.seen
                rated = Int(user) >= 0 && Int(user) < seen.rowCount ? seen.columns[seen.range(ofRow: Int(user))] : []
            }
        } else {
            rated = []
        }
        // A rated item's score becomes −∞, which never enters the top k: the same as asking about
        // each candidate, without a search per candidate (the user's own items score highest).
        var scores = scores
        if !rated.isEmpty {
            scores.withUnsafeMutableBufferPointer { s in
                for item in rated where item >= 0 && Int(item) < s.count { s[Int(item)] = -.infinity }
            }
        }
        let skip = options.excluded
        let catalog = metadata.catalog
        let filter = options.filter
        let needsCheck = !skip.isEmpty || filter != .all
        return topK(scores, k: options.count, excluding: needsCheck ? { item in
            skip.contains(item) || !filter.includes(item, catalog: catalog)
        } : nil)
    }

    /// Top-k items for a user the model was trained on.
    /// - Precondition: `user` is a valid index of `metadata`.
    public static func forUser(_ user: UserIndex, scorer: some ItemScorer, metadata: ModelMetadata,
                               options: RecommendationOptions = RecommendationOptions()) -> [RecommendedItem] {
        rankIndices(forUser: user, scorer: scorer, metadata: metadata, options: options)
            .map { describe($0.index, score: $0.score, metadata: metadata) }
    }

    /// What ``forUser(_:scorer:metadata:options:)`` selects, as bare indices and scores.
    /// - Precondition: `user` is a valid index of `metadata`.
    public static func rankIndices(forUser user: UserIndex, scorer: some ItemScorer, metadata: ModelMetadata,
                                   options: RecommendationOptions = RecommendationOptions()) -> [ScoredIndex] {
        rankIndices(scores: scorer.scores(forUser: user), metadata: metadata, user: user, options: options)
    }

    /// Top-k items for a new user known only by `history` (fold-in, no retraining);
    /// `options.excludeRated` leaves out the items of the history.
    public static func forHistory(_ history: [(item: ItemIndex, rating: Float)], scorer: some HistoryScorer,
                                  metadata: ModelMetadata, options: RecommendationOptions = RecommendationOptions()) -> [RecommendedItem] {
        rankIndices(forHistory: history, scorer: scorer, metadata: metadata, options: options)
            .map { describe($0.index, score: $0.score, metadata: metadata) }
    }

    /// What ``forHistory(_:scorer:metadata:options:)`` selects, as bare indices and scores.
    public static func rankIndices(forHistory history: [(item: ItemIndex, rating: Float)], scorer: some HistoryScorer,
                                   metadata: ModelMetadata, options: RecommendationOptions = RecommendationOptions()) -> [ScoredIndex] {
        var options = options
        if options.excludeRated { options.excluded.formUnion(history.map(\.item)) }
        return rankIndices(scores: scorer.scores(forHistory: history), metadata: metadata, user: nil, options: options)
    }

    /// The notebook's `movie_neighbors`: the items whose embeddings are most similar to `item`'s
    /// (the item itself included, as in the notebook, unless it is in `options.excluded`).
    public static func similarItems(to item: ItemIndex, model: some ItemEmbeddingModel, metadata: ModelMetadata,
                                    measure: SimilarityMeasure, options: RecommendationOptions = RecommendationOptions(count: 6)) -> [RecommendedItem] {
        let embeddings = model.itemEmbeddings
        let scores = EmbeddingSimilarity.scores(query: embeddings.row(Int(item)), embeddings: embeddings, measure: measure)
        return rank(scores: scores, metadata: metadata, user: nil, options: options)
    }

    /// The result row for `item`.
    public static func describe(_ item: ItemIndex, score: Float, metadata: ModelMetadata) -> RecommendedItem {
        RecommendedItem(item: item, id: metadata.itemIDs.id(at: item), score: score,
                        title: metadata.catalog.displayTitle(item), genres: metadata.catalog.genreNames(of: item))
    }
}

/// The outcome of looking an item up by title substring: every match, in index order.
public struct ItemLookup: Sendable, Equatable {
    /// What was searched for.
    public var query: String
    /// The matching items, in index order.
    public var matches: [ItemIndex]
    /// The item used: the first match, as the notebook does.
    public var chosen: ItemIndex? { matches.first }
}

extension ModelMetadata {
    /// The dense index of an external user id, or `nil`.
    public func userIndex(of id: UserID) -> UserIndex? { userIDs.index(of: id) }

    /// Finds items by external id (exact) or else by title substring (case-insensitive, title with year).
    public func lookUpItem(_ text: String) -> ItemLookup {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let index = itemIDs.index(of: ItemID(trimmed)) {
            return ItemLookup(query: trimmed, matches: [index])
        }
        return ItemLookup(query: trimmed, matches: catalog.items(titleContaining: trimmed))
    }
}

import Foundation
