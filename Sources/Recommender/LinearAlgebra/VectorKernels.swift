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

/// A 64-byte-aligned, zero-initialised `Float` buffer owned by a class (freed on deinit).
///
/// Used for the working storage of fits; hot loops take its ``pointer`` once and never go
/// through Swift arrays.
public final class AlignedFloatBuffer: @unchecked Sendable {
    /// The first element.
    public let pointer: UnsafeMutablePointer<Float>
    /// The number of elements.
    public let count: Int

    /// Allocates `count` zeros.
    public init(count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(1, count))
        pointer.initialize(repeating: 0, count: max(1, count))
    }

    /// Allocates a copy of `values`.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit { pointer.deallocate() }

    /// A copy of the elements as an array.
    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}
