import CKernels
import Foundation
import Testing
@testable import Recommender

/// Every C kernel on every instruction-set level this CPU has (the baseline always), against a
/// scalar `Double` reference, on odd lengths.
@Suite struct KernelsTests {
    static let lengths = [0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100]
    /// The distinct tables this machine can run (baseline first).
    static let tables: [Kernels.Table] = {
        var seen = Set<Int32>(), out: [Kernels.Table] = []
        for level in Kernels.Level.allCases {
            let t = Kernels.Table(level: level)
            if seen.insert(t.level.rawValue).inserted { out.append(t) }
        }
        return out
    }()

    func random(_ n: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var g = SeededGenerator(seed: seed)
        return (0..<n).map { _ in g.nextNormal() * scale }
    }

    /// `|x − reference| ≤ tolerance · magnitude`, with a floor for values near zero.
    func close(_ x: Float, _ reference: Double, magnitude: Double, _ tolerance: Double = 1e-5) -> Bool {
        abs(Double(x) - reference) <= tolerance * max(magnitude, 1e-3)
    }

    @Test func dispatchIsClampedToTheCPU() {
        #expect(Kernels.Table(level: .baseline).level == .baseline)
        #expect(Kernels.Table(level: .baseline).name == "baseline")
        let best = Kernels.Table(level: .avx512)
        #expect(Kernels.Table.active.level.rawValue <= best.level.rawValue)
        #expect(["baseline", "avx2", "avx512"].contains(Kernels.Table.active.name))
    }

    @Test(arguments: lengths) func dotAndDotSum(n: Int) {
        let a = random(n, seed: 1), b = random(n, seed: 2), c = random(n, seed: 3)
        var ref = 0.0, mag = 0.0, refSum = 0.0, magSum = 0.0
        for i in 0..<n {
            ref += Double(a[i]) * Double(b[i]); mag += abs(Double(a[i]) * Double(b[i]))
            let s = Double(a[i]) * (Double(b[i]) + Double(c[i])); refSum += s; magSum += abs(s)
        }
        for t in Self.tables {
            let d = a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in t.dot(pa.baseAddress!, pb.baseAddress!, n) } }
            let ds = a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeBufferPointer { pc in
                t.dotSum(pa.baseAddress!, pb.baseAddress!, pc.baseAddress!, n) } } }
            #expect(close(d, ref, magnitude: mag), "\(t.name) dot n=\(n): \(d) vs \(ref)")
            #expect(close(ds, refSum, magnitude: magSum), "\(t.name) dotSum n=\(n): \(ds) vs \(refSum)")
        }
    }

    /// gemv's rows are the dot kernel's results bit for bit (scores must not depend on the path),
    /// for odd and even row counts.
    @Test(arguments: lengths) func gemvRowsAreDotProducts(n: Int) {
        for rows in [0, 1, 2, 5] {
            let a = random(rows * n, seed: 11), x = random(n, seed: 12)
            for t in Self.tables {
                var y = [Float](repeating: .nan, count: rows)
                a.withUnsafeBufferPointer { pa in x.withUnsafeBufferPointer { px in y.withUnsafeMutableBufferPointer { py in
                    t.table.pointee.gemv(pa.baseAddress!, rows, n, px.baseAddress!, py.baseAddress!) } } }
                for r in 0..<rows {
                    let d = a.withUnsafeBufferPointer { pa in x.withUnsafeBufferPointer { px in t.dot(pa.baseAddress! + r * n, px.baseAddress!, n) } }
                    #expect(y[r].bitPattern == d.bitPattern, "\(t.name) gemv n=\(n) rows=\(rows) r=\(r): \(y[r]) vs dot \(d)")
                }
            }
        }
    }

    /// next_above finds the first score above the threshold from any start, NaN never, on every level.
    @Test(arguments: lengths) func nextAboveIsTheFirstScoreAboveTheThreshold(n: Int) {
        var s = random(n, seed: 13)
        if n > 3 { s[n / 2] = .nan; s[n - 1] = .infinity }
        for t in Self.tables {
            for threshold: Float in [-.infinity, -0.5, 0, 1.5, .infinity] {
                for start in Set([0, n / 3, n]) {
                    let expected = (start..<n).first { s[$0] > threshold } ?? n
                    let got = s.withUnsafeBufferPointer { t.table.pointee.next_above($0.baseAddress!, start, n, threshold) }
                    #expect(got == expected, "\(t.name) n=\(n) start=\(start) t=\(threshold)")
                }
            }
        }
    }

    @Test(arguments: lengths) func axpyAxpbyAndSGDPair(n: Int) {
        let x = random(n, seed: 4), y0 = random(n, seed: 5)
        let alpha: Float = 0.37, beta: Float = -1.25, e: Float = 0.8, lr: Float = 0.05, reg: Float = 0.02
        for t in Self.tables {
            var y = y0, z = y0, p = x, q = y0
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { t.axpy(alpha, px.baseAddress!, $0.baseAddress!, n) }
                z.withUnsafeMutableBufferPointer { t.axpby(alpha, px.baseAddress!, beta, $0.baseAddress!, n) }
            }
            p.withUnsafeMutableBufferPointer { pp in q.withUnsafeMutableBufferPointer { pq in
                t.sgdPairUpdate(pp.baseAddress!, pq.baseAddress!, error: e, learningRate: lr, regularization: reg, n) } }
            #expect(y.count == n && z.count == n && p.count == n && q.count == n)
            for i in 0..<n {
                let xi = Double(x[i]), yi = Double(y0[i])
                #expect(close(y[i], yi + Double(alpha) * xi, magnitude: abs(yi) + abs(xi)), "\(t.name) axpy n=\(n) i=\(i)")
                #expect(close(z[i], Double(alpha) * xi + Double(beta) * yi, magnitude: abs(yi) + abs(xi)), "\(t.name) axpby n=\(n) i=\(i)")
                let decay = 1 - Double(lr) * Double(reg), le = Double(lr) * Double(e)
                #expect(close(p[i], decay * xi + le * yi, magnitude: abs(yi) + abs(xi)), "\(t.name) sgd p n=\(n) i=\(i)")
                #expect(close(q[i], decay * yi + le * xi, magnitude: abs(yi) + abs(xi)), "\(t.name) sgd q n=\(n) i=\(i)")
            }
        }
    }

    @Test(arguments: [1, 7, 16, 17, 32, 33, 64]) func rankOneSumSymvAndGram(f: Int) {
        let rows = 9
        let fixed = random(rows * f, seed: 6, scale: 0.5), v = random(f, seed: 7), out0 = random(f, seed: 8)
        let columns: [Int32] = [3, 0, 8, 8, 1, 5, 2]
        let values = random(columns.count, seed: 9).map { abs($0) + 0.5 }
        let (a0, a1, b1): (Float, Float, Float) = (1, 0.7, -0.7)
        let sym = { () -> [Float] in
            let m = random(f * f, seed: 10)
            var s = [Float](repeating: 0, count: f * f)
            for i in 0..<f { for j in 0..<f { s[i * f + j] = m[i * f + j] + m[j * f + i] } }
            return s
        }()
        for count in [0, 1, columns.count] {
            // Reference.
            var ref = out0.map(Double.init), mag = out0.map { abs(Double($0)) }
            for e in 0..<count {
                let y = Int(columns[e]) * f
                var d = 0.0
                for k in 0..<f { d += Double(fixed[y + k]) * Double(v[k]) }
                let s = Double(a0) + Double(a1) * Double(values[e]) + Double(b1) * Double(values[e]) * d
                for k in 0..<f { ref[k] += s * Double(fixed[y + k]); mag[k] += abs(s * Double(fixed[y + k])) }
            }
            for t in Self.tables {
                var out = out0
                fixed.withUnsafeBufferPointer { pf in columns.withUnsafeBufferPointer { pc in values.withUnsafeBufferPointer { pv in
                    v.withUnsafeBufferPointer { px in out.withUnsafeMutableBufferPointer { po in
                        t.rankOneSum(count: count, f: f, fixed: pf.baseAddress!, columns: pc.baseAddress!, values: pv.baseAddress!,
                                     a0: a0, a1: a1, b1: b1, v: px.baseAddress!, out: po.baseAddress!)
                    } } } } }
                #expect(out.count == f)
                for k in 0..<f { #expect(close(out[k], ref[k], magnitude: mag[k] + 1), "\(t.name) rankOneSum f=\(f) count=\(count) k=\(k)") }
            }
        }
        for t in Self.tables {
            var y = [Float](repeating: .nan, count: f)
            sym.withUnsafeBufferPointer { ps in v.withUnsafeBufferPointer { pv in y.withUnsafeMutableBufferPointer { py in
                t.symv(ps.baseAddress!, n: f, pv.baseAddress!, py.baseAddress!) } } }
            for i in 0..<f {
                var r = 0.0, m = 0.0
                for k in 0..<f { r += Double(sym[i * f + k]) * Double(v[k]); m += abs(Double(sym[i * f + k]) * Double(v[k])) }
                #expect(close(y[i], r, magnitude: m), "\(t.name) symv n=\(f) i=\(i)")
            }
            let width = (f + 15) / 16 * 16
            let g0 = random(f * width, seed: 11)
            var g = g0
            var x = [Float](repeating: 0, count: width)
            for k in 0..<f { x[k] = v[k] }
            g.withUnsafeMutableBufferPointer { pg in x.withUnsafeBufferPointer { px in
                t.gramRankOne(pg.baseAddress!, row: px.baseAddress!, dim: f, width: width) } }
            for k in 0..<f {
                for c in 0..<width {
                    let r = Double(g0[k * width + c]) + Double(x[k]) * Double(x[c])
                    #expect(close(g[k * width + c], r, magnitude: abs(r) + 1), "\(t.name) gram f=\(f) (\(k), \(c))")
                }
            }
        }
    }

    @Test func gemmTileOnFullAndPartialTiles() {
        for (rows, columns, kc) in [(6, 16, 1), (6, 16, 33), (1, 1, 7), (5, 9, 17), (6, 3, 64), (2, 16, 0)] {
            let a = random(6 * max(kc, 1), seed: 12), b = random(max(kc, 1) * 16, seed: 13), c0 = random(6 * 16, seed: 14)
            for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (2, -0.75)] {
                for t in Self.tables {
                    var c = c0
                    a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
                        // A stored row-major (row stride kc, column stride 1), B with stride 16, C with ldc 16.
                        t.gemmTile(kc: kc, a: pa.baseAddress!, rowStride: kc, columnStride: 1, b: pb.baseAddress!, bStride: 16,
                                   c: pc.baseAddress!, ldc: 16, rows: rows, columns: columns, alpha: alpha, beta: beta)
                    } } }
                    for i in 0..<6 {
                        for j in 0..<16 {
                            guard i < rows && j < columns else {
                                #expect(c[i * 16 + j] == c0[i * 16 + j], "\(t.name) gemm wrote outside the tile")
                                continue
                            }
                            var s = 0.0, m = 0.0
                            for p in 0..<kc { s += Double(a[i * kc + p]) * Double(b[p * 16 + j]); m += abs(Double(a[i * kc + p]) * Double(b[p * 16 + j])) }
                            let ref = Double(alpha) * s + (beta == 0 ? 0 : Double(beta) * Double(c0[i * 16 + j]))
                            #expect(close(c[i * 16 + j], ref, magnitude: abs(Double(alpha)) * m + abs(Double(beta) * Double(c0[i * 16 + j]))),
                                    "\(t.name) gemm \(rows)×\(columns)×\(kc) α=\(alpha) β=\(beta) (\(i), \(j))")
                        }
                    }
                }
            }
        }
    }

    @Test(arguments: [0, 1, 7, 16, 17, 33]) func optimizersFollowTensorFlow1(n: Int) {
        let w0 = random(n, seed: 15), g = random(n, seed: 16)
        let lr: Float = 0.1, t = 3
        for kind in OptimizerKind.allCases {
            let step = OptimizerStep(kind: kind, learningRate: lr, step: t)
            for table in Self.tables {
                var w = w0
                var s0 = [Float](repeating: kind == .adagrad ? OptimizerKind.adagradInitialAccumulator : 0.05, count: n)
                var s1 = [Float](repeating: 0.01, count: n)
                let code: Int32 = kind == .gradientDescent ? 0 : kind == .adagrad ? 1 : 2
                w.withUnsafeMutableBufferPointer { pw in g.withUnsafeBufferPointer { pg in s0.withUnsafeMutableBufferPointer { p0 in
                    s1.withUnsafeMutableBufferPointer { p1 in
                        table.optimizer(kind: code, learningRate: lr, step: step.adamStep, w: pw.baseAddress!, g: pg.baseAddress!,
                                        s0: p0.baseAddress!, s1: p1.baseAddress!, n: n)
                    } } } }
                for i in 0..<n {
                    let gi = Double(g[i]), wi = Double(w0[i])
                    let expected: Double
                    switch kind {
                    case .gradientDescent:
                        expected = wi - Double(lr) * gi
                    case .adagrad:
                        let a = Double(OptimizerKind.adagradInitialAccumulator) + gi * gi
                        expected = wi - Double(lr) * gi / a.squareRoot()
                        #expect(close(s0[i], a, magnitude: a), "\(table.name) adagrad accumulator")
                    case .adam:
                        let m = 0.9 * 0.05 + 0.1 * gi, v = 0.999 * 0.01 + 0.001 * gi * gi
                        let lrT = Double(lr) * (1 - pow(0.999, Double(t))).squareRoot() / (1 - pow(0.9, Double(t)))
                        expected = wi - lrT * m / (v.squareRoot() + 1e-8)
                        #expect(close(s0[i], m, magnitude: abs(m)) && close(s1[i], v, magnitude: v), "\(table.name) adam moments")
                    }
                    #expect(close(w[i], expected, magnitude: abs(wi) + abs(gi)), "\(table.name) \(kind) n=\(n) i=\(i)")
                }
            }
        }
    }

    @Test(arguments: [1, 7, 8, 17, 1682]) func expAndSoftmaxCrossEntropy(n: Int) {
        let logits = random(n, seed: 17, scale: 4)
        let label = n / 2, scale: Float = 0.5
        let m = logits.map(Double.init).max() ?? 0
        let z = logits.reduce(0.0) { $0 + Foundation.exp(Double($1) - m) }
        let ce = m + Foundation.log(z) - Double(logits[label])
        for t in Self.tables {
            var e = [Float](repeating: 0, count: n)
            logits.withUnsafeBufferPointer { px in e.withUnsafeMutableBufferPointer { t.exp(px.baseAddress!, $0.baseAddress!, n) } }
            for i in 0..<n {
                let r = Foundation.exp(Double(logits[i]))
                #expect(abs(Double(e[i]) - r) <= 1e-6 * r, "\(t.name) exp(\(logits[i]))")
            }
            var row = logits
            let loss = row.withUnsafeMutableBufferPointer { t.softmaxCrossEntropy($0.baseAddress!, count: n, label: label, scale: scale) }
            #expect(close(loss, ce, magnitude: abs(ce) + 1), "\(t.name) cross-entropy n=\(n)")
            for i in 0..<n {
                let p = Foundation.exp(Double(logits[i]) - m) / z
                let grad = Double(scale) * (p - (i == label ? 1 : 0))
                #expect(abs(Double(row[i]) - grad) <= 1e-5, "\(t.name) softmax gradient n=\(n) i=\(i)")
            }
        }
    }

    /// The softmax model's two products on odd shapes, on every level: `rows_by_matrix` (rows of A,
    /// read with any row and column stride, times B; the AVX-512 level blocks 4 rows of 16-lane
    /// vectors, the others 2 rows of 8) and `panel_logits` (A times panels of 16 columns; AVX-512 takes
    /// two panels at once) against a `Double` reference, and the wide levels bit for bit (with the
    /// softmax cross-entropy, whose exponentials AVX-512 takes sixteen at a time).
    @Test func softmaxProductsOnOddShapes() {
        var bits: [String: [Float]] = [:]
        for (m, ncols, k) in [(1, 1, 1), (3, 35, 17), (4, 40, 9), (7, 24, 33), (9, 8, 5), (10, 16, 64), (13, 35, 200), (5, 41, 3)] {
            let ld = (ncols + 7) / 8 * 8 + 8
            // A is m × k read through strides (k, 1) and, transposed, (1, m); B is k × ncols with leading dimension ld.
            let a = random(m * k + 16, seed: 30), b = random(k * ld + 64, seed: 31)
            for transposed in [false, true] {
                let (ars, acs) = transposed ? (1, m) : (k, 1)
                for t in Self.tables {
                    var out = [Float](repeating: -7, count: m * ld + 8)
                    a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in out.withUnsafeMutableBufferPointer { po in
                        t.table.pointee.rows_by_matrix(m, ncols, k, pa.baseAddress!, ars, acs, pb.baseAddress!, ld, po.baseAddress!, ld)
                    } } }
                    for i in 0..<m {
                        for c in 0..<ld {
                            guard c < ncols else {
                                #expect(out[i * ld + c] == -7, "\(t.name) rows_by_matrix wrote past column \(ncols)")
                                continue
                            }
                            var s = 0.0, mag = 0.0
                            for p in 0..<k {
                                let x = Double(a[i * ars + p * acs]) * Double(b[p * ld + c])
                                s += x; mag += abs(x)
                            }
                            #expect(close(out[i * ld + c], s, magnitude: mag), "\(t.name) rows_by_matrix \(m)×\(ncols)×\(k) (\(i), \(c))")
                        }
                    }
                    if t.level != .baseline { bits["rbm \(m) \(ncols) \(k) \(transposed) \(t.name)"] = out }
                }
            }
        }
        for (m, n, k) in [(1, 1, 1), (6, 16, 35), (6, 32, 35), (5, 50, 7), (11, 70, 35), (12, 1682, 35), (2, 33, 64)] {
            let a = random(m * k, seed: 32), v = random(n * k, seed: 33)
            for t in Self.tables {
                var panels = [Float](repeating: 0, count: (n + 15) / 16 * 16 * k)
                var c = [Float](repeating: 0, count: m * n)
                v.withUnsafeBufferPointer { pv in panels.withUnsafeMutableBufferPointer { pp in
                    t.table.pointee.pack_panels(pv.baseAddress!, k, 0, n, k, pp.baseAddress!)
                } }
                a.withUnsafeBufferPointer { pa in panels.withUnsafeBufferPointer { pp in c.withUnsafeMutableBufferPointer { pc in
                    t.table.pointee.panel_logits(m, n, k, pa.baseAddress!, k, pp.baseAddress!, pc.baseAddress!, n)
                } } }
                for i in 0..<m {
                    for j in 0..<n {
                        var s = 0.0, mag = 0.0
                        for p in 0..<k { let x = Double(a[i * k + p]) * Double(v[j * k + p]); s += x; mag += abs(x) }
                        #expect(close(c[i * n + j], s, magnitude: mag), "\(t.name) panel_logits \(m)×\(n)×\(k) (\(i), \(j))")
                    }
                }
                if t.level != .baseline { bits["pl \(m) \(n) \(k) \(t.name)"] = c }
            }
        }
        // softmax_xent: AVX-512 takes sixteen exponentials at a time (extreme logits included: the clamps).
        for n in [1, 15, 16, 17, 33, 1682] {
            var logits = random(n, seed: 34, scale: 30)
            logits[0] = 200
            if n > 2 { logits[n - 1] = -150 }
            for t in Self.tables where t.level != .baseline {
                var row = logits
                let loss = row.withUnsafeMutableBufferPointer { t.softmaxCrossEntropy($0.baseAddress!, count: n, label: n / 2, scale: 0.25) }
                bits["xent \(n) \(t.name)"] = row + [loss]
            }
        }
        if Self.tables.count == 3 {
            for (key, value) in bits where key.hasSuffix(" avx2") {
                #expect(bits[String(key.dropLast(4)) + "avx512"] == value, "AVX2 and AVX-512 differ: \(key)")
            }
        }
    }

    /// `columns_by_matrix` (the softmax's dV = dZᵀ·U in tiles of whole rows of dZ) gives exactly the
    /// bits of `rows_by_matrix` reading dZ through its columns, on every level: partial and
    /// overlapping last tiles, column counts around the tile widths (6 and 12), narrow A (the
    /// fallback), and nothing written past ncols.
    @Test func columnsByMatrixMatchesRowsByMatrix() {
        for (m, ncols, k) in [(1, 3, 4), (15, 35, 9), (16, 6, 7), (31, 12, 5), (32, 13, 200), (33, 35, 17), (47, 1, 3),
                              (64, 40, 11), (100, 35, 200), (97, 64, 2)] {
            let lda = m + 5, ld = (ncols + 7) / 8 * 8 + 8
            let a = random(k * lda, seed: 40), b = random(k * ld + 64, seed: 41)
            for t in Self.tables {
                var expected = [Float](repeating: -7, count: m * ld), got = expected
                a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
                    expected.withUnsafeMutableBufferPointer { po in
                        t.table.pointee.rows_by_matrix(m, ncols, k, pa.baseAddress!, 1, lda, pb.baseAddress!, ld, po.baseAddress!, ld)
                    }
                    got.withUnsafeMutableBufferPointer { po in
                        t.table.pointee.columns_by_matrix(m, ncols, k, pa.baseAddress!, lda, pb.baseAddress!, ld, po.baseAddress!, ld)
                    }
                } }
                #expect(got == expected, "\(t.name) columns_by_matrix \(m)×\(ncols)×\(k)")
                // And against a Double reference (so the two cannot be wrong together).
                var worst = 0.0
                for i in 0..<m {
                    for c in 0..<ncols {
                        var s = 0.0, mag = 0.0
                        for p in 0..<k { let x = Double(a[p * lda + i]) * Double(b[p * ld + c]); s += x; mag += abs(x) }
                        if !close(got[i * ld + c], s, magnitude: mag) { worst = max(worst, abs(Double(got[i * ld + c]) - s)) }
                    }
                }
                #expect(worst == 0, "\(t.name) columns_by_matrix \(m)×\(ncols)×\(k) off the reference by \(worst)")
            }
        }
    }

    /// `scatter_add_rows` adds each source row into its destination in pair order (repeated
    /// destinations included) and `bag_sum` sums a bag's rows in order from zero, skipping the
    /// excluded entry: exactly the scalar loops, on every level and for row widths of 8 to 136.
    @Test func bagSumsAndScatter() {
        for ld in [8, 16, 24, 40, 64, 72, 136] {
            let rows = 9
            let table = random(rows * ld, seed: 42)
            let bag: [Int32] = [3, 0, 8, 3, 5, 1, 7]
            for excluded in [-1, 0, 2, 6] {
                var expected = [Float](repeating: 0, count: ld)
                for (q, r) in bag.enumerated() where q != excluded {
                    for c in 0..<ld { expected[c] += table[Int(r) * ld + c] }
                }
                for t in Self.tables {
                    var out = [Float](repeating: 9, count: ld + 8)
                    table.withUnsafeBufferPointer { pt in bag.withUnsafeBufferPointer { pb in out.withUnsafeMutableBufferPointer { po in
                        t.table.pointee.bag_sum(pt.baseAddress!, ld, pb.baseAddress!, bag.count, excluded, po.baseAddress!)
                    } } }
                    #expect(Array(out.prefix(ld)) == expected, "\(t.name) bag_sum ld \(ld) excluding \(excluded)")
                    #expect(out[ld...].allSatisfy { $0 == 9 }, "\(t.name) bag_sum wrote past ld \(ld)")
                }
            }
            let pairs: [Int32] = [0, 4, 2, 1, 1, 4, 5, 0, 2, 4]  // (source, destination): destination 4 three times
            var expected = random(rows * ld, seed: 43)
            let start = expected
            for e in 0..<(pairs.count / 2) {
                for c in 0..<ld { expected[Int(pairs[2 * e + 1]) * ld + c] += table[Int(pairs[2 * e]) * ld + c] }
            }
            for t in Self.tables {
                var dst = start
                table.withUnsafeBufferPointer { pt in pairs.withUnsafeBufferPointer { pp in dst.withUnsafeMutableBufferPointer { pd in
                    t.table.pointee.scatter_add_rows(pt.baseAddress!, ld, pp.baseAddress!, pairs.count / 2, pd.baseAddress!)
                } } }
                #expect(dst == expected, "\(t.name) scatter_add_rows ld \(ld)")
            }
        }
    }

    /// The two phases of a full-batch MF step, driven directly on every level with rows of 1 to 3
    /// vectors: the gradients phase's sums Σⱼ eᵢⱼVⱼ and Σᵢ eᵢⱼUᵢ and squared error against a `Double`
    /// reference (users' runs padded to 8 with the zero row), the update phase's gradient (the two
    /// partial sums added and scaled; the first zeroed once read), and AVX2 against AVX-512 bit for bit.
    @Test func matrixFactorizationPhases() {
        let users = 13, items = 11
        var bits: [String: [Float]] = [:]
        for dim in [5, 20, 40] {
            let w = Kernels.paddedWidth(dim)
            var u = [Float](repeating: 0, count: users * w), v = [Float](repeating: 0, count: (items + 1) * w)
            let ru = random(users * dim, seed: 40), rv = random(items * dim, seed: 41)
            for i in 0..<users { for c in 0..<dim { u[i * w + c] = ru[i * dim + c] } }
            for j in 0..<items { for c in 0..<dim { v[j * w + c] = rv[j * dim + c] } }
            // User i rates the items j with (i·j + i) % 3 != 0; runs padded to 8 with the zero row `items`.
            var offsets: [Int32] = [0], index: [Int32] = [], values: [Float] = []
            var g = SeededGenerator(seed: 42)
            for i in 0..<users {
                for j in 0..<items where (i * j + i) % 3 != 0 { index.append(Int32(j)); values.append(Float(1 + g.next() % 5)) }
                while index.count % 8 != 0 { index.append(Int32(items)); values.append(0) }
                offsets.append(Int32(index.count))
            }
            let scale: Float = 0.25
            // The reference.
            var gradU = [Double](repeating: 0, count: users * dim), sums = [Double](repeating: 0, count: items * dim)
            for i in 0..<users {
                for p in Int(offsets[i])..<Int(offsets[i + 1]) where index[p] < items {
                    let j = Int(index[p])
                    var e = -Double(values[p])
                    for c in 0..<dim { e += Double(u[i * w + c]) * Double(v[j * w + c]) }
                    for c in 0..<dim {
                        gradU[i * dim + c] += e * Double(v[j * w + c])
                        sums[j * dim + c] += e * Double(u[i * w + c])
                    }
                }
            }
            for t in Self.tables {
                var grad = [Float](repeating: 0, count: users * w), item0 = [Float](repeating: 0, count: (items + 1) * w)
                var item1 = [Float](repeating: 0, count: (items + 1) * w)
                for k in item1.indices { item1[k] = Float(k % 7) - 3 }
                var gram = [Float](repeating: 0, count: w * w), scratch = [Float](repeating: 0, count: w)
                var captured = [Float](repeating: 0, count: items * w)
                var trainSum = 0.0, sumsRead: [Float] = []
                u.withUnsafeMutableBufferPointer { pu in v.withUnsafeMutableBufferPointer { pv in
                    grad.withUnsafeMutableBufferPointer { pg in item0.withUnsafeMutableBufferPointer { ps in
                        item1.withUnsafeBufferPointer { ps1 in gram.withUnsafeMutableBufferPointer { pgram in
                            scratch.withUnsafeMutableBufferPointer { pscratch in captured.withUnsafeMutableBufferPointer { pc in
                                offsets.withUnsafeBufferPointer { po in index.withUnsafeBufferPointer { pi in values.withUnsafeBufferPointer { pr in
                    func phase(_ rows: Int, _ r: UnsafeMutablePointer<Float>, _ other: UnsafeMutablePointer<Float>,
                               _ gradient: UnsafeMutablePointer<Float>, users: Bool) -> ck_mf_phase {
                        ck_mf_phase(
                            begin: 0, end: rows, dim: dim, width: w, rows: r, other: other, grad: gradient,
                            offsets: users ? po.baseAddress : nil, index: users ? pi.baseAddress : nil, values: users ? pr.baseAddress : nil,
                            item_sums: ps.baseAddress!, other_item_sums: users ? nil : ps1.baseAddress, zero_sums: users ? 0 : 1,
                            test_offsets: nil, test_index: nil, test_values: nil,
                            apply_update: 0, optimizer: 0, learning_rate: 0, adam_step: 1, state0: nil, state1: nil,
                            data_scale: scale, reg_scale: 0, use_reg: 0, use_gravity: 0, use_gram: 0, logging: 0,
                            gram_out: pgram.baseAddress!, gravity_gram: pgram.baseAddress!, captured: users ? nil : pc.baseAddress,
                            train_sum: 0, test_sum: 0)
                    }
                    var a = phase(users, pu.baseAddress!, pv.baseAddress!, pg.baseAddress!, users: true)
                    t.mfGradients(&a)
                    trainSum = a.train_sum
                    sumsRead = Array(ps)
                    var b = phase(items, pv.baseAddress!, pu.baseAddress!, pscratch.baseAddress!, users: false)
                    t.mfUpdate(&b)
                } } } } } } } } } } }
                var squared = 0.0
                for i in 0..<users {
                    for p in Int(offsets[i])..<Int(offsets[i + 1]) where index[p] < items {
                        var e = -Double(values[p])
                        for c in 0..<dim { e += Double(u[i * w + c]) * Double(v[Int(index[p]) * w + c]) }
                        squared += e * e
                    }
                }
                #expect(abs(trainSum - squared) <= 1e-4 * squared, "\(t.name) d=\(dim): squared error \(trainSum) vs \(squared)")
                let magnitude = max(gradU.map(abs).max() ?? 1, sums.map(abs).max() ?? 1)
                for i in 0..<users { for c in 0..<w {
                    let reference = c < dim ? gradU[i * dim + c] : 0
                    #expect(close(grad[i * w + c], reference, magnitude: magnitude, 1e-5), "\(t.name) d=\(dim) ∂U[\(i)][\(c)]")
                } }
                for j in 0..<items { for c in 0..<w {
                    let reference = c < dim ? sums[j * dim + c] : 0
                    #expect(close(sumsRead[j * w + c], reference, magnitude: magnitude, 1e-5), "\(t.name) d=\(dim) S[\(j)][\(c)]")
                    #expect(captured[j * w + c] == (sumsRead[j * w + c] + item1[j * w + c]) * scale, "\(t.name) d=\(dim) ∂V[\(j)][\(c)]")
                    #expect(item0[j * w + c] == 0, "\(t.name) d=\(dim) S[\(j)][\(c)] not zeroed")
                } }
                if t.level != .baseline { bits["\(dim) \(t.name)"] = grad + sumsRead + captured }
            }
        }
        for (key, value) in bits where key.hasSuffix(" avx2") {
            #expect(bits[String(key.dropLast(4)) + "avx512"].map { $0 == value } ?? true, "AVX2 and AVX-512 differ: \(key)")
        }
    }

    /// AVX2 and AVX-512 compute the same lanes in the same order: bit-identical results.
    @Test(.enabled(if: KernelsTests.tables.count == 3, "needs a CPU with AVX-512"))
    func wideLevelsAgreeBitForBit() {
        let wide = Self.tables.filter { $0.level != .baseline }
        let f = 64, a = random(200 * f, seed: 18), v = random(f, seed: 19)
        let columns = (0..<150).map { Int32(($0 * 37) % 200) }, values = random(150, seed: 20).map { abs($0) }
        var outs: [[Float]] = [], dots: [Float] = []
        for t in wide {
            var out = [Float](repeating: 0, count: f)
            a.withUnsafeBufferPointer { pa in columns.withUnsafeBufferPointer { pc in values.withUnsafeBufferPointer { pv in
                v.withUnsafeBufferPointer { px in out.withUnsafeMutableBufferPointer { po in
                    t.rankOneSum(count: 150, f: f, fixed: pa.baseAddress!, columns: pc.baseAddress!, values: pv.baseAddress!,
                                 a0: 1, a1: 2, b1: -2, v: px.baseAddress!, out: po.baseAddress!)
                } } } } }
            outs.append(out)
            dots.append(a.withUnsafeBufferPointer { t.dot($0.baseAddress!, $0.baseAddress! + 5, 1000) })
        }
        #expect(outs[0] == outs[1])
        #expect(dots[0] == dots[1])
    }
}
