import ArgumentParser
import Foundation
import Recommender

/// `recommender bench`: performance figures. Prints measurements; never asserts times.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run performance benchmarks and print figures (time, throughput, peak memory).",
        subcommands: [BenchLoadCommand.self, BenchSoftmaxCommand.self, BenchGemmCommand.self]
    )
}

/// Times loading a data set.
struct BenchLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "load", abstract: "Time loading a data set and building both CSR views.")
    @OptionGroup var data: DataOptions
    @Option(help: "Repetitions.") var repeats: Int = 3

    func run() async throws {
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = DispatchTime.now()
            let dataset = try data.load()
            let byUser = dataset.interactions.byUser(), byItem = dataset.interactions.byItem()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            precondition(byUser.nonZeroCount == byItem.nonZeroCount)
            best = min(best, seconds)
            print("load+csr: \(String(format: "%.3f", seconds)) s, \(dataset.interactions.count) interactions")
        }
        print("best: \(String(format: "%.3f", best)) s; peak RSS \(PeakMemory.megabytes()) MB")
    }
}
