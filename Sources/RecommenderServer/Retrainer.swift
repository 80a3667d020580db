import Foundation
import Recommender

/// Background retraining of one served model from the base data plus the ratings store, through
/// ``TrainingSession/run(_:observer:)``: the new model is written atomically into the model's
/// folder with ``TrainingOutput/write(model:record:history:chart:to:)`` and swapped in (requests
/// in flight finish on the old one). A failed or diverged training keeps the old model and is
/// reported in `/v1/models` (`last_failure`) and the log.
public final class Retrainer: Sendable {
    /// When to retrain.
    public enum Schedule: Sendable, Equatable {
        /// Every so many seconds.
        case every(seconds: Double)
        /// After so many ratings were stored.
        case ratings(Int)

        /// Parses `10m`, `30s`, `2h` or `5000-ratings`.
        public init?(_ text: String) {
            let t = text.trimmingCharacters(in: .whitespaces).lowercased()
            if t.hasSuffix("-ratings"), let n = Int(t.dropLast("-ratings".count)), n > 0 { self = .ratings(n); return }
            let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
            for (suffix, scale) in units where t.hasSuffix(suffix) {
                if let v = Double(t.dropLast(suffix.count)), v.isFinite, v > 0 { self = .every(seconds: v * scale); return }
            }
            return nil
        }
    }

    /// The slot whose model is replaced.
    public let slot: ModelSlot
    let algorithm: any Algorithm
    let hyperparameters: Hyperparameters
    let schedule: Schedule
    let store: RatingsStore?
    let outputFolder: URL
    let threads: Int?
    let seed: UInt64?
    let loadBase: @Sendable () throws -> Dataset
    let log: @Sendable (String) -> Void
    private let state = Locked<(running: Bool, ratingsSince: Int, base: Dataset?, runs: Int, failures: Int)>((false, 0, nil, 0, 0))

    /// Creates a retrainer (nothing runs until ``start()`` or ``trigger()``).
    /// - Parameters:
    ///   - slot: the model to replace; its folder receives the new model file.
    ///   - algorithm: the catalog algorithm.
    ///   - hyperparameters: settings over its defaults.
    ///   - schedule: when.
    ///   - store: the ratings merged into the base data.
    ///   - threads: training threads (`nil`: all cores).
    ///   - seed: the training seed.
    ///   - loadBase: loads the base data set (called once, then kept).
    ///   - log: receives one line per retraining.
    public init(slot: ModelSlot, algorithm: any Algorithm, hyperparameters: Hyperparameters = [:], schedule: Schedule,
                store: RatingsStore?, threads: Int? = nil, seed: UInt64? = nil,
                loadBase: @escaping @Sendable () throws -> Dataset, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.slot = slot
        self.algorithm = algorithm
        self.hyperparameters = hyperparameters
        self.schedule = schedule
        self.store = store
        var isFolder: ObjCBool = false
        let url = URL(fileURLWithPath: slot.path)
        self.outputFolder = FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) && isFolder.boolValue
            ? url : url.deletingLastPathComponent()
        self.threads = threads
        self.seed = seed
        self.loadBase = loadBase
        self.log = log
    }

    /// How many retrainings finished, and how many of them failed.
    public var counts: (runs: Int, failures: Int) { state.withLock { ($0.runs, $0.failures) } }

    /// Counts a stored rating; starts a retraining when the schedule's count is reached.
    func noteRatingStored() {
        let due = state.withLock { s -> Bool in
            s.ratingsSince += 1
            if case .ratings(let n) = schedule, s.ratingsSince >= n, !s.running { return true }
            return false
        }
        if due { _ = trigger() }
    }

    /// Starts a retraining on a background thread unless one is running.
    /// - Returns: whether one was started.
    @discardableResult
    public func trigger() -> Bool {
        let start = state.withLock { s -> Bool in
            if s.running { return false }
            s.running = true
            s.ratingsSince = 0
            return true
        }
        guard start else { return false }
        slot.setRetraining(true)
        Thread.detachNewThread { [self] in
            let outcome = Result { try self.retrainNow() }
            state.withLock { s in
                s.running = false
                s.runs += 1
                if case .failure = outcome { s.failures += 1 }
            }
            slot.setRetraining(false, finishedAt: Date())
        }
        return true
    }

    /// Retrains once, synchronously, and swaps the new model in.
    /// - Returns: the model now served.
    /// - Throws: the training or writing error (the old model stays, the failure is recorded).
    @discardableResult
    public func retrainNow() throws -> ServedModel {
        let started = Date()
        do {
            let base = try state.withLock { s -> Dataset? in s.base } ?? {
                let loaded = try loadBase()
                state.withLock { $0.base = loaded }
                return loaded
            }()
            let merged = base.merging(stored: try store?.allRatings() ?? [])
            let request = TrainingRequest(algorithm: algorithm, hyperparameters: hyperparameters, dataset: merged, seed: seed, threads: threads)
            let result = try TrainingSession.run(request)
            for (name, value) in result.record.finalMetrics where !value.isFinite {
                throw TrainingError.invalidInput("the training diverged (\(name) = \(value))")
            }
            let url = try TrainingOutput.write(model: result.model, record: result.record, history: result.history, chart: nil, to: outputFolder)
            // A large factor model is read back from its file so that, like the model it replaces,
            // it leaves its training history there (``ServedModel/history``).
            let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
            let fresh = size > slot.historyInMemoryUpTo && type(of: result.model).scoresWithoutTrainingHistory
                ? try ServedModel(name: slot.name, path: url.path, historyInMemoryUpTo: slot.historyInMemoryUpTo)
                : ServedModel(name: slot.name, url: url, model: result.model, record: result.record, version: 0)
            let served = slot.swap(to: fresh)
            log("retrained '\(slot.name)' with \(algorithm.name) on \(merged.interactions.count) ratings (\(merged.userCount) users) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s: version \(served.version), \(url.path)")
            return served
        } catch {
            slot.recordFailure("retraining failed: \(error)")
            log("retraining '\(slot.name)' failed, the old model stays: \(error)")
            throw error
        }
    }

    /// Runs the timer schedule until the task is cancelled (nothing to do for a count schedule).
    public func start() -> Task<Void, Never> {
        Task.detached { [self] in
            guard case .every(let seconds) = schedule else { return }
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                if Task.isCancelled { return }
                trigger()
            }
        }
    }
}

/// Reloads a model when its file changes (a model trained elsewhere and written over it).
public enum ModelFileWatcher {
    /// Polls the modification time of each slot's file every `interval` seconds and reloads a
    /// changed one; a failed reload keeps the old model (recorded in the slot).
    public static func start(_ slots: [ModelSlot], interval: Double = 2, log: @escaping @Sendable (String) -> Void = { _ in }) -> Task<Void, Never> {
        Task.detached {
            func stamp(_ slot: ModelSlot) -> Date? {
                let url = (try? ModelFile.url(at: slot.path)) ?? slot.current.url
                return (try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date
            }
            var seen = Dictionary(uniqueKeysWithValues: slots.map { ($0.name, stamp($0)) })
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
                for slot in slots {
                    let now = stamp(slot)
                    guard let now, now != (seen[slot.name] ?? nil) else { continue }
                    seen[slot.name] = now
                    if slot.snapshot.retraining || now <= slot.current.loadedAt { continue }
                    do {
                        let m = try await ServerExecutor.onOwnThread { try slot.reload() }
                        log("reloaded '\(slot.name)' (file changed): version \(m.version)")
                    } catch {
                        log("reloading '\(slot.name)' failed, the old model stays: \(error)")
                    }
                }
            }
        }
    }
}
