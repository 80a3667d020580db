import Foundation

/// The notebook's softmax recommender: a neural network that maps a user's features (the
/// movies they rated, those movies' genres and release years) to a user embedding, scored
/// against every movie with a softmax. Its trainer is ``Softmax`` (`softmax` in the catalog).
///
/// ## Model (notation of the Google recommendation-systems course notebook)
/// For a user with rated movies `R` (a bag), their genres `G` (all genres of every movie of
/// `R`, with repetition) and release years `Y` (one token per movie):
/// - input `x = [mean_{j∈R} Vⱼ ‖ mean_{g∈G} Γ_g ‖ mean_{y∈Y} Υ_y]` (dimensions 35 + 3 + 2 by
///   default; an empty bag gives zeros, TensorFlow's "mean" combiner);
/// - hidden layers `hₗ₊₁ = σ(s · hₗWₗ + bₗ)`, `h₀ = x`; by default one layer of 35 units,
///   σ = identity (linear, as the notebook), no bias (the notebook uses `tf.matmul` only),
///   `s = 1/10` (the notebook divides its weight variables by 10);
/// - user embedding `ψ(x) = h_L`, logits `z = ψ(x)·Vᵀ` over **all** movies, with `V` the
///   same movie table that the input averages;
/// - loss: softmax cross-entropy `−log softmax(z)_y` for a label movie `y`, averaged over the batch.
///
/// ## Training
/// An example is a training user with one label movie drawn uniformly from the user's rated
/// movies, re-drawn every time the user appears in a batch. 10% of users are held out for
/// testing (``Splitter/userHoldout(_:testFraction:seed:)``). Batches of 200 training users are
/// taken from a reshuffled pass over the training users; the optimizer updates every
/// parameter from the hand-derived gradients (see ``Optimizer``). The notebook's run — Adagrad,
/// learning rate 8, 3,000 iterations — is ``Configuration/default``; as in the notebook,
/// iterations `0...3000` each perform one update (3,001 updates), and the metrics are logged
/// at every multiple of ``Configuration/evaluationInterval`` and at the last iteration, into
/// ``history`` and as ``TrainingEvent``s to ``FitContext/observer`` (see ``Softmax``).
///
/// Hyper-parameters (``Softmax``'s table; defaults the notebook's): `embedding-dim` 35,
/// `genre-embedding-dim` 3, `year-embedding-dim` 2, `hidden-dims` `[35]` (one layer of
/// `embedding-dim` units), `activation` linear, `hidden-bias` false, `weight-scale` `s` 0.1,
/// `optimizer` adagrad, `learning-rate` `η` 8, `iterations` 3000, `batch-size` 200,
/// `test-batch-size` 100, `test-fraction` 0.1, `label-mode` leak, `evaluation-interval` 10,
/// `gemm` (automatic). The seed defaults to 0 (``FitContext/seed`` replaces it).
///
/// **Label leak.** The notebook keeps the label movie in the user's input bag, so the model
/// can learn to find it in its own input ("faithful" mode, ``LabelMode/leak``, the default).
/// ``LabelMode/exclude`` removes the label from the bag of its example (training and test
/// batches), which is what the model meets when it recommends unseen movies.
///
/// ## Metrics
/// - `train_loss`: cross-entropy of the iteration's training batch (before its update);
/// - `test_loss`: cross-entropy of one random batch of 100 held-out users;
/// - `test_precision_at_10`: the notebook's `tf.metrics.precision_at_k(k=10)` over the sampled
///   test labels, a running mean over every evaluated test batch (≤ 0.1). The notebook
///   evaluates a test batch at every iteration; we evaluate one at every logged iteration,
///   which samples the same running mean ten times more sparsely;
/// - `test_recall_at_10`, `test_ndcg_at_10` without leakage: each held-out user's movies are
///   split 80/20 (seeded); the model sees the 80% as features and ranks every movie except
///   those 80%; the 20% are the relevant movies. Recall = hits / |relevant|, NDCG with binary
///   gains and ideal DCG over min(k, |relevant|), averaged over held-out users with ≥ 2 movies.
///
/// ## Answers
/// Scores for a user are the logits `ψ(x)·Vᵀ` computed from the user's features — the movies
/// stored as the user's history in the model file (every interaction given to the fit,
/// held-out users included) or any ad-hoc history (``scores(forHistory:)``), so a brand-new user
/// gets recommendations without retraining. Ratings values are not used: only which movies
/// were rated. Item embeddings are the rows of `V`.
///
/// Paper: Covington, Adams, Sargin, "Deep Neural Networks for YouTube Recommendations"
/// (RecSys 2016), the architecture the notebook simplifies.
public struct SoftmaxModel: ItemScorer, ItemEmbeddingModel, HistoryScorer, PersistableModel {
    /// The hidden layers' activation.
    public enum Activation: String, CaseIterable, Sendable, Codable {
        /// Identity: the notebook's linear hidden layers.
        case linear
        /// max(0, ·) after every hidden layer.
        case relu
    }

    /// The first-order optimizers, with TensorFlow 1's update rules.
    public enum Optimizer: String, CaseIterable, Sendable, Codable {
        /// Plain gradient descent `θ ← θ − η·g` (command-line name `sgd`).
        case gradientDescent = "sgd"
        /// Adagrad (`a ← a + g²; θ ← θ − η·g/√a`, `a₀ = 0.1`): the notebook's choice.
        case adagrad
        /// Adam (β₁ 0.9, β₂ 0.999, ε 10⁻⁸, bias-corrected step).
        case adam
    }

    /// Whether the label movie stays in its example's input bag.
    public enum LabelMode: String, CaseIterable, Sendable, Codable {
        /// Faithful to the notebook: the label is also in the input (it leaks).
        case leak
        /// Correct: the label is removed from its example's bag.
        case exclude
    }

    /// Training settings; ``default`` is the notebook's run.
    public struct Configuration: Sendable, Equatable {
        /// Movie embedding dimension (the notebook: 35). Also the user embedding dimension.
        public var movieEmbeddingDim = 35
        /// Genre embedding dimension (3).
        public var genreEmbeddingDim = 3
        /// Year embedding dimension (2).
        public var yearEmbeddingDim = 2
        /// Hidden layer sizes (`[35]`); the last must equal ``movieEmbeddingDim``.
        public var hiddenDims = [35]
        /// Hidden activation (linear).
        public var activation = Activation.linear
        /// Whether hidden layers have a bias (false: the notebook has none).
        public var useBias = false
        /// Factor on hidden weights in the forward pass (0.1: the notebook's `/ 10.`).
        /// Weights are drawn from a normal truncated at 2σ with σ = 1/√(fan-out), then scaled.
        public var weightScale: Float = 0.1
        /// Optimizer (Adagrad).
        public var optimizer = Optimizer.adagrad
        /// Learning rate (8). Tip: Adam wants about 0.01–0.05, gradient descent about 10–50.
        public var learningRate: Float = 8
        /// Iterations (3000); updates happen at iterations 0...iterations.
        public var iterations = 3000
        /// Training batch size (200).
        public var batchSize = 200
        /// Test batch size (100).
        public var testBatchSize = 100
        /// Share of users held out for testing (0.1).
        public var testFraction = 0.1
        /// Label leak mode (``LabelMode/leak``, the notebook's).
        public var labelMode = LabelMode.leak
        /// Log metrics every this many iterations (10).
        public var evaluationInterval = 10
        /// Cut-off of the ranking metrics (10).
        public var k = 10
        /// Share of each held-out user's movies ranked in the leak-free metrics (0.2).
        public var rankingHoldoutFraction = 0.2
        /// Seed of the split, the initialisation, the genre draw and the batches (0).
        public var seed: UInt64 = 0
        /// Threads (default: all cores, the library's rule, ``Parallelism/availableCores``).
        /// Results do not depend on it: a step is cut into two fixed chunks, so more than two
        /// threads do not help.
        public var threads = Parallelism.availableCores
        /// The matrix-multiply implementation of the dense products, or `nil` (default): `.swift`,
        /// whose output layer (logits, softmax, dU and dV) runs fused in the C kernels chosen at
        /// run time (no BLAS needed, full speed in a plain build); `.openBLAS` routes the products
        /// to an installed BLAS (``Gemm/installBLAS(_:)``). The choice never depends on the thread
        /// count, so neither do the results; the backends add in different orders and give
        /// slightly different models. Debian's OpenBLAS serialises calls made from two threads at
        /// once, so with two threads `.swift` is faster. See ``Gemm/Backend``.
        public var gemmBackend: Gemm.Backend? = nil

        /// Creates a configuration; every argument defaults to the notebook's run.
        public init() {}

        /// The notebook's run.
        public static let `default` = Configuration()

        /// Checks the settings.
        /// - Throws: ``TrainingError/invalidInput(_:)`` naming the bad setting by its
        ///   hyper-parameter name.
        public func validate() throws {
            func fail(_ s: String) throws -> Never { throw TrainingError.invalidInput("softmax: \(s)") }
            if movieEmbeddingDim < 1 || genreEmbeddingDim < 0 || yearEmbeddingDim < 0 {
                try fail("embedding-dim must be positive, genre-embedding-dim and year-embedding-dim non-negative")
            }
            if hiddenDims.contains(where: { $0 < 1 }) { try fail("hidden-dims must be positive") }
            let last = hiddenDims.last ?? (movieEmbeddingDim + genreEmbeddingDim + yearEmbeddingDim)
            if last != movieEmbeddingDim {
                try fail("the last of hidden-dims has \(last) units but embedding-dim is \(movieEmbeddingDim): they must match (the logits are their dot products)")
            }
            if !(learningRate > 0) || !learningRate.isFinite { try fail("learning-rate must be positive") }
            if iterations < 0 { try fail("iterations must be ≥ 0") }
            if batchSize < 1 || testBatchSize < 1 { try fail("batch-size and test-batch-size must be ≥ 1") }
            if !(testFraction > 0 && testFraction < 1) { try fail("test-fraction must be in (0, 1)") }
            if !(rankingHoldoutFraction > 0 && rankingHoldoutFraction < 1) { try fail("the ranking hold-out fraction must be in (0, 1)") }
            if evaluationInterval < 1 || k < 1 { try fail("evaluation-interval and k must be ≥ 1") }
            if !(weightScale > 0) || !weightScale.isFinite { try fail("weight-scale must be positive") }
        }
    }

    /// The algorithm name in model files.
    public static let kind = "softmax"

    /// The settings the model was trained with.
    public let configuration: Configuration
    /// The fitted parameters.
    public let network: SoftmaxNetwork
    /// Genre and year tokens of every movie.
    public let features: SoftmaxFeatures
    /// Id maps, catalog, and each user's history (the interactions given to the fit).
    public let metadata: ModelMetadata
    /// The metrics logged while training (empty for a model read from a file written before
    /// the history was stored).
    public let history: SoftmaxTrainingHistory
    /// The users held out for the test metrics (dense indices; empty as ``history``).
    public let testUsers: [UserIndex]

    /// Creates a model from its parts.
    public init(configuration: Configuration, network: SoftmaxNetwork, features: SoftmaxFeatures, metadata: ModelMetadata,
                history: SoftmaxTrainingHistory = SoftmaxTrainingHistory(), testUsers: [UserIndex] = []) {
        self.configuration = configuration
        self.network = network
        self.features = features
        self.metadata = metadata
        self.history = history
        self.testUsers = testUsers
    }

    // MARK: answers

    /// The number of movies.
    public var itemCount: Int { network.itemCount }

    /// The movie embedding table `V` (input and output of the network), one row per movie.
    public var itemEmbeddings: Matrix { Matrix(rows: network.itemCount, columns: network.movieDim, storage: network.movies) }

    /// The user embedding `ψ(x)` of a known user, from the movies stored as their history.
    public func userEmbedding(forUser user: UserIndex) -> [Float] {
        let items = Int(user) >= 0 && Int(user) < metadata.seen.rowCount ? Array(metadata.seen.columns(ofRow: Int(user))) : []
        return network.userEmbedding(items: items, features: features)
    }

    /// Logits of every movie for a known user (computed from the user's stored history).
    public func scores(forUser user: UserIndex) -> [Float] {
        network.logits(userEmbedding: userEmbedding(forUser: user))
    }

    /// Logits of every movie for a new user who rated `history` (ratings values are ignored:
    /// the model's features are which movies were rated).
    public func scores(forHistory history: [(item: ItemIndex, rating: Float)]) -> [Float] {
        network.logits(userEmbedding: network.userEmbedding(items: history.map(\.item.rawValue), features: features))
    }

    // MARK: persistence

    /// The model as an archive (kind `"softmax"`).
    public func archive() -> ModelArchive {
        var a = ModelArchive(kind: Self.kind)
        a.store(metadata)
        let c = configuration
        a.set("softmax.dims", .int32s([c.movieEmbeddingDim, c.genreEmbeddingDim, c.yearEmbeddingDim].map { Int32($0) }))
        a.set("softmax.hidden_dims", .int32s(c.hiddenDims.map { Int32($0) }))
        a.set("softmax.activation", .string(c.activation.rawValue))
        a.set("softmax.use_bias", .int(c.useBias ? 1 : 0))
        a.set("softmax.weight_scale", .double(Double(c.weightScale)))
        a.set("softmax.training", .strings([c.optimizer.rawValue, "\(c.learningRate)", "\(c.iterations)", "\(c.batchSize)",
                                            "\(c.testBatchSize)", "\(c.testFraction)", c.labelMode.rawValue, "\(c.seed)",
                                            "\(c.evaluationInterval)", "\(c.k)", "\(c.rankingHoldoutFraction)"]))
        a.set("softmax.movies", .floats(network.movies))
        a.set("softmax.genres", .floats(network.genres))
        a.set("softmax.years", .floats(network.years))
        for l in network.hiddenDims.indices {
            a.set("softmax.layer\(l).weights", .floats(network.weights[l]))
            if c.useBias { a.set("softmax.layer\(l).bias", .floats(network.biases[l])) }
        }
        a.set("softmax.genre_vocabulary", .strings(features.genreVocabulary))
        a.set("softmax.year_vocabulary", .strings(features.yearVocabulary))
        a.set("softmax.genre_offsets", .int32s(features.genreOffsets))
        a.set("softmax.genre_tokens", .int32s(features.genreTokens))
        a.set("softmax.year_tokens", .int32s(features.yearTokens))
        a.set("softmax.history_csv", .string(history.csv()))
        a.set("softmax.test_users", .int32s(testUsers.map(\.rawValue)))
        return a
    }

    /// Reads a model from an archive, checking every section's size.
    /// - Throws: ``PersistenceError`` naming the bad section.
    public init(archive a: ModelArchive, path: String) throws {
        guard a.kind == Self.kind else { throw PersistenceError.wrongKind(path: path, found: a.kind, expected: Self.kind) }
        let meta = try a.metadata(path: path)
        func bad(_ name: String, _ reason: String) -> PersistenceError { .badSection(path: path, name: name, reason: reason) }
        let dims = try a.int32s("softmax.dims", count: 3, path: path).map { Int($0) }
        let hidden = try a.int32s("softmax.hidden_dims", path: path).map { Int($0) }
        guard dims[0] > 0, dims[1] >= 0, dims[2] >= 0, hidden.allSatisfy({ $0 > 0 && $0 < 1 << 16 }),
              (hidden.last ?? dims[0] + dims[1] + dims[2]) == dims[0] else {
            throw bad("softmax.hidden_dims", "inconsistent layer sizes")
        }
        guard let activation = Activation(rawValue: try a.string("softmax.activation", path: path)) else {
            throw bad("softmax.activation", "unknown activation")
        }
        let useBias = try a.int("softmax.use_bias", path: path) != 0
        let scale = Float(try a.double("softmax.weight_scale", path: path))
        let training = try a.strings("softmax.training", count: 11, path: path)
        var c = Configuration()
        c.movieEmbeddingDim = dims[0]; c.genreEmbeddingDim = dims[1]; c.yearEmbeddingDim = dims[2]
        c.hiddenDims = hidden; c.activation = activation; c.useBias = useBias; c.weightScale = scale
        c.optimizer = Optimizer(rawValue: training[0]) ?? .adagrad
        c.learningRate = Float(training[1]) ?? c.learningRate
        c.iterations = Int(training[2]) ?? c.iterations
        c.batchSize = Int(training[3]) ?? c.batchSize
        c.testBatchSize = Int(training[4]) ?? c.testBatchSize
        c.testFraction = Double(training[5]) ?? c.testFraction
        c.labelMode = LabelMode(rawValue: training[6]) ?? .leak
        c.seed = UInt64(training[7]) ?? 0
        c.evaluationInterval = Int(training[8]) ?? c.evaluationInterval
        c.k = Int(training[9]) ?? c.k
        c.rankingHoldoutFraction = Double(training[10]) ?? c.rankingHoldoutFraction
        let n = meta.itemIDs.count
        let features = SoftmaxFeatures(
            genreVocabulary: try a.strings("softmax.genre_vocabulary", path: path),
            yearVocabulary: try a.strings("softmax.year_vocabulary", path: path),
            genreOffsets: try a.int32s("softmax.genre_offsets", count: n + 1, path: path),
            genreTokens: try a.int32s("softmax.genre_tokens", path: path),
            yearTokens: try a.int32s("softmax.year_tokens", count: n, path: path))
        guard features.isConsistent else { throw bad("softmax.genre_tokens", "token tables are inconsistent") }
        let movies = try a.floats("softmax.movies", count: n * dims[0], path: path)
        let genres = try a.floats("softmax.genres", count: features.genreVocabulary.count * dims[1], path: path)
        let years = try a.floats("softmax.years", count: features.yearVocabulary.count * dims[2], path: path)
        var weights: [[Float]] = [], biases: [[Float]] = []
        var inputSize = dims[0] + dims[1] + dims[2]
        for (l, out) in hidden.enumerated() {
            weights.append(try a.floats("softmax.layer\(l).weights", count: inputSize * out, path: path))
            biases.append(useBias ? try a.floats("softmax.layer\(l).bias", count: out, path: path) : [])
            inputSize = out
        }
        let network = SoftmaxNetwork(itemCount: n, movieDim: dims[0], genreDim: dims[1], yearDim: dims[2], hiddenDims: hidden,
                                     activation: activation, useBias: useBias, weightScale: scale, movies: movies, genres: genres,
                                     years: years, weights: weights, biases: biases)
        // The history and the held-out users were added later: older files have neither.
        var history = SoftmaxTrainingHistory(), testUsers: [UserIndex] = []
        if a.section("softmax.history_csv") != nil {
            do { history = try SoftmaxTrainingHistory(csv: try a.string("softmax.history_csv", path: path), file: "\(path) [softmax.history_csv]") }
            catch let e as DataError { throw bad("softmax.history_csv", e.description) }
        }
        if a.section("softmax.test_users") != nil {
            testUsers = try a.int32s("softmax.test_users", path: path).map(UserIndex.init)
            guard testUsers.allSatisfy({ $0 >= 0 && Int($0) < meta.userIDs.count }) else { throw bad("softmax.test_users", "user index out of range") }
        }
        self.init(configuration: c, network: network, features: features, metadata: meta, history: history, testUsers: testUsers)
    }
}
