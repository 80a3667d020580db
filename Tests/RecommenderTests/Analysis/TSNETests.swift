import Foundation
import Testing
@testable import Recommender
import RecommenderTestSupport

/// Points drawn around `centres` (one cluster per centre), `perCluster` points each.
func gaussianClusters(centres: [[Float]], perCluster: Int, spread: Float, seed: UInt64) -> Matrix {
    var generator = SeededGenerator(seed: seed)
    let d = centres[0].count
    var storage: [Float] = []
    for centre in centres {
        for _ in 0..<perCluster { for k in 0..<d { storage.append(centre[k] + spread * generator.nextNormal()) } }
    }
    return Matrix(rows: centres.count * perCluster, columns: d, storage: storage)
}

/// KL(P‖Q) of a map, in Double, straight from the definition (the slow reference).
func referenceKL(p: SparseMatrix, y: [Double]) -> Double {
    let n = p.rowCount
    var z = 0.0
    for i in 0..<n { for j in 0..<n where i != j {
        let dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1]
        z += 1 / (1 + dx * dx + dy * dy)
    } }
    var kl = 0.0
    for i in 0..<n {
        for e in p.range(ofRow: i) {
            let j = Int(p.columns[e]), pij = Double(p.values[e])
            let dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1]
            let q = 1 / (1 + dx * dx + dy * dy) / z
            kl += pij * log(pij / q)
        }
    }
    return kl
}

@Suite struct TSNETests {
    @Test func defaultsAreTheNotebooksSettings() {
        let c = TSNE.Configuration.default
        #expect(c.perplexity == 40)
        #expect(c.metric == .cosine)
        #expect(c.initialization == .pca)
        #expect(c.affinities == .nearestNeighbors)
        #expect(c.earlyExaggeration == 10)
        #expect(c.explorationIterations == 250)
        #expect(c.iterations == 400)
        #expect(c.learningRate == .auto)
        #expect(c.initialMomentum == 0.5 && c.finalMomentum == 0.8)
        #expect(c.minimumGain == 0.01)
        #expect(c.seed == 0)
        // scikit-learn's "auto": max(N / early_exaggeration / 4, 50).
        #expect(c.effectiveLearningRate(pointCount: 1682) == 50)
        #expect(abs(c.effectiveLearningRate(pointCount: 10_000) - 250) < 1e-3)
    }

    @Test(arguments: [5.0, 15.0, 30.0])
    func eachRowsEntropyMatchesThePerplexity(perplexity: Double) {
        let x = gaussianClusters(centres: [[0, 0, 0, 0, 1], [3, 0, 1, 0, 0], [0, 2, 0, 3, 0]], perCluster: 25, spread: 0.7, seed: 3)
        for metric in TSNE.Metric.allCases {
            let distances = TSNE.pairwiseDistances(x, metric: metric, threads: 2)
            let n = x.rows
            for i in 0..<n {
                let row = (0..<n).filter { $0 != i }.map { distances[i * n + $0] }
                let (p, beta) = TSNE.conditionalProbabilities(distances: row, perplexity: perplexity)
                let entropy = -p.reduce(0.0) { $0 + ($1 > 0 ? $1 * log($1) : 0) }
                #expect(abs(entropy - log(perplexity)) < 1e-4, "row \(i) \(metric): entropy \(entropy), ln(perplexity) \(log(perplexity))")
                #expect(abs(p.reduce(0, +) - 1) < 1e-9)
                #expect(beta > 0)
            }
        }
    }

    @Test func distancesAreCosineOrSquaredEuclidean() {
        let x = Matrix(rows: 3, columns: 2, storage: [1, 0, 0, 2, 3, 3])
        let cosine = TSNE.pairwiseDistances(x, metric: .cosine, threads: 1)
        #expect(abs(cosine[0 * 3 + 1] - 1) < 1e-6)                    // orthogonal
        #expect(abs(cosine[0 * 3 + 2] - (1 - 1 / Float(2).squareRoot())) < 1e-6)
        #expect(cosine[0] == 0 && cosine[4] == 0)
        let euclidean = TSNE.pairwiseDistances(x, metric: .euclidean, threads: 1)
        #expect(abs(euclidean[1 * 3 + 2] - 10) < 1e-5)                // (3² + 1²)
        #expect(abs(euclidean[2 * 3 + 1] - 10) < 1e-5)
    }

    @Test func jointProbabilitiesAreSymmetricAndSumToOne() {
        let x = gaussianClusters(centres: [[0, 0, 1], [2, 1, 0]], perCluster: 20, spread: 0.5, seed: 5)
        let distances = TSNE.pairwiseDistances(x, metric: .cosine, threads: 1)
        for k in [10, 39] {
            let p = TSNE.jointProbabilities(distances: distances, count: 40, perplexity: 3, neighbours: k)
            #expect(abs(p.values.reduce(0.0) { $0 + Double($1) } - 1) < 1e-5)
            for i in 0..<40 {
                #expect(p.value(row: i, column: Int32(i)) == nil)
                for e in p.range(ofRow: i) {
                    let j = Int(p.columns[e])
                    #expect(abs((p.value(row: j, column: Int32(i)) ?? -1) - p.values[e]) < 1e-9)
                }
                #expect(p.count(ofRow: i) >= k)
            }
            // Computed row by row from the points (no N×N matrix), on one or two threads: the same P.
            for threads in [1, 2] {
                #expect(TSNE.jointProbabilities(points: x, metric: .cosine, perplexity: 3, neighbours: k, threads: threads) == p)
            }
        }
    }

    @Test func gradientMatchesFiniteDifferencesOfTheKLDivergence() {
        let x = gaussianClusters(centres: [[0, 0, 1, 0], [1, 1, 0, 0]], perCluster: 5, spread: 0.4, seed: 11)
        let n = x.rows
        let distances = TSNE.pairwiseDistances(x, metric: .euclidean, threads: 1)
        for neighbours in [n - 1, 4] {
            let p = TSNE.jointProbabilities(distances: distances, count: n, perplexity: 3, neighbours: neighbours)
            var generator = SeededGenerator(seed: 2)
            let y = (0..<(2 * n)).map { _ in Double(generator.nextNormal()) }
            var ws = TSNE.Workspace(count: n)
            var grad = [Float](repeating: 0, count: 2 * n)
            let kl = TSNE.gradient(p: p, y: Matrix(rows: n, columns: 2, storage: y.map { Float($0) }), exaggeration: 1, threads: 1,
                                   workspace: &ws, gradient: &grad, computeKL: true)
            #expect(abs(kl - referenceKL(p: p, y: y)) < 1e-4 * max(1, abs(kl)))
            let h = 1e-5
            for k in 0..<(2 * n) {
                var plus = y, minus = y
                plus[k] += h; minus[k] -= h
                let numeric = (referenceKL(p: p, y: plus) - referenceKL(p: p, y: minus)) / (2 * h)
                #expect(abs(Double(grad[k]) - numeric) < 1e-4 + 1e-3 * abs(numeric), "coordinate \(k): analytic \(grad[k]), numeric \(numeric)")
            }
        }
    }

    @Test func gradientDoesNotDependOnThreadsOrBlockTail() {
        // 37 points: two SIMD blocks of 16 and a scalar tail of 5.
        let x = gaussianClusters(centres: [[0, 1, 0], [1, 0, 0], [0, 0, 1]], perCluster: 12, spread: 0.3, seed: 1)
        let extra = Matrix(rows: 37, columns: 3, storage: x.storage + [0.5, 0.5, 0.5])
        let n = extra.rows
        let p = TSNE.jointProbabilities(distances: TSNE.pairwiseDistances(extra, metric: .cosine, threads: 1), count: n, perplexity: 5, neighbours: 16)
        var generator = SeededGenerator(seed: 4)
        let y = Matrix(rows: n, columns: 2, normalStandardDeviation: 2, generator: &generator)
        var ws1 = TSNE.Workspace(count: n), ws2 = TSNE.Workspace(count: n)
        var g1 = [Float](repeating: 0, count: 2 * n), g2 = g1
        let kl1 = TSNE.gradient(p: p, y: y, exaggeration: 3, threads: 1, workspace: &ws1, gradient: &g1, computeKL: true)
        let kl2 = TSNE.gradient(p: p, y: y, exaggeration: 3, threads: 2, workspace: &ws2, gradient: &g2, computeKL: true)
        #expect(g1 == g2)
        #expect(kl1 == kl2)
    }

    @Test func pcaInitialisationIsScaledLikeScikitLearn() throws {
        // Points along one direction plus small noise: the first map coordinate follows t.
        var generator = SeededGenerator(seed: 9)
        let direction: [Float] = [0.6, -0.8, 0, 0]
        var storage: [Float] = [], ts: [Float] = []
        for _ in 0..<50 {
            let t = generator.nextNormal() * 3
            ts.append(t)
            for k in 0..<4 { storage.append(1 + t * direction[k] + 0.01 * generator.nextNormal()) }
        }
        let map = try #require(TSNE.pcaMap(Matrix(rows: 50, columns: 4, storage: storage)))
        let first = (0..<50).map { Double(map[$0, 0]) }
        let mean = first.reduce(0, +) / 50
        let std = (first.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 50).squareRoot()
        #expect(abs(std - 1e-4) < 1e-9)
        let tMean = ts.reduce(0, +) / 50
        let covariance = zipEqualLength(first, ts).reduce(0.0) { $0 + ($1.0 - mean) * Double($1.1 - tMean) }
        let tStd = (ts.reduce(0.0) { $0 + Double(($1 - tMean) * ($1 - tMean)) }).squareRoot()
        let correlation = covariance / (std * 50.0.squareRoot() * tStd)
        #expect(abs(correlation) > 0.999)
        // Identical points have no principal axes: fall back to the random start.
        #expect(TSNE.pcaMap(Matrix(rows: 5, columns: 3, repeating: 1)) == nil)
    }

    @Test func eigenDecompositionOfASymmetricMatrix() {
        let a: [Double] = [4, 1, 0, 1, 3, 1, 0, 1, 2]
        let (values, vectors) = TSNE.symmetricEigen(a, size: 3)
        for c in 0..<3 {
            for r in 0..<3 {
                let av = (0..<3).reduce(0.0) { $0 + a[r * 3 + $1] * vectors[$1 * 3 + c] }
                #expect(abs(av - values[c] * vectors[r * 3 + c]) < 1e-9)
            }
        }
        #expect(abs(values.reduce(0, +) - 9) < 1e-9)
    }

    @Test func wellSeparatedClustersStaySeparatedIn2D() throws {
        let x = gaussianClusters(centres: [[4, 0, 0, 0, 0, 0], [0, 0, 0, 4, 0, 0]], perCluster: 30, spread: 0.5, seed: 21)
        var configuration = TSNE.Configuration(perplexity: 10, iterations: 300, threads: 1)
        configuration.metric = .cosine
        let result = try TSNE(configuration: configuration).embed(x)
        let y = result.embedding
        #expect(result.iterations == 300)
        #expect(result.klDivergence.isFinite && result.klDivergence > 0)
        func distance(_ i: Int, _ j: Int) -> Float {
            let dx = y[i, 0] - y[j, 0], dy = y[i, 1] - y[j, 1]
            return (dx * dx + dy * dy).squareRoot()
        }
        // Every point's nearest neighbour on the map is in its own cluster, and the gap between
        // the clusters is wider than the clusters themselves.
        for i in 0..<60 {
            let nearest = (0..<60).filter { $0 != i }.min { distance(i, $0) < distance(i, $1) }!
            #expect(nearest / 30 == i / 30, "point \(i)'s nearest neighbour \(nearest) is in the other cluster")
        }
        var within: Float = 0, between = Float.infinity
        for i in 0..<60 { for j in (i + 1)..<60 {
            if i / 30 == j / 30 { within = max(within, distance(i, j)) } else { between = min(between, distance(i, j)) }
        } }
        #expect(between > 0.2 * within, "closest pair across clusters \(between), widest cluster \(within)")
        let centroid = { (c: Int) -> (Float, Float) in
            let r = (c * 30)..<(c * 30 + 30)
            return (r.reduce(0) { $0 + y[$1, 0] } / 30, r.reduce(0) { $0 + y[$1, 1] } / 30)
        }
        let (a, b) = (centroid(0), centroid(1))
        let gap = ((a.0 - b.0) * (a.0 - b.0) + (a.1 - b.1) * (a.1 - b.1)).squareRoot()
        #expect(gap > within, "centroid gap \(gap), widest cluster \(within)")
        // The KL divergence went down after the exaggeration phase.
        let late = result.history.filter { !$0.exaggerated }
        #expect(late.count >= 1)
        #expect(result.klDivergence <= late.first!.klDivergence + 1e-6)
    }

    @Test func sameSeedSameMapAndThreadCountDoesNotMatter() throws {
        let x = gaussianClusters(centres: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], perCluster: 12, spread: 0.2, seed: 8)
        for initialization in TSNE.Initialization.allCases {
            var c = TSNE.Configuration(perplexity: 5, initialization: initialization, iterations: 120, seed: 42, threads: 1)
            let a = try TSNE(configuration: c).embed(x)
            let b = try TSNE(configuration: c).embed(x)
            c.threads = 2
            let two = try TSNE(configuration: c).embed(x)
            #expect(a.embedding == b.embedding)
            #expect(a.embedding == two.embedding)
            #expect(a.klDivergence == two.klDivergence)
            if initialization == .random {
                c.seed = 43
                let other = try TSNE(configuration: c).embed(x)
                #expect(other.embedding != a.embedding)
            }
        }
    }

    @Test func progressIsReportedEvery50Iterations() throws {
        let x = gaussianClusters(centres: [[1, 0], [0, 1]], perCluster: 10, spread: 0.1, seed: 3)
        var seen: [Int] = []
        let result = try TSNE(configuration: .init(perplexity: 4, explorationIterations: 60, iterations: 120, threads: 1)).embed(x) { seen.append($0.iteration) }
        #expect(seen == [50, 100, 120])
        #expect(result.history.map(\.exaggerated) == [true, false, false])
    }

    @Test func badInputIsATypedError() {
        let x = Matrix(rows: 10, columns: 3, repeating: 1)
        #expect(throws: TSNEError.perplexityTooLarge(perplexity: 40, pointCount: 10)) { try TSNE().embed(x) }
        #expect(throws: TSNEError.tooFewPoints(count: 1)) { try TSNE().embed(Matrix(rows: 1, columns: 3)) }
        var bad = Matrix(rows: 10, columns: 3, repeating: 1)
        bad[4, 2] = .nan
        #expect(throws: TSNEError.nonFiniteInput(row: 4)) { try TSNE(configuration: .init(perplexity: 3)).embed(bad) }
        #expect(throws: TSNEError.self) { try TSNE(configuration: .init(perplexity: 3, iterations: 0)).embed(x) }
        #expect(throws: TSNEError.self) { try TSNE(configuration: .init(perplexity: -1)).embed(x) }
    }
}
