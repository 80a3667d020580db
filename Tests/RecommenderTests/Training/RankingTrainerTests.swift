import Foundation
import Testing
@testable import Recommender

/// The trainers of the ranking models, matrix factorization and softmax: their hyper-parameter
/// tables, the catalog lines, and the fit context (seed, threads, observer).
@Suite struct RankingTrainerTests {
    let data = TwoBlocks.data()

    /// Trainers whose configuration type is `Equatable`, erased for table checks.
    struct Case: Sendable, CustomStringConvertible {
        var algorithm: any Algorithm
        /// `configured(reader(settings)) == configuration`.
        var roundTrips: @Sendable (Hyperparameters) throws -> Bool
        var description: String { algorithm.name }
        init<T: Trainer>(_ trainer: T) where T.Configuration: Equatable {
            algorithm = trainer
            roundTrips = { settings in try trainer.configured(trainer.reader(settings)) == trainer.configuration }
        }
    }

    static let cases: [Case] = [
        Case(Popularity()), Case(ItemKNN()), Case(EASE()), Case(ImplicitALS()), Case(BPR()),
        Case(MatrixFactorization()), Case(Softmax()),
    ]

    @Test func theCatalogListsEveryModelAndBestRanksWithIALS() throws {
        let catalog = AlgorithmCatalog.standard
        for name in ["mf", "popularity", "item-knn", "ease", "ials", "bpr", "softmax"] {
            #expect(catalog.names.contains(name), "\(name) is missing from the standard catalog")
        }
        #expect(try catalog.algorithm(named: "best", task: .ranking).name == "ials")
        #expect(try catalog.algorithm(named: "best", task: .rating).name == "bayesian-fm")
        #expect(try catalog.algorithm(named: "mf").task == .rating)
        for name in ["popularity", "item-knn", "ease", "ials", "bpr", "softmax"] { #expect(try catalog.algorithm(named: name).task == .ranking) }
        let kinds = Set(catalog.modelTypes.map { $0.kind })
        for kind in ["mf", "popularity", "item-knn", "ease", "ials", "bpr", "softmax"] { #expect(kinds.contains(kind)) }
        let mf = try catalog.algorithm(named: "mf")
        #expect(mf.defaultValidationFraction == 0.1 && mf.usesValidation)
    }

    /// The table's defaults are the configuration's values: reading no settings gives back the
    /// configuration, and so does setting every parameter to its declared default.
    @Test(arguments: cases) func tableDefaultsAreTheConfiguration(_ c: Case) throws {
        #expect(try c.roundTrips([:]))
        var all = Hyperparameters()
        for spec in c.algorithm.parameters { if let v = spec.defaultValue { all.set(spec.name, v) } }
        // (mf's rule is that setting regularization or gravity, even to 0, switches the defaults
        // of the others to the regularized run; matrixFactorizationKeepsTheNotebooksDependentDefaults.)
        if c.algorithm.name != "mf" {
            #expect(try c.roundTrips(all), "setting \(c.algorithm.name)'s defaults explicitly changes its configuration")
        }
        // Names are kebab-case and unique, aliases included.
        var names = Set<String>()
        for spec in c.algorithm.parameters {
            #expect(spec.name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }, "\(spec.name)")
            for n in [spec.name] + spec.aliases { #expect(names.insert(n).inserted, "\(c.algorithm.name): '\(n)' twice") }
        }
    }

    @Test func aCustomConfigurationIsTheTablesDefault() throws {
        var c = ImplicitALS.Configuration.default
        c.factors = 8; c.feedback.threshold = 4
        let table = ImplicitALS(c).parameters
        #expect(table.first { $0.name == "embedding-dim" }?.defaultValue == .integer(8))
        #expect(table.first { $0.name == "threshold" }?.defaultValue == .real(4))
        #expect(table.first { $0.name == "regularization-exponent" }?.defaultValue == .real(0.5))
        #expect(table.first { $0.name == "cg-steps" }?.defaultValue == .integer(3))
        #expect(BPR().parameters.first { $0.name == "weighting" }?.defaultValue == .choice("binary"))
        #expect(ImplicitALS().parameters.first { $0.name == "weighting" }?.defaultValue == .choice("rating"))
    }

    @Test func settingsReachTheConfiguration() throws {
        let ials = try ImplicitALS().configured(ImplicitALS().reader([
            "factors": .integer(16), "regularization-exponent": .real(0), "cg-steps": .integer(5), "solver": .choice("cholesky"),
            "threshold": .integer(4), "weighting": .choice("binary"),
        ]))
        #expect(ials.factors == 16 && ials.regularizationExponent == 0 && ials.conjugateGradientSteps == 5 && ials.solver == .cholesky)
        #expect(ials.feedback == ImplicitFeedback(threshold: 4, weighting: .binary))
        let knn = try ItemKNN().configured(ItemKNN().reader(["neighbours": .integer(7), "similarity": .choice("conditional-probability")]))
        #expect(knn.neighbours == 7 && knn.similarity == .conditionalProbability)
        let ease = try EASE().configured(EASE().reader(["lambda": .real(50), "dropout": .real(0.25)]))
        #expect(ease.lambda == 50 && ease.dropout == 0.25)
        let bpr = try BPR().configured(BPR().reader(["embedding-dim": .integer(12), "lr": .real(0.1), "epochs": .integer(3)]))
        #expect(bpr.factors == 12 && bpr.learningRate == 0.1 && bpr.epochs == 3)
    }

    /// Absurd values are refused by the table before anything is allocated (issue 10's crashes).
    @Test func boundsRefuseAbsurdValues() {
        let refused: [(String, Hyperparameters)] = [
            ("ials", ["embedding-dim": .integer(0)]), ("ials", ["embedding-dim": .integer(1_000_000)]),
            ("ials", ["alpha": .real(-1)]), ("ials", ["cg-steps": .integer(0)]), ("ials", ["solver": .choice("lu")]),
            ("bpr", ["learning-rate": .real(0)]), ("bpr", ["learning-rate": .real(.infinity)]), ("bpr", ["epochs": .integer(-1)]),
            ("item-knn", ["neighbours": .integer(0)]), ("ease", ["regularization": .real(0)]), ("ease", ["dropout": .real(1)]),
            ("popularity", ["threshold": .real(.nan)]), ("popularity", ["weighting": .choice("log")]),
            ("mf", ["embedding-dim": .integer(129)]), ("mf", ["learning-rate": .real(-1)]),
            ("softmax", ["batch-size": .integer(10_000_000)]), ("softmax", ["test-fraction": .real(1)]),
            ("softmax", ["hidden-dims": .integers([0])]),
        ]
        for (name, settings) in refused {
            #expect(throws: TrainingError.self, "\(name) \(settings.values)") {
                try AlgorithmCatalog.standard.algorithm(named: name).fit(data, hyperparameters: settings, context: FitContext())
            }
        }
        #expect {
            try AlgorithmCatalog.standard.algorithm(named: "popularity").fit(data, hyperparameters: ["factors": .integer(3)], context: FitContext())
        } throws: { error in
            guard case let .unknownHyperparameter(algorithm, name, known)? = error as? TrainingError else { return false }
            return algorithm == "popularity" && name == "factors" && known == ["threshold", "weighting"]
        }
    }

    /// The bug: a fit keeps the data set's ids, whatever the row numbers.
    @Test func aFitThroughTheCatalogKeepsTheDataSetsIDs() throws {
        for name in ["popularity", "item-knn", "ease", "ials", "bpr"] {
            let model = try AlgorithmCatalog.standard.algorithm(named: name)
                .fit(data, hyperparameters: name == "bpr" ? ["epochs": .integer(2)] : [:], context: FitContext(threads: 1))
            #expect(model.metadata.userIndex(of: "u3") == 3, "\(name)")
            #expect(model.metadata.userIndex(of: "3") == nil, "\(name)")
            #expect(model.metadata.itemIDs.count == TwoBlocks.items)
        }
    }

    @Test func nothingToTrainOnIsAClearError() {
        let trainers: [any Algorithm] = [Popularity(), ItemKNN(), EASE(), ImplicitALS(), BPR()]
        for trainer in trainers {
            // every rating of the fixture is at most 5: threshold 6 leaves no positive (the message gives the range)
            #expect(throws: TrainingError.self, "\(trainer.name)") {
                try trainer.fit(data, hyperparameters: ["threshold": .real(6)], context: FitContext())
            }
            #expect(throws: TrainingError.emptyTraining, "\(trainer.name)") {
                try trainer.fit(TrainingData(data.dataset, training: .empty(userCount: TwoBlocks.users, itemCount: TwoBlocks.items)),
                                hyperparameters: [:], context: FitContext())
            }
        }
    }

    @Test func badConfigurationsThrowTrainingErrors() {
        #expect(throws: TrainingError.self) { try BPR(.init(learningRate: 0)).fit(data) }
        #expect(throws: TrainingError.self) { try ImplicitALS(.init(factors: 0)).fit(data) }
        #expect(throws: TrainingError.self) { try EASE(.init(dropout: 1)).fit(data) }
        #expect(throws: TrainingError.self) { try ItemKNN(.init(neighbours: 0)).fit(data) }
    }

    @Test func thresholdSetByNameEqualsTheConfiguration() throws {
        let byName = try AlgorithmCatalog.standard.algorithm(named: "popularity").fit(data, hyperparameters: ["threshold": .real(4)], context: FitContext())
        let typed = try Popularity(.init(feedback: ImplicitFeedback(threshold: 4))).fit(data)
        #expect((byName as? PopularityModel)?.counts == typed.counts)
        #expect(typed.counts != (try Popularity().fit(data)).counts)
    }

    @Test func seedsComeFromTheContextAndZeroIsASeed() throws {
        var c = ImplicitALS.Configuration(factors: 2, iterations: 3, threads: 1)
        let byDefault = try ImplicitALS(c).fit(data)                                    // seed 42
        let zero = try ImplicitALS(c).fit(data, context: FitContext(seed: 0))
        c.seed = 0
        let configuredZero = try ImplicitALS(c).fit(data)
        #expect(zero.userFactors == configuredZero.userFactors)
        #expect(zero.userFactors != byDefault.userFactors)
        let bpr = BPR(.init(factors: 4, epochs: 2, threads: 1))
        #expect(try bpr.fit(data, context: FitContext(seed: 0)).userFactors == BPR(.init(factors: 4, epochs: 2, seed: 0, threads: 1)).fit(data).userFactors)
        #expect(try bpr.fit(data, context: FitContext(seed: 0)).configuration.seed == 0)   // fold-in reuses the fit's seed
    }

    @Test func observersReceiveOneEventPerStep() throws {
        let events = Locked<[TrainingEvent]>([])
        let context = FitContext(threads: 1, observer: { e in events.withLock { $0.append(e) } })
        _ = try ImplicitALS(.init(factors: 2, iterations: 4)).fit(data, context: context)
        let ials = events.withLock { e in defer { e.removeAll() }; return e }
        #expect(ials.map(\.step) == [1, 2, 3, 4] && ials.allSatisfy { $0.unit == "iteration" && $0.stepCount == 4 })
        #expect(zip(ials, ials.dropFirst()).allSatisfy { $0.elapsedSeconds <= $1.elapsedSeconds })
        _ = try BPR(.init(factors: 4, epochs: 3)).fit(data, context: context)
        let bpr = events.withLock { $0 }
        #expect(bpr.map(\.step) == [1, 2, 3] && bpr.allSatisfy { $0.unit == "epoch" && $0.stepCount == 3 })
        #expect(bpr.allSatisfy { ($0.metric("train_accuracy") ?? -1) >= 0 && ($0.metric("train_accuracy") ?? 2) <= 1 })
    }

    @Test func matrixFactorizationKeepsTheNotebooksDependentDefaults() throws {
        let mf = MatrixFactorization()
        let plain = try mf.configured(mf.reader([:]))
        #expect(plain == .default)
        let regularized = try mf.configured(mf.reader(["regularization": .real(0.1), "gravity": .real(1)]))
        #expect(regularized == .regularizedNotebook)
        // One of λ, γ set: the other stays 0; unset d, σ, η, iterations come from the regularized run.
        let onlyGravity = try mf.configured(mf.reader(["gravity": .real(1), "embedding-dim": .integer(10)]))
        #expect(onlyGravity.regularization == 0 && onlyGravity.gravity == 1 && onlyGravity.embeddingDim == 10)
        #expect(onlyGravity.initStddev == 0.05 && onlyGravity.learningRate == 20 && onlyGravity.iterations == 2000)
        let zero = try mf.configured(mf.reader(["regularization": .real(0)]))
        #expect(zero.embeddingDim == 35 && !zero.isRegularized)
        // The dependent parameters say so instead of showing one default.
        let dim = try #require(mf.parameters.first { $0.name == "embedding-dim" })
        #expect(dim.defaultValue == nil && dim.help.contains("30") && dim.help.contains("35"))
        #expect(MatrixFactorization(.regularizedNotebook).parameters.first { $0.name == "embedding-dim" }?.defaultValue == .integer(35))
        #expect(mf.parameters.first { $0.name == "optimizer" }?.defaultValue == .choice("sgd"))
    }

    @Test func softmaxHiddenLayersFollowTheEmbeddingDimension() throws {
        let s = Softmax()
        let d20 = try s.configured(s.reader(["embedding-dim": .integer(20)]))
        #expect(d20.movieEmbeddingDim == 20 && d20.hiddenDims == [20])
        let deep = try s.configured(s.reader(["embedding-dim": .integer(6), "hidden-dims": .integers([8, 6]), "activation": .choice("relu"),
                                              "hidden-bias": .flag(true), "label-mode": .choice("exclude"), "batch-size": .integer(50),
                                              "gemm": .choice("swift"), "test-fraction": .real(0.2)]))
        #expect(deep.hiddenDims == [8, 6] && deep.activation == .relu && deep.useBias && deep.labelMode == .exclude)
        #expect(deep.batchSize == 50 && deep.gemmBackend == .swift && deep.testFraction == 0.2)
        #expect {
            try s.configured(s.reader(["hidden-dims": .integers([8])]))
        } throws: { error in
            guard case let .invalidHyperparameter(_, name, reason)? = error as? TrainingError else { return false }
            return name == "hidden-dims" && reason.contains("embedding-dim")
        }
        #expect(try s.configured(s.reader([:])).gemmBackend == nil)
    }
}
