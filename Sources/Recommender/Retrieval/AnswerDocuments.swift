import Foundation

// The machine-readable answers of the query commands (`recommend`, `similar`, `predict`):
// Codable documents with a JSON Schema each under docs/schemas/, and the CSV form of the same
// rows. Scores are written at full precision (the shortest decimal that reads back as the same
// `Float`); ids are the raw ids of the data files.

/// How the documents are written: JSON with sorted keys, and RFC 4180 CSV.
public enum AnswerEncoding {
    /// `value` as pretty-printed JSON with sorted keys (the form every document uses).
    /// - Throws: `EncodingError` for a non-finite number.
    public static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// One CSV field: quoted (with doubled quotes) only when it holds a comma, a quote or a line break.
    public static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One CSV line (without the line break).
    public static func csvLine(_ fields: [String]) -> String { fields.map(csvField).joined(separator: ",") }

    /// A score at full precision: the shortest decimal that reads back as the same `Float`
    /// (`4.2345676`, `5.0`, `nan`, `inf`).
    public static func score(_ x: Float) -> String { x.description }
}

/// One recommended or similar item in a document.
public struct AnswerItem: Sendable, Codable, Equatable {
    /// 1 for the best item.
    public var rank: Int
    /// The item's raw id.
    public var item: String
    /// The score (higher first): a predicted rating, a similarity, ...
    public var score: Float
    /// The display title (the id when the data set has no titles).
    public var title: String
    /// Category names (genres), possibly empty.
    public var genres: [String]

    /// The row at `rank` for a result of ``Recommendations``.
    public init(rank: Int, _ row: RecommendedItem) {
        self.rank = rank
        item = row.id.rawValue
        score = row.score
        title = row.title
        genres = row.genres
    }

    /// A row from its parts.
    public init(rank: Int, item: String, score: Float, title: String, genres: [String]) {
        self.rank = rank
        self.item = item
        self.score = score
        self.title = title
        self.genres = genres
    }
}

/// The answer of `recommender recommend --format json`: one top-k list per user asked for
/// (one user, every user with `--all-users`, or a new user's ratings); its schema is
/// docs/schemas/recommendations.schema.json. The CSV form is `user,rank,item,score`.
public struct RecommendationsDocument: Sendable, Codable, Equatable {
    /// The list of one user.
    public struct List: Sendable, Codable, Equatable {
        /// The user's raw id; `nil` for a new user known by their ratings (fold-in).
        public var user: String?
        /// The items, best first.
        public var items: [AnswerItem]

        /// Creates a list.
        public init(user: String?, items: [AnswerItem]) {
            self.user = user
            self.items = items
        }
    }

    /// The tool and its version.
    public var tool: String
    /// The model kind (`svd`, `ials`, ...).
    public var model: String
    /// `user` (one known user), `all-users` or `ratings` (a new user's ratings, fold-in).
    public var source: String
    /// The list length asked for.
    public var k: Int
    /// Whether the items the user rated were left out.
    public var excludeRated: Bool
    /// The category filter (empty: every item).
    public var genres: [String]
    /// One list per user, in the order asked (model order for `all-users`).
    public var lists: [List]

    enum CodingKeys: String, CodingKey {
        case tool, model, source, k, genres, lists
        case excludeRated = "exclude_rated"
    }

    /// Creates a document.
    public init(model: String, source: String, k: Int, excludeRated: Bool, genres: [String], lists: [List]) {
        tool = EvaluationDocument.toolVersion
        self.model = model
        self.source = source
        self.k = k
        self.excludeRated = excludeRated
        self.genres = genres
        self.lists = lists
    }

    /// The CSV header of recommendations.
    public static let csvHeader = "user,rank,item,score"

    /// The CSV rows (`user,rank,item,score`, no header); the user field is empty for a new user.
    public func csvLines() -> [String] {
        lists.flatMap { list in
            list.items.map { AnswerEncoding.csvLine([list.user ?? "", String($0.rank), $0.item, AnswerEncoding.score($0.score)]) }
        }
    }
}

/// The answer of `recommender similar --format json`: the items nearest to one item in a
/// model's embedding space; its schema is docs/schemas/similar.schema.json. The CSV form is
/// `query,rank,item,score`.
public struct SimilarItemsDocument: Sendable, Codable, Equatable {
    /// An item named in the query.
    public struct Query: Sendable, Codable, Equatable {
        /// The raw id.
        public var item: String
        /// The display title.
        public var title: String
        /// Creates a query item.
        public init(item: String, title: String) {
            self.item = item
            self.title = title
        }
    }

    /// The tool and its version.
    public var tool: String
    /// The model kind.
    public var model: String
    /// `dot` or `cosine`.
    public var measure: String
    /// The number of neighbours asked for (the item itself included).
    public var k: Int
    /// The category filter (empty: every item).
    public var genres: [String]
    /// What was searched for, as typed.
    public var text: String
    /// The item used (the first match).
    public var query: Query
    /// Further items that matched the text (not used).
    public var otherMatches: [Query]
    /// The neighbours, most similar first.
    public var items: [AnswerItem]

    enum CodingKeys: String, CodingKey {
        case tool, model, measure, k, genres, text, query, items
        case otherMatches = "other_matches"
    }

    /// Creates a document.
    public init(model: String, measure: String, k: Int, genres: [String], text: String, query: Query, otherMatches: [Query],
                items: [AnswerItem]) {
        tool = EvaluationDocument.toolVersion
        self.model = model
        self.measure = measure
        self.k = k
        self.genres = genres
        self.text = text
        self.query = query
        self.otherMatches = otherMatches
        self.items = items
    }

    /// The CSV header of similar items.
    public static let csvHeader = "query,rank,item,score"

    /// The CSV rows (`query,rank,item,score`, no header).
    public func csvLines() -> [String] {
        items.map { AnswerEncoding.csvLine([query.item, String($0.rank), $0.item, AnswerEncoding.score($0.score)]) }
    }
}
