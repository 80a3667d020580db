import Foundation
import Recommender

/// `recommender bench tsne`: times t-SNE with the notebook's settings on random points.
public struct TSNEBenchmark: Sendable {
    /// Number of points (ML-100K has 1,682 movies).
    public var points = 1682
    /// Dimension of each point.
    public var dimension = 30
    /// Repetitions; the best time is reported.
    public var repeats = 3
    /// Threads (nil: every core; 1 = single-thread mode).
    public var threads: Int?
    /// Random seed of the points.
    public var seed: UInt64 = 0
    /// Report the KL divergence and gradient norm every 50 iterations.
    public var verbose = false

    /// The benchmark with its default settings.
    public init() {}

    /// Embeds random Gaussian points ``repeats`` times and reports each time and the best.
    /// - Parameter output: receives each line of the report.
    /// - Throws: ``BenchmarkError`` for too few points or non-finite results; a t-SNE error.
    public func run(output: @escaping @Sendable (String) -> Void) throws {
        guard points >= 2, dimension >= 1, repeats >= 1 else { throw BenchmarkError("--points must be at least 2, --dimension and --repeats at least 1") }
        var generator = SeededGenerator(seed: seed)
        let data = Matrix(rows: points, columns: dimension, normalStandardDeviation: 1, generator: &generator)
        var configuration = TSNE.Configuration.default
        configuration.perplexity = min(configuration.perplexity, Double(points - 1) / 3)
        if let threads { configuration.threads = threads }
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = DispatchTime.now(), cpuStart = processCPUSeconds()
            let result = try TSNE(configuration: configuration).embed(data) { report in
                if verbose { output("  iteration \(report.iteration): KL \(String(format: "%.4f", report.klDivergence)), gradient norm \(String(format: "%.3g", report.gradientNorm))\(report.exaggerated ? " (exaggerated)" : "")") }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            let cpu = processCPUSeconds() - cpuStart
            guard result.klDivergence.isFinite, result.embedding.storage.allSatisfy(\.isFinite) else {
                throw BenchmarkError("t-SNE produced non-finite values")
            }
            best = min(best, seconds)
            output("tsne: \(points) points × d=\(dimension), perplexity \(configuration.perplexity), \(result.iterations) iterations, \(configuration.threads) threads: \(String(format: "%.3f", seconds)) s (CPU time \(String(format: "%.3f", cpu)) s), KL divergence \(String(format: "%.4f", result.klDivergence))")
        }
        output("best: \(String(format: "%.3f", best)) s; peak RSS \(PeakMemory.megabytes()) MB")
    }
}
