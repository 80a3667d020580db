/// The features of one side (users or items) of a Bayesian factorization machine, as a
/// sparse entity × feature matrix with one prior group per feature.
///
/// Every training row `(u, i)` of the factorization machine is the concatenation of the
/// user's block (``BayesianFactorizationMachine/FeatureBlock`` of the users) and the item's
/// block, which is what lets the sampler work on per-entity sufficient statistics instead of
/// on the (much larger) design matrix (Rendle 2013, "Scaling factorization machines to
/// relational data").
struct FMFeatureBlock: Sendable {
    /// The number of entities (users or items).
    let entityCount: Int
    /// The number of features of the block.
    let featureCount: Int
    /// The name of each prior group (e.g. `"user"`, `"age"`, `"implicit"`).
    let groupNames: [String]
    /// The group of each feature.
    let groupOf: [Int32]
    /// The index of the bias-only global feature (w₀), present in every entity, or `nil`.
    let globalFeature: Int?
    /// The group whose features each touch exactly one entity (the id group): those
    /// features are conditionally independent and are sampled in parallel.
    let idGroup: Int
    /// Entity → features (CSR).
    let entityOffsets: [Int]
    let entityFeatures: [Int32]
    let entityValues: [Float]
    /// Feature → entities (CSC).
    let featureOffsets: [Int]
    let featureEntities: [Int32]
    let featureValues: [Float]

    var groupCount: Int { groupNames.count }

    /// Builds a block from per-entity feature lists.
    init(entityCount: Int, groupNames: [String], groupOf: [Int32], globalFeature: Int?, idGroup: Int,
         entityLists: [[(feature: Int32, value: Float)]]) {
        precondition(entityLists.count == entityCount)
        self.entityCount = entityCount
        self.featureCount = groupOf.count
        self.groupNames = groupNames
        self.groupOf = groupOf
        self.globalFeature = globalFeature
        self.idGroup = idGroup
        var offsets = [0], features: [Int32] = [], values: [Float] = []
        for list in entityLists {
            for (f, v) in list { features.append(f); values.append(v) }
            offsets.append(features.count)
        }
        entityOffsets = offsets; entityFeatures = features; entityValues = values
        var rows: [Int32] = []
        rows.reserveCapacity(features.count)
        for e in 0..<entityCount { for _ in offsets[e]..<offsets[e + 1] { rows.append(Int32(e)) } }
        let csc = SparseMatrix(rows: features, columns: rows, values: values, rowCount: groupOf.count, columnCount: entityCount)
        featureOffsets = csc.rowOffsets; featureEntities = csc.columns; featureValues = csc.values
    }
}

/// Builds the user and item feature blocks from a data set and the training interactions.
enum FMFeatureBuilder {
    /// The ML-1M age buckets (under 18, 18–24, 25–34, 35–44, 45–49, 50–55, 56+).
    static func ageBucket(_ age: Int) -> Int {
        switch age {
        case ..<18: 0
        case 18...24: 1
        case 25...34: 2
        case 35...44: 3
        case 45...49: 4
        case 50...55: 5
        default: 6
        }
    }

    /// A small helper that hands out feature indices group by group.
    struct Registry {
        var groupNames: [String] = []
        var groupOf: [Int32] = []
        mutating func group(_ name: String) -> Int32 { groupNames.append(name); return Int32(groupNames.count - 1) }
        mutating func features(_ count: Int, group: Int32) -> Int32 {
            let first = Int32(groupOf.count)
            groupOf.append(contentsOf: repeatElement(group, count: count))
            return first
        }
    }

    /// Adds the implicit-bag group `group` (`width` features) and appends to each entity's list
    /// the distinct columns of its row of `rows` (the items a user rated, or the users who rated
    /// an item), each weighted by ``implicitWeight(_:_:)`` of the row's length.
    static func appendImplicitBags(_ rows: SparseMatrix, group: String, width: Int, registry reg: inout Registry,
                                   lists: inout [[(feature: Int32, value: Float)]],
                                   normalization: BayesianFactorizationMachine.ImplicitNormalization) {
        let base = reg.features(width, group: reg.group(group))
        for e in lists.indices {
            let lo = rows.rowOffsets[e], hi = rows.rowOffsets[e + 1]
            let w = implicitWeight(hi - lo, normalization)
            var previous: Int32 = -1
            for k in lo..<hi where rows.columns[k] != previous {
                previous = rows.columns[k]
                lists[e].append((base + previous, w))
            }
        }
    }

    /// Dense codes for string values, in order of first appearance.
    static func codes(_ values: [String]) -> (codes: [Int32], count: Int) {
        var map: [String: Int32] = [:]
        let codes = values.map { v -> Int32 in
            if let c = map[v] { return c }
            let c = Int32(map.count); map[v] = c; return c
        }
        return (codes, map.count)
    }

    static func implicitWeight(_ n: Int, _ normalization: BayesianFactorizationMachine.ImplicitNormalization) -> Float {
        guard n > 0 else { return 0 }
        switch normalization {
        case .sqrt: return 1 / Float(n).squareRoot()
        case .count: return 1 / Float(n)
        }
    }

    /// The user block: w₀ (bias only), user id, demographics, implicit bag of rated items.
    static func userBlock(dataset: Dataset, implicit: Interactions, configuration c: BayesianFactorizationMachine.Configuration) -> FMFeatureBlock {
        let users = dataset.userCount, items = dataset.itemCount
        var reg = Registry()
        var lists = [[(feature: Int32, value: Float)]](repeating: [], count: users)
        let gGlobal = reg.group("global")
        let global = reg.features(1, group: gGlobal)
        let gID = reg.group("user")
        let idBase = reg.features(users, group: gID)
        for u in 0..<users { lists[u].append((global, 1)); lists[u].append((idBase + Int32(u), 1)) }
        if c.userSideFeatures, let table = dataset.userTable {
            let ages = table.ages.map { $0.map { String(ageBucket($0)) } ?? "" }
            let zips = table.zipCodes.map { String($0.prefix(c.zipPrefixLength)) }
            for (name, column) in [("age", ages), ("sex", table.sexes), ("occupation", table.occupations), ("zip", zips)] {
                let (codes, count) = Self.codes(column)
                let g = reg.group(name)
                let base = reg.features(count, group: g)
                for u in 0..<users where !column[u].isEmpty { lists[u].append((base + codes[u], 1)) }
            }
        }
        if c.userImplicitFeedback {
            appendImplicitBags(implicit.byUser(), group: "rated items", width: items, registry: &reg, lists: &lists,
                               normalization: c.implicitNormalization)
        }
        return FMFeatureBlock(entityCount: users, groupNames: reg.groupNames, groupOf: reg.groupOf, globalFeature: Int(global),
                              idGroup: Int(gID), entityLists: lists)
    }

    /// The item block: item id, genres, release year, implicit bag of raters.
    static func itemBlock(dataset: Dataset, implicit: Interactions, configuration c: BayesianFactorizationMachine.Configuration) -> FMFeatureBlock {
        let users = dataset.userCount, items = dataset.itemCount
        var reg = Registry()
        var lists = [[(feature: Int32, value: Float)]](repeating: [], count: items)
        let gID = reg.group("item")
        let idBase = reg.features(items, group: gID)
        for i in 0..<items { lists[i].append((idBase + Int32(i), 1)) }
        if c.itemSideFeatures {
            let catalog = dataset.catalog
            if !catalog.genreNames.isEmpty {
                let g = reg.group("genre")
                let base = reg.features(catalog.genreNames.count, group: g)
                for i in 0..<items {
                    let genres = catalog.genres[i].indices.filter { $0 < catalog.genreNames.count }
                    let w: Float = c.normalizeGenres && !genres.isEmpty ? 1 / Float(genres.count).squareRoot() : 1
                    for k in genres { lists[i].append((base + Int32(k), w)) }
                }
            }
            let width = max(1, c.yearBucketWidth)
            let years = catalog.years.map { $0.map { String($0 / width) } ?? "" }
            if years.contains(where: { !$0.isEmpty }) {
                let (codes, count) = Self.codes(years)
                let g = reg.group("year")
                let base = reg.features(count, group: g)
                for i in 0..<items where !years[i].isEmpty { lists[i].append((base + codes[i], 1)) }
            }
        }
        if c.itemImplicitFeedback {
            appendImplicitBags(implicit.byItem(), group: "raters", width: users, registry: &reg, lists: &lists,
                               normalization: c.implicitNormalization)
        }
        return FMFeatureBlock(entityCount: items, groupNames: reg.groupNames, groupOf: reg.groupOf, globalFeature: nil,
                              idGroup: Int(gID), entityLists: lists)
    }
}
