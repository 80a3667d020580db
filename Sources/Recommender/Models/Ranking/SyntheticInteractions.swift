/// Seeded generator of large implicit-feedback matrices shaped like MovieLens 25M, for
/// benchmarks that must not depend on downloaded files.
///
/// Item popularity follows a power law: item `i` (0-based, most popular first) is drawn with
/// probability ∝ `(i + 1)^(−exponent)`. Each user gets `20 + Exp(mean − 20)` distinct items
/// (MovieLens keeps users with at least 20 ratings), scaled so the total is exactly
/// `interactions` when possible; values are star ratings 0.5…5 in half steps, drawn uniformly.
public enum SyntheticInteractions {
    /// The user × item CSR matrix (columns ascending per row).
    /// - Parameters:
    ///   - users, items, interactions: the shape (ML-25M: 162,541 × 59,047, 25,000,000).
    ///   - exponent: the power-law exponent of item popularity (default 1.0).
    ///   - seed: the random seed.
    /// - Complexity: O(interactions · log items) time; the matrix itself plus O(items) memory.
    public static func matrix(users: Int, items: Int, interactions: Int, exponent: Double = 1.0, seed: UInt64) -> SparseMatrix {
        precondition(users > 0 && items > 0 && interactions >= 0)
        var g = SeededGenerator(seed: seed)
        // Per-user counts: 20 + exponential, rescaled to the requested total, capped at items / 2.
        let minimum = min(20, items / 2), cap = max(1, items / 2)
        let mean = Double(interactions) / Double(users)
        var raw = (0..<users).map { _ in Double(minimum) + max(0, mean - Double(minimum)) * -_logD(1 - g.nextUnitDouble()) }
        let scale = Double(interactions) / raw.reduce(0, +)
        raw = raw.map { $0 * scale }
        var counts = raw.map { min(cap, max(1, Int($0))) }
        var total = counts.reduce(0, +)
        var u = 0
        while total < interactions && total < users * cap { if counts[u] < cap { counts[u] += 1; total += 1 }; u = (u + 1) % users }
        while total > interactions { if counts[u] > 1 { counts[u] -= 1; total -= 1 }; u = (u + 1) % users }
        // Cumulative popularity.
        var cumulative = [Double](repeating: 0, count: items)
        var acc = 0.0
        for i in 0..<items { acc += _powD(Double(i + 1), -exponent); cumulative[i] = acc }
        var offsets = [Int](repeating: 0, count: users + 1)
        for u in 0..<users { offsets[u + 1] = offsets[u] + counts[u] }
        var columns = [Int32](repeating: 0, count: total)
        var values = [Float](repeating: 0, count: total)
        var mark = [Bool](repeating: false, count: items)
        var row: [Int32] = []
        for u in 0..<users {
            row.removeAll(keepingCapacity: true)
            while row.count < counts[u] {
                let target = g.nextUnitDouble() * acc
                var lo = 0, hi = items - 1
                while lo < hi { let m = (lo + hi) / 2; if cumulative[m] < target { lo = m + 1 } else { hi = m } }
                if !mark[lo] { mark[lo] = true; row.append(Int32(lo)) }
            }
            row.sort()
            for (k, item) in row.enumerated() {
                columns[offsets[u] + k] = item
                values[offsets[u] + k] = Float(1 + g.nextInt(below: 10)) * 0.5
                mark[Int(item)] = false
            }
        }
        return SparseMatrix(rowCount: users, columnCount: items, rowOffsets: offsets, columns: columns, values: values)
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _logD(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func _powD(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
#else
import Foundation
@inline(__always) func _logD(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) func _powD(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
#endif
