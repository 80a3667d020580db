import Foundation
import Testing
@testable import Recommender

/// The hand-written backward pass of the softmax network against central finite differences
/// of an independent Double-precision forward pass, for every parameter.
@Suite struct SoftmaxGradientTests {
    /// Movie i has genres tokens per `genreLists[i]` and year token `years[i]`.
    static let genreLists: [[Int32]] = [[0], [1, 2], [], [2], [0, 1], [1], [0, 2]]
    static let years: [Int32] = [0, 1, 2, 0, 1, 2, 2]

    static func features() -> SoftmaxFeatures {
        var offsets: [Int32] = [0], tokens: [Int32] = []
        for g in genreLists { tokens += g; offsets.append(Int32(tokens.count)) }
        return SoftmaxFeatures(genreVocabulary: ["a", "b", "c"], yearVocabulary: ["1990", "1991", "unknown"],
                               genreOffsets: offsets, genreTokens: tokens, yearTokens: years)
    }

    static func network(activation: SoftmaxModel.Activation, bias: Bool, hidden: [Int]) -> SoftmaxNetwork {
        var c = SoftmaxModel.Configuration()
        c.movieEmbeddingDim = 4; c.genreEmbeddingDim = 2; c.yearEmbeddingDim = 2
        c.hiddenDims = hidden; c.activation = activation; c.useBias = bias; c.weightScale = 0.5; c.seed = 7
        var n = SoftmaxModel.initialNetwork(itemCount: 7, features: features(), configuration: c)
        // Non-zero biases so that their gradient path is exercised away from zero.
        var g = SeededGenerator(seed: 3)
        for l in n.biases.indices { for i in n.biases[l].indices { n.biases[l][i] = g.nextUnitFloat() - 0.5 } }
        return n
    }

    /// Bags: (movies, excluded position or -1, label).
    static let bags: [([Int32], Int, Int32)] = [([0, 1, 3], -1, 1), ([2, 4, 5, 6], 2, 5), ([2], -1, 2), ([6, 0], 0, 6), ([3, 5, 1, 0, 4], -1, 0)]

    /// The mean cross-entropy, in Double, from the engine's flat parameter layout.
    static func referenceLoss(_ e: SoftmaxEngine, _ p: [Double]) -> Double {
        let f = features()
        var total = 0.0
        for (movies, excluded, label) in bags {
            var x = [Double](repeating: 0, count: e.dims[0])
            var n = 0, ng = 0
            for (t, m) in movies.enumerated() where t != excluded {
                n += 1
                for c in 0..<e.movieDim { x[c] += p[Int(m) * e.movieLD + c] }
                for q in Int(f.genreOffsets[Int(m)])..<Int(f.genreOffsets[Int(m) + 1]) {
                    ng += 1
                    for c in 0..<e.genreDim { x[e.movieDim + c] += p[e.genreOffset + Int(f.genreTokens[q]) * e.genreDim + c] }
                }
                for c in 0..<e.yearDim { x[e.movieDim + e.genreDim + c] += p[e.yearOffset + Int(f.yearTokens[Int(m)]) * e.yearDim + c] }
            }
            for c in 0..<e.movieDim { x[c] /= Double(max(n, 1)) }
            for c in 0..<e.genreDim { x[e.movieDim + c] /= Double(max(ng, 1)) }
            for c in 0..<e.yearDim { x[e.movieDim + e.genreDim + c] /= Double(max(n, 1)) }
            var h = x
            for l in 0..<(e.dims.count - 1) {
                let nIn = e.dims[l], nOut = e.dims[l + 1]
                var out = [Double](repeating: 0, count: nOut)
                for j in 0..<nOut {
                    var s = e.useBias ? p[e.biasOffsets[l] + j] : 0
                    for i in 0..<nIn { s += Double(e.scale) * h[i] * p[e.weightOffsets[l] + i * nOut + j] }
                    out[j] = e.relu ? max(0, s) : s
                }
                h = out
            }
            var z = [Double](repeating: 0, count: e.itemCount)
            for j in 0..<e.itemCount { for c in 0..<e.movieDim { z[j] += h[c] * p[j * e.movieLD + c] } }
            let m = z.max()!
            let lse = m + Foundation.log(z.reduce(0) { $0 + Foundation.exp($1 - m) })
            total += lse - z[Int(label)]
        }
        return total / Double(bags.count)
    }

    /// Runs the engine's forward + backward on the bags; returns (loss, gradients).
    static func engineGradients(_ e: SoftmaxEngine, threads: Int) -> (Float, [Float]) {
        let storage = bags.map { $0.0 }
        var pointers: [UnsafeMutablePointer<Int32>] = []
        defer { pointers.forEach { $0.deallocate() } }
        var examples: [SoftmaxExample] = []
        for (i, bag) in bags.enumerated() {
            let p = UnsafeMutablePointer<Int32>.allocate(capacity: storage[i].count)
            p.initialize(from: storage[i], count: storage[i].count)
            pointers.append(p)
            examples.append(SoftmaxExample(movies: p, count: bag.0.count, excluded: bag.1, label: bag.2))
        }
        let loss = examples.withUnsafeBufferPointer { e.lossAndGradients($0.baseAddress!, count: bags.count, threads: threads) }
        return (loss, Array(UnsafeBufferPointer(start: e.grads, count: e.parameterCount)))
    }

    @Test(arguments: [(SoftmaxModel.Activation.linear, false, [6, 4]), (.relu, true, [5, 4]), (.linear, true, [4])])
    func everyGradientMatchesFiniteDifferences(activation: SoftmaxModel.Activation, bias: Bool, hidden: [Int]) {
      for backend in Gemm.Backend.allCases {
        let e = SoftmaxEngine(network: Self.network(activation: activation, bias: bias, hidden: hidden), features: Self.features(),
                              maxRows: 8, backend: backend)
        let (loss, grads) = Self.engineGradients(e, threads: 1)
        let p = (0..<e.parameterCount).map { Double(e.params[$0]) }
        let reference = Self.referenceLoss(e, p)
        #expect(abs(Double(loss) - reference) < 1e-5 * max(1, abs(reference)), "forward: \(loss) vs \(reference)")
        var checked = 0, worst = 0.0, worstIndex = -1
        let h = 1e-5
        for i in 0..<e.parameterCount {
            if i < e.genreOffset && i % e.movieLD >= e.movieDim {
                #expect(grads[i] == 0, "padding gradient at \(i)")
                continue
            }
            var plus = p, minus = p
            plus[i] += h; minus[i] -= h
            let numeric = (Self.referenceLoss(e, plus) - Self.referenceLoss(e, minus)) / (2 * h)
            let error = abs(numeric - Double(grads[i])) / max(1e-3, abs(numeric))
            if error > worst { worst = error; worstIndex = i }
            checked += 1
        }
        // Every segment has been covered: movie table, genres, years, weights (and biases).
        let expected = e.itemCount * e.movieDim + (e.parameterCount - e.genreOffset)
        #expect(checked == expected)
        #expect(worst < 2e-3, "worst relative gradient error \(worst) at flat index \(worstIndex) (\(activation), bias \(bias), \(backend))")
      }
    }

    @Test func twoThreadsGiveIdenticalGradients() {
        let net = Self.network(activation: .relu, bias: true, hidden: [5, 4])
        let one = SoftmaxEngine(network: net, features: Self.features(), maxRows: 8)
        let two = SoftmaxEngine(network: net, features: Self.features(), maxRows: 8)
        let (l1, g1) = Self.engineGradients(one, threads: 1)
        let (l2, g2) = Self.engineGradients(two, threads: 2)
        #expect(l1 == l2)
        #expect(g1 == g2)
    }

    /// Where phase 2 cuts the movie table only decides which thread works on which movie: every
    /// cut gives the bits of the default one, for the gradients and for the model after two Adagrad
    /// steps, on one thread and on two.
    @Test func thePhaseTwoCutNeverChangesTheResults() {
        let net = Self.network(activation: .relu, bias: true, hidden: [5, 4])
        func run(cut: Int?, threads: Int) -> (Float, [Float], [Float]) {
            let e = SoftmaxEngine(network: net, features: Self.features(), maxRows: 8, backend: .swift)
            #expect(e.fused)
            e.phaseTwoCut = cut
            e.resetOptimizer(.adagrad)
            let (loss, grads) = Self.engineGradients(e, threads: threads)
            let storage = Self.bags.map { $0.0 }
            let pointers = storage.map { bag in
                let p = UnsafeMutablePointer<Int32>.allocate(capacity: bag.count)
                p.initialize(from: bag, count: bag.count)
                return p
            }
            defer { pointers.forEach { $0.deallocate() } }
            let examples = Self.bags.indices.map { SoftmaxExample(movies: pointers[$0], count: storage[$0].count, excluded: Self.bags[$0].1, label: Self.bags[$0].2) }
            for _ in 0..<2 {
                _ = examples.withUnsafeBufferPointer { e.lossAndGradients($0.baseAddress!, count: examples.count, threads: threads,
                                                                          optimizer: .adagrad, learningRate: 0.5) }
                e.updateRest(.adagrad, learningRate: 0.5)
            }
            // The model's parameters (the side columns of the movie rows are scratch, rewritten from the
            // genre and year tables before every pass).
            let n = e.network()
            return (loss, grads, n.movies + n.genres + n.years + n.weights.flatMap { $0 } + n.biases.flatMap { $0 })
        }
        let reference = run(cut: nil, threads: 1)
        for cut in 0...7 {
            for threads in [1, 2] {
                let got = run(cut: cut, threads: threads)
                #expect(got.0 == reference.0 && got.1 == reference.1, "gradients with the cut at \(cut), \(threads) threads")
                #expect(got.2 == reference.2, "parameters after two steps with the cut at \(cut), \(threads) threads")
            }
        }
    }

    @Test func softmaxCrossEntropyKernelMatchesDefinition() {
        var g = SeededGenerator(seed: 11)
        let n = 37
        let z = (0..<n).map { _ in g.nextUnitFloat() * 20 - 10 }
        var row = z
        let loss = row.withUnsafeMutableBufferPointer { Kernels.softmaxCrossEntropy($0.baseAddress!, count: n, label: 5, scale: 0.5) }
        let m = Double(z.max()!)
        let sum = z.reduce(0.0) { $0 + Foundation.exp(Double($1) - m) }
        #expect(abs(Double(loss) - (m + Foundation.log(sum) - Double(z[5]))) < 1e-5)
        for j in 0..<n {
            let p = Foundation.exp(Double(z[j]) - m) / sum
            #expect(abs(Double(row[j]) - 0.5 * (p - (j == 5 ? 1 : 0))) < 1e-6)
        }
        for x: Float in [-90, -20, -1, 0, 0.3, 5, 50, 88] {
            let e = Kernels.exp(x)
            #expect(abs(Double(e) - Foundation.exp(Double(max(-87, x)))) <= 3e-7 * Foundation.exp(Double(max(-87, x))) + 1e-38, "exp(\(x))")
        }
    }
}
