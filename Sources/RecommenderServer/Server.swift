import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import Recommender

/// What `recommender serve` was asked for.
public struct ServerConfiguration: Sendable {
    /// The address to listen on.
    public var host: String
    /// The port (0: any free port).
    public var port: Int
    /// The most items a query may ask for (`k`).
    public var maxK: Int
    /// The most ratings in one ad-hoc history, and the most pairs in one predict request.
    public var maxBatch: Int

    /// Creates a configuration.
    public init(host: String = "127.0.0.1", port: Int = 8080, maxK: Int = 1000, maxBatch: Int = 10_000) {
        self.host = host
        self.port = port
        self.maxK = maxK
        self.maxBatch = maxBatch
    }
}

/// Everything the routes share: the models (hot-swappable), the ratings store, the metrics, the
/// retrainer. Read-only per request except through the store and the slots' swaps.
public final class ServerState: Sendable {
    /// The served models.
    public let roster: ModelRoster
    /// The ratings store, when `--store` was given.
    public let store: RatingsStore?
    /// Request metrics.
    public let metrics: ServerMetrics
    /// Background retraining, when configured.
    public let retrainer: Retrainer?
    /// Limits.
    public let configuration: ServerConfiguration
    /// The page's services: the data set, training runs, t-SNE maps (PageServices.swift).
    public let page: PageServices

    /// Creates the state.
    public init(roster: ModelRoster, store: RatingsStore?, retrainer: Retrainer? = nil, configuration: ServerConfiguration = ServerConfiguration(),
                page: PageServices = PageServices()) {
        self.page = page
        self.roster = roster
        self.store = store
        self.metrics = ServerMetrics()
        self.retrainer = retrainer
        self.configuration = configuration
    }
}

/// Builds the HTTP application (the Hummingbird template's entry point): the JSON API under
/// `/v1`, the health checks, `/metrics` and the page at `/`.
/// - Parameters:
///   - state: models, store, metrics.
///   - logger: the server's logger.
///   - onServerRunning: called with the bound port once the server listens.
/// - Returns: the application, to be run with `runService()`.
public func buildApplication(state: ServerState, logger: Logger = Logger(label: "recommender.serve"),
                             onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
    let router = buildRouter(state: state)
    let api = API(state: state)
    return Application(router: router,
                       // The hot route answered on the event loop that read it (FastRoute.swift); one handler a connection.
                       server: .http1(additionalChannelHandlers: [FastRecommendationRoute(api: api, serverName: "recommender")]),
                       configuration: .init(address: .hostname(state.configuration.host, port: state.configuration.port),
                                            serverName: "recommender"),
                       onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
                       logger: logger)
}

/// Where Swift concurrency runs in a serving process.
public enum ServerExecutor {
    /// Makes the NIO event loops (the threads that read and write the sockets) Swift concurrency's
    /// global executor, so a request's handler runs on the thread that read it instead of hopping to
    /// the cooperative pool and back. Call it first thing in a process that serves, before any task
    /// starts, and only once. Long work must then run on threads of its own (training and model
    /// reloads do), never in a task.
    /// - Returns: whether the executor was installed.
    @discardableResult
    public static func useEventLoops() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    /// Runs `work` on a new thread of its own and returns its result, so a blocking job (reading a
    /// model file) never holds an event loop or a cooperative thread.
    static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }
}

/// The server's log handler: swift-log's standard-error stream handler, except that setting
/// metadata only stores it. Hummingbird sets a request id on every request's logger, and the
/// stream handler formats all metadata again on each set (a few percent of a request); here it
/// is formatted only when a line is written, in the stream handler's own format.
struct ServerLogHandler: LogHandler {
    private var stream: StreamLogHandler
    /// The logger's metadata.
    var metadata: Logger.Metadata = [:]

    init(label: String) { stream = StreamLogHandler.standardError(label: label) }

    var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var stream = stream
        stream.metadata = metadata
        stream.log(event: event)
    }
}

/// A server ready to run (for programs that do not import Hummingbird themselves).
public struct ServerApplication: Sendable {
    let state: ServerState
    let onServerRunning: @Sendable (Int) async -> Void

    /// A server of `state`; `onServerRunning` gets the bound port.
    public init(state: ServerState, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) {
        self.state = state
        self.onServerRunning = onServerRunning
    }

    /// Runs until SIGINT or SIGTERM.
    /// - Throws: when the address cannot be bound.
    public func run() async throws {
        var logger = Logger(label: "recommender.serve", factory: { ServerLogHandler(label: $0) })
        logger.logLevel = .warning
        try await buildApplication(state: state, logger: logger, onServerRunning: onServerRunning).runService()
    }
}

/// The routes.
public func buildRouter(state: ServerState) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: MetricsMiddleware(metrics: state.metrics))
    router.add(middleware: JSONErrorMiddleware())
    let api = API(state: state)

    router.get("/healthz") { _, _ in try JSONBody.response(["status": "ok"]) }
    router.get("/readyz") { _, _ in try api.ready() }
    router.get("/metrics") { _, _ in api.metricsText() }
    router.get("/") { _, _ in try Assets.response(named: "index.html", contentType: "text/html; charset=utf-8") }
    router.get("/app.js") { _, _ in try Assets.response(named: "app.js", contentType: "text/javascript; charset=utf-8") }
    router.get("/app.css") { _, _ in try Assets.response(named: "app.css", contentType: "text/css; charset=utf-8") }

    let v1 = router.group("v1")
    v1.get("openapi.json") { _, _ in try Assets.response(named: "openapi.json", contentType: "application/json") }
    v1.get("models") { _, _ in try JSONBody.response(ModelsResponse(models: state.roster.allSlots.map(ModelInfo.init), default: state.roster.slots[0].name)) }
    v1.get("models/:name") { _, context in
        try JSONBody.response(ModelInfo(try state.roster.slot(context.parameters.get("name") ?? "")))
    }
    v1.post("models/:name/reload") { _, context in try await api.reload(context.parameters.get("name") ?? "") }
    v1.post("models/:name/retrain") { _, context in try await api.retrain(context.parameters.get("name") ?? "") }
    v1.get("algorithms") { _, _ in JSONBody.raw(Array(((try? CatalogDescription(AlgorithmCatalog.standard.algorithms).json()) ?? "{}").utf8)) }
    v1.get("users/:id/recommendations") { request, context in
        try api.userRecommendations(try api.pathID(context, "id"), query: request.uri.queryParameters)
    }
    v1.post("recommendations") { request, _ in
        try api.adHocRecommendations(try await JSONBody.decode(AdHocRecommendationRequest.self, from: request))
    }
    v1.get("items/:id/similar") { request, context in try api.similar(try api.pathID(context, "id"), query: request.uri.queryParameters) }
    v1.get("items") { request, _ in try api.items(query: request.uri.queryParameters) }
    v1.post("predict") { request, _ in try api.predict(try await JSONBody.decode(PredictRequest.self, from: request)) }
    v1.get("users/:id/ratings") { _, context in try api.userRatings(try api.pathID(context, "id")) }
    v1.post("users/:id/ratings") { request, context in
        let id = try api.pathID(context, "id")
        return try await api.postRating(id, try await JSONBody.decode(PostRatingRequest.self, from: request))
    }
    registerPageRoutes(v1, state: state)  // Explore, Train, Map (PageRoutes.swift)
    return router
}

/// The documented routes (the OpenAPI document's paths and the page's files) as segment patterns,
/// to tell "no such path" (404) from "no such method on this path" (405 with `Allow`).
enum DocumentedRoutes {
    static let all: [(segments: [Substring], allow: String)] = Assets.documentedRoutes().map { route in
        (route.path.split(separator: "/", omittingEmptySubsequences: false), route.methods.map(\.rawValue).sorted().joined(separator: ", "))
    }

    /// The methods documented for `path` (`"GET, POST"`), or `nil` when no documented path matches.
    static func allowedMethods(for path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        let match = all.first { route in
            route.segments.count == parts.count && zip(route.segments, parts).allSatisfy { pattern, part in
                pattern.hasPrefix("{") && pattern.hasSuffix("}") ? !part.isEmpty : pattern == part
            }
        }
        return match?.allow
    }
}

/// The handlers, apart from routing so they read as plain functions.
struct API: Sendable {
    let state: ServerState
    var roster: ModelRoster { state.roster }

    // MARK: parameters

    func pathID(_ context: BasicRequestContext, _ name: String) throws -> String {
        guard let raw = context.parameters.get(name) else { throw APIError.badParameter(name, "missing") }
        // Foundation's percent decoding is a tenth of a request's cost: only when there is a '%'.
        let id = raw.utf8.contains(UInt8(ascii: "%")) ? (raw.removingPercentEncoding ?? raw) : raw
        try Self.checkID(id, name: name)
        return id
    }

    static func checkID(_ id: String, name: String) throws {
        guard !id.isEmpty, id.unicodeScalars.count <= 256, !id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.badParameter(name, "an id is 1 to 256 characters without control characters")
        }
    }

    static func string(_ query: FlatDictionary<Substring, Substring>, _ name: String) -> String? {
        query[Substring(name)].map { String($0).replacingOccurrences(of: "+", with: " ") }
    }

    func int(_ query: FlatDictionary<Substring, Substring>, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = query[Substring(name)] else { return value }
        guard let v = Int(text), range.contains(v) else {
            throw APIError.badParameter(name, "expected an integer in \(range.lowerBound)...\(range.upperBound), got '\(JSONBody.printable(String(text)))'")
        }
        return v
    }

    static func bool(_ query: FlatDictionary<Substring, Substring>, _ name: String, default value: Bool) throws -> Bool {
        guard let text = query[Substring(name)] else { return value }
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw APIError.badParameter(name, "expected true or false, got '\(JSONBody.printable(String(text)))'")
        }
    }

    func checkK(_ k: Int) throws -> Int {
        guard (1...state.configuration.maxK).contains(k) else {
            throw APIError.badParameter("k", "expected an integer in 1...\(state.configuration.maxK), got \(k)")
        }
        return k
    }

    func filter(_ genres: [String], model: ServedModel) throws -> ItemFilter {
        let names = genres.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
        do { return try ItemFilter.genres(named: names, in: model.metadata.catalog) } catch {
            throw APIError(.unprocessableContent, "unknown_genre", "\(error)".replacingOccurrences(of: "invalid input: ", with: ""))
        }
    }

    // MARK: recommendations

    func userRecommendations(_ user: String, query: FlatDictionary<Substring, Substring>) throws -> Response {
        JSONBody.response(try userRecommendationsJSON(user, query: query))
    }

    /// The JSON body of `GET /v1/users/{id}/recommendations` (also written by ``FastRecommendationRoute``).
    func userRecommendationsJSON(_ user: String, query: FlatDictionary<Substring, Substring>) throws -> ByteBuffer {
        let model = try roster.model(Self.string(query, "model"))
        let k = try checkK(try int(query, "k", default: 10, range: Int.min...Int.max))
        let options = RecommendationOptions(count: k, excludeRated: try Self.bool(query, "exclude_rated", default: true),
                                            filter: try filter(query[values: "genre"].map(String.init), model: model))
        let explain = try Self.bool(query, "explain", default: false)
        let exact = try Self.bool(query, "exact", default: false)
        let stored = state.store?.history(of: user) ?? []
        let known = model.metadata.userIndex(of: UserID(user))
        let rows: [ScoredIndex]
        var history: [(item: ItemIndex, rating: Float)] = []
        var foldIn = false
        if stored.isEmpty {
            guard let index = known else { throw APIError.unknownUser(user) }
            guard let scorer = model.scorer else { throw APIError.unsupported("a '\(model.kind)' model cannot score items for a user") }
            if let hnsw = model.index, let ips = model.innerProduct, !exact {
                // The same exclusions and filter, applied inside the graph search (issue 13).
                rows = Recommendations.rankIndices(forUser: index, model: ips, retriever: hnsw, metadata: model.metadata, options: options)
            } else {
                rows = Recommendations.rankIndices(forUser: index, scorer: scorer, metadata: model.metadata, options: options)
            }
            if explain { history = model.metadata.history(of: index) }
        } else {
            guard let scorer = model.historyScorer else {
                throw APIError.unsupported("a '\(model.kind)' model cannot fold in stored ratings; serve a model with fold-in (ials, ease, item-knn, mf, ...)")
            }
            history = known.map { model.metadata.history(of: $0) } ?? []
            var position: [ItemIndex: Int] = [:]
            for (k, h) in history.enumerated() { position[h.item] = k }
            for (itemID, rating) in stored {
                guard let item = model.metadata.itemIDs.index(of: ItemID(itemID)) else { continue }
                if let p = position[item] { history[p].rating = rating } else { position[item] = history.count; history.append((item, rating)) }
            }
            rows = Recommendations.rankIndices(forHistory: history, scorer: scorer, metadata: model.metadata, options: options)
            foldIn = true
        }
        return try RecommendationsResponse.json(model: model.name, modelVersion: model.version, user: user, foldIn: foldIn,
                                                rows: try wire(rows, model: model, history: history, explain: explain))
    }

    func adHocRecommendations(_ body: AdHocRecommendationRequest) throws -> Response {
        let model = try roster.model(body.model)
        let k = try checkK(body.k ?? 10)
        guard body.ratings.count <= state.configuration.maxBatch else {
            throw APIError.badParameter("ratings", "at most \(state.configuration.maxBatch) ratings")
        }
        guard let scorer = model.historyScorer else { throw APIError.unsupported("a '\(model.kind)' model cannot fold in a history") }
        var history: [(item: ItemIndex, rating: Float)] = []
        var position: [ItemIndex: Int] = [:]
        for (n, r) in body.ratings.enumerated() {
            try checkRating(r.rating, model: model, field: "ratings[\(n)].rating")
            guard let item = model.metadata.itemIDs.index(of: ItemID(r.item.value)) else {
                throw APIError(.unprocessableContent, "unknown_item", "ratings[\(n)].item: unknown item '\(JSONBody.printable(r.item.value))'")
            }
            if let p = position[item] { history[p].rating = r.rating } else { position[item] = history.count; history.append((item, r.rating)) }
        }
        let options = RecommendationOptions(count: k, excludeRated: body.excludeRated ?? true, filter: try filter(body.genre ?? [], model: model))
        let rows = Recommendations.rankIndices(forHistory: history, scorer: scorer, metadata: model.metadata, options: options)
        return JSONBody.response(try RecommendationsResponse.json(model: model.name, modelVersion: model.version, user: nil, foldIn: true,
                                                                  rows: try wire(rows, model: model, history: history, explain: body.explain ?? false)))
    }

    func checkRating(_ rating: Float, model: ServedModel, field: String) throws {
        guard rating.isFinite else { throw APIError.badParameter(field, "must be a finite number") }
        if let scale = model.acceptedRatings, !scale.contains(rating) {
            let what = model.metadata.ratingScale != nil ? "the rating scale" : "the range of the model's training ratings"
            throw APIError(.unprocessableContent, "rating_out_of_range", "\(field): \(rating) is outside \(what) \(scale.lowerBound)...\(scale.upperBound)")
        }
        if model.acceptedRatings == nil, abs(rating) > 1e6 { throw APIError.badParameter(field, "must be within ±1e6") }
    }

    /// The rows with their reasons when `explain` (the model must be able to explain).
    func wire(_ rows: [ScoredIndex], model: ServedModel, history: [(item: ItemIndex, rating: Float)], explain: Bool) throws -> IndexedRows {
        guard explain else { return IndexedRows(rows: rows, because: nil, metadata: model.metadata) }
        guard let explainer = model.explainer else {
            throw APIError.unsupported("a '\(model.kind)' model cannot explain its recommendations; use item-knn, ease or ials")
        }
        let because = rows.map { row in
            Explanations.becauseYouLiked(row.index, history: history, model: explainer, metadata: model.metadata)
                .map { WireItem.Reason(item: $0.id.rawValue, title: $0.title, contribution: $0.contribution) }
        }
        return IndexedRows(rows: rows, because: because, metadata: model.metadata)
    }

    // MARK: items

    func similar(_ itemID: String, query: FlatDictionary<Substring, Substring>) throws -> Response {
        let model = try roster.model(Self.string(query, "model"))
        let k = try checkK(try int(query, "k", default: 10, range: Int.min...Int.max))
        let measureText = Self.string(query, "measure") ?? "cosine"
        guard let measure = SimilarityMeasure(rawValue: measureText) else {
            throw APIError.badParameter("measure", "expected dot or cosine, got '\(JSONBody.printable(measureText))'")
        }
        guard let item = model.metadata.itemIDs.index(of: ItemID(itemID)) else { throw APIError.unknownItem(itemID) }
        guard let embeddings = model.embeddings else { throw APIError.unsupported("a '\(model.kind)' model has no item embeddings") }
        let options = RecommendationOptions(count: k, filter: try filter(query[values: "genre"].map(String.init), model: model))
        let rows = Recommendations.similarItems(to: item, model: embeddings, metadata: model.metadata, measure: measure, options: options)
        return JSONBody.response(try SimilarResponse(model: model.name, modelVersion: model.version, item: itemID,
                                                     title: model.metadata.catalog.displayTitle(item), measure: measure.rawValue,
                                                     similar: rows.map { WireItem($0) }).json())
    }

    func items(query: FlatDictionary<Substring, Substring>) throws -> Response {
        let model = try roster.model(Self.string(query, "model"))
        let limit = try int(query, "limit", default: 20, range: 1...1000)
        let text = (Self.string(query, "query") ?? "").trimmingCharacters(in: .whitespaces)
        guard text.count <= 200 else { throw APIError.badParameter("query", "at most 200 characters") }
        let meta = model.metadata
        let matches: [ItemIndex]
        if text.isEmpty {
            matches = (0..<meta.itemIDs.count).map { ItemIndex($0) }
        } else {
            var found = meta.catalog.items(titleContaining: text)
            if let exact = meta.itemIDs.index(of: ItemID(text)) { found.removeAll { $0 == exact }; found.insert(exact, at: 0) }
            matches = found
        }
        let entries = matches.prefix(limit).map { i in
            ItemsResponse.Entry(item: meta.itemIDs.id(at: i).rawValue, title: meta.catalog.displayTitle(i), year: meta.catalog.years[Int(i)],
                                genres: meta.catalog.genreNames(of: i), ratings: Int(model.itemRatings[Int(i)]))
        }
        return try JSONBody.response(ItemsResponse(model: model.name, query: text, total: matches.count, items: Array(entries)))
    }

    func predict(_ body: PredictRequest) throws -> Response {
        let model = try roster.model(body.model)
        guard let predictor = model.predictor else { throw APIError.unsupported("a '\(model.kind)' model does not predict ratings; serve a rating model (svd, bayesian-fm, ...)") }
        guard !body.pairs.isEmpty, body.pairs.count <= state.configuration.maxBatch else {
            throw APIError.badParameter("pairs", "give 1 to \(state.configuration.maxBatch) pairs")
        }
        var out: [PredictResponse.Entry] = []
        out.reserveCapacity(body.pairs.count)
        for (n, p) in body.pairs.enumerated() {
            guard let u = model.metadata.userIndex(of: UserID(p.user.value)) else {
                throw APIError(.unprocessableContent, "unknown_user", "pairs[\(n)].user: unknown user '\(JSONBody.printable(p.user.value))'")
            }
            guard let i = model.metadata.itemIDs.index(of: ItemID(p.item.value)) else {
                throw APIError(.unprocessableContent, "unknown_item", "pairs[\(n)].item: unknown item '\(JSONBody.printable(p.item.value))'")
            }
            var r = predictor.predict(user: u, item: i)
            if let s = model.metadata.ratingScale { r = min(max(r, s.lowerBound), s.upperBound) }
            out.append(.init(user: p.user.value, item: p.item.value, rating: r))
        }
        return try JSONBody.response(PredictResponse(model: model.name, modelVersion: model.version, predictions: out))
    }

    // MARK: ratings

    func requireStore() throws -> RatingsStore {
        guard let store = state.store else {
            throw APIError(.notFound, "no_store", "this server has no ratings store; start it with --store FILE")
        }
        return store
    }

    func userRatings(_ user: String) throws -> Response {
        let store = try requireStore()
        let model = roster.slots[0].current
        let index = model.metadata.userIndex(of: UserID(user))
        let stored = try store.storedRatings(of: user)
        guard index != nil || !stored.isEmpty else { throw APIError.unknownUser(user) }
        return try JSONBody.response(UserRatingsResponse(user: user, knownToModel: index != nil,
                                                         trainingRatings: index.map { model.metadata.seenCount(ofUser: $0) } ?? 0,
                                                         ratings: stored.map(WireStoredRating.init)))
    }

    func postRating(_ user: String, _ body: PostRatingRequest) async throws -> Response {
        let store = try requireStore()
        let item = body.item.value
        try Self.checkID(item, name: "item")
        guard roster.knowsItem(ItemID(item)) else { throw APIError.unknownItem(item, status: .unprocessableContent) }
        try checkRating(body.rating, model: roster.slots[0].current, field: "rating")
        let source = body.source ?? "api"
        guard !source.isEmpty, source.count <= 64 else { throw APIError.badParameter("source", "1 to 64 characters") }
        let timestamp = body.timestamp ?? Int64(Date().timeIntervalSince1970)
        guard (0...4_102_444_800).contains(timestamp) else { throw APIError.badParameter("timestamp", "seconds since 1970, before 2100") }
        let rating = StoredRating(user: user, item: item, rating: body.rating, timestamp: timestamp, source: source)
        do {
            try await store.add(rating)
        } catch {
            throw APIError(.serviceUnavailable, "store_unavailable", "the rating was not stored: \(error)")
        }
        state.metrics.ratingStored()
        state.retrainer?.noteRatingStored()
        return try JSONBody.response(WireStoredRating(rating), status: .created)
    }

    // MARK: operations

    func reload(_ name: String) async throws -> Response {
        let slot = try roster.slot(name)
        do {
            _ = try await ServerExecutor.onOwnThread { try slot.reload() }
        } catch {
            throw APIError(.unprocessableContent, "reload_failed", "the model was not reloaded (the old one is still served): \(error)")
        }
        return try JSONBody.response(ModelInfo(slot))
    }

    func retrain(_ name: String) async throws -> Response {
        let slot = try roster.slot(name)
        guard let retrainer = state.retrainer, retrainer.slot === slot else {
            throw APIError(.conflict, "no_retraining", "model '\(JSONBody.printable(name))' is not retrained by this server; start it with --retrain-every and --algorithm")
        }
        guard retrainer.trigger() else { throw APIError(.conflict, "retraining_running", "a retraining is already running") }
        return try JSONBody.response(["status": "started"], status: .accepted)
    }

    func ready() throws -> Response {
        struct Ready: Encodable { var status: String; var models: [String: Int]; var store: Bool }
        // Every served model, those trained from the page included (names are unique).
        let slots = roster.allSlots
        return try JSONBody.response(Ready(status: "ready", models: Dictionary(slots.map { ($0.name, $0.current.version) }, uniquingKeysWith: { a, _ in a }),
                                           store: state.store != nil))
    }

    func metricsText() -> Response {
        let slots = roster.allSlots
        let text = state.metrics.render(models: slots.map(\.current),
                                        failures: Dictionary(slots.map { ($0.name, $0.snapshot.lastFailure?.message) }, uniquingKeysWith: { a, _ in a }))
        return JSONBody.raw(Array(text.utf8), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }
}

/// The page and the OpenAPI document, read from the target's resource folder.
enum Assets {
    /// The folder holding the resources: `$RECOMMENDER_SERVER_RESOURCES`, the SwiftPM resource
    /// bundle next to the executable, or the source tree.
    static let folder: URL? = {
        let fm = FileManager.default
        var candidates: [URL] = []
        if let env = ProcessInfo.processInfo.environment["RECOMMENDER_SERVER_RESOURCES"] { candidates.append(URL(fileURLWithPath: env)) }
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        for base in [exe, exe.deletingLastPathComponent(), exe.deletingLastPathComponent().deletingLastPathComponent(),
                     exe.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()] {
            candidates.append(base.appendingPathComponent("Recommender_RecommenderServer.resources/Resources"))
            candidates.append(base.appendingPathComponent("Recommender_RecommenderServer.bundle/Contents/Resources/Resources"))
        }
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources"))
        return candidates.first { fm.fileExists(atPath: $0.appendingPathComponent("openapi.json").path) }
    }()

    static let cache: [String: [UInt8]] = {
        guard let folder else { return [:] }
        var out: [String: [UInt8]] = [:]
        for name in ["openapi.json", "index.html", "app.js", "app.css"] {
            if let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) { out[name] = Array(data) }
        }
        return out
    }()

    /// The paths of the OpenAPI document (`/v1/users/{id}/ratings`) with their methods, plus the page's files.
    static func documentedRoutes() -> [(path: String, methods: Set<HTTPRequest.Method>)] {
        var out: [(String, Set<HTTPRequest.Method>)] = ["/", "/app.js", "/app.css"].map { ($0, [.get]) }
        guard let bytes = cache["openapi.json"],
              let doc = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let paths = doc["paths"] as? [String: Any] else { return out }
        for (path, value) in paths.sorted(by: { $0.key < $1.key }) {
            guard let operations = value as? [String: Any] else { continue }
            let methods = Set(operations.keys.compactMap { HTTPRequest.Method($0.uppercased()) })
            if !methods.isEmpty { out.append((path, methods)) }
        }
        return out
    }

    static func response(named name: String, contentType: String) throws -> Response {
        guard let bytes = cache[name] else {
            throw APIError(.notFound, "not_found", "\(name) is not installed with this server (resource folder not found)")
        }
        return JSONBody.raw(bytes, contentType: contentType)
    }
}
