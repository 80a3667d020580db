import Foundation

/// t-distributed stochastic neighbour embedding (t-SNE): a 2-D map of high-dimensional
/// points in which points that are close in the original space stay close.
///
/// The algorithm (van der Maaten & Hinton, "Visualizing Data using t-SNE", JMLR 2008), as
/// scikit-learn's `sklearn.manifold.TSNE` runs it, which is what the notebook calls:
/// 1. **Affinities.** For each point i, a Gaussian over its distances dᵢⱼ,
///    pⱼ|ᵢ = exp(−βᵢ·dᵢⱼ) / Σₖ exp(−βᵢ·dᵢₖ), with βᵢ found by binary search so that the
///    entropy H(Pᵢ) = −Σⱼ pⱼ|ᵢ ln pⱼ|ᵢ equals ln(perplexity). Distances are cosine distances
///    (1 − cos) or squared Euclidean distances. With ``Affinities/nearestNeighbors`` (the
///    default, as scikit-learn's default Barnes–Hut method) only the ⌊3·perplexity⌋ + 1
///    nearest neighbours of each point get a non-zero pⱼ|ᵢ; with ``Affinities/exact``
///    every other point does. Then pᵢⱼ = (pⱼ|ᵢ + pᵢ|ⱼ) / Σ (symmetric, sums to 1).
/// 2. **Initialisation.** PCA: the points' projection on their first two principal axes,
///    scaled so that the first coordinate has standard deviation 10⁻⁴ (scikit-learn's
///    `init="pca"`), or N(0, 10⁻⁴²) at random.
/// 3. **Optimisation.** The map Y minimises KL(P‖Q) = Σ pᵢⱼ ln(pᵢⱼ / qᵢⱼ), with
///    wᵢⱼ = 1 / (1 + ‖yᵢ − yⱼ‖²), Z = Σₖ≠ₗ wₖₗ, qᵢⱼ = wᵢⱼ / Z, whose gradient is
///    ∂KL/∂yᵢ = 4 Σⱼ (pᵢⱼ − qᵢⱼ) wᵢⱼ (yᵢ − yⱼ). Gradient descent with momentum and
///    per-coordinate gains (delta-bar-delta: +0.2 when the gradient's sign differs from the
///    last update's, ×0.8 otherwise, never below ``Configuration/minimumGain``); during the
///    first ``Configuration/explorationIterations`` iterations P is multiplied by
///    ``Configuration/earlyExaggeration`` and the momentum is ``Configuration/initialMomentum``,
///    after that P is exact and the momentum ``Configuration/finalMomentum`` (updates and
///    gains restart at that switch, as in scikit-learn).
///
/// The gradient is computed **exactly** (all N² pairs, no Barnes–Hut approximation): a
/// SIMD pass over all pairs for the repulsive part and a pass over the non-zero pᵢⱼ for the
/// attractive part, rows split across threads. Every sum is taken per row in a fixed order,
/// so the result does not depend on the number of threads.
///
/// - Complexity: O(N²·d) time for the affinities, O(N²) time per iteration; O(N·k) memory
///   with k = ⌊3·perplexity⌋ + 1 (O(N²) with ``Affinities/exact``, also about 4× slower).
///   1,682 points of dimension 30 take about 0.4 s of CPU time with the default settings.
public struct TSNE: Sendable {
    /// How distances between the input points are measured.
    public enum Metric: String, Sendable, CaseIterable {
        /// 1 − cos(xᵢ, xⱼ); a zero vector is at distance 1 from everything (the notebook's choice).
        case cosine
        /// ‖xᵢ − xⱼ‖² (scikit-learn squares Euclidean distances before calibrating).
        case euclidean
    }

    /// How the map starts.
    public enum Initialization: String, Sendable, CaseIterable {
        /// Projection on the first two principal axes, scaled so coordinate 1 has std 10⁻⁴.
        case pca
        /// Independent N(0, 10⁻⁴²) coordinates drawn from the seeded generator.
        case random
    }

    /// Which pairs get a non-zero affinity pᵢⱼ.
    public enum Affinities: String, Sendable, CaseIterable {
        /// The ⌊3·perplexity⌋ + 1 nearest neighbours of each point (scikit-learn's default
        /// Barnes–Hut method computes P this way).
        case nearestNeighbors
        /// Every pair (scikit-learn's `method="exact"`); O(N²) memory.
        case exact
    }

    /// The step size of gradient descent.
    public enum LearningRate: Sendable, Equatable {
        /// scikit-learn's `"auto"`: max(N / earlyExaggeration / 4, 50).
        case auto
        /// A fixed learning rate.
        case fixed(Float)
    }

    /// The settings of a t-SNE run.
    ///
    /// ``default`` holds the notebook's settings: perplexity 40, cosine distance, PCA
    /// initialisation, early exaggeration 10 for 250 iterations, 400 iterations in all,
    /// learning rate `auto`, momentum 0.5 then 0.8, minimum gain 0.01, seed 0. Tip: the
    /// perplexity is roughly the number of neighbours each point "sees"; it must be smaller
    /// than the number of points, and 5–50 works for most data.
    public struct Configuration: Sendable, Equatable {
        /// The target perplexity of each point's neighbour distribution (default 40).
        public var perplexity: Double
        /// The input distance (default ``Metric/cosine``).
        public var metric: Metric
        /// How the map starts (default ``Initialization/pca``).
        public var initialization: Initialization
        /// Which pairs get an affinity (default ``Affinities/nearestNeighbors``).
        public var affinities: Affinities
        /// The factor P is multiplied by during the exploration phase (default 10).
        public var earlyExaggeration: Float
        /// The number of exploration iterations, with exaggeration and initial momentum (default 250).
        public var explorationIterations: Int
        /// The total number of iterations, exploration included (default 400).
        public var iterations: Int
        /// The learning rate (default ``LearningRate/auto``).
        public var learningRate: LearningRate
        /// The momentum during exploration (default 0.5).
        public var initialMomentum: Float
        /// The momentum after exploration (default 0.8).
        public var finalMomentum: Float
        /// The smallest per-coordinate gain (default 0.01).
        public var minimumGain: Float
        /// Optimisation stops when the gradient's norm falls below this (default 1e-7).
        public var minimumGradientNorm: Float
        /// The seed of the random initialisation (default 0; PCA initialisation is deterministic).
        public var seed: UInt64
        /// Threads used by the gradient (default: every core; 1 runs on the calling thread).
        /// The result is the same for every thread count.
        public var threads: Int

        /// Creates a configuration; every parameter defaults to the notebook's setting.
        public init(perplexity: Double = 40, metric: Metric = .cosine, initialization: Initialization = .pca,
                    affinities: Affinities = .nearestNeighbors, earlyExaggeration: Float = 10,
                    explorationIterations: Int = 250, iterations: Int = 400, learningRate: LearningRate = .auto,
                    initialMomentum: Float = 0.5, finalMomentum: Float = 0.8, minimumGain: Float = 0.01,
                    minimumGradientNorm: Float = 1e-7, seed: UInt64 = 0, threads: Int = Parallelism.availableCores) {
            self.perplexity = perplexity
            self.metric = metric
            self.initialization = initialization
            self.affinities = affinities
            self.earlyExaggeration = earlyExaggeration
            self.explorationIterations = explorationIterations
            self.iterations = iterations
            self.learningRate = learningRate
            self.initialMomentum = initialMomentum
            self.finalMomentum = finalMomentum
            self.minimumGain = minimumGain
            self.minimumGradientNorm = minimumGradientNorm
            self.seed = seed
            self.threads = threads
        }

        /// The notebook's settings (see ``Configuration``).
        public static var `default`: Configuration { Configuration() }

        /// The learning rate used for `pointCount` points.
        public func effectiveLearningRate(pointCount: Int) -> Float {
            switch learningRate {
            case .fixed(let rate): return rate
            case .auto: return max(Float(pointCount) / earlyExaggeration / 4, 50)
            }
        }
    }

    /// A progress report, sent every 50 iterations and after the last one.
    public struct Progress: Sendable, Equatable {
        /// The number of iterations done (1-based).
        public var iteration: Int
        /// KL(P‖Q) at the positions before this iteration's update (with exaggerated P during exploration).
        public var klDivergence: Double
        /// The Euclidean norm of the gain-scaled gradient (scikit-learn's `grad_norm`).
        public var gradientNorm: Double
        /// Whether P was exaggerated at this iteration.
        public var exaggerated: Bool
    }

    /// The outcome of a run.
    public struct Result: Sendable {
        /// The map: one row (x, y) per input point.
        public var embedding: Matrix
        /// KL(P‖Q) of the final map (with the true P).
        public var klDivergence: Double
        /// The number of iterations run (fewer than asked when the gradient vanished after exploration).
        public var iterations: Int
        /// The progress reports, in order.
        public var history: [Progress]
    }

    /// The settings.
    public var configuration: Configuration

    /// Creates a t-SNE runner.
    public init(configuration: Configuration = .default) { self.configuration = configuration }

    /// Maps the rows of `points` to 2-D.
    /// - Parameters:
    ///   - points: one row per point (for example item embeddings); at least 2 rows.
    ///   - progress: called every 50 iterations and after the last one.
    /// - Returns: the map and its final KL divergence.
    /// - Throws: ``TSNEError`` for too few points, a perplexity not below the number of
    ///   points, a non-finite input value or an invalid setting.
    /// - Complexity: O(N²·d + iterations·N²).
    public func embed(_ points: Matrix, progress: ((Progress) -> Void)? = nil) throws -> Result {
        let c = configuration
        let n = points.rows
        guard n >= 2 else { throw TSNEError.tooFewPoints(count: n) }
        guard c.perplexity > 0, c.perplexity.isFinite else { throw TSNEError.invalidConfiguration("perplexity must be positive, got \(c.perplexity)") }
        guard c.perplexity < Double(n) else { throw TSNEError.perplexityTooLarge(perplexity: c.perplexity, pointCount: n) }
        guard c.iterations >= 1 else { throw TSNEError.invalidConfiguration("iterations must be at least 1, got \(c.iterations)") }
        guard c.explorationIterations >= 0, c.earlyExaggeration >= 1 else {
            throw TSNEError.invalidConfiguration("early exaggeration must be at least 1 and exploration iterations non-negative")
        }
        guard c.effectiveLearningRate(pointCount: n) > 0 else { throw TSNEError.invalidConfiguration("learning rate must be positive") }
        if let bad = points.storage.firstIndex(where: { !$0.isFinite }) {
            throw TSNEError.nonFiniteInput(row: bad / max(points.columns, 1))
        }
        let threads = max(1, c.threads)
        let neighbours = c.affinities == .exact ? n - 1 : min(n - 1, Int(3 * c.perplexity) + 1)
        let p = Self.jointProbabilities(points: points, metric: c.metric, perplexity: c.perplexity, neighbours: neighbours, threads: threads)
        var y = Self.initialMap(points, initialization: c.initialization, seed: c.seed)
        return Self.optimize(p: p, y: &y, configuration: c, threads: threads, progress: progress)
    }
}

/// Errors raised by ``TSNE/embed(_:progress:)``.
public enum TSNEError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer than two points.
    case tooFewPoints(count: Int)
    /// The perplexity is not smaller than the number of points.
    case perplexityTooLarge(perplexity: Double, pointCount: Int)
    /// A point has a NaN or infinite coordinate.
    case nonFiniteInput(row: Int)
    /// A setting is out of range.
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .tooFewPoints(let n): return "t-SNE needs at least 2 points, got \(n)"
        case let .perplexityTooLarge(p, n): return "t-SNE perplexity \(p) must be smaller than the number of points (\(n)); choose a smaller perplexity"
        case .nonFiniteInput(let row): return "t-SNE input row \(row) has a NaN or infinite value"
        case .invalidConfiguration(let message): return "t-SNE: \(message)"
        }
    }
}

// MARK: - Affinities

extension TSNE {
    /// The input rows prepared for distance computations (unit rows for cosine) with their squared norms.
    struct DistanceRows: Sendable {
        let rows: [Float]
        let squaredNorms: [Float]
        let count: Int, dimension: Int
        let metric: Metric

        init(_ x: Matrix, metric: Metric) {
            let n = x.rows, d = x.columns
            var rows = x.storage
            var squaredNorms = [Float](repeating: 0, count: n)
            for i in 0..<n {
                var s: Float = 0
                for k in 0..<d { s += rows[i * d + k] * rows[i * d + k] }
                squaredNorms[i] = s
            }
            if metric == .cosine {
                // Zero vectors stay zero: their dot products are 0, so their distances are 1.
                for i in 0..<n where squaredNorms[i] > 0 {
                    let inv = 1 / squaredNorms[i].squareRoot()
                    for k in 0..<d { rows[i * d + k] *= inv }
                }
            }
            self.rows = rows
            self.squaredNorms = squaredNorms
            count = n
            dimension = d
            self.metric = metric
        }

        /// Writes the distance from row `i` to every row (0 to itself) into `out[0..<count]`.
        func distances(from i: Int, into out: UnsafeMutablePointer<Float>) {
            let n = count, d = dimension
            rows.withUnsafeBufferPointer { xb in
                let x = xb.baseAddress!
                let xi = x + i * d
                for j in 0..<n {
                    let xj = x + j * d
                    var dot: Float = 0
                    for k in 0..<d { dot += xi[k] * xj[k] }
                    switch metric {
                    case .cosine: out[j] = max(0, 1 - dot)
                    case .euclidean: out[j] = max(0, squaredNorms[i] + squaredNorms[j] - 2 * dot)
                    }
                }
                out[i] = 0
            }
        }
    }

    /// The N×N matrix of distances between the rows of `x` (row-major), cosine or squared
    /// Euclidean. O(N²) memory: for tests and small inputs only.
    static func pairwiseDistances(_ x: Matrix, metric: Metric, threads: Int) -> [Float] {
        let prepared = DistanceRows(x, metric: metric)
        let n = x.rows
        var out = [Float](repeating: 0, count: n * n)
        out.withUnsafeMutableBufferPointer { o in
            let ob = UnsafeSendableBox(o.baseAddress!)
            ComputePool.forEachChunk(count: n, chunks: threads) { _, range in
                for i in range { prepared.distances(from: i, into: ob.value + i * n) }
            }
        }
        return out
    }

    /// The conditional distribution pⱼ|ᵢ ∝ exp(−β·dⱼ) over one point's neighbours, with β
    /// found by binary search so that its entropy (in nats) is ln(perplexity).
    /// - Returns: the probabilities (summing to 1) and β.
    static func conditionalProbabilities(distances: [Float], perplexity: Double,
                                         tolerance: Double = 1e-5, maxSteps: Int = 100) -> (p: [Double], beta: Double) {
        let target = Foundation.log(perplexity)
        var beta = 1.0, betaMin = -Double.infinity, betaMax = Double.infinity
        var p = [Double](repeating: 0, count: distances.count)
        // Shift by the smallest distance: the distribution is unchanged and exp never underflows to all zeros.
        let shift = Double(distances.min() ?? 0)
        for _ in 0..<maxSteps {
            var sum = 0.0
            for (j, dist) in distances.enumerated() {
                let v = Foundation.exp(-(Double(dist) - shift) * beta)
                p[j] = v
                sum += v
            }
            if sum == 0 { sum = 1e-8 }
            var weighted = 0.0
            for j in p.indices {
                p[j] /= sum
                weighted += (Double(distances[j]) - shift) * p[j]
            }
            let entropy = Foundation.log(sum) + beta * weighted
            let difference = entropy - target
            if abs(difference) <= tolerance { break }
            if difference > 0 {
                betaMin = beta
                beta = betaMax == .infinity ? beta * 2 : (beta + betaMax) / 2
            } else {
                betaMax = beta
                beta = betaMin == -.infinity ? beta / 2 : (beta + betaMin) / 2
            }
        }
        return (p, beta)
    }

    /// The symmetric joint probabilities pᵢⱼ (CSR, rows sorted, summing to 1) from the
    /// `neighbours` nearest points of each point.
    ///
    /// Each row's distances are computed, its neighbours selected and its β calibrated in
    /// one pass per point (rows split across threads), in O(N·k) memory.
    static func jointProbabilities(points x: Matrix, metric: Metric, perplexity: Double, neighbours k: Int, threads: Int) -> SparseMatrix {
        let n = x.rows
        let prepared = DistanceRows(x, metric: metric)
        var neighbourColumns = [Int32](repeating: 0, count: n * k)
        var conditional = [Float](repeating: 0, count: n * k)
        neighbourColumns.withUnsafeMutableBufferPointer { cb in
            conditional.withUnsafeMutableBufferPointer { pb in
                let box = UnsafeSendableBox((cb.baseAddress!, pb.baseAddress!))
                ComputePool.forEachChunk(count: n, chunks: threads) { _, range in
                    let (columns, probabilities) = box.value
                    var row = [Float](repeating: 0, count: n)
                    for i in range {
                        row.withUnsafeMutableBufferPointer { prepared.distances(from: i, into: $0.baseAddress!) }
                        let chosen: [Int32]
                        if k >= n - 1 {
                            chosen = (0..<n).filter { $0 != i }.map { Int32($0) }
                        } else {
                            let negated = row.map { -$0 }
                            chosen = topK(negated, k: k, excluding: { $0.rawValue == Int32(i) }).map(\.index.rawValue)
                        }
                        let (p, _) = conditionalProbabilities(distances: chosen.map { row[Int($0)] }, perplexity: perplexity)
                        for t in 0..<k {
                            columns[i * k + t] = chosen[t]
                            probabilities[i * k + t] = Float(p[t])
                        }
                    }
                }
            }
        }
        return symmetrize(columns: neighbourColumns, probabilities: conditional, count: n, neighbours: k)
    }

    /// The same from a precomputed N×N distance matrix (tests).
    static func jointProbabilities(distances: [Float], count n: Int, perplexity: Double, neighbours k: Int) -> SparseMatrix {
        var neighbourColumns: [Int32] = [], conditional: [Float] = []
        for i in 0..<n {
            let row = Array(distances[(i * n)..<((i + 1) * n)])
            let chosen = k >= n - 1 ? (0..<n).filter { $0 != i }.map { Int32($0) }
                : topK(row.map { -$0 }, k: k, excluding: { $0.rawValue == Int32(i) }).map(\.index.rawValue)
            let (p, _) = conditionalProbabilities(distances: chosen.map { row[Int($0)] }, perplexity: perplexity)
            neighbourColumns += chosen
            conditional += p.map { Float($0) }
        }
        return symmetrize(columns: neighbourColumns, probabilities: conditional, count: n, neighbours: k)
    }

    /// pᵢⱼ = (pⱼ|ᵢ + pᵢ|ⱼ) / Σ, floored at machine epsilon, from `neighbours` entries per row.
    static func symmetrize(columns: [Int32], probabilities: [Float], count n: Int, neighbours k: Int) -> SparseMatrix {
        var rows: [Int32] = [], cols: [Int32] = [], vals: [Float] = []
        rows.reserveCapacity(2 * n * k); cols.reserveCapacity(2 * n * k); vals.reserveCapacity(2 * n * k)
        for i in 0..<n {
            for t in 0..<k {
                let j = columns[i * k + t], p = probabilities[i * k + t]
                rows.append(Int32(i)); cols.append(j); vals.append(p)
                rows.append(j); cols.append(Int32(i)); vals.append(p)
            }
        }
        // pᵢⱼ + pⱼᵢ: the counting sort keeps duplicates adjacent in each row; merge them.
        let both = SparseMatrix(rows: rows, columns: cols, values: vals, rowCount: n, columnCount: n)
        var offsets = [0], mergedCols: [Int32] = [], mergedVals: [Float] = []
        mergedCols.reserveCapacity(both.nonZeroCount); mergedVals.reserveCapacity(both.nonZeroCount)
        var total = 0.0
        for i in 0..<n {
            for e in both.range(ofRow: i) {
                if mergedCols.count > offsets[i], mergedCols[mergedCols.count - 1] == both.columns[e] {
                    mergedVals[mergedVals.count - 1] += both.values[e]
                } else {
                    mergedCols.append(both.columns[e]); mergedVals.append(both.values[e])
                }
                total += Double(both.values[e])
            }
            offsets.append(mergedCols.count)
        }
        let scale = Float(1 / total)
        let machineEpsilon = Float(Double.ulpOfOne)
        for e in mergedVals.indices { mergedVals[e] = max(mergedVals[e] * scale, machineEpsilon) }
        return SparseMatrix(rowCount: n, columnCount: n, rowOffsets: offsets, columns: mergedCols, values: mergedVals)
    }

    // MARK: - Initialisation

    /// The starting map (N×2).
    static func initialMap(_ x: Matrix, initialization: Initialization, seed: UInt64) -> Matrix {
        if initialization == .pca, let map = pcaMap(x) { return map }
        var generator = SeededGenerator(seed: seed)
        return Matrix(rows: x.rows, columns: 2, normalStandardDeviation: 1e-4, generator: &generator)
    }

    /// The projection on the first two principal axes, scaled so that column 0 has std 1e-4;
    /// `nil` when the points do not spread (zero variance).
    static func pcaMap(_ x: Matrix) -> Matrix? {
        let n = x.rows, d = x.columns
        guard d >= 1 else { return nil }
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for k in 0..<d { mean[k] += Double(x[i, k]) } }
        for k in 0..<d { mean[k] /= Double(n) }
        var covariance = [Double](repeating: 0, count: d * d)
        var centred = [Double](repeating: 0, count: d)
        for i in 0..<n {
            for k in 0..<d { centred[k] = Double(x[i, k]) - mean[k] }
            for a in 0..<d { for b in a..<d { covariance[a * d + b] += centred[a] * centred[b] } }
        }
        for a in 0..<d { for b in a..<d { covariance[b * d + a] = covariance[a * d + b] } }
        let (values, vectors) = symmetricEigen(covariance, size: d)
        let order = values.indices.sorted { values[$0] > values[$1] }
        var axes: [[Double]] = []
        for c in 0..<2 {
            guard c < order.count else { axes.append([Double](repeating: 0, count: d)); continue }
            var v = (0..<d).map { vectors[$0 * d + order[c]] }
            // Deterministic sign (scikit-learn's svd_flip): the largest loading is positive.
            if let big = v.indices.max(by: { abs(v[$0]) < abs(v[$1]) }), v[big] < 0 { v = v.map { -$0 } }
            axes.append(v)
        }
        var projected = [Double](repeating: 0, count: n * 2)
        for i in 0..<n {
            for c in 0..<2 {
                var s = 0.0
                for k in 0..<d { s += (Double(x[i, k]) - mean[k]) * axes[c][k] }
                projected[i * 2 + c] = s
            }
        }
        var m0 = 0.0
        for i in 0..<n { m0 += projected[i * 2] }
        m0 /= Double(n)
        var variance = 0.0
        for i in 0..<n { variance += (projected[i * 2] - m0) * (projected[i * 2] - m0) }
        let std = (variance / Double(n)).squareRoot()
        guard std > 1e-12, std.isFinite else { return nil }
        return Matrix(rows: n, columns: 2, storage: projected.map { Float($0 / std * 1e-4) })
    }

    /// Eigenvalues and eigenvectors (columns of a row-major size×size matrix) of a symmetric
    /// matrix, by cyclic Jacobi rotations.
    static func symmetricEigen(_ matrix: [Double], size d: Int) -> (values: [Double], vectors: [Double]) {
        var a = matrix
        var v = [Double](repeating: 0, count: d * d)
        for i in 0..<d { v[i * d + i] = 1 }
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<d { for q in (p + 1)..<d { off += a[p * d + q] * a[p * d + q] } }
            if off < 1e-22 * max(1, (0..<d).reduce(0.0) { $0 + a[$1 * d + $1] * a[$1 * d + $1] }) { break }
            for p in 0..<d {
                for q in (p + 1)..<d {
                    let apq = a[p * d + q]
                    if abs(apq) < 1e-300 { continue }
                    let theta = (a[q * d + q] - a[p * d + p]) / (2 * apq)
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let cs = 1 / (t * t + 1).squareRoot(), sn = t * cs
                    for k in 0..<d {
                        let akp = a[k * d + p], akq = a[k * d + q]
                        a[k * d + p] = cs * akp - sn * akq
                        a[k * d + q] = sn * akp + cs * akq
                    }
                    for k in 0..<d {
                        let apk = a[p * d + k], aqk = a[q * d + k]
                        a[p * d + k] = cs * apk - sn * aqk
                        a[q * d + k] = sn * apk + cs * aqk
                    }
                    for k in 0..<d {
                        let vkp = v[k * d + p], vkq = v[k * d + q]
                        v[k * d + p] = cs * vkp - sn * vkq
                        v[k * d + q] = sn * vkp + cs * vkq
                    }
                }
            }
        }
        return ((0..<d).map { a[$0 * d + $0] }, v)
    }
}

// MARK: - Gradient and optimisation

extension TSNE {
    /// Scratch buffers for ``gradient(p:y:exaggeration:threads:workspace:computeKL:)``.
    struct Workspace {
        var xs: [Float], ys: [Float]
        var rowSum: [Float], repelX: [Float], repelY: [Float], rowKL: [Double]
        init(count n: Int) {
            xs = [Float](repeating: 0, count: n); ys = xs
            rowSum = xs; repelX = xs; repelY = xs
            rowKL = [Double](repeating: 0, count: n)
        }
    }

    /// The gradient of KL(αP‖Q) with respect to the map `y` (N×2), and the divergence when asked.
    ///
    /// Pass 1 (dense, SIMD): for each i, Sᵢ = Σⱼ≠ᵢ wᵢⱼ and Bᵢ = Σⱼ wᵢⱼ² (yᵢ − yⱼ); Z = Σ Sᵢ.
    /// Pass 2 (over the non-zero pᵢⱼ): Aᵢ = Σⱼ αpᵢⱼ wᵢⱼ (yᵢ − yⱼ); ∂KL/∂yᵢ = 4 (Aᵢ − Bᵢ / Z).
    static func gradient(p: SparseMatrix, y: Matrix, exaggeration: Float, threads: Int,
                         workspace ws: inout Workspace, gradient grad: inout [Float], computeKL: Bool) -> Double {
        let n = y.rows
        for i in 0..<n { ws.xs[i] = y.storage[2 * i]; ws.ys[i] = y.storage[2 * i + 1] }
        let blocks = n / 16
        ws.xs.withUnsafeBufferPointer { xsb in
        ws.ys.withUnsafeBufferPointer { ysb in
        ws.rowSum.withUnsafeMutableBufferPointer { sb in
        ws.repelX.withUnsafeMutableBufferPointer { bxb in
        ws.repelY.withUnsafeMutableBufferPointer { byb in
            let box = UnsafeSendableBox((xsb.baseAddress!, ysb.baseAddress!, sb.baseAddress!, bxb.baseAddress!, byb.baseAddress!))
            ComputePool.forEachChunk(count: n, chunks: threads) { _, range in
                let (xs, ys, rowSum, repelX, repelY) = box.value
                let rx = UnsafeRawPointer(xs), ry = UnsafeRawPointer(ys)
                for i in range {
                    let xi = xs[i], yi = ys[i]
                    let vxi = SIMD16<Float>(repeating: xi), vyi = SIMD16<Float>(repeating: yi)
                    var s = SIMD16<Float>(), bx = SIMD16<Float>(), by = SIMD16<Float>()
                    for b in 0..<blocks {
                        let dx = vxi - rx.loadUnaligned(fromByteOffset: b * 64, as: SIMD16<Float>.self)
                        let dy = vyi - ry.loadUnaligned(fromByteOffset: b * 64, as: SIMD16<Float>.self)
                        let w = 1 / (1 + dx * dx + dy * dy)
                        s += w
                        let w2 = w * w
                        bx += w2 * dx
                        by += w2 * dy
                    }
                    var ss = treeSum(s), sx = treeSum(bx), sy = treeSum(by)
                    for j in (blocks * 16)..<n {
                        let dx = xi - xs[j], dy = yi - ys[j]
                        let w = 1 / (1 + dx * dx + dy * dy)
                        ss += w
                        sx += w * w * dx
                        sy += w * w * dy
                    }
                    rowSum[i] = ss - 1  // j == i contributed w = 1 (and nothing to B)
                    repelX[i] = sx
                    repelY[i] = sy
                }
            }
        }}}}}
        var z = 0.0
        for i in 0..<n { z += Double(ws.rowSum[i]) }
        let invZ = Float(1 / z)
        let alpha = exaggeration
        ws.xs.withUnsafeBufferPointer { xsb in
        ws.ys.withUnsafeBufferPointer { ysb in
        ws.repelX.withUnsafeBufferPointer { bxb in
        ws.repelY.withUnsafeBufferPointer { byb in
        ws.rowKL.withUnsafeMutableBufferPointer { klb in
        grad.withUnsafeMutableBufferPointer { gb in
        p.rowOffsets.withUnsafeBufferPointer { offb in
        p.columns.withUnsafeBufferPointer { colb in
        p.values.withUnsafeBufferPointer { valb in
            let box = UnsafeSendableBox((xsb.baseAddress!, ysb.baseAddress!, bxb.baseAddress!, byb.baseAddress!, klb.baseAddress!,
                                         gb.baseAddress!, offb.baseAddress!, colb.baseAddress!, valb.baseAddress!))
            ComputePool.forEachChunk(count: n, chunks: threads) { _, range in
                let (xs, ys, repelX, repelY, rowKL, g, offsets, cols, vals) = box.value
                for i in range {
                    let xi = xs[i], yi = ys[i]
                    // Attraction, 8 entries at a time (gathered), then the tail.
                    let vxi = SIMD8<Float>(repeating: xi), vyi = SIMD8<Float>(repeating: yi)
                    var vax = SIMD8<Float>(), vay = SIMD8<Float>()
                    let start = offsets[i], end = offsets[i + 1]
                    var e = start
                    while e + 8 <= end {
                        var xj = SIMD8<Float>(), yj = SIMD8<Float>(), pv = SIMD8<Float>()
                        for t in 0..<8 {
                            let j = Int(cols[e + t])
                            xj[t] = xs[j]; yj[t] = ys[j]; pv[t] = vals[e + t]
                        }
                        let dx = vxi - xj, dy = vyi - yj
                        let pw = alpha * pv / (1 + dx * dx + dy * dy)
                        vax += pw * dx
                        vay += pw * dy
                        e += 8
                    }
                    var ax = vax.sum(), ay = vay.sum()
                    while e < end {
                        let j = Int(cols[e])
                        let dx = xi - xs[j], dy = yi - ys[j]
                        let pw = alpha * vals[e] / (1 + dx * dx + dy * dy)
                        ax += pw * dx
                        ay += pw * dy
                        e += 1
                    }
                    var kl = 0.0
                    if computeKL {
                        for e in start..<end {
                            // p ln(p / q) with q = w / Z, both floored at machine epsilon as scikit-learn.
                            let j = Int(cols[e])
                            let dx = xi - xs[j], dy = yi - ys[j]
                            let w = 1 / (1 + dx * dx + dy * dy)
                            let pe = Double(alpha * vals[e])
                            let q = max(Double(w) / z, Double.ulpOfOne)
                            kl += pe * (Foundation.log(max(pe, Double.ulpOfOne)) - Foundation.log(q))
                        }
                    }
                    g[2 * i] = 4 * (ax - repelX[i] * invZ)
                    g[2 * i + 1] = 4 * (ay - repelY[i] * invZ)
                    rowKL[i] = kl
                }
            }
        }}}}}}}}}
        guard computeKL else { return .nan }
        var kl = 0.0
        for i in 0..<n { kl += ws.rowKL[i] }
        return kl
    }

    @inline(__always)
    static func treeSum(_ v: SIMD16<Float>) -> Float {
        let a = v.lowHalf + v.highHalf
        let b = a.lowHalf + a.highHalf
        let c = b.lowHalf + b.highHalf
        return c[0] + c[1]
    }

    /// Gradient descent with momentum, gains and early exaggeration (scikit-learn's schedule).
    static func optimize(p: SparseMatrix, y: inout Matrix, configuration c: Configuration, threads: Int,
                         progress: ((Progress) -> Void)?) -> Result {
        let n = y.rows
        let rate = c.effectiveLearningRate(pointCount: n)
        var ws = Workspace(count: n)
        var grad = [Float](repeating: 0, count: 2 * n)
        var update = [Float](repeating: 0, count: 2 * n)
        var gains = [Float](repeating: 1, count: 2 * n)
        var history: [Progress] = []
        var iteration = 0
        let exploration = min(c.explorationIterations, c.iterations)
        // Two phases, as scikit-learn: exploration (exaggerated P, initial momentum) then the
        // rest. Each phase restarts updates and gains; a vanishing gradient ends the current
        // phase (so a collapsed exploration hands over to the second phase early).
        for exploring in [true, false] {
            let end = exploring ? exploration : c.iterations
            guard iteration < end else { continue }
            for k in update.indices { update[k] = 0; gains[k] = 1 }
            let momentum = exploring ? c.initialMomentum : c.finalMomentum
            let alpha: Float = exploring ? c.earlyExaggeration : 1
            while iteration < end {
                let check = (iteration + 1) % 50 == 0 || iteration + 1 == c.iterations
                let kl = gradient(p: p, y: y, exaggeration: alpha, threads: threads, workspace: &ws, gradient: &grad, computeKL: check)
                var squaredNorm: Float = 0
                y.storage.withUnsafeMutableBufferPointer { yb in
                    for k in 0..<(2 * n) {
                        let g = grad[k]
                        if update[k] * g < 0 { gains[k] += 0.2 } else { gains[k] *= 0.8 }
                        if gains[k] < c.minimumGain { gains[k] = c.minimumGain }
                        let step = g * gains[k]
                        squaredNorm += step * step
                        update[k] = momentum * update[k] - rate * step
                        yb[k] += update[k]
                    }
                }
                iteration += 1
                if check {
                    let gradientNorm = Double(squaredNorm.squareRoot())
                    let report = Progress(iteration: iteration, klDivergence: kl, gradientNorm: gradientNorm, exaggerated: exploring)
                    history.append(report)
                    progress?(report)
                    if gradientNorm < Double(c.minimumGradientNorm) { break }
                }
            }
            if !exploring && iteration < c.iterations { break }
        }
        let finalKL = gradient(p: p, y: y, exaggeration: 1, threads: threads, workspace: &ws, gradient: &grad, computeKL: true)
        return Result(embedding: y, klDivergence: finalKL, iterations: iteration, history: history)
    }
}
