import Foundation
import Recommender

/// Bounds on what a page user may ask the server to train, so one person cannot hog it.
public struct TrainingLimits: Sendable {
    /// The most steps (epochs, iterations, samples, burn-in) of a run started from the page.
    public var maxSteps: Int
    /// The largest embedding dimension (`embedding-dim` and the side-feature dims).
    public var maxEmbeddingDim: Int
    /// The most neighbours of a neighbourhood model.
    public var maxNeighbours: Int
    /// The most models trained from the page served at once (a new name beyond it is refused).
    public var maxPageModels: Int
    /// Training threads (default: all cores but one, at least 1, so requests keep a core).
    public var threads: Int

    /// The parameters bounded by ``maxSteps``.
    static let stepParameters: Set<String> = ["epochs", "iterations", "samples", "burn-in"]
    /// The parameters bounded by ``maxEmbeddingDim``.
    static let dimensionParameters: Set<String> = ["embedding-dim", "year-embedding-dim", "genre-embedding-dim"]

    /// Creates limits.
    public init(maxSteps: Int = 100, maxEmbeddingDim: Int = 256, maxNeighbours: Int = 1000, maxPageModels: Int = 8,
                threads: Int = max(1, Parallelism.availableCores - 1)) {
        self.maxSteps = maxSteps
        self.maxEmbeddingDim = maxEmbeddingDim
        self.maxNeighbours = maxNeighbours
        self.maxPageModels = maxPageModels
        self.threads = threads
    }

    /// The page's bound for `name`, if it has one.
    func cap(of name: String) -> Int? {
        if Self.stepParameters.contains(name) { return maxSteps }
        if Self.dimensionParameters.contains(name) { return maxEmbeddingDim }
        if name == "neighbours" { return maxNeighbours }
        return nil
    }
}

/// What the page needs beyond the served models: the data set the server was started on (for
/// Explore and Train), the training runs started from the page, the t-SNE maps of the models
/// (cached per model version), and where models trained from the page are written.
public final class PageServices: Sendable {
    /// Loads the base data set (`nil`: the server was started without one).
    let loadData: (@Sendable () throws -> Dataset)?
    /// How the data was named on the command line (for messages).
    let dataDescription: String?
    /// Where models trained from the page are written (one folder per name).
    let modelFolder: URL
    /// Bounds on page-started training.
    public let limits: TrainingLimits
    let data = Locked<Result<Dataset, APIError>?>(nil)
    let maps = Locked<[String: Task<ItemMapResponse, any Error>]>([:])
    let mapOrder = Locked<[String]>([])
    /// The training runs.
    let runs: TrainingRuns
    /// Called on the training thread with the run's id before the fit starts (tests hold a run here).
    let beforeTraining: (@Sendable (String) -> Void)?

    /// Creates the page's services.
    /// - Parameters:
    ///   - loadData: loads the data set the server was started on (called once, on first use); `nil` when none was given.
    ///   - dataDescription: how it was named (`ml-100k in /data`, a file path), for messages.
    ///   - modelFolder: where page-trained models go (default: a folder in the temporary directory).
    ///   - limits: bounds on page-started training.
    ///   - beforeTraining: called on the training thread with the run's id before each fit (a test seam).
    public init(loadData: (@Sendable () throws -> Dataset)? = nil, dataDescription: String? = nil, modelFolder: URL? = nil,
                limits: TrainingLimits = TrainingLimits(), beforeTraining: (@Sendable (String) -> Void)? = nil) {
        self.beforeTraining = beforeTraining
        self.loadData = loadData
        self.dataDescription = dataDescription
        self.modelFolder = modelFolder ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("recommender-page-models-\(ProcessInfo.processInfo.processIdentifier)")
        self.limits = limits
        self.runs = TrainingRuns()
    }

    /// Whether the server knows a data set.
    public var hasData: Bool { loadData != nil }

    static let noDataMessage = "this server was started without a data set; start it with --dataset NAME [--data-dir DIR] or --ratings FILE [--items FILE] to explore and train"

    /// The data set (loaded once, off the request's executor).
    /// - Throws: ``APIError`` 404 `no_data` without one, 503 `data_unavailable` when it cannot be read.
    func dataset() async throws -> Dataset {
        guard let loadData else { throw APIError(.notFound, "no_data", Self.noDataMessage) }
        if let known = data.withLock({ $0 }) { return try known.get() }
        let description = dataDescription ?? "the data set"
        // On a thread of its own: `serve` runs tasks on the event loops, which must not block.
        let loaded: Result<Dataset, APIError>
        do {
            loaded = .success(try await ServerExecutor.onOwnThread { try loadData() })
        } catch {
            loaded = .failure(APIError(.serviceUnavailable, "data_unavailable", "\(description) could not be read: \(error)"))
        }
        data.withLock { if $0 == nil { $0 = loaded } }
        return try loaded.get()
    }

    /// The t-SNE map of `model` with embedding norms and popularity, computed once per model
    /// version (concurrent requests share the computation; the 16 most recent maps are kept).
    func map(of model: ServedModel) async throws -> (ItemMapResponse, cached: Bool) {
        guard let embeddings = model.embeddings else {
            throw APIError.unsupported("a '\(model.kind)' model has no item embeddings to map; use ials, mf, svd, softmax, ...")
        }
        let key = "\(model.name)#\(model.version)#\(model.url.path)"
        let (task, cached) = maps.withLock { tasks -> (Task<ItemMapResponse, any Error>, Bool) in
            if let task = tasks[key] { return (task, true) }
            let task = Task.detached(priority: .utility) {
                try await ServerExecutor.onOwnThread { try Self.computeMap(model, embeddings: embeddings.itemEmbeddings) }
            }
            tasks[key] = task
            return (task, false)
        }
        if !cached {
            let dropped = mapOrder.withLock { order -> [String] in
                order.append(key)
                let excess = max(0, order.count - 16)
                let out = Array(order.prefix(excess))
                order.removeFirst(excess)
                return out
            }
            maps.withLock { tasks in for k in dropped { tasks[k] = nil } }
        }
        do {
            var response = try await task.value
            response.cached = cached
            return (response, cached)
        } catch {
            maps.withLock { $0[key] = nil }
            if let error = error as? APIError { throw error }
            throw APIError.unsupported("the map of '\(model.name)' could not be computed: \(error)")
        }
    }

    static func computeMap(_ model: ServedModel, embeddings: Matrix) throws -> ItemMapResponse {
        let meta = model.metadata
        let n = embeddings.rows
        guard n >= 4 else { throw APIError.unsupported("a map needs at least 4 items, the model has \(n)") }
        var configuration = TSNE.Configuration.default
        // The notebook's perplexity 40, lowered for small catalogues (t-SNE needs it well below the count).
        configuration.perplexity = min(40, Double(n - 1) / 3)
        configuration.threads = max(1, Parallelism.availableCores - 1)
        let started = Date()
        let map = try EmbeddingInspection.itemMap(embeddings: embeddings, catalog: meta.catalog, configuration: configuration)
        let seconds = Date().timeIntervalSince(started)
        let norms = try EmbeddingInspection.norms(embeddings: embeddings, metadata: meta)
        let points = map.points.enumerated().map { k, p in
            ItemMapResponse.Point(item: meta.itemIDs.id(at: p.item).rawValue, title: p.title, genre: p.genre, genres: p.genres,
                                  x: p.x.isFinite ? p.x : 0, y: p.y.isFinite ? p.y : 0,
                                  norm: norms[k].norm.isFinite ? norms[k].norm : 0, ratings: norms[k].ratingCount)
        }
        var genreCounts: [String: Int] = [:]
        for p in points { genreCounts[p.genre, default: 0] += 1 }
        let genres = genreCounts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        return ItemMapResponse(model: model.name, modelVersion: model.version, kind: model.kind, perplexity: configuration.perplexity,
                               iterations: map.tsne.iterations, klDivergence: map.tsne.klDivergence.isFinite ? map.tsne.klDivergence : 0,
                               seconds: seconds, cached: false, genres: genres, points: points)
    }
}

/// `GET /v1/models/{name}/map`.
struct ItemMapResponse: Encodable, Sendable {
    struct Point: Encodable, Sendable {
        var item: String
        var title: String
        /// The genre the point is coloured by (one of its genres, chosen at random with a fixed seed, as in the notebook).
        var genre: String
        var genres: [String]
        var x: Float
        var y: Float
        var norm: Float
        var ratings: Int
    }
    var model: String
    var modelVersion: Int
    var kind: String
    var perplexity: Double
    var iterations: Int
    var klDivergence: Double
    var seconds: Double
    var cached: Bool
    var genres: [String]
    var points: [Point]
    enum CodingKeys: String, CodingKey {
        case model, modelVersion = "model_version", kind, perplexity, iterations, klDivergence = "kl_divergence", seconds, cached, genres, points
    }
}
