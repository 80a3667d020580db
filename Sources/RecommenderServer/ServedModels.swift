import Foundation
import Recommender

/// One loaded model file: the fitted model, its metadata and training record, and the roles it
/// plays. Immutable: a reload builds a new one, so a request that took it finishes on it. A class,
/// so taking it for a request costs one reference count rather than one per field.
public final class ServedModel: Sendable {
    /// The name clients use (`?model=`).
    public let name: String
    /// The model file.
    public let url: URL
    /// The fitted model.
    public let model: any PersistableModel
    /// Ids, catalog, training history of each user.
    public let metadata: ModelMetadata
    /// How it was trained (`nil` for files saved without one).
    public let record: TrainingRecord?
    /// 1 for the first load, +1 per swap.
    public let version: Int
    /// When this version was loaded.
    public let loadedAt: Date

    let scorer: (any ItemScorer)?
    let historyScorer: (any HistoryScorer)?
    let embeddings: (any ItemEmbeddingModel)?
    let predictor: (any RatingPredictor)?
    let explainer: (any ExplainableScorer)?
    /// Training ratings per item (popularity).
    let itemRatings: [Int32]
    /// The ratings a client may store or send for this model: the data set's declared scale, or,
    /// for data without one, the range of the training ratings (so a stray 400000 cannot reach
    /// the store and a retraining); `nil` only for a model without training ratings.
    let acceptedRatings: ClosedRange<Float>?
    /// The HNSW index beside the model file (inner product), used for the recommendations of known
    /// users; `nil` when there is none or it does not match the model (then see ``retrieval``).
    public let index: HNSWIndex?
    /// The model as an inner-product scorer, when it is one (what the index answers for).
    let innerProduct: (any InnerProductScorer)?
    /// How known users' recommendations are retrieved: `hnsw`, `exact`, or `exact (...)` with the
    /// reason an index beside the file was not used.
    public let retrieval: String

    /// Model files up to this size keep their training history in memory (64 MiB: ML-100K's
    /// models are under 3 MB, the ML-25M-shaped iALS model is 261 MB).
    public static let defaultHistoryInMemoryLimit = 64 << 20

    /// Where the training history is: `memory`, or `model file` when it was left there.
    public var history: String { metadata.keepsHistoryOnDisk ? "model file" : "memory" }

    /// The model's kind (`ials`, `svd`, ...).
    public var kind: String { type(of: model).kind }

    /// Reads the model file at `path` (or `model.recmodel` inside the folder `path`).
    /// - Throws: ``DataError`` or ``PersistenceError``.
    /// - Parameter historyInMemoryUpTo: a model file larger than this many bytes, of a kind that
    ///   scores without its training history (``PersistableModel/scoresWithoutTrainingHistory``),
    ///   leaves that history in the file (``ModelMetadata/seenOnDisk``): the 25M-rating model
    ///   then holds its factors and id maps in memory and reads a user's rated items when a
    ///   query needs them. `0` always leaves it on disk, `Int.max` never.
    public convenience init(name: String, path: String, version: Int = 1, catalog: AlgorithmCatalog = .standard,
                historyInMemoryUpTo: Int = ServedModel.defaultHistoryInMemoryLimit) throws {
        let url = try ModelFile.url(at: path)
        let types = catalog.modelTypes
        let fileSize = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        let archive = try ModelArchive(contentsOf: url, expectedKind: nil, leavingOnDisk: { kind in
            guard fileSize > historyInMemoryUpTo,
                  let type = types.first(where: { $0.kind == kind || $0.formerKinds.contains(kind) }),
                  type.scoresWithoutTrainingHistory else { return [] }
            return ModelMetadata.historySections
        })
        guard let type = types.first(where: { $0.kind == archive.kind || $0.formerKinds.contains(archive.kind) }) else {
            throw PersistenceError.wrongKind(path: url.path, found: archive.kind, expected: "one of " + types.map { $0.kind }.joined(separator: ", "))
        }
        let model = try type.serverDecode(archive, path: url.path)
        // An index beside the file serves known users' recommendations; a stale or damaged one is
        // not used (the exact scan answers, and /v1/models says why) rather than failing the load.
        var index: HNSWIndex?
        var retrieval = "exact"
        if let ips = model as? any InnerProductScorer {
            do {
                index = try HNSWIndex.loadBeside(modelURL: url, vectors: ips.itemEmbeddings)
                if let i = index, i.metric != .dot { index = nil; retrieval = "exact (the index beside the model is not an inner-product index)" }
            } catch {
                retrieval = "exact (index not used: \(error))"
            }
        }
        if index != nil { retrieval = "hnsw" }
        self.init(name: name, url: url, model: model, record: archive.trainingRecord(), version: version, index: index, retrieval: retrieval)
    }

    /// Wraps a model already in memory.
    /// - Parameters:
    ///   - index: an HNSW index over the model's item embeddings (inner product), or `nil`.
    ///   - retrieval: how recommendations are retrieved, for `/v1/models`.
    public init(name: String, url: URL, model: any PersistableModel, record: TrainingRecord?, version: Int,
                index: HNSWIndex? = nil, retrieval: String? = nil) {
        self.name = name
        self.url = url
        self.model = model
        self.metadata = model.metadata
        self.record = record
        self.version = version
        self.loadedAt = Date()
        scorer = model as? any ItemScorer
        historyScorer = model as? any HistoryScorer
        embeddings = model as? any ItemEmbeddingModel
        predictor = model as? any RatingPredictor
        explainer = model as? any ExplainableScorer
        innerProduct = model as? any InnerProductScorer
        self.index = innerProduct == nil ? nil : index
        self.retrieval = self.index != nil ? "hnsw" : (retrieval ?? "exact")
        itemRatings = metadata.seenItemCounts()
        if let scale = metadata.ratingScale {
            acceptedRatings = scale
        } else if let summary = metadata.seenRatingSummary(), summary.min.isFinite, summary.max.isFinite {
            acceptedRatings = summary.min...summary.max
        } else {
            acceptedRatings = nil
        }
    }

    /// The capabilities, for `/v1/models`.
    var capabilities: [String] {
        var out: [String] = []
        if scorer != nil { out.append("recommend") }
        if historyScorer != nil { out.append("fold_in") }
        if embeddings != nil { out.append("similar") }
        if predictor != nil { out.append("predict") }
        if explainer != nil { out.append("explain") }
        return out
    }
}

extension PersistableModel {
    /// `Self(archive:path:)` through an existential metatype, opened.
    static func serverDecode(_ archive: ModelArchive, path: String) throws -> any PersistableModel {
        try Self(archive: archive, path: path)
    }
}

/// A named slot holding the current version of a model; swapping replaces the reference, so
/// requests in flight keep the version they took.
public final class ModelSlot: Sendable {
    /// The state of a slot: the model served, and the last failed reload or retraining.
    public struct State: Sendable {
        public var current: ServedModel
        public var lastFailure: (message: String, at: Date)?
        public var retraining: Bool = false
        public var lastRetrainedAt: Date?
    }

    /// The name.
    public let name: String
    /// The path given on the command line (a file or a folder).
    public let path: String
    /// What reloads pass to ``ServedModel/init(name:path:version:catalog:historyInMemoryUpTo:)``.
    public let historyInMemoryUpTo: Int
    private let state: Locked<State>

    /// A slot serving `model`, loaded from `path`.
    /// - Parameter historyInMemoryUpTo: the same setting for reloads of `path`.
    public init(model: ServedModel, path: String, historyInMemoryUpTo: Int = ServedModel.defaultHistoryInMemoryLimit) {
        self.name = model.name
        self.path = path
        self.historyInMemoryUpTo = historyInMemoryUpTo
        self.state = Locked(State(current: model, lastFailure: nil))
    }

    /// The model to answer one request with.
    public var current: ServedModel { state.withLock { $0.current } }

    /// A copy of the whole state.
    public var snapshot: State { state.withLock { $0 } }

    /// Serves `model` from now on (its version is set to the next one).
    @discardableResult
    public func swap(to model: ServedModel) -> ServedModel {
        state.withLock { s in
            let next = ServedModel(name: name, url: model.url, model: model.model, record: model.record, version: s.current.version + 1,
                                   index: model.index, retrieval: model.retrieval)
            s.current = next
            s.lastFailure = nil
            return next
        }
    }

    /// Reads the model file again and swaps it in; on failure keeps the old model and records why.
    /// - Throws: the load error (after recording it).
    @discardableResult
    public func reload(catalog: AlgorithmCatalog = .standard) throws -> ServedModel {
        do {
            let fresh = try ServedModel(name: name, path: path, catalog: catalog, historyInMemoryUpTo: historyInMemoryUpTo)
            return swap(to: fresh)
        } catch {
            recordFailure("reload failed: \(error)")
            throw error
        }
    }

    /// Records a failed reload or retraining (the old model stays).
    public func recordFailure(_ message: String) {
        state.withLock { $0.lastFailure = (message, Date()) }
    }

    /// Marks a retraining as running or finished.
    public func setRetraining(_ running: Bool, finishedAt: Date? = nil) {
        state.withLock { s in
            s.retraining = running
            if let finishedAt { s.lastRetrainedAt = finishedAt }
        }
    }
}

/// The models a server answers with, by name; the first is the default.
public final class ModelRoster: Sendable {
    /// The slots, in command-line order.
    public let slots: [ModelSlot]

    /// Models added while serving (trained from the page), after ``slots``; looked up only for
    /// names not in ``slots``, so the command-line models' path takes no lock.
    let added = Locked<[ModelSlot]>([])

    /// Serves `slots` (at least one; names unique).
    public init(_ slots: [ModelSlot]) {
        precondition(!slots.isEmpty, "a server needs at least one model")
        self.slots = slots
    }

    /// Every slot: the command-line ones, then those added while serving.
    public var allSlots: [ModelSlot] { slots + added.withLock { $0 } }

    /// The slot named `name`, or the default one for `nil`.
    /// - Throws: ``APIError`` 404 for an unknown name.
    func slot(_ name: String?) throws -> ModelSlot {
        guard let name, !name.isEmpty else { return slots[0] }
        if let slot = slots.first(where: { $0.name == name }) { return slot }
        guard let slot = added.withLock({ $0.first { $0.name == name } }) else { throw APIError.unknownModel(name, known: allSlots.map(\.name)) }
        return slot
    }

    /// The model to answer a request with.
    func model(_ name: String?) throws -> ServedModel { try slot(name).current }

    /// Whether any served model knows `item`.
    func knowsItem(_ item: ItemID) -> Bool { slots.contains { $0.current.metadata.itemIDs.index(of: item) != nil } }

    /// Whether any served model knows `user`.
    func knowsUser(_ user: UserID) -> Bool { slots.contains { $0.current.metadata.userIDs.index(of: user) != nil } }
}
