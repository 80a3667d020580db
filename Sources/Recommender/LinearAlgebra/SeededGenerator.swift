/// A fast, seedable pseudo-random generator (xoshiro256**, seeded through SplitMix64).
///
/// Every random choice in the library (splits, initialisation, sampling, shuffling) draws
/// from one of these, so a fixed seed always gives the same result on every platform.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    private var spareNormal: Float? = nil

    /// Creates a generator from a seed; equal seeds give equal sequences.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// The next 64 random bits.
    @inlinable @inline(__always)
    public mutating func next() -> UInt64 { nextBits() }

    @usableFromInline @inline(__always)
    mutating func nextBits() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @usableFromInline @inline(__always)
    func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform `Float` in `[0, 1)`.
    @inlinable @inline(__always)
    public mutating func nextUnitFloat() -> Float { Float(nextBits() >> 40) * 0x1p-24 }

    /// A uniform `Double` in `[0, 1)`.
    @inlinable @inline(__always)
    public mutating func nextUnitDouble() -> Double { Double(nextBits() >> 11) * 0x1p-53 }

    /// A uniform integer in `0..<bound` (Lemire's multiply-shift; bias below 2⁻³²).
    @inlinable @inline(__always)
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0)
        return Int((UInt64(UInt32(truncatingIfNeeded: nextBits() >> 32)) &* UInt64(bound)) >> 32)
    }

    /// A standard normal sample (Box–Muller; the second value of each pair is kept for the next call).
    public mutating func nextNormal() -> Float {
        if let spare = spareNormal { spareNormal = nil; return spare }
        var u1 = nextUnitDouble()
        while u1 <= .leastNormalMagnitude { u1 = nextUnitDouble() }
        let u2 = nextUnitDouble()
        let radius = (-2 * _log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        spareNormal = Float(radius * _sin(angle))
        return Float(radius * _cos(angle))
    }

    /// A normal sample with the given mean and standard deviation.
    public mutating func nextNormal(mean: Float, standardDeviation: Float) -> Float {
        mean + standardDeviation * nextNormal()
    }

    /// A normal sample truncated to two standard deviations (TensorFlow's `truncated_normal`).
    public mutating func nextTruncatedNormal(standardDeviation: Float) -> Float {
        while true {
            let z = nextNormal()
            if abs(z) <= 2 { return z * standardDeviation }
        }
    }

    /// Shuffles `array` in place (Fisher–Yates).
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = nextInt(below: i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }

    /// A random permutation of `0..<count`.
    public mutating func permutation(_ count: Int) -> [Int] {
        var p = Array(0..<count)
        shuffle(&p)
        return p
    }
}

#if canImport(Glibc)
import Glibc
@usableFromInline func _log(_ x: Double) -> Double { Glibc.log(x) }
@usableFromInline func _sin(_ x: Double) -> Double { Glibc.sin(x) }
@usableFromInline func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Foundation
@usableFromInline func _log(_ x: Double) -> Double { Foundation.log(x) }
@usableFromInline func _sin(_ x: Double) -> Double { Foundation.sin(x) }
@usableFromInline func _cos(_ x: Double) -> Double { Foundation.cos(x) }
#endif
