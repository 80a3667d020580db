/// A fitted ``BayesianFactorizationMachine``: the posterior samples of every user's and
/// item's aggregate vector, ready for prediction, scoring and fold-in.
///
/// Prediction (known user u and item i): the average over the kept samples s of
/// ŷ_s(u, i) = θ^s_u,0 + θ^s_i,0 + Σ_f θ^s_u,f θ^s_i,f, computed as one dot product of the
/// concatenated per-sample vectors ((θ_u,0, 1, θ_u,1…k)/S and (1, θ_i,0, θ_i,1…k)), then
/// clipped to the rating scale. Users or items that had no training ratings still get the
/// prediction of their side features (and the prior of their id); indices outside the
/// model fall back to the posterior-mean biases (w₀ + item bias, user bias, or w₀).
public struct BayesianFactorizationMachineModel: RatingPredictor, ItemScorer, HistoryScorer, PersistableModel {
    /// The stored posterior summaries.
    struct Parameters: Sendable, Equatable {
        var rank: Int
        var sampleCount: Int
        /// users × (S · (k + 2)), already divided by S.
        var userVectors: [Float]
        /// items × (S · (k + 2)).
        var itemVectors: [Float]
        /// Posterior means of θ_u and θ_i (users × (k + 1), items × (k + 1)).
        var userMeans: [Float]
        var itemMeans: [Float]
        /// Posterior means of the implicit-feedback features φ_j of each item (items × (k + 1)), or empty.
        var implicitMeans: [Float]
        var implicitNormalization: BayesianFactorizationMachine.ImplicitNormalization
        /// Posterior means of w₀, of α and of the user-id group's prior (μ, λ).
        var globalBias: Float
        var noisePrecision: Float
        var userPriorMean: [Float]
        var userPriorPrecision: [Float]
    }

    /// The algorithm name in model files: `"best"`.
    public static let kind = "bayesian-fm"
    /// Files written before the catalog named this kind `best`.
    public static let formerKinds = ["best"]
    /// The id maps, catalog, seen items and rating scale of the training data.
    public let metadata: ModelMetadata
    let parameters: Parameters

    init(metadata: ModelMetadata, parameters: Parameters) {
        self.metadata = metadata
        self.parameters = parameters
    }

    /// The number of latent factors k.
    public var rank: Int { parameters.rank }
    /// The number of posterior samples averaged by ``predict(user:item:)``.
    public var sampleCount: Int { parameters.sampleCount }
    /// The number of items the model scores.
    public var itemCount: Int { metadata.itemIDs.count }
    /// The number of users the model knows.
    public var userCount: Int { metadata.userIDs.count }
    var width: Int { parameters.sampleCount * (parameters.rank + 2) }
    var D: Int { parameters.rank + 1 }

    @inline(__always) func clip(_ x: Float) -> Float {
        guard let scale = metadata.ratingScale else { return x }
        return min(max(x, scale.lowerBound), scale.upperBound)
    }

    /// The posterior-mean prediction of `item` by `user`, clipped to the rating scale.
    /// - Complexity: O(S · k).
    public func predict(user: UserIndex, item: ItemIndex) -> Float {
        let u = Int(user), i = Int(item)
        let knownUser = u >= 0 && u < userCount, knownItem = i >= 0 && i < itemCount
        switch (knownUser, knownItem) {
        case (true, true):
            let w = width
            return parameters.userVectors.withUnsafeBufferPointer { up in
                parameters.itemVectors.withUnsafeBufferPointer { ip in
                    clip(Self.dot(up.baseAddress! + u * w, ip.baseAddress! + i * w, w))
                }
            }
        case (false, true): return clip(parameters.globalBias + parameters.itemMeans[i * D])
        case (true, false): return clip(parameters.userMeans[u * D])
        case (false, false): return clip(parameters.globalBias)
        }
    }

    /// The predicted rating of every item for a known user (higher first when ranking).
    /// - Complexity: O(items · S · k).
    public func scores(forUser user: UserIndex) -> [Float] {
        (0..<itemCount).map { predict(user: user, item: ItemIndex($0)) }
    }

    /// Fold-in: the predicted rating of every item for a new user who rated `history`,
    /// without refitting.
    ///
    /// The user's vector is θ = (w̄₀, 0) + Σ_{j ∈ history} x_j φ̄_j (the posterior-mean
    /// implicit features) + φ_id, where φ_id is the posterior mean of the user-id features
    /// given the posterior-mean item vectors θ̄_i — a ridge regression with the user-id
    /// group's prior: (diag λ̄ + ᾱ Σ z zᵀ) φ_id = λ̄ ⊙ μ̄ + ᾱ Σ z (r − θ̄_i,0 − zᵀθ_rest), z = (1, θ̄_i,1…k).
    /// Scores are θ_0 + θ̄_i,0 + Σ_f θ_f θ̄_i,f, clipped. Items outside the model are ignored.
    /// - Complexity: O(|history| k² + k³ + items · k).
    public func scores(forHistory history: [(item: ItemIndex, rating: Float)]) -> [Float] {
        let D = self.D, p = parameters
        let valid = history.filter { $0.item >= 0 && Int($0.item) < itemCount }
        var theta = [Double](repeating: 0, count: D)
        theta[0] = Double(p.globalBias)
        if !p.implicitMeans.isEmpty, !valid.isEmpty {
            let distinct = Array(Set(valid.map(\.item))).sorted()
            let x: Double = p.implicitNormalization == .sqrt ? 1 / Double(distinct.count).squareRoot() : 1 / Double(distinct.count)
            for j in distinct { for f in 0..<D { theta[f] += x * Double(p.implicitMeans[Int(j) * D + f]) } }
        }
        var A = [Double](repeating: 0, count: D * D), b = [Double](repeating: 0, count: D)
        let alpha = Double(p.noisePrecision)
        for a in 0..<D {
            A[a * D + a] = Double(p.userPriorPrecision[a])
            b[a] = Double(p.userPriorPrecision[a]) * Double(p.userPriorMean[a])
        }
        for (item, rating) in valid {
            let q = Int(item) * D
            var z = [Double](repeating: 1, count: D)
            for f in 1..<D { z[f] = Double(p.itemMeans[q + f]) }
            var residual = Double(rating) - Double(p.itemMeans[q])
            for f in 0..<D { residual -= z[f] * theta[f] }
            for a in 0..<D {
                b[a] += alpha * z[a] * residual
                for c in 0..<D { A[a * D + c] += alpha * z[a] * z[c] }
            }
        }
        let id = Self.solveSymmetric(A, b, D)
        for f in 0..<D { theta[f] += id[f] }
        return (0..<itemCount).map { i in
            var s = theta[0] + Double(p.itemMeans[i * D])
            for f in 1..<D { s += theta[f] * Double(p.itemMeans[i * D + f]) }
            return clip(Float(s))
        }
    }

    /// Solves A x = b for a symmetric positive definite A (Cholesky).
    static func solveSymmetric(_ matrix: [Double], _ b: [Double], _ n: Int) -> [Double] {
        var L = matrix
        for a in 0..<n {
            for c in 0...a {
                var s = L[a * n + c]
                for k in 0..<c { s -= L[a * n + k] * L[c * n + k] }
                if a == c { L[a * n + a] = max(s, 1e-12).squareRoot() } else { L[a * n + c] = s / L[c * n + c] }
            }
        }
        var y = [Double](repeating: 0, count: n)
        for a in 0..<n {
            var s = b[a]
            for k in 0..<a { s -= L[a * n + k] * y[k] }
            y[a] = s / L[a * n + a]
        }
        var x = [Double](repeating: 0, count: n)
        for a in stride(from: n - 1, through: 0, by: -1) {
            var s = y[a]
            for k in (a + 1)..<n { s -= L[k * n + a] * x[k] }
            x[a] = s / L[a * n + a]
        }
        return x
    }

    @inline(__always) static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        Kernels.dot(a, b, n)
    }

    // MARK: persistence

    /// The model as an archive: the per-sample vectors, posterior means and metadata.
    public func archive() -> ModelArchive {
        var a = ModelArchive(kind: Self.kind)
        a.store(metadata)
        let p = parameters
        a.set("bfm.rank", .int(Int64(p.rank)))
        a.set("bfm.sample_count", .int(Int64(p.sampleCount)))
        a.set("bfm.user_vectors", .floats(p.userVectors))
        a.set("bfm.item_vectors", .floats(p.itemVectors))
        a.set("bfm.user_means", .floats(p.userMeans))
        a.set("bfm.item_means", .floats(p.itemMeans))
        a.set("bfm.implicit_means", .floats(p.implicitMeans))
        a.set("bfm.implicit_normalization", .string(p.implicitNormalization.rawValue))
        a.set("bfm.scalars", .floats([p.globalBias, p.noisePrecision]))
        a.set("bfm.user_prior_mean", .floats(p.userPriorMean))
        a.set("bfm.user_prior_precision", .floats(p.userPriorPrecision))
        return a
    }

    /// Reads a model written by ``archive()``, checking every section's size.
    /// - Throws: ``PersistenceError`` when a section is missing or inconsistent.
    public init(archive a: ModelArchive, path: String) throws {
        let metadata = try a.metadata(path: path)
        let rank = Int(try a.int("bfm.rank", path: path)), samples = Int(try a.int("bfm.sample_count", path: path))
        guard rank >= 1, rank <= 256, samples >= 1, samples <= 100_000 else {
            throw PersistenceError.badSection(path: path, name: "bfm.rank", reason: "rank \(rank) or sample count \(samples) out of range")
        }
        let users = metadata.userIDs.count, items = metadata.itemIDs.count, D = rank + 1
        let width = samples * (rank + 2)
        let userVectors = try a.floats("bfm.user_vectors", count: users * width, path: path)
        let itemVectors = try a.floats("bfm.item_vectors", count: items * width, path: path)
        let userMeans = try a.floats("bfm.user_means", count: users * D, path: path)
        let itemMeans = try a.floats("bfm.item_means", count: items * D, path: path)
        let implicitMeans = try a.floats("bfm.implicit_means", path: path)
        guard implicitMeans.isEmpty || implicitMeans.count == items * D else {
            throw PersistenceError.badSection(path: path, name: "bfm.implicit_means", reason: "expected 0 or \(items * D) values, found \(implicitMeans.count)")
        }
        let normName = try a.string("bfm.implicit_normalization", path: path)
        guard let normalization = BayesianFactorizationMachine.ImplicitNormalization(rawValue: normName) else {
            throw PersistenceError.badSection(path: path, name: "bfm.implicit_normalization", reason: "unknown value '\(normName)'")
        }
        let scalars = try a.floats("bfm.scalars", count: 2, path: path)
        let priorMean = try a.floats("bfm.user_prior_mean", count: D, path: path)
        let priorPrecision = try a.floats("bfm.user_prior_precision", count: D, path: path)
        self.init(metadata: metadata, parameters: Parameters(
            rank: rank, sampleCount: samples, userVectors: userVectors, itemVectors: itemVectors,
            userMeans: userMeans, itemMeans: itemMeans, implicitMeans: implicitMeans, implicitNormalization: normalization,
            globalBias: scalars[0], noisePrecision: scalars[1], userPriorMean: priorMean, userPriorPrecision: priorPrecision))
    }
}
