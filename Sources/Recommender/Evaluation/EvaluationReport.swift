import Foundation

/// The result of one algorithm in a ranking evaluation.
public struct RankingEvaluationResult: Sendable, Equatable {
    /// The name in tables and JSON.
    public var model: String
    /// The metrics over the test users.
    public var report: RankingReport
    /// Wall-clock seconds to fit.
    public var fitSeconds: Double
    /// Wall-clock seconds to recommend top k for every test user.
    public var recommendSeconds: Double
    /// The same metrics through an approximate index, when asked for (``RetrievalComparison``).
    public var retrieval: RetrievalComparison? = nil
}

extension RankingEvaluation {
    /// Fits `algorithm` on `split.train` and scores its top-`k` lists for the users of
    /// `split.test`, through the serving call's ranking (training items excluded).
    /// - Parameters:
    ///   - algorithm: any algorithm of a catalog (its model must score items).
    ///   - hyperparameters: settings over its defaults.
    ///   - label: the name in tables and JSON (default: the algorithm's name).
    ///   - dataset: the data set the split comes from.
    ///   - split: training and test interactions over `dataset`'s index spaces.
    ///   - k: the cut-off.
    ///   - relevanceThreshold: test ratings at or above it are relevant; `nil`: all.
    ///   - context: seed, threads, observer of the fit.
    ///   - index: when set and the model's scores are inner products (``InnerProductScorer``),
    ///     an HNSW index of its item embeddings is built with these parameters and the lists are
    ///     evaluated through it too (``RankingEvaluationResult/retrieval``); `nil`: exact only.
    ///   - ef: the index's query-time candidate-list size (`nil`: ``HNSWIndex/defaultEf``).
    /// - Throws: ``TrainingError``.
    public static func run(_ algorithm: any Algorithm, hyperparameters: Hyperparameters = [:], label: String? = nil,
                           dataset: Dataset, split: Split, k: Int, relevanceThreshold: Float? = nil,
                           context: FitContext = FitContext(), index: HNSWParameters? = nil,
                           ef: Int? = nil) throws -> RankingEvaluationResult {
        guard k > 0 else { throw TrainingError.invalidInput("the cut-off k must be positive, got \(k)") }
        let start = monotonicSeconds()
        let model = try algorithm.fit(TrainingData(dataset, training: split.train), hyperparameters: hyperparameters, context: context)
        let fitted = monotonicSeconds()
        var recommendSeconds = 0.0
        let metadata = model.metadata
        let report = evaluate(test: split.test, k: k, relevanceThreshold: relevanceThreshold) { users in
            let t0 = monotonicSeconds()
            let lists = TopNRecommender.recommend(model, metadata: metadata, users: users, k: k, threads: context.resolvedThreads)
            recommendSeconds = monotonicSeconds() - t0
            return lists
        }
        var retrieval: RetrievalComparison? = nil
        if var parameters = index, let scorer = model as? any InnerProductScorer {
            parameters.threads = parameters.threads ?? context.threads
            retrieval = try compareRetrieval(scorer, metadata: metadata, parameters: parameters, ef: ef, test: split.test, k: k,
                                             relevanceThreshold: relevanceThreshold, threads: context.resolvedThreads)
        }
        return RankingEvaluationResult(model: label ?? algorithm.name, report: report, fitSeconds: fitted - start,
                                       recommendSeconds: recommendSeconds, retrieval: retrieval)
    }

    private static func compareRetrieval(_ scorer: some InnerProductScorer, metadata: ModelMetadata, parameters: HNSWParameters, ef: Int?,
                                         test: Interactions, k: Int, relevanceThreshold: Float?, threads: Int) throws -> RetrievalComparison {
        let hnsw = HNSWIndex.build(vectors: scorer.itemEmbeddings, metric: .dot, parameters: parameters)
        if let ef { hnsw.defaultEf = ef }
        return try compareRetrieval(model: scorer, metadata: metadata, retriever: hnsw, name: "hnsw", ef: hnsw.defaultEf, test: test,
                                    k: k, relevanceThreshold: relevanceThreshold, threads: threads)
    }
}

/// The machine-readable record of an evaluation (`recommender evaluate --json`), the same
/// shape for the rating and ranking tasks; its schema is docs/schemas/evaluation.schema.json.
public struct EvaluationDocument: Sendable, Codable, Equatable {
    /// One algorithm's figures.
    public struct Entry: Sendable, Codable, Equatable {
        /// The name as asked for (`best` stays `best`).
        public var model: String
        /// The catalog algorithm it resolved to.
        public var algorithm: String
        /// Every hyper-parameter with the value used (explicit or default).
        public var hyperparameters: [String: HyperparameterValue]
        /// Means over folds, by metric name (`rmse`, `mae`, `ndcg@10`, ...); also `<name>_std`
        /// and `<name>_per_fold` entries.
        public var metrics: [String: MetricValue]
        /// Mean wall-clock seconds to fit, per fold.
        public var fit_seconds_per_fold: Double
        /// Mean wall-clock seconds to predict (rating) or recommend (ranking), per fold.
        public var predict_seconds_per_fold: Double
        /// Fit seconds of each fold.
        public var fit_seconds_folds: [Double]
        /// Predict or recommend seconds of each fold.
        public var predict_seconds_folds: [Double]
        /// Test ratings (rating task) or evaluated users (ranking task) of each fold.
        public var test_count_folds: [Int]
    }

    /// A metric: one number, or one per fold.
    public enum MetricValue: Sendable, Codable, Equatable {
        case value(Double)
        case folds([Double])
        public init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let v = try? c.decode(Double.self) { self = .value(v) } else { self = .folds(try c.decode([Double].self)) }
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .value(let v): try c.encode(v.isFinite ? v : 0)
            case .folds(let v): try c.encode(v.map { $0.isFinite ? $0 : 0 })
            }
        }
    }

    /// The tool and its version.
    public var tool: String
    /// `rating` or `ranking`.
    public var task: String
    /// The data set's name.
    public var dataset: String
    /// The protocol, in words.
    public var `protocol`: String
    /// The seed of splits and models.
    public var seed: UInt64?
    /// The number of folds (1 for a single split).
    public var folds: Int
    /// The ranking cut-off (ranking task).
    public var k: Int?
    /// Ratings at or above it are relevant (ranking task); `nil`: every rating.
    public var relevance_threshold: Double?
    /// One entry per algorithm, in the order asked.
    public var results: [Entry]

    /// The tool name and version written in every document.
    public static let toolVersion = "swift-recommender 0.2.0"

    /// The record of a rating evaluation.
    public init(rating results: [(result: RatingEvaluationResult, algorithm: String, hyperparameters: [(name: String, value: HyperparameterValue)])],
                dataset: String, protocolDescription: String, seed: UInt64?) {
        self.tool = Self.toolVersion
        self.task = AlgorithmTask.rating.rawValue
        self.dataset = dataset
        self.protocol = protocolDescription
        self.seed = seed
        self.folds = results.first?.result.folds.count ?? 0
        self.k = nil
        self.relevance_threshold = nil
        self.results = results.map { r, algorithm, settings in
            let f = r.folds
            return Entry(model: r.model, algorithm: algorithm, hyperparameters: Dictionary(settings.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }),
                         metrics: ["rmse": .value(r.rmse), "mae": .value(r.mae), "rmse_std": .value(r.summary(\.rmse).std),
                                   "mae_std": .value(r.summary(\.mae).std), "rmse_per_fold": .folds(f.map(\.rmse)), "mae_per_fold": .folds(f.map(\.mae))],
                         fit_seconds_per_fold: r.summary(\.fitSeconds).mean, predict_seconds_per_fold: r.summary(\.predictSeconds).mean,
                         fit_seconds_folds: f.map(\.fitSeconds), predict_seconds_folds: f.map(\.predictSeconds), test_count_folds: f.map(\.testCount))
        }
    }

    /// The record of a ranking evaluation on one split.
    public init(ranking results: [(result: RankingEvaluationResult, algorithm: String, hyperparameters: [(name: String, value: HyperparameterValue)])],
                dataset: String, protocolDescription: String, seed: UInt64?, k: Int, relevanceThreshold: Float?) {
        self.tool = Self.toolVersion
        self.task = AlgorithmTask.ranking.rawValue
        self.dataset = dataset
        self.protocol = protocolDescription
        self.seed = seed
        self.folds = 1
        self.k = k
        self.relevance_threshold = relevanceThreshold.map { Double($0) }
        self.results = results.map { r, algorithm, settings in
            var metrics: [String: MetricValue] = [:]
            for (name, value) in r.report.named { metrics[name] = .value(value); metrics[name + "_per_fold"] = .folds([value]) }
            for (name, value) in r.retrieval?.named ?? [] { metrics[name] = .value(value) }
            return Entry(model: r.model, algorithm: algorithm, hyperparameters: Dictionary(settings.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }),
                         metrics: metrics, fit_seconds_per_fold: r.fitSeconds, predict_seconds_per_fold: r.recommendSeconds,
                         fit_seconds_folds: [r.fitSeconds], predict_seconds_folds: [r.recommendSeconds], test_count_folds: [r.report.userCount])
        }
    }

    /// The document as pretty-printed JSON with sorted keys.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
