import CKernels

/// The numerical kernels of every model: one family, reached through this enum.
///
/// The hot kernels live in the `CKernels` C target, compiled three times (portable baseline,
/// AVX2 + FMA, AVX-512) and chosen once at load time for the CPU at hand, so they run at full
/// speed in a plain `swift build -c release` (a package that depends on this one gets no
/// `-target-cpu` flag). The AVX2 and AVX-512 versions give bit-identical results; the baseline
/// (a CPU without FMA) differs from them by rounding only. `RECOMMENDER_KERNELS=baseline` or
/// `avx2` in the environment lowers the choice for a run (benchmarks, tests).
///
/// The Swift helpers below (loads, stores, lane sums, ``fma(_:_:_:)-swift.type.method``) serve the
/// few loops that stay in Swift (SVD++'s and BPR's per-rating updates, the Bayesian FM sampler);
/// they fuse only when the Swift code is compiled for FMA and never call `fmaf()`.
package enum Kernels {
    // MARK: dispatch

    /// An instruction-set level of the C kernels.
    package enum Level: Int32, CaseIterable, Sendable {
        /// Portable: multiply then add (SSE2 on x86-64).
        case baseline = 0
        /// AVX2 with fused multiply-add.
        case avx2 = 1
        /// AVX-512 (same results as ``avx2``).
        case avx512 = 2
    }

    /// One table of C kernels (the active one, or a chosen level for tests).
    package struct Table: @unchecked Sendable {
        @usableFromInline let table: UnsafePointer<ck_kernels>

        /// The table in use in this process.
        @inline(__always) package static var active: Table { Table(table: ck_active_table()) }

        @usableFromInline init(table: UnsafePointer<ck_kernels>) { self.table = table }

        /// The table of `level`, or of the highest level this CPU supports if it is lower.
        package init(level: Level) { table = ck_kernels_for_level(level.rawValue) }

        /// The level of this table.
        package var level: Level { Level(rawValue: table.pointee.level) ?? .baseline }

        /// A short name ("baseline", "avx2", "avx512").
        package var name: String { String(cString: table.pointee.name) }

        /// Σ a[i]·b[i].
        @inline(__always) package func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
            table.pointee.dot(a, b, n)
        }

        /// Σ a[i]·(b[i] + c[i]).
        @inline(__always) package func dotSum(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>, _ n: Int) -> Float {
            table.pointee.dot_sum(a, b, c, n)
        }

        /// y[i] += alpha·x[i].
        @inline(__always) package func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
            table.pointee.axpy(alpha, x, y, n)
        }

        /// y[i] = alpha·x[i] + beta·y[i].
        @inline(__always) package func axpby(_ alpha: Float, _ x: UnsafePointer<Float>, _ beta: Float, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
            table.pointee.axpby(alpha, x, beta, y, n)
        }

        /// One SGD step of biased MF on two rows: `p ← p + lr (e q − λ p)`, `q ← q + lr (e p_old − λ q)`.
        @inline(__always) package func sgdPairUpdate(_ p: UnsafeMutablePointer<Float>, _ q: UnsafeMutablePointer<Float>, error e: Float,
                                                     learningRate lr: Float, regularization reg: Float, _ n: Int) {
            table.pointee.sgd_pair(p, q, e, lr, reg, n)
        }

        /// `out += Σ_e (a₀ + a₁·vals[e] + b₁·vals[e]·(y_e·v))·y_e` with `y_e = fixed + cols[e]·f`.
        @inline(__always) package func rankOneSum(count: Int, f: Int, fixed: UnsafePointer<Float>, columns: UnsafePointer<Int32>,
                                                  values: UnsafePointer<Float>, a0: Float, a1: Float, b1: Float,
                                                  v: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>) {
            table.pointee.rank_one_sum(count, f, fixed, columns, values, a0, a1, b1, v, out)
        }

        /// y = A·x for a symmetric `n × n` row-major A.
        @inline(__always) package func symv(_ a: UnsafePointer<Float>, n: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
            table.pointee.symv(a, n, x, y)
        }

        /// `g[k·width + c] += x[k]·x[c]` for `k < dim`, `c < width`.
        @inline(__always) package func gramRankOne(_ g: UnsafeMutablePointer<Float>, row x: UnsafePointer<Float>, dim: Int, width: Int) {
            table.pointee.gram_rank_one(g, x, dim, width)
        }

        /// The 6 × 16 SGEMM micro-kernel (see ``Gemm``).
        @inline(__always) package func gemmTile(kc: Int, a: UnsafePointer<Float>, rowStride: Int, columnStride: Int,
                                                b: UnsafePointer<Float>, bStride: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
                                                rows: Int, columns: Int, alpha: Float, beta: Float) {
            table.pointee.gemm_tile(kc, a, rowStride, columnStride, b, bStride, c, ldc, rows, columns, alpha, beta)
        }

        /// One optimizer update of `n` parameters (see ``OptimizerStep``).
        @inline(__always) package func optimizer(kind: Int32, learningRate: Float, step: Float, w: UnsafeMutablePointer<Float>,
                                                 g: UnsafePointer<Float>, s0: UnsafeMutablePointer<Float>?, s1: UnsafeMutablePointer<Float>?, n: Int) {
            // Gradient descent reads no state; pass w as a placeholder so the C side sees valid pointers.
            table.pointee.optimizer(kind, learningRate, step, w, g, s0 ?? w, s1 ?? w, n)
        }

        /// y[i] = e^x[i] (relative error below 2·10⁻⁷ on [−87, 88]; inputs clamped to that range).
        @inline(__always) package func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
            table.pointee.exp(x, y, n)
        }

        /// The gradients phase of a full-batch MF step (see ``MatrixFactorizationKernel``).
        @inline(__always) package func mfGradients(_ args: inout ck_mf_phase) { table.pointee.mf_gradients(&args) }

        /// The update phase of a full-batch MF step (see ``MatrixFactorizationKernel``).
        @inline(__always) package func mfUpdate(_ args: inout ck_mf_phase) { table.pointee.mf_update(&args) }

        /// Softmax cross-entropy of one row of logits, in place (see ``Kernels/softmaxCrossEntropy(_:count:label:scale:)``).
        @inline(__always) package func softmaxCrossEntropy(_ row: UnsafeMutablePointer<Float>, count: Int, label: Int, scale: Float) -> Float {
            table.pointee.softmax_xent(row, count, label, scale)
        }
    }

    /// The level chosen for this process.
    package static var activeLevel: Level { Table.active.level }

    // MARK: C kernels through the active table

    /// The dot product of `n` elements of `a` and `b`.
    /// - Complexity: O(n).
    @inline(__always)
    package static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float { Table.active.dot(a, b, n) }

    /// The dot product `a · (b + c)`.
    @inline(__always)
    package static func dotSum(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>, _ n: Int) -> Float {
        Table.active.dotSum(a, b, c, n)
    }

    /// `y[0..<n] += alpha · x[0..<n]`.
    @inline(__always)
    package static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        Table.active.axpy(alpha, x, y, n)
    }

    /// `y[0..<n] = alpha · x[0..<n] + beta · y[0..<n]`.
    @inline(__always)
    package static func axpby(_ alpha: Float, _ x: UnsafePointer<Float>, _ beta: Float, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        Table.active.axpby(alpha, x, beta, y, n)
    }

    /// One SGD step of biased matrix factorisation on a pair of rows:
    /// `p ← p + lr (e q − λ p)`, `q ← q + lr (e p_old − λ q)`.
    @inline(__always)
    package static func sgdPairUpdate(_ p: UnsafeMutablePointer<Float>, _ q: UnsafeMutablePointer<Float>, error e: Float,
                                      learningRate lr: Float, regularization reg: Float, _ n: Int) {
        Table.active.sgdPairUpdate(p, q, error: e, learningRate: lr, regularization: reg, n)
    }

    /// `out += Σ_e (a₀ + a₁·vals[e] + b₁·vals[e]·(y_e · v)) · y_e` over the rows `y_e = fixed + cols[e]·f`:
    /// the fused "dot then scale-add" pass of the iALS conjugate-gradient solves.
    /// - Complexity: 2·f·count multiply-adds.
    @inline(__always)
    package static func rankOneSum(count: Int, f: Int, fixed: UnsafePointer<Float>, columns: UnsafePointer<Int32>, values: UnsafePointer<Float>,
                                   a0: Float, a1: Float, b1: Float, v: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>) {
        Table.active.rankOneSum(count: count, f: f, fixed: fixed, columns: columns, values: values, a0: a0, a1: a1, b1: b1, v: v, out: out)
    }

    /// `y = A x` for a symmetric `n × n` row-major `A`, computed as `Σ_k x[k] · A[k]` (row broadcasts).
    @inline(__always)
    package static func symv(_ a: UnsafePointer<Float>, n: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        Table.active.symv(a, n: n, x, y)
    }

    /// `y = A x` for a row-major `rows × columns` matrix `A`.
    @inline(__always)
    package static func gemv(_ a: UnsafePointer<Float>, rows: Int, columns: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        Table.active.table.pointee.gemv(a, rows, columns, x, y)
    }

    /// Adds the outer product `x xᵀ` (first `dim` rows, `width` columns) to the Gram matrix `g` (row stride `width`).
    @inline(__always)
    package static func gramRankOne(_ g: UnsafeMutablePointer<Float>, row x: UnsafePointer<Float>, dim: Int, width: Int) {
        Table.active.gramRankOne(g, row: x, dim: dim, width: width)
    }

    /// Softmax cross-entropy of one row of logits, in place.
    ///
    /// On return `row` holds `scale · (softmax(row) − onehot(label))`, the gradient of
    /// `scale · CE` with respect to the logits.
    /// - Returns: the cross-entropy `logsumexp(row) − row[label]`.
    @inline(__always)
    package static func softmaxCrossEntropy(_ row: UnsafeMutablePointer<Float>, count: Int, label: Int, scale: Float) -> Float {
        Table.active.softmaxCrossEntropy(row, count: count, label: label, scale: scale)
    }

    /// e^x through the vector kernel (relative error below 2·10⁻⁷ on [−87, 88]).
    package static func exp(_ x: Float) -> Float {
        var input = x, output: Float = 0
        Table.active.exp(&input, &output, 1)
        return output
    }

    // MARK: Swift helpers

    /// How many of `count` values are strictly greater than `x` (the 0-based rank of `x`).
    @inline(__always)
    package static func countGreater(_ row: UnsafePointer<Float>, count: Int, than x: Float) -> Int {
        var c8 = SIMD8<Int32>()
        let x8 = SIMD8<Float>(repeating: x)
        var i = 0
        while i + 8 <= count {
            c8 &-= unsafeBitCast(load8(row + i) .> x8, to: SIMD8<Int32>.self) // true lanes are -1
            i += 8
        }
        var c = Int(c8.wrappedSum())
        while i < count { if row[i] > x { c += 1 }; i += 1 }
        return c
    }

    /// `y[0..<count] += x[0..<count]`.
    @inline(__always)
    package static func add(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            store8(load8(y + i) + load8(x + i), y + i)
            i += 8
        }
        while i < count { y[i] += x[i]; i += 1 }
    }

    /// `c + a·b`, fused when this code is compiled for a CPU with FMA, else a multiply and an add
    /// (never the `fmaf()` library call that `addingProduct` becomes on baseline x86-64).
    @inline(__always)
    package static func fma(_ a: SIMD16<Float>, _ b: SIMD16<Float>, _ c: SIMD16<Float>) -> SIMD16<Float> {
        CK_COMPILED_FMA != 0 ? c.addingProduct(a, b) : c + a * b
    }

    /// `c + a·b` on eight lanes (see ``fma(_:_:_:)-swift.type.method``).
    @inline(__always)
    package static func fma(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>) -> SIMD8<Float> {
        CK_COMPILED_FMA != 0 ? c.addingProduct(a, b) : c + a * b
    }

    /// `c + a·b` on scalars (see ``fma(_:_:_:)-swift.type.method``).
    @inline(__always)
    package static func fma(_ a: Float, _ b: Float, _ c: Float) -> Float {
        CK_COMPILED_FMA != 0 ? c.addingProduct(a, b) : c + a * b
    }

    /// The sum of the 16 lanes by a tree of halvings (much faster than `SIMD.sum()`, which adds lanes one by one).
    @inline(__always)
    package static func sum(_ v: SIMD16<Float>) -> Float {
        let a = v.lowHalf + v.highHalf
        let b = a.lowHalf + a.highHalf
        let c = b.lowHalf + b.highHalf
        return c[0] + c[1]
    }

    /// The sum of the 8 lanes by a tree of halvings.
    @inline(__always)
    package static func sum(_ v: SIMD8<Float>) -> Float {
        let b = v.lowHalf + v.highHalf
        let c = b.lowHalf + b.highHalf
        return c[0] + c[1]
    }

    /// Loads 8 floats starting at `p` (any alignment).
    @inline(__always)
    package static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Stores 8 floats at `p` (any alignment).
    @inline(__always)
    package static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    /// Loads 16 floats starting at `p` (any alignment).
    @inline(__always)
    package static func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }

    /// Stores 16 floats at `p` (any alignment).
    @inline(__always)
    package static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
    }

    /// `[a0+a1, a2+a3, a4+a5, a6+a7, b0+b1, b2+b3, b4+b5, b6+b7]`.
    @inline(__always)
    package static func pairSum(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8(lowHalf: a.evenHalf, highHalf: b.evenHalf) + SIMD8(lowHalf: a.oddHalf, highHalf: b.oddHalf)
    }

    /// The lane sums of eight vectors at once: lane k of the result is the sum of the lanes of the k-th argument
    /// (a transpose-add: 7 pair sums instead of 8 horizontal reductions).
    @inline(__always)
    package static func transposeSum(_ f0: SIMD8<Float>, _ f1: SIMD8<Float>, _ f2: SIMD8<Float>, _ f3: SIMD8<Float>,
                                     _ f4: SIMD8<Float>, _ f5: SIMD8<Float>, _ f6: SIMD8<Float>, _ f7: SIMD8<Float>) -> SIMD8<Float> {
        pairSum(pairSum(pairSum(f0, f1), pairSum(f2, f3)), pairSum(pairSum(f4, f5), pairSum(f6, f7)))
    }

    /// `n` rounded up to a multiple of 16 (the padded width of the MF kernel's rows).
    @inline(__always)
    package static func paddedWidth(_ n: Int) -> Int { max(16, (n + 15) / 16 * 16) }

    /// The row stride used for `factors` columns by the rating models: `factors` rounded up to a multiple of 8.
    @inline(__always)
    package static func paddedStride(_ factors: Int) -> Int { (factors + 7) & ~7 }
}
