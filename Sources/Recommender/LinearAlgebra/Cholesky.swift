/// Errors of dense linear algebra.
public enum LinearAlgebraError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The matrix is not (numerically) symmetric positive definite.
    case notPositiveDefinite(pivot: Int)

    public var description: String {
        switch self {
        case .notPositiveDefinite(let pivot): return "matrix is not positive definite (pivot \(pivot))"
        }
    }
}

/// The Cholesky factorisation A = L·Lᵀ of a small symmetric positive-definite matrix, in `Double`.
///
/// Used to solve the d×d normal equations of fold-in (d is the embedding dimension, tens to a
/// few hundreds), where a hand-written O(d³/3) factorisation is simpler than a BLAS bridge.
public struct Cholesky: Sendable {
    /// The order of the matrix.
    public let order: Int
    /// The lower-triangular factor, row-major (`order × order`; entries above the diagonal are 0).
    public private(set) var lower: [Double]

    /// Factorises the symmetric matrix `a` (row-major, `order × order`; only the lower triangle is read).
    /// - Throws: ``LinearAlgebraError/notPositiveDefinite(pivot:)`` when a pivot is not positive.
    /// - Complexity: O(order³ / 3).
    public init(_ a: [Double], order n: Int) throws {
        precondition(a.count == n * n, "Cholesky: matrix must be order × order")
        order = n
        var l = a
        let failed = n == 0 ? nil : l.withUnsafeMutableBufferPointer { SymmetricPositiveDefinite.factorSmall($0.baseAddress!, n: n) }
        if let pivot = failed { throw LinearAlgebraError.notPositiveDefinite(pivot: pivot) }
        for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { l[i * n + j] = 0 } }
        lower = l
    }

    /// Solves A·x = b by forward and backward substitution.
    /// - Complexity: O(order²).
    public func solve(_ b: [Double]) -> [Double] {
        let n = order
        precondition(b.count == n, "Cholesky.solve: right-hand side has the wrong length")
        var y = b
        guard n > 0 else { return y }
        lower.withUnsafeBufferPointer { l in
            y.withUnsafeMutableBufferPointer { SymmetricPositiveDefinite.substituteSmall(l.baseAddress!, $0.baseAddress!, n: n) }
        }
        return y
    }
}

extension Kernels {
    /// Solves `A x = b` in place for a symmetric positive definite `A` (`n × n`, row-major,
    /// leading dimension `lda`) by Cholesky factorisation; `b` is overwritten by `x`.
    ///
    /// Only the lower triangle of `A` is read; it is overwritten by the factor `L`.
    /// - Returns: `false` when `A` is not positive definite (a pivot ≤ 0); `b` is then unspecified.
    /// - Complexity: O(n³ / 3).
    package static func choleskySolve(_ a: UnsafeMutablePointer<Float>, lda: Int, _ b: UnsafeMutablePointer<Float>, _ n: Int) -> Bool {
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
