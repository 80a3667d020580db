/// A fixed-size, zero-initialised, 64-byte-aligned buffer of `Float`s for hot loops.
///
/// `[Float]` storage is not 64-byte aligned and pays exclusivity checks when stored in a class;
/// kernels keep their working arrays in these buffers and address them through ``pointer``.
/// The memory is owned by the buffer and freed when it is released.
public final class AlignedFloatBuffer: @unchecked Sendable {
    /// The first element; valid for ``count`` elements while the buffer is alive.
    public let pointer: UnsafeMutablePointer<Float>
    /// The number of elements.
    public let count: Int

    /// Allocates `count` floats set to `value`, aligned to 64 bytes.
    public init(count: Int, repeating value: Float = 0) {
        precondition(count >= 0, "AlignedFloatBuffer: negative count")
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 16) * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 16))
        pointer.initialize(repeating: value, count: max(count, 16))
        self.count = count
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    /// Sets every element to `value`.
    public func fill(_ value: Float) { pointer.update(repeating: value, count: count) }

    /// A copy of the elements as an array.
    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}

/// A fixed-size, 64-byte-aligned buffer of `Int32`s (indices for hot loops).
public final class AlignedInt32Buffer: @unchecked Sendable {
    /// The first element; valid for ``count`` elements while the buffer is alive.
    public let pointer: UnsafeMutablePointer<Int32>
    /// The number of elements.
    public let count: Int

    /// Allocates a buffer holding a copy of `values`.
    public init(_ values: [Int32]) {
        count = values.count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 16) * MemoryLayout<Int32>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Int32.self, capacity: max(count, 16))
        pointer.initialize(repeating: 0, count: max(count, 16))
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: count) }
        }
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}

/// Small SIMD helpers shared by the kernels.
public enum SIMDKernels {
    /// The sum of the 16 lanes by a tree of halvings (much faster than `SIMD.sum()`, which adds lanes one by one).
    @inlinable @inline(__always)
    public static func sum(_ v: SIMD16<Float>) -> Float {
        let a = v.lowHalf + v.highHalf
        let b = a.lowHalf + a.highHalf
        let c = b.lowHalf + b.highHalf
        return c[0] + c[1]
    }

    /// The sum of the 8 lanes by a tree of halvings.
    @inlinable @inline(__always)
    public static func sum(_ v: SIMD8<Float>) -> Float {
        let b = v.lowHalf + v.highHalf
        let c = b.lowHalf + b.highHalf
        return c[0] + c[1]
    }

    /// Loads 8 floats starting at `p` (any alignment).
    @inlinable @inline(__always)
    public static func load8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Stores 8 floats at `p` (any alignment).
    @inlinable @inline(__always)
    public static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    /// `[a0+a1, a2+a3, a4+a5, a6+a7, b0+b1, b2+b3, b4+b5, b6+b7]`.
    @inlinable @inline(__always)
    public static func pairSum(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8(lowHalf: a.evenHalf, highHalf: b.evenHalf) + SIMD8(lowHalf: a.oddHalf, highHalf: b.oddHalf)
    }

    /// The lane sums of eight vectors at once: lane k of the result is the sum of the lanes of the k-th argument
    /// (a transpose-add: 7 pair sums instead of 8 horizontal reductions).
    @inlinable @inline(__always)
    public static func transposeSum(_ f0: SIMD8<Float>, _ f1: SIMD8<Float>, _ f2: SIMD8<Float>, _ f3: SIMD8<Float>,
                                    _ f4: SIMD8<Float>, _ f5: SIMD8<Float>, _ f6: SIMD8<Float>, _ f7: SIMD8<Float>) -> SIMD8<Float> {
        pairSum(pairSum(pairSum(f0, f1), pairSum(f2, f3)), pairSum(pairSum(f4, f5), pairSum(f6, f7)))
    }

    /// Loads 16 floats starting at `p` (any alignment).
    @inlinable @inline(__always)
    public static func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }

    /// Loads 16 floats starting at `p` (any alignment).
    @inlinable @inline(__always)
    public static func load(_ p: UnsafeMutablePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }

    /// Stores 16 floats at `p` (any alignment).
    @inlinable @inline(__always)
    public static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
    }

    /// `n` rounded up to a multiple of 16 (the padded width of embedding rows).
    @inlinable
    public static func paddedWidth(_ n: Int) -> Int { max(16, (n + 15) / 16 * 16) }
}
