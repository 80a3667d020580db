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

    /// The smallest and the largest rating, or `nil` when empty (NaN never occurs: loaders refuse it).
    ///
    /// One pass with 16-lane minimum and maximum (`Array.min()` and `max()` took about 80 ms on
    /// ML-25M's 25 million ratings, this about a tenth of it).
    public var ratingRange: ClosedRange<Float>? {
        guard let first = ratings.first else { return nil }
        return ratings.withUnsafeBufferPointer { r -> ClosedRange<Float> in
            let n = r.count
            var low = SIMD16<Float>(repeating: first), high = low
            var k = 0
            let raw = UnsafeRawPointer(r.baseAddress!)
            while k + 16 <= n {
                let v = raw.loadUnaligned(fromByteOffset: k * 4, as: SIMD16<Float>.self)
                // Masked selects (`pointwiseMin` is lane by lane on the default target).
                low.replace(with: v, where: v .< low)
                high.replace(with: v, where: v .> high)
                k += 16
            }
            var lo = low.min(), hi = high.max()
            while k < n { lo = Swift.min(lo, r[k]); hi = Swift.max(hi, r[k]); k += 1 }
            return lo...hi
        }
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
    /// - rows ordered by user only (files sorted by user, as MovieLens ships them): the per-item
    ///   view by one counting sort, the per-user view by sorting each user's run of rows on its
    ///   own (in cache; cheaper than transposing the per-item view, with the same result).
    /// - otherwise: four counting sorts (the per-user view, then its transpose).
    ///
    /// Item indices are handed out in order of first appearance, so a file sorted by user and
    /// then by item *id* (ML-20M and ML-25M) is in general only "ordered by user" here: a later
    /// user's items mix old (low) and new (high) indices. Renumbered in id order
    /// (``Dataset/reindex(_:threads:)`` with ``IndexOrder/id``), it takes the first, cheapest way.
    /// - Parameter threads: threads to use (1 = single-thread mode; same result).
    /// - Returns: the per-user and the per-item view, equal to ``byUser(threads:)`` and ``byItem(threads:)``.
    public func csrViews(threads: Int = Parallelism.availableCores) -> (byUser: SparseMatrix, byItem: SparseMatrix) {
        // Whether users never decrease, and whether items never decrease within a user: one pass,
        // cut into parts checked in parallel (each part also compares its first row with the row
        // before it).
        let n = users.count
        let parts = max(1, min(threads, n / 1_000_000 + 1))
        let orders = SharedSlots(count: parts, initial: (byUser: true, byItemWithinUser: true))
        users.withUnsafeBufferPointer { u in
        items.withUnsafeBufferPointer { it in
            let columns = UnsafeSendableBox((u, it))
            ComputePool.forEachChunk(count: n, chunks: parts, threads: threads) { part, range in
                let (u, it) = columns.value
                orders.set(part, ColumnOrder.order(users: u, items: it, range))
            }
        }}
        let sortedByUser = orders.values.allSatisfy(\.byUser)
        let sortedByItemWithinUser = orders.values.allSatisfy(\.byItemWithinUser)
        if sortedByUser {
            // Users never decrease: where each user's run starts (users without rows start where
            // the next one does), filled by parts in parallel (each writes the starts of the users
            // that begin in its rows; the ranges are disjoint).
            var userOffsets = [Int](repeating: 0, count: userCount + 1)
            users.withUnsafeBufferPointer { u in
            userOffsets.withUnsafeMutableBufferPointer { off in
                let box = UnsafeSendableBox((u, off.baseAddress!))
                ComputePool.forEachChunk(count: n, chunks: parts, threads: threads) { _, range in
                    let (u, off) = box.value
                    ColumnOrder.runStarts(u, range, into: off)
                }
                if n > 0 { for r in (Int(u[n - 1]) + 1)..<(userCount + 1) { off[r] = n } }
            }}
            // Scattering by item in file order leaves users ascending in every item row.
            let byItem = SparseMatrix.scatter(rows: items, columns: users, values: ratings, rowCount: itemCount,
                                              columnCount: userCount, threads: threads)
            if sortedByItemWithinUser {
                let byUser = SparseMatrix(rowCount: userCount, columnCount: itemCount, rowOffsets: userOffsets,
                                          columns: items, values: ratings)
                return (byUser, byItem)
            }
            // Each user's run is a row already: sort each on its own.
            let byUser = SparseMatrix.sortingEachRow(rowCount: userCount, columnCount: itemCount, rowOffsets: userOffsets,
                                                     columns: items, values: ratings, threads: threads)
            return (byUser, byItem)
        }
        let byUser = self.byUser(threads: threads)
        return (byUser, byUser.transposed(threads: threads))
    }
}
