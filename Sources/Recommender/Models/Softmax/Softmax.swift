/// The trainer of ``SoftmaxModel`` (`softmax` in the catalog): the notebook's softmax
/// recommender (Covington, Adams & Sargin 2016, as simplified by Google's recommendation-systems
/// Colab).
///
/// The fit learns from every interaction of the training data and holds out its own
/// `test-fraction` of the users (10%) for the test metrics, so it does not use
/// ``FitContext/validation``. Every ``SoftmaxModel/Configuration/evaluationInterval``
/// iterations (and at the last) it records an entry of ``SoftmaxModel/history`` and reports a
/// ``TrainingEvent`` with unit `iteration`, `step` the notebook's iteration number (0 …
/// iterations: step 0 is the first update's batch), `stepCount` = iterations, and the metrics
/// `train_loss`, `test_loss`, `precision_at_10`, `recall_at_10` and `ndcg_at_10` (see
/// ``SoftmaxModel`` for their definitions). The seed defaults to ``SoftmaxModel/Configuration/seed``
/// (0); ``FitContext/threads`` replaces ``SoftmaxModel/Configuration/threads`` (1 or 2; results
/// do not depend on it).
///
/// Hyper-parameters, with the notebook's run as defaults: `embedding-dim` (35, also sets
/// `hidden-dims` to one layer of that size unless `hidden-dims` is set), `genre-embedding-dim`
/// (3), `year-embedding-dim` (2), `hidden-dims` (the last must equal `embedding-dim`),
/// `activation` (linear), `hidden-bias` (false), `weight-scale` (0.1), `optimizer` (adagrad),
/// `learning-rate` (8), `iterations` (3000), `batch-size` (200), `test-batch-size` (100),
/// `test-fraction` (0.1), `label-mode` (leak), `evaluation-interval` (10), `gemm` (automatic).
public struct Softmax: Trainer {
    /// The settings used by ``fit(_:context:)``.
    public var configuration: SoftmaxModel.Configuration

    /// A trainer with these settings (default: the notebook's run).
    public init(_ configuration: SoftmaxModel.Configuration = .default) { self.configuration = configuration }

    public var name: String { "softmax" }
    public var summary: String { "the notebook's softmax model: a user's movies, genres and years through a small network, scored against every movie (Covington et al. 2016)" }
    public var task: AlgorithmTask { .ranking }

    public var parameters: [HyperparameterSpec] {
        let c = configuration
        let oneLayer = c.hiddenDims == [c.movieEmbeddingDim]
        return [
            .integer("embedding-dim", 1...4096, default: c.movieEmbeddingDim,
                     help: "movie (and user) embedding dimension; also the size of the one hidden layer unless hidden-dims is set",
                     symbol: "d", aliases: ["movie-embedding-dim", "factors"]),
            .integer("genre-embedding-dim", 0...1024, default: c.genreEmbeddingDim, help: "genre embedding dimension (0: no genre input)"),
            .integer("year-embedding-dim", 0...1024, default: c.yearEmbeddingDim, help: "release-year embedding dimension (0: no year input)"),
            HyperparameterSpec("hidden-dims", .integers(1...4096, maxCount: 16), default: oneLayer ? nil : .integers(c.hiddenDims),
                               help: "hidden layer sizes, comma-separated; the last must equal embedding-dim"
                                   + (oneLayer ? " (default: one layer of embedding-dim units)" : "")),
            .choice("activation", SoftmaxModel.Activation.self, default: c.activation, help: "hidden activation: linear (the notebook's) or relu"),
            .flag("hidden-bias", default: c.useBias, help: "give the hidden layers biases (the notebook has none)"),
            .real("weight-scale", 0...10, exclusiveLowerBound: true, default: Double(c.weightScale),
                  help: "factor on the hidden weights in the forward pass (the notebook's / 10)", symbol: "s"),
            .choice("optimizer", SoftmaxModel.Optimizer.self, default: c.optimizer, help: "sgd, adagrad (the notebook's) or adam"),
            .real("learning-rate", 0...10_000, exclusiveLowerBound: true, default: Double(c.learningRate),
                  help: "the optimizer's step size (Adam wants about 0.01–0.05, gradient descent 10–50)", symbol: "η", aliases: ["lr"]),
            .integer("iterations", 0...10_000_000, default: c.iterations, help: "iterations 0...iterations each make one update"),
            .integer("batch-size", 1...8192, default: c.batchSize, help: "training users per batch"),
            .integer("test-batch-size", 1...8192, default: c.testBatchSize, help: "held-out users per test-loss batch"),
            .real("test-fraction", 0...0.99, exclusiveLowerBound: true, default: c.testFraction, help: "share of the users held out for the test metrics"),
            .choice("label-mode", SoftmaxModel.LabelMode.self, default: c.labelMode,
                    help: "leak (the notebook's: the label stays in the input bag) or exclude (it is removed)"),
            .integer("evaluation-interval", 1...1_000_000, default: c.evaluationInterval, help: "log the metrics every this many iterations (and at the last)",
                     aliases: ["report-interval"]),
            .choice("gemm", Gemm.Backend.self, default: c.gemmBackend,
                    help: "matrix multiply: openblas or swift (default: openblas on one thread, swift on two)"),
        ]
    }

    /// - Throws: ``TrainingError/invalidHyperparameter(algorithm:name:reason:)`` when the last
    ///   of `hidden-dims` differs from `embedding-dim`.
    public func configured(_ r: HyperparameterReader) throws -> SoftmaxModel.Configuration {
        var c = configuration
        c.movieEmbeddingDim = r.integer("embedding-dim")!
        c.genreEmbeddingDim = r.integer("genre-embedding-dim")!
        c.yearEmbeddingDim = r.integer("year-embedding-dim")!
        if r.isSet("hidden-dims") {
            c.hiddenDims = r.integers("hidden-dims")!
        } else if r.isSet("embedding-dim") || configuration.hiddenDims == [configuration.movieEmbeddingDim] {
            c.hiddenDims = [c.movieEmbeddingDim]
        }
        if let last = c.hiddenDims.last, last != c.movieEmbeddingDim {
            throw TrainingError.invalidHyperparameter(
                algorithm: name, name: "hidden-dims",
                reason: "the last layer has \(last) units but embedding-dim is \(c.movieEmbeddingDim): they must match (the logits are their dot products)")
        }
        c.activation = r.choice("activation")!
        c.useBias = r.flag("hidden-bias")!
        c.weightScale = r.float("weight-scale")!
        c.optimizer = r.choice("optimizer")!
        c.learningRate = r.float("learning-rate")!
        c.iterations = r.integer("iterations")!
        c.batchSize = r.integer("batch-size")!
        c.testBatchSize = r.integer("test-batch-size")!
        c.testFraction = r.real("test-fraction")!
        c.labelMode = r.choice("label-mode")!
        c.evaluationInterval = r.integer("evaluation-interval")!
        if r.isSet("gemm") { c.gemmBackend = r.choice("gemm") }
        return c
    }

    /// Trains a softmax model.
    /// - Parameters:
    ///   - data: the data set (id maps, catalog with genres and years) and the interactions to
    ///     learn from; each user's movies are that user's features, and `test-fraction` of the
    ///     users are held out for the test metrics.
    ///   - context: the seed, the threads and the observer (see ``Softmax``); validation data
    ///     are not used.
    /// - Returns: the model, with its ``SoftmaxModel/history`` and ``SoftmaxModel/testUsers``.
    /// - Throws: ``TrainingError`` for bad settings, unusable data (no training or no held-out
    ///   user) or a diverging loss.
    /// - Complexity: O(iterations · batch · (bag size + d·(hidden + movies))) time,
    ///   O(movies·d + batch·movies) memory.
    public func fit(_ data: TrainingData, context: FitContext) throws -> SoftmaxModel {
        var c = configuration
        c.seed = context.resolvedSeed(default: c.seed)
        if let threads = context.threads { c.threads = threads }
        guard !data.interactions.isEmpty else { throw TrainingError.emptyTraining }
        return try SoftmaxModel.fit(data, configuration: c, observer: context.observer)
    }
}
