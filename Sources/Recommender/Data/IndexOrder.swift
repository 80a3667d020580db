/// The order in which users and items get their dense indices.
///
/// Loaders hand out indices in ``firstAppearance`` order unless given `indexOrder: .id` (a plain
/// numeric file is then numbered by id while it is read). ``Dataset/reindex(_:threads:)``
/// renumbers a loaded data set in ``id`` order. Id order has three uses:
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
    /// no row (catalog-only items) keep their order after those that do. The loaders number by
    /// first appearance in the file, which is the same order unless a duplicated (user, item)
    /// line they dropped was the first to name an id.
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
            var small: [(value: Int64, index: Int32)] = [], others: [Int32] = []
            small.reserveCapacity(ids.count)
            for (index, id) in ids.enumerated() {
                var text = id
                let value = text.withUTF8 { b in b.baseAddress.flatMap { NumberParsing.canonicalID($0, b.count) } }
                if let value { small.append((value, Int32(index))) } else { others.append(Int32(index)) }
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
        // The user side and the item side (the new order, then the id map and the table that
        // follow it) on two threads; then one pass over the index columns, cut into parts.
        let users = SharedSlots(count: 1, initial: Side<UserID>()), items = SharedSlots(count: 1, initial: Side<ItemID>())
        let parts = (userIDs, itemIDs, userTable, catalog)
        interactions.users.withUnsafeBufferPointer { u in
        interactions.items.withUnsafeBufferPointer { it in
            let columns = UnsafeSendableBox((u, it, parts))
            ComputePool.forEachChunk(count: 2, chunks: 2, threads: threads) { _, range in
                let (u, it, (userIDs, itemIDs, userTable, catalog)) = columns.value
                for which in range {
                    if which == 0 {
                        var side = Side(userIDs, texts: userIDs.ids.map(\.rawValue), order: order, rows: u)
                        if !side.isIdentity, let table = userTable {
                            let p = side.order.map(Int.init)
                            side.userTable = UserTable(ages: p.map { table.ages[$0] }, sexes: p.map { table.sexes[$0] },
                                                       occupations: p.map { table.occupations[$0] }, zipCodes: p.map { table.zipCodes[$0] })
                        }
                        users.set(0, side)
                    } else {
                        var side = Side(itemIDs, texts: itemIDs.ids.map(\.rawValue), order: order, rows: it)
                        if !side.isIdentity {
                            let p = side.order.map(Int.init)
                            side.catalog = ItemCatalog(titles: p.map { catalog.titles[$0] }, years: p.map { catalog.years[$0] },
                                                       genres: p.map { catalog.genres[$0] }, genreNames: catalog.genreNames)
                        }
                        items.set(0, side)
                    }
                }
            }
        }}
        let user = users.value(at: 0), item = items.value(at: 0)
        if user.isIdentity && item.isIdentity { return }

        let n = interactions.count
        let chunks = max(1, min(threads, n / 500_000 + 1))
        user.newIndex.withUnsafeBufferPointer { nu in
        item.newIndex.withUnsafeBufferPointer { ni in
        interactions.users.withUnsafeMutableBufferPointer { u in
        interactions.items.withUnsafeMutableBufferPointer { it in
            let box = UnsafeSendableBox((nu, ni, u, it, user.isIdentity, item.isIdentity))
            ComputePool.forEachChunk(count: n, chunks: chunks, threads: threads) { _, range in
                let (nu, ni, u, it, sameUsers, sameItems) = box.value
                for k in range {
                    if !sameUsers { u[k] = nu[Int(u[k])] }
                    if !sameItems { it[k] = ni[Int(it[k])] }
                }
            }
        }}}}
        if !user.isIdentity {
            userIDs = user.ids
            if let table = user.userTable { userTable = table }
        }
        if !item.isIdentity {
            itemIDs = item.ids
            if let renumbered = item.catalog { catalog = renumbered }
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

/// One side (users or items) of ``Dataset/reindex(_:threads:)``: the new order and what follows it.
private struct Side<ID: ExternalID> {
    /// Element *k*: the current index of the id that gets index *k*.
    var order: [Int32] = []
    /// Element *i*: the new index of current index *i*.
    var newIndex: [Int32] = []
    var isIdentity = true
    var ids = IDMap<ID>()
    var userTable: UserTable?
    var catalog: ItemCatalog?

    init() {}

    /// - Parameter texts: the text of each id, in index order.
    init(_ map: IDMap<ID>, texts: [String], order kind: IndexOrder, rows: UnsafeBufferPointer<Int32>) {
        order = IndexOrder.permutation(texts, order: kind, rows: rows)
        isIdentity = order.enumerated().allSatisfy { $0.offset == Int($0.element) }
        guard !isIdentity else { return }
        newIndex = [Int32](repeating: 0, count: order.count)
        for (new, old) in order.enumerated() { newIndex[Int(old)] = Int32(new) }
        ids = IDMap(order.map { map.ids[Int($0)] })
    }
}
