import Foundation
import Testing
@testable import Recommender

/// A predictor that always answers the same value (to check the harness's arithmetic).
struct ConstantAlgorithm: RatingAlgorithm {
    var name = "constant"
    var value: Float
    struct Predictor: RatingPredictor { var value: Float; func predict(user: UserIndex, item: ItemIndex) -> Float { value } }
    func fit(_ training: Interactions, context: RatingFitContext) throws -> any RatingPredictor { Predictor(value: value) }
}

@Suite struct RatingEvaluationTests {
    static func dataset(_ interactions: Interactions) -> Dataset {
        let users = IDMap((0..<interactions.userCount).map { UserID($0) }), items = IDMap((0..<interactions.itemCount).map { ItemID($0) })
        return Dataset(name: "synthetic", userIDs: users, itemIDs: items, interactions: interactions,
                       catalog: ItemCatalog(placeholderFor: items), ratingScale: 1...5)
    }

    @Test func kFoldTestsEveryRatingOnceAndComputesMetrics() throws {
        let data = RatingFixtures.random()
        let splits = try RatingProtocol.kFold(folds: 5, seed: 0).splits(of: Self.dataset(data))
        let result = try RatingEvaluation.run(ConstantAlgorithm(value: 3), splits: splits, context: RatingFitContext(ratingScale: 1...5))
        #expect(result.folds.map(\.testCount).reduce(0, +) == data.count)
        // the pooled squared error of a constant predictor, fold by fold
        for (f, split) in splits.enumerated() {
            let expected = RatingMetrics.rmse(predictions: [Float](repeating: 3, count: split.test.count), targets: split.test.ratings)
            #expect(abs(result.folds[f].rmse - expected) < 1e-9)
        }
        let s = result.summary(\.rmse)
        let v = result.folds.map(\.rmse)
        let mean = v.reduce(0, +) / 5
        #expect(abs(s.mean - mean) < 1e-12)
        #expect(abs(s.std - (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 5).squareRoot()) < 1e-12)
        // predictions outside the scale are clipped by the harness
        let clipped = try RatingEvaluation.run(ConstantAlgorithm(value: 9), splits: splits, context: RatingFitContext(ratingScale: 1...5))
        let five = try RatingEvaluation.run(ConstantAlgorithm(value: 5), splits: splits, context: RatingFitContext(ratingScale: 1...5))
        #expect(abs(clipped.rmse - five.rmse) < 1e-12)
    }

    @Test func jsonHasTheDocumentedShape() throws {
        let data = RatingFixtures.random()
        let dataset = Self.dataset(data)
        let splits = try RatingProtocol.kFold(folds: 3, seed: 1).splits(of: dataset)
        let context = RatingFitContext(dataset: dataset, seed: 0, threads: 1)
        let results = try ["baseline", "svd"].map { try RatingEvaluation.run(RatingAlgorithms.named($0)!, splits: splits, context: context) }
        let text = try RatingEvaluation.json(results, dataset: "synthetic", protocolDescription: "3-fold")
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        let entries = object["results"] as! [[String: Any]]
        #expect(entries.map { $0["model"] as! String } == ["baseline", "svd"])
        for (entry, result) in zip(entries, results) {
            let metrics = entry["metrics"] as! [String: Any]
            #expect(abs((metrics["rmse"] as! Double) - result.rmse) < 1e-12)
            #expect(abs((metrics["mae"] as! Double) - result.mae) < 1e-12)
            #expect((metrics["rmse_per_fold"] as! [Double]).count == 3 && (metrics["mae_per_fold"] as! [Double]).count == 3)
            #expect((entry["fit_seconds_per_fold"] as! Double) >= 0 && (entry["predict_seconds_per_fold"] as! Double) >= 0)
        }
        let table = RatingEvaluation.markdownTable(results)
        #expect(table.contains("| baseline | ") && table.contains("| svd | ") && table.split(separator: "\n").count == 4)
    }

    /// The `best` model plugs into the same harness through ``BayesianFMRatingAlgorithm``.
    @Test func bestModelRunsThroughTheHarness() throws {
        let (train, test) = RatingFixtures.lowRank()
        let data = Interactions(users: train.users + test.users, items: train.items + test.items, ratings: train.ratings + test.ratings,
                                userCount: train.userCount, itemCount: train.itemCount)
        let dataset = Self.dataset(data)
        let splits = try RatingProtocol.kFold(folds: 2, seed: 0).splits(of: dataset)
        let best = BayesianFMRatingAlgorithm(configuration: .init(rank: 2, samples: 60, burnIn: 10, thinning: 1))
        let result = try RatingEvaluation.run(best, splits: splits, context: RatingFitContext(dataset: dataset, seed: 0, threads: 1))
        // plumbing check: a fitted model beats the constant global-mean predictor
        let constant = try RatingEvaluation.run(ConstantAlgorithm(value: data.meanRating), splits: splits, context: RatingFitContext(ratingScale: 1...5))
        #expect(result.model == "best" && result.rmse.isFinite && result.rmse < constant.rmse, "best \(result.rmse) constant \(constant.rmse)")
        #expect(RatingAlgorithms.named("best") != nil && RatingAlgorithms.names.contains("best"))
        #expect(throws: RatingTrainingError.self) { try best.fit(data, context: RatingFitContext()) }
    }

    @Test func canonicalSplitsNeedTheOriginalFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("no-canonical-\(UInt32.random(in: 0...UInt32.max))")
        let dataset = Self.dataset(RatingFixtures.random())
        #expect { try RatingProtocol.canonical(directory: folder).splits(of: dataset) } throws: { error in
            "\(error)".contains("not available: original ML-100K files not found")
        }
        // with files present, ids map through the data set and bad lines are reported
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for n in 1...5 {
            try "0\t1\t5\t0\n1\t2\t3\t0\n".write(to: folder.appendingPathComponent("u\(n).base"), atomically: true, encoding: .utf8)
            try "2\t3\t4\t0\n".write(to: folder.appendingPathComponent("u\(n).test"), atomically: true, encoding: .utf8)
        }
        let splits = try RatingProtocol.canonical(directory: folder).splits(of: dataset)
        #expect(splits.count == 5 && splits[0].train.count == 2 && splits[0].test.count == 1 && splits[0].test.ratings == [4])
        try "0\tx\n".write(to: folder.appendingPathComponent("u3.test"), atomically: true, encoding: .utf8)
        #expect(throws: DataError.self) { try RatingProtocol.canonical(directory: folder).splits(of: dataset) }
    }

    @Test func gridSearchIsSortedAndRejectsUnknownNames() throws {
        let grid = try ParameterGrid(parsing: "factors=2,4;lr=0.005,0.01")
        #expect(grid.combinations.count == 4 && grid.combinations[1].map(\.value) == [2, 0.01])
        #expect(throws: DataError.self) { try ParameterGrid(parsing: "factors=a") }
        #expect(throws: DataError.self) { try ParameterGrid(parsing: "") }
        let data = RatingFixtures.random()
        let splits = Splitter.kFold(data, folds: 2, seed: 0)
        let base = SVDModel.Configuration(factors: 2, epochs: 3)
        let trials = try HyperparameterSearch.run(base, grid: grid, seed: 0, splits: splits, context: RatingFitContext(ratingScale: 1...5))
        #expect(trials.count == 4 && zip(trials, trials.dropFirst()).allSatisfy { $0.result.rmse <= $1.result.rmse })
        let random = try HyperparameterSearch.run(base, grid: grid, randomCount: 2, seed: 0, splits: splits, context: RatingFitContext())
        #expect(random.count == 2)
        #expect(throws: RatingTrainingError.self) {
            try HyperparameterSearch.run(base, grid: ParameterGrid(parsing: "nope=1"), seed: 0, splits: splits, context: RatingFitContext())
        }
        // ranges: random search only, draws inside the range, integers for integer ends, seeded
        let ranged = try ParameterGrid(parsing: "factors=2:6;lr=0.004:0.02")
        #expect(ranged.hasRanges)
        #expect(throws: DataError.self) { try HyperparameterSearch.run(base, grid: ranged, seed: 0, splits: splits, context: RatingFitContext()) }
        let drawn = try HyperparameterSearch.run(base, grid: ranged, randomCount: 3, seed: 4, splits: splits, context: RatingFitContext())
        #expect(drawn.count == 3)
        for t in drawn {
            #expect((2...6).contains(t.parameters[0].value) && t.parameters[0].value == t.parameters[0].value.rounded())
            #expect((0.004...0.02).contains(t.parameters[1].value))
        }
        let again = try HyperparameterSearch.run(base, grid: ranged, randomCount: 3, seed: 4, splits: splits, context: RatingFitContext())
        #expect(drawn.map { $0.parameters.map(\.value) } == again.map { $0.parameters.map(\.value) })
    }
}
