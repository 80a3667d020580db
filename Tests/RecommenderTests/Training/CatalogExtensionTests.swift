import Foundation
import Testing
import Recommender
import RecommenderTestSupport

// Outside code adds an algorithm: its own trainer and model types, registered in a copy of the
// standard catalog, then fitted, saved and read back through that catalog. Public API only.

/// Each item's mean training rating, shrunk towards the global mean by `shrinkage` pseudo-ratings.
struct ItemMeanModel: FittedModel, RatingPredictor, HistoryScorer, Equatable {
    static let kind = "item-mean"
    var means: [Float]
    var metadata: ModelMetadata

    init(means: [Float], metadata: ModelMetadata) {
        self.means = means
        self.metadata = metadata
    }

    var itemCount: Int { means.count }
    func predict(user: UserIndex, item: ItemIndex) -> Float { means.indices.contains(Int(item)) ? means[Int(item)] : 0 }
    func scores(forUser user: UserIndex) -> [Float] { means }
    func scores(forHistory history: [(item: ItemIndex, rating: Float)]) -> [Float] { means }

    func archive() -> ModelArchive {
        var a = ModelArchive(kind: Self.kind)
        a.store(metadata)
        a.set("item_means", .floats(means))
        return a
    }

    init(archive: ModelArchive, path: String) throws {
        metadata = try archive.metadata(path: path)
        means = try archive.floats("item_means", count: metadata.itemIDs.count, path: path)
    }
}

/// The trainer of ``ItemMeanModel``, with a one-line hyper-parameter table.
struct ItemMean: Trainer {
    struct Configuration: Sendable, Equatable { var shrinkage: Float = 2 }
    var configuration: Configuration
    init(_ configuration: Configuration = Configuration()) { self.configuration = configuration }

    var name: String { "item-mean" }
    var summary: String { "each item's shrunk mean rating" }
    var task: AlgorithmTask { .rating }
    var parameters: [HyperparameterSpec] {
        [.real("shrinkage", 0...1000, default: Double(configuration.shrinkage), help: "pseudo-ratings at the global mean", symbol: "β")]
    }

    func configured(_ settings: HyperparameterReader) throws -> Configuration {
        Configuration(shrinkage: settings.float("shrinkage") ?? configuration.shrinkage)
    }

    func fit(_ data: TrainingData, context: FitContext) throws -> ItemMeanModel {
        let x = data.interactions
        guard !x.isEmpty else { throw TrainingError.emptyTraining }
        let mu = x.meanRating
        var sums = [Float](repeating: 0, count: x.itemCount), counts = [Float](repeating: 0, count: x.itemCount)
        for k in 0..<x.count { sums[Int(x.items[k])] += x.ratings[k]; counts[Int(x.items[k])] += 1 }
        let beta = configuration.shrinkage
        let means = (0..<x.itemCount).map { (sums[$0] + beta * mu) / max(counts[$0] + beta, 1e-6) }
        return ItemMeanModel(means: means, metadata: data.metadata)
    }
}

@Suite struct CatalogExtensionTests {
    @Test func outsideCodeRegistersFitsSavesAndLoadsItsAlgorithm() throws {
        var catalog = AlgorithmCatalog.standard
        catalog.register(ItemMean())
        catalog.alias("mean", task: .rating, to: "item-mean")
        #expect(catalog.names == AlgorithmCatalog.standard.names + ["item-mean"])
        #expect(catalog.names(for: .rating).contains("item-mean") && catalog.names(for: .rating).contains("mean"))
        // the standard catalog is a value: unchanged
        #expect(!AlgorithmCatalog.standard.names.contains("item-mean"))
        #expect(throws: TrainingError.self) { try AlgorithmCatalog.standard.algorithm(named: "item-mean") }

        let dataset = Fixtures.dataset(RatingFixtures.random())
        let algorithm = try catalog.algorithm(named: "mean", task: .rating)
        #expect(algorithm.name == "item-mean")
        // the table drives the settings: known names are read, unknown ones refused
        let model = try algorithm.fit(dataset, hyperparameters: ["shrinkage": .real(0)])
        let direct = try ItemMean(.init(shrinkage: 0)).fit(TrainingData(dataset), context: FitContext())
        #expect((model as? ItemMeanModel) == direct)
        #expect(throws: TrainingError.unknownHyperparameter(algorithm: "item-mean", name: "epochs", known: ["shrinkage"])) {
            try algorithm.fit(dataset, hyperparameters: ["epochs": .integer(3)])
        }
        #expect(throws: TrainingError.self) { try algorithm.fit(dataset, hyperparameters: ["shrinkage": .real(-1)]) }

        // saved and read back through the extended catalog; the standard one names the kinds it knows
        let folder = try TemporaryFolder("extension")
        let url = folder.path(ModelFile.name)
        try model.save(to: url)
        let loaded = try catalog.loadModel(path: folder.url.path)
        #expect((loaded as? ItemMeanModel) == direct)
        #expect(catalog.modelTypes.contains { $0.kind == "item-mean" })
        #expect { try AlgorithmCatalog.standard.loadModel(from: url) } throws: { error in
            guard case .wrongKind(_, let found, let expected)? = error as? PersistenceError else { return false }
            return found == "item-mean" && expected.contains("svd")
        }
        // the extended catalog still reads the standard models
        let svd = try catalog.algorithm(named: "svd").fit(dataset, hyperparameters: ["embedding-dim": .integer(3), "epochs": .integer(2)])
        try svd.save(to: url)
        #expect(try catalog.loadModel(from: url) is SVDModel)

        // and it evaluates like any catalogued algorithm
        let splits = try RatingProtocol.kFold(folds: 2, seed: 0).splits(of: dataset)
        let result = try RatingEvaluation.run(algorithm, dataset: dataset, splits: splits)
        #expect(result.model == "item-mean" && result.rmse.isFinite)
    }

    @Test func aCatalogCopyCanReplaceTheDefaultsOfAStandardAlgorithm() throws {
        // A trainer made with another configuration reports it as its defaults.
        var catalog = AlgorithmCatalog(AlgorithmCatalog.standard.algorithms.filter { $0.name != "svd" })
        catalog.register(SVD(.init(factors: 8, epochs: 2)))
        let svd = try catalog.algorithm(named: "svd")
        #expect(svd.parameters.first { $0.name == "embedding-dim" }?.defaultValue == .integer(8))
        let model = try svd.fit(Fixtures.dataset(RatingFixtures.random()))
        #expect((model as? SVDModel)?.itemEmbeddings.columns == 8)
    }

    /// `svd`, `svdpp` and `als` share one public read-out (``BiasedFactorModel``, written once over
    /// an internal protocol): it stays public, and `svd`/`als` still score without their history.
    @Test func theBiasedFactorModelsShareOnePublicSurface() throws {
        let data = TrainingData(Fixtures.dataset(RatingFixtures.random()))
        func check(_ model: some BiasedFactorModel, factors: Int) {
            #expect(model.userFactors.rows == model.userBias.count && model.userFactors.columns == factors)
            #expect(model.itemEmbeddings.rows == model.itemBias.count && model.itemEmbeddings.columns == factors)
            let raw = model.mean + model.userBias[0] + model.itemBias[1]
                + (0..<factors).reduce(Float(0)) { $0 + model.userFactors[0, $1] * model.itemEmbeddings[1, $1] }
            if !(model is SVDppModel) {   // SVD++ adds its implicit term to p_u
                #expect(abs(model.predict(user: 0, item: 1) - min(5, max(1, raw))) < 1e-5)
                #expect(abs(model.scores(forUser: 0)[1] - raw) < 1e-5)
            }
            #expect(model.ratingRange == 1...5 && model.metadata.itemIDs.count == model.itemCount)
        }
        let svd = try SVD(.init(factors: 3, epochs: 2)).fit(data)
        let svdpp = try SVDpp(.init(factors: 3, epochs: 2)).fit(data)
        let als = try ALS(.init(factors: 3, iterations: 2)).fit(data)
        check(svd, factors: 3); check(svdpp, factors: 3); check(als, factors: 3)
        #expect(svd.foldIn([(1, 4)]).factors.count == 3 && als.foldIn([(1, 4)]).factors.count == 3)
        let types: [any PersistableModel.Type] = [SVDModel.self, ALSModel.self, SVDppModel.self]
        #expect(types.map { $0.scoresWithoutTrainingHistory } == [true, true, false])
    }

    @Test func registeringATakenNameIsAProgrammingError() async {
        await #expect(processExitsWith: .failure) {
            var catalog = AlgorithmCatalog.standard
            catalog.register(SVD())
        }
    }
}
