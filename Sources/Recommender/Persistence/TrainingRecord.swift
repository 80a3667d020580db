import Foundation

/// How a model was trained, stored inside its model file (sections `run.record` and
/// `run.history`), so that the file alone answers "what is this model": the algorithm, every
/// hyper-parameter, the data, the seed, when, how long, and the training curve.
public struct TrainingRecord: Sendable, Codable, Equatable {
    /// The catalog algorithm.
    public var algorithm: String
    /// Every hyper-parameter with the value used (explicit or default).
    public var hyperparameters: [String: HyperparameterValue]
    /// The data set's name.
    public var dataset: String
    /// Users, items and interactions of the training data.
    public var users: Int, items: Int, interactions: Int
    /// Held-out interactions used for validation (0 when none).
    public var validationInteractions: Int
    /// The seed given (`nil`: the algorithm's default).
    public var seed: UInt64?
    /// When training ended, ISO 8601.
    public var trainedAt: String
    /// Wall-clock seconds of the fit.
    public var seconds: Double
    /// The last value of each metric reported during training.
    public var finalMetrics: [String: Double]

    /// Creates a record.
    public init(algorithm: String, hyperparameters: [String: HyperparameterValue], dataset: String, users: Int, items: Int,
                interactions: Int, validationInteractions: Int, seed: UInt64?, trainedAt: Date, seconds: Double,
                finalMetrics: [String: Double]) {
        self.algorithm = algorithm
        self.hyperparameters = hyperparameters
        self.dataset = dataset
        self.users = users
        self.items = items
        self.interactions = interactions
        self.validationInteractions = validationInteractions
        self.seed = seed
        self.trainedAt = ISO8601DateFormatter().string(from: trainedAt)
        self.seconds = seconds
        self.finalMetrics = finalMetrics.filter { $0.value.isFinite }
    }
}

/// Records training events as a ``TrainingHistory`` (the observer may be called from the
/// fitting thread while another thread reads).
public final class TrainingHistoryRecorder: Sendable {
    private let state = Locked<TrainingHistory>(TrainingHistory())

    /// An empty recorder.
    public init() {}

    /// Appends the event's metrics as one row (events without metrics are skipped).
    public func record(_ event: TrainingEvent) {
        guard !event.metrics.isEmpty else { return }
        state.withLock { $0.append(iteration: event.step, event.metrics.map { ($0.name, $0.value) }) }
    }

    /// The rows so far.
    public var history: TrainingHistory { state.withLock { $0 } }
}

/// The files of a training output folder: `model.recmodel` (with its ``TrainingRecord`` and
/// history inside), `history.csv`, `history.json` and, when given, `history.svg`.
public enum TrainingOutput {
    /// Creates `folder` and checks that a file can be written in it, before a long fit starts.
    /// - Throws: ``PersistenceError/writeFailed(path:reason:)`` saying why.
    public static func prepare(_ folder: URL) throws {
        try ModelFileWriter.prepareDirectory(folder, for: folder.appendingPathComponent(ModelFile.name))
        let probe = folder.appendingPathComponent(".write-check.\(UInt32.random(in: 0...UInt32.max)).tmp")
        guard FileManager.default.createFile(atPath: probe.path, contents: Data()) else {
            throw PersistenceError.writeFailed(path: folder.path, reason: "the folder is not writable")
        }
        try? FileManager.default.removeItem(at: probe)
    }

    /// Writes the model file carrying `record` and the history, with the history files and
    /// the chart as companions: crash-safe, so a kill at any point leaves either the old model
    /// with its old history or the new model with its new history (``ModelArchive/write(to:companions:)``).
    /// - Returns: the model file's URL.
    /// - Throws: ``PersistenceError``.
    @discardableResult
    public static func write(model: any PersistableModel, record: TrainingRecord, history: TrainingHistory, chart: String?,
                             to folder: URL) throws -> URL {
        try prepare(folder)
        var archive = model.archive()
        archive.store(record, history: history)
        var companions: [ModelCompanion] = []
        if !history.rows.isEmpty {
            companions = [ModelCompanion(name: "history.csv", text: history.csv()), ModelCompanion(name: "history.json", text: history.json())]
            if let chart { companions.append(ModelCompanion(name: "history.svg", text: chart)) }
        }
        let url = folder.appendingPathComponent(ModelFile.name)
        try archive.write(to: url, companions: companions)
        return url
    }

    static func reason(_ error: Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}

extension ModelArchive {
    /// Stores the training record and history in sections `run.record` (JSON) and `run.history` (CSV).
    public mutating func store(_ record: TrainingRecord, history: TrainingHistory) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        if let data = try? encoder.encode(record) { set("run.record", .strings([String(decoding: data, as: UTF8.self)])) }
        set("run.history", .strings([history.csv()]))
    }

    /// The training record stored by ``store(_:history:)``, if any (files written by
    /// `recommender train`; models saved directly by library code have none).
    public func trainingRecord() -> TrainingRecord? {
        guard case .strings(let texts)? = section("run.record"), let text = texts.first else { return nil }
        return try? JSONDecoder().decode(TrainingRecord.self, from: Data(text.utf8))
    }
}
