import Foundation
import Hummingbird
import NIOCore
import Recommender
import RecommenderServer
import Testing

/// Metrics, reload and hot swap under load, background retraining.
@Suite("Server operations", .serialized)
struct ServerOperationsTests {
    @Test func metricsCountRequestsByRoute() async throws {
        let s = try ServerUnderTest()
        try await s.live { client in
            for _ in 0..<3 { try await client.execute(uri: "/v1/users/1/recommendations", method: .get) { r in #expect(r.status == .ok) } }
            try await client.execute(uri: "/v1/users/nobody/recommendations", method: .get) { r in #expect(r.status == .notFound) }
            try await client.execute(uri: "/metrics", method: .get) { r in
                #expect(r.status == .ok)
                let text = String(buffer: r.body)
                #expect(text.contains(#"recommender_http_requests_total{route="/v1/users/{id}/recommendations",method="GET",status="200"} 3"#))
                #expect(text.contains(#"recommender_http_requests_total{route="/v1/users/{id}/recommendations",method="GET",status="404"} 1"#))
                #expect(text.contains(#"recommender_http_request_duration_seconds_bucket{route="/v1/users/{id}/recommendations",method="GET",status="200",le="+Inf"} 3"#))
                #expect(text.contains(#"recommender_model_version{model="ials",kind="ials"} 1"#))
            }
        }
    }

    @Test func hotSwapUnderLoadFailsNoRequest() async throws {
        let s = try ServerUnderTest()
        let slot = s.state.roster.slots[0]
        // A second model file, trained differently, to swap between.
        try trainFixtureModel("ials", hyperparameters: ["embedding-dim": .integer(6), "iterations": .integer(3)], into: s.folder.url, name: "ials")
        try await s.live { client in
            let failures = try await withThrowingTaskGroup(of: Int.self) { group in
                group.addTask {
                    for _ in 0..<5 {
                        try await client.execute(uri: "/v1/models/ials/reload", method: .post) { r in #expect(r.status == .ok) }
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    return 0
                }
                for _ in 0..<4 {
                    group.addTask {
                        var failed = 0
                        for n in 0..<50 {
                            try await client.execute(uri: "/v1/users/\(1 + n % 60)/recommendations?k=10", method: .get) { r in
                                let o = try json(r.body)
                                if r.status != .ok || items(o).count != 10 { failed += 1 }
                            }
                        }
                        return failed
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(failures == 0)
            #expect(slot.current.version == 6)
            try await client.execute(uri: "/v1/models/ials", method: .get) { r in
                let o = try json(r.body)
                #expect(o["version"] as? Int == 6)
            }
        }
    }

    @Test func failedReloadKeepsTheOldModel() async throws {
        let s = try ServerUnderTest()
        let file = try ModelFile.url(at: s.state.roster.slots[1].path)
        try Data("not a model".utf8).write(to: file)
        try await s.live { client in
            try await client.execute(uri: "/v1/models/svd/reload", method: .post) { r in
                #expect(r.status == .unprocessableContent)
                #expect(errorCode(r.body) == "reload_failed")
            }
            try await client.execute(uri: "/v1/models/svd", method: .get) { r in
                let o = try json(r.body)
                #expect(o["version"] as? Int == 1)
                #expect(((o["last_failure"] as? [String: Any])?["message"] as? String)?.contains("reload failed") == true)
            }
            let pairs = #"{"model": "svd", "pairs": [{"user": "1", "item": "101"}]}"#
            try await client.execute(uri: "/v1/predict", method: .post, headers: jsonHeaders, body: body(pairs)) { r in #expect(r.status == .ok) }
        }
    }

    @Test func retrainingFromBaseDataPlusStoreSwapsTheModel() async throws {
        let s = try ServerUnderTest(retrain: .ratings(1_000_000))
        let retrainer = try #require(s.state.retrainer)
        try await s.live { client in
            for item in ["121", "125", "133"] {
                try await client.execute(uri: "/v1/users/brand-new/ratings", method: .post, headers: jsonHeaders,
                                         body: body(#"{"item": "\#(item)", "rating": 5}"#)) { r in #expect(r.status == .created) }
            }
            try await client.execute(uri: "/v1/models/ials/retrain", method: .post) { r in #expect(r.status == .accepted) }
            try await client.execute(uri: "/v1/models/svd/retrain", method: .post) { r in #expect(r.status == .conflict) }
            for _ in 0..<600 where retrainer.counts.runs == 0 { try await Task.sleep(for: .milliseconds(50)) }
            #expect(retrainer.counts == (1, 0))
            try await client.execute(uri: "/v1/models/ials", method: .get) { r in
                let o = try json(r.body)
                #expect(o["version"] as? Int == 2)
                #expect((o["data"] as? [String: Any])?["users"] as? Int == 61)  // the store's new user is in the training data
                #expect(o["last_failure"] == nil)
            }
            // The retrained model knows the new user (no fold-in needed for what was trained) and is on disk.
            #expect(s.state.roster.slots[0].current.metadata.userIndex(of: "brand-new") != nil)
            let onDisk = try ServedModel(name: "x", path: s.state.roster.slots[0].path)
            #expect(onDisk.metadata.userIDs.count == 61 && onDisk.record?.algorithm == "ials")
        }
    }

    @Test func failedRetrainingIsReportedAndOldModelKept() throws {
        let folder = try TempFolder()
        try trainFixtureModel("ials", hyperparameters: ialsSettings, into: folder.url, name: "m")
        let path = folder.url.appendingPathComponent("m").path
        let slot = ModelSlot(model: try ServedModel(name: "m", path: path), path: path)
        struct Missing: Error {}
        let retrainer = Retrainer(slot: slot, algorithm: try AlgorithmCatalog.standard.algorithm(named: "ials"), schedule: .ratings(1),
                                  store: nil, loadBase: { throw Missing() })
        #expect(throws: Missing.self) { try retrainer.retrainNow() }
        #expect(slot.current.version == 1)
        #expect(slot.snapshot.lastFailure?.message.contains("retraining failed") == true)
    }

    /// A model with an HNSW index beside its file answers known users through the index (the same
    /// items as the exact scan on this small catalogue), says so in /v1/models, and `exact=true`
    /// scores every item; a stale index is not used, and the model still loads.
    @Test func indexBesideTheModelServesKnownUsers() async throws {
        let s = try ServerUnderTest()
        let path = s.state.roster.slots[0].path
        let exactModel = s.state.roster.slots[0].current
        let ials = try #require(exactModel.model as? ImplicitALSModel)
        try HNSWIndex.buildBeside(model: ials, modelURL: exactModel.url, parameters: HNSWParameters(m: 8, efConstruction: 64, seed: 1))
        let slot = s.state.roster.slots[0]
        try slot.reload()
        #expect(slot.current.retrieval == "hnsw")
        try await s.live { client in
            try await client.execute(uri: "/v1/models/ials", method: .get) { r in
                let o = try json(r.body)
                #expect(o["retrieval"] as? String == "hnsw")
            }
            // HNSW is approximate: most of the exact top 5 come back, always 5, never a rated item.
            var found = 0, asked = 0
            for user in (1...20).map(String.init) {
                var viaIndex: [String] = [], viaScan: [String] = []
                try await client.execute(uri: "/v1/users/\(user)/recommendations?k=5", method: .get) { r in
                    #expect(r.status == .ok)
                    viaIndex = items(try json(r.body))
                }
                try await client.execute(uri: "/v1/users/\(user)/recommendations?k=5&exact=true", method: .get) { r in
                    #expect(r.status == .ok)
                    viaScan = items(try json(r.body))
                }
                #expect(viaIndex.count == 5 && viaScan.count == 5, "user \(user)")
                let model = s.state.roster.slots[0].current
                let rated = Set(model.metadata.history(of: try #require(model.metadata.userIndex(of: UserID(user)))).map { model.metadata.itemIDs.id(at: $0.item).rawValue })
                #expect(rated.isDisjoint(with: viaIndex), "user \(user)")
                found += Set(viaIndex).intersection(viaScan).count
                asked += viaScan.count
            }
            #expect(Double(found) / Double(asked) >= 0.9, "recall \(found) of \(asked)")
            try await client.execute(uri: "/v1/users/1/recommendations?exact=maybe", method: .get) { r in
                #expect(r.status.code == 400)
            }
        }
        // Another model written over the file leaves the index stale: the exact scan answers.
        try trainFixtureModel("ials", hyperparameters: ["embedding-dim": .integer(8), "iterations": .integer(3)],
                              into: URL(fileURLWithPath: path).deletingLastPathComponent(), name: URL(fileURLWithPath: path).lastPathComponent)
        let reloaded = try slot.reload()
        #expect(reloaded.index == nil && reloaded.retrieval.hasPrefix("exact (index not used"))
    }

    /// Data without a declared rating scale: the server accepts only ratings within the range of
    /// the model's training ratings, so a stray value cannot reach the store and the next training.
    @Test func ratingsWithoutADeclaredScaleAreBoundedByTheTrainingRatings() async throws {
        let folder = try TempFolder()
        var data = serverFixtureDataset()
        data.ratingScale = nil
        try trainFixtureModel("ials", hyperparameters: ialsSettings, into: folder.url, name: "m", dataset: data)
        let path = folder.url.appendingPathComponent("m").path
        let model = try ServedModel(name: "m", path: path)
        #expect(model.metadata.ratingScale == nil)
        let values = model.metadata.seen.values
        let range = try #require(values.min())...(try #require(values.max()))
        let store = try RatingsStore(path: folder.url.appendingPathComponent("r.sqlite").path)
        let state = ServerState(roster: ModelRoster([ModelSlot(model: model, path: path)]), store: store, configuration: ServerConfiguration(port: 0))
        try await ServerUnderTest(folder: folder, state: state).live { client in
            for (rating, status) in [(range.upperBound, 201), (range.lowerBound, 201), (range.upperBound + 1, 422), (-403845.7, 422), (271261, 422)] {
                try await client.execute(uri: "/v1/users/someone/ratings", method: .post, headers: jsonHeaders,
                                         body: body(#"{"item": "121", "rating": \#(rating)}"#)) { r in
                    #expect(r.status.code == status, "rating \(rating)")
                    if status == 422 { #expect(errorCode(r.body) == "rating_out_of_range") }
                }
            }
        }
        #expect(try store.storedRatings(of: "someone").count == 2)
    }

    @Test func schedulesParse() {
        #expect(Retrainer.Schedule("10m") == .every(seconds: 600))
        #expect(Retrainer.Schedule("30s") == .every(seconds: 30))
        #expect(Retrainer.Schedule("5000-ratings") == .ratings(5000))
        #expect(Retrainer.Schedule("soon") == nil)
        #expect(Retrainer.Schedule("-3m") == nil)
    }
}

extension ServerUnderTest {
    /// A server over `state` (models and store the test made itself).
    init(folder: TempFolder, state: ServerState) {
        self.folder = folder
        self.state = state
    }
}
