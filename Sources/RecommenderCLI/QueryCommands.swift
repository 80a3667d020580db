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
    // `.unconditional`: `-k -1` is read as the value -1 (then refused with the reason), not as a flag.
    @Option(name: .customShort("k"), parsing: .unconditional, help: "How many neighbours (the item itself included, as in the notebook).")
    var count: Int = 6
    @Option(help: "Only items of this genre (repeatable).")
    var genre: [String] = []
    @Option(help: "table (for people), json (docs/schemas/similar.schema.json) or csv (query,rank,item,score).")
    var format: OutputFormat = .table
    @Option(help: "Write the answer to this file instead of standard output.")
    var output: String?
    @Flag(help: "Scan every item even when the model folder has an HNSW index (model.hnsw).")
    var exact = false
    @Option(help: "HNSW query candidate-list size (recall vs speed) when an index is used.")
    var ef: Int?

    func validate() throws {
        guard count > 0 else { throw ValidationError("-k must be positive, got \(count)") }
        try OptionBounds.check(ef, "--ef", OptionBounds.ef)
    }

    func run() async throws {
        let loaded = try AlgorithmCatalog.standard.loadModel(path: model)
        // More neighbours than items is all of them.
        let count = min(self.count, loaded.metadata.itemIDs.count)
        guard let embeddings = loaded as? any ItemEmbeddingModel else {
            throw DataError.invalidInput("a '\(type(of: loaded).kind)' model has no item embeddings; `similar` needs an embedding model")
        }
        let metadata = loaded.metadata
        let lookup = metadata.lookUpItem(title)
        guard let item = lookup.chosen else { throw DataError.invalidInput("no item title or id matches '\(title)'") }
        let options = RecommendationOptions(count: count, filter: try ItemFilter.genres(named: genre, in: metadata.catalog))
        let rows: [RecommendedItem]
        if let index = try QueryIndex.load(modelPath: model, vectors: embeddings.itemEmbeddings, metric: RetrievalMetric(measure), exact: exact) {
            if let ef { index.defaultEf = ef }
            rows = Recommendations.similarItems(to: item, model: embeddings, retriever: index, metadata: metadata, options: options)
        } else {
            rows = Recommendations.similarItems(to: item, model: embeddings, metadata: metadata, measure: measure, options: options)
        }
        // The table is for people: its heading and notes go with it; json and csv carry notes on stderr.
        let note = noteWriter(onStandardOutput: format == .table && output == nil)
        note("Nearest neighbors of : \(metadata.catalog.displayTitle(item)).")
        if let match = ResultTable.matchNote(lookup, metadata: metadata) { note(match) }
        let describe = { (i: ItemIndex) in SimilarItemsDocument.Query(item: metadata.itemIDs.id(at: i).rawValue, title: metadata.catalog.displayTitle(i)) }
        let document = SimilarItemsDocument(model: type(of: loaded).kind, measure: measure.rawValue, k: count, genres: genre, text: title,
                                            query: describe(item), otherMatches: lookup.matches.dropFirst().map(describe),
                                            items: rows.enumerated().map { AnswerItem(rank: $0.offset + 1, $0.element) })
        try AnswerOutput.write(to: output) { out in
            switch format {
            case .table: try out.line(ResultTable.render(rows, scoreHeader: "\(measure.rawValue) score"))
            case .json: try out.line(try AnswerEncoding.json(document))
            case .csv:
                try out.line(SimilarItemsDocument.csvHeader)
                for line in document.csvLines() { try out.line(line) }
            }
        }
        if let output { printError("wrote \(output)") }
    }
}

/// `recommender recommend --model DIR (--user ID | --ratings FILE | --all-users)`: top-k items for a user of any model.
struct RecommendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend",
        abstract: "Top-k recommendations for a known user, every known user, or a new user's ratings (fold-in, no retraining).",
        discussion: "--all-users ranks every user the model was trained on, in parallel, through the same ranking and filters as one user; "
            + "with --format csv the answer is a header 'user,rank,item,score' then one row per user and rank (raw ids).")

    @Option(help: "The model file, or the folder `train` wrote it into.")
    var model: String
    @Option(parsing: .unconditional, help: "The id of a user the model was trained on.")
    var user: String?
    @Option(help: "A CSV of a new user's ratings: 'title or id, rating' lines.")
    var ratings: String?
    @Flag(help: "Top-k for every user the model was trained on (batch, in parallel).")
    var allUsers = false
    @Option(name: .customShort("k"), parsing: .unconditional, help: "How many items.")
    var count: Int = 10
    @Flag(inversion: .prefixedNo, help: "Leave out the items the user already rated (the default; --no-exclude-rated keeps them).")
    var excludeRated = true
    @Option(help: "Only items of this genre (repeatable).")
    var genre: [String] = []
    @Flag(help: "Explain each recommendation: the rated items that contributed most (item-knn, ease, ials).")
    var explain = false
    @Option(help: "table (for people), json (docs/schemas/recommendations.schema.json) or csv (user,rank,item,score).")
    var format: OutputFormat = .table
    @Option(help: "Write the answer to this file instead of standard output.")
    var output: String?
    @Option(parsing: .unconditional, help: "Most threads for --all-users (default: all cores; the lists are the same for any count).")
    var threads: String?
    @Flag(help: "Scan every item even when the model folder has an HNSW index (model.hnsw).")
    var exact = false
    @Option(help: "HNSW query candidate-list size (recall vs speed) when an index is used.")
    var ef: Int?

    func validate() throws {
        guard [user != nil, ratings != nil, allUsers].filter({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --user, --ratings and --all-users")
        }
        guard count > 0 else { throw ValidationError("-k must be positive, got \(count)") }
        if explain && format != .table { throw ValidationError("--explain writes sentences for people; use it with --format table") }
        if explain && allUsers { throw ValidationError("--explain explains one user's list; it does not apply to --all-users") }
        if threads != nil && !allUsers { throw ValidationError("--threads applies to --all-users only") }
        try OptionBounds.check(ef, "--ef", OptionBounds.ef)
    }

    func run() async throws {
        let loaded = try AlgorithmCatalog.standard.loadModel(path: model)
        let metadata = loaded.metadata
        // More items than the catalog holds is the whole catalog.
        let count = min(self.count, metadata.itemIDs.count)
        let kind = type(of: loaded).kind
        var options = RecommendationOptions(count: count, excludeRated: excludeRated,
                                            filter: try ItemFilter.genres(named: genre, in: metadata.catalog))
        // The table is for people: its heading and notes go with it; json and csv carry notes on stderr.
        let note = noteWriter(onStandardOutput: format == .table && output == nil)
        if allUsers {
            guard let scorer = loaded as? any ItemScorer else { throw DataError.invalidInput("a '\(kind)' model cannot score items for a user") }
            let threads = try threads.map { try parseBounded($0, "--threads", Int.self, 1...1024) } ?? Parallelism.availableCores
            try recommendAll(scorer: scorer, metadata: metadata, kind: kind, options: options, threads: threads)
            return
        }
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
            note("Top \(count) for user \(user) (\(rated) rated in training\(excludeRated ? ", excluded" : "")), model '\(kind)':")
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
                guard let chosen = entry.lookup.chosen else { continue }
                note("rated \(entry.rating): \(metadata.catalog.displayTitle(chosen))")
                if let match = ResultTable.matchNote(entry.lookup, metadata: metadata) { note("  " + match) }
            }
            options.excludeRated = excludeRated
            note("Top \(count) for these ratings (fold-in\(excludeRated ? ", rated excluded" : "")), model '\(kind)':")
            rows = Recommendations.forHistory(file.history, scorer: scorer, metadata: metadata, options: options)
            history = file.history
        } else {
            rows = []
        }
        let document = RecommendationsDocument(model: kind, source: user != nil ? "user" : "ratings", k: count, excludeRated: excludeRated,
                                               genres: genre, lists: [.init(user: user, items: rows.enumerated().map { AnswerItem(rank: $0.offset + 1, $0.element) })])
        try AnswerOutput.write(to: output) { out in
            switch format {
            case .table:
                try out.line(ResultTable.render(rows))
                if explain { for line in try ExplainOutput.lines(for: rows, model: loaded, history: history) { try out.line(line) } }
            case .json: try out.line(try AnswerEncoding.json(document))
            case .csv:
                try out.line(RecommendationsDocument.csvHeader)
                for line in document.csvLines() { try out.line(line) }
            }
        }
        if let output { printError("wrote \(output)") }
    }

    /// `--all-users`: every user with training ratings, ranked in blocks (in parallel within a
    /// block) and written as each block is done, so the answer streams.
    func recommendAll(scorer: any ItemScorer, metadata: ModelMetadata, kind: String, options: RecommendationOptions, threads: Int) throws {
        let start = Date(), cpuStart = processCPUSeconds()
        let users = (0..<metadata.userIDs.count).filter { metadata.seen.count(ofRow: $0) > 0 }.map { UserIndex($0) }
        let skipped = metadata.userIDs.count - users.count
        printError("ranking top \(count) for \(users.count) users\(skipped > 0 ? " (\(skipped) without training ratings left out)" : ""), model '\(kind)', \(threads) thread(s)")
        let itemFields = metadata.itemIDs.ids.map { AnswerEncoding.csvField($0.rawValue) }
        var lists: [RecommendationsDocument.List] = []
        var table: [[String]] = []
        var rowCount = 0
        let blockSize = max(256, 64 * threads)
        try AnswerOutput.write(to: output) { out in
            if format == .csv { try out.line(RecommendationsDocument.csvHeader) }
            for blockStart in stride(from: 0, to: users.count, by: blockSize) {
                let block = Array(users[blockStart..<min(blockStart + blockSize, users.count)])
                let ranked = TopNRecommender.recommendScored(scorer, metadata: metadata, users: block, options: options, threads: threads)
                for (user, list) in zip(block, ranked) {
                    let id = metadata.userIDs.id(at: user).rawValue
                    rowCount += list.count
                    switch format {
                    case .csv:
                        let userField = AnswerEncoding.csvField(id)
                        for (rank, entry) in list.enumerated() {
                            try out.line(userField + "," + String(rank + 1) + "," + itemFields[Int(entry.index)] + "," + AnswerEncoding.score(entry.score))
                        }
                    case .json:
                        lists.append(.init(user: id, items: list.enumerated().map { rank, entry in
                            AnswerItem(rank: rank + 1, Recommendations.describe(entry.index, score: entry.score, metadata: metadata))
                        }))
                    case .table:
                        for (rank, entry) in list.enumerated() {
                            table.append([id, String(rank + 1), String(format: "%.3f", entry.score), metadata.catalog.displayTitle(entry.index)])
                        }
                    }
                }
            }
            switch format {
            case .csv: break
            case .json:
                try out.line(try AnswerEncoding.json(RecommendationsDocument(model: kind, source: "all-users", k: count, excludeRated: excludeRated,
                                                                             genres: genre, lists: lists)))
            case .table:
                for line in ConsoleTable(headers: ["user", "rank", "score", "title"], rows: table, rightAligned: [1, 2]).lines() { try out.line(line) }
            }
        }
        let seconds = Date().timeIntervalSince(start), cpu = processCPUSeconds() - cpuStart
        printError(String(format: "%d rows for %d users in %.2f s wall (%.0f rows/s), %.2f CPU-s (%.0f rows per CPU-s)%@", rowCount, users.count,
                          seconds, Double(rowCount) / max(seconds, 1e-9), cpu, Double(rowCount) / max(cpu, 1e-9),
                          output.map { "; wrote \($0)" } ?? ""))
    }
}
