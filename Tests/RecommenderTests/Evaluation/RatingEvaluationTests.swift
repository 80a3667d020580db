import Foundation
import Testing
@testable import Recommender
import RecommenderTestSupport

/// A model that predicts the same rating for every user and item (to check the harness's
/// arithmetic): an algorithm of the catalog's contract, written outside the library.
struct ConstantModel: RatingPredictor, ItemScorer, PersistableModel {
    static let kind = "constant"
    var value: Float
    var metadata: ModelMetadata
    init(value: Float, metadata: ModelMetadata) { self.value = value; self.metadata = metadata }
    var itemCount: Int { metadata.itemIDs.count }
    func predict(user: UserIndex, item: ItemIndex) -> Float { value }
    func scores(forUser user: UserIndex) -> [Float] { [Float](repeating: value, count: itemCount) }
    func archive() -> ModelArchive {
        var a = ModelArchive(kind: Self.kind)
        a.store(metadata)
        a.set("value", .double(Double(value)))
        return a
    }
    init(archive: ModelArchive, path: String) throws {
        metadata = try archive.metadata(path: path)
        value = Float(try archive.double("value", path: path))
    }
}

/// The same model without the rating role: it only ranks.
struct RankingOnlyModel: ItemScorer, PersistableModel {
    static let kind = "ranking-only"
    var inner: ConstantModel
    var itemCount: Int { inner.itemCount }
    var metadata: ModelMetadata { inner.metadata }
    func scores(forUser user: UserIndex) -> [Float] { inner.scores(forUser: user) }
    func archive() -> ModelArchive { inner.archive() }
    init(inner: ConstantModel) { self.inner = inner }
    init(archive: ModelArchive, path: String) throws { inner = try ConstantModel(archive: archive, path: path) }
}

/// Fits ``ConstantModel`` (or, with `ranksOnly`, ``RankingOnlyModel``) with the `value` setting.
struct ConstantAlgorithm: Algorithm {
    var value: Float
    var ranksOnly = false
    var name: String { ranksOnly ? "ranking-only" : "constant" }
    var summary: String { "the same rating for everyone" }
    var task: AlgorithmTask { ranksOnly ? .ranking : .rating }
    var parameters: [HyperparameterSpec] { [.real("value", -100...100, default: Double(value), help: "the rating predicted")] }
    var modelTypes: [any PersistableModel.Type] { [ConstantModel.self, RankingOnlyModel.self] }
    func fit(_ data: TrainingData, hyperparameters: Hyperparameters, context: FitContext) throws -> any FittedModel {
        guard !data.interactions.isEmpty else { throw TrainingError.emptyTraining }
        let model = ConstantModel(value: try reader(hyperparameters).float("value") ?? value, metadata: data.metadata)
        return ranksOnly ? RankingOnlyModel(inner: model) : model
    }
}

@Suite struct RatingEvaluationTests {
    @Test func kFoldTestsEveryRatingOnceAndComputesMetrics() throws {
        let data = RatingFixtures.random()
        let dataset = Fixtures.dataset(data)
        let splits = try RatingProtocol.kFold(folds: 5, seed: 0).splits(of: dataset)
        let result = try RatingEvaluation.run(ConstantAlgorithm(value: 3), dataset: dataset, splits: splits)
        #expect(result.model == "constant" && result.folds.count == 5)
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
        // predictions outside the data set's scale are clipped by the harness
        let clipped = try RatingEvaluation.run(ConstantAlgorithm(value: 9), dataset: dataset, splits: splits)
        let five = try RatingEvaluation.run(ConstantAlgorithm(value: 5), dataset: dataset, splits: splits)
        #expect(abs(clipped.rmse - five.rmse) < 1e-12)
        // hyper-parameters reach the fit; the label names the row
        let set = try RatingEvaluation.run(ConstantAlgorithm(value: 3), hyperparameters: ["value": .real(5)], label: "constant-5",
                                           dataset: dataset, splits: splits)
        #expect(set.model == "constant-5" && abs(set.rmse - five.rmse) < 1e-12)
        #expect(throws: TrainingError.self) {
            try RatingEvaluation.run(ConstantAlgorithm(value: 3), hyperparameters: ["value": .real(.nan)], dataset: dataset, splits: splits)
        }
    }

    @Test func aModelThatOnlyRanksIsRefusedClearly() throws {
        let dataset = Fixtures.dataset(RatingFixtures.random())
        let splits = try RatingProtocol.kFold(folds: 2, seed: 0).splits(of: dataset)
        #expect {
            try RatingEvaluation.run(ConstantAlgorithm(value: 3, ranksOnly: true), dataset: dataset, splits: splits)
        } throws: { error in
            guard case .invalidInput(let message)? = error as? TrainingError else { return false }
            return message.contains("ranking-only") && message.contains("ranking task")
        }
    }

    @Test func jsonHasTheDocumentedShape() throws {
        let data = RatingFixtures.random()
        let dataset = Fixtures.dataset(data)
        let splits = try RatingProtocol.kFold(folds: 3, seed: 1).splits(of: dataset)
        let context = FitContext(seed: 0, threads: 1)
        let algorithms = try ["baseline", "svd"].map { try AlgorithmCatalog.standard.algorithm(named: $0, task: .rating) }
        let results = try algorithms.map { try RatingEvaluation.run($0, dataset: dataset, splits: splits, context: context) }
        let document = EvaluationDocument(rating: try zipEqualLength(results, algorithms).map { ($0, $1.name, try $1.reader([:]).effective) },
                                          dataset: "synthetic", protocolDescription: "3-fold", seed: 0)
        let text = try document.json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let entries = try #require(object["results"] as? [[String: Any]])
        #expect(entries.compactMap { $0["model"] as? String } == ["baseline", "svd"])
        for (entry, result) in zipEqualLength(entries, results) {
            let metrics = try #require(entry["metrics"] as? [String: Any])
            #expect(abs(try #require(metrics["rmse"] as? Double) - result.rmse) < 1e-12)
            #expect(abs(try #require(metrics["mae"] as? Double) - result.mae) < 1e-12)
            #expect((metrics["rmse_per_fold"] as? [Double])?.count == 3 && (metrics["mae_per_fold"] as? [Double])?.count == 3)
            #expect(try #require(entry["fit_seconds_per_fold"] as? Double) >= 0 && #require(entry["predict_seconds_per_fold"] as? Double) >= 0)
            #expect((entry["hyperparameters"] as? [String: Any])?["regularization"] != nil)
        }
        #expect(object["task"] as? String == "rating" && object["seed"] as? Int == 0 && object["folds"] as? Int == 3)
        #expect((object["tool"] as? String)?.hasPrefix("swift-recommender ") == true)
        let table = RatingEvaluation.markdownTable(results)
        #expect(table.contains("| baseline | ") && table.contains("| svd | ") && table.split(separator: "\n").count == 4)
    }

    /// `best` (the Bayesian factorization machine) plugs into the same harness through the catalog.
    @Test func bestModelRunsThroughTheHarness() throws {
        let (train, test) = RatingFixtures.lowRank()
        let data = Interactions(users: train.users + test.users, items: train.items + test.items, ratings: train.ratings + test.ratings,
                                userCount: train.userCount, itemCount: train.itemCount)
        let dataset = Fixtures.dataset(data)
        let splits = try RatingProtocol.kFold(folds: 2, seed: 0).splits(of: dataset)
        let best = try AlgorithmCatalog.standard.algorithm(named: "best", task: .rating)
        #expect(best.name == "bayesian-fm" && AlgorithmCatalog.standard.names(for: .rating).contains("best"))
        let settings: Hyperparameters = ["embedding-dim": .integer(2), "samples": .integer(60), "burn-in": .integer(10), "thinning": .integer(1)]
        let result = try RatingEvaluation.run(best, hyperparameters: settings, label: "best", dataset: dataset, splits: splits,
                                              context: FitContext(seed: 0, threads: 1))
        // plumbing check: a fitted model beats the constant global-mean predictor
        let constant = try RatingEvaluation.run(ConstantAlgorithm(value: data.meanRating), dataset: dataset, splits: splits)
        #expect(result.model == "best" && result.rmse.isFinite && result.rmse < constant.rmse, "best \(result.rmse) constant \(constant.rmse)")
        // the data set (side features, ids) always travels with the interactions: training
        // interactions over other index spaces are refused before any fit
        let foreign = Interactions(users: [0], items: [0], ratings: [3], userCount: data.userCount + 1, itemCount: data.itemCount)
        #expect(throws: TrainingError.self) { try TrainingData(dataset, training: foreign) }
    }

    @Test func canonicalSplitsNeedTheOriginalFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("no-canonical-\(UInt32.random(in: 0...UInt32.max))")
        let dataset = Fixtures.dataset(RatingFixtures.random())
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
        let dataset = Fixtures.dataset(data)
        let splits = Splitter.kFold(data, folds: 2, seed: 0)
        let svd = SVD()
        let base: Hyperparameters = ["embedding-dim": .integer(2), "epochs": .integer(3)]
        let trials = try HyperparameterSearch.run(svd, base: base, grid: grid, seed: 0, dataset: dataset, splits: splits)
        #expect(trials.count == 4 && zip(trials, trials.dropFirst()).allSatisfy { $0.result.rmse <= $1.result.rmse })
        // each trial is the fit of its own settings
        for t in trials {
            let settings = try t.parameters.reduce(base) { settings, axis in
                settings.setting(try #require(svd.parameters.first { $0.answers(to: axis.name) }).name, .real(axis.value))
            }
            let again = try RatingEvaluation.run(svd, hyperparameters: settings, dataset: dataset, splits: splits)
            #expect(again.rmse == t.result.rmse, "\(t.parameters)")
        }
        #expect(Set(trials.map { $0.result.rmse }).count == 4, "four different settings give four different results")
        let random = try HyperparameterSearch.run(svd, base: base, grid: grid, randomCount: 2, seed: 0, dataset: dataset, splits: splits)
        #expect(random.count == 2)
        #expect(throws: TrainingError.unknownHyperparameter(algorithm: "svd", name: "nope", known: svd.parameters.map(\.name))) {
            try HyperparameterSearch.run(svd, base: base, grid: ParameterGrid(parsing: "nope=1"), seed: 0, dataset: dataset, splits: splits)
        }
        // every value is checked against the table before any fit
        var fits = 0
        #expect {
            try HyperparameterSearch.run(svd, base: base, grid: ParameterGrid(parsing: "epochs=1;lr=0.01,0"), seed: 0, dataset: dataset,
                                         splits: splits) { _ in fits += 1 }
        } throws: { error in
            guard case .invalidHyperparameter(_, let name, _)? = error as? TrainingError else { return false }
            return name == "learning-rate"
        }
        #expect(fits == 0)
        // ranges: random search only, draws inside the range, integers for integer ends, seeded
        let ranged = try ParameterGrid(parsing: "factors=2:6;lr=0.004:0.02")
        #expect(ranged.hasRanges)
        #expect(throws: DataError.self) { try HyperparameterSearch.run(svd, base: base, grid: ranged, seed: 0, dataset: dataset, splits: splits) }
        let drawn = try HyperparameterSearch.run(svd, base: base, grid: ranged, randomCount: 3, seed: 4, dataset: dataset, splits: splits)
        #expect(drawn.count == 3)
        for t in drawn {
            #expect((2...6).contains(t.parameters[0].value) && t.parameters[0].value == t.parameters[0].value.rounded())
            #expect((0.004...0.02).contains(t.parameters[1].value))
        }
        let again = try HyperparameterSearch.run(svd, base: base, grid: ranged, randomCount: 3, seed: 4, dataset: dataset, splits: splits)
        #expect(drawn.map { $0.parameters.map(\.value) } == again.map { $0.parameters.map(\.value) })
    }

    /// A grid axis overrides the base setting of the same parameter whatever the spelling of
    /// either (`lr` in the base, `learning-rate` in the grid, or the reverse).
    @Test func gridAxisOverridesTheBaseUnderAnySpelling() throws {
        let data = RatingFixtures.random()
        let dataset = Fixtures.dataset(data)
        let splits = Splitter.kFold(data, folds: 2, seed: 0)
        let svd = SVD()
        let direct = try RatingEvaluation.run(svd, hyperparameters: ["epochs": .integer(3), "learning-rate": .real(0.02)], dataset: dataset, splits: splits)
        for (baseName, axisName) in [("lr", "learning-rate"), ("learning-rate", "lr"), ("learning_rate", "lr")] {
            let base: Hyperparameters = ["epochs": .integer(3), baseName: .real(0.001)]
            let trials = try HyperparameterSearch.run(svd, base: base, grid: ParameterGrid(parsing: "\(axisName)=0.02"), seed: 0,
                                                      dataset: dataset, splits: splits)
            #expect(trials.first?.result.rmse == direct.rmse, "base \(baseName), grid \(axisName)")
        }
    }
}
