import Foundation

/// Everything one training run needs: what `recommender train`, a server's background
/// retraining or an app asks for.
public struct TrainingRequest: Sendable {
    /// The algorithm (from a catalog).
    public var algorithm: any Algorithm
    /// Settings over the algorithm's defaults.
    public var hyperparameters: Hyperparameters
    /// The data to train on.
    public var dataset: Dataset
    /// Share of the interactions held out at random for validation; `nil` uses the
    /// algorithm's ``Algorithm/defaultValidationFraction``. Must be 0 for algorithms that do
    /// not use validation data.
    public var validationFraction: Double?
    /// A new user's ratings added to the training data only (never held out), under `id`:
    /// the notebook's "rate some movies yourself" exercise.
    public var newUser: (id: UserID, ratings: [(item: ItemIndex, rating: Float)])?
    /// The seed of the split and the fit; `nil`: the algorithm's default (split seed 0).
    public var seed: UInt64?
    /// The most threads; `nil`: all cores.
    public var threads: Int?
    /// Early stopping on the validation data.
    public var earlyStopping: EarlyStopping?

    /// Creates a request.
    public init(algorithm: any Algorithm, hyperparameters: Hyperparameters = [:], dataset: Dataset, validationFraction: Double? = nil,
                newUser: (id: UserID, ratings: [(item: ItemIndex, rating: Float)])? = nil, seed: UInt64? = nil, threads: Int? = nil,
                earlyStopping: EarlyStopping? = nil) {
        self.algorithm = algorithm
        self.hyperparameters = hyperparameters
        self.dataset = dataset
        self.validationFraction = validationFraction
        self.newUser = newUser
        self.seed = seed
        self.threads = threads
        self.earlyStopping = earlyStopping
    }
}

/// What a training run produced.
public struct TrainingResult: Sendable {
    /// The fitted model.
    public var model: any FittedModel
    /// How it was trained (stored in its file by ``TrainingOutput``).
    public var record: TrainingRecord
    /// The metrics reported at each step.
    public var history: TrainingHistory
    /// The data the model was trained on (including a new user, if one was added).
    public var data: TrainingData
    /// The held-out validation interactions (empty when none).
    public var validation: Interactions
    /// Figures of the final model on the validation interactions: `validation_rmse` and
    /// `validation_mae` for rating predictors.
    public var validationMetrics: [TrainingMetric]
}

/// Runs training requests: checks, splits, fits, records.
public enum TrainingSession {
    /// Checks a request before any work: settings against the table, the validation share,
    /// early stopping, and that a rating algorithm gets explicit ratings.
    /// - Throws: ``TrainingError`` saying what to change.
    public static func validate(_ request: TrainingRequest) throws {
        let algorithm = request.algorithm
        try algorithm.check(request.hyperparameters)
        if algorithm.needsExplicitRatings && !request.dataset.hasExplicitRatings {
            throw TrainingError.invalidInput("\(algorithm.name) predicts ratings, but \(request.dataset.name) has no explicit ratings (implicit feedback): use a ranking algorithm such as ials, bpr or ease")
        }
        let fraction = request.validationFraction ?? algorithm.defaultValidationFraction
        guard fraction.isFinite, fraction >= 0, fraction < 1 else {
            throw TrainingError.invalidInput("the validation share must be in [0, 1), got \(fraction)")
        }
        if fraction > 0 && !algorithm.usesValidation {
            throw TrainingError.invalidInput("\(algorithm.name) does not use validation data; leave out the validation share (test-fraction)")
        }
        if let rule = request.earlyStopping {
            guard algorithm.usesValidation, fraction > 0 else {
                throw TrainingError.invalidInput("early stopping (patience) needs validation data: give a validation share (test-fraction, e.g. 0.1) to an algorithm that reports validation error")
            }
            guard rule.patience >= 1, rule.patience <= 1_000_000 else {
                throw TrainingError.invalidInput("patience must be in 1...1000000, got \(rule.patience)")
            }
        }
        if let threads = request.threads, !(1...1024).contains(threads) {
            throw TrainingError.invalidInput("threads must be in 1...1024, got \(threads)")
        }
    }

    /// Splits, fits and records.
    /// - Parameter observer: receives every training event (progress, metrics).
    /// - Throws: ``TrainingError``, or a data error for a bad new-user history.
    public static func run(_ request: TrainingRequest, observer: TrainingObserver? = nil) throws -> TrainingResult {
        try validate(request)
        let algorithm = request.algorithm
        let fraction = request.validationFraction ?? algorithm.defaultValidationFraction
        var dataset = request.dataset
        var training = dataset.interactions
        var validation = Interactions.empty(userCount: dataset.userCount, itemCount: dataset.itemCount)
        if fraction > 0 {
            let split = Splitter.randomHoldout(dataset.interactions, testFraction: fraction, seed: request.seed ?? 0)
            training = split.train
            validation = split.test
        }
        if let newUser = request.newUser {
            let added = try dataset.addingUser(newUser.id, ratings: newUser.ratings)
            dataset = added.dataset
            training = Interactions(users: training.users + newUser.ratings.map { _ in added.user.rawValue },
                                    items: training.items + newUser.ratings.map(\.item.rawValue),
                                    ratings: training.ratings + newUser.ratings.map(\.rating), timestamps: nil,
                                    userCount: dataset.userCount, itemCount: dataset.itemCount)
            validation.userCount = dataset.userCount
        }
        let data = try TrainingData(dataset, training: training)
        let recorder = TrainingHistoryRecorder()
        let context = FitContext(seed: request.seed, threads: request.threads, validation: fraction > 0 ? validation : nil,
                                 earlyStopping: request.earlyStopping) { event in
            recorder.record(event)
            observer?(event)
        }
        let start = Date()
        let model = try algorithm.fit(data, hyperparameters: request.hyperparameters, context: context)
        let seconds = Date().timeIntervalSince(start)
        var metrics: [TrainingMetric] = []
        if !validation.isEmpty, let predictor = model as? any RatingPredictor {
            var predictions = [Float](repeating: 0, count: validation.count)
            for k in 0..<validation.count { predictions[k] = predictor.predict(user: validation.user(at: k), item: validation.item(at: k)) }
            if let scale = dataset.ratingScale { for k in predictions.indices { predictions[k] = min(max(predictions[k], scale.lowerBound), scale.upperBound) } }
            metrics = [TrainingMetric("validation_rmse", RatingMetrics.rmse(predictions: predictions, targets: validation.ratings)),
                       TrainingMetric("validation_mae", RatingMetrics.mae(predictions: predictions, targets: validation.ratings))]
        }
        let history = recorder.history
        var final: [String: Double] = [:]
        for row in history.rows { for (name, value) in row.values { final[name] = value } }
        for m in metrics { final[m.name] = m.value }
        let settings = try algorithm.reader(request.hyperparameters).effective
        let record = TrainingRecord(algorithm: algorithm.name, hyperparameters: Dictionary(settings.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }),
                                    dataset: dataset.name, users: dataset.userCount, items: dataset.itemCount, interactions: training.count,
                                    validationInteractions: validation.count, seed: request.seed, trainedAt: Date(), seconds: seconds,
                                    finalMetrics: final)
        return TrainingResult(model: model, record: record, history: history, data: data, validation: validation, validationMetrics: metrics)
    }
}
