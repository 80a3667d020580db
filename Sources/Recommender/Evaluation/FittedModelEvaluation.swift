import Foundation

/// Held-out interactions read for a model that is already fitted (`evaluate --model FILE
/// --test FILE`), over the model's index spaces.
///
/// Test users and items the model does not know are kept, with indices after the model's
/// (``knownUsers`` and ``knownItems`` say where the model's end): an unknown item is relevant
/// but can never be recommended, an unknown user gets an empty list, so both count against the
/// model exactly as they would in an evaluation that fitted it.
public struct HeldOutTest: Sendable {
    /// The test interactions.
    public var interactions: Interactions
    /// Users `0..<knownUsers` are the model's.
    public var knownUsers: Int
    /// Items `0..<knownItems` are the model's.
    public var knownItems: Int
    /// Test users and items absent from the model.
    public var unknownUsers: Int, unknownItems: Int
    /// Test rows whose (user, item) pair is also among the model's training interactions (a
    /// sign that the test file is not the held-out part of this model's split).
    public var rowsSeenInTraining: Int
}

extension GivenSplit {
    /// Reads a test file with raw ids (the layout of ``write(_:dataset:train:test:)``, or any
    /// ratings file `options` describes) for the model whose metadata is `metadata`.
    /// - Throws: ``DataError`` naming the file, line and problem.
    public static func loadTest(_ url: URL, for metadata: ModelMetadata, options: DelimitedFileOptions = DelimitedFileOptions(),
                                threads: Int = Parallelism.availableCores) throws -> HeldOutTest {
        let (format, _) = try DelimitedRatingsLoader.detectFormat(url: url, options: options)
        let parsed = try RatingsReader.read(url: url, format: format, threads: threads)
        var users = metadata.userIDs, items = metadata.itemIDs
        let userMap = parsed.userIDs.ids.map { users.insert($0).rawValue }
        let itemMap = parsed.itemIDs.ids.map { items.insert($0).rawValue }
        let t = parsed.interactions
        let interactions = Interactions(users: t.users.map { userMap[Int($0)] }, items: t.items.map { itemMap[Int($0)] },
                                        ratings: t.ratings, timestamps: t.timestamps, userCount: users.count, itemCount: items.count)
        var seen = 0
        let known = metadata.userIDs.count, knownItems = metadata.itemIDs.count
        for k in 0..<interactions.count where Int(interactions.users[k]) < known && Int(interactions.items[k]) < knownItems {
            if metadata.seen.value(row: Int(interactions.users[k]), column: interactions.items[k]) != nil { seen += 1 }
        }
        let testUsers = Set(interactions.users), testItems = Set(interactions.items)
        return HeldOutTest(interactions: interactions, knownUsers: known, knownItems: knownItems,
                           unknownUsers: testUsers.filter { Int($0) >= known }.count,
                           unknownItems: testItems.filter { Int($0) >= knownItems }.count, rowsSeenInTraining: seen)
    }
}

extension RankingEvaluation {
    /// Scores a fitted model's top-`k` lists against held-out interactions, through the serving
    /// call's ranking (the model's training items excluded) — the same metrics as
    /// ``run(_:hyperparameters:label:dataset:split:k:relevanceThreshold:context:)`` without the fit.
    /// - Parameters:
    ///   - model: the scorer (a model read from a file).
    ///   - metadata: its metadata: ids and the training interactions to exclude.
    ///   - label: the name in tables and JSON.
    ///   - test: from ``GivenSplit/loadTest(_:for:options:threads:)``.
    ///   - k: the cut-off.
    ///   - relevanceThreshold: test ratings at or above it are relevant; `nil`: all.
    ///   - threads: for the top-k lists (the lists do not depend on it).
    /// - Throws: ``TrainingError/invalidInput(_:)`` for `k` < 1.
    public static func run(model: some ItemScorer, metadata: ModelMetadata, label: String, test: HeldOutTest, k: Int,
                           relevanceThreshold: Float? = nil, threads: Int = Parallelism.availableCores) throws -> RankingEvaluationResult {
        guard k > 0 else { throw TrainingError.invalidInput("the cut-off k must be positive, got \(k)") }
        var seconds = 0.0
        let report = evaluate(test: test.interactions, k: k, relevanceThreshold: relevanceThreshold) { users in
            let t0 = monotonicSeconds()
            let known = users.filter { Int($0) < test.knownUsers }
            var lists = TopNRecommender.recommend(model, metadata: metadata, users: known, k: k, threads: threads).makeIterator()
            let all = users.map { Int($0) < test.knownUsers ? (lists.next() ?? []) : [] }
            seconds = monotonicSeconds() - t0
            return all
        }
        return RankingEvaluationResult(model: label, report: report, fitSeconds: 0, recommendSeconds: seconds)
    }
}
