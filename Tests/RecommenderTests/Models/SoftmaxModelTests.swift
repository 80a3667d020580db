import Foundation
import Testing
@testable import Recommender
import RecommenderTestSupport
@testable import RecommenderCharts

/// Two taste groups: users of group A rate only movies 0..<6, users of group B only 6..<12.
func softmaxTwoGroupDataset(users: Int = 60, seed: UInt64 = 1) -> Dataset {
    var g = SeededGenerator(seed: seed)
    var u: [Int32] = [], i: [Int32] = [], r: [Float] = []
    for user in 0..<users {
        let base = user % 2 == 0 ? 0 : 6
        var items = Array(base..<(base + 6))
        g.shuffle(&items)
        for item in items.prefix(4) { u.append(Int32(user)); i.append(Int32(item)); r.append(Float(1 + g.nextInt(below: 5))) }
    }
    let interactions = Interactions(users: u, items: i, ratings: r, userCount: users, itemCount: 12)
    let genreNames = ["Action", "Comedy", "Drama"]
    let catalog = ItemCatalog(titles: (0..<12).map { "Movie \($0)" },
                              years: (0..<12).map { $0 == 3 ? nil : 1990 + $0 % 4 },
                              genres: (0..<12).map { $0 == 5 ? [] : GenreSet(index: $0 % 3).union(GenreSet(index: ($0 + 1) % 3)) },
                              genreNames: genreNames)
    return Dataset(name: "two-groups", userIDs: IDMap((0..<users).map { UserID($0) }), itemIDs: IDMap((0..<12).map { ItemID($0) }),
                   interactions: interactions, catalog: catalog, ratingScale: 1...5)
}

func softmaxSmallConfiguration(seed: UInt64 = 0) -> SoftmaxModel.Configuration {
    var c = SoftmaxModel.Configuration()
    c.movieEmbeddingDim = 6; c.hiddenDims = [6]; c.genreEmbeddingDim = 2; c.yearEmbeddingDim = 2
    c.batchSize = 16; c.testBatchSize = 8; c.iterations = 150; c.learningRate = 0.5; c.k = 3
    c.testFraction = 0.2; c.seed = seed
    return c
}

@Suite struct SoftmaxModelTests {
    @Test func defaultsAreTheNotebooksRun() {
        let c = SoftmaxModel.Configuration.default
        #expect(c.movieEmbeddingDim == 35 && c.genreEmbeddingDim == 3 && c.yearEmbeddingDim == 2)
        #expect(c.hiddenDims == [35] && c.activation == .linear && !c.useBias && c.weightScale == 0.1)
        #expect(c.optimizer == .adagrad && c.learningRate == 8 && c.iterations == 3000)
        #expect(c.batchSize == 200 && c.testBatchSize == 100 && c.testFraction == 0.1)
        #expect(c.labelMode == .leak && c.evaluationInterval == 10 && c.k == 10 && c.rankingHoldoutFraction == 0.2)
    }

    @Test func invalidConfigurationIsRejected() {
        var c = softmaxSmallConfiguration()
        c.hiddenDims = [6, 5]
        #expect(throws: TrainingError.self) { try Softmax(c).fit(TrainingData(softmaxTwoGroupDataset())) }
        c = softmaxSmallConfiguration(); c.learningRate = 0
        #expect(throws: TrainingError.self) { try c.validate() }
    }

    @Test func featuresFollowTheNotebook() {
        let d = softmaxTwoGroupDataset()
        let f = SoftmaxFeatures(catalog: d.catalog, seed: 4)
        // Movie 5 has no genre: "Other" token; movie 3 has no year: the "unknown" token.
        #expect(f.genreVocabulary.contains("Other"))
        #expect(f.yearVocabulary.last == "unknown")
        #expect(f.yearVocabulary[Int(f.yearTokens[3])] == "unknown")
        #expect(f.yearVocabulary[Int(f.yearTokens[0])] == "1990")
        // Every movie's bag holds all its genres that are in the vocabulary (here: all of them).
        let tokens0 = f.genreTokens[Int(f.genreOffsets[0])..<Int(f.genreOffsets[1])].map { f.genreVocabulary[Int($0)] }
        #expect(Set(tokens0) == Set(["Action", "Comedy"]))
        #expect(f.isConsistent)
    }

    @Test func learnsTheTwoGroupsAndIsDeterministic() throws {
        let d = softmaxTwoGroupDataset()
        let logged = Locked<[TrainingEvent]>([])
        var twoThreads = softmaxSmallConfiguration(); twoThreads.threads = 2
        let result = try Softmax(twoThreads).fit(TrainingData(d), context: FitContext(observer: { e in logged.withLock { $0.append(e) } }))
        let h = result.history
        let events = logged.withLock { $0 }
        #expect(events.map(\.step) == Array(stride(from: 0, through: 150, by: 10)))
        #expect(events.allSatisfy { $0.unit == "iteration" && $0.stepCount == 150 })
        #expect(events.map { $0.metrics.map(\.name) }.allSatisfy { $0 == ["train_loss", "test_loss", "precision_at_10", "recall_at_10", "ndcg_at_10"] })
        #expect(events.last?.metric("ndcg_at_10") == h.last?.ndcgAt10 && events.last?.metric("train_loss") == h.last?.trainLoss)
        #expect(h.entries.count == 16)
        let first = try #require(h.entries.first), last = try #require(h.last)
        #expect(first.trainLoss > log(12) - 0.3)
        // Uniform over the right group of 6 is log 6 ≈ 1.79; the model must get well below log 12 ≈ 2.48.
        #expect(last.trainLoss < 2.0 && last.testLoss < 2.1, "\(last)")
        #expect(last.recallAt10 > 0.5, "\(last)")
        #expect(last.precisionAt10 > 0 && last.precisionAt10 <= 1.0 / 3 + 1e-9)
        // A brand-new user who rated group-A movies gets group-A movies first.
        let scores = result.scores(forHistory: [(item: 0, rating: 5), (item: 2, rating: 4)])
        let top = topK(scores, k: 6, excluding: { $0 == 0 || $0 == 2 }).map(\.index)
        #expect(top.prefix(4).allSatisfy { $0 < 6 }, "top \(top)")
        // Known user = the same computation from their stored history.
        let user: UserIndex = 4
        let history = d.interactions.byUser().columns(ofRow: 4).map { (item: ItemIndex($0), rating: Float(1)) }
        #expect(result.scores(forUser: user) == result.scores(forHistory: history))
        // Same seed, same model; other thread count, same model.
        var c = softmaxSmallConfiguration(); c.threads = 1
        let again = try Softmax(c).fit(TrainingData(d))
        #expect(again.network == result.network)
        #expect(again.history == result.history)
        #expect(again.testUsers == result.testUsers)
        // The context's threads and seed replace the configuration's (0 is a seed).
        let viaContext = try Softmax(twoThreads).fit(TrainingData(d), context: FitContext(seed: 0, threads: 1))
        #expect(viaContext.network == result.network && viaContext.history == result.history)
    }

    @Test func answersThroughTheSharedRetrievalAPI() throws {
        let d = softmaxTwoGroupDataset()
        let model = try Softmax(softmaxSmallConfiguration()).fit(TrainingData(d))
        // Neighbours of a group-A movie (dot and cosine) are group-A movies.
        for measure in [SimilarityMeasure.dot, .cosine] {
            let near = Recommendations.similarItems(to: 1, model: model, metadata: model.metadata, measure: measure,
                                                    options: RecommendationOptions(count: 4, excluded: [1]))
            #expect(near.count == 4 && near.allSatisfy { $0.item < 6 }, "\(measure): \(near.map(\.item))")
        }
        // A known user's recommendations exclude what they rated and favour their group.
        let rated = Set(d.interactions.byUser().columns(ofRow: 5).map(ItemIndex.init))
        let recs = Recommendations.forUser(5, scorer: model, metadata: model.metadata,
                                           options: RecommendationOptions(count: 2, excludeRated: true))
        #expect(recs.count == 2 && recs.allSatisfy { !rated.contains($0.item) && $0.item >= 6 }, "\(recs.map(\.item))")
        // A brand-new user through fold-in.
        let fresh = Recommendations.forHistory([(item: 7, rating: 5), (item: 8, rating: 3)], scorer: model, metadata: model.metadata,
                                               options: RecommendationOptions(count: 3, excludeRated: true))
        #expect(fresh.allSatisfy { $0.item >= 6 && $0.item != 7 && $0.item != 8 }, "\(fresh.map(\.item))")
    }

    @Test func excludeModeAndOtherOptimizersTrain() throws {
        let d = softmaxTwoGroupDataset()
        // (ReLU layers scaled by 1/10 start almost dead: Adam's normalised steps revive them.)
        for (optimizer, rate, relu) in [(SoftmaxModel.Optimizer.adam, Float(0.05), true), (.gradientDescent, 5, false), (.adagrad, 0.5, false)] {
            var c = softmaxSmallConfiguration(seed: 2)
            c.labelMode = .exclude; c.optimizer = optimizer; c.learningRate = rate
            if relu { c.activation = .relu; c.useBias = true; c.hiddenDims = [8, 6] }
            let r = try Softmax(c).fit(TrainingData(d))
            let last = try #require(r.history.last)
            #expect(last.trainLoss < r.history.entries[0].trainLoss - 0.2, "\(optimizer): \(last)")
        }
    }

    @Test func historyExportsCSVJSONAndChart() throws {
        var c = softmaxSmallConfiguration(); c.iterations = 25
        let h = try Softmax(c).fit(TrainingData(softmaxTwoGroupDataset())).history
        #expect(h.entries.map(\.iteration) == [0, 10, 20, 25])
        let lines = h.csv().split(separator: "\n")
        #expect(lines.count == 5 && lines[0] == "iteration,train_loss,test_loss,test_precision_at_10,test_recall_at_10,test_ndcg_at_10")
        let json = try JSONSerialization.jsonObject(with: Data(h.json().utf8)) as? [[String: Double]]
        #expect(json?.count == 4)
        #expect(json?.last?["iteration"] == 25)
        #expect(abs((json?.last?["train_loss"] ?? 0) - h.entries[3].trainLoss) < 1e-9)
        let svg = h.chartSVG()
        #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"))
        #expect(svg.contains("test_precision_at_10") && svg.contains("train_loss"))
    }

    @Test func divergenceIsReported() {
        var c = softmaxSmallConfiguration()
        c.optimizer = .gradientDescent; c.learningRate = 1e30
        #expect {
            try Softmax(c).fit(TrainingData(softmaxTwoGroupDataset()))
        } throws: { error in
            guard case .diverged? = error as? TrainingError else { return false }
            return true
        }
    }

    @Test func saveLoadRoundTrip() throws {
        var c = softmaxSmallConfiguration(); c.useBias = true; c.activation = .relu; c.hiddenDims = [7, 6]; c.iterations = 20
        let model = try Softmax(c).fit(TrainingData(softmaxTwoGroupDataset()))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("softmax-\(UInt32.random(in: 0...UInt32.max)).recmodel")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let loaded = try SoftmaxModel.load(from: url)
        #expect(loaded.network == model.network)
        #expect(loaded.features == model.features)
        #expect(loaded.configuration == model.configuration)
        #expect(loaded.scores(forUser: 3) == model.scores(forUser: 3))
        #expect(loaded.history == model.history && !loaded.history.entries.isEmpty)
        #expect(loaded.testUsers == model.testUsers && !loaded.testUsers.isEmpty)
        let any = try AlgorithmCatalog.standard.loadModel(from: url)
        #expect(any is SoftmaxModel)
        #expect((any as? ItemEmbeddingModel)?.itemEmbeddings == model.itemEmbeddings)
        // A damaged section is reported by name.
        var archive = model.archive()
        archive.set("softmax.movies", .floats([1, 2, 3]))
        #expect(throws: PersistenceError.self) { try SoftmaxModel(archive: archive, path: "x") }
        // Files written before the history was stored load with an empty history.
        var older = ModelArchive(kind: SoftmaxModel.kind)
        for (name, value) in model.archive().sections where name != "softmax.history_csv" && name != "softmax.test_users" { older.set(name, value) }
        let old = try SoftmaxModel(archive: older, path: "old")
        #expect(old.history.entries.isEmpty && old.testUsers.isEmpty && old.network == model.network)
    }

    @Test(.enabled(if: TestData.hasML100K, TestData.missingML100K))
    func shortRunOnML100K() throws {
        let d = try TestData.loadML100K()
        // Few, small batches: debug builds are slow. Learning itself is checked on the synthetic data.
        var c = SoftmaxModel.Configuration.default
        c.iterations = 2; c.batchSize = 20; c.testBatchSize = 10
        let r = try Softmax(c).fit(TrainingData(d))
        let first = try #require(r.history.entries.first), last = try #require(r.history.last)
        #expect(abs(first.trainLoss - log(1682)) < 0.2, "initial loss \(first.trainLoss) should be near log(1682)")
        #expect(last.iteration == 2 && last.testLoss.isFinite && last.recallAt10 >= 0 && last.ndcgAt10 <= 1)
        #expect(r.testUsers.count == 94)
        #expect(r.itemEmbeddings.rows == 1682 && r.itemEmbeddings.columns == 35)
    }
}
