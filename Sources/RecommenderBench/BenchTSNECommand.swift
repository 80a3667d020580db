import ArgumentParser
import Foundation
import Recommender

/// `recommender bench tsne`: times t-SNE with the notebook's settings on random points.
struct BenchTSNECommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsne",
        abstract: "Time t-SNE (the notebook's settings) on random Gaussian points; prints time and final KL divergence."
    )

    @Option(help: "Number of points (ML-100K has 1,682 movies).") var points: Int = 1682
    @Option(help: "Dimension of each point.") var dimension: Int = 30
    @Option(help: "Repetitions; the best time is reported.") var repeats: Int = 3
    @Option(help: "Threads (default: every core; 1 = single-thread mode).") var threads: Int?
    @Option(help: "Random seed of the points.") var seed: UInt64 = 0
    @Flag(help: "Print the KL divergence and gradient norm every 50 iterations.") var verbose = false

    func validate() throws {
        try OptionBounds.check(points, "--points", OptionBounds.tsnePoints)
        try OptionBounds.check(dimension, "--dimension", OptionBounds.dimension)
        try OptionBounds.check(repeats, "--repeats", OptionBounds.repeats)
        try OptionBounds.check(threads, "--threads", OptionBounds.threads)
    }

    func run() async throws {
        guard points >= 2, dimension >= 1, repeats >= 1 else { throw ValidationError("--points must be at least 2, --dimension and --repeats at least 1") }
        var generator = SeededGenerator(seed: seed)
        let data = Matrix(rows: points, columns: dimension, normalStandardDeviation: 1, generator: &generator)
        var configuration = TSNE.Configuration.default
        configuration.perplexity = min(configuration.perplexity, Double(points - 1) / 3)
        if let threads { configuration.threads = threads }
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = DispatchTime.now(), cpuStart = processCPUSeconds()
            let result = try TSNE(configuration: configuration).embed(data) { report in
                if verbose { print("  iteration \(report.iteration): KL \(String(format: "%.4f", report.klDivergence)), gradient norm \(String(format: "%.3g", report.gradientNorm))\(report.exaggerated ? " (exaggerated)" : "")") }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            let cpu = processCPUSeconds() - cpuStart
            guard result.klDivergence.isFinite, result.embedding.storage.allSatisfy(\.isFinite) else {
                throw ValidationError("t-SNE produced non-finite values")
            }
            best = min(best, seconds)
            print("tsne: \(points) points × d=\(dimension), perplexity \(configuration.perplexity), \(result.iterations) iterations, \(configuration.threads) threads: \(String(format: "%.3f", seconds)) s (CPU time \(String(format: "%.3f", cpu)) s), KL divergence \(String(format: "%.4f", result.klDivergence))")
        }
        print("best: \(String(format: "%.3f", best)) s; peak RSS \(PeakMemory.megabytes()) MB")
    }
}

