/// What a loader saw while reading a data set: counts a user should know about.
public struct LoadReport: Sendable, Equatable {
    /// The files read, in order.
    public var files: [String] = []
    /// The number of rating lines read.
    public var linesRead: Int = 0
    /// How many (user, item) pairs appeared more than once; the last occurrence was kept.
    public var duplicatesDropped: Int = 0
    /// Free-form remarks (e.g. which source a fetch used).
    public var notes: [String] = []
    /// Creates an empty report.
    public init() {}
}

/// A loaded data set: interactions, the id maps, the item catalog and (when known) users.
///
/// All loaders produce this one type whatever the layout on disk. Duplicated (user, item)
/// pairs are resolved by keeping the **last** occurrence in file order; their count is in
/// ``report``.
public struct Dataset: Sendable {
    /// A short name (e.g. `"ml-100k"`).
    public var name: String
    /// External user ids ↔ dense user indices.
    public var userIDs: IDMap<UserID>
    /// External item ids ↔ dense item indices.
    public var itemIDs: IDMap<ItemID>
    /// The interactions (ratings).
    public var interactions: Interactions
    /// Titles, years and genres of the items.
    public var catalog: ItemCatalog
    /// Demographics of the users, when the data set has them.
    public var userTable: UserTable?
    /// The rating scale declared by the data set (e.g. 1...5), used to validate and clip.
    public var ratingScale: ClosedRange<Float>?
    /// Whether the ratings are explicit (stars) rather than implicit (all 1).
    public var hasExplicitRatings: Bool
    /// What the loader saw.
    public var report: LoadReport
    /// What one item is called in messages and charts: `"movie"` for MovieLens data and
    /// MovieLens items files, `"item"` otherwise.
    public var itemNoun: String = "item"

    /// Creates a data set from its parts.
    public init(name: String, userIDs: IDMap<UserID>, itemIDs: IDMap<ItemID>, interactions: Interactions,
                catalog: ItemCatalog, userTable: UserTable? = nil, ratingScale: ClosedRange<Float>? = nil,
                hasExplicitRatings: Bool = true, report: LoadReport = LoadReport()) {
        precondition(interactions.userCount == userIDs.count && interactions.itemCount == itemIDs.count,
                     "Dataset: interactions and id maps disagree")
        precondition(catalog.count == itemIDs.count, "Dataset: catalog and item ids disagree")
        precondition(userTable == nil || userTable!.count == userIDs.count, "Dataset: user table and user ids disagree")
        self.name = name
        self.userIDs = userIDs
        self.itemIDs = itemIDs
        self.interactions = interactions
        self.catalog = catalog
        self.userTable = userTable
        self.ratingScale = ratingScale
        self.hasExplicitRatings = hasExplicitRatings
        self.report = report
    }

    /// The number of users.
    public var userCount: Int { userIDs.count }
    /// The number of items.
    public var itemCount: Int { itemIDs.count }
}
