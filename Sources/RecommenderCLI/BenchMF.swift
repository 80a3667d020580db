import ArgumentParser
import Foundation
import Recommender

/// `recommender bench mf`: milliseconds per full-batch iteration of the notebook's matrix factorization.
struct BenchMFCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mf",
        abstract: "Time full-batch matrix-factorization iterations (plain and regularized) on a 90/10 split of ML-100K.")
    @OptionGroup var data: DataOptions
    @Option(help: "Iterations per run.") var iterations: Int = 200
    @Option(help: "Runs per variant (the best run is reported too).") var repeats: Int = 3
    @Option(help: "Threads: 2 (both cores) or 1 (deterministic single-thread mode gives the same numbers).") var threads: Int = 2
    @Option(help: "Random seed of the split and initialisation.") var seed: UInt64 = 0

    func run() async throws {
        let dataset = try data.load()
        let split = Splitter.randomHoldout(dataset.interactions, testFraction: 0.1, seed: seed)
        let metadata = ModelMetadata(dataset: dataset, training: split.train)
        print("data: \(dataset.userCount) users × \(dataset.itemCount) items, \(split.train.count) training / \(split.test.count) test ratings; threads \(threads)")
        let variants: [(String, MatrixFactorization.Configuration)] = [
            ("plain d=30 gd lr=10", .init(embeddingDim: 30, initStddev: 0.5, iterations: iterations, learningRate: 10, seed: seed, threads: threads)),
            ("regularized d=35 gd lr=20 reg=0.1 gravity=1", .init(embeddingDim: 35, initStddev: 0.05, iterations: iterations, learningRate: 20,
                                                               regularization: 0.1, gravity: 1, seed: seed, threads: threads)),
            ("plain d=30 adam lr=0.1", .init(embeddingDim: 30, initStddev: 0.5, iterations: iterations, learningRate: 0.1, optimizer: .adam,
                                             seed: seed, threads: threads)),
        ]
        for (name, config) in variants {
            var times: [Double] = [], cpuTimes: [Double] = []
            var first = 0.0, last = 0.0
            for _ in 0..<max(1, repeats) {
                let start = DispatchTime.now(), cpuStart = processCPUSeconds()
                let model = try MatrixFactorization(configuration: config).fit(train: split.train, test: split.test, metadata: metadata)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
                times.append(seconds * 1000 / Double(config.iterations + 1))
                cpuTimes.append((processCPUSeconds() - cpuStart) * 1000 / Double(config.iterations + 1))
                let key = config.isRegularized ? "train_error_observed" : "train_error"
                first = model.history.rows.first?.values[key] ?? .nan
                last = model.history.rows.last?.values[key] ?? .nan
            }
            guard last < first else {
                throw ValidationError("\(name): the training loss did not decrease (\(first) -> \(last))")
            }
            let mean = times.reduce(0, +) / Double(times.count)
            print(String(format: "%@: %.3f ms/iteration mean, %.3f best wall clock; CPU time %.3f ms/iteration best (all threads); %d iterations × %d runs, setup included; train MSE %.4f -> %.4f",
                         name, mean, times.min()!, cpuTimes.min()!, config.iterations + 1, times.count, first, last))
        }
        print("peak RSS \(PeakMemory.megabytes()) MB")
    }
}

/// CPU time used by the whole process so far, in seconds (all threads; includes spin-waiting).
func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}
