/// Dense symmetric positive definite (SPD) matrices: Cholesky factorization, solves and the
/// inverse, in pure Swift with SIMD dot products and both cores.
///
/// Matrices are `n × n`, row-major `Float`. The factor is lower triangular: `A = L Lᵀ`.
public enum SymmetricPositiveDefinite {
    /// Rows per block of the blocked algorithms: rows of a block are computed in parallel
    /// against all earlier blocks, then finished one by one within the block.
    static let blockRows = 96

    /// Factors `a` in place: on return the lower triangle (diagonal included) holds `L` with
    /// `A = L Lᵀ`; the strict upper triangle is set to zero.
    ///
    /// Row-oriented (left-looking) Cholesky: `L[i][j] = (A[i][j] − L[i][0..<j]·L[j][0..<j]) / L[j][j]`,
    /// every product a contiguous SIMD dot product.
    /// - Throws: ``LinearAlgebraError/notPositiveDefinite(pivot:)``.
    /// - Complexity: n³/6 multiply-adds.
    public static func factor(_ a: UnsafeMutablePointer<Float>, n: Int, threads: Int = Parallelism.availableCores) throws {
        let box = UnsafeSendableBox(a)
        var failure: Int? = nil
        var blockStart = 0
        while blockStart < n {
            let blockEnd = min(n, blockStart + blockRows)
            // Phase 1: columns 0..<blockStart of every row in the block are independent.
            if blockStart > 0 {
                ComputePool.forEachChunk(count: blockEnd - blockStart, chunks: threads) { _, range in
                    let a = box.value
                    for r in range {
                        let i = blockStart + r
                        let rowI = a + i * n
                        for j in 0..<blockStart {
                            let rowJ = a + j * n
                            rowI[j] = (rowI[j] - Kernels.dot(rowI, rowJ, j)) / rowJ[j]
                        }
                    }
                }
            }
            // Phase 2: the block's own columns, in order.
            for i in blockStart..<blockEnd {
                let rowI = a + i * n
                for j in blockStart..<i {
                    let rowJ = a + j * n
                    rowI[j] = (rowI[j] - Kernels.dot(rowI, rowJ, j)) / rowJ[j]
                }
                let d = rowI[i] - Kernels.dot(rowI, rowI, i)
                guard d > 0, d.isFinite else { failure = i; break }
                rowI[i] = d.squareRoot()
                for j in (i + 1)..<max(i + 1, n) { rowI[j] = 0 }
            }
            if let pivot = failure { throw LinearAlgebraError.notPositiveDefinite(pivot: pivot) }
            blockStart = blockEnd
        }
    }

    /// The inverse of an SPD matrix (`n × n`, row-major).
    ///
    /// Factors `A = L Lᵀ`, computes `X = L⁻¹` row by row (`X[i] = (eᵢ − Σₖ<ᵢ L[i][k] X[k]) / L[i][i]`)
    /// and then `A⁻¹ = Xᵀ X` by dot products of the rows of `Xᵀ`.
    /// - Throws: ``LinearAlgebraError/notPositiveDefinite(pivot:)``.
    /// - Complexity: about n³/2 multiply-adds; 3 n² floats of memory.
    public static func inverse(_ matrix: [Float], n: Int, threads: Int = Parallelism.availableCores) throws -> [Float] {
        precondition(matrix.count == n * n, "inverse: need n × n values")
        if n == 0 { return [] }
        let l = AlignedBuffer<Float>(matrix)
        try factor(l.pointer, n: n, threads: threads)
        // X = L⁻¹, lower triangular, row-major.
        let x = AlignedBuffer<Float>(count: n * n)
        let lBox = UnsafeSendableBox(l.pointer), xBox = UnsafeSendableBox(x.pointer)
        var blockStart = 0
        while blockStart < n {
            let blockEnd = min(n, blockStart + blockRows)
            if blockStart > 0 {
                ComputePool.forEachChunk(count: blockEnd - blockStart, chunks: threads) { _, range in
                    let l = lBox.value, x = xBox.value
                    for r in range {
                        let i = blockStart + r
                        let rowX = x + i * n, rowL = l + i * n
                        for k in 0..<blockStart where rowL[k] != 0 {
                            Kernels.axpy(rowL[k], x + k * n, rowX, k + 1)
                        }
                    }
                }
            }
            for i in blockStart..<blockEnd {
                let rowX = x.pointer + i * n, rowL = l.pointer + i * n
                for k in blockStart..<i where rowL[k] != 0 {
                    Kernels.axpy(rowL[k], x.pointer + k * n, rowX, k + 1)
                }
                // rowX holds Σ L[i][k] X[k]; X[i] = (eᵢ − that) / L[i][i].
                let inv = 1 / rowL[i]
                for j in 0..<i { rowX[j] = -rowX[j] * inv }
                rowX[i] = inv
            }
            blockStart = blockEnd
        }
        // M = Xᵀ (upper triangular): M[i][k] = X[k][i], nonzero for k ≥ i. Reuse l's storage.
        let m = l.pointer
        for i in 0..<n { for k in 0..<n { m[i * n + k] = x.pointer[k * n + i] } }
        // P = Xᵀ X: P[i][j] = Σ_{k ≥ max(i,j)} M[i][k] M[j][k]. Rows are interleaved across
        // threads because row i costs ∝ (n − i)².
        let p = AlignedBuffer<Float>(count: n * n)
        let mBox = UnsafeSendableBox(m), pBox = UnsafeSendableBox(p.pointer)
        let chunks = max(1, min(threads, n))
        ComputePool.forEachChunk(count: chunks, chunks: chunks) { c, _ in
            let m = mBox.value, p = pBox.value
            var i = c
            while i < n {
                for j in i..<n {
                    let v = Kernels.dot(m + i * n + j, m + j * n + j, n - j)
                    p[i * n + j] = v
                }
                i += chunks
            }
        }
        for i in 0..<n { for j in 0..<i { p.pointer[i * n + j] = p.pointer[j * n + i] } }
        return p.array
    }

    /// Solves `A x = b` like ``solveInPlace(_:_:n:)``, factoring `A = UᵀU` row by row so that
    /// every inner loop is a contiguous `y ← y − α·x` over a row (which the compiler
    /// vectorises) rather than a dot-product reduction (which it may not reorder): the
    /// factorisation runs at the multiply-add units' throughput instead of one addition's
    /// latency per term. Same result up to the order of the additions.
    ///
    /// Used by the iALS exact solves, one `f × f` system per user and item per half-step.
    /// - Parameters:
    ///   - a: `n × n` row-major, symmetric (both triangles set); overwritten (its upper
    ///     triangle by `U`).
    ///   - b: the right-hand side; overwritten with the solution.
    /// - Returns: `false` when `A` is not positive definite.
    @discardableResult
    public static func solveInPlaceRowOriented(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, n: Int) -> Bool {
        for j in 0..<n {
            let rowJ = a + j * n
            let d = rowJ[j]
            guard d > 0 else { return false }
            let ujj = d.squareRoot()
            rowJ[j] = ujj
            let inverse = 1 / ujj
            for k in (j + 1)..<max(j + 1, n) { rowJ[k] *= inverse }
            // A[i][i..<n] −= U[j][i]·U[j][i..<n] for every later row i (the trailing update).
            for i in (j + 1)..<max(j + 1, n) {
                let u = rowJ[i]
                let rowI = a + i * n
                for k in i..<n { rowI[k] -= u * rowJ[k] }
            }
        }
        // Uᵀ y = b, column by column of Uᵀ (rows of U).
        for k in 0..<n {
            let rowK = a + k * n
            let y = b[k] / rowK[k]
            b[k] = y
            for i in (k + 1)..<max(k + 1, n) { b[i] -= rowK[i] * y }
        }
        // U x = y.
        for i in stride(from: n - 1, through: 0, by: -1) {
            let rowI = a + i * n
            var s = b[i]
            for k in (i + 1)..<max(i + 1, n) { s -= rowI[k] * b[k] }
            b[i] = s / rowI[i]
        }
        return true
    }

    /// Solves `A x = b` for a small SPD matrix in Double precision (factoring a copy).
    ///
    /// Used for the exact per-user solves of iALS and for explanations, where `n` is the
    /// number of factors.
    /// - Parameters:
    ///   - a: `n × n` row-major; overwritten with its Cholesky factor.
    ///   - b: the right-hand side; overwritten with the solution.
    /// - Returns: `false` when `A` is not positive definite.
    @discardableResult
    public static func solveInPlace(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, n: Int) -> Bool {
        guard factorSmall(a, n: n) == nil else { return false }
        substituteSmall(a, b, n: n)
        return true
    }

    /// Factors a small SPD matrix in place, in Double: on return the lower triangle (diagonal
    /// included) holds `L` with `A = L Lᵀ`; the strict upper triangle is neither read nor written.
    ///
    /// Row by row, `L[i][j] = (A[i][j] − Σ_{k<j} L[i][k] L[j][k]) / L[j][j]`. The one small
    /// Double factorisation: ``Cholesky`` and ``solveInPlace(_:_:n:)`` both use it.
    /// - Returns: the first pivot that is not positive and finite (`A` is not positive definite), or nil.
    /// - Complexity: n³/6 multiply-adds.
    static func factorSmall(_ a: UnsafeMutablePointer<Double>, n: Int) -> Int? {
        for i in 0..<n {
            for j in 0...i {
                var s = a[i * n + j]
                for k in 0..<j { s -= a[i * n + k] * a[j * n + k] }
                if i == j {
                    guard s > 0, s.isFinite else { return i }
                    a[i * n + i] = s.squareRoot()
                } else {
                    a[i * n + j] = s / a[j * n + j]
                }
            }
        }
        return nil
    }

    /// Solves `L Lᵀ x = b` in place by forward then backward substitution, `L` being the lower
    /// triangle of `l` (`n × n`, row-major) as ``factorSmall(_:n:)`` leaves it.
    /// - Complexity: O(n²).
    static func substituteSmall(_ l: UnsafePointer<Double>, _ b: UnsafeMutablePointer<Double>, n: Int) {
        for i in 0..<n {
            var s = b[i]
            for k in 0..<i { s -= l[i * n + k] * b[k] }
            b[i] = s / l[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = b[i]
            for k in (i + 1)..<max(i + 1, n) { s -= l[k * n + i] * b[k] }
            b[i] = s / l[i * n + i]
        }
    }
}
