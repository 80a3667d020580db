import CPrefetch

/// SIMD kernels over raw `Float` pointers: the hot loops of the ranking models.
///
/// All loads and stores are unaligned-safe. Products use `addingProduct` (one FMA per lane
/// when built with `-target-cpu haswell` or newer, as the Makefile does). Sums use a tree
/// reduction of the SIMD lanes.
public enum VectorKernels {
    @inline(__always)
    static func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always)
    static func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
    }

    @inline(__always)
    static func reduce(_ v: SIMD16<Float>) -> Float {
        let a = v.lowHalf + v.highHalf
        let b = a.lowHalf + a.highHalf
        let c = b.lowHalf + b.highHalf
        return c[0] + c[1]
    }

    /// The dot product of `n` elements of `a` and `b`.
    /// - Complexity: O(n).
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var i = 0
        while i + 32 <= n {
            acc0 = acc0.addingProduct(load16(a + i), load16(b + i))
            acc1 = acc1.addingProduct(load16(a + i + 16), load16(b + i + 16))
            i += 32
        }
        if i + 16 <= n {
            acc0 = acc0.addingProduct(load16(a + i), load16(b + i))
            i += 16
        }
        var s = reduce(acc0 + acc1)
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// `y[0..<n] += alpha * x[0..<n]`.
    /// - Complexity: O(n).
    @inline(__always)
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let a = SIMD16<Float>(repeating: alpha)
        var i = 0
        while i + 16 <= n {
            store16(load16(y + i).addingProduct(a, load16(x + i)), y + i)
            i += 16
        }
        while i < n { y[i] += alpha * x[i]; i += 1 }
    }

    /// `y[0..<n] = alpha * x[0..<n] + beta * y[0..<n]`.
    @inline(__always)
    public static func axpby(_ alpha: Float, _ x: UnsafePointer<Float>, _ beta: Float, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let a = SIMD16<Float>(repeating: alpha), b = SIMD16<Float>(repeating: beta)
        var i = 0
        while i + 16 <= n {
            store16((load16(y + i) * b).addingProduct(a, load16(x + i)), y + i)
            i += 16
        }
        while i < n { y[i] = alpha * x[i] + beta * y[i]; i += 1 }
    }

    /// `y = A x` for a row-major `rows × columns` matrix `A`.
    @inline(__always)
    public static func gemv(_ a: UnsafePointer<Float>, rows: Int, columns: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        for r in 0..<rows { y[r] = dot(a + r * columns, x, columns) }
    }
}

extension AlignedFloatBuffer {
    /// Allocates a 64-byte-aligned copy of `values`.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }
}

extension VectorKernels {
    /// `out += Σ_e (a(e) + b(e) · (y_e · v)) · y_e` over `count` rows `y_e = row(e)` of width `f`:
    /// the fused "dot then scale-add" pass of the iALS conjugate-gradient solves.
    ///
    /// Widths 32 and 64 keep `v` and the accumulators in SIMD registers; other widths use the
    /// general dot/axpy kernels.
    /// - Complexity: 2·f·count multiply-adds.
    @inline(__always)
    public static func fusedRankOneSum(count: Int, f: Int, row: (Int) -> UnsafePointer<Float>, a: (Int) -> Float, b: (Int) -> Float,
                                       v: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>) {
        if f == 64 {
            let v0 = load16(v), v1 = load16(v + 16), v2 = load16(v + 32), v3 = load16(v + 48)
            var o0 = load16(out), o1 = load16(out + 16), o2 = load16(out + 32), o3 = load16(out + 48)
            let ahead = 8
            for e in 0..<min(ahead, count) { recommender_prefetch256(row(e)) }
            for e in 0..<count {
                if e + ahead < count { recommender_prefetch256(row(e + ahead)) }
                let y = row(e)
                let y0 = load16(y), y1 = load16(y + 16), y2 = load16(y + 32), y3 = load16(y + 48)
                var d = y0 * v0
                d = d.addingProduct(y1, v1)
                d = d.addingProduct(y2, v2)
                d = d.addingProduct(y3, v3)
                let s = SIMD16<Float>(repeating: a(e) + b(e) * reduce(d))
                o0 = o0.addingProduct(s, y0)
                o1 = o1.addingProduct(s, y1)
                o2 = o2.addingProduct(s, y2)
                o3 = o3.addingProduct(s, y3)
            }
            store16(o0, out); store16(o1, out + 16); store16(o2, out + 32); store16(o3, out + 48)
        } else if f == 32 {
            let v0 = load16(v), v1 = load16(v + 16)
            var o0 = load16(out), o1 = load16(out + 16)
            for e in 0..<count {
                let y = row(e)
                let y0 = load16(y), y1 = load16(y + 16)
                let d = (y0 * v0).addingProduct(y1, v1)
                let s = SIMD16<Float>(repeating: a(e) + b(e) * reduce(d))
                o0 = o0.addingProduct(s, y0)
                o1 = o1.addingProduct(s, y1)
            }
            store16(o0, out); store16(o1, out + 16)
        } else {
            for e in 0..<count {
                let y = row(e)
                axpy(a(e) + b(e) * dot(y, v, f), y, out, f)
            }
        }
    }
}

extension VectorKernels {
    /// `y = A x` for a symmetric `n × n` row-major `A`, computed as `Σ_k x[k] · A[k]` (row
    /// broadcasts, no horizontal sums). Faster than ``gemv(_:rows:columns:_:_:)`` for the small
    /// Gram matrices of iALS.
    @inline(__always)
    public static func symv(_ a: UnsafePointer<Float>, n: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        if n == 64 {
            var o0 = SIMD16<Float>(), o1 = SIMD16<Float>(), o2 = SIMD16<Float>(), o3 = SIMD16<Float>()
            for k in 0..<64 {
                let s = SIMD16<Float>(repeating: x[k]), row = a + k * 64
                o0 = o0.addingProduct(s, load16(row))
                o1 = o1.addingProduct(s, load16(row + 16))
                o2 = o2.addingProduct(s, load16(row + 32))
                o3 = o3.addingProduct(s, load16(row + 48))
            }
            store16(o0, y); store16(o1, y + 16); store16(o2, y + 32); store16(o3, y + 48)
        } else {
            y.update(repeating: 0, count: n)
            for k in 0..<n where x[k] != 0 { axpy(x[k], a + k * n, y, n) }
        }
    }
}
