import Foundation

/// A read-only copy of an array in a buffer that outlives `withUnsafeBufferPointer` scopes.
final class FrozenArray<T> {
    let pointer: UnsafeMutablePointer<T>
    let count: Int
    init(_ array: [T]) {
        count = array.count
        pointer = UnsafeMutablePointer<T>.allocate(capacity: max(array.count, 1))
        array.withUnsafeBufferPointer { pointer.initialize(from: $0.baseAddress!, count: array.count) }
    }
    deinit { pointer.deinitialize(count: count); pointer.deallocate() }
}

/// y += a·x over `blocks` groups of 8 floats.
@inline(__always) private func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, blocks: Int) {
    Kernels.axpy(a, x, y, blocks * 8)
}

extension SeededGenerator {
    /// A Gamma(shape, 1) sample (Marsaglia & Tsang 2000; boosted for shape < 1).
    mutating func nextGamma(shape: Double) -> Double {
        precondition(shape > 0)
        if shape < 1 {
            let u = max(nextUnitDouble(), .leastNormalMagnitude)
            return nextGamma(shape: shape + 1) * Foundation.pow(u, 1 / shape)
        }
        let d = shape - 1.0 / 3.0, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat { x = Double(nextNormal()); v = 1 + c * x } while v <= 0
            v = v * v * v
            let u = nextUnitDouble()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if Foundation.log(max(u, .leastNormalMagnitude)) < 0.5 * x * x + d * (1 - v + Foundation.log(v)) { return d * v }
        }
    }
}

/// One side (users or items) of the sampler: its feature block, parameters and per-entity
/// sufficient statistics.
final class FMSide {
    let block: FMFeatureBlock
    let D: Int, Dp: Int
    /// φ_j = (w_j, v_j1 … v_jk), one padded row per feature.
    let phi: AlignedBuffer<Float>
    /// θ_e = Σ_j x_ej φ_j, one padded row per entity (its bias and factor aggregate).
    let theta: AlignedBuffer<Float>
    /// Hyper-parameters per group and coordinate: prior mean μ and precision λ.
    var mu: [Double], lambda: [Double]
    // Ratings of each entity: offsets, the other entity, the rating.
    let rowOffsets: FrozenArray<Int>
    let rowOther: FrozenArray<Int32>
    let rowRating: FrozenArray<Float>
    let entityOffsets: FrozenArray<Int>, entityFeatures: FrozenArray<Int32>, entityValues: FrozenArray<Float>
    let featureOffsets: FrozenArray<Int>, featureEntities: FrozenArray<Int32>, featureValues: FrozenArray<Float>

    init(block: FMFeatureBlock, ratings: SparseMatrix, D: Int, Dp: Int) {
        self.block = block
        self.D = D; self.Dp = Dp
        phi = AlignedBuffer<Float>(count: block.featureCount * Dp)
        theta = AlignedBuffer<Float>(count: block.entityCount * Dp)
        mu = [Double](repeating: 0, count: block.groupCount * D)
        lambda = [Double](repeating: 1, count: block.groupCount * D)
        rowOffsets = FrozenArray(ratings.rowOffsets)
        rowOther = FrozenArray(ratings.columns)
        rowRating = FrozenArray(ratings.values)
        entityOffsets = FrozenArray(block.entityOffsets); entityFeatures = FrozenArray(block.entityFeatures)
        entityValues = FrozenArray(block.entityValues)
        featureOffsets = FrozenArray(block.featureOffsets); featureEntities = FrozenArray(block.featureEntities)
        featureValues = FrozenArray(block.featureValues)
    }

    /// θ_e recomputed from the features (removes drift of the incremental updates).
    func recomputeTheta(_ e: Int) {
        let t = theta.pointer + e * Dp
        t.update(repeating: 0, count: Dp)
        for p in entityOffsets.pointer[e]..<entityOffsets.pointer[e + 1] {
            axpy(entityValues.pointer[p], phi.pointer + Int(entityFeatures.pointer[p]) * Dp, t, blocks: Dp / 8)
        }
    }
}

/// The blocked Gibbs sampler of a Bayesian factorization machine whose features split into
/// a user block and an item block (see ``BayesianFactorizationMachine`` for the model).
final class FMGibbsSampler {
    let D: Int, Dp: Int
    let users: FMSide, items: FMSide
    /// Per-entity C_e = Σ z zᵀ (D × Dp) and g_e = d_e − C_e θ_e (Dp), for the side being sampled.
    let C: AlignedBuffer<Float>, G: AlignedBuffer<Float>
    var alpha: Double = 1
    /// Scale of the Gaussian noise in the parameter draws: 1 samples, 0 takes the conditional
    /// mode (iterated conditional modes; used by tests to check the conditionals).
    var drawScale: Double = 1
    let chunks: Int
    let hyper: BayesianFactorizationMachine.Hyperpriors

    init(users userBlock: FMFeatureBlock, items itemBlock: FMFeatureBlock, training: Interactions, rank: Int,
         initStandardDeviation: Float, globalMean: Float, hyper: BayesianFactorizationMachine.Hyperpriors,
         threads: Int, generator: inout SeededGenerator) {
        D = rank + 1
        Dp = (D + 7) / 8 * 8
        users = FMSide(block: userBlock, ratings: training.byUser(), D: D, Dp: Dp)
        items = FMSide(block: itemBlock, ratings: training.byItem(), D: D, Dp: Dp)
        let maxEntities = max(userBlock.entityCount, itemBlock.entityCount)
        C = AlignedBuffer<Float>(count: maxEntities * D * Dp)
        G = AlignedBuffer<Float>(count: maxEntities * Dp)
        chunks = max(1, threads)
        self.hyper = hyper
        for side in [users, items] {
            for j in 0..<side.block.featureCount {
                for c in 1..<D { side.phi.pointer[j * Dp + c] = generator.nextNormal() * initStandardDeviation }
            }
        }
        if let g = userBlock.globalFeature {
            users.phi.pointer[g * Dp] = globalMean
            for c in 1..<D { users.phi.pointer[g * Dp + c] = 0 }
        }
        for e in 0..<userBlock.entityCount { users.recomputeTheta(e) }
        for e in 0..<itemBlock.entityCount { items.recomputeTheta(e) }
    }

    /// One sweep: all user-block parameters, their hyper-parameters, all item-block
    /// parameters, theirs, then the noise precision.
    func sweep(iteration: Int, seed: UInt64, generator: inout SeededGenerator) {
        phase(side: users, other: items, seed: seed &+ UInt64(iteration) &* 0x9E37_79B9_7F4A_7C15 &+ 1)
        sampleHyperparameters(side: users, generator: &generator)
        phase(side: items, other: users, seed: seed &+ UInt64(iteration) &* 0x9E37_79B9_7F4A_7C15 &+ 2)
        sampleHyperparameters(side: items, generator: &generator)
        let sse = sumOfSquaredErrors()
        let n = Double(users.rowOffsets.pointer[users.block.entityCount])
        alpha = generator.nextGamma(shape: (hyper.alpha0 + n) / 2) / ((hyper.beta0 + sse) / 2)
    }

    /// Σ (y − ŷ)² over the training ratings (per-user partial sums added in user order).
    func sumOfSquaredErrors() -> Double {
        let n = users.block.entityCount
        var partial = [Double](repeating: 0, count: n)
        partial.withUnsafeMutableBufferPointer { buffer in
            let out = UnsafeSendableBox(buffer.baseAddress!)
            ComputePool.forEachChunk(count: n, chunks: chunks) { _, range in
                for u in range {
                    let tu = self.users.theta.pointer + u * self.Dp
                    var s = 0.0
                    for r in self.users.rowOffsets.pointer[u]..<self.users.rowOffsets.pointer[u + 1] {
                        let ti = self.items.theta.pointer + Int(self.users.rowOther.pointer[r]) * self.Dp
                        let e = self.users.rowRating.pointer[r] - self.predictRaw(tu, ti)
                        s += Double(e * e)
                    }
                    out.value[u] = s
                }
            }
        }
        return partial.reduce(0, +)
    }

    /// ŷ = θ_u0 + θ_i0 + Σ_f θ_uf θ_if (the padded coordinates are zero).
    @inline(__always) func predictRaw(_ tu: UnsafePointer<Float>, _ ti: UnsafePointer<Float>) -> Float {
        var acc = SIMD8<Float>()
        var k = 0
        while k < Dp { acc = Kernels.fma(Kernels.load8(tu + k), Kernels.load8(ti + k), acc); k += 8 }
        return tu[0] + ti[0] - tu[0] * ti[0] + acc.sum()
    }

    /// Samples every feature of `side` given the other side.
    func phase(side: FMSide, other: FMSide, seed: UInt64) {
        computeStatistics(side: side, other: other)
        sampleFeatures(side: side, seed: seed)
    }

    /// Per entity e of `side`: C_e, θ_e (recomputed) and g_e = d_e − C_e θ_e (parallel; entities are independent).
    func computeStatistics(side: FMSide, other: FMSide) {
        let D = self.D, Dp = self.Dp
        let n = side.block.entityCount
        ComputePool.forEachChunk(count: n, chunks: chunks) { _, range in
            let z = AlignedBuffer<Float>(count: Dp)
            for e in range {
                let Ce = self.C.pointer + e * D * Dp, ge = self.G.pointer + e * Dp
                Ce.update(repeating: 0, count: D * Dp)
                ge.update(repeating: 0, count: Dp)
                for r in side.rowOffsets.pointer[e]..<side.rowOffsets.pointer[e + 1] {
                    let zo = other.theta.pointer + Int(side.rowOther.pointer[r]) * Dp
                    z.pointer.update(from: zo, count: Dp)
                    let t = side.rowRating.pointer[r] - zo[0]
                    z.pointer[0] = 1
                    for a in 0..<D { axpy(z.pointer[a], z.pointer, Ce + a * Dp, blocks: Dp / 8) }
                    axpy(t, z.pointer, ge, blocks: Dp / 8)
                }
                side.recomputeTheta(e)
                let te = side.theta.pointer + e * Dp
                for a in 0..<D { axpy(-te[a], Ce + a * Dp, ge, blocks: Dp / 8) }
            }
        }
    }

    /// Draws every feature of `side`, group by group: the id group in parallel, the others in order.
    func sampleFeatures(side: FMSide, seed: UInt64) {
        let D = self.D, Dp = self.Dp
        let groups = side.block.groupCount
        var featuresOfGroup = [[Int]](repeating: [], count: groups)
        for j in 0..<side.block.featureCount { featuresOfGroup[Int(side.block.groupOf[j])].append(j) }
        for g in 0..<groups {
            let list = featuresOfGroup[g]
            let parallel = g == side.block.idGroup
            ComputePool.forEachChunk(count: list.count, chunks: parallel ? chunks : 1) { _, range in
                let scratch = AlignedBuffer<Float>(count: D * Dp + 2 * Dp)
                var work = [Double](repeating: 0, count: D * D + 3 * D)
                for position in range {
                    let j = list[position]
                    var rng = SeededGenerator(seed: seed ^ (UInt64(j) &* 0xD1B5_4A32_D192_ED03))
                    self.sampleFeature(j, group: g, side: side, scratch: scratch.pointer, work: &work, rng: &rng)
                }
            }
        }
    }

    /// Draws φ_j from its Gaussian conditional and updates θ and g of the entities that have it.
    func sampleFeature(_ j: Int, group g: Int, side: FMSide, scratch: UnsafeMutablePointer<Float>,
                       work: inout [Double], rng: inout SeededGenerator) {
        let D = self.D, Dp = self.Dp
        let lam = scratch, bs = scratch + D * Dp, delta = scratch + D * Dp + Dp
        lam.update(repeating: 0, count: D * Dp + 2 * Dp)
        let lo = side.featureOffsets.pointer[j], hi = side.featureOffsets.pointer[j + 1]
        for p in lo..<hi {
            let e = Int(side.featureEntities.pointer[p]), x = side.featureValues.pointer[p]
            let Ce = C.pointer + e * D * Dp
            for a in 0..<D { axpy(x * x, Ce + a * Dp, lam + a * Dp, blocks: Dp / 8) }
            axpy(x, G.pointer + e * Dp, bs, blocks: Dp / 8)
        }
        let m = j == side.block.globalFeature ? 1 : D
        let phiJ = side.phi.pointer + j * Dp
        work.withUnsafeMutableBufferPointer { w in
            let A = w.baseAddress!, rhs = A + D * D, y = rhs + D, phiNew = y + D
            for a in 0..<m {
                var r = Double(bs[a])
                for b in 0..<m {
                    let v = Double(lam[a * Dp + b])
                    A[a * m + b] = alpha * v
                    r += v * Double(phiJ[b])
                }
                let prior: (mu: Double, lambda: Double) = j == side.block.globalFeature
                    ? (0, hyper.globalPrecision) : (side.mu[g * D + a], side.lambda[g * D + a])
                A[a * m + a] += prior.lambda
                rhs[a] = alpha * r + prior.lambda * prior.mu
            }
            // Cholesky A = L Lᵀ (lower, in place).
            for a in 0..<m {
                for b in 0...a {
                    var s = A[a * m + b]
                    for c in 0..<b { s -= A[a * m + c] * A[b * m + c] }
                    if a == b { A[a * m + a] = max(s, 1e-12).squareRoot() } else { A[a * m + b] = s / A[b * m + b] }
                }
            }
            // L y = rhs; then Lᵀ φ = y + ε gives φ ~ N(A⁻¹ rhs, A⁻¹).
            for a in 0..<m {
                var s = rhs[a]
                for c in 0..<a { s -= A[a * m + c] * y[c] }
                y[a] = s / A[a * m + a]
            }
            for a in 0..<m { y[a] += drawScale * Double(rng.nextNormal()) }
            for a in stride(from: m - 1, through: 0, by: -1) {
                var s = y[a]
                for c in (a + 1)..<m { s -= A[c * m + a] * phiNew[c] }
                phiNew[a] = s / A[a * m + a]
            }
            for a in 0..<m {
                let new = Float(phiNew[a])
                delta[a] = new - phiJ[a]
                phiJ[a] = new
            }
        }
        for p in lo..<hi {
            let e = Int(side.featureEntities.pointer[p]), x = side.featureValues.pointer[p]
            let Ce = C.pointer + e * D * Dp, ge = G.pointer + e * Dp
            axpy(x, delta, side.theta.pointer + e * Dp, blocks: Dp / 8)
            // g_e −= x C_e Δ (C_e symmetric), accumulated in registers one block of 8 at a time.
            var k = 0
            while k < Dp {
                var acc = Kernels.load8(ge + k)
                for a in 0..<m { acc = Kernels.fma(SIMD8(repeating: -x * delta[a]), Kernels.load8(Ce + a * Dp + k), acc) }
                Kernels.store8(acc, ge + k)
                k += 8
            }
        }
    }

    /// Normal–Gamma updates of each group's prior mean and precision, coordinate by coordinate.
    func sampleHyperparameters(side: FMSide, generator: inout SeededGenerator) {
        let D = self.D, Dp = self.Dp
        var count = [Double](repeating: 0, count: side.block.groupCount)
        var sum = [Double](repeating: 0, count: side.block.groupCount * D)
        for j in 0..<side.block.featureCount where j != side.block.globalFeature {
            let g = Int(side.block.groupOf[j])
            count[g] += 1
            for c in 0..<D { sum[g * D + c] += Double(side.phi.pointer[j * Dp + c]) }
        }
        var squares = [Double](repeating: 0, count: side.block.groupCount * D)
        for j in 0..<side.block.featureCount where j != side.block.globalFeature {
            let g = Int(side.block.groupOf[j])
            for c in 0..<D {
                let d = Double(side.phi.pointer[j * Dp + c]) - side.mu[g * D + c]
                squares[g * D + c] += d * d
            }
        }
        for g in 0..<side.block.groupCount where count[g] > 0 {
            for c in 0..<D {
                let muOld = side.mu[g * D + c]
                let shape = (hyper.alphaLambda + count[g] + 1) / 2
                let rate = (hyper.betaLambda + hyper.gamma0 * (muOld - hyper.mu0) * (muOld - hyper.mu0) + squares[g * D + c]) / 2
                let lambda = generator.nextGamma(shape: shape) / rate
                side.lambda[g * D + c] = lambda
                let precision = (count[g] + hyper.gamma0) * lambda
                let mean = (sum[g * D + c] + hyper.gamma0 * hyper.mu0) / (count[g] + hyper.gamma0)
                side.mu[g * D + c] = mean + Double(generator.nextNormal()) / precision.squareRoot()
            }
        }
    }
}
