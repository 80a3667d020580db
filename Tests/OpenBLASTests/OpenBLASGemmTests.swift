import Testing
import Recommender
import RecommenderOpenBLAS

@Suite struct OpenBLASGemmTests {
    @Test func installedProviderMatchesTheReference() {
        OpenBLAS.install()
        #expect(Gemm.installedBLAS?.name.hasPrefix("OpenBLAS") == true)
        var g = SeededGenerator(seed: 7)
        for (index, (m, n, k)) in [(1, 1, 1), (7, 17, 3), (40, 70, 300), (100, 35, 257)].enumerated() {
            for (transA, transB) in [(Gemm.Transpose.none, Gemm.Transpose.none), (.none, .transpose), (.transpose, .none), (.transpose, .transpose)] {
                let rowsA = transA == .none ? m : k, colsA = transA == .none ? k : m
                let rowsB = transB == .none ? k : n, colsB = transB == .none ? n : k
                let lda = colsA + 1, ldb = colsB + 2, ldc = n + 3
                let a = (0..<(rowsA * lda)).map { _ in g.nextUnitFloat() * 2 - 1 }
                let b = (0..<(rowsB * ldb)).map { _ in g.nextUnitFloat() * 2 - 1 }
                let c0 = (0..<(m * ldc)).map { _ in g.nextUnitFloat() * 2 - 1 }
                var fast = c0, slow = c0
                a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in
                    fast.withUnsafeMutableBufferPointer { cp in
                        Gemm.sgemm(transA, transB, m: m, n: n, k: k, alpha: 0.5, a: ap.baseAddress!, lda: lda,
                                   b: bp.baseAddress!, ldb: ldb, beta: 0.25, c: cp.baseAddress!, ldc: ldc, backend: .openBLAS)
                    }
                    slow.withUnsafeMutableBufferPointer { cp in
                        Gemm.reference(transA, transB, m: m, n: n, k: k, alpha: 0.5, a: ap.baseAddress!, lda: lda,
                                       b: bp.baseAddress!, ldb: ldb, beta: 0.25, c: cp.baseAddress!, ldc: ldc)
                    }
                } }
                #expect(fast.count == slow.count)
                for i in 0..<m { for j in 0..<n {
                    let x = fast[i * ldc + j], y = slow[i * ldc + j]
                    #expect(abs(x - y) <= 1e-4 * (1 + abs(y)), "shape #\(index) \(transA) \(transB) at (\(i), \(j)): \(x) vs \(y)")
                } }
            }
        }
    }
}
