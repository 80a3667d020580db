import Foundation
import Recommender
import RecommenderServer
import Testing

/// `index build` and `train --index hnsw` choose the inner-product graph with a recall probe.
@Suite struct IndexChoiceTests {
    @Test func theProbeChoosesAGraphDeterministicallyAndTheServerUsesIt() throws {
        let folder = try TempFolder()
        let modelURL = try ModelFile.url(at: trainFixtureModel("ials", hyperparameters: ialsSettings, into: folder.url, name: "m").path)
        let model = try #require(try AlgorithmCatalog.standard.loadModel(from: modelURL) as? ImplicitALSModel)
        var parameters = HNSWParameters.default
        parameters.threads = 1
        let first = try HNSWIndex.buildBesideChoosingGraph(model: model, modelURL: modelURL, parameters: parameters, probeUsers: 30)
        let bytes = try Data(contentsOf: first.url)
        let choice = try #require(first.choice)
        #expect(choice.probeQueries == 30 && choice.ef == first.index.defaultEf)
        #expect((0...1).contains(choice.nativeRecall))
        // The direction graph is built only when the native one probes under 0.95, and kept only when better.
        #expect((choice.angularRecall != nil) == (choice.nativeRecall < 0.95))
        if choice.chosen == .angularGraph { #expect(try #require(choice.angularRecall) > choice.nativeRecall) }
        let second = try HNSWIndex.buildBesideChoosingGraph(model: model, modelURL: modelURL, parameters: parameters, probeUsers: 30)
        #expect(second.choice == choice)
        #expect(try Data(contentsOf: second.url) == bytes)
        let served = try ServedModel(name: "m", path: modelURL.path)
        #expect(served.retrieval == "hnsw")
        #expect(served.index?.itemCount == model.itemEmbeddings.rows)
    }
}
