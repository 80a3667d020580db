import Foundation
import Testing
@testable import Recommender

/// `evaluate`'s report of the NDCG lost by approximate retrieval: the same model's lists from
/// the exact scan and from an index, on a small seeded fixture.
@Suite struct RetrievalEvaluationTests {
    static let users = 120, items = 700
    /// A power-law interaction matrix: item i is picked with weight 1/(i+1)^0.8, ~30 per user.
    static let dataset: Dataset = {
        var g = SeededGenerator(seed: 21)
        var weights = (0..<items).map { pow(Double($0 + 1), -0.8) }
        let total = weights.reduce(0, +)
        for i in weights.indices { weights[i] /= total }
        var cumulative = [Double](repeating: 0, count: items)
        var acc = 0.0
        for i in 0..<items { acc += weights[i]; cumulative[i] = acc }
        var us: [Int32] = [], its: [Int32] = [], rs: [Float] = []
        for u in 0..<users {
            var chosen = Set<Int>()
            let want = 20 + g.nextInt(below: 20)
            while chosen.count < want {
                let x = g.nextUnitDouble() * acc
                chosen.insert(min(items - 1, cumulative.firstIndex { $0 >= x } ?? items - 1))
            }
            for i in chosen.sorted() { us.append(Int32(u)); its.append(Int32(i)); rs.append(Float(1 + g.nextInt(below: 5))) }
        }
        return MFFixtures.dataset(users: users, items: items, train: Interactions(users: us, items: its, ratings: rs, userCount: users, itemCount: items))
    }()
    static let split = Splitter.userStratified(dataset.interactions, testFraction: 0.25, seed: 3)
    static let model: ImplicitALSModel = {
        var c = ImplicitALS.Configuration()
        c.factors = 16
        c.iterations = 6
        c.seed = 5
        return try! ImplicitALS(c).fit(TrainingData(dataset, training: split.train))
    }()

    @Test func anExactRetrieverLosesNothing() throws {
        let scan = ExactScan(vectors: Self.model.itemEmbeddings, metric: .dot)
        let c = try RankingEvaluation.compareRetrieval(model: Self.model, metadata: Self.model.metadata, retriever: scan, name: "exact",
                                                       test: Self.split.test, k: 10, threads: 2)
        let direct = try RankingEvaluation.run(model: Self.model, metadata: Self.model.metadata, label: "m",
                                               test: HeldOutTest(interactions: Self.split.test, knownUsers: Self.users, knownItems: Self.items,
                                                                 unknownUsers: 0, unknownItems: 0, rowsSeenInTraining: 0), k: 10, threads: 2)
        #expect(c.exact == direct.report)
        #expect(c.exact.userCount > 100)
        // The scan scores with the same inner products: the lists agree (up to rounding ties).
        #expect(c.listRecall >= 0.99, "list recall \(c.listRecall)")
        #expect(abs(c.ndcgLost) <= 0.005, "NDCG lost by an exact scan: \(c.ndcgLost)")
        #expect(c.shortLists == 0)
    }

    @Test func theIndexReportsItsLossAndAlwaysFillsTheLists() throws {
        let hnsw = HNSWIndex.build(vectors: Self.model.itemEmbeddings, metric: .dot,
                                   parameters: HNSWParameters(m: 8, efConstruction: 64, seed: 9, threads: 2))
        hnsw.defaultEf = 200
        let wide = try RankingEvaluation.compareRetrieval(model: Self.model, metadata: Self.model.metadata, retriever: hnsw, name: "hnsw", ef: 200,
                                                          test: Self.split.test, k: 10, threads: 2)
        #expect(wide.listRecall >= 0.98, "list recall at ef 200: \(wide.listRecall)")
        #expect(abs(wide.ndcgLost) <= 0.01, "NDCG lost at ef 200: \(wide.ndcgLost)")
        #expect(wide.shortLists == 0)
        hnsw.defaultEf = 10
        hnsw.exactFallbackFraction = 0
        let narrow = try RankingEvaluation.compareRetrieval(model: Self.model, metadata: Self.model.metadata, retriever: hnsw, name: "hnsw", ef: 10,
                                                            test: Self.split.test, k: 10, threads: 2)
        #expect(narrow.shortLists == 0, "every user has far more than k unrated items")
        #expect(narrow.exact == wide.exact)
        #expect(narrow.listRecall <= wide.listRecall)
        #expect(abs(narrow.ndcgLost - (narrow.exact.ndcg - narrow.approximate.ndcg)) < 1e-12)
        let names = Dictionary(narrow.named.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(names["ndcg@10_hnsw"] == narrow.approximate.ndcg)
        #expect(names["ndcg@10_lost_by_hnsw"] == narrow.ndcgLost)
        #expect(names["list_recall@10_hnsw"] == narrow.listRecall)
        #expect(names["hnsw_ef"] == 10)
    }

    @Test func anIndexOverOtherItemsIsRefused() {
        let other = ExactScan(vectors: Matrix(rows: 5, columns: 16), metric: .dot)
        #expect(throws: TrainingError.self) {
            _ = try RankingEvaluation.compareRetrieval(model: Self.model, metadata: Self.model.metadata, retriever: other, name: "x",
                                                       test: Self.split.test, k: 10)
        }
        #expect(throws: TrainingError.self) {
            _ = try RankingEvaluation.compareRetrieval(model: Self.model, metadata: Self.model.metadata,
                                                       retriever: ExactScan(vectors: Self.model.itemEmbeddings, metric: .dot), name: "x",
                                                       test: Self.split.test, k: 0)
        }
    }

    @Test func theFittingEvaluationComparesWhenAskedAndTheDocumentCarriesTheFigures() throws {
        let catalog = AlgorithmCatalog.standard
        let ials = try catalog.algorithm(named: "ials", task: .ranking)
        var h = Hyperparameters()
        h.set("embedding-dim", .integer(16))
        h.set("iterations", .integer(4))
        let compared = try RankingEvaluation.run(ials, hyperparameters: h, dataset: Self.dataset, split: Self.split, k: 10,
                                                 context: FitContext(seed: 1, threads: 2),
                                                 index: HNSWParameters(m: 8, efConstruction: 64, seed: 1), ef: 32)
        let retrieval = try #require(compared.retrieval)
        #expect(retrieval.exact == compared.report)
        #expect(retrieval.ef == 32 && retrieval.shortLists == 0)
        let plain = try RankingEvaluation.run(ials, hyperparameters: h, dataset: Self.dataset, split: Self.split, k: 10,
                                              context: FitContext(seed: 1, threads: 2))
        #expect(plain.retrieval == nil && plain.report == compared.report)
        // A model without embeddings has nothing to index.
        let popularity = try RankingEvaluation.run(try catalog.algorithm(named: "popularity", task: .ranking), dataset: Self.dataset,
                                                   split: Self.split, k: 10, index: HNSWParameters())
        #expect(popularity.retrieval == nil)
        let document = EvaluationDocument(ranking: [(compared, "ials", [])], dataset: "fixture", protocolDescription: "test", seed: 1, k: 10,
                                          relevanceThreshold: nil)
        let metrics = try #require(document.results.first?.metrics)
        #expect(metrics["ndcg@10_hnsw"] == EvaluationDocument.MetricValue.value(retrieval.approximate.ndcg))
        #expect(metrics["ndcg@10_lost_by_hnsw"] == EvaluationDocument.MetricValue.value(retrieval.ndcgLost))
        #expect(metrics["ndcg@10"] == EvaluationDocument.MetricValue.value(compared.report.ndcg))
    }
}
