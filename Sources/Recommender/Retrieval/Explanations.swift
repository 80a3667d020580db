/// One "because you liked X" reason: a history item and its contribution to a recommendation.
public struct ExplanationReason: Sendable, Equatable {
    /// The history item.
    public var item: ItemIndex
    /// Its external id.
    public var id: ItemID
    /// Its display title.
    public var title: String
    /// Its share of the recommended item's score (see ``ExplainableScorer``).
    public var contribution: Float
}

/// "Because you liked X" explanations for recommendations of models whose scores decompose over
/// the user's history (``ExplainableScorer``: item-kNN and EASE weights, iALS through Hu et
/// al.'s item-contribution decomposition).
public enum Explanations {
    /// The `count` history items that contributed most to `item`'s score, largest first
    /// (only positive contributions).
    /// - Parameters:
    ///   - item: the recommended item.
    ///   - history: the user's ratings (a known user's: ``ModelMetadata/history(of:)``).
    ///   - model: the explainable model.
    ///   - metadata: for ids and titles.
    ///   - count: how many reasons at most.
    public static func becauseYouLiked(_ item: ItemIndex, history: [(item: ItemIndex, rating: Float)], model: some ExplainableScorer,
                                       metadata: ModelMetadata, count: Int = 3) -> [ExplanationReason] {
        model.contributions(to: item, history: history).prefix { $0.contribution > 0 }.prefix(count).map {
            ExplanationReason(item: $0.item, id: metadata.itemIDs.id(at: $0.item), title: metadata.catalog.displayTitle($0.item),
                              contribution: $0.contribution)
        }
    }
}
