import ArgumentParser
import Foundation
import Recommender
import RecommenderBench

// `recommender bench ...`: each subcommand parses its options, runs one benchmark of the
// RecommenderBench target and prints its lines.

extension BayesianFactorizationMachine.ImplicitSource: ExpressibleByArgument {}
extension BayesianFactorizationMachine.ImplicitNormalization: ExpressibleByArgument {}
extension ImplicitALS.Solver: ExpressibleByArgument {}

/// Runs a benchmark; its own failures (a result that fails its check, settings it refuses)
/// become command-line errors, as when the benchmarks lived here.
/// - Throws: `ValidationError` for a ``BenchmarkError``; any other error unchanged.
func reportingFailures(_ body: () throws -> Void) throws {
    do { try body() } catch let error as BenchmarkError { throw ValidationError(error.message) }
}

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
    private static let defaults = LoadBenchmark()
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Time loading a data set (parse + id maps) and building both CSR views; print the best run and peak memory.",
        discussion: "Example: recommender bench load --ratings bench-data/ratings.csv (see scripts/bench-load.sh).")

    @OptionGroup var data: DataOptions

    @Option(help: "Repetitions (the best is reported).")
    var repeats: Int = Self.defaults.repeats

    @Option(help: "Threads (default: all cores; 1 = single-thread mode).")
    var threads: Int?

    func validate() throws {
        try OptionBounds.check(repeats, "--repeats", OptionBounds.repeats)
        try OptionBounds.check(threads, "--threads", OptionBounds.threads)
    }

    func run() async throws {
        var benchmark = LoadBenchmark()
        benchmark.repeats = repeats
        benchmark.threads = threads
        do {
            try benchmark.run(load: { try data.load(threads: $0) }, output: { print($0) })
        } catch {
            exitWithError(error)
        }
    }
}

/// `recommender bench mf`: milliseconds per full-batch iteration of the notebook's matrix factorization.
struct BenchMFCommand: AsyncParsableCommand {
    private static let defaults = MFBenchmark()
    static let configuration = CommandConfiguration(
        commandName: "mf",
        abstract: "Time full-batch matrix-factorization iterations (plain and regularized) on a 90/10 split of ML-100K.")
    @OptionGroup var data: DataOptions
    @Option(help: "Iterations per run.") var iterations: Int = Self.defaults.iterations
    @Option(help: "Runs per variant (the best run is reported too).") var repeats: Int = Self.defaults.repeats
    @Option(help: "Threads (default: all cores; every thread count gives the same numbers).") var threads: Int = Self.defaults.threads
    @Option(help: "Random seed of the split and initialisation.") var seed: UInt64 = Self.defaults.seed

    func validate() throws {
        try OptionBounds.check(iterations, "--iterations", OptionBounds.benchIterations)
        try OptionBounds.check(repeats, "--repeats", OptionBounds.repeats)
        try OptionBounds.check(threads, "--threads", OptionBounds.threads)
    }

    func run() async throws {
        let dataset = try data.load()
        var benchmark = MFBenchmark()
        benchmark.iterations = iterations
        benchmark.repeats = repeats
        benchmark.threads = threads
        benchmark.seed = seed
        try reportingFailures { try benchmark.run(dataset, output: { print($0) }) }
    }
}

/// `recommender bench rating`: fit/predict time per fold and RMSE of every rating model on
/// k-fold cross-validation (ML-100K 5-fold by default). Prints figures; asserts nothing on time.
struct BenchRatingCommand: AsyncParsableCommand {
    private static let defaults = RatingBenchmark()
    static let configuration = CommandConfiguration(
        commandName: "rating",
        abstract: "Time fit and predict per fold and report RMSE for the rating models (k-fold CV)."
    )
    @OptionGroup var data: DataOptions
    @Option(help: "Comma-separated algorithms.") var algorithms: String = Self.defaults.algorithms
    @Option(help: "Number of folds.") var folds: Int = Self.defaults.folds
    @Option(help: "Random seed.") var seed: UInt64 = Self.defaults.seed
    @Option(help: "Threads for parallel fits (1 = deterministic single thread).") var threads: Int?
    @Flag(inversion: .prefixedNo, help: "Also run on ML-1M when it is in --data-dir (skipped with a message when absent).")
    var ml1m: Bool = Self.defaults.ml1m

    func validate() throws {
        try OptionBounds.check(folds, "--folds", OptionBounds.folds)
        try OptionBounds.check(threads, "--threads", OptionBounds.threads)
    }

    func run() async throws {
        let dataset = try data.load()
        var benchmark = RatingBenchmark()
        benchmark.algorithms = algorithms
        benchmark.folds = folds
        benchmark.seed = seed
        benchmark.threads = threads
        benchmark.ml1m = ml1m
        try reportingFailures { try benchmark.run(dataset, dataDirectory: data.dataDirectory, output: { print($0) }) }
    }
}

/// `recommender bench best`: k-fold cross-validation of the Bayesian factorization machine.
struct BenchBestCommand: AsyncParsableCommand {
    private static let defaults = BFMBenchmark()
    static let configuration = CommandConfiguration(
        commandName: "best",
        abstract: "Cross-validate the `best` model (Bayesian factorization machine, Gibbs sampling): per-fold RMSE/MAE, mean ± std, fit and predict seconds."
    )
    @OptionGroup var data: DataOptions
    @Option(help: "Number of folds.") var folds: Int = Self.defaults.folds
    @Option(help: "Split seed (also the sampler seed).") var seed: UInt64 = Self.defaults.seed
    @Option(help: "Run only the first N folds (0 = all).") var onlyFolds: Int = Self.defaults.onlyFolds
    @Option(help: "Latent factors k.") var rank: Int = Self.defaults.rank
    @Option(help: "Gibbs sweeps in total.") var samples: Int = Self.defaults.samples
    @Option(help: "Sweeps discarded before averaging.") var burnIn: Int = Self.defaults.burnIn
    @Option(help: "Keep every N-th sweep in the model.") var thinning: Int = Self.defaults.thinning
    @Option(help: "Use user demographics (true/false).") var userSide: Bool = Self.defaults.userSide
    @Option(help: "Use item genres and years (true/false).") var itemSide: Bool = Self.defaults.itemSide
    @Option(help: "Bag of items each user rated (true/false).") var userImplicit: Bool = Self.defaults.userImplicit
    @Option(help: "Bag of users who rated each item (true/false).") var itemImplicit: Bool = Self.defaults.itemImplicit
    @Option(help: "Implicit bag normalisation: sqrt or count.") var implicitNormalization: BayesianFactorizationMachine.ImplicitNormalization = Self.defaults.implicitNormalization
    @Option(help: "Which pairs form the implicit bags: training (clean) or all.") var implicitSource: BayesianFactorizationMachine.ImplicitSource = Self.defaults.implicitSource
    @Option(help: "Zip-code prefix length.") var zipPrefix: Int = Self.defaults.zipPrefix
    @Option(help: "Release-year bucket width.") var yearBucket: Int = Self.defaults.yearBucket
    @Option(help: "Threads (default: all cores).") var threads: Int = Self.defaults.threads
    @Flag(help: "Print the validation RMSE every 10 sweeps.") var verbose = Self.defaults.verbose

    func validate() throws {
        try OptionBounds.check(folds, "--folds", OptionBounds.folds)
        try OptionBounds.check(onlyFolds, "--only-folds", OptionBounds.onlyFolds)
        try OptionBounds.check(rank, "--rank", OptionBounds.bfmRank)
        try OptionBounds.check(samples, "--samples", OptionBounds.gibbsSamples)
        try OptionBounds.check(burnIn, "--burn-in", OptionBounds.gibbsBurnIn)
        try OptionBounds.check(thinning, "--thinning", OptionBounds.gibbsThinning)
        try OptionBounds.check(zipPrefix, "--zip-prefix", OptionBounds.zipPrefix)
        try OptionBounds.check(yearBucket, "--year-bucket", OptionBounds.yearBucket)
        try OptionBounds.check(threads, "--threads", OptionBounds.threads)
    }

    func run() async throws {
        let dataset = try data.load()
        var benchmark = BFMBenchmark()
        benchmark.folds = folds; benchmark.seed = seed; benchmark.onlyFolds = onlyFolds
        benchmark.rank = rank; benchmark.samples = samples; benchmark.burnIn = burnIn; benchmark.thinning = thinning
        benchmark.userSide = userSide; benchmark.itemSide = itemSide
        benchmark.userImplicit = userImplicit; benchmark.itemImplicit = itemImplicit
        benchmark.implicitNormalization = implicitNormalization; benchmark.implicitSource = implicitSource
        benchmark.zipPrefix = zipPrefix; benchmark.yearBucket = yearBucket
        benchmark.threads = threads; benchmark.verbose = verbose
        try reportingFailures { try benchmark.run(dataset, output: { print($0) }) }
    }
}

/// `recommender bench tsne`: times t-SNE with the notebook's settings on random points.
struct BenchTSNECommand: AsyncParsableCommand {
    private static let defaults = TSNEBenchmark()
    static let configuration = CommandConfiguration(
        commandName: "tsne",
        abstract: "Time t-SNE (the notebook's settings) on random Gaussian points; prints time and final KL divergence."
    )

    @Option(help: "Number of points (ML-100K has 1,682 movies).") var points: Int = Self.defaults.points
    @Option(help: "Dimension of each point.") var dimension: Int = Self.defaults.dimension
    @Option(help: "Repetitions; the best time is reported.") var repeats: Int = Self.defaults.repeats
    @Option(help: "Threads (default: every core; 1 = single-thread mode).") var threads: Int?
    @Option(help: "Random seed of the points.") var seed: UInt64 = Self.defaults.seed
    @Flag(help: "Print the KL divergence and gradient norm every 50 iterations.") var verbose = Self.defaults.verbose

    func validate() throws {
        try OptionBounds.check(points, "--points", OptionBounds.tsnePoints)
        try OptionBounds.check(dimension, "--dimension", OptionBounds.dimension)
        try OptionBounds.check(repeats, "--repeats", OptionBounds.repeats)
        try OptionBounds.check(threads, "--threads", OptionBounds.threads)
    }

    func run() async throws {
        var benchmark = TSNEBenchmark()
        benchmark.points = points; benchmark.dimension = dimension; benchmark.repeats = repeats
        benchmark.threads = threads; benchmark.seed = seed; benchmark.verbose = verbose
        try reportingFailures { try benchmark.run(output: { print($0) }) }
    }
}

/// `recommender bench ials`: seconds per iALS iteration and peak memory on a generated matrix
/// shaped like MovieLens 25M (or any shape).
struct BenchIALSCommand: AsyncParsableCommand {
    private static let defaults = IALSBenchmark()
    static let configuration = CommandConfiguration(
        commandName: "ials",
        abstract: "Time iALS iterations on a generated power-law interaction matrix (ML-25M shape by default) or on a ratings file.",
        discussion: """
            Without --ratings the matrix is generated in memory (seeded). With --ratings FILE \
            (e.g. the ML-25M-shaped ratings.csv of scripts/generate-ml25m-like.py) the file is loaded with the fast loader, every rating counts as a positive, the loaded columns are \
            released and the peak-memory counter is reset before training, so the fit's peak is reported \
            apart from the loader's.
            """)

    @Option(help: "A ratings file to load instead of generating the matrix (e.g. the ML-25M-shaped ratings.csv).") var ratings: String?

    @Option(help: "Users of the generated matrix.") var users: Int = Self.defaults.users
    @Option(help: "Items of the generated matrix.") var items: Int = Self.defaults.items
    @Option(help: "Interactions of the generated matrix.") var interactions: Int = Self.defaults.interactions
    @Option(help: "Power-law exponent of item popularity.") var exponent: Double = Self.defaults.exponent
    @Option(help: "Latent factors.") var factors: Int = Self.defaults.factors
    @Option(help: "Iterations to time.") var iterations: Int = Self.defaults.iterations
    @Option(help: "Worker threads (default: all cores).") var threads: Int?
    @Option(help: "Solver: cg or cholesky.") var solver: ImplicitALS.Solver = Self.defaults.solver
    @Option(help: "Random seed.") var seed: UInt64 = Self.defaults.seed

    func validate() throws {
        try OptionBounds.check(users, "--users", OptionBounds.generatedUsers)
        try OptionBounds.check(items, "--items", OptionBounds.generatedItems)
        try OptionBounds.check(interactions, "--interactions", OptionBounds.generatedInteractions)
        try OptionBounds.check(exponent, "--exponent", OptionBounds.popularityExponent)
        try OptionBounds.check(factors, "--factors", OptionBounds.factors)
        try OptionBounds.check(iterations, "--iterations", OptionBounds.alsIterations)
        try OptionBounds.check(threads, "--threads", OptionBounds.threads)
    }

    func run() async throws {
        var benchmark = IALSBenchmark()
        benchmark.ratings = ratings
        benchmark.users = users; benchmark.items = items; benchmark.interactions = interactions
        benchmark.exponent = exponent; benchmark.factors = factors; benchmark.iterations = iterations
        benchmark.threads = threads; benchmark.solver = solver; benchmark.seed = seed
        try reportingFailures { try benchmark.run(output: { print($0) }) }
    }
}

/// `recommender bench ranking`: fit time, recommend-all time and NDCG@10 per ranking model on ML-100K.
struct BenchRankingCommand: AsyncParsableCommand {
    private static let defaults = RankingBenchmark()
    static let configuration = CommandConfiguration(
        commandName: "ranking",
        abstract: "Fit time, top-10-for-every-user time and NDCG@10 of each ranking model (per-user stratified 75/25, seed 42).")

    @OptionGroup var data: DataOptions
    @Option(help: "Comma-separated ranking models.") var algorithms: String = Self.defaults.algorithms
    @Option(help: "Repetitions of the recommend-all timing (best is reported).") var repeats: Int = Self.defaults.repeats
    @Option(name: .customShort("k"), help: "List length.") var k: Int = Self.defaults.k

    func validate() throws {
        try OptionBounds.check(repeats, "--repeats", OptionBounds.repeats)
        try OptionBounds.check(k, "-k", OptionBounds.k)
    }

    func run() async throws {
        let dataset = try data.load()
        var benchmark = RankingBenchmark()
        benchmark.algorithms = algorithms
        benchmark.repeats = repeats
        benchmark.k = k
        try reportingFailures { try benchmark.run(dataset, output: { print($0) }) }
    }
}

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
        var benchmark = SoftmaxBenchmark(configuration: try trainer.configured(trainer.reader(options.hyperparameters(for: trainer))))
        benchmark.seed = seed
        benchmark.threads = threads
        benchmark.repeats = repeats
        try reportingFailures { try benchmark.run(dataset, output: { print($0) }) }
    }
}

/// Bench: the SGEMM kernel on the softmax model's shapes.
struct BenchGemmCommand: AsyncParsableCommand {
    private static let defaults = GemmBenchmark()
    static let configuration = CommandConfiguration(commandName: "gemm", abstract: "Measure the SGEMM kernel (GFLOP/s) on the softmax model's product shapes.")
    @Option(help: "Repetitions per shape.") var repeats: Int = Self.defaults.repeats
    @Option(help: "Threads (swift backend only).") var threads: Int = Self.defaults.threads
    @Option(help: "swift or openblas.") var backend: Gemm.Backend = Self.defaults.backend

    func validate() throws {
        try OptionBounds.check(repeats, "--repeats", OptionBounds.repeats)
        try OptionBounds.check(threads, "--threads", OptionBounds.threads)
    }

    func run() async throws {
        var benchmark = GemmBenchmark()
        benchmark.repeats = repeats
        benchmark.threads = threads
        benchmark.backend = backend
        benchmark.run(output: { print($0) })
    }
}

/// `recommender bench ann`: the HNSW index against the exact scan on factor-model-shaped vectors.
struct BenchANNCommand: AsyncParsableCommand {
    private static let defaults = ANNBenchmark()
    static let configuration = CommandConfiguration(
        commandName: "ann",
        abstract: "Benchmark the HNSW index (recall@10, queries/s, speedup over the exact scan, build, memory, load, filters).",
        discussion: """
        Vectors: item factors shaped like a factor model of a power-law interaction matrix (see
        ItemVectorGenerator below), queries shaped like user factors. Ground truth: exact inner-product
        top-10. Queries run on one thread; the build uses all cores (--threads).
        Example: recommender bench ann --items 1000000 --queries 10000 --json bench-ann.json --vectors-out bench-ann-data
        then: python3 scripts/bench-ann.py --data bench-ann-data --json bench-ann.json (hnswlib and faiss rows).
        """)

    @Option(help: "Item vectors (1,000,000 for the catalogue case, 59,047 for the ML-25M shape).")
    var items: Int = Self.defaults.items
    @Option(help: "Query vectors.")
    var queries: Int = Self.defaults.queries
    @Option(help: "Dimensions.")
    var dimension: Int = Self.defaults.dimension
    @Option(help: "HNSW M.")
    var m: Int = Self.defaults.m
    @Option(help: "HNSW efConstruction.")
    var efConstruction: Int = Self.defaults.efConstruction
    @Option(help: "Seed (vectors and index).")
    var seed: UInt64 = Self.defaults.seed
    @Option(help: "Query ef values to sweep (comma-separated).")
    var efs: String = Self.defaults.efs
    @Option(help: "Build threads (default: all cores).")
    var threads: Int?
    @Option(help: "Inner products in the graph: native (default, as hnswlib), angularGraph (links chosen by direction, searched by inner product: when native recall stalls) or normAugmentation (Bachrach et al. 2014).")
    var innerProduct: InnerProductHandling = Self.defaults.innerProduct
    @Flag(help: "Fill the link slots the selection heuristic leaves empty with the best pruned candidates (more in-links for items the inner-product heuristic cuts off).")
    var keepPrunedLinks = Self.defaults.keepPrunedLinks
    @Flag(help: "Also build with the other inner-product handling and report its recall (costs a second build).")
    var compareInnerProduct = Self.defaults.compareInnerProduct
    @Option(help: "Queries used for the exact-scan speed and the filtered measurements (a prefix of the queries).")
    var filterQueries: Int = Self.defaults.filterQueries
    @Option(help: "Write the JSON report here.")
    var json: String?
    @Option(help: "Write items.f32, queries.f32, truth.i32 and filters (for scripts/bench-ann.py) into this folder.")
    var vectorsOut: String?
    @Option(help: "Where to save the index for the load (mmap) measurement (default: a temporary folder).")
    var indexPath: String?
    @Option(help: "A name for this case in the JSON.")
    var name: String?
    @Option(help: "Read items.f32, queries.f32, truth.i32 and meta.json from this folder (written by --vectors-out) instead of generating them.")
    var vectorsIn: String?
    @Option(help: "Take the item vectors from this fitted model (e.g. iALS on the ML-25M-shaped data of scripts/generate-ml25m-like.py), the queries from its user vectors (--queries users drawn with --seed) and the exclude-rated filter from those users' training items.")
    var model: String?
    @Option(help: "Load this index file (saved by an earlier run with --index-path) instead of building one.")
    var loadIndex: String?
    @Flag(help: "Only the ef sweep (no filters, crossover or save/load); the exact scan's speed comes from --vectors-in's meta.json when present.")
    var sweepOnly = Self.defaults.sweepOnly
    @Option(help: "The ef of the filter measurements (default: the first swept ef reaching recall@10 0.95 unfiltered, else the largest).")
    var filterEf: Int?
    @Flag(help: "Skip the filter crossover measurements (graph vs exact scan at each kept fraction).")
    var skipCrossover = Self.defaults.skipCrossover

    func validate() throws {
        try OptionBounds.check(items, "--items", OptionBounds.annItems)
        try OptionBounds.check(queries, "--queries", OptionBounds.annQueries)
        try OptionBounds.check(dimension, "--dimension", OptionBounds.dimension)
        try OptionBounds.check(m, "--m", OptionBounds.hnswM)
        try OptionBounds.check(efConstruction, "--ef-construction", OptionBounds.efConstruction)
        try OptionBounds.check(filterQueries, "--filter-queries", OptionBounds.filterQueries)
        try OptionBounds.check(threads, "--threads", OptionBounds.threads)
        try OptionBounds.check(filterEf, "--filter-ef", OptionBounds.ef)
    }

    func run() async throws {
        var benchmark = ANNBenchmark()
        benchmark.items = items; benchmark.queries = queries; benchmark.dimension = dimension
        benchmark.m = m; benchmark.efConstruction = efConstruction; benchmark.seed = seed; benchmark.efs = efs
        benchmark.threads = threads; benchmark.innerProduct = innerProduct; benchmark.compareInnerProduct = compareInnerProduct
        benchmark.filterQueries = filterQueries; benchmark.json = json; benchmark.vectorsOut = vectorsOut
        benchmark.indexPath = indexPath; benchmark.name = name; benchmark.vectorsIn = vectorsIn; benchmark.model = model
        benchmark.loadIndex = loadIndex; benchmark.sweepOnly = sweepOnly; benchmark.skipCrossover = skipCrossover
        benchmark.keepPrunedLinks = keepPrunedLinks; benchmark.filterEf = filterEf
        // Unbuffered, as the lines of a long run should appear as they are measured.
        try reportingFailures { try benchmark.run(output: { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }) }
    }
}
