/// What every saved model carries besides its parameters, so that queries can be answered
/// from the model file alone: the id maps, the item catalog, the items each user rated in
/// training (to exclude them from recommendations) and the rating scale.
public struct ModelMetadata: Sendable, Equatable {
    /// External user ids ↔ the model's user indices.
    public var userIDs: IDMap<UserID>
    /// External item ids ↔ the model's item indices.
    public var itemIDs: IDMap<ItemID>
    /// Titles, years and genres of the items.
    public var catalog: ItemCatalog
    /// The training interactions as a user × item matrix (ratings as values).
    public var seen: SparseMatrix
    /// The rating scale predictions are clipped to, when known.
    public var ratingScale: ClosedRange<Float>?
    /// The training interactions when they were left in the model file
    /// (``ModelArchive/metadata(path:)`` of an archive read with `meta.seen_items` and
    /// `meta.seen_values` on disk); ``seen`` then has the right shape but no entries. Read the
    /// history through ``seenCount(ofUser:)``, ``seenRow(ofUser:)``, ``history(of:)`` and
    /// ``seenItemCounts()``, which work either way.
    public var seenOnDisk: TrainingRowsOnDisk?

    /// Creates metadata from its parts.
    public init(userIDs: IDMap<UserID>, itemIDs: IDMap<ItemID>, catalog: ItemCatalog, seen: SparseMatrix,
                ratingScale: ClosedRange<Float>?) {
        self.userIDs = userIDs
        self.itemIDs = itemIDs
        self.catalog = catalog
        self.seen = seen
        self.ratingScale = ratingScale
    }

    /// The metadata of a model trained on `training` (a subset of `dataset`'s interactions).
    public init(dataset: Dataset, training: Interactions) {
        self.init(userIDs: dataset.userIDs, itemIDs: dataset.itemIDs, catalog: dataset.catalog,
                  seen: training.byUser(), ratingScale: dataset.ratingScale)
    }
}

extension ModelArchive {
    /// Stores `metadata` in sections prefixed `meta.`.
    public mutating func store(_ metadata: ModelMetadata) {
        set("meta.user_ids", .strings(metadata.userIDs.ids.map(\.rawValue)))
        set("meta.item_ids", .strings(metadata.itemIDs.ids.map(\.rawValue)))
        set("meta.titles", .strings(metadata.catalog.titles))
        set("meta.years", .int32s(metadata.catalog.years.map { Int32($0 ?? Int(Int32.min)) }))
        set("meta.genres", .int64s(metadata.catalog.genres.map { Int64(bitPattern: $0.rawValue) }))
        set("meta.genre_names", .strings(metadata.catalog.genreNames))
        let seen = metadata.seenOnDisk?.materialized() ?? metadata.seen
        set("meta.seen_offsets", .int64s(seen.rowOffsets.map { Int64($0) }))
        set("meta.seen_items", .int32s(seen.columns))
        set("meta.seen_values", .floats(seen.values))
        if let scale = metadata.ratingScale {
            set("meta.rating_scale", .floats([scale.lowerBound, scale.upperBound]))
        }
    }

    /// Reads the metadata stored by ``store(_:)``, checking that the parts agree.
    public func metadata(path: String = "model") throws -> ModelMetadata {
        let users = try strings("meta.user_ids", path: path)
        let items = try strings("meta.item_ids", path: path)
        let titles = try strings("meta.titles", count: items.count, path: path)
        let years = try int32s("meta.years", count: items.count, path: path)
        let genres = try int64s("meta.genres", path: path)
        guard genres.count == items.count else {
            throw PersistenceError.badSection(path: path, name: "meta.genres", reason: "expected \(items.count) values, found \(genres.count)")
        }
        let genreNames = try strings("meta.genre_names", path: path)
        // Every genre bit must name a genre (a forged file could set bit 63 of a 19-genre catalog).
        let genreMask: UInt64 = genreNames.count >= 64 ? .max : (1 << UInt64(genreNames.count)) - 1
        guard genreNames.count <= 64, genres.allSatisfy({ UInt64(bitPattern: $0) & ~genreMask == 0 }) else {
            throw PersistenceError.badSection(path: path, name: "meta.genres", reason: "genre bits beyond the \(genreNames.count) genre names")
        }
        let offsets = try int64s("meta.seen_offsets", path: path).map { Int($0) }
        var onDisk: TrainingRowsOnDisk? = nil
        let seenItems: [Int32], seenValues: [Float]
        if let file, let itemsAt = self.onDisk["meta.seen_items"], let valuesAt = self.onDisk["meta.seen_values"] {
            // Left in the file: the rows are read (and their items checked) when a query needs them.
            guard itemsAt.count == valuesAt.count else {
                throw PersistenceError.badSection(path: path, name: "meta.seen_values", reason: "expected \(itemsAt.count) values, found \(valuesAt.count)")
            }
            guard offsets.count == users.count + 1, offsets.first == 0, offsets.last == itemsAt.count,
                  zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }) else {
                throw PersistenceError.badSection(path: path, name: "meta.seen_offsets", reason: "inconsistent sparse matrix")
            }
            onDisk = TrainingRowsOnDisk(file: file, rowOffsets: offsets, itemsAt: itemsAt.offset, valuesAt: valuesAt.offset, columnCount: items.count)
            seenItems = []; seenValues = []
        } else {
            seenItems = try int32s("meta.seen_items", path: path)
            seenValues = try floats("meta.seen_values", count: seenItems.count, path: path)
            guard offsets.count == users.count + 1, offsets.first == 0, offsets.last == seenItems.count,
                  zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }),
                  seenItems.allSatisfy({ $0 >= 0 && Int($0) < items.count }) else {
                throw PersistenceError.badSection(path: path, name: "meta.seen_offsets", reason: "inconsistent sparse matrix")
            }
        }
        var scale: ClosedRange<Float>? = nil
        if section("meta.rating_scale") != nil {
            let s = try floats("meta.rating_scale", count: 2, path: path)
            if s[0] <= s[1] { scale = s[0]...s[1] }
        }
        var userMap = IDMap<UserID>(), itemMap = IDMap<ItemID>()
        for u in users { userMap.insert(UserID(u)) }
        for i in items { itemMap.insert(ItemID(i)) }
        guard userMap.count == users.count, itemMap.count == items.count else {
            throw PersistenceError.badSection(path: path, name: "meta.user_ids", reason: "duplicated ids")
        }
        let catalog = ItemCatalog(titles: titles, years: years.map { $0 == Int32.min ? nil : Int($0) },
                                  genres: genres.map { GenreSet(rawValue: UInt64(bitPattern: $0)) }, genreNames: genreNames)
        let seen = SparseMatrix(rowCount: users.count, columnCount: items.count,
                                rowOffsets: onDisk == nil ? offsets : [Int](repeating: 0, count: users.count + 1),
                                columns: seenItems, values: seenValues)
        var metadata = ModelMetadata(userIDs: userMap, itemIDs: itemMap, catalog: catalog, seen: seen, ratingScale: scale)
        metadata.seenOnDisk = onDisk
        return metadata
    }
}

extension ModelMetadata {
    /// The sections a model kind that scores without its training history may leave in its
    /// file (``PersistableModel/scoresWithoutTrainingHistory``).
    public static let historySections: Set<String> = ["meta.seen_items", "meta.seen_values"]

    /// Whether the training history was left in the model file (``seenOnDisk``).
    public var keepsHistoryOnDisk: Bool { seenOnDisk != nil }

    /// The number of training ratings, in memory or on disk.
    public var seenEntryCount: Int { seenOnDisk?.entryCount ?? seen.nonZeroCount }

    /// The number of training ratings of `user` (0 for an index outside the model).
    public func seenCount(ofUser index: UserIndex) -> Int {
        let user = Int(index)
        if let seenOnDisk { return seenOnDisk.count(ofRow: user) }
        return user >= 0 && user < seen.rowCount ? seen.count(ofRow: user) : 0
    }

    /// The items (ascending) and ratings of `user` in training; empty outside the model.
    ///
    /// The items are the row of ``seen`` as stored: raw positions (``ItemIndex/rawValue``), so
    /// the ranking path can mark them without a conversion; ``history(of:)`` gives typed pairs.
    public func seenRow(ofUser index: UserIndex) -> (items: [Int32], values: [Float]) {
        let user = Int(index)
        if let seenOnDisk { return seenOnDisk.row(user) }
        guard user >= 0 && user < seen.rowCount else { return ([], []) }
        let r = seen.range(ofRow: user)
        return (Array(seen.columns[r]), Array(seen.values[r]))
    }

    /// The number of training ratings of every item, in item order.
    /// - Complexity: O(ratings); on disk, one sequential read of the history.
    public func seenItemCounts() -> [Int32] {
        var counts = [Int32](repeating: 0, count: itemIDs.count)
        let n = counts.count
        if let seenOnDisk {
            seenOnDisk.forEachItemChunk { items in for i in items where i >= 0 && Int(i) < n { counts[Int(i)] += 1 } }
        } else {
            for i in seen.columns where i >= 0 && Int(i) < n { counts[Int(i)] += 1 }
        }
        return counts
    }

    /// The smallest, largest and mean training rating, or `nil` without ratings.
    public func seenRatingSummary() -> (min: Float, max: Float, mean: Float)? {
        var low = Float.infinity, high = -Float.infinity, sum = 0.0, count = 0
        func add(_ values: UnsafeBufferPointer<Float>) {
            for v in values { low = Swift.min(low, v); high = Swift.max(high, v); sum += Double(v) }
            count += values.count
        }
        if let seenOnDisk { seenOnDisk.forEachValueChunk { add($0) } } else { seen.values.withUnsafeBufferPointer { add($0) } }
        return count == 0 ? nil : (low, high, Float(sum / Double(count)))
    }
}
