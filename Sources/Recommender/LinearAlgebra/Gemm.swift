
/// Single-precision general matrix multiply (SGEMM) on row-major buffers, in pure Swift.
///
/// Computes `C ← α·op(A)·op(B) + β·C` where `op(X)` is `X` or `Xᵀ`, all matrices row-major:
/// element (i, j) of an `r × c` matrix with leading dimension `ld` is `x[i * ld + j]`.
///
/// The implementation follows the usual cache-blocked scheme (Goto / BLIS): the K dimension
/// is cut into blocks of ``kBlock``, B into panels of 16 columns and A into panels of 6 rows,
/// and a 6 × 16 micro-kernel keeps the C tile in twelve 8-lane registers (six
/// `SIMD16<Float>`) while it streams the panels with fused multiply-adds. Operands used as
/// stored (not transposed) are read in place, which the kernel does at full speed since
/// their rows are contiguous; transposed operands and partial edge panels are packed into
/// 64-byte-aligned buffers. So the NN, NT, TN and TT variants share one kernel, and the
/// products with a small inner dimension (the softmax model's) spend no time packing.
///
/// The micro-kernel runs in the C kernels (``Kernels``), chosen at run time for the CPU (AVX2 +
/// FMA or AVX-512), so no compiler flag is needed for full speed.
public enum Gemm {
    /// Which implementation computes a product.
    ///
    /// Measured on this project's 2-core AMD EPYC (Zen 4) machine, thread CPU time of one
    /// product of the softmax model (200 × 1,682 × 35 and its two gradient shapes): OpenBLAS
    /// 0.3.21 (Debian, Cooperlake or Haswell kernels, one thread) 264–332 µs (71–89 GFLOP/s);
    /// this file's SIMD16 kernel (AVX2 + FMA) 535–728 µs (32–44 GFLOP/s).
    public enum Backend: String, CaseIterable, Sendable, Codable {
        /// This file's cache-blocked 6 × 16 kernel (C, AVX2 + FMA or AVX-512 chosen at run time).
        case swift
        /// The installed ``BLASProvider`` (OpenBLAS through the `RecommenderOpenBLAS` module on
        /// Linux), limited to one BLAS thread (callers parallelise themselves). When no provider
        /// is installed, products fall back to ``swift``.
        case openBLAS = "openblas"
    }

    /// An external single-precision GEMM (a BLAS library's `cblas_sgemm`, row-major).
    ///
    /// The core library links no BLAS: an application installs one with
    /// ``installBLAS(_:)`` (the `recommender` command installs OpenBLAS at start-up).
    public struct BLASProvider: Sendable {
        /// A short name for reports (e.g. `"OpenBLAS (Haswell)"`).
        public var name: String
        /// `C ← α·op(A)·op(B) + β·C` on row-major buffers, one thread; `k > 0`, `m, n > 0`.
        public var sgemm: @Sendable (_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                                     _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                                     _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) -> Void
        /// Creates a provider.
        public init(name: String, sgemm: @escaping @Sendable (Bool, Bool, Int, Int, Int, Float, UnsafePointer<Float>, Int,
                                                              UnsafePointer<Float>, Int, Float, UnsafeMutablePointer<Float>, Int) -> Void) {
            self.name = name
            self.sgemm = sgemm
        }
    }

    private static let provider = Locked<BLASProvider?>(nil)

    /// Installs `provider` as the ``Backend/openBLAS`` backend for the whole process.
    public static func installBLAS(_ provider: BLASProvider) { self.provider.withLock { $0 = provider } }

    /// The installed BLAS provider, if any.
    public static var installedBLAS: BLASProvider? { provider.withLock { $0 } }

    /// Whether an operand is used as stored or transposed.
    public enum Transpose: Sendable {
        /// `op(X) = X`.
        case none
        /// `op(X) = Xᵀ`.
        case transpose
    }

    /// Rows of the micro-kernel tile.
    static let mr = 6
    /// Columns of the micro-kernel tile (one `SIMD16<Float>`).
    static let nr = 16
    /// Depth of a packed K block.
    public static let kBlock = 256
    /// Rows of a packed A block.
    static let mBlock = 96
    /// Columns of a packed B block.
    static let nBlock = 2048

    /// `C ← α·op(A)·op(B) + β·C` (row-major).
    ///
    /// - Parameters:
    ///   - transA: whether to use `Aᵀ`; `op(A)` is `m × k`.
    ///   - transB: whether to use `Bᵀ`; `op(B)` is `k × n`.
    ///   - m: rows of `C`.
    ///   - n: columns of `C`.
    ///   - k: the inner dimension.
    ///   - alpha: scale of the product.
    ///   - a: A's elements; leading dimension `lda` (the stored row length).
    ///   - b: B's elements; leading dimension `ldb`.
    ///   - beta: scale of the existing `C` (0 ignores its contents, even NaN).
    ///   - c: C's elements; leading dimension `ldc`.
    ///   - threads: how many threads may share the work (split along N); 1 runs on the caller.
    ///     Ignored by the OpenBLAS backend, which always uses one thread.
    ///   - backend: the implementation (this file's kernel by default).
    /// - Complexity: O(m·n·k) time, O(kBlock·(mBlock + nBlock)) scratch memory per thread.
    public static func sgemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int,
                             threads: Int = 1, backend: Backend = .swift) {
        precondition(m >= 0 && n >= 0 && k >= 0, "Gemm: negative dimension")
        guard m > 0, n > 0 else { return }
        if backend == .openBLAS, let blas = installedBLAS {
            if k == 0 { scale(m: m, n: n, beta: beta, c: c, ldc: ldc); return }
            blas.sgemm(transA == .transpose, transB == .transpose, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        let chunks = max(1, min(threads, (n + 63) / 64))
        if chunks == 1 {
            serial(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        let boxA = UnsafeSendableBox(a), boxB = UnsafeSendableBox(b), boxC = UnsafeSendableBox(c)
        ComputePool.forEachChunk(count: chunks, chunks: chunks) { t, _ in
            // Split N on multiples of the kernel width.
            let panels = (n + nr - 1) / nr
            let lo = min(n, panels * t / chunks * nr), hi = min(n, panels * (t + 1) / chunks * nr)
            guard hi > lo else { return }
            let bOffset = transB == .none ? lo : lo * ldb
            serial(transA, transB, m: m, n: hi - lo, k: k, alpha: alpha, a: boxA.value, lda: lda,
                   b: boxB.value + bOffset, ldb: ldb, beta: beta, c: boxC.value + lo, ldc: ldc)
        }
    }

    /// The straightforward triple loop, for tests and tiny products.
    public static func reference(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                                 alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                                 b: UnsafePointer<Float>, ldb: Int,
                                 beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        for i in 0..<m {
            for j in 0..<n {
                var s: Double = 0
                for p in 0..<k {
                    let x = transA == .none ? a[i * lda + p] : a[p * lda + i]
                    let y = transB == .none ? b[p * ldb + j] : b[j * ldb + p]
                    s += Double(x) * Double(y)
                }
                let old = beta == 0 ? 0 : beta * c[i * ldc + j]
                c[i * ldc + j] = alpha * Float(s) + old
            }
        }
    }

    // MARK: blocked implementation

    static func serial(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                       alpha: Float, a: UnsafePointer<Float>, lda: Int,
                       b: UnsafePointer<Float>, ldb: Int,
                       beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if k == 0 || alpha == 0 {
            scale(m: m, n: n, beta: beta, c: c, ldc: ldc)
            return
        }
        let kc0 = min(k, kBlock)
        let nc0 = min(roundUp(n, nr), nBlock)
        let mc0 = min(roundUp(m, mr), mBlock)
        let packBBuffer = AlignedBuffer<Float>(count: kc0 * nc0), packABuffer = AlignedBuffer<Float>(count: kc0 * mc0)
        defer { withExtendedLifetime((packBBuffer, packABuffer)) {} }
        let packB = packBBuffer.pointer, packA = packABuffer.pointer
        let kernels = Kernels.Table.active

        var jc = 0
        while jc < n {
            let nc = min(nBlock, n - jc)
            var pc = 0
            while pc < k {
                let kc = min(kBlock, k - pc)
                let betaBlock: Float = pc == 0 ? beta : 1
                // B panels: read in place when stored row-major and full width, else packed.
                let directB = transB == .none
                if !directB {
                    packPanelsB(transB, k0: pc, kc: kc, j0: jc, nc: nc, b: b, ldb: ldb, into: packB)
                } else if nc % nr != 0 {
                    let last = nc / nr * nr
                    packPanelsB(.none, k0: pc, kc: kc, j0: jc + last, nc: nc - last, b: b, ldb: ldb, into: packB + last * kc)
                }
                var ic = 0
                while ic < m {
                    let mc = min(mBlock, m - ic)
                    let directA = transA == .none
                    if !directA {
                        packPanelsA(transA, i0: ic, mc: mc, k0: pc, kc: kc, a: a, lda: lda, into: packA)
                    } else if mc % mr != 0 {
                        let last = mc / mr * mr
                        packPanelsA(.none, i0: ic + last, mc: mc - last, k0: pc, kc: kc, a: a, lda: lda, into: packA + last * kc)
                    }
                    var jr = 0
                    while jr < nc {
                        let nrEff = min(nr, nc - jr)
                        let bInPlace = directB && nrEff == nr
                        let bPanel = bInPlace ? b + pc * ldb + (jc + jr) : UnsafePointer(packB + jr * kc)
                        let bStride = bInPlace ? ldb : nr
                        var ir = 0
                        while ir < mc {
                            let mrEff = min(mr, mc - ir)
                            let aInPlace = directA && mrEff == mr
                            let aPanel = aInPlace ? a + (ic + ir) * lda + pc : UnsafePointer(packA + ir * kc)
                            let cTile = c + (ic + ir) * ldc + (jc + jr)
                            kernel(kernels, kc: kc, a: aPanel, aRowStride: aInPlace ? lda : 1, aColumnStride: aInPlace ? 1 : mr,
                                   b: bPanel, bStride: bStride, c: cTile, ldc: ldc,
                                   rows: mrEff, columns: nrEff, alpha: alpha, beta: betaBlock)
                            ir += mr
                        }
                        jr += nr
                    }
                    ic += mBlock
                }
                pc += kBlock
            }
            jc += nBlock
        }
    }

    @inline(__always) static func roundUp(_ x: Int, _ q: Int) -> Int { (x + q - 1) / q * q }

    static func scale(m: Int, n: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        for i in 0..<m {
            let row = c + i * ldc
            if beta == 0 { row.update(repeating: 0, count: n) } else if beta != 1 { for j in 0..<n { row[j] *= beta } }
        }
    }

    /// Packs `op(B)[k0..<k0+kc, j0..<j0+nc]` into panels of `nr` columns: panel `q` holds, for
    /// each p, the `nr` values of row p (zero-padded past `nc`), at `out + q·kc·nr + p·nr`.
    static func packPanelsB(_ trans: Transpose, k0: Int, kc: Int, j0: Int, nc: Int,
                            b: UnsafePointer<Float>, ldb: Int, into out: UnsafeMutablePointer<Float>) {
        var q = 0
        while q * nr < nc {
            let jStart = j0 + q * nr
            let width = min(nr, nc - q * nr)
            let panel = out + q * kc * nr
            if trans == .none {
                if width == nr {
                    for p in 0..<kc {
                        let src = UnsafeRawPointer(b + (k0 + p) * ldb + jStart)
                        UnsafeMutableRawPointer(panel + p * nr).storeBytes(of: src.loadUnaligned(as: SIMD16<Float>.self), as: SIMD16<Float>.self)
                    }
                } else {
                    for p in 0..<kc {
                        let src = b + (k0 + p) * ldb + jStart
                        let dst = panel + p * nr
                        for j in 0..<width { dst[j] = src[j] }
                        for j in width..<nr { dst[j] = 0 }
                    }
                }
            } else {
                // op(B)[p, j] = b[j * ldb + p]: read each stored row contiguously.
                for j in 0..<nr {
                    if j < width {
                        let src = b + (jStart + j) * ldb + k0
                        for p in 0..<kc { panel[p * nr + j] = src[p] }
                    } else {
                        for p in 0..<kc { panel[p * nr + j] = 0 }
                    }
                }
            }
            q += 1
        }
    }

    /// Packs `op(A)[i0..<i0+mc, k0..<k0+kc]` into panels of `mr` rows: panel `q` holds, for
    /// each p, the `mr` values of column p (zero-padded past `mc`), at `out + q·kc·mr + p·mr`.
    static func packPanelsA(_ trans: Transpose, i0: Int, mc: Int, k0: Int, kc: Int,
                            a: UnsafePointer<Float>, lda: Int, into out: UnsafeMutablePointer<Float>) {
        var q = 0
        while q * mr < mc {
            let iStart = i0 + q * mr
            let height = min(mr, mc - q * mr)
            let panel = out + q * kc * mr
            if trans == .none {
                for r in 0..<mr {
                    if r < height {
                        let src = a + (iStart + r) * lda + k0
                        for p in 0..<kc { panel[p * mr + r] = src[p] }
                    } else {
                        for p in 0..<kc { panel[p * mr + r] = 0 }
                    }
                }
            } else {
                // op(A)[i, p] = a[p * lda + i]: each stored row gives `height` contiguous values.
                for p in 0..<kc {
                    let src = a + (k0 + p) * lda + iStart
                    let dst = panel + p * mr
                    for r in 0..<height { dst[r] = src[r] }
                    for r in height..<mr { dst[r] = 0 }
                }
            }
            q += 1
        }
    }

    /// The 6 × 16 micro-kernel: `C[rows × columns] ← α·Ã·B̃ + β·C`. Row r of the A panel at
    /// depth p is `a[r·aRowStride + p·aColumnStride]`; the 16 B values at depth p start at
    /// `b + p·bStride`. It runs in the C kernels (AVX2 + FMA or AVX-512 when the CPU has them).
    @inline(__always)
    static func kernel(_ kernels: Kernels.Table, kc: Int, a: UnsafePointer<Float>, aRowStride rs: Int, aColumnStride cs: Int,
                       b: UnsafePointer<Float>, bStride: Int,
                       c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int,
                       alpha: Float, beta: Float) {
        kernels.gemmTile(kc: kc, a: a, rowStride: rs, columnStride: cs, b: b, bStride: bStride, c: c, ldc: ldc,
                         rows: rows, columns: columns, alpha: alpha, beta: beta)
    }
}
