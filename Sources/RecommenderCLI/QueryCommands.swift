import ArgumentParser
import Foundation
import Recommender

extension SimilarityMeasure: ExpressibleByArgument {}

/// Formats query results as an aligned table: score, title, genres.
enum ResultTable {
    static func render(_ rows: [RecommendedItem], scoreHeader: String = "score") -> String {
        let scores = rows.map { String(format: "%.3f", $0.score) }
        let scoreWidth = max(scoreHeader.count, scores.map(\.count).max() ?? 0)
        let titleWidth = max(5, rows.map(\.title.count).max() ?? 0)
        func pad(_ s: String, _ n: Int, left: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, n - s.count))
            return left ? fill + s : s + fill
        }
        var lines = [pad(scoreHeader, scoreWidth, left: true) + "  " + pad("title", titleWidth) + "  genres"]
        for (row, score) in zip(rows, scores) {
            lines.append(pad(score, scoreWidth, left: true) + "  " + pad(row.title, titleWidth) + "  " + row.genres.joined(separator: "|"))
        }
        return lines.joined(separator: "\n")
    }

    /// The notebook's note when a title substring matched several items.
    static func matchNote(_ lookup: ItemLookup, metadata: ModelMetadata) -> String? {
        guard lookup.matches.count > 1 else { return nil }
        let others = lookup.matches.dropFirst().map { metadata.catalog.displayTitle($0) }
        return "[Found more than one matching movie. Other candidates: \(others.joined(separator: ", "))]"
    }
}

/// `recommender similar TITLE --model DIR`: the notebook's `movie_neighbors`.
struct SimilarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "similar",
        abstract: "Nearest items to a title (substring) or item id in a trained model's embedding space.")

    @Argument(help: "A title substring (e.g. \"Aladdin\") or an item id; the first match is used.")
    var title: String
    @Option(help: "The model file, or the folder `train` wrote it into.")
    var model: String
    @Option(help: "Similarity: dot or cosine.")
    var measure: SimilarityMeasure = .dot
    @Option(name: .customShort("k"), help: "How many neighbours (the item itself included, as in the notebook).")
    var count: Int = 6
    @Option(help: "Only items of this genre (repeatable).")
    var genre: [String] = []
    @Flag(help: "Scan every item even when the model folder has an HNSW index (model.hnsw).")
    var exact = false
    @Option(help: "HNSW query candidate-list size (recall vs speed) when an index is used.")
    var ef: Int?

    func validate() throws {
        guard count > 0 else { throw ValidationError("-k must be positive") }
    }

    func run() async throws {
        let loaded = try AlgorithmCatalog.standard.loadModel(path: model)
        guard let embeddings = loaded as? any ItemEmbeddingModel else {
            throw DataError.invalidInput("a '\(type(of: loaded).kind)' model has no item embeddings; `similar` needs an embedding model")
        }
        let metadata = loaded.metadata
        let lookup = metadata.lookUpItem(title)
        guard let item = lookup.chosen else { throw DataError.invalidInput("no movie title or id matches '\(title)'") }
        print("Nearest neighbors of : \(metadata.catalog.displayTitle(item)).")
        if let note = ResultTable.matchNote(lookup, metadata: metadata) { print(note) }
        let options = RecommendationOptions(count: count, filter: try ItemFilter.genres(named: genre, in: metadata.catalog))
        let rows: [RecommendedItem]
        if let index = try QueryIndex.load(modelPath: model, vectors: embeddings.itemEmbeddings, metric: RetrievalMetric(measure), exact: exact) {
            if let ef { index.defaultEf = ef }
            rows = Recommendations.similarItems(to: item, model: embeddings, retriever: index, metadata: metadata, options: options)
        } else {
            rows = Recommendations.similarItems(to: item, model: embeddings, metadata: metadata, measure: measure, options: options)
        }
        print(ResultTable.render(rows, scoreHeader: "\(measure.rawValue) score"))
    }
}

/// `recommender recommend --model DIR (--user ID | --ratings FILE)`: top-k items for a user of any model.
struct RecommendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend",
        abstract: "Top-k recommendations for a known user, or for a new user's ratings (fold-in, no retraining).")

    @Option(help: "The model file, or the folder `train` wrote it into.")
    var model: String
    @Option(help: "The id of a user the model was trained on.")
    var user: String?
    @Option(help: "A CSV of a new user's ratings: 'title or id, rating' lines.")
    var ratings: String?
    @Option(name: .customShort("k"), help: "How many items.")
    var count: Int = 10
    @Flag(inversion: .prefixedNo, help: "Leave out the items the user already rated (the default; --no-exclude-rated keeps them).")
    var excludeRated = true
    @Option(help: "Only items of this genre (repeatable).")
    var genre: [String] = []
    @Flag(help: "Explain each recommendation: the rated items that contributed most (item-knn, ease, ials).")
    var explain = false
    @Flag(help: "Scan every item even when the model folder has an HNSW index (model.hnsw).")
    var exact = false
    @Option(help: "HNSW query candidate-list size (recall vs speed) when an index is used.")
    var ef: Int?

    func validate() throws {
        guard (user == nil) != (ratings == nil) else { throw ValidationError("give exactly one of --user and --ratings") }
        guard count > 0 else { throw ValidationError("-k must be positive") }
    }

    func run() async throws {
        let loaded = try AlgorithmCatalog.standard.loadModel(path: model)
        let metadata = loaded.metadata
        let kind = type(of: loaded).kind
        var options = RecommendationOptions(count: count, excludeRated: excludeRated,
                                            filter: try ItemFilter.genres(named: genre, in: metadata.catalog))
        let rows: [RecommendedItem]
        var history: [(item: ItemIndex, rating: Float)] = []
        if let user {
            guard let index = metadata.userIndex(of: UserID(user)) else {
                throw DataError.invalidInput("unknown user '\(user)' (the model knows \(metadata.userIDs.count) users)")
            }
            guard let scorer = loaded as? any ItemScorer else {
                throw DataError.invalidInput("a '\(kind)' model cannot score items for a user")
            }
            let rated = metadata.seen.count(ofRow: Int(index))
            print("Top \(count) for user \(user) (\(rated) rated in training\(excludeRated ? ", excluded" : "")), model '\(kind)':")
            if let factors = loaded as? any InnerProductScorer,
               let hnsw = try QueryIndex.load(modelPath: model, vectors: factors.itemEmbeddings, metric: .dot, exact: exact) {
                if let ef { hnsw.defaultEf = ef }
                rows = Recommendations.forUser(index, model: factors, retriever: hnsw, metadata: metadata, options: options)
            } else {
                rows = Recommendations.forUser(index, scorer: scorer, metadata: metadata, options: options)
            }
            history = metadata.history(of: index)
        } else if let ratings {
            guard let scorer = loaded as? any HistoryScorer else {
                throw DataError.invalidInput("a '\(kind)' model cannot fold in a new user's ratings")
            }
            let file = try UserRatingsFile(contentsOf: URL(fileURLWithPath: ratings), catalog: metadata)
            for entry in file.entries {
                print("rated \(entry.rating): \(metadata.catalog.displayTitle(entry.lookup.chosen!))")
                if let note = ResultTable.matchNote(entry.lookup, metadata: metadata) { print("  " + note) }
            }
            options.excludeRated = excludeRated
            print("Top \(count) for these ratings (fold-in\(excludeRated ? ", rated excluded" : "")), model '\(kind)':")
            rows = Recommendations.forHistory(file.history, scorer: scorer, metadata: metadata, options: options)
            history = file.history
        } else {
            rows = []
        }
        print(ResultTable.render(rows))
        if explain { for line in try ExplainOutput.lines(for: rows, model: loaded, history: history) { print(line) } }
    }
}
