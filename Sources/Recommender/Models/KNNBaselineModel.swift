/// `knn-baseline`: item-based k nearest neighbours on baseline residuals, with the shrunk
/// Pearson-baseline similarity (Surprise's KNNBaseline with `user_based=False`).
///
/// **Baselines.** b_ui = μ + b_u + b_i from a ``BaselineModel`` (ALS, λ_u 15, λ_i 10, 10 epochs).
///
/// **Similarity.** Over the users U_ij who rated both items, with residuals
/// ρ_ui = r_ui − b_ui: s_ij = Σ ρ_ui ρ_uj / √(Σ ρ_ui² Σ ρ_uj²) × (|U_ij| − 1) / (|U_ij| − 1 + β),
/// and s_ij = 0 when |U_ij| < 2 (β is the shrinkage).
///
/// **Prediction rule.** Among the items j the user rated, take the k with the largest s_ij
/// (N_k(i; u)); over those with s_ij > 0: r̂_ui = b_ui + Σ s_ij ρ_uj / Σ s_ij, or b_ui when
/// fewer than `minNeighbors` of them are positive; clipped to the rating scale. Unknown users
/// or items: the baseline.
///
/// **Loss.** None is minimised beyond the baseline's (a memory-based method).
///
/// **Defaults** (Surprise's): k = 40, min_k = 1, β = 100. Tip: β shrinks similarities that
/// rest on few common users; raise it for sparser data.
///
/// **Threads.** The similarity rows are computed in parallel on `threads` threads (default:
/// all cores); each row is computed by one thread, so the result does not depend on it.
/// Memory: an item × item matrix of Float (11 MB for ML-100K, 55 MB for ML-1M).
///
/// **Paper.** Y. Koren, "Factor in the neighbors: scalable and accurate collaborative
/// filtering", ACM TKDD 4(1), 2010, section 2.2 and equation (3).
public struct KNNBaselineModel: RatingModel, Equatable {
    /// Hyper-parameters of ``KNNBaselineModel``.
    public struct Configuration: RatingModelConfiguration, Equatable, Codable {
        /// k, the largest number of neighbours used. Default 40.
        public var neighbors: Int = 40
        /// The fewest positive-similarity neighbours needed to adjust the baseline. Default 1.
        public var minNeighbors: Int = 1
        /// β, the similarity shrinkage. Default 100.
        public var shrinkage: Float = 100
        /// How the baselines are fitted. Default ``BaselineModel/Configuration/surprise``.
        public var baseline: BaselineModel.Configuration = .surprise
        /// Threads for the similarity computation. Default: all cores.
        public var threads: Int = Parallelism.availableCores

        /// Surprise's KNNBaseline defaults (item-based, Pearson-baseline).
        public static let `default` = Configuration()

        /// Creates a configuration (every argument defaults to ``default``).
        public init(neighbors: Int = 40, minNeighbors: Int = 1, shrinkage: Float = 100, baseline: BaselineModel.Configuration = .surprise,
                    threads: Int = Parallelism.availableCores) {
            self.neighbors = neighbors; self.minNeighbors = minNeighbors; self.shrinkage = shrinkage
            self.baseline = baseline; self.threads = threads
        }

        /// Fits the baselines and the item–item similarities.
        /// - Complexity: O(Σ_u |R(u)|² + items²) time, O(items²) memory.
        package func fit(_ training: Interactions, options: RatingFitOptions) throws -> KNNBaselineModel {
            guard neighbors >= 1, minNeighbors >= 0, shrinkage >= 0 else {
                throw TrainingError.invalidInput("knn-baseline needs neighbours >= 1, min-neighbours >= 0, shrinkage >= 0")
            }
            let bytes = Double(training.itemCount) * Double(training.itemCount) * 4
            guard bytes <= 4e9 else {
                throw TrainingError.invalidInput(String(format: "knn-baseline keeps an item × item similarity matrix: %d items need %.1f GB; use svd or als for this data set", training.itemCount, bytes / 1e9))
            }
            var baselineOptions = options
            baselineOptions.validation = nil
            let base = try baseline.fit(training, options: baselineOptions)
            let sims = KNNBaselineModel.similarities(training, baseline: base, shrinkage: shrinkage, threads: threads)
            let model = KNNBaselineModel(baseline: base, similarities: sims, neighbors: neighbors, minNeighbors: minNeighbors)
            if let observer = options.observer {
                var sse = 0.0
                for k in 0..<training.count {
                    let d = Double(model.predict(user: training.user(at: k), item: training.item(at: k)) - training.ratings[k]); sse += d * d
                }
                var loop = EpochLoop(epochs: 1, earlyStopping: nil, observer: observer)
                _ = try loop.finish(epoch: 1, trainingSSE: sse, count: training.count, validationRMSE: validationRMSE(options.validation, model.predict))
            }
            try requireFinite(model, iteration: baseline.epochs, hint: "raise the baseline regularization (reg_u = \(baseline.userRegularization), reg_i = \(baseline.itemRegularization))")
            return model
        }
    }

    /// The fitted baselines b_ui.
    public let baseline: BaselineModel
    /// s_ij, row-major `itemCount × itemCount`.
    let similarityStorage: [Float]
    /// k.
    public let neighbors: Int
    /// min_k.
    public let minNeighbors: Int

    init(baseline: BaselineModel, similarities: [Float], neighbors: Int, minNeighbors: Int) {
        self.baseline = baseline
        self.similarityStorage = similarities
        self.neighbors = neighbors
        self.minNeighbors = minNeighbors
    }

    public var ratingRange: ClosedRange<Float> { baseline.ratingRange }
    public var metadata: ModelMetadata { baseline.metadata }

    /// The similarity s_ij of two items (dense indices).
    public func similarity(_ i: ItemIndex, _ j: ItemIndex) -> Float { similarityStorage[Int(i) * baseline.itemBias.count + Int(j)] }

    /// Shrunk Pearson-baseline similarities, one row per item, computed in parallel.
    static func similarities(_ training: Interactions, baseline: BaselineModel, shrinkage: Float, threads: Int) -> [Float] {
        let ni = training.itemCount
        let byUser = training.byUser(), byItem = training.byItem()
        let userResiduals = (0..<byUser.rowCount).flatMap { u in
            byUser.range(ofRow: u).map { t in byUser.values[t] - baseline.baseline(user: Int32(u), item: byUser.columns[t]) }
        }
        let itemResiduals = (0..<byItem.rowCount).flatMap { i in
            byItem.range(ofRow: i).map { t in byItem.values[t] - baseline.baseline(user: byItem.columns[t], item: Int32(i)) }
        }
        var sims = [Float](repeating: 0, count: ni * ni)
        sims.withUnsafeMutableBufferPointer { sb in
            let out = UnsafeSendableBox(sb.baseAddress!)
            let chunks = max(1, min(threads, ni / 32 + 1))
            ComputePool.forEachChunk(count: ni, chunks: chunks) { _, range in
                var prod = [Float](repeating: 0, count: ni), sqi = prod, sqj = prod
                var freq = [Int32](repeating: 0, count: ni)
                userResiduals.withUnsafeBufferPointer { ur in
                    itemResiduals.withUnsafeBufferPointer { ir in
                        byUser.columns.withUnsafeBufferPointer { ucols in
                            byItem.columns.withUnsafeBufferPointer { icols in
                                prod.withUnsafeMutableBufferPointer { prod in
                                    sqi.withUnsafeMutableBufferPointer { sqi in
                                        sqj.withUnsafeMutableBufferPointer { sqj in
                                            freq.withUnsafeMutableBufferPointer { freq in
                                                for i in range {
                                                    for x in 0..<ni { prod[x] = 0; sqi[x] = 0; sqj[x] = 0; freq[x] = 0 }
                                                    for t in byItem.rowOffsets[i]..<byItem.rowOffsets[i + 1] {
                                                        let u = Int(icols[t]), a = ir[t], a2 = a * a
                                                        for s in byUser.rowOffsets[u]..<byUser.rowOffsets[u + 1] {
                                                            let j = Int(ucols[s]), b = ur[s]
                                                            prod[j] += a * b; sqi[j] += a2; sqj[j] += b * b; freq[j] += 1
                                                        }
                                                    }
                                                    let row = out.value + i * ni
                                                    for j in 0..<ni {
                                                        let n = freq[j]
                                                        if n < 2 { row[j] = 0; continue }
                                                        let denominator = (sqi[j] * sqj[j]).squareRoot()
                                                        let pearson = denominator > 0 ? prod[j] / denominator : 0
                                                        row[j] = pearson * Float(n - 1) / (Float(n - 1) + shrinkage)
                                                    }
                                                    row[i] = 1
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return sims
    }

    /// The neighbourhood estimate for item `item` from `(j, ρ_j)` pairs of the user's rated items.
    func neighborhoodAdjustment(item: Int32, rated: UnsafeBufferPointer<Int32>, residual: (Int) -> Float) -> Float {
        let ni = baseline.itemBias.count
        // No more heap slots than rated items: a k beyond them keeps every one, as k = their count does.
        let k = min(neighbors, rated.count)
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: k) { heapSim in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: k) { heapRes in
                // a min-heap on similarity holding the k largest
                var count = 0
                let row = Int(item) * ni
                similarityStorage.withUnsafeBufferPointer { sims in
                    for (t, j) in rated.enumerated() where j != item {
                        let s = sims[row + Int(j)]
                        if count < k {
                            var c = count; count += 1
                            heapSim[c] = s; heapRes[c] = residual(t)
                            while c > 0 {
                                let parent = (c - 1) / 2
                                if heapSim[parent] <= heapSim[c] { break }
                                heapSim.swapAt(parent, c); heapRes.swapAt(parent, c); c = parent
                            }
                        } else if s > heapSim[0] {
                            heapSim[0] = s; heapRes[0] = residual(t)
                            var c = 0
                            while true {
                                let l = 2 * c + 1, r = l + 1
                                var m = c
                                if l < k && heapSim[l] < heapSim[m] { m = l }
                                if r < k && heapSim[r] < heapSim[m] { m = r }
                                if m == c { break }
                                heapSim.swapAt(m, c); heapRes.swapAt(m, c); c = m
                            }
                        }
                    }
                }
                var sumSim: Float = 0, sumRes: Float = 0, actual = 0
                for x in 0..<count where heapSim[x] > 0 {
                    sumSim += heapSim[x]; sumRes += heapSim[x] * heapRes[x]; actual += 1
                }
                guard actual >= minNeighbors, sumSim != 0 else { return 0 }
                return sumRes / sumSim
            }
        }
    }

    /// The predicted rating, clipped; unknown users or items get the baseline.
    public func predict(user: UserIndex, item: ItemIndex) -> Float { clip(rawPrediction(user: user.rawValue, item: item.rawValue), ratingRange) }

    func rawPrediction(user: Int32, item: Int32) -> Float {
        let b = baseline.baseline(user: user, item: item)
        guard user >= 0, Int(user) < baseline.userBias.count, baseline.userCounts[Int(user)] > 0,
              item >= 0, Int(item) < baseline.itemBias.count, baseline.itemCounts[Int(item)] > 0 else { return b }
        let seen = metadata.seen
        let range = seen.range(ofRow: Int(user))
        let adjustment = seen.columns.withUnsafeBufferPointer { cols in
            seen.values.withUnsafeBufferPointer { vals in
                neighborhoodAdjustment(item: item, rated: UnsafeBufferPointer(rebasing: cols[range])) { t in
                    vals[range.lowerBound + t] - baseline.baseline(user: user, item: cols[range.lowerBound + t])
                }
            }
        }
        return b + adjustment
    }

    /// The unclipped prediction for every item (ranking order; ``predict(user:item:)`` clips).
    public func scores(forUser user: UserIndex) -> [Float] {
        (0..<baseline.itemBias.count).map { rawPrediction(user: user.rawValue, item: Int32($0)) }
    }

    /// Fold-in: no user parameters but b_u, folded in by the baseline
    /// (``BaselineModel/foldInBias(_:)``); the neighbourhood uses the history directly.
    /// Unclipped predictions for every item.
    public func scores(forHistory history: [(item: ItemIndex, rating: Float)]) -> [Float] {
        let known = history.filter { $0.item >= 0 && Int($0.item) < baseline.itemBias.count && baseline.itemCounts[Int($0.item)] > 0 }
        let bu = baseline.foldInBias(known)
        let items = known.map(\.item.rawValue)
        let residuals = known.map { $0.rating - baseline.baseline(user: -1, item: $0.item.rawValue) - bu }
        return items.withUnsafeBufferPointer { rated in
            (0..<baseline.itemBias.count).map { i in
                let b = baseline.baseline(user: -1, item: Int32(i)) + bu
                guard baseline.itemCounts[i] > 0 else { return b }
                return b + neighborhoodAdjustment(item: Int32(i), rated: rated) { residuals[$0] }
            }
        }
    }

    public static var kind: String { "knn-baseline" }
    /// The largest k and minimum k a model takes (the hyper-parameter table's bound, and a model file's).
    public static let neighbourLimit = 100_000
    public func archive() -> ModelArchive {
        var a = baseline.archive()
        a.kind = Self.kind
        a.set("similarities", .floats(similarityStorage))
        a.set("neighbors", .int(Int64(neighbors)))
        a.set("min_neighbors", .int(Int64(minNeighbors)))
        return a
    }
    public init(archive: ModelArchive, path: String) throws {
        let base = try BaselineModel(archive: archive, path: path)
        let ni = base.itemBias.count
        let sims = try archive.floats("similarities", count: ni * ni, path: path)
        let k = try archive.int("neighbors", path: path), minK = try archive.int("min_neighbors", path: path)
        guard (1...Self.neighbourLimit).contains(k), (0...Self.neighbourLimit).contains(minK) else {
            throw PersistenceError.badSection(path: path, name: "neighbors",
                                              reason: "k \(k) must be in 1...\(Self.neighbourLimit) and min_k \(minK) in 0...\(Self.neighbourLimit)")
        }
        self.init(baseline: base, similarities: sims, neighbors: k, minNeighbors: minK)
    }
}

/// The trainer of ``KNNBaselineModel`` (`knn-baseline` in the catalog).
public struct KNNBaseline: Trainer {
    public var configuration: KNNBaselineModel.Configuration
    public init(_ configuration: KNNBaselineModel.Configuration = .default) { self.configuration = configuration }

    public var name: String { "knn-baseline" }
    public var summary: String { "item-based k-NN on baseline residuals, Pearson-baseline similarity (Koren 2010)" }
    public var task: AlgorithmTask { .rating }
    public var parameters: [HyperparameterSpec] {
        let c = configuration
        return [
            .integer("neighbours", 1...KNNBaselineModel.neighbourLimit, default: c.neighbors, help: "the most similar rated items used per prediction", symbol: "k",
                     aliases: ["k", "neighbors"]),
            .integer("min-neighbours", 0...KNNBaselineModel.neighbourLimit, default: c.minNeighbors, help: "fewer usable neighbours than this: the baseline alone",
                     aliases: ["min_k"]),
            .real("shrinkage", 0...1e9, default: Double(c.shrinkage), help: "shrinks similarities of items with few common users"),
            .real("user-regularization", 0...100_000, default: Double(c.baseline.userRegularization), help: "baseline λ_u",
                  symbol: "λ_u", aliases: ["reg_u"]),
            .real("item-regularization", 0...100_000, default: Double(c.baseline.itemRegularization), help: "baseline λ_i",
                  symbol: "λ_i", aliases: ["reg_i"]),
            .integer("epochs", 0...100_000, default: c.baseline.epochs, help: "baseline ALS passes"),
        ]
    }

    public func configured(_ r: HyperparameterReader) throws -> KNNBaselineModel.Configuration {
        var c = configuration
        c.neighbors = r.integer("neighbours")!
        c.minNeighbors = r.integer("min-neighbours")!
        c.shrinkage = r.float("shrinkage")!
        c.baseline.userRegularization = r.float("user-regularization")!
        c.baseline.itemRegularization = r.float("item-regularization")!
        c.baseline.epochs = r.integer("epochs")!
        return c
    }

    public func fit(_ data: TrainingData, context: FitContext) throws -> KNNBaselineModel {
        var c = configuration
        c.baseline.seed = context.resolvedSeed(default: c.baseline.seed)
        if let threads = context.threads { c.threads = threads }
        return try c.fit(data.interactions, options: RatingFitOptions(data, context))
    }
}
