import Foundation

/// Matrix factorization trained by full-batch gradient descent (`mf` in the catalog): the model
/// of Google's "Recommendation Systems" Colab notebook (section III), reproduced exactly. Symbols
/// follow <doc:Notation>; see <doc:MatrixFactorizationModel-article> for a walk-through.
///
/// **Prediction rule.** The ratings matrix A (N users × M items, raw stars, no biases) is
/// approximated by A ≈ U·Vᵀ, so r̂_ui = Uᵤ·Vᵢ with user embeddings U (N × d) and item embeddings
/// V (M × d); N and M are the full user and item counts of the data set.
///
/// **Loss.** Over the observed training entries Ω:
/// L = (1/|Ω|)·Σ₍ᵤ,ᵢ₎∈Ω (Uᵤ·Vᵢ − r_ui)²  (the notebook's `sparse_mean_square_error`), and for the
/// regularized variant L + λ·r + γ·g with r = (1/N)Σᵤ‖Uᵤ‖² + (1/M)Σᵢ‖Vᵢ‖² and the gravity term
/// g = 1/(N·M)·Σ((UᵀU)∘(VᵀV)) = ‖U·Vᵀ‖²_F/(N·M), computed through the two d×d Gram matrices.
///
/// **Gradients** (derived by hand, checked against finite differences in the tests), with
/// e_ui = Uᵤ·Vᵢ − r_ui:
/// ∂L/∂Uᵤ = (2/|Ω|)·Σᵢ∈R(u) e_ui Vᵢ + (2λ/N)·Uᵤ + (2γ/(NM))·Uᵤ(VᵀV), and symmetrically
/// ∂L/∂Vᵢ = (2/|Ω|)·Σᵤ e_ui Uᵤ + (2λ/M)·Vᵢ + (2γ/(NM))·Vᵢ(UᵀU).
///
/// **Training.** U and V start from N(0, σ²) (σ = `init-stddev`); every step uses all training
/// entries (full batch) and one ``OptimizerKind`` update with learning rate η. As in the
/// notebook's `CFModel.train`, `iterations + 1` steps run, and the metrics of step k
/// (0 … iterations) are those of the parameters before its update, logged when k is a multiple of
/// ``Configuration/reportInterval`` and at the last step. The test metrics are those of
/// ``FitContext/validation`` (the command line holds out 10% of the ratings,
/// ``defaultValidationFraction``).
///
/// **Hyper-parameters** (table name, symbol): `embedding-dim` d, `init-stddev` σ, `iterations`,
/// `learning-rate` η, `optimizer`, `regularization` λ, `gravity` γ, `report-interval`.
/// **Defaults** (``Configuration/default``) are the notebook's first run: d = 30, σ = 0.5, gradient
/// descent with η = 10, 1,000 iterations, λ = γ = 0. When `regularization` or `gravity` is set,
/// the unset ones of d, σ, η and iterations come from the notebook's regularized run
/// (``Configuration/regularizedNotebook``: d = 35, σ = 0.05, η = 20, 2,000 iterations), and the
/// unset one of λ, γ stays 0. The seed defaults to 0 (``FitContext/seed`` replaces it). Tip: the
/// plain model overfits (train MSE ≈ 0.37, test ≈ 1.36 on ML-100K); the regularized run trades
/// training error for embeddings whose similarities make sense. Learning rates this large only
/// work because the loss is a mean over all ratings; when the loss diverges, lower the rate.
///
/// **Progress.** Each logged row is reported to ``FitContext/observer`` as a ``TrainingEvent``
/// with unit `iteration`, `step` the notebook's iteration number (0 … iterations, so the first
/// event, step 0, shows the initial parameters), `stepCount` = iterations, and the row's metrics
/// under the notebook's names (``Configuration/metricNames``); the same rows are the model's
/// ``MatrixFactorizationModel/history``.
///
/// **Speed.** One iteration over ML-100K's 90,000 training ratings at d = 30 takes about 0.45 ms
/// of CPU time (SIMD kernel, rows padded to a multiple of 16 floats; up to 8 threads, one per
/// fixed partition of the users and items, so any thread count gives the identical model).
///
/// References: Google Developers, "Recommendation Systems" course, Colab "Building a Movie
/// Recommendation System" (matrix factorization and softmax on MovieLens 100K);
/// Y. Koren, R. Bell, C. Volinsky, "Matrix Factorization Techniques for Recommender Systems",
/// IEEE Computer 42(8), 2009.
public struct MatrixFactorization: Trainer {
    /// Hyperparameters of a training run.
    public struct Configuration: Sendable, Equatable {
        /// The embedding dimension d (1…128).
        public var embeddingDim: Int
        /// The standard deviation σ of the normal initialisation of U and V.
        public var initStddev: Float
        /// The number of iterations (the notebook's `num_iterations`; `iterations + 1` steps run).
        public var iterations: Int
        /// The optimizer's learning rate.
        public var learningRate: Float
        /// The optimizer.
        public var optimizer: OptimizerKind
        /// λ, the coefficient of r = (1/N)Σ‖Uᵢ‖² + (1/M)Σ‖Vⱼ‖² (the notebook's `regularization_coeff`).
        public var regularization: Float
        /// γ, the coefficient of the gravity term (the notebook's `gravity_coeff`).
        public var gravity: Float
        /// The seed of the initialisation.
        public var seed: UInt64
        /// Metrics are recorded every `reportInterval` iterations and at the last.
        public var reportInterval: Int
        /// Threads (default: all cores, ``Parallelism/availableCores``); 1 runs on the calling
        /// thread only. Results are identical for every thread count; more than 8 do not help.
        public var threads: Int

        /// Creates a configuration; every parameter defaults to ``default``'s value.
        public init(embeddingDim: Int = 30, initStddev: Float = 0.5, iterations: Int = 1000, learningRate: Float = 10,
                    optimizer: OptimizerKind = .gradientDescent, regularization: Float = 0, gravity: Float = 0,
                    seed: UInt64 = 0, reportInterval: Int = 10, threads: Int = Parallelism.availableCores) {
            self.embeddingDim = embeddingDim
            self.initStddev = initStddev
            self.iterations = iterations
            self.learningRate = learningRate
            self.optimizer = optimizer
            self.regularization = regularization
            self.gravity = gravity
            self.seed = seed
            self.reportInterval = reportInterval
            self.threads = threads
        }

        /// The notebook's plain run: d = 30, σ = 0.5, gradient descent, learning rate 10, 1,000 iterations,
        /// no regularization, no gravity.
        public static let `default` = Configuration()

        /// The notebook's regularized run: d = 35, λ = 0.1, γ = 1.0, σ = 0.05, gradient descent,
        /// learning rate 20, 2,000 iterations.
        public static let regularizedNotebook = Configuration(embeddingDim: 35, initStddev: 0.05, iterations: 2000, learningRate: 20,
                                                              regularization: 0.1, gravity: 1.0)

        /// Whether the regularized objective (and its metric names) is used.
        public var isRegularized: Bool { regularization != 0 || gravity != 0 }

        /// The names of the metrics recorded, in display order (the notebook's names).
        public var metricNames: [String] {
            isRegularized
                ? ["train_error_observed", "test_error_observed", "observed_loss", "regularization_loss", "gravity_loss"]
                : ["train_error", "test_error"]
        }

        /// The metric groups, one chart panel each (as the notebook plots them).
        public var metricGroups: [[String]] {
            isRegularized
                ? [["train_error_observed", "test_error_observed"], ["observed_loss", "regularization_loss", "gravity_loss"]]
                : [["train_error", "test_error"]]
        }

        /// Checks the values.
        /// - Throws: ``TrainingError/invalidInput(_:)`` naming the bad value.
        public func validate() throws {
            guard (1...128).contains(embeddingDim) else { throw TrainingError.invalidInput("mf: embedding-dim must be in 1...128, got \(embeddingDim)") }
            guard initStddev >= 0, initStddev.isFinite else { throw TrainingError.invalidInput("mf: init-stddev must be a non-negative number, got \(initStddev)") }
            guard iterations >= 0 else { throw TrainingError.invalidInput("mf: iterations must be >= 0, got \(iterations)") }
            guard learningRate > 0, learningRate.isFinite else { throw TrainingError.invalidInput("mf: learning-rate must be positive, got \(learningRate)") }
            guard regularization >= 0, gravity >= 0, regularization.isFinite, gravity.isFinite else {
                throw TrainingError.invalidInput("mf: regularization and gravity must be finite and >= 0")
            }
            guard reportInterval >= 1 else { throw TrainingError.invalidInput("mf: report-interval must be >= 1") }
        }
    }

    /// The hyperparameters.
    public var configuration: Configuration

    /// Creates a trainer with the given hyperparameters.
    public init(_ configuration: Configuration = .default) { self.configuration = configuration }

    public var name: String { "mf" }
    public var summary: String { "the notebook's matrix factorization A ≈ U·Vᵀ by full-batch gradient descent, with regularization and gravity (Google's recommendation-systems Colab; Koren et al. 2009)" }
    public var task: AlgorithmTask { .rating }
    /// The notebook holds out 10% of the ratings and reports the test error while training.
    public var defaultValidationFraction: Double { 0.1 }
    public var usesValidation: Bool { true }

    /// The configuration whose d, σ, η and iterations are the defaults when the settings turn
    /// the regularized objective on: the trainer's own when it is already regularized, else
    /// ``Configuration/regularizedNotebook``.
    var regularizedDefaults: Configuration { configuration.isRegularized ? configuration : .regularizedNotebook }

    public var parameters: [HyperparameterSpec] {
        let c = configuration, r = regularizedDefaults
        // d, σ, η and iterations depend on whether regularization or gravity is set (unless the
        // trainer's configuration is regularized already).
        func dependent<T: Equatable>(_ plain: T, _ regularized: T) -> Bool { !c.isRegularized && plain != regularized }
        return [
            .integer("embedding-dim", 1...128, default: dependent(c.embeddingDim, r.embeddingDim) ? nil : c.embeddingDim,
                     help: "embedding dimension" + Self.dependentHelp(c.embeddingDim, r.embeddingDim, c.isRegularized),
                     symbol: "d", aliases: ["factors", "dim"]),
            .real("init-stddev", 0...10, default: dependent(c.initStddev, r.initStddev) ? nil : Double(c.initStddev),
                  help: "standard deviation of the normal initialisation of U and V" + Self.dependentHelp(c.initStddev, r.initStddev, c.isRegularized),
                  symbol: "σ", aliases: ["init_stddev"]),
            .integer("iterations", 0...1_000_000, default: dependent(c.iterations, r.iterations) ? nil : c.iterations,
                     help: "the notebook's num_iterations (iterations + 1 full-batch steps run)" + Self.dependentHelp(c.iterations, r.iterations, c.isRegularized),
                     aliases: ["num_iterations"]),
            .real("learning-rate", 0...10_000, exclusiveLowerBound: true,
                  default: dependent(c.learningRate, r.learningRate) ? nil : Double(c.learningRate),
                  help: "the optimizer's step size" + Self.dependentHelp(c.learningRate, r.learningRate, c.isRegularized),
                  symbol: "η", aliases: ["lr", "learning_rate"]),
            .choice("optimizer", OptimizerKind.self, default: c.optimizer, help: "sgd (full-batch gradient descent, the notebook's), adagrad or adam"),
            .real("regularization", 0...1_000_000, default: Double(c.regularization),
                  help: "λ, coefficient of the embeddings' mean squared norms (the notebook's regularization_coeff)", symbol: "λ",
                  aliases: ["regularization_coeff"]),
            .real("gravity", 0...1_000_000, default: Double(c.gravity),
                  help: "γ, coefficient of the mean squared prediction over all pairs (the notebook's gravity_coeff)", symbol: "γ",
                  aliases: ["gravity_coeff"]),
            .integer("report-interval", 1...1_000_000, default: c.reportInterval, help: "record the metrics every this many iterations (and at the last)"),
        ]
    }

    /// The help suffix of a parameter whose default changes with regularization or gravity.
    static func dependentHelp<T: Equatable>(_ plain: T, _ regularized: T, _ isRegularized: Bool) -> String {
        isRegularized || plain == regularized ? "" : " (default \(plain), or \(regularized) when regularization or gravity is set)"
    }

    public func configured(_ r: HyperparameterReader) throws -> Configuration {
        var c = configuration
        c.regularization = r.float("regularization")!
        c.gravity = r.float("gravity")!
        let defaults = r.isSet("regularization") || r.isSet("gravity") ? regularizedDefaults : configuration
        c.embeddingDim = r.isSet("embedding-dim") ? r.integer("embedding-dim")! : defaults.embeddingDim
        c.initStddev = r.isSet("init-stddev") ? r.float("init-stddev")! : defaults.initStddev
        c.iterations = r.isSet("iterations") ? r.integer("iterations")! : defaults.iterations
        c.learningRate = r.isSet("learning-rate") ? r.float("learning-rate")! : defaults.learningRate
        c.optimizer = r.choice("optimizer")!
        c.reportInterval = r.integer("report-interval")!
        return c
    }

    /// Trains on `data`, reporting the training error and the error on ``FitContext/validation``
    /// (the notebook's test error) as it goes.
    ///
    /// - Parameters:
    ///   - data: the data set and the training ratings (user and item counts N, M).
    ///   - context: the validation ratings (evaluated at every logged iteration; none: no test
    ///     metrics), the seed (default ``Configuration/seed``), the threads (default
    ///     ``Configuration/threads``) and the observer, called with every logged row.
    /// - Returns: the fitted model with its ``TrainingHistory``.
    /// - Throws: ``TrainingError/diverged(iteration:hint:)`` when the loss becomes NaN or infinite;
    ///   ``TrainingError/invalidInput(_:)`` for an empty training set, validation data over other
    ///   index spaces or a bad configuration.
    /// - Complexity: O(iterations · (n·d + (N+M)·d²)) time with gravity, O(iterations · (n + N + M)·d) without;
    ///   O((N+M)·d + n) memory.
    public func fit(_ data: TrainingData, context: FitContext) throws -> MatrixFactorizationModel {
        var c = configuration
        c.seed = context.resolvedSeed(default: c.seed)
        if let threads = context.threads { c.threads = threads }
        let test = context.validation ?? .empty(userCount: data.interactions.userCount, itemCount: data.interactions.itemCount)
        return try MatrixFactorization(c).fit(train: data.interactions, test: test, metadata: data.metadata, observer: context.observer)
    }

    /// The training core (benchmarks and tests): trains on `train`, testing on `test`, with the
    /// ids of `metadata`.
    /// - Throws: as ``fit(_:context:)``.
    package func fit(train: Interactions, test: Interactions, metadata: ModelMetadata,
                     observer: TrainingObserver? = nil) throws -> MatrixFactorizationModel {
        let config = configuration
        try config.validate()
        let n = metadata.userIDs.count, m = metadata.itemIDs.count
        guard !train.isEmpty else { throw TrainingError.invalidInput("the training set is empty") }
        guard train.userCount == n, train.itemCount == m, test.userCount == n, test.itemCount == m else {
            throw TrainingError.invalidInput("training data and metadata disagree on the number of users or items")
        }
        let d = config.embeddingDim
        var generator = SeededGenerator(seed: config.seed)
        var initialU = [Float](repeating: 0, count: n * d), initialV = [Float](repeating: 0, count: m * d)
        for k in initialU.indices { initialU[k] = generator.nextNormal() * config.initStddev }
        for k in initialV.indices { initialV[k] = generator.nextNormal() * config.initStddev }
        let kernel = MatrixFactorizationKernel(userCount: n, itemCount: m, dim: d, train: train, test: test,
                                               initialU: initialU, initialV: initialV,
                                               regularization: config.regularization, gravity: config.gravity,
                                               optimizer: config.optimizer, threads: config.threads)
        defer { kernel.shutDown() }
        var history = TrainingHistory()
        let start = monotonicSeconds()
        let trainN = Double(train.count), testN = Double(test.count)
        for step in 0...config.iterations {
            let logging = step % config.reportInterval == 0 || step == config.iterations
            kernel.step(step, learningRate: config.learningRate, logging: logging)
            let trainMSE = kernel.trainSquaredError / trainN
            guard trainMSE.isFinite else {
                throw TrainingError.diverged(iteration: step, hint: "try a smaller learning-rate than \(config.learningRate)")
            }
            guard logging else { continue }
            let testMSE = testN > 0 ? kernel.testSquaredError / testN : .nan
            var row: [(String, Double)]
            if config.isRegularized {
                let terms = kernel.regularizationTerms()
                let reg = Double(config.regularization) * terms.regularization
                let grav = Double(config.gravity) * terms.gravity
                guard (trainMSE + reg + grav).isFinite else {
                    throw TrainingError.diverged(iteration: step, hint: "try a smaller learning-rate than \(config.learningRate)")
                }
                row = [("train_error_observed", trainMSE), ("test_error_observed", testMSE),
                       ("observed_loss", trainMSE), ("regularization_loss", reg), ("gravity_loss", grav)]
            } else {
                row = [("train_error", trainMSE), ("test_error", testMSE)]
            }
            if testN == 0 { row.removeAll { $0.0.hasPrefix("test_") } }
            history.append(iteration: step, row)
            observer?(TrainingEvent(step: step, stepCount: config.iterations, unit: "iteration",
                                    metrics: row.map { TrainingMetric($0.0, $0.1) }, elapsedSeconds: monotonicSeconds() - start))
        }
        let (u, v) = kernel.parameters()
        guard u.allSatisfy({ $0.isFinite }), v.allSatisfy({ $0.isFinite }) else {
            throw TrainingError.diverged(iteration: config.iterations, hint: "try a smaller learning-rate than \(config.learningRate)")
        }
        return MatrixFactorizationModel(configuration: config,
                                        userEmbeddings: Matrix(rows: n, columns: d, storage: u),
                                        itemEmbeddings: Matrix(rows: m, columns: d, storage: v),
                                        metadata: metadata, history: history, trainingCount: train.count)
    }
}
