import Foundation

/// One named figure reported during training (a loss, an error, a metric).
public struct TrainingMetric: Sendable, Equatable, Codable {
    /// The metric's name, snake_case (`train_rmse`, `validation_rmse`, `train_loss`, `ndcg_at_10`).
    public var name: String
    /// Its value.
    public var value: Double
    /// Creates a metric.
    public init(_ name: String, _ value: Double) {
        self.name = name
        self.value = value
    }
}

/// What an algorithm reports after each step of a fit (an epoch, an iteration or a sweep).
public struct TrainingEvent: Sendable, Equatable {
    /// The step just finished, 1-based; the notebook's models (`mf`, `softmax`) also report
    /// step 0, their metrics before the first update, as the notebook logs them.
    public var step: Int
    /// The number of steps planned.
    public var stepCount: Int
    /// What a step is called: `"epoch"`, `"iteration"` or `"sweep"`.
    public var unit: String
    /// The figures of this step (may be empty between evaluation steps).
    public var metrics: [TrainingMetric]
    /// Seconds since the fit started.
    public var elapsedSeconds: Double

    /// Creates an event.
    public init(step: Int, stepCount: Int, unit: String, metrics: [TrainingMetric] = [], elapsedSeconds: Double) {
        self.step = step
        self.stepCount = stepCount
        self.unit = unit
        self.metrics = metrics
        self.elapsedSeconds = elapsedSeconds
    }

    /// Estimated seconds until the planned last step (elapsed / step × remaining steps).
    public var estimatedRemainingSeconds: Double {
        step > 0 ? elapsedSeconds / Double(step) * Double(max(0, stepCount - step)) : 0
    }

    /// The value of metric `name` in this event, if reported.
    public func metric(_ name: String) -> Double? { metrics.first { $0.name == name }?.value }
}

/// Receives training events, on the fitting thread.
public typealias TrainingObserver = @Sendable (TrainingEvent) -> Void

/// Early stopping on a validation set: stop when the validation error has not improved by more
/// than ``minimumImprovement`` for ``patience`` steps in a row, and restore the parameters of
/// the best step.
public struct EarlyStopping: Sendable, Equatable, Codable {
    /// Steps without improvement tolerated before stopping.
    public var patience: Int
    /// The smallest decrease of the validation error that counts as an improvement.
    public var minimumImprovement: Double
    /// Creates an early-stopping rule.
    public init(patience: Int = 3, minimumImprovement: Double = 1e-4) {
        self.patience = patience
        self.minimumImprovement = minimumImprovement
    }
}

/// Everything a fit needs besides the data and the hyper-parameters.
public struct FitContext: Sendable {
    /// The seed of every random choice; `nil` uses the algorithm's documented default seed.
    /// 0 is a seed like any other.
    public var seed: UInt64?
    /// The most threads the fit may use; `nil` uses every available core. Results do not
    /// depend on it unless an algorithm documents an explicit opt-in (BPR's Hogwild mode).
    public var threads: Int?
    /// Held-out interactions over the training data's index spaces, scored after each step
    /// (reported as `validation_*` metrics and used by ``earlyStopping``).
    public var validation: Interactions?
    /// Stop when the validation error stops improving (algorithms that support it).
    public var earlyStopping: EarlyStopping?
    /// Called after each step, on the fitting thread.
    public var observer: TrainingObserver?

    /// Creates a context.
    public init(seed: UInt64? = nil, threads: Int? = nil, validation: Interactions? = nil, earlyStopping: EarlyStopping? = nil,
                observer: TrainingObserver? = nil) {
        self.seed = seed
        self.threads = threads
        self.validation = validation
        self.earlyStopping = earlyStopping
        self.observer = observer
    }

    /// The thread count to use: ``threads`` or every available core, at least 1.
    public var resolvedThreads: Int { max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount) }

    /// The seed to use: ``seed`` or `defaultSeed`.
    public func resolvedSeed(default defaultSeed: UInt64) -> UInt64 { seed ?? defaultSeed }
}

/// A data set and the interactions to train on, which always travel together, so that a
/// fitted model keeps the data set's real ids, catalog and rating scale.
public struct TrainingData: Sendable {
    /// The data set: id maps, catalog, user table, rating scale.
    public let dataset: Dataset
    /// The interactions to fit: all of the data set's, or a subset (a split's training part)
    /// over the same user and item index spaces.
    public let interactions: Interactions

    /// All of `dataset`'s interactions.
    public init(_ dataset: Dataset) {
        self.dataset = dataset
        self.interactions = dataset.interactions
    }

    /// A subset of `dataset`'s interactions.
    /// - Throws: ``TrainingError/invalidInput(_:)`` when `training` is not over the data
    ///   set's index spaces.
    public init(_ dataset: Dataset, training: Interactions) throws {
        guard training.userCount == dataset.userCount, training.itemCount == dataset.itemCount else {
            throw TrainingError.invalidInput("the training interactions (\(training.userCount) users × \(training.itemCount) items) are not over the data set's \(dataset.userCount) users × \(dataset.itemCount) items")
        }
        self.dataset = dataset
        self.interactions = training
    }

    /// The metadata a model trained on this data stores: id maps, catalog, the training
    /// interactions as seen items, rating scale.
    public var metadata: ModelMetadata { ModelMetadata(dataset: dataset, training: interactions) }
}
