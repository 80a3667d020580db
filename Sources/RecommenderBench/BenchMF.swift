import Foundation
import Recommender

/// `recommender bench mf`: milliseconds per full-batch iteration of the notebook's matrix factorization.
public struct MFBenchmark: Sendable {
    /// Iterations per run.
    public var iterations = 200
    /// Runs per variant (the best run is reported too).
    public var repeats = 3
    /// Threads (every thread count gives the same numbers).
    public var threads = Parallelism.availableCores
    /// Random seed of the split and initialisation.
    public var seed: UInt64 = 0

    /// The benchmark with its default settings.
    public init() {}

    /// Times plain, regularized and Adam variants on a 90/10 split of `dataset`.
    /// - Parameters:
    ///   - dataset: the ratings (ML-100K in the README's figures).
    ///   - output: receives each line of the report.
    /// - Throws: a training error, or ``BenchmarkError`` when a variant's loss does not decrease.
    public func run(_ dataset: Dataset, output: (String) -> Void) throws {
        let split = Splitter.randomHoldout(dataset.interactions, testFraction: 0.1, seed: seed)
        let metadata = ModelMetadata(dataset: dataset, training: split.train)
        output("data: \(dataset.userCount) users × \(dataset.itemCount) items, \(split.train.count) training / \(split.test.count) test ratings; threads \(threads)")
        let variants: [(String, MatrixFactorization.Configuration)] = [
            ("plain d=30 gd lr=10", .init(embeddingDim: 30, initStddev: 0.5, iterations: iterations, learningRate: 10, seed: seed, threads: threads)),
            ("regularized d=35 gd lr=20 reg=0.1 gravity=1", .init(embeddingDim: 35, initStddev: 0.05, iterations: iterations, learningRate: 20,
                                                               regularization: 0.1, gravity: 1, seed: seed, threads: threads)),
            ("plain d=30 adam lr=0.1", .init(embeddingDim: 30, initStddev: 0.5, iterations: iterations, learningRate: 0.1, optimizer: .adam,
                                             seed: seed, threads: threads)),
        ]
        for (name, config) in variants {
            // Setup (CSR views, initialisation, thread start) is timed by a 1-iteration run and subtracted,
            // so the figures are the marginal cost of an iteration (forward + gradients + update).
            var short = config
            short.iterations = 1
            var times: [Double] = [], cpuTimes: [Double] = []
            var first = 0.0, last = 0.0
            for _ in 0..<max(1, repeats) {
                let s0 = DispatchTime.now(), c0 = processCPUSeconds()
                _ = try MatrixFactorization(short).fit(train: split.train, test: split.test, metadata: metadata)
                let s1 = DispatchTime.now(), c1 = processCPUSeconds()
                let model = try MatrixFactorization(config).fit(train: split.train, test: split.test, metadata: metadata)
                let s2 = DispatchTime.now(), c2 = processCPUSeconds()
                let setupWall = Double(s1.uptimeNanoseconds - s0.uptimeNanoseconds), fullWall = Double(s2.uptimeNanoseconds - s1.uptimeNanoseconds)
                let steps = Double(config.iterations + 1 - 2)
                times.append(max(0, fullWall - setupWall) / 1e6 / steps)
                cpuTimes.append(max(0, (c2 - c1) - (c1 - c0)) * 1000 / steps)
                let key = config.isRegularized ? "train_error_observed" : "train_error"
                first = model.history.rows.first?.values[key] ?? .nan
                last = model.history.rows.last?.values[key] ?? .nan
            }
            guard last < first else {
                throw BenchmarkError("\(name): the training loss did not decrease (\(first) -> \(last))")
            }
            let mean = times.reduce(0, +) / Double(times.count)
            output(String(format: "%@: %.3f ms/iteration mean, %.3f best (wall clock); CPU %.3f ms/iteration best (all threads); %d runs of %d iterations; train MSE %.4f -> %.4f",
                         name, mean, times.min() ?? .nan, cpuTimes.min() ?? .nan, times.count, config.iterations, first, last))
        }
        output("peak RSS \(PeakMemory.megabytes()) MB")
    }
}
