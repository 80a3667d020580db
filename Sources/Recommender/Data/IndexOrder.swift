/// The order in which users and items get their dense indices.
///
/// Loaders hand out indices in ``firstAppearance`` order. ``Dataset/reindex(_:threads:)``
/// renumbers a loaded data set in ``id`` order, which has three uses:
/// - **The notebook's numbering.** MovieLens ids are integers from 1, and the notebook's
///   index is the id minus one. In id order, index *k* of ML-100K is user or movie *k* + 1, so
///   embedding rows line up with the notebook's tables.
/// - **Independence from row order.** The same ratings in any row order get the same indices,
///   so the models fitted from them have the same index layout.
/// - **Faster CSR views.** A file sorted by user and then by item id (ML-20M, ML-25M and
///   ML-32M ship that way) becomes "sorted by user and item". Its per-user view then shares the
///   item and rating columns: no per-user sort, and no second copy of those columns.
///   `recommender bench load --index-order id` measures this.
public enum IndexOrder: String, Sendable, CaseIterable {
    /// In the order users and items first occur in the interactions' rows; ids that occur in
    /// no row (catalog-only items) keep their order after those that do. This is the loaders'
    /// order.
    case firstAppearance = "first-appearance"
    /// In the order of the ids. Ids that are canonical non-negative integers (digits only, no
    /// leading zero except in `0` itself) come first, in numeric order. Every other id follows,
    /// in the byte order of its UTF-8 text.
    case id

    /// The ids' positions in `order`: element *k* is the current index of the id that gets
    /// index *k*.
    static func permutation(_ ids: [String], order: IndexOrder, rows: UnsafeBufferPointer<Int32>) -> [Int32] {
        switch order {
        case .id:
            // Canonical integers of at most 18 digits sort by value (they precede every other id);
            // the rest (longer integers, text) by `idPrecedes`.
            var small: [(value: UInt64, index: Int32)] = [], others: [Int32] = []
            small.reserveCapacity(ids.count)
            for (index, id) in ids.enumerated() {
                if let value = smallInteger(id.utf8) { small.append((value, Int32(index))) } else { others.append(Int32(index)) }
            }
            small.sort { $0.value < $1.value }
            others.sort { idPrecedes(ids[Int($0)], ids[Int($1)]) }
            return small.map(\.index) + others
        case .firstAppearance:
            var seen = [Bool](repeating: false, count: ids.count)
            var result: [Int32] = []
            result.reserveCapacity(ids.count)
            for index in rows where !seen[Int(index)] {
                seen[Int(index)] = true
                result.append(index)
            }
            for index in 0..<ids.count where !seen[index] { result.append(Int32(index)) }
            return result
        }
    }

    /// Whether `a` comes before `b` in ``id`` order (the ids are distinct).
    static func idPrecedes(_ a: String, _ b: String) -> Bool {
        let x = a.utf8, y = b.utf8
        switch (isCanonicalInteger(x), isCanonicalInteger(y)) {
        case (true, true):
            // Canonical integers: fewer digits is smaller; with as many digits, the text decides.
            return x.count != y.count ? x.count < y.count : x.lexicographicallyPrecedes(y)
        case (true, false): return true
        case (false, true): return false
        case (false, false): return x.lexicographicallyPrecedes(y)
        }
    }

    /// The value of a canonical integer of at most 18 digits, else `nil`.
    static func smallInteger(_ text: String.UTF8View) -> UInt64? {
        guard text.count <= 18, isCanonicalInteger(text) else { return nil }
        var value: UInt64 = 0
        for byte in text { value = value * 10 + UInt64(byte - 0x30) }
        return value
    }

    /// Digits only, at least one, and no leading zero unless the text is `0`.
    static func isCanonicalInteger(_ text: String.UTF8View) -> Bool {
        guard let first = text.first else { return false }
        guard text.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
        return first != 0x30 || text.count == 1
    }
}

extension Dataset {
    /// Renumbers the users and the items in `order`.
    ///
    /// Every part of the data set follows: the id maps, the interactions' user and item
    /// columns (the rows themselves keep their order), the item catalog and the user table.
    /// The ratings, and what each one says about whom, do not change. Only the indices do.
    /// The cost is one pass over the two index columns, cut into parts run in parallel. When
    /// this data set holds the only reference to those columns, they are rewritten in place.
    /// - Parameters:
    ///   - order: the order of the new indices.
    ///   - threads: threads to use (1 = single-thread mode; same result).
    public mutating func reindex(_ order: IndexOrder, threads: Int = Parallelism.availableCores) {
        let userOrder = interactions.users.withUnsafeBufferPointer {
            IndexOrder.permutation(userIDs.ids.map(\.rawValue), order: order, rows: $0)
        }
        let itemOrder = interactions.items.withUnsafeBufferPointer {
            IndexOrder.permutation(itemIDs.ids.map(\.rawValue), order: order, rows: $0)
        }
        let userIdentity = userOrder.enumerated().allSatisfy { $0.offset == Int($0.element) }
        let itemIdentity = itemOrder.enumerated().allSatisfy { $0.offset == Int($0.element) }
        if userIdentity && itemIdentity { return }

        func inverse(_ permutation: [Int32]) -> [Int32] {
            var result = [Int32](repeating: 0, count: permutation.count)
            for (new, old) in permutation.enumerated() { result[Int(old)] = Int32(new) }
            return result
        }
        let newUser = inverse(userOrder), newItem = inverse(itemOrder)
        let n = interactions.count
        let parts = max(1, min(threads, n / 500_000 + 1))
        newUser.withUnsafeBufferPointer { nu in
        newItem.withUnsafeBufferPointer { ni in
        interactions.users.withUnsafeMutableBufferPointer { u in
        interactions.items.withUnsafeMutableBufferPointer { it in
            let box = UnsafeSendableBox((nu, ni, u, it))
            ComputePool.forEachChunk(count: n, chunks: parts, threads: threads) { _, range in
                let (nu, ni, u, it) = box.value
                for k in range {
                    if !userIdentity { u[k] = nu[Int(u[k])] }
                    if !itemIdentity { it[k] = ni[Int(it[k])] }
                }
            }
        }}}}

        if !userIdentity {
            userIDs = IDMap(userOrder.map { userIDs.ids[Int($0)] })
            if let table = userTable {
                userTable = UserTable(ages: userOrder.map { table.ages[Int($0)] }, sexes: userOrder.map { table.sexes[Int($0)] },
                                      occupations: userOrder.map { table.occupations[Int($0)] },
                                      zipCodes: userOrder.map { table.zipCodes[Int($0)] })
            }
        }
        if !itemIdentity {
            itemIDs = IDMap(itemOrder.map { itemIDs.ids[Int($0)] })
            catalog = ItemCatalog(titles: itemOrder.map { catalog.titles[Int($0)] }, years: itemOrder.map { catalog.years[Int($0)] },
                                  genres: itemOrder.map { catalog.genres[Int($0)] }, genreNames: catalog.genreNames)
        }
    }

    /// This data set with its users and items renumbered in `order` (see ``reindex(_:threads:)``).
    /// - Parameters:
    ///   - order: the order of the new indices.
    ///   - threads: threads to use (1 = single-thread mode; same result).
    public func reindexed(_ order: IndexOrder, threads: Int = Parallelism.availableCores) -> Dataset {
        var copy = self
        copy.reindex(order, threads: threads)
        return copy
    }
}
