/// SIMD kernels over factor rows whose length is a multiple of 8 (rows are zero-padded to
/// ``FactorKernels/paddedStride(_:)``), used by the rating models' hot loops.
///
/// All pointers must address at least `n` floats, with `n` a multiple of 8. Loads and stores
/// are unaligned, so any `[Float]` buffer works. Zero padding stays zero under every update
/// below (each update of a padded lane is a combination of zero lanes).
public enum FactorKernels {
    /// The row stride used for `factors` columns: `factors` rounded up to a multiple of 8.
    @inlinable public static func paddedStride(_ factors: Int) -> Int { (factors + 7) & ~7 }

    @inlinable @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ offset: Int) -> SIMD8<Float> {
        UnsafeRawPointer(p + offset).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inlinable @inline(__always)
    static func store(_ p: UnsafeMutablePointer<Float>, _ offset: Int, _ v: SIMD8<Float>) {
        UnsafeMutableRawPointer(p + offset).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    @inlinable @inline(__always)
    static func horizontalSum(_ v: SIMD8<Float>) -> Float {
        let h = v.lowHalf + v.highHalf
        let q = h.lowHalf + h.highHalf
        return q.x + q.y
    }

    /// The dot product `a · b` of two padded rows.
    @inlinable @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>()
        var f = 0
        while f + 16 <= n {
            s0 = s0.addingProduct(load(a, f), load(b, f))
            s1 = s1.addingProduct(load(a, f + 8), load(b, f + 8))
            f += 16
        }
        if f < n { s0 = s0.addingProduct(load(a, f), load(b, f)) }
        return horizontalSum(s0 + s1)
    }

    /// The dot product `a · (b + c)`.
    @inlinable @inline(__always)
    public static func dotSum(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>, _ n: Int) -> Float {
        var s0 = SIMD8<Float>()
        var f = 0
        while f < n {
            s0 = s0.addingProduct(load(a, f), load(b, f) + load(c, f))
            f += 8
        }
        return horizontalSum(s0)
    }

    /// `y += alpha · x`.
    @inlinable @inline(__always)
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let a = SIMD8<Float>(repeating: alpha)
        var f = 0
        while f < n {
            store(y, f, load(UnsafePointer(y), f).addingProduct(a, load(x, f)))
            f += 8
        }
    }

    /// `y = beta · y + alpha · x`.
    @inlinable @inline(__always)
    public static func scaleAdd(_ beta: Float, _ y: UnsafeMutablePointer<Float>, _ alpha: Float, _ x: UnsafePointer<Float>, _ n: Int) {
        let a = SIMD8<Float>(repeating: alpha), b = SIMD8<Float>(repeating: beta)
        var f = 0
        while f < n {
            store(y, f, (load(UnsafePointer(y), f) * b).addingProduct(a, load(x, f)))
            f += 8
        }
    }

    /// One SGD step of biased matrix factorisation on a pair of rows:
    /// `p ← p + lr (e q − λ p)`, `q ← q + lr (e p_old − λ q)`.
    @inlinable @inline(__always)
    public static func sgdPairUpdate(_ p: UnsafeMutablePointer<Float>, _ q: UnsafeMutablePointer<Float>, error e: Float,
                                     learningRate lr: Float, regularization reg: Float, _ n: Int) {
        let le = SIMD8<Float>(repeating: lr * e), decay = SIMD8<Float>(repeating: 1 - lr * reg)
        var f = 0
        while f < n {
            let pv = load(UnsafePointer(p), f), qv = load(UnsafePointer(q), f)
            store(p, f, (pv * decay).addingProduct(le, qv))
            store(q, f, (qv * decay).addingProduct(le, pv))
            f += 8
        }
    }

    /// Solves `A x = b` in place for a symmetric positive definite `A` (`n × n`, row-major,
    /// leading dimension `lda`) by Cholesky factorisation; `b` is overwritten by `x`.
    ///
    /// Only the lower triangle of `A` is read; it is overwritten by the factor `L`.
    /// - Returns: `false` when `A` is not positive definite (a pivot ≤ 0); `b` is then unspecified.
    /// - Complexity: O(n³ / 3).
    @inlinable
    public static func choleskySolve(_ a: UnsafeMutablePointer<Float>, lda: Int, _ b: UnsafeMutablePointer<Float>, _ n: Int) -> Bool {
        for j in 0..<n {
            var d = a[j * lda + j]
            for k in 0..<j { d -= a[j * lda + k] * a[j * lda + k] }
            guard d > 0 else { return false }
            let ljj = d.squareRoot()
            a[j * lda + j] = ljj
            let inv = 1 / ljj
            for i in (j + 1)..<max(n, j + 1) {
                var s = a[i * lda + j]
                for k in 0..<j { s -= a[i * lda + k] * a[j * lda + k] }
                a[i * lda + j] = s * inv
            }
        }
        // L y = b
        for i in 0..<n {
            var s = b[i]
            for k in 0..<i { s -= a[i * lda + k] * b[k] }
            b[i] = s / a[i * lda + i]
        }
        // Lᵀ x = y
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = b[i]
            for k in (i + 1)..<max(n, i + 1) { s -= a[k * lda + i] * b[k] }
            b[i] = s / a[i * lda + i]
        }
        return true
    }
}
