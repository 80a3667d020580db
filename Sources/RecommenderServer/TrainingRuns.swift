import Foundation
import Recommender

/// The body of `POST /v1/training`.
struct TrainingStartRequest: Decodable, Sendable {
    var algorithm: String
    var name: String?
    var hyperparameters: [String: HyperparameterValue]?
    var seed: UInt64?
}

/// One event of a run on the wire (an SSE `data:` line, and the run's `events` list).
struct TrainingRunEvent: Encodable, Sendable {
    var step: Int
    var stepCount: Int
    var unit: String
    var metrics: [String: Double]
    var elapsedSeconds: Double
    enum CodingKeys: String, CodingKey { case step, stepCount = "step_count", unit, metrics, elapsedSeconds = "elapsed_seconds" }
}

/// A training run started from the page.
struct TrainingRunInfo: Encodable, Sendable {
    var id: String
    var name: String
    var algorithm: String
    var status: String
    var hyperparameters: [String: HyperparameterValue]
    var capped: [String]
    var validationFraction: Double
    var startedAt: String
    var finishedAt: String?
    var seconds: Double?
    var message: String?
    var modelVersion: Int?
    var events: [TrainingRunEvent]
    enum CodingKeys: String, CodingKey {
        case id, name, algorithm, status, hyperparameters, capped, validationFraction = "validation_fraction", startedAt = "started_at"
        case finishedAt = "finished_at", seconds, message, modelVersion = "model_version", events
    }
}

/// The training runs started from the page: one at a time, the last few kept for late readers.
final class TrainingRuns: Sendable {
    struct Run: Sendable {
        var info: TrainingRunInfo
        var finished: Bool { info.status != "running" }
    }
    private let state = Locked<(runs: [Run], running: String?, counter: Int)>(([], nil, 0))

    /// The run `id`.
    func run(_ id: String) -> TrainingRunInfo? { state.withLock { s in s.runs.first { $0.info.id == id }?.info } }

    /// Every kept run, newest last.
    var all: [TrainingRunInfo] { state.withLock { $0.runs.map(\.info) } }

    /// The id of the running run.
    var running: String? { state.withLock { $0.running } }

    /// Registers a new run unless one is running.
    /// - Returns: the new id, or `nil` when a run is already going.
    func begin(_ make: (String) -> TrainingRunInfo) -> String? {
        state.withLock { s -> String? in
            if s.running != nil { return nil }
            s.counter += 1
            let id = "run-\(s.counter)-\(UInt32.random(in: 0...UInt32.max))"
            s.runs.append(Run(info: make(id)))
            if s.runs.count > 8 { s.runs.removeFirst(s.runs.count - 8) }
            s.running = id
            return id
        }
    }

    func append(_ id: String, _ event: TrainingRunEvent) {
        state.withLock { s in
            guard let k = s.runs.firstIndex(where: { $0.info.id == id }) else { return }
            s.runs[k].info.events.append(event)
        }
    }

    func finish(_ id: String, status: String, message: String?, modelVersion: Int?, seconds: Double) {
        state.withLock { s in
            if let k = s.runs.firstIndex(where: { $0.info.id == id }) {
                s.runs[k].info.status = status
                s.runs[k].info.message = message
                s.runs[k].info.modelVersion = modelVersion
                s.runs[k].info.seconds = seconds
                s.runs[k].info.finishedAt = ISO8601DateFormatter().string(from: Date())
            }
            if s.running == id { s.running = nil }
        }
    }
}

extension PageServices {
    /// Checks a page training request against the catalog and the limits, then starts it on a
    /// thread of its own: the data set plus the store, the algorithm's validation share (10% for
    /// algorithms that report validation error and have none), a fixed default seed. The fitted
    /// model is written to ``modelFolder``/NAME and served under NAME (added, or swapped in when
    /// a page model of that name exists).
    /// - Returns: the run's first state.
    /// - Throws: ``APIError``: 404 without data, 409 while a run is going or for a name taken by
    ///   a command-line model, 422 for an unknown algorithm or a setting out of bounds.
    func startTraining(_ body: TrainingStartRequest, state: ServerState) async throws -> TrainingRunInfo {
        let catalog = AlgorithmCatalog.standard
        let algorithm: any Algorithm
        do { algorithm = try catalog.algorithm(named: body.algorithm) } catch {
            throw APIError(.unprocessableContent, "unknown_algorithm",
                           "unknown algorithm '\(JSONBody.printable(body.algorithm))'; the catalog has: \(catalog.names.joined(separator: ", "))")
        }
        let name = body.name ?? "trained-\(algorithm.name)"
        guard !name.isEmpty, name.count <= 40, name.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-_.".unicodeScalars.contains($0) }) else {
            throw APIError.badParameter("name", "1 to 40 characters among A-Z a-z 0-9 - _ .")
        }
        let roster = state.roster
        if roster.slots.contains(where: { $0.name == name }) {
            throw APIError(.conflict, "name_taken", "'\(name)' is a model given on the command line; choose another name for a model trained from the page")
        }
        let existing = roster.added.withLock { $0.first { $0.name == name } }
        if existing == nil, roster.added.withLock({ $0.count }) >= limits.maxPageModels {
            throw APIError(.conflict, "too_many_models", "at most \(limits.maxPageModels) models trained from the page are served; reuse a name to replace one")
        }
        var settings = Hyperparameters()
        var capped: [String] = []
        for (key, value) in (body.hyperparameters ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let spec = algorithm.parameters.first(where: { $0.answers(to: key) }) else {
                throw APIError(.unprocessableContent, "invalid_hyperparameter",
                               "\(algorithm.name) has no hyper-parameter '\(JSONBody.printable(key))'; it has: \(algorithm.parameters.map(\.name).joined(separator: ", "))")
            }
            let checked: HyperparameterValue
            do { checked = try spec.validate(value, algorithm: algorithm.name) } catch {
                throw APIError(.unprocessableContent, "invalid_hyperparameter", "\(error)")
            }
            if let cap = limits.cap(of: spec.name), case .integer(let v) = checked, v > cap {
                throw APIError(.unprocessableContent, "over_limit",
                               "\(spec.name): at most \(cap) for a run started from the page (got \(v)); train larger models with `recommender train`")
            }
            settings.set(spec.name, checked)
        }
        // A default above the page's bound is lowered to it (and said so).
        for spec in algorithm.parameters where settings.values[spec.name] == nil {
            if let cap = limits.cap(of: spec.name), case .integer(let v)? = spec.defaultValue, v > cap {
                settings.set(spec.name, .integer(cap))
                capped.append(spec.name)
            }
        }
        let fraction = algorithm.usesValidation ? (algorithm.defaultValidationFraction > 0 ? algorithm.defaultValidationFraction : 0.1) : 0
        let base = try await dataset()
        let request = TrainingRequest(algorithm: algorithm, hyperparameters: settings, dataset: base, validationFraction: fraction,
                                      seed: body.seed ?? 1, threads: limits.threads)
        do { try TrainingSession.validate(request) } catch {
            throw APIError(.unprocessableContent, "invalid_training", "\(error)")
        }
        let started = Date()
        guard let id = runs.begin({ id in
            TrainingRunInfo(id: id, name: name, algorithm: algorithm.name, status: "running", hyperparameters: settings.values, capped: capped,
                            validationFraction: fraction, startedAt: ISO8601DateFormatter().string(from: started), events: [])
        }) else {
            throw APIError(.conflict, "training_running", "a training run is already going (\(runs.running ?? "")); one at a time — wait for it to finish")
        }
        let folder = modelFolder.appendingPathComponent(name)
        let store = state.store
        let runs = self.runs
        let maxPageModels = limits.maxPageModels
        let beforeTraining = self.beforeTraining
        Thread.detachNewThread {
            beforeTraining?(id)
            do {
                var request = request
                if let stored = try store?.allRatings(), !stored.isEmpty { request.dataset = base.merging(stored: stored) }
                let result = try TrainingSession.run(request) { event in
                    var metrics: [String: Double] = [:]
                    for m in event.metrics where m.value.isFinite { metrics[m.name] = m.value }
                    runs.append(id, TrainingRunEvent(step: event.step, stepCount: event.stepCount, unit: event.unit, metrics: metrics,
                                                     elapsedSeconds: event.elapsedSeconds))
                }
                for (metric, value) in result.record.finalMetrics where !value.isFinite {
                    throw TrainingError.invalidInput("the training diverged (\(metric) = \(value))")
                }
                let url = try TrainingOutput.write(model: result.model, record: result.record, history: result.history, chart: nil, to: folder)
                let served = ServedModel(name: name, url: url, model: result.model, record: result.record, version: 1)
                let version: Int = roster.added.withLock { added in
                    if let slot = added.first(where: { $0.name == name }) { return slot.swap(to: served).version }
                    if added.count >= maxPageModels { added.removeFirst() }
                    added.append(ModelSlot(model: served, path: folder.path))
                    return 1
                }
                runs.finish(id, status: "succeeded", message: "serving '\(name)' version \(version)", modelVersion: version,
                            seconds: Date().timeIntervalSince(started))
            } catch {
                runs.finish(id, status: "failed", message: "\(error)", modelVersion: nil, seconds: Date().timeIntervalSince(started))
            }
        }
        return runs.run(id) ?? TrainingRunInfo(id: id, name: name, algorithm: algorithm.name, status: "running", hyperparameters: settings.values,
                                               capped: capped, validationFraction: fraction, startedAt: "", events: [])
    }
}
