import Foundation
import Recommender

/// `recommender bench ials`: seconds per iALS iteration and peak memory on a generated matrix
/// shaped like MovieLens 25M (or any shape), or on a ratings file.
///
/// Without ``ratings`` the matrix is generated in memory (seeded). With a ratings file (e.g. the
/// ML-25M-shaped ratings.csv of scripts/generate-ml25m-like.py) the file is loaded with the fast
/// loader, every rating counts as a positive, the loaded columns are released and the
/// peak-memory counter is reset before training, so the fit's peak is reported apart from the loader's.
public struct IALSBenchmark: Sendable {
    /// A ratings file to load instead of generating the matrix.
    public var ratings: String?
    /// Users of the generated matrix.
    public var users = 162_541
    /// Items of the generated matrix.
    public var items = 59_047
    /// Interactions of the generated matrix.
    public var interactions = 25_000_000
    /// Power-law exponent of item popularity.
    public var exponent = 1.0
    /// Latent factors.
    public var factors = 64
    /// Iterations to time.
    public var iterations = 3
    /// Worker threads (nil: all cores).
    public var threads: Int?
    /// The linear solver.
    public var solver: ImplicitALS.Solver = .conjugateGradient
    /// Random seed.
    public var seed: UInt64 = 42

    /// The benchmark with its default settings.
    public init() {}

    /// Builds or loads the matrix, times each iteration and checks the model by a sampled AUC.
    /// - Parameter output: receives each line of the report.
    /// - Throws: ``BenchmarkError`` for a non-positive shape; a loading or training error.
    public func run(output: @escaping @Sendable (String) -> Void) throws {
        guard users > 0, items > 1, interactions > 0, factors > 0, iterations > 0 else {
            throw BenchmarkError("users, items, interactions, factors and iterations must be positive")
        }
        let t0 = DispatchTime.now()
        let x: SparseMatrix
        if let ratings {
            let dataset = try DelimitedRatingsLoader.load(ratings: URL(fileURLWithPath: ratings), items: nil,
                                                          options: DelimitedFileOptions(), threads: Parallelism.availableCores)
            x = ImplicitFeedback.default.matrix(dataset.interactions)
            output(String(format: "loaded %d × %d, %d interactions in %.2f s (loader peak RSS %d MB)", x.rowCount, x.columnCount, x.nonZeroCount,
                         seconds(since: t0), PeakMemory.megabytes()))
            if PeakMemory.reset() { output("peak-memory counter reset: the figures below are the fit's") }
        } else {
            x = SyntheticInteractions.matrix(users: users, items: items, interactions: interactions, exponent: exponent, seed: seed)
            output(String(format: "generated %d × %d, %d interactions in %.2f s (peak RSS %d MB)", x.rowCount, x.columnCount, x.nonZeroCount,
                         seconds(since: t0), PeakMemory.megabytes()))
        }
        let users = x.rowCount, items = x.columnCount
        let metadata = ModelMetadata(userIDs: IDMap((0..<users).map { UserID($0) }), itemIDs: IDMap((0..<items).map { ItemID($0) }),
                                     catalog: ItemCatalog(titles: [String](repeating: "", count: items), years: [Int?](repeating: nil, count: items),
                                                          genres: [GenreSet](repeating: [], count: items), genreNames: []),
                                     seen: x, ratingScale: nil)
        var c = ImplicitALS.Configuration.default
        c.factors = factors
        c.iterations = iterations
        c.solver = solver
        c.seed = seed
        if let threads { c.threads = threads }
        let start = DispatchTime.now()
        let timer = IterationTimer()
        let threadCount = c.threads
        let model = try ImplicitALS(c).fit(matrix: x, metadata: metadata) { p in
            let (seconds, cpu) = timer.lap(elapsed: p.elapsedSeconds)
            output(String(format: "iteration %d: %.3f s wall, %.3f CPU-s (%.0f%% of %d cores)", p.step, seconds, cpu,
                         100 * cpu / max(seconds, 1e-9) / Double(threadCount), threadCount))
        }
        let (times, cpuTimes) = timer.laps
        let total = seconds(since: start)
        // Check the result: a sample of users' held positives should score above random items.
        var better = 0, trials = 0
        var g = SeededGenerator(seed: 7)
        for _ in 0..<2000 {
            let u = g.nextInt(below: users)
            guard x.count(ofRow: u) > 0 else { continue }
            let scores = model.scores(forUser: UserIndex(u))
            let pos = x.columns[x.rowOffsets[u] + g.nextInt(below: x.count(ofRow: u))]
            let neg = g.nextInt(below: items)
            trials += 1
            if scores[Int(pos)] > scores[neg] { better += 1 }
        }
        output(String(format: "ials %d factors, %d threads: best %.3f s/iteration wall (mean %.3f s); best %.3f CPU-s/iteration (= %.3f s wall on %d idle cores); fit total %.2f s; peak RSS %d MB; sampled AUC %.3f",
                     factors, c.threads, times.min() ?? 0, times.reduce(0, +) / Double(max(times.count, 1)),
                     cpuTimes.min() ?? 0, (cpuTimes.min() ?? 0) / Double(c.threads), c.threads, total,
                     PeakMemory.megabytes(), Double(better) / Double(max(trials, 1))))
    }
}

/// `recommender bench ranking`: fit time, recommend-all time and NDCG@10 per ranking model on ML-100K.
public struct RankingBenchmark: Sendable {
    /// Comma-separated ranking models.
    public var algorithms = "popularity,item-knn,ials,bpr,ease"
    /// Repetitions of the recommend-all timing (best is reported).
    public var repeats = 5
    /// List length.
    public var k = 10

    /// The benchmark with its default settings.
    public init() {}

    /// Fits each model on a per-user stratified 75/25 split (seed 42) of `dataset`, times top-k for
    /// every user and reports NDCG@k.
    /// - Parameters:
    ///   - dataset: the ratings.
    ///   - output: receives each line of the report.
    /// - Throws: an unknown algorithm or a training error.
    public func run(_ dataset: Dataset, output: (String) -> Void) throws {
        let split = Splitter.userStratified(dataset.interactions, testFraction: 0.25, seed: 42)
        let users = (0..<dataset.userCount).map { UserIndex($0) }
        let training = try TrainingData(dataset, training: split.train)
        output("| model | fit s | recommend top-\(k) for all \(users.count) users (best of \(repeats)) ms | NDCG@\(k) |")
        output("|---|---:|---:|---:|")
        for name in algorithms.split(separator: ",") {
            let algorithm = try AlgorithmCatalog.standard.algorithm(named: String(name), task: .ranking)
            let t0 = DispatchTime.now()
            let model = try algorithm.fit(training, hyperparameters: [:], context: FitContext())
            let metadata = model.metadata
            let fit = seconds(since: t0)
            var best = Double.infinity
            var lists: [[ItemIndex]] = []
            for _ in 0..<max(1, repeats) {
                let t = DispatchTime.now()
                lists = TopNRecommender.recommend(model, metadata: metadata, users: users, k: k)
                best = min(best, seconds(since: t))
            }
            precondition(lists.count == users.count && lists.allSatisfy { $0.count == k })
            let report = RankingEvaluation.evaluate(test: split.test, k: k) { asked in asked.map { lists[Int($0)] } }
            output(String(format: "| %@ | %.3f | %.1f | %.4f |", algorithm.name, fit, best * 1000, report.ndcg))
        }
        output("peak RSS \(PeakMemory.megabytes()) MB")
    }
}

private func seconds(since start: DispatchTime) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }

/// Wall and CPU seconds of each iteration, from the observer's elapsed times.
final class IterationTimer: Sendable {
    private struct State { var lastElapsed = 0.0; var lastCPU = processCPUSeconds(); var wall: [Double] = []; var cpu: [Double] = [] }
    private let state = Locked(State())
    /// Records an iteration that ended `elapsed` seconds after the start; returns its wall and CPU seconds.
    func lap(elapsed: Double) -> (wall: Double, cpu: Double) {
        state.withLock { s in
            let now = processCPUSeconds()
            let lap = (elapsed - s.lastElapsed, now - s.lastCPU)
            s.lastElapsed = elapsed; s.lastCPU = now
            s.wall.append(lap.0); s.cpu.append(lap.1)
            return lap
        }
    }
    /// Every lap so far.
    var laps: (wall: [Double], cpu: [Double]) { state.withLock { ($0.wall, $0.cpu) } }
}
