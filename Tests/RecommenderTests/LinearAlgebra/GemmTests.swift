import Testing
@testable import Recommender

@Suite struct GemmTests {
    /// Random matrix data, seeded.
    func randomBuffer(_ count: Int, seed: UInt64) -> [Float] {
        var g = SeededGenerator(seed: seed)
        return (0..<count).map { _ in g.nextUnitFloat() * 2 - 1 }
    }

    @Test(arguments: [
        (Gemm.Transpose.none, Gemm.Transpose.none), (.none, .transpose), (.transpose, .none), (.transpose, .transpose),
    ])
    func matchesReference(transA: Gemm.Transpose, transB: Gemm.Transpose) {
        // Shapes that hit full tiles, edge tiles, several K blocks and odd leading dimensions.
        let shapes = [(1, 1, 1), (6, 16, 5), (7, 17, 3), (13, 35, 40), (40, 70, 300), (100, 35, 257), (5, 130, 35)]
        for (index, (m, n, k)) in shapes.enumerated() {
            let rowsA = transA == .none ? m : k, colsA = transA == .none ? k : m
            let rowsB = transB == .none ? k : n, colsB = transB == .none ? n : k
            let lda = colsA + 3, ldb = colsB + 1, ldc = n + 2
            let a = randomBuffer(rowsA * lda, seed: UInt64(index * 3 + 1))
            let b = randomBuffer(rowsB * ldb, seed: UInt64(index * 3 + 2))
            let c0 = randomBuffer(m * ldc, seed: UInt64(index * 3 + 3))
            for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (-2, 0.25)] {
                for (threads, backend) in [(1, Gemm.Backend.swift), (2, .swift), (1, .openBLAS)] {
                    var fast = c0, slow = c0
                    a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in
                        fast.withUnsafeMutableBufferPointer { cp in
                            Gemm.sgemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: ap.baseAddress!, lda: lda,
                                       b: bp.baseAddress!, ldb: ldb, beta: beta, c: cp.baseAddress!, ldc: ldc, threads: threads, backend: backend)
                        }
                        slow.withUnsafeMutableBufferPointer { cp in
                            Gemm.reference(transA, transB, m: m, n: n, k: k, alpha: alpha, a: ap.baseAddress!, lda: lda,
                                           b: bp.baseAddress!, ldb: ldb, beta: beta, c: cp.baseAddress!, ldc: ldc)
                        }
                    } }
                    var worst: Float = 0
                    for i in 0..<m { for j in 0..<ldc {
                        let x = fast[i * ldc + j], y = slow[i * ldc + j]
                        if j >= n { #expect(x == c0[i * ldc + j], "padding column written"); continue }
                        worst = max(worst, abs(x - y) / (1 + abs(y)))
                    } }
                    #expect(worst < 1e-4, "shape \(m)x\(n)x\(k) \(transA) \(transB) alpha \(alpha) beta \(beta) threads \(threads) \(backend): error \(worst)")
                }
            }
        }
    }

    @Test func zeroBetaIgnoresNaN() {
        let a: [Float] = [1, 2], b: [Float] = [3, 4]
        var c: [Float] = [.nan]
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
            Gemm.sgemm(.none, .transpose, m: 1, n: 1, k: 2, a: ap.baseAddress!, lda: 2, b: bp.baseAddress!, ldb: 2, beta: 0, c: cp.baseAddress!, ldc: 1)
        } } }
        #expect(abs(c[0] - 11) < 1e-6)
    }
}
