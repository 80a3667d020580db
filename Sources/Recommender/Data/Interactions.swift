/// User–item interactions stored column by column (structure of arrays).
///
/// Row `i` says user `users[i]` gave item `items[i]` the value `ratings[i]` at time
/// `timestamps[i]`. Users and items are dense indices into the ``IDMap``s of the
/// ``Dataset`` the interactions belong to. Implicit feedback (no rating column) is stored
/// with every rating equal to 1.
///
/// Keeping each column contiguous makes gathers, shuffles and splits cheap: a split is just
/// a list of row numbers (see ``Interactions/subset(_:)``). The user and item columns hold the
/// raw `Int32` positions because they feed the CSR builders and the training kernels directly;
/// ``user(at:)`` and ``item(at:)`` read one row as a typed ``UserIndex`` / ``ItemIndex``.
public struct Interactions: Sendable, Equatable {
    /// The user index of each interaction (the raw `Int32` of a ``UserIndex``).
    public var users: [Int32]
    /// The item index of each interaction (the raw `Int32` of an ``ItemIndex``).
    public var items: [Int32]
    /// The rating (or weight, 1 for implicit feedback) of each interaction.
    public var ratings: [Float]
    /// Unix timestamps in seconds, or `nil` when the source had no time column.
    public var timestamps: [Int64]?
    /// The number of users the indices refer to (the size of the user id map).
    public var userCount: Int
    /// The number of items the indices refer to (the size of the item id map).
    public var itemCount: Int

    /// Creates interactions from parallel columns.
    /// - Parameters:
    ///   - users: the raw user index (``UserIndex/rawValue``) of each interaction.
    ///   - items: the raw item index (``ItemIndex/rawValue``) of each interaction.
    ///   - ratings: the rating or weight of each interaction.
    ///   - timestamps: Unix seconds of each interaction, or `nil`.
    ///   - userCount: the size of the user index space.
    ///   - itemCount: the size of the item index space.
    /// - Precondition: all columns have the same length and every index is in range.
    public init(users: [Int32], items: [Int32], ratings: [Float], timestamps: [Int64]? = nil,
                userCount: Int, itemCount: Int) {
        precondition(users.count == items.count && items.count == ratings.count,
                     "Interactions: columns differ in length")
        precondition(timestamps == nil || timestamps!.count == users.count,
                     "Interactions: timestamp column differs in length")
        self.users = users
        self.items = items
        self.ratings = ratings
        self.timestamps = timestamps
        self.userCount = userCount
        self.itemCount = itemCount
    }

    /// An empty set of interactions over the given index spaces.
    public static func empty(userCount: Int, itemCount: Int) -> Interactions {
        Interactions(users: [], items: [], ratings: [], timestamps: nil, userCount: userCount, itemCount: itemCount)
    }

    /// The number of interactions.
    public var count: Int { users.count }

    /// The user of interaction `row`.
    /// - Precondition: `0 <= row < count`.
    @inlinable
    public func user(at row: Int) -> UserIndex { UserIndex(users[row]) }

    /// The item of interaction `row`.
    /// - Precondition: `0 <= row < count`.
    @inlinable
    public func item(at row: Int) -> ItemIndex { ItemIndex(items[row]) }

    /// Whether there are no interactions.
    public var isEmpty: Bool { users.isEmpty }

    /// The mean of the rating column (0 when empty).
    public var meanRating: Float {
        guard !ratings.isEmpty else { return 0 }
        var sum = 0.0
        for r in ratings { sum += Double(r) }
        return Float(sum / Double(ratings.count))
    }

    /// The interactions at the given row numbers, in that order, over the same index spaces.
    /// - Complexity: O(rows.count).
    public func subset<C: Collection>(_ rows: C) -> Interactions where C.Element == Int {
        var u = [Int32](); u.reserveCapacity(rows.count)
        var i = [Int32](); i.reserveCapacity(rows.count)
        var r = [Float](); r.reserveCapacity(rows.count)
        var t: [Int64]? = timestamps == nil ? nil : []
        t?.reserveCapacity(rows.count)
        for row in rows {
            u.append(users[row]); i.append(items[row]); r.append(ratings[row])
            if let ts = timestamps { t!.append(ts[row]) }
        }
        return Interactions(users: u, items: i, ratings: r, timestamps: t, userCount: userCount, itemCount: itemCount)
    }

    /// Compressed sparse rows with one row per user (columns are items, sorted within a row).
    /// - Parameter threads: threads to use (1 = single-thread mode; same result).
    public func byUser(threads: Int = Parallelism.availableCores) -> SparseMatrix {
        SparseMatrix(rows: users, columns: items, values: ratings, rowCount: userCount, columnCount: itemCount, threads: threads)
    }

    /// Compressed sparse rows with one row per item (columns are users, sorted within a row).
    /// - Parameter threads: threads to use (1 = single-thread mode; same result).
    public func byItem(threads: Int = Parallelism.availableCores) -> SparseMatrix {
        SparseMatrix(rows: items, columns: users, values: ratings, rowCount: itemCount, columnCount: userCount, threads: threads)
    }

    /// Both CSR views at once, cheaper than ``byUser(threads:)`` plus ``byItem(threads:)``: one is
    /// the other's transpose. One pass over the user and item columns chooses the cheapest way:
    /// - rows ordered by user, and by item within each user (the item index never decreases
    ///   within a user): the per-user view *is* the item and rating columns (shared, not
    ///   copied: arrays are copy-on-write), with row offsets from the user column's runs; only
    ///   the per-item view is sorted (one counting sort).
    /// - rows ordered by user only (files sorted by user, as MovieLens ships them): two counting
    ///   sorts (the per-item view, then its transpose).
    /// - otherwise: four counting sorts (the per-user view, then its transpose).
    ///
    /// Item indices are handed out in order of first appearance, so a file sorted by user and
    /// then by item *id* (ML-20M and ML-25M) is in general only "ordered by user" here: a later
    /// user's items mix old (low) and new (high) indices.
    /// - Parameter threads: threads to use (1 = single-thread mode; same result).
    /// - Returns: the per-user and the per-item view, equal to ``byUser(threads:)`` and ``byItem(threads:)``.
    public func csrViews(threads: Int = Parallelism.availableCores) -> (byUser: SparseMatrix, byItem: SparseMatrix) {
        // One pass: whether users never decrease, whether items never decrease within a user
        // (while they do, also where each user's run starts), as cheap as the user check alone
        // once the items are out of order.
        var sortedByUser = true, sortedByItemWithinUser = true
        var userOffsets = [Int](repeating: 0, count: userCount + 1)
        users.withUnsafeBufferPointer { u in
        items.withUnsafeBufferPointer { it in
        userOffsets.withUnsafeMutableBufferPointer { off in
            let n = u.count
            var previousUser = -1, previousItem: Int32 = 0, k = 0
            while k < n {
                let user = Int(u[k]), item = it[k]
                if user == previousUser {
                    if item < previousItem { sortedByItemWithinUser = false; break }
                } else if user > previousUser {
                    // Users previousUser + 1 ... user start here (the ones between have no rows).
                    for r in (previousUser + 1)...user { off[r] = k }
                    previousUser = user
                } else {
                    sortedByUser = false; sortedByItemWithinUser = false
                    return
                }
                previousItem = item
                k += 1
            }
            if sortedByItemWithinUser {
                for r in (previousUser + 1)...userCount { off[r] = n }
                return
            }
            for j in max(k, 1)..<n where u[j] < u[j - 1] { sortedByUser = false; break }
        }}}
        if sortedByUser {
            // Scattering by item in file order leaves users ascending in every item row.
            let byItem = SparseMatrix.scatter(rows: items, columns: users, values: ratings, rowCount: itemCount,
                                              columnCount: userCount, threads: threads)
            if sortedByItemWithinUser {
                let byUser = SparseMatrix(rowCount: userCount, columnCount: itemCount, rowOffsets: userOffsets,
                                          columns: items, values: ratings)
                return (byUser, byItem)
            }
            return (byItem.transposed(threads: threads), byItem)
        }
        let byUser = self.byUser(threads: threads)
        return (byUser, byUser.transposed(threads: threads))
    }
}
