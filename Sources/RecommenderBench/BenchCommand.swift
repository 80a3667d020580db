import ArgumentParser
import Foundation
import Recommender

/// `recommender bench`: performance figures. Prints measurements; never asserts times.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run performance benchmarks and print figures (time, throughput, peak memory).",
        subcommands: [BenchLoadCommand.self, BenchMFCommand.self, BenchRatingCommand.self, BenchBestCommand.self, BenchTSNECommand.self,
                      BenchIALSCommand.self, BenchRankingCommand.self, BenchSoftmaxCommand.self, BenchGemmCommand.self,
                      BenchANNCommand.self]
    )
}

/// Times loading a data set (parsing into columns and id maps) and building both CSR views.
struct BenchLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Time loading a data set (parse + id maps) and building both CSR views; print the best run and peak memory.",
        discussion: "Example: recommender bench load --ratings bench-data/ratings.csv (see scripts/bench-load.sh).")

    @OptionGroup var data: DataOptions

    @Option(help: "Repetitions (the best is reported).")
    var repeats: Int = 3

    @Option(help: "Threads (default: all cores; 1 = single-thread mode).")
    var threads: Int?

    func validate() throws {
        try OptionBounds.check(repeats, "--repeats", OptionBounds.repeats)
        try OptionBounds.check(threads, "--threads", OptionBounds.threads)
    }

    func run() async throws {
        let threads = self.threads ?? Parallelism.availableCores
        var best: (parse: Double, csr: Double, total: Double, cpu: Double)? = nil
        for run in 1...max(1, repeats) {
            let cpuStart = cpuSeconds()
            let start = DispatchTime.now()
            let dataset: Dataset
            do {
                dataset = try data.load(threads: threads)
            } catch {
                exitWithError(error)
            }
            let parsed = DispatchTime.now()
            let views = dataset.interactions.csrViews(threads: threads)
            let done = DispatchTime.now()
            // Check the result before trusting the time.
            guard views.byUser.nonZeroCount == dataset.interactions.count, views.byItem.nonZeroCount == dataset.interactions.count,
                  views.byUser.rowCount == dataset.userCount, views.byItem.rowCount == dataset.itemCount else {
                exitWithError(DataError.invalidInput("CSR views do not match the interactions"))
            }
            let parse = seconds(start, parsed), csr = seconds(parsed, done), total = seconds(start, done)
            let cpu = cpuSeconds() - cpuStart
            print(String(format: "run %d: parse %.3f s, CSR views %.3f s, total %.3f s, CPU time %.3f s (%@ ratings, %@ users, %@ items, %d duplicates dropped)",
                         run, parse, csr, total, cpu, grouped(dataset.interactions.count), grouped(dataset.userCount),
                         grouped(dataset.itemCount), dataset.report.duplicatesDropped))
            if best == nil || total < best!.total { best = (parse, csr, total, cpu) }
        }
        if let best {
            print(String(format: "best: parse %.3f s, CSR views %.3f s, total %.3f s (CPU time %.3f s); threads %d; peak RSS %d MB",
                         best.parse, best.csr, best.total, best.cpu, threads, PeakMemory.megabytes()))
        }
    }

    /// User + system CPU time of the process so far (all threads), a figure that other
    /// processes sharing the CPU disturb less than wall time.
    func cpuSeconds() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return s(usage.ru_utime) + s(usage.ru_stime)
    }

    func seconds(_ a: DispatchTime, _ b: DispatchTime) -> Double { Double(b.uptimeNanoseconds - a.uptimeNanoseconds) / 1e9 }

    func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (k, d) in digits.enumerated() {
            if k > 0 && (digits.count - k) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }
}
