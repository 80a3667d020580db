#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif

/// Small SIMD kernels of the softmax model on raw `Float` buffers: exponential, softmax cross-entropy, axpy, sums.
///
/// All take unsafe pointers and lengths; callers guarantee the ranges are valid.
public enum SoftmaxKernels {
    /// e^x for eight lanes (Cephes `expf` range reduction + degree-6 polynomial, relative
    /// error below 2·10⁻⁷ on [-87, 88]; inputs are clamped to that range).
    @inline(__always)
    public static func exp(_ v: SIMD8<Float>) -> SIMD8<Float> {
        // Only compare/select and arithmetic: the generic SIMD conversions and roundings
        // (`rounded`, `SIMD8<Int32>(_:rounding:)`, `clamped`) are per-lane library calls.
        var x = v.replacing(with: -87, where: v .< -87)
        x.replace(with: 88, where: x .> 88)
        // Round x·log₂e to the nearest integer n with the 1.5·2²³ trick; t's low bits hold n.
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let t = x * 1.442_695_04 + magic
        let n = t - magic
        let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4
        let z = r * r
        var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        p = p * z + r + 1
        let bits = (unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return p * unsafeBitCast(bits, to: SIMD8<Float>.self)
    }

    /// Scalar e^x through the same kernel (so tails agree with the vector body).
    @inline(__always)
    public static func exp(_ x: Float) -> Float { exp(SIMD8(repeating: x))[0] }

    /// The largest of `count` values.
    @inline(__always)
    public static func max(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var m8 = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        let raw = UnsafeRawPointer(x)
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            m8.replace(with: v, where: v .> m8)
            i += 8
        }
        var m = m8.max()
        while i < count { m = Swift.max(m, x[i]); i += 1 }
        return m
    }

    /// Softmax cross-entropy of one row of logits, in place.
    ///
    /// On return `row` holds `scale · (softmax(row) − onehot(label))`, the gradient of
    /// `scale · CE` with respect to the logits. Returns the cross-entropy
    /// `logsumexp(row) − row[label]`.
    @inline(__always)
    public static func softmaxCrossEntropy(_ row: UnsafeMutablePointer<Float>, count: Int, label: Int, scale: Float) -> Float {
        let labelLogit = row[label]
        let m = max(row, count: count)
        let raw = UnsafeMutableRawPointer(row)
        var s8 = SIMD8<Float>()
        var i = 0
        let m8 = SIMD8<Float>(repeating: m)
        while i + 8 <= count {
            let e = exp(raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - m8)
            raw.storeBytes(of: e, toByteOffset: i * 4, as: SIMD8<Float>.self)
            s8 += e
            i += 8
        }
        var sum = s8.sum()
        while i < count { let e = exp(row[i] - m); row[i] = e; sum += e; i += 1 }
        let factor = SIMD8<Float>(repeating: scale / sum)
        i = 0
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            raw.storeBytes(of: v * factor, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count { row[i] *= factor[0]; i += 1 }
        row[label] -= scale
        return m + Float(log(Double(sum))) - labelLogit
    }

    /// How many of `count` values are strictly greater than `x` (the 0-based rank of `x`).
    @inline(__always)
    public static func countGreater(_ row: UnsafePointer<Float>, count: Int, than x: Float) -> Int {
        var c8 = SIMD8<Int32>()
        let x8 = SIMD8<Float>(repeating: x)
        let raw = UnsafeRawPointer(row)
        var i = 0
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            c8 &-= unsafeBitCast((v .> x8), to: SIMD8<Int32>.self) // true lanes are -1
            i += 8
        }
        var c = Int(c8.wrappedSum())
        while i < count { if row[i] > x { c += 1 }; i += 1 }
        return c
    }

    /// `y[0..<count] += a · x[0..<count]`.
    @inline(__always)
    public static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        let xr = UnsafeRawPointer(x), yr = UnsafeMutableRawPointer(y)
        var i = 0
        while i + 8 <= count {
            let v = yr.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                .addingProduct(a, xr.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
            yr.storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count { y[i] += a * x[i]; i += 1 }
    }

    /// `y[0..<count] += x[0..<count]`.
    @inline(__always)
    public static func add(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        let xr = UnsafeRawPointer(x), yr = UnsafeMutableRawPointer(y)
        var i = 0
        while i + 8 <= count {
            let v = yr.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) + xr.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            yr.storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count { y[i] += x[i]; i += 1 }
    }

    /// The dot product of two vectors.
    @inline(__always)
    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        let xr = UnsafeRawPointer(x), yr = UnsafeRawPointer(y)
        var s8 = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            s8 = s8.addingProduct(xr.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self),
                                  yr.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
            i += 8
        }
        var s = s8.sum()
        while i < count { s += x[i] * y[i]; i += 1 }
        return s
    }
}
