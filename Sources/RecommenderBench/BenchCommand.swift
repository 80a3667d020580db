import Foundation
import Recommender

/// `recommender bench load`: times loading a data set (parsing into columns and id maps) and
/// building both CSR views.
public struct LoadBenchmark: Sendable {
    /// Repetitions (the best is reported).
    public var repeats = 3
    /// Threads (nil: all cores; 1 = single-thread mode).
    public var threads: Int?

    /// The benchmark with its default settings.
    public init() {}

    /// Runs the benchmark and reports each run, then the best.
    /// - Parameters:
    ///   - load: loads the data set on the given number of threads (timed).
    ///   - output: receives each line of the report.
    /// - Throws: the loader's error, or `DataError.invalidInput` when the CSR views do not match the data.
    public func run(load: (_ threads: Int) throws -> Dataset, output: (String) -> Void) throws {
        let threads = self.threads ?? Parallelism.availableCores
        var best: (parse: Double, csr: Double, total: Double, cpu: Double)? = nil
        for run in 1...max(1, repeats) {
            let cpuStart = cpuSeconds()
            let start = DispatchTime.now()
            let dataset = try load(threads)
            let parsed = DispatchTime.now()
            let views = dataset.interactions.csrViews(threads: threads)
            let done = DispatchTime.now()
            // Check the result before trusting the time.
            guard views.byUser.nonZeroCount == dataset.interactions.count, views.byItem.nonZeroCount == dataset.interactions.count,
                  views.byUser.rowCount == dataset.userCount, views.byItem.rowCount == dataset.itemCount else {
                throw DataError.invalidInput("CSR views do not match the interactions")
            }
            let parse = seconds(start, parsed), csr = seconds(parsed, done), total = seconds(start, done)
            let cpu = cpuSeconds() - cpuStart
            output(String(format: "run %d: parse %.3f s, CSR views %.3f s, total %.3f s, CPU time %.3f s (%@ ratings, %@ users, %@ items, %d duplicates dropped)",
                         run, parse, csr, total, cpu, grouped(dataset.interactions.count), grouped(dataset.userCount),
                         grouped(dataset.itemCount), dataset.report.duplicatesDropped))
            if best.map({ total < $0.total }) ?? true { best = (parse, csr, total, cpu) }
        }
        if let best {
            output(String(format: "best: parse %.3f s, CSR views %.3f s, total %.3f s (CPU time %.3f s); threads %d; peak RSS %d MB",
                         best.parse, best.csr, best.total, best.cpu, threads, PeakMemory.megabytes()))
        }
    }

    /// User + system CPU time of the process so far (all threads), a figure that other
    /// processes sharing the CPU disturb less than wall time.
    private func cpuSeconds() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return s(usage.ru_utime) + s(usage.ru_stime)
    }

    private func seconds(_ a: DispatchTime, _ b: DispatchTime) -> Double { Double(b.uptimeNanoseconds - a.uptimeNanoseconds) / 1e9 }

    private func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (k, d) in digits.enumerated() {
            if k > 0 && (digits.count - k) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }
}
