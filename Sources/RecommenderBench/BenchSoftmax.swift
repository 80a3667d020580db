import Foundation
import Recommender

/// `recommender bench softmax`: times the notebook's softmax run on a data set.
public struct SoftmaxBenchmark: Sendable {
    /// The model's hyper-parameters (the notebook's by default).
    public var configuration: SoftmaxModel.Configuration
    /// Random seed.
    public var seed: UInt64 = 0
    /// Threads (results are identical).
    public var threads = 1
    /// Repetitions (the best time is reported).
    public var repeats = 1

    /// The benchmark of a configuration (its thread count is replaced by ``threads``).
    public init(configuration: SoftmaxModel.Configuration) { self.configuration = configuration }

    /// Trains ``repeats`` times on the whole of `dataset` and reports time, ms/iteration and the final metrics.
    /// - Parameters:
    ///   - dataset: the ratings (ML-100K in the README's figures).
    ///   - output: receives each line of the report.
    /// - Throws: a training error, or ``BenchmarkError`` when a run ends without a finite loss.
    public func run(_ dataset: Dataset, output: (String) -> Void) throws {
        var configuration = self.configuration
        configuration.threads = threads
        let data = TrainingData(dataset)
        var best = Double.infinity
        for run in 1...max(1, repeats) {
            let start = DispatchTime.now(), cpuStart = processCPUSeconds()
            let result = try Softmax(configuration).fit(data, context: FitContext(seed: seed, threads: threads))
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            let cpu = processCPUSeconds() - cpuStart
            best = min(best, seconds)
            let updates = configuration.iterations + 1
            guard let last = result.history.last, last.trainLoss.isFinite else { throw BenchmarkError("benchmark run produced no finite loss") }
            output(String(format: "run %d: %.3f s total, %.3f ms/iteration (%d updates, %d threads, %@ gemm; CPU time %.3f s), %@",
                         run, seconds, seconds * 1000 / Double(updates), updates, configuration.threads, cpu,
                         (configuration.gemmBackend?.rawValue ?? "auto") as NSString, formatSoftmaxEntry(last) as NSString))
        }
        output(String(format: "best: %.3f s; peak RSS %d MB", best, PeakMemory.megabytes()))
    }
}

/// `recommender bench gemm`: the SGEMM kernel on the softmax model's shapes.
public struct GemmBenchmark: Sendable {
    /// Repetitions per shape.
    public var repeats = 200
    /// Threads (swift backend only).
    public var threads = 1
    /// The kernel: swift or openblas.
    public var backend: Gemm.Backend = .swift

    /// The benchmark with its default settings.
    public init() {}

    /// Measures each shape (best of 3 rounds of ``repeats`` products) and reports µs and GFLOP/s.
    /// - Parameter output: receives each line of the report.
    public func run(output: (String) -> Void) {
        if backend == .openBLAS { output("OpenBLAS core: \((Gemm.installedBLAS?.name ?? "not installed"))") }
        let shapes: [(String, Gemm.Transpose, Gemm.Transpose, Int, Int, Int)] = [
            ("logits  U·Vᵀ   200x1682x35 (NT)", .none, .transpose, 200, 1682, 35),
            ("dU      dZ·V   200x35x1682 (NN)", .none, .none, 200, 35, 1682),
            ("dV      dZᵀ·U  1682x35x200 (TN)", .transpose, .none, 1682, 35, 200),
            ("logits  U·Vt   200x1682x35 (NN)", .none, .none, 200, 1682, 35),
            ("dUᵀ     Vᵀ·dZᵀ 35x200x1682 (TT)", .transpose, .transpose, 35, 200, 1682),
            ("dVᵀ     Uᵀ·dZ  35x1682x200 (TN)", .transpose, .none, 35, 1682, 200),
            ("square 512x512x512 (NN)", .none, .none, 512, 512, 512),
        ]
        for (name, ta, tb, m, n, k) in shapes {
            let rowsA = ta == .none ? m : k, colsA = ta == .none ? k : m
            let rowsB = tb == .none ? k : n, colsB = tb == .none ? n : k
            var g = SeededGenerator(seed: 1)
            let a = (0..<(rowsA * colsA)).map { _ in g.nextUnitFloat() }
            let b = (0..<(rowsB * colsB)).map { _ in g.nextUnitFloat() }
            var c = [Float](repeating: 0, count: m * n)
            var best = Double.infinity, bestCPU = Double.infinity
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                for _ in 0..<3 {
                    let cpuStart = threadCPUSeconds()
                    let start = DispatchTime.now()
                    for _ in 0..<repeats {
                        Gemm.sgemm(ta, tb, m: m, n: n, k: k, a: ap.baseAddress!, lda: colsA, b: bp.baseAddress!, ldb: colsB,
                                   c: cp.baseAddress!, ldc: n, threads: threads, backend: backend)
                    }
                    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 / Double(repeats))
                    bestCPU = min(bestCPU, (threadCPUSeconds() - cpuStart) / Double(repeats))
                }
            } } }
            output(String(format: "%@: %.1f µs wall (%.1f GFLOP/s); calling thread CPU %.1f µs (%.1f GFLOP/s)", name, best * 1e6,
                         2.0 * Double(m * n * k) / best / 1e9, bestCPU * 1e6, 2.0 * Double(m * n * k) / bestCPU / 1e9))
        }
    }
}


/// CPU time consumed by the calling thread (excludes time spent waiting for a CPU on a shared machine).
func threadCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// One logged line of the softmax history, with the notebook's metric names.
private func formatSoftmaxEntry(_ e: SoftmaxTrainingHistory.Entry) -> String {
    String(format: "iteration %d: train_loss=%.4f test_loss=%.4f precision@10=%.4f recall@10=%.4f ndcg@10=%.4f",
           e.iteration, e.trainLoss, e.testLoss, e.precisionAt10, e.recallAt10, e.ndcgAt10)
}
