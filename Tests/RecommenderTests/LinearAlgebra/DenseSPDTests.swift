import Testing
@testable import Recommender
import RecommenderTestSupport

@Suite struct DenseSPDTests {
    /// A random SPD matrix A = MᵀM / n + I (n × n).
    func randomSPD(_ n: Int, seed: UInt64) -> [Float] {
        var g = SeededGenerator(seed: seed)
        let m = (0..<(n * n)).map { _ in g.nextNormal() }
        var a = [Float](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n {
            var s: Float = 0
            for k in 0..<n { s += m[k * n + i] * m[k * n + j] }
            a[i * n + j] = s / Float(n) + (i == j ? 1 : 0)
        } }
        return a
    }

    @Test(arguments: [1, 7, 100, 230]) func inverseTimesMatrixIsIdentity(n: Int) throws {
        let a = randomSPD(n, seed: UInt64(n))
        for threads in [1, 2] {
            let p = try SymmetricPositiveDefinite.inverse(a, n: n, threads: threads)
            var worst: Float = 0
            for i in 0..<n { for j in 0..<n {
                var s: Float = 0
                for k in 0..<n { s += a[i * n + k] * p[k * n + j] }
                worst = max(worst, abs(s - (i == j ? 1 : 0)))
            } }
            #expect(worst < 2e-3, "n = \(n), threads = \(threads): max |A·A⁻¹ − I| = \(worst)")
        }
    }

    @Test func handComputedTwoByTwo() throws {
        // A = [[4, 2], [2, 3]]: det = 8, A⁻¹ = [[3, −2], [−2, 4]] / 8.
        let p = try SymmetricPositiveDefinite.inverse([4, 2, 2, 3], n: 2)
        expectClose(p, [0.375, -0.25, -0.25, 0.5], absolute: 1e-6)
    }

    @Test func indefiniteMatrixThrows() {
        #expect(throws: LinearAlgebraError.self) { try SymmetricPositiveDefinite.inverse([1, 2, 2, 1], n: 2) }
    }

    @Test func smallDoubleSolve() {
        // [[4, 2], [2, 3]] x = [2, 1] → x = A⁻¹ b = [3·2 − 2·1, −2·2 + 4·1] / 8 = [0.5, 0].
        var a: [Double] = [4, 2, 2, 3], b: [Double] = [2, 1]
        let ok = a.withUnsafeMutableBufferPointer { ap in b.withUnsafeMutableBufferPointer { bp in
            SymmetricPositiveDefinite.solveInPlace(ap.baseAddress!, bp.baseAddress!, n: 2) } }
        #expect(ok)
        #expect(abs(b[0] - 0.5) < 1e-12 && abs(b[1]) < 1e-12)
    }
}
