import Testing
@testable import Recommender
import RecommenderTestSupport

@Suite struct CholeskyTests {
    @Test func solvesAKnownSystem() throws {
        // A = [[4, 2, 0], [2, 5, 1], [0, 1, 3]], x = [1, -2, 3] → b = A·x = [0, -5, 7].
        let a: [Double] = [4, 2, 0, 2, 5, 1, 0, 1, 3]
        let factor = try Cholesky(a, order: 3)
        let x = factor.solve([0, -5, 7])
        expectClose(x, [1.0, -2, 3], absolute: 1e-12)
        // L·Lᵀ reproduces A.
        let l = factor.lower
        for i in 0..<3 { for j in 0..<3 {
            let s = (0..<3).reduce(0.0) { $0 + l[i * 3 + $1] * l[j * 3 + $1] }
            #expect(abs(s - a[i * 3 + j]) < 1e-12)
        } }
    }

    @Test func rejectsMatricesThatAreNotPositiveDefinite() {
        #expect(throws: LinearAlgebraError.notPositiveDefinite(pivot: 1)) { try Cholesky([1, 2, 2, 1], order: 2) }
        #expect(throws: LinearAlgebraError.notPositiveDefinite(pivot: 0)) { try Cholesky([0], order: 1) }
    }

    @Test func randomSystemsAgreeWithTheResidual() throws {
        var g = SeededGenerator(seed: 17)
        let n = 12
        let m = (0..<(n * n)).map { _ in Double(g.nextNormal()) }
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { a[i * n + j] = (0..<n).reduce(0.0) { $0 + m[i * n + $1] * m[j * n + $1] } + (i == j ? 0.5 : 0) } }
        let b = (0..<n).map { _ in Double(g.nextNormal()) }
        let x = try Cholesky(a, order: n).solve(b)
        for i in 0..<n {
            let r = (0..<n).reduce(0.0) { $0 + a[i * n + $1] * x[$1] } - b[i]
            #expect(abs(r) < 1e-9)
        }
    }

    @Test(arguments: [1, 5, 37, 64]) func rowOrientedSolveAgreesWithTheReference(n: Int) throws {
        var g = SeededGenerator(seed: UInt64(n))
        let m = (0..<(n * n)).map { _ in Double(g.nextNormal()) }
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { a[i * n + j] = (0..<n).reduce(0.0) { $0 + m[i * n + $1] * m[j * n + $1] } + (i == j ? 0.5 : 0) } }
        let b = (0..<n).map { _ in Double(g.nextNormal()) }
        let reference = try Cholesky(a, order: n).solve(b)
        var work = a, x = b
        #expect(SymmetricPositiveDefinite.solveInPlaceRowOriented(&work, &x, n: n))
        for i in 0..<n { #expect(abs(x[i] - reference[i]) < 1e-8 * max(1, abs(reference[i])), "n \(n) entry \(i)") }
        // Not positive definite: refused.
        var bad: [Double] = [1, 2, 2, 1], rhs: [Double] = [1, 1]
        #expect(!SymmetricPositiveDefinite.solveInPlaceRowOriented(&bad, &rhs, n: 2))
    }
}
