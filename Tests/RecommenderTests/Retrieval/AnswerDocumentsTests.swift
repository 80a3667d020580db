import Foundation
import Testing
@testable import Recommender
import RecommenderTestSupport

/// A small explicit data set with string ids, written as a CSV file (the answers are about raw ids).
enum AnswerFixtures {
    /// `user,item,rating,timestamp` lines (no header): 24 users × 18 items, about 60% rated,
    /// ratings 1...5 and increasing timestamps from a seeded generator.
    static func lines(seed: UInt64 = 3) -> [String] {
        var g = SeededGenerator(seed: seed)
        var out: [String] = []
        var time = 1_000_000
        for u in 0..<24 {
            for i in 0..<18 where g.nextUnitFloat() < 0.6 {
                time += 1
                out.append("u\(u),i\(i),\(1 + (u * 3 + i * 5 + Int(g.nextUnitFloat() * 2)) % 5),\(time)")
            }
        }
        return out
    }

    static let options = DelimitedFileOptions(ratingScale: 1...5)

    /// The lines written with a header to `name` in `folder`, loaded.
    static func dataset(_ lines: [String] = lines(), in folder: TemporaryFolder, name: String = "ratings.csv") throws -> Dataset {
        let file = try folder.write(name, (["user,item,rating,timestamp"] + lines).joined(separator: "\n") + "\n")
        return try DelimitedRatingsLoader.load(ratings: file, options: options, threads: 1)
    }

    /// The (user id, item id, rating) triples of `rows`, sorted.
    static func triples(_ rows: Interactions, _ dataset: Dataset) -> [String] {
        (0..<rows.count).map { "\(dataset.userIDs.id(at: rows.user(at: $0)))|\(dataset.itemIDs.id(at: rows.item(at: $0)))|\(rows.ratings[$0])" }.sorted()
    }
}

@Suite struct AnswerDocumentsTests {
    @Test func csvFieldsAreQuotedOnlyWhenNeededAndScoresRoundTrip() {
        #expect(AnswerEncoding.csvField("i42") == "i42")
        #expect(AnswerEncoding.csvField("Heat, 1995") == "\"Heat, 1995\"")
        #expect(AnswerEncoding.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(AnswerEncoding.csvLine(["a", "b,c", ""]) == "a,\"b,c\",")
        for x: Float in [4.2345676, 5, 0.1, 1e-7, -3.25, 123_456.79] {
            #expect(Float(AnswerEncoding.score(x))?.bitPattern == x.bitPattern, "\(x) must read back bit for bit from \(AnswerEncoding.score(x))")
        }
    }

    @Test func batchListsAreTheSingleUserCallsForAnyThreadCount() throws {
        let folder = try TemporaryFolder("answers")
        let dataset = try AnswerFixtures.dataset(in: folder)
        let model = try SVD(.init(factors: 4, epochs: 5)).fit(TrainingData(dataset))
        let metadata = model.metadata
        let users = (0..<dataset.userCount).map { UserIndex($0) }
        let someItems = Set((0..<dataset.itemCount).filter { $0 % 3 != 0 }.map { ItemIndex($0) })
        for options in [RecommendationOptions(count: 5), RecommendationOptions(count: 4, excludeRated: false),
                        RecommendationOptions(count: 3, filter: ItemFilter(items: someItems))] {
            let one = TopNRecommender.recommendScored(model, metadata: metadata, users: users, options: options, threads: 1)
            let two = TopNRecommender.recommendScored(model, metadata: metadata, users: users, options: options, threads: 2)
            #expect(one == two)
            for (user, list) in zip(users, one) {
                let single = Recommendations.forUser(user, scorer: model, metadata: metadata, options: options)
                #expect(list.map(\.index) == single.map(\.item))
                #expect(zip(list, single).allSatisfy { abs($0.score - $1.score) < 1e-6 })
                #expect(list.count == single.count && list.count <= options.count && !list.isEmpty)
            }
        }
        // The evaluation path keeps returning the same lists (indices only, training items excluded).
        let indices = TopNRecommender.recommend(model, metadata: metadata, users: users, k: 5, threads: 1)
        let scored = TopNRecommender.recommendScored(model, metadata: metadata, users: users, options: RecommendationOptions(count: 5), threads: 1)
        #expect(indices == scored.map { $0.map(\.index) })
    }

    @Test func recommendationsDocumentCSVIsUserRankItemScore() throws {
        let document = RecommendationsDocument(model: "svd", source: "all-users", k: 2, excludeRated: true, genres: [], lists: [
            .init(user: "u1", items: [AnswerItem(rank: 1, item: "i3", score: 4.5, title: "Three", genres: []),
                                      AnswerItem(rank: 2, item: "i,4", score: 4.25, title: "Four", genres: ["Drama"])]),
            .init(user: nil, items: [AnswerItem(rank: 1, item: "i9", score: 0.125, title: "Nine", genres: [])]),
        ])
        #expect(RecommendationsDocument.csvHeader == "user,rank,item,score")
        #expect(document.csvLines() == ["u1,1,i3,4.5", "u1,2,\"i,4\",4.25", ",1,i9,0.125"])
        let decoded = try JSONDecoder().decode(RecommendationsDocument.self, from: Data(try AnswerEncoding.json(document).utf8))
        #expect(decoded == document)
        let object = try JSONSerialization.jsonObject(with: Data(try AnswerEncoding.json(document).utf8)) as? [String: Any]
        #expect(object?["exclude_rated"] as? Bool == true && object?["tool"] as? String == EvaluationDocument.toolVersion)
    }

    @Test func predictionsMarkTheFallbackAndUseTheModelsOwn() throws {
        let folder = try TemporaryFolder("answers")
        let dataset = try AnswerFixtures.dataset(in: folder)
        let model = try Baseline().fit(TrainingData(dataset))
        let u = try #require(dataset.userIDs.index(of: "u2")), i = try #require(dataset.itemIDs.index(of: "i1"))
        let pairs: [(user: UserID, item: ItemID)] = [("u2", "i1"), ("stranger", "i1"), ("u2", "nothing"), ("stranger", "nothing")]
        for threads in [1, 2] {
            let p = PairPredictions.predict(pairs, model: model, threads: threads)
            #expect(p.map(\.fallback) == [.none, .unknownUser, .unknownItem, .unknownUserAndItem])
            #expect(p.map(\.user) == ["u2", "stranger", "u2", "stranger"] && p.map(\.item) == ["i1", "i1", "nothing", "nothing"])
            #expect(abs(p[0].score - model.predict(user: u, item: i)) < 1e-6)
            // The documented fallback: μ + b_i, μ + b_u, μ.
            #expect(abs(p[1].score - model.predict(user: -1, item: i)) < 1e-6)
            #expect(abs(p[2].score - model.predict(user: u, item: -1)) < 1e-6)
            #expect(abs(p[3].score - model.predict(user: -1, item: -1)) < 1e-6)
            #expect(abs(p[3].score - dataset.interactions.meanRating) < 1e-4)
        }
        let document = PredictionsDocument(model: "baseline", ratingScale: 1...5, predictions: PairPredictions.predict(pairs, model: model))
        #expect(document.fallbackCount == 3 && document.ratingScale == [1, 5])
        #expect(document.csvLines().last?.hasSuffix(",unknown-user-and-item") == true)
        #expect(document.csvLines().first?.hasPrefix("u2,i1,") == true)
    }

    @Test func pairsFilesAcceptHeadersTabsAndNameTheBadLine() throws {
        let folder = try TemporaryFolder("pairs")
        let csv = try PairsFile(contentsOf: try folder.write("a.csv", "userId,movieId\n1,10\n\"2,b\",20\n"))
        #expect(csv.hadHeader && csv.pairs.map(\.user) == ["1", "2,b"] && csv.pairs.map(\.item) == ["10", "20"] && csv.columnCount == 2)
        let tsv = try PairsFile(contentsOf: try folder.write("b.tsv", "7\t70\t4.0\n8\t80\t3.5\n"))
        #expect(!tsv.hadHeader && tsv.pairs.map(\.user) == ["7", "8"] && tsv.columnCount == 3)
        let bad = try folder.write("c.csv", "user,item\n1,10\n2\n")
        #expect(throws: DataError.malformedLine(file: bad.path, line: 3, reason: "expected 'user,item' (two fields separated by ','), found '2'")) {
            try PairsFile(contentsOf: bad)
        }
        let empty = try folder.write("d.csv", "1,10\n,20\n")
        #expect(throws: DataError.malformedLine(file: empty.path, line: 2, reason: "empty user id")) { try PairsFile(contentsOf: empty) }
        let headerOnly = try folder.write("e.csv", "user,item\n")
        #expect(throws: DataError.emptyFile(path: headerOnly.path)) { try PairsFile(contentsOf: headerOnly) }
    }

    @Test func givenSplitFilesRoundTripAndMatchTheBuiltInProtocol() throws {
        let folder = try TemporaryFolder("given")
        let dataset = try AnswerFixtures.dataset(in: folder)
        let splits = try RatingProtocol.kFold(folds: 3, seed: 4).splits(of: dataset)
        let builtIn = try RatingEvaluation.run(Baseline(), dataset: dataset, splits: splits, context: FitContext(seed: 0, threads: 1))
        for (n, split) in splits.enumerated() {
            let train = folder.path("split-\(n)-train.csv"), test = folder.path("split-\(n)-test.csv")
            try GivenSplit.write(split, dataset: dataset, train: train, test: test)
            let given = try GivenSplit.load(train: train, test: test, options: AnswerFixtures.options, threads: 1)
            #expect(AnswerFixtures.triples(given.split.train, given.dataset) == AnswerFixtures.triples(split.train, dataset))
            #expect(AnswerFixtures.triples(given.split.test, given.dataset) == AnswerFixtures.triples(split.test, dataset))
            #expect(given.split.test.timestamps != nil && given.dataset.ratingScale == 1...5)
            // Baseline by ALS does not depend on the index order: the same figures up to rounding.
            let result = try RatingEvaluation.run(Baseline(), dataset: given.dataset, splits: [given.split], context: FitContext(seed: 0, threads: 1))
            #expect(abs(result.rmse - builtIn.folds[n].rmse) < 1e-5)
            #expect(abs(result.mae - builtIn.folds[n].mae) < 1e-5)
        }
    }

    @Test func givenSplitEqualsTheSameRowsInOneFileForEveryTask() throws {
        // Training rows then test rows in one file, split by position: the same ids in the same
        // order as the two files, so every model must give the very same figures.
        let folder = try TemporaryFolder("given")
        let lines = AnswerFixtures.lines(seed: 9)
        let cut = lines.count * 3 / 4
        let train = try folder.write("train.csv", lines[..<cut].joined(separator: "\n") + "\n")
        let test = try folder.write("test.csv", lines[cut...].joined(separator: "\n") + "\n")
        let given = try GivenSplit.load(train: train, test: test, options: AnswerFixtures.options, threads: 1)
        let whole = try AnswerFixtures.dataset(lines, in: folder, name: "whole.csv")
        let split = Split(source: whole.interactions, trainRows: Array(0..<cut), testRows: Array(cut..<lines.count))
        #expect(given.dataset.userIDs == whole.userIDs && given.dataset.itemIDs == whole.itemIDs)
        let context = FitContext(seed: 0, threads: 1)
        for algorithm in [SVD(.init(factors: 4, epochs: 8)) as any Algorithm, Baseline()] {
            let a = try RatingEvaluation.run(algorithm, dataset: given.dataset, splits: [given.split], context: context)
            let b = try RatingEvaluation.run(algorithm, dataset: whole, splits: [split], context: context)
            #expect(abs(a.rmse - b.rmse) < 1e-12 && abs(a.mae - b.mae) < 1e-12)
        }
        let a = try RankingEvaluation.run(EASE(.init(lambda: 10, threads: 1)), dataset: given.dataset, split: given.split, k: 5, context: context)
        let b = try RankingEvaluation.run(EASE(.init(lambda: 10, threads: 1)), dataset: whole, split: split, k: 5, context: context)
        #expect(a.report.userCount == b.report.userCount && a.report.userCount > 0)
        for (x, y) in zip(a.report.named, b.report.named) { #expect(x.name == y.name && abs(x.value - y.value) < 1e-12) }
    }

    @Test func givenSplitRefusesMixedLayoutsAndCountsSharedPairs() throws {
        let folder = try TemporaryFolder("given")
        let explicit = try folder.write("train.csv", "user,item,rating\n1,10,4\n2,10,3\n")
        let implicit = try folder.write("test.csv", "user,item\n1,20\n")
        #expect(throws: DataError.self) { try GivenSplit.load(train: explicit, test: implicit) }
        let overlapping = try folder.write("test2.csv", "user,item,rating\n1,10,5\n3,30,2\n")
        let given = try GivenSplit.load(train: explicit, test: overlapping)
        #expect(given.split.train.count == 2 && given.split.test.count == 2 && given.dataset.userCount == 3 && given.dataset.itemCount == 2)
        #expect(given.dataset.report.notes.contains("1 (user, item) pair(s) are in both the training and the test file"))
    }

    @Test func explorationDocumentCarriesEveryTable() throws {
        let folder = try TemporaryFolder("explore")
        let dataset = try AnswerFixtures.dataset(in: folder)
        let exploration = try DatasetExploration(dataset: dataset)
        let document = ExplorationDocument(dataset: dataset, exploration: exploration, top: 3, minRatings: 2)
        #expect(document.userCount == 24 && document.ratingCount == dataset.interactions.count && document.users == nil)
        #expect(document.topByCount.count == 3 && document.topByCount.map(\.rank) == [1, 2, 3])
        #expect(document.topByCount.first?.ratings == exploration.topByCount(1).first?.count)
        #expect(Set(document.distributions.keys) == Set(ExplorationDocument.distributionNames))
        let lines = document.csvLines()
        #expect(lines.contains("dataset,ratings,value,\(dataset.interactions.count)"))
        #expect(lines.contains("distribution,ratings_per_user,count,24"))
        #expect(lines.filter { $0.hasPrefix("top_by_mean,") }.count == 4 * document.topByMean.count)
        let decoded = try JSONDecoder().decode(ExplorationDocument.self, from: Data(try AnswerEncoding.json(document).utf8))
        #expect(decoded == document)
    }

    @Test func evaluationCSVHasOneRowPerAlgorithmWithEveryScalarMetric() throws {
        let folder = try TemporaryFolder("evaluation")
        let dataset = try AnswerFixtures.dataset(in: folder)
        let splits = try RatingProtocol.kFold(folds: 2, seed: 0).splits(of: dataset)
        let context = FitContext(seed: 0, threads: 1)
        let rows = try [Baseline() as any Algorithm, SVD(.init(factors: 2, epochs: 3))].map { a in
            (result: try RatingEvaluation.run(a, dataset: dataset, splits: splits, context: context), algorithm: a.name,
             hyperparameters: try a.reader([:]).effective)
        }
        let document = EvaluationDocument(rating: rows, dataset: dataset.name, protocolDescription: "2-fold", seed: 0)
        #expect(document.csvHeader == "model,algorithm,task,dataset,folds,k,rmse,mae,rmse_std,mae_std,fit_seconds_per_fold,predict_seconds_per_fold")
        let lines = document.csvLines()
        #expect(lines.count == 2 && lines[0].hasPrefix("baseline,baseline,rating,ratings,2,,") && lines[1].hasPrefix("svd,svd,rating,"))
        let rmse = lines.map { Double($0.split(separator: ",", omittingEmptySubsequences: false)[6]) }
        #expect(abs((rmse[0] ?? 0) - rows[0].result.rmse) < 1e-12 && abs((rmse[1] ?? 0) - rows[1].result.rmse) < 1e-12)
    }
}
