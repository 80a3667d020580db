import Foundation

/// Why a prediction is not a personalised one: which side of the pair had no training rating.
public enum PredictionFallback: String, Sendable, Codable, CaseIterable {
    /// Both the user and the item had training ratings: the model's full prediction.
    case none
    /// The user is unknown to the model or had no training rating.
    case unknownUser = "unknown-user"
    /// The item is unknown to the model or had no training rating.
    case unknownItem = "unknown-item"
    /// Neither had a training rating.
    case unknownUserAndItem = "unknown-user-and-item"

    init(userKnown: Bool, itemKnown: Bool) {
        switch (userKnown, itemKnown) {
        case (true, true): self = .none
        case (false, true): self = .unknownUser
        case (true, false): self = .unknownItem
        case (false, false): self = .unknownUserAndItem
        }
    }
}

/// One predicted (user, item) pair.
public struct PredictedPair: Sendable, Codable, Equatable {
    /// The user's raw id, as asked.
    public var user: String
    /// The item's raw id, as asked.
    public var item: String
    /// The predicted rating.
    public var score: Float
    /// Whether (and why) the score is the model's fallback.
    public var fallback: PredictionFallback

    /// Creates a prediction.
    public init(user: String, item: String, score: Float, fallback: PredictionFallback) {
        self.user = user
        self.item = item
        self.score = score
        self.fallback = fallback
    }
}

/// Rating predictions for (user, item) pairs given by raw id, unknown ids included.
public enum PairPredictions {
    /// Predicts the rating of every pair.
    ///
    /// A pair whose user or item had no training rating (an id the model does not know, or one
    /// only in the test part of the data) gets the model's documented fallback and is marked:
    /// the rating models (`baseline`, `svd`, `svdpp`, `als`, `knn-baseline`) fall back to their
    /// baseline part (μ + b_u, μ + b_i or μ); the Bayesian factorization machine to its side
    /// features and posterior biases; models without a fallback of their own (the notebook's
    /// `mf`, which has no biases) to the mean training rating.
    /// - Parameters:
    ///   - pairs: raw ids.
    ///   - model: a fitted rating model.
    ///   - threads: 1 is the single-thread mode (results are identical).
    /// - Returns: one prediction per pair, in order.
    public static func predict(_ pairs: [(user: UserID, item: ItemID)], model: any RatingPredictor & PersistableModel,
                               threads: Int = Parallelism.availableCores) -> [PredictedPair] {
        let metadata = model.metadata
        let itemRated = metadata.seenItemCounts().map { $0 > 0 }
        let ownFallback = model is any RatingModel || model is BayesianFactorizationMachineModel
        let mean: Float = metadata.seenRatingSummary()?.mean ?? 0
        let out = SharedSlots<PredictedPair>(count: pairs.count, initial: PredictedPair(user: "", item: "", score: 0, fallback: .none))
        ComputePool.forEachChunk(count: pairs.count, chunks: pairs.count < 10_000 ? 1 : threads) { _, range in
            for k in range {
                let (userID, itemID) = pairs[k]
                let u = metadata.userIDs.index(of: userID), i = metadata.itemIDs.index(of: itemID)
                let userKnown = u.map { metadata.seenCount(ofUser: $0) > 0 } ?? false
                let itemKnown = i.map { itemRated[Int($0)] } ?? false
                let score: Float
                if let u, let i, userKnown && itemKnown {
                    score = model.predict(user: u, item: i)
                } else if ownFallback {
                    score = model.predict(user: u ?? -1, item: i ?? -1)
                } else {
                    score = mean
                }
                out.set(k, PredictedPair(user: userID.rawValue, item: itemID.rawValue, score: score,
                                         fallback: PredictionFallback(userKnown: userKnown, itemKnown: itemKnown)))
            }
        }
        return out.values
    }
}

/// The answer of `recommender predict --format json`; its schema is
/// docs/schemas/predictions.schema.json. The CSV form is `user,item,score,fallback`.
public struct PredictionsDocument: Sendable, Codable, Equatable {
    /// The tool and its version.
    public var tool: String
    /// The model kind.
    public var model: String
    /// The rating scale predictions are clipped to, `[low, high]`, when the model has one.
    public var ratingScale: [Float]?
    /// How many predictions are fallbacks.
    public var fallbackCount: Int
    /// One prediction per pair, in input order.
    public var predictions: [PredictedPair]

    enum CodingKeys: String, CodingKey {
        case tool, model, predictions
        case ratingScale = "rating_scale"
        case fallbackCount = "fallback_count"
    }

    /// Creates a document.
    public init(model: String, ratingScale: ClosedRange<Float>?, predictions: [PredictedPair]) {
        tool = EvaluationDocument.toolVersion
        self.model = model
        self.ratingScale = ratingScale.map { [$0.lowerBound, $0.upperBound] }
        self.fallbackCount = predictions.filter { $0.fallback != .none }.count
        self.predictions = predictions
    }

    /// The CSV header of predictions.
    public static let csvHeader = "user,item,score,fallback"

    /// The CSV rows (`user,item,score,fallback`, no header).
    public func csvLines() -> [String] {
        predictions.map { AnswerEncoding.csvLine([$0.user, $0.item, AnswerEncoding.score($0.score), $0.fallback.rawValue]) }
    }
}

/// A file of (user, item) pairs to predict: `user,item` lines (comma, tab or semicolon
/// separated, detected from the first line), an optional header line naming the columns
/// (`user,item`, `userId,movieId`, ...); further columns (a rating, a timestamp) are ignored.
public struct PairsFile: Sendable {
    /// The pairs, in file order.
    public var pairs: [(user: UserID, item: ItemID)]
    /// Whether the first line was a header.
    public var hadHeader: Bool
    /// The largest number of columns on a line (more than 2: the rest were ignored).
    public var columnCount: Int

    /// Reads `url`.
    /// - Throws: ``DataError/missingFile(path:)``, ``DataError/emptyFile(path:)``, or
    ///   ``DataError/malformedLine(file:line:reason:)`` (`file:line: reason`) for a line with
    ///   fewer than two fields, an empty id or invalid UTF-8.
    public init(contentsOf url: URL) throws {
        let file = try TextFile(url: url)
        let lines = file.lines()
        guard let first = lines.first else { throw DataError.emptyFile(path: url.path) }
        let firstText = file.bytes[first.range]
        let separator: FieldSeparator = firstText.contains(9) ? .tab : firstText.contains(44) ? .comma : firstText.contains(59) ? .semicolon : .comma
        var pairs: [(user: UserID, item: ItemID)] = []
        pairs.reserveCapacity(lines.count)
        var header = false, columns = 0
        for (position, line) in lines.enumerated() {
            let fields = try file.fields(line.range, separator: separator, quoting: separator == .comma, lineNumber: line.number)
            guard fields.count >= 2 else {
                throw DataError.malformedLine(file: url.path, line: line.number,
                                              reason: "expected 'user,item' (two fields separated by \(separator == .tab ? "a tab" : "'\(separator.text)'")), found '\(file.preview(line.range))'")
            }
            let user = try file.string(fields[0], encoding: .utf8, lineNumber: line.number).trimmingCharacters(in: .whitespaces)
            let item = try file.string(fields[1], encoding: .utf8, lineNumber: line.number).trimmingCharacters(in: .whitespaces)
            if position == 0 && Self.isHeader(user, item) { header = true; continue }
            guard !user.isEmpty else { throw DataError.malformedLine(file: url.path, line: line.number, reason: "empty user id") }
            guard !item.isEmpty else { throw DataError.malformedLine(file: url.path, line: line.number, reason: "empty item id") }
            columns = max(columns, fields.count)
            pairs.append((UserID(user), ItemID(item)))
        }
        guard !pairs.isEmpty else { throw DataError.emptyFile(path: url.path) }
        self.pairs = pairs
        hadHeader = header
        columnCount = columns
    }

    static func isHeader(_ user: String, _ item: String) -> Bool {
        let u = DelimitedRatingsLoader.normalize(user), i = DelimitedRatingsLoader.normalize(item)
        return (DelimitedRatingsLoader.aliases["user"] ?? []).contains(u) && (DelimitedRatingsLoader.aliases["item"] ?? []).contains(i)
    }
}
