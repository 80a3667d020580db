/// The fitted parameters shared by the biased factor models (`svd`, `svdpp`, `als`):
/// r̂_ui = μ + b_u + b_i + q_i · (p_u + z_u), where z_u is SVD++'s implicit term (zero for the others).
///
/// Factor rows are stored zero-padded to a stride that is a multiple of 8 so the SIMD kernels
/// need no remainder loop; the public API exposes unpadded ``Matrix`` values.
struct FactorModelCore: Sendable, Equatable {
    var mean: Float
    var userBias: [Float]
    var itemBias: [Float]
    /// p_u, `userCount × stride`, padded with zeros.
    var userRows: [Float]
    /// q_i, `itemCount × stride`, padded with zeros.
    var itemRows: [Float]
    /// z_u (SVD++ only), `userCount × stride`; empty for the other models.
    var userOffsets: [Float] = []
    let factors: Int
    let stride: Int
    var ratingRange: ClosedRange<Float>
    var metadata: ModelMetadata
    let userCounts: [Int32]
    let itemCounts: [Int32]

    init(mean: Float, userBias: [Float], itemBias: [Float], userRows: [Float], itemRows: [Float], factors: Int,
         ratingRange: ClosedRange<Float>, metadata: ModelMetadata) {
        self.mean = mean; self.userBias = userBias; self.itemBias = itemBias
        self.userRows = userRows; self.itemRows = itemRows
        self.factors = factors; self.stride = Kernels.paddedStride(factors)
        self.ratingRange = ratingRange; self.metadata = metadata
        (userCounts, itemCounts) = metadata.ratingCounts()
        precondition(userRows.count == userBias.count * stride && itemRows.count == itemBias.count * stride)
    }

    var userCount: Int { userBias.count }
    var itemCount: Int { itemBias.count }

    @inline(__always) func isKnown(user: Int32) -> Bool { user >= 0 && Int(user) < userCount && userCounts[Int(user)] > 0 }
    @inline(__always) func isKnown(item: Int32) -> Bool { item >= 0 && Int(item) < itemCount && itemCounts[Int(item)] > 0 }

    /// The unclipped prediction with the documented fallbacks.
    func rawPrediction(user: Int32, item: Int32) -> Float {
        let ku = isKnown(user: user), ki = isKnown(item: item)
        var x = mean
        if ku { x += userBias[Int(user)] }
        if ki { x += itemBias[Int(item)] }
        guard ku && ki else { return x }
        let u = Int(user) * stride, i = Int(item) * stride
        return itemRows.withUnsafeBufferPointer { q in
            userRows.withUnsafeBufferPointer { p in
                if userOffsets.isEmpty { return x + Kernels.dot(q.baseAddress! + i, p.baseAddress! + u, stride) }
                return userOffsets.withUnsafeBufferPointer { z in
                    x + Kernels.dotSum(q.baseAddress! + i, p.baseAddress! + u, z.baseAddress! + u, stride)
                }
            }
        }
    }

    func predict(user: UserIndex, item: ItemIndex) -> Float { clip(rawPrediction(user: user.rawValue, item: item.rawValue), ratingRange) }

    func scores(forUser index: UserIndex) -> [Float] {
        let user = index.rawValue
        guard isKnown(user: user) else { return scores(bias: nil, row: nil) }
        var row = Array(userRows[Int(user) * stride ..< (Int(user) + 1) * stride])
        if !userOffsets.isEmpty { for f in 0..<stride { row[f] += userOffsets[Int(user) * stride + f] } }
        return scores(bias: userBias[Int(user)], row: row)
    }

    /// μ + b + b_i + q_i · row for every item (unknown items: μ + b), unclipped so that ranking
    /// keeps the order above the top of the scale. `row` is padded.
    func scores(bias: Float?, row: [Float]?) -> [Float] {
        var out = [Float](repeating: 0, count: itemCount)
        let b = mean + (bias ?? 0)
        itemRows.withUnsafeBufferPointer { q in
            for i in 0..<itemCount {
                var x = b
                if itemCounts[i] > 0 {
                    x += itemBias[i]
                    if let row { x += row.withUnsafeBufferPointer { Kernels.dot(q.baseAddress! + i * stride, $0.baseAddress!, stride) } }
                }
                out[i] = x
            }
        }
        return out
    }

    /// Fold-in: the ridge solution [p; b_u] of Σ_j (r_j − μ − b_j − q_j·offset − q_j·p − b_u)² + λ_p |p|² + λ_b b_u²
    /// over the known items of `history`, against frozen item rows.
    /// - Parameter offset: a padded row added to p (SVD++'s implicit term), or `nil`.
    func foldIn(_ history: [(item: ItemIndex, rating: Float)], offset: [Float]?, factorPenalty: (Int) -> Float,
                biasPenalty: (Int) -> Float) -> (row: [Float], bias: Float) {
        let known = history.filter { isKnown(item: $0.item.rawValue) }
        guard !known.isEmpty else { return ([Float](repeating: 0, count: stride), 0) }
        let items = known.map(\.item.rawValue)
        var targets = [Float](repeating: 0, count: known.count)
        itemRows.withUnsafeBufferPointer { q in
            for (j, h) in known.enumerated() {
                var t = h.rating - mean - itemBias[Int(h.item)]
                if let offset { t -= offset.withUnsafeBufferPointer { Kernels.dot(q.baseAddress! + Int(h.item) * stride, $0.baseAddress!, stride) } }
                targets[j] = t
            }
        }
        let solution = itemRows.withUnsafeBufferPointer { q in
            solveUserRow(itemRows: q.baseAddress!, stride: stride, factors: factors, items: items, targets: targets,
                         factorPenalty: factorPenalty(known.count), biasPenalty: biasPenalty(known.count))
        }
        var row = [Float](repeating: 0, count: stride)
        for f in 0..<factors { row[f] = solution[f] }
        if let offset { for f in 0..<stride { row[f] += offset[f] } }
        return (row, solution[factors])
    }

    /// An unpadded copy of padded rows.
    static func unpadded(_ rows: [Float], count: Int, factors: Int) -> Matrix {
        let stride = Kernels.paddedStride(factors)
        var m = Matrix(rows: count, columns: factors)
        for r in 0..<count { for f in 0..<factors { m.storage[r * factors + f] = rows[r * stride + f] } }
        return m
    }

    /// Padded rows from unpadded storage.
    static func padded(_ rows: [Float], count: Int, factors: Int) -> [Float] {
        let stride = Kernels.paddedStride(factors)
        var out = [Float](repeating: 0, count: count * stride)
        for r in 0..<count { for f in 0..<factors { out[r * stride + f] = rows[r * factors + f] } }
        return out
    }

    /// The largest factor count a model file holds (checked again when a model is loaded).
    static let largestFactorCount = 1 << 16

    /// Refuses factor matrices that a model file cannot hold or that would not fit in memory,
    /// before anything is allocated (`--embedding-dim 9223372036854775807` would overflow).
    /// - Parameter matrices: how many `rows × factors` matrices the model keeps.
    /// - Throws: ``TrainingError/invalidInput(_:)`` naming the algorithm and the limit.
    static func checkSize(rows: Int, factors: Int, matrices: Int = 1, algorithm: String) throws {
        guard factors <= largestFactorCount else {
            throw TrainingError.invalidInput("\(algorithm): \(factors) factors is more than the \(largestFactorCount) a model file can hold; choose a smaller embedding dimension")
        }
        let (allRows, overflow) = rows.multipliedReportingOverflow(by: matrices)
        _ = try parameterCount(overflow ? Int.max : allRows, Kernels.paddedStride(max(factors, 0)), what: "\(algorithm) factors")
    }

    /// Padded rows drawn from N(0, σ²) (the padding stays 0).
    static func randomRows(count: Int, factors: Int, standardDeviation: Float, generator: inout SeededGenerator) -> [Float] {
        let stride = Kernels.paddedStride(factors)
        var out = [Float](repeating: 0, count: count * stride)
        for r in 0..<count { for f in 0..<factors { out[r * stride + f] = generator.nextNormal() * standardDeviation } }
        return out
    }

    // MARK: persistence

    func store(into a: inout ModelArchive) {
        a.storeRatingCommon(mean: mean, range: ratingRange, metadata: metadata)
        a.set("factors", .int(Int64(factors)))
        a.set("user_bias", .floats(userBias))
        a.set("item_bias", .floats(itemBias))
        a.set("user_factors", .floats(Self.unpadded(userRows, count: userCount, factors: factors).storage))
        a.set("item_factors", .floats(Self.unpadded(itemRows, count: itemCount, factors: factors).storage))
    }

    init(archive a: ModelArchive, path: String) throws {
        let common = try a.ratingCommon(path: path)
        let k = try a.factorCount("factors", path: path)
        let nu = common.metadata.userIDs.count, ni = common.metadata.itemIDs.count
        let bu = try a.floats("user_bias", count: nu, path: path)
        let bi = try a.floats("item_bias", count: ni, path: path)
        let p = try a.floats("user_factors", count: nu * k, path: path)
        let q = try a.floats("item_factors", count: ni * k, path: path)
        self.init(mean: common.mean, userBias: bu, itemBias: bi, userRows: Self.padded(p, count: nu, factors: k),
                  itemRows: Self.padded(q, count: ni, factors: k), factors: k, ratingRange: common.range, metadata: common.metadata)
    }
}

extension ModelArchive {
    /// The factor count in section `name`, refused outside 1...``FactorModelCore/largestFactorCount``
    /// before anything is sized by it (a forged count near `Int.max` would overflow `rows × factors`).
    func factorCount(_ name: String, path: String) throws -> Int {
        let k = try int(name, path: path)
        guard (1...FactorModelCore.largestFactorCount).contains(k) else {
            throw PersistenceError.badSection(path: path, name: name, reason: "must be in 1...\(FactorModelCore.largestFactorCount), found \(k)")
        }
        return k
    }
}

/// A training rating packed for the SGD loops.
struct PackedRating {
    var user: Int32
    var item: Int32
    var rating: Float
}

extension Interactions {
    func packed() -> [PackedRating] {
        (0..<count).map { PackedRating(user: users[$0], item: items[$0], rating: ratings[$0]) }
    }
}
