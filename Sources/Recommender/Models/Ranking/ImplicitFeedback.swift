/// How explicit ratings become the implicit-feedback matrix the ranking models train on.
///
/// A rating `r` is a *positive* interaction when `threshold == nil` (every rating counts, the
/// default) or `r ≥ threshold` (e.g. 4: "liked"). Positives get the value 1 (``Weighting/binary``)
/// or `r` itself (``Weighting/rating``); negatives are dropped. The ranking models read this
/// matrix `X` (users × items); items a user rated but that are not positive are still
/// *seen* and excluded from that user's recommendations.
public struct ImplicitFeedback: Sendable, Equatable {
    /// The value a positive interaction gets in `X`.
    public enum Weighting: String, CaseIterable, Sendable {
        /// Every positive is 1.
        case binary
        /// A positive keeps its rating as its weight (the `r` of iALS's confidence `1 + α·r`).
        case rating
    }

    /// Ratings at or above this value are positives; `nil` makes every rating positive.
    public var threshold: Float?
    /// The value of a positive.
    public var weighting: Weighting

    /// Creates feedback options.
    public init(threshold: Float? = nil, weighting: Weighting = .binary) {
        self.threshold = threshold
        self.weighting = weighting
    }

    /// All ratings positive, binary weights.
    public static let `default` = ImplicitFeedback()

    /// Whether a rating counts as a positive.
    @inline(__always)
    public func isPositive(_ rating: Float) -> Bool { threshold.map { rating >= $0 } ?? true }

    /// The weight of a positive rating.
    @inline(__always)
    public func weight(_ rating: Float) -> Float { weighting == .binary ? 1 : rating }

    /// Checks that `interactions` hold at least one positive at this threshold.
    /// - Throws: ``TrainingError/invalidInput(_:)`` "no positive interactions at threshold X
    ///   (ratings range a...b)" when the threshold is above every rating (or not a number), so
    ///   that a model of all-zero scores is never fitted.
    public func checkHasPositives(_ interactions: Interactions) throws {
        guard let threshold else { return }
        guard threshold.isFinite else {
            throw TrainingError.invalidInput("the positive threshold must be a finite number, got \(threshold)")
        }
        guard !interactions.ratings.contains(where: { $0 >= threshold }) else { return }
        let range = interactions.ratings.isEmpty ? "no ratings"
            : "ratings range \(formatRatingValue(interactions.ratings.min() ?? 0))...\(formatRatingValue(interactions.ratings.max() ?? 0))"
        throw TrainingError.invalidInput("no positive interactions at threshold \(formatRatingValue(threshold)) (\(range)); choose a threshold at most the largest rating")
    }

    /// The user × item matrix of positives (CSR, columns ascending).
    /// - Complexity: O(interactions).
    public func matrix(_ interactions: Interactions) -> SparseMatrix {
        var users: [Int32] = [], items: [Int32] = [], values: [Float] = []
        users.reserveCapacity(interactions.count); items.reserveCapacity(interactions.count); values.reserveCapacity(interactions.count)
        for row in 0..<interactions.count where isPositive(interactions.ratings[row]) {
            users.append(interactions.users[row])
            items.append(interactions.items[row])
            values.append(weight(interactions.ratings[row]))
        }
        return SparseMatrix(rows: users, columns: items, values: values, rowCount: interactions.userCount, columnCount: interactions.itemCount)
    }

    /// The positives of an ad-hoc history, weighted, without duplicates (the last one wins),
    /// sorted by item; items outside `0..<itemCount` are dropped.
    public func positives(_ history: [(item: ItemIndex, rating: Float)], itemCount: Int) -> [(item: ItemIndex, weight: Float)] {
        var byItem: [ItemIndex: Float] = [:]
        for (item, rating) in history where item >= 0 && Int(item) < itemCount {
            if isPositive(rating) { byItem[item] = weight(rating) } else { byItem[item] = nil }
        }
        return byItem.sorted { $0.key < $1.key }.map { (item: $0.key, weight: $0.value) }
    }

    /// Calls `body(item, weight)` for each positive in row `row` of `seen` (a known user's
    /// training history; already one entry per item), without allocating.
    @inline(__always)
    func forEachPositive(row: Int, of seen: SparseMatrix, _ body: (ItemIndex, Float) -> Void) {
        guard row >= 0 && row < seen.rowCount else { return }
        for e in seen.range(ofRow: row) where isPositive(seen.values[e]) { body(ItemIndex(seen.columns[e]), weight(seen.values[e])) }
    }

    // MARK: hyper-parameters

    /// The `threshold` and `weighting` rows of a ranking algorithm's hyper-parameter table,
    /// with `self`'s values as the defaults.
    func parameters() -> [HyperparameterSpec] {
        [
            .real("threshold", -1_000_000...1_000_000, default: threshold.map(Double.init),
                  help: "ratings at or above it are positives (default: every rating)"),
            .choice("weighting", Weighting.self, default: weighting,
                    help: "the value of a positive: binary (1) or rating (the rating itself)"),
        ]
    }

    /// `self` with `threshold` and `weighting` read from `settings`.
    func configured(_ settings: HyperparameterReader) -> ImplicitFeedback {
        var f = self
        if settings.isSet("threshold") { f.threshold = settings.float("threshold") }
        if let w = settings.choice("weighting", as: Weighting.self) { f.weighting = w }
        return f
    }

    /// Checks that `interactions` hold at least one positive.
    /// - Throws: ``TrainingError/emptyTraining`` when none is left (no interactions, or all
    ///   below ``threshold``).
    func checkPositives(_ interactions: Interactions) throws {
        try checkHasPositives(interactions)
        guard interactions.ratings.contains(where: isPositive) else { throw TrainingError.emptyTraining }
    }

    // MARK: persistence

    func store(in archive: inout ModelArchive) {
        // No threshold: no section (NaN is never written; older files hold NaN, read as none).
        if let threshold { archive.set("feedback.threshold", .double(Double(threshold))) }
        archive.set("feedback.weighting", .string(weighting.rawValue))
    }

    init(archive: ModelArchive, path: String) throws {
        let t = archive.section("feedback.threshold") == nil ? .nan : try archive.double("feedback.threshold", path: path)
        let w = try archive.string("feedback.weighting", path: path)
        guard let weighting = Weighting(rawValue: w) else {
            throw PersistenceError.badSection(path: path, name: "feedback.weighting", reason: "unknown weighting '\(w)'")
        }
        self.init(threshold: t.isNaN ? nil : Float(t), weighting: weighting)
    }
}

extension ModelMetadata {
    /// Metadata for interactions without a data set around them: ids are the indices as
    /// text, titles are the ids, no genres (for tests and generated benchmarks).
    public init(anonymous interactions: Interactions) {
        let users = IDMap((0..<interactions.userCount).map { UserID($0) })
        let items = IDMap((0..<interactions.itemCount).map { ItemID($0) })
        self.init(userIDs: users, itemIDs: items, catalog: ItemCatalog(placeholderFor: items),
                  seen: interactions.byUser(), ratingScale: nil)
    }
}

/// Reads the parameters every ranking model checks when it is loaded.
enum RankingArchive {
    /// Checks that the metadata and the model agree on the number of items.
    static func check(_ metadata: ModelMetadata, itemCount: Int, path: String) throws {
        guard metadata.itemIDs.count == itemCount else {
            throw PersistenceError.badSection(path: path, name: "meta.item_ids",
                                              reason: "\(metadata.itemIDs.count) items, but the model has \(itemCount)")
        }
    }
}

/// A fitted model that can say which of a user's items contributed most to an item's score
/// ("because you liked X").
public protocol ExplainableScorer: Sendable {
    /// The contribution of each positive of `history` to the score of `item`, largest first.
    ///
    /// The contributions of a linear model add up to the item's score (see each model's
    /// documentation for the decomposition).
    /// - Parameters:
    ///   - item: the recommended item.
    ///   - history: the user's items and ratings (raw ratings; the model applies its own
    ///     ``ImplicitFeedback``).
    /// - Returns: `(item, contribution)` pairs sorted by decreasing contribution.
    func contributions(to item: ItemIndex, history: [(item: ItemIndex, rating: Float)]) -> [(item: ItemIndex, contribution: Float)]
}

extension ModelMetadata {
    /// The training history of a known user as `(item, rating)` pairs.
    public func history(of user: UserIndex) -> [(item: ItemIndex, rating: Float)] {
        let row = seenRow(ofUser: user)
        return zip(row.items, row.values).map { (item: ItemIndex($0), rating: $1) }
    }
}
