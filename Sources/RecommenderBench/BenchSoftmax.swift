import ArgumentParser
import Foundation
import Recommender

/// `recommender bench softmax`: times the notebook's softmax run on a data set.
struct BenchSoftmaxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "softmax",
        abstract: "Time the notebook's softmax run (3,000 Adagrad iterations on ML-100K by default) and print time, ms/iteration, peak RSS and the final metrics."
    )
    @OptionGroup var data: DataOptions
    @OptionGroup(title: "Hyper-parameters (see `recommender algorithms softmax`)") var options: AlgorithmOptions
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "Threads (results are identical; default 1).") var threads: Int = 1
    @Option(help: "Repetitions (the best time is reported).") var repeats: Int = 1

    func validate() throws {
        try OptionBounds.check(threads, "--threads", OptionBounds.threads)
        try OptionBounds.check(repeats, "--repeats", OptionBounds.repeats)
    }

    func run() async throws {
        let dataset = try data.load()
        let trainer = Softmax()
        var configuration = try trainer.configured(trainer.reader(options.hyperparameters(for: trainer)))
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
            guard let last = result.history.last, last.trainLoss.isFinite else { throw ValidationError("benchmark run produced no finite loss") }
            print(String(format: "run %d: %.3f s total, %.3f ms/iteration (%d updates, %d threads, %@ gemm; CPU time %.3f s), %@",
                         run, seconds, seconds * 1000 / Double(updates), updates, configuration.threads, cpu,
                         (configuration.gemmBackend?.rawValue ?? "auto") as NSString, formatSoftmaxEntry(last) as NSString))
        }
        print(String(format: "best: %.3f s; peak RSS %d MB", best, PeakMemory.megabytes()))
    }
}

/// Bench: the SGEMM kernel on the softmax model's shapes.
struct BenchGemmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gemm", abstract: "Measure the SGEMM kernel (GFLOP/s) on the softmax model's product shapes.")
    @Option(help: "Repetitions per shape.") var repeats: Int = 200
    @Option(help: "Threads (swift backend only).") var threads: Int = 1
    @Option(help: "swift or openblas.") var backend: Gemm.Backend = .swift

    func validate() throws {
        try OptionBounds.check(repeats, "--repeats", OptionBounds.repeats)
        try OptionBounds.check(threads, "--threads", OptionBounds.threads)
    }

    func run() async throws {
        if backend == .openBLAS { print("OpenBLAS core: \((Gemm.installedBLAS?.name ?? "not installed"))") }
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
            print(String(format: "%@: %.1f µs wall (%.1f GFLOP/s); calling thread CPU %.1f µs (%.1f GFLOP/s)", name, best * 1e6,
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
