import Foundation
import Recommender

/// A raw id in a request body: a JSON string, or an integer taken as its decimal text.
struct WireID: Decodable, Sendable {
    var value: String
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { value = s; return }
        if let i = try? c.decode(Int64.self) { value = String(i); return }
        throw DecodingError.typeMismatch(String.self, .init(codingPath: decoder.codingPath, debugDescription: "expected an id (string or integer)"))
    }
}

/// A rating in a request body: any JSON number, read as a double and rounded to `Float` (so a value
/// such as 1e-300, valid JSON, is 0 rather than a decoding error); range checks come after.
struct WireNumber: Decodable, Sendable {
    var value: Float
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let d = try c.decode(Double.self)
        guard d.isFinite, abs(d) <= 3.0e38 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected a finite number within ±3e38"))
        }
        value = Float(d)
    }
}

/// `{"item": "50", "rating": 4}`.
struct WireRating: Decodable, Sendable {
    var item: WireID
    var rating: Float
    enum CodingKeys: String, CodingKey { case item, rating }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        item = try c.decode(WireID.self, forKey: .item)
        rating = try c.decode(WireNumber.self, forKey: .rating).value
    }
}

/// The body of `POST /v1/recommendations`.
struct AdHocRecommendationRequest: Decodable, Sendable {
    var ratings: [WireRating]
    var k: Int?
    var model: String?
    var excludeRated: Bool?
    var genre: [String]?
    var explain: Bool?
    enum CodingKeys: String, CodingKey { case ratings, k, model, excludeRated = "exclude_rated", genre, explain }
}

/// The body of `POST /v1/users/{id}/ratings`.
struct PostRatingRequest: Decodable, Sendable {
    var item: WireID
    var rating: Float
    var timestamp: Int64?
    var source: String?
    enum CodingKeys: String, CodingKey { case item, rating, timestamp, source }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        item = try c.decode(WireID.self, forKey: .item)
        rating = try c.decode(WireNumber.self, forKey: .rating).value
        timestamp = try c.decodeIfPresent(Int64.self, forKey: .timestamp)
        source = try c.decodeIfPresent(String.self, forKey: .source)
    }
}

/// The body of `POST /v1/predict`.
struct PredictRequest: Decodable, Sendable {
    struct Pair: Decodable, Sendable { var user: WireID; var item: WireID }
    var pairs: [Pair]
    var model: String?
}

/// One result row.
struct WireItem: Encodable, Sendable {
    struct Reason: Encodable, Sendable { var item: String; var title: String; var contribution: Float }
    var item: String
    var title: String
    var genres: [String]
    var score: Float
    var because: [Reason]?
}

extension WireItem {
    /// A described result row on the wire.
    init(_ row: RecommendedItem, because: [Reason]? = nil) {
        self.init(item: row.id.rawValue, title: row.title, genres: row.genres, score: row.score, because: because)
    }
}

/// Result rows as the recommendation routes hold them: item indices and scores from the one
/// ranking path (``Recommendations/rankIndices(scores:metadata:user:options:)``), the reasons when
/// explained, and the metadata their ids, titles and genres are written from.
struct IndexedRows {
    var rows: [ScoredIndex]
    /// One list of reasons per row, when explained.
    var because: [[WireItem.Reason]]?
    let metadata: ModelMetadata

    /// The same rows as ``WireItem``s (what ``Recommendations/describe(_:score:metadata:)`` tells of each).
    var items: [WireItem] {
        rows.enumerated().map { n, row in
            WireItem(Recommendations.describe(row.index, score: row.score, metadata: metadata), because: because?[n])
        }
    }
}

/// `{"model": ..., "model_version": ..., "recommendations": [...]}`.
struct RecommendationsResponse: Encodable, Sendable {
    var model: String
    var modelVersion: Int
    var user: String?
    var foldIn: Bool
    var recommendations: [WireItem]
    enum CodingKeys: String, CodingKey { case model, modelVersion = "model_version", user, foldIn = "fold_in", recommendations }
}

/// `GET /v1/items/{id}/similar`.
struct SimilarResponse: Encodable, Sendable {
    var model: String
    var modelVersion: Int
    var item: String
    var title: String
    var measure: String
    var similar: [WireItem]
    enum CodingKeys: String, CodingKey { case model, modelVersion = "model_version", item, title, measure, similar }
}

/// `GET /v1/items`.
struct ItemsResponse: Encodable, Sendable {
    struct Entry: Encodable, Sendable { var item: String; var title: String; var year: Int?; var genres: [String]; var ratings: Int }
    var model: String
    var query: String
    var total: Int
    var items: [Entry]
}

/// `POST /v1/predict`.
struct PredictResponse: Encodable, Sendable {
    struct Entry: Encodable, Sendable { var user: String; var item: String; var rating: Float }
    var model: String
    var modelVersion: Int
    var predictions: [Entry]
    enum CodingKeys: String, CodingKey { case model, modelVersion = "model_version", predictions }
}

/// A stored rating on the wire.
struct WireStoredRating: Encodable, Sendable {
    var user: String
    var item: String
    var rating: Float
    var timestamp: Int64
    var source: String
    init(_ r: StoredRating) { user = r.user; item = r.item; rating = r.rating; timestamp = r.timestamp; source = r.source }
}

/// `GET /v1/users/{id}/ratings`.
struct UserRatingsResponse: Encodable, Sendable {
    var user: String
    var knownToModel: Bool
    var trainingRatings: Int
    var ratings: [WireStoredRating]
    enum CodingKeys: String, CodingKey { case user, knownToModel = "known_to_model", trainingRatings = "training_ratings", ratings }
}

/// A model in `GET /v1/models`.
struct ModelInfo: Encodable, Sendable {
    struct DataSummary: Encodable, Sendable {
        var dataset: String?
        var users: Int
        var items: Int
        var interactions: Int?
        var validationInteractions: Int?
        enum CodingKeys: String, CodingKey { case dataset, users, items, interactions, validationInteractions = "validation_interactions" }
    }
    struct Failure: Encodable, Sendable { var message: String; var at: String }
    var name: String
    var kind: String
    var algorithm: String?
    var version: Int
    var path: String
    var loadedAt: String
    var trainedAt: String?
    var trainingSeconds: Double?
    var seed: UInt64?
    var capabilities: [String]
    var hyperparameters: [String: HyperparameterValue]
    var data: DataSummary
    var metrics: [String: Double]
    var genres: [String]
    var ratingScale: [Float]?
    var retraining: Bool
    var lastRetrainedAt: String?
    var lastFailure: Failure?
    var retrieval: String
    var history: String
    enum CodingKeys: String, CodingKey {
        case name, kind, algorithm, version, path, loadedAt = "loaded_at", trainedAt = "trained_at", trainingSeconds = "training_seconds", seed
        case capabilities, hyperparameters, data, metrics, genres, ratingScale = "rating_scale", retraining, retrieval, history
        case lastRetrainedAt = "last_retrained_at", lastFailure = "last_failure"
    }

    init(_ slot: ModelSlot) {
        let state = slot.snapshot
        let m = state.current
        let iso = ISO8601DateFormatter()
        name = m.name
        kind = m.kind
        algorithm = m.record?.algorithm
        version = m.version
        path = m.url.path
        loadedAt = iso.string(from: m.loadedAt)
        trainedAt = m.record?.trainedAt
        trainingSeconds = m.record?.seconds
        seed = m.record?.seed
        capabilities = m.capabilities
        hyperparameters = m.record?.hyperparameters ?? [:]
        data = DataSummary(dataset: m.record?.dataset, users: m.metadata.userIDs.count, items: m.metadata.itemIDs.count,
                           interactions: m.record?.interactions ?? m.metadata.seenEntryCount,
                           validationInteractions: m.record?.validationInteractions)
        metrics = m.record?.finalMetrics ?? [:]
        genres = m.metadata.catalog.genreNames
        ratingScale = m.metadata.ratingScale.map { [$0.lowerBound, $0.upperBound] }
        retraining = state.retraining
        lastRetrainedAt = state.lastRetrainedAt.map { iso.string(from: $0) }
        lastFailure = state.lastFailure.map { Failure(message: $0.message, at: iso.string(from: $0.at)) }
        retrieval = m.retrieval
        history = m.history
    }
}

/// `GET /v1/models`.
struct ModelsResponse: Encodable, Sendable {
    var models: [ModelInfo]
    var `default`: String
}
