/// `baseline`: the global mean plus a user bias and an item bias (Surprise's BaselineOnly).
///
/// **Prediction rule.** r̂_ui = μ + b_u + b_i, clipped to the rating scale; an unknown user
/// has b_u = 0, an unknown item b_i = 0.
///
/// **Loss.** Σ_(u,i) (r_ui − μ − b_u − b_i)² + λ_u Σ_u b_u² + λ_i Σ_i b_i².
///
/// **Updates.**
/// - ALS (default): alternately, with the other biases fixed,
///   b_u ← Σ_{i∈R(u)} (r_ui − μ − b_i) / (λ_u + |R(u)|), then
///   b_i ← Σ_{u∈R(i)} (r_ui − μ − b_u) / (λ_i + |R(i)|) — each step is the exact minimiser.
/// - SGD: for each rating in shuffled order, e = r_ui − r̂_ui, b_u ← b_u + γ (e − λ b_u),
///   b_i ← b_i + γ (e − λ b_i) (one λ, as Surprise).
///
/// **Defaults.** ALS, 10 epochs, λ_u = λ_i = 5 (chosen by `recommender tune --algorithm baseline
/// --grid "reg_u=5,10,15;reg_i=5,10,15;epochs=10,20" --folds 5`: RMSE 0.9410 on ML-100K 5-fold,
/// against 0.9445 with Surprise's λ_u = 15, λ_i = 10, kept as ``Configuration/surprise``);
/// SGD (``Configuration/defaultSGD``, Surprise's): 20 epochs, γ = 0.005, λ = 0.02.
/// Tip: the ALS fit needs no tuning and takes milliseconds; larger λ shrinks the biases of
/// users and items with few ratings towards 0.
///
/// **Paper.** Y. Koren, "Factor in the neighbors: scalable and accurate collaborative
/// filtering", ACM TKDD 4(1), 2010, section 2.1.
public struct BaselineModel: RatingModel, Equatable {
    /// How the baseline is fitted.
    public struct Configuration: RatingModelConfiguration, Equatable, Codable {
        /// The fitting method.
        public enum Method: String, Sendable, Codable, CaseIterable {
            /// Alternating least squares (exact minimisation of one side at a time).
            case als
            /// Stochastic gradient descent over shuffled ratings.
            case sgd
        }
        /// ALS or SGD. Default ALS.
        public var method: Method = .als
        /// Passes over the data. Default 10 (ALS); `.defaultSGD` uses 20.
        public var epochs: Int = 10
        /// λ_u for ALS (also used by fold-in). Default 5.
        public var userRegularization: Float = 5
        /// λ_i for ALS. Default 5.
        public var itemRegularization: Float = 5
        /// γ for SGD. Default 0.005.
        public var learningRate: Float = 0.005
        /// λ for SGD. Default 0.02.
        public var sgdRegularization: Float = 0.02
        /// Seed of the SGD shuffles. Default 0.
        public var seed: UInt64 = 0

        /// The documented defaults (ALS, 10 epochs, λ_u = λ_i = 5).
        public static let `default` = Configuration()
        /// Surprise's BaselineOnly defaults (ALS, 10 epochs, λ_u 15, λ_i 10).
        public static let surprise = Configuration(userRegularization: 15, itemRegularization: 10)
        /// Surprise's BaselineOnly SGD defaults (20 epochs, γ 0.005, λ 0.02).
        public static let defaultSGD = Configuration(method: .sgd, epochs: 20)

        /// Creates a configuration (every argument defaults to ``default``).
        public init(method: Method = .als, epochs: Int = 10, userRegularization: Float = 5, itemRegularization: Float = 5,
                    learningRate: Float = 0.005, sgdRegularization: Float = 0.02, seed: UInt64 = 0) {
            self.method = method; self.epochs = epochs; self.userRegularization = userRegularization
            self.itemRegularization = itemRegularization; self.learningRate = learningRate
            self.sgdRegularization = sgdRegularization; self.seed = seed
        }

        /// Fits the biases.
        /// - Complexity: O(epochs × ratings).
        package func fit(_ training: Interactions, options: RatingFitOptions) throws -> BaselineModel {
            guard epochs >= 0 else { throw TrainingError.invalidInput("epochs must be >= 0") }
            let stats = try RatingStatistics(training, options: options)
            var bu = [Float](repeating: 0, count: training.userCount)
            var bi = [Float](repeating: 0, count: training.itemCount)
            switch method {
            case .als:
                BaselineModel.fitALS(training, mean: stats.mean, epochs: epochs, userRegularization: userRegularization,
                                     itemRegularization: itemRegularization, userBias: &bu, itemBias: &bi)
                var loop = EpochLoop(epochs: epochs, earlyStopping: nil, observer: options.observer)
                if epochs > 0 {
                    var sse = 0.0
                    for k in 0..<training.count {
                        let d = Double(training.ratings[k] - stats.mean - bu[Int(training.users[k])] - bi[Int(training.items[k])])
                        sse += d * d
                    }
                    let partial = BaselineModel(mean: stats.mean, userBias: bu, itemBias: bi, ratingRange: stats.range, metadata: stats.metadata)
                    _ = try loop.finish(epoch: epochs, trainingSSE: sse, count: training.count,
                                        validationRMSE: validationRMSE(options.validation, partial.predict))
                }
            case .sgd:
                try fitSGD(training, stats: stats, options: options, userBias: &bu, itemBias: &bi)
            }
            let model = BaselineModel(mean: stats.mean, userBias: bu, itemBias: bi, ratingRange: stats.range, metadata: stats.metadata,
                                      userRegularization: userRegularization)
            try requireFinite(model, iteration: epochs, hint: "lower the learning rate (lr = \(learningRate)) or raise the regularization (reg_u = \(userRegularization), reg_i = \(itemRegularization))")
            return model
        }

        private func fitSGD(_ training: Interactions, stats: RatingStatistics, options: RatingFitOptions,
                            userBias bu: inout [Float], itemBias bi: inout [Float]) throws {
            var generator = SeededGenerator(seed: seed)
            var order = Array(0..<training.count)
            var loop = EpochLoop(epochs: epochs, earlyStopping: options.earlyStopping, observer: options.observer)
            var best = (bu, bi)
            let mu = stats.mean, lr = learningRate, reg = sgdRegularization
            for epoch in (0..<epochs).map({ $0 + 1 }) {
                generator.shuffle(&order)
                var sse = 0.0
                training.users.withUnsafeBufferPointer { us in
                    training.items.withUnsafeBufferPointer { its in
                        training.ratings.withUnsafeBufferPointer { rs in
                            bu.withUnsafeMutableBufferPointer { bu in
                                bi.withUnsafeMutableBufferPointer { bi in
                                    for k in order {
                                        let u = Int(us[k]), i = Int(its[k])
                                        let e = rs[k] - mu - bu[u] - bi[i]
                                        sse += Double(e * e)
                                        bu[u] += lr * (e - reg * bu[u])
                                        bi[i] += lr * (e - reg * bi[i])
                                    }
                                }
                            }
                        }
                    }
                }
                let current = BaselineModel(mean: mu, userBias: bu, itemBias: bi, ratingRange: stats.range, metadata: stats.metadata)
                let (isBest, stop) = try loop.finish(epoch: epoch, trainingSSE: sse, count: training.count,
                                                     validationRMSE: validationRMSE(options.validation, current.predict))
                if isBest { best = (bu, bi) }
                if stop { break }
            }
            if options.earlyStopping != nil, loop.bestEpoch > 0 { (bu, bi) = best }
        }
    }

    /// μ, the global mean of the training ratings.
    public let mean: Float
    /// b_u per user index.
    public let userBias: [Float]
    /// b_i per item index.
    public let itemBias: [Float]
    public let ratingRange: ClosedRange<Float>
    public let metadata: ModelMetadata
    /// Training ratings per user / item (0 = unknown: its bias is not used).
    let userCounts: [Int32]
    let itemCounts: [Int32]
    /// λ_u used by fold-in.
    var userRegularization: Float = 15

    init(mean: Float, userBias: [Float], itemBias: [Float], ratingRange: ClosedRange<Float>, metadata: ModelMetadata,
         userRegularization: Float = 15) {
        self.mean = mean; self.userBias = userBias; self.itemBias = itemBias
        self.ratingRange = ratingRange; self.metadata = metadata
        (userCounts, itemCounts) = metadata.ratingCounts()
        self.userRegularization = userRegularization
    }

    /// The unclipped baseline μ + b_u + b_i (a bias counts only for a user / item seen in training).
    @inline(__always)
    func baseline(user: Int32, item: Int32) -> Float {
        var x = mean
        if user >= 0, Int(user) < userBias.count, userCounts[Int(user)] > 0 { x += userBias[Int(user)] }
        if item >= 0, Int(item) < itemBias.count, itemCounts[Int(item)] > 0 { x += itemBias[Int(item)] }
        return x
    }

    /// The predicted rating (clipped); unknown users or items drop their bias.
    public func predict(user: UserIndex, item: ItemIndex) -> Float { clip(baseline(user: user.rawValue, item: item.rawValue), ratingRange) }

    /// μ + b_u + b_i for every item, unclipped (ranking order; ``predict(user:item:)`` clips).
    public func scores(forUser user: UserIndex) -> [Float] {
        (0..<itemBias.count).map { baseline(user: user.rawValue, item: Int32($0)) }
    }

    /// Fold-in: the new user's bias b_u = Σ (r − μ − b_i) / (λ_u + n) (the ALS user step),
    /// then μ + b_u + b_i for every item, unclipped.
    public func scores(forHistory history: [(item: ItemIndex, rating: Float)]) -> [Float] {
        let b = foldInBias(history)
        return (0..<itemBias.count).map { baseline(user: -1, item: Int32($0)) + b }
    }

    /// The bias of a new user who gave `history` (the ALS user step against frozen item biases).
    public func foldInBias(_ history: [(item: ItemIndex, rating: Float)]) -> Float {
        var s: Float = 0, n: Float = 0
        for (i, r) in history where i >= 0 && Int(i) < itemBias.count {
            s += r - baseline(user: -1, item: i.rawValue); n += 1
        }
        return n > 0 ? s / (userRegularization + n) : 0
    }

    static func fitALS(_ training: Interactions, mean mu: Float, epochs: Int, userRegularization: Float, itemRegularization: Float,
                       userBias bu: inout [Float], itemBias bi: inout [Float]) {
        var sum = [Float](repeating: 0, count: max(bu.count, bi.count))
        var count = [Float](repeating: 0, count: sum.count)
        let n = training.count
        for _ in 0..<epochs {
            // users first, then items (Surprise's order)
            for x in 0..<sum.count { sum[x] = 0; count[x] = 0 }
            for k in 0..<n {
                let u = Int(training.users[k])
                sum[u] += training.ratings[k] - mu - bi[Int(training.items[k])]; count[u] += 1
            }
            for u in 0..<bu.count { bu[u] = sum[u] / (userRegularization + count[u]) }
            for x in 0..<sum.count { sum[x] = 0; count[x] = 0 }
            for k in 0..<n {
                let i = Int(training.items[k])
                sum[i] += training.ratings[k] - mu - bu[Int(training.users[k])]; count[i] += 1
            }
            for i in 0..<bi.count { bi[i] = sum[i] / (itemRegularization + count[i]) }
        }
    }

    // MARK: persistence

    public static var kind: String { "baseline" }

    public func archive() -> ModelArchive {
        var a = ModelArchive(kind: Self.kind)
        a.storeRatingCommon(mean: mean, range: ratingRange, metadata: metadata)
        a.set("user_bias", .floats(userBias))
        a.set("item_bias", .floats(itemBias))
        a.set("user_regularization", .double(Double(userRegularization)))
        return a
    }

    public init(archive: ModelArchive, path: String) throws {
        let common = try archive.ratingCommon(path: path)
        let bu = try archive.floats("user_bias", count: common.metadata.userIDs.count, path: path)
        let bi = try archive.floats("item_bias", count: common.metadata.itemIDs.count, path: path)
        let lambda = Float(try archive.double("user_regularization", path: path))
        self.init(mean: common.mean, userBias: bu, itemBias: bi, ratingRange: common.range, metadata: common.metadata,
                  userRegularization: lambda)
    }
}

/// The trainer of ``BaselineModel`` (`baseline` in the catalog): user and item biases by ALS or SGD.
///
/// Table rules kept from the command line: setting `learning-rate` without `method` selects SGD
/// (ALS has no learning rate); `epochs` defaults to 10 for ALS and 20 for SGD; for ALS,
/// `regularization` sets both λ_u and λ_i unless those are set themselves.
public struct Baseline: Trainer {
    public var configuration: BaselineModel.Configuration
    public init(_ configuration: BaselineModel.Configuration = .default) { self.configuration = configuration }

    public var name: String { "baseline" }
    public var summary: String { "global mean + user and item biases (Koren 2010, Surprise's BaselineOnly)" }
    public var task: AlgorithmTask { .rating }
    public var usesValidation: Bool { true }
    public var parameters: [HyperparameterSpec] {
        let c = configuration
        return [
            .choice("method", BaselineModel.Configuration.Method.self, default: c.method,
                    help: "als (exact alternating solves) or sgd; learning-rate alone selects sgd"),
            .integer("epochs", 0...100_000, default: nil, help: "passes over the data (default 10 for als, 20 for sgd)"),
            .real("user-regularization", 0...100_000, default: Double(c.userRegularization), help: "ALS penalty on user biases",
                  symbol: "λ_u", aliases: ["reg_u", "user_reg"]),
            .real("item-regularization", 0...100_000, default: Double(c.itemRegularization), help: "ALS penalty on item biases",
                  symbol: "λ_i", aliases: ["reg_i", "item_reg"]),
            .real("learning-rate", 0...10, exclusiveLowerBound: true, default: Double(c.learningRate), help: "SGD step size", symbol: "γ",
                  aliases: ["lr"]),
            .real("regularization", 0...100_000, default: Double(c.sgdRegularization),
                  help: "SGD penalty on the biases (for als: sets both user- and item-regularization)", symbol: "λ", aliases: ["reg"]),
        ]
    }

    public func configured(_ r: HyperparameterReader) throws -> BaselineModel.Configuration {
        var c = configuration
        if r.isSet("method") { c.method = r.choice("method")! } else if r.isSet("learning-rate") { c.method = .sgd }
        c.epochs = r.integer("epochs") ?? (c.method == configuration.method ? c.epochs : (c.method == .sgd ? 20 : 10))
        c.userRegularization = r.float("user-regularization")!
        c.itemRegularization = r.float("item-regularization")!
        c.learningRate = r.float("learning-rate")!
        c.sgdRegularization = r.float("regularization")!
        if c.method == .als, r.isSet("regularization") {
            if !r.isSet("user-regularization") { c.userRegularization = c.sgdRegularization }
            if !r.isSet("item-regularization") { c.itemRegularization = c.sgdRegularization }
        }
        return c
    }

    public func fit(_ data: TrainingData, context: FitContext) throws -> BaselineModel {
        var c = configuration
        c.seed = context.resolvedSeed(default: c.seed)
        return try c.fit(data.interactions, options: RatingFitOptions(data, context))
    }
}
