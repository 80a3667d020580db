import Foundation
import Hummingbird
import NIOCore
import Recommender
import RecommenderServer
import Testing

/// A gate a training run waits at until the test opens it (deterministic "one run at a time").
final class Gate: Sendable {
    private let open = Locked(false)
    func release() { open.withLock { $0 = true } }
    func wait() { while !open.withLock({ $0 }) { usleep(2_000) } }
}

/// The page's routes: Explore, Train (start, state, server-sent events, the new model served), Map.
@Suite("Server page routes", .serialized)
struct PageRoutesTests {
    static func withData(_ folder: TempFolder, gate: Gate? = nil) -> PageServices {
        var hold: (@Sendable (String) -> Void)?
        if let gate { hold = { _ in gate.wait() } }
        return PageServices(loadData: { serverFixtureDataset() }, dataDescription: "the server fixture",
                            modelFolder: folder.url.appendingPathComponent("page-models"),
                            limits: TrainingLimits(maxSteps: 30, threads: 1), beforeTraining: hold)
    }

    /// Polls GET /v1/training/{id} until the run is no longer running (at most 120 s).
    static func finished(_ client: LiveClient, _ id: String) async throws -> [String: Any] {
        for _ in 0..<1200 {
            let run = try await client.execute(uri: "/v1/training/\(id)", method: .get) { r in
                #expect(r.status == .ok)
                return try json(r.body)
            }
            if run["status"] as? String != "running" { return run }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("run \(id) did not finish in 120 s")
        return [:]
    }

    @Test func exploreFiltersByGenreAndRefusesUnknownValues() async throws {
        let folder = try TempFolder()
        let s = try ServerUnderTest(page: Self.withData(folder))
        let all = serverFixtureDataset().interactions.count
        try await s.live { client in
            let everything = try await client.execute(uri: "/v1/explore", method: .get) { r in
                #expect(r.status == .ok)
                return try json(r.body)
            }
            #expect(everything["dataset"] as? String == "server-fixture")
            #expect(everything["genres"] as? [String] == ["Comedy", "Drama"])
            #expect(everything["ratings"] as? Int == all)
            #expect(everything["items"] as? Int == 40)
            let charts = try #require(everything["charts"] as? [[String: Any]])
            #expect(charts.contains { $0["name"] as? String == "rating-values" && ($0["svg"] as? String)?.hasPrefix("<svg") == true })
            let perGenre = try #require(everything["ratings_per_genre"] as? [[String: Any]])
            #expect(perGenre.reduce(0) { $0 + (($1["count"] as? Int) ?? 0) } == all)

            let comedy = try await client.execute(uri: "/v1/explore?genre=comedy&top=5", method: .get) { r in
                #expect(r.status == .ok)
                return try json(r.body)
            }
            #expect(comedy["genre"] as? String == "Comedy")
            #expect(comedy["items"] as? Int == 20)
            let comedyCount = try #require(comedy["ratings"] as? Int)
            #expect(comedyCount > 0 && comedyCount < all)
            #expect(perGenre.first { $0["name"] as? String == "Comedy" }?["count"] as? Int == comedyCount)
            // The genre table keeps the other genres (an Altair selection highlights, it does not hide).
            let comedyPerGenre = try #require(comedy["ratings_per_genre"] as? [[String: Any]])
            #expect(comedyPerGenre.first { $0["name"] as? String == "Drama" }?["count"] as? Int == all - comedyCount)
            let top = try #require(comedy["top_by_count"] as? [[String: Any]])
            #expect(top.count == 5)
            #expect(top.allSatisfy { ($0["title"] as? String)?.hasPrefix("Comedy") == true })
            let chartOf = { (o: [String: Any]) in ((o["charts"] as? [[String: Any]]) ?? []).first { $0["name"] as? String == "rating-values" }?["svg"] as? String }
            #expect(chartOf(comedy) != nil && chartOf(comedy) != chartOf(everything))

            for (uri, status, code) in [("/v1/explore?genre=Western", 422, "unknown_genre"), ("/v1/explore?occupation=writer", 422, "unknown_occupation"),
                                        ("/v1/explore?top=0", 400, "invalid_parameter"), ("/v1/explore?top=x", 400, "invalid_parameter")] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status.code == status, "\(uri)")
                    #expect(errorCode(r.body) == code, "\(uri)")
                }
            }
        }
    }

    @Test func withoutDataExploreAndTrainSaySo() async throws {
        let s = try ServerUnderTest()
        try await s.live { client in
            try await client.execute(uri: "/v1/explore", method: .get) { r in
                #expect(r.status == .notFound)
                #expect(errorCode(r.body) == "no_data")
            }
            try await client.execute(uri: "/v1/training", method: .post, headers: jsonHeaders, body: body(#"{"algorithm": "svd"}"#)) { r in
                #expect(r.status == .notFound)
                #expect(errorCode(r.body) == "no_data")
            }
            try await client.execute(uri: "/v1/training", method: .get) { r in
                #expect(r.status == .ok)
                let o = try json(r.body)
                #expect(o["data"] as? Bool == false)
                #expect((o["data_message"] as? String)?.contains("--dataset") == true)
            }
        }
    }

    @Test func trainingStreamsEventsAndServesTheNewModel() async throws {
        let folder = try TempFolder()
        let s = try ServerUnderTest(page: Self.withData(folder))
        try await s.live { client in
            let started = try await client.execute(uri: "/v1/training", method: .post, headers: jsonHeaders,
                                                   body: body(#"{"algorithm": "svd", "name": "page-svd", "hyperparameters": {"epochs": 5, "embedding-dim": 4}, "seed": 3}"#)) { r in
                #expect(r.status == .accepted)
                return try json(r.body)
            }
            let id = try #require(started["id"] as? String)
            #expect(started["status"] as? String == "running")
            #expect(started["validation_fraction"] as? Double == 0.1)
            let run = try await Self.finished(client, id)
            #expect(run["status"] as? String == "succeeded", "\(run["message"] ?? "")")
            #expect(run["model_version"] as? Int == 1)
            let events = try #require(run["events"] as? [[String: Any]])
            #expect(events.count == 5)
            #expect(events.map { $0["step"] as? Int } == [1, 2, 3, 4, 5])
            #expect(events.allSatisfy { (($0["metrics"] as? [String: Any])?["train_rmse"] as? Double).map { $0 > 0 } == true })
            #expect(events.allSatisfy { ($0["metrics"] as? [String: Any])?["validation_rmse"] is Double })

            // The stream replays the whole run, then one done event, then ends.
            try await client.execute(uri: "/v1/training/\(id)/events", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers["content-type"]?.hasPrefix("text/event-stream") == true)
                let text = String(buffer: r.body)
                #expect(text.components(separatedBy: "event: progress\n").count - 1 == 5)
                #expect(text.contains("event: done\ndata: {"))
                #expect(text.contains(#""status":"succeeded""#))
            }
            try await client.execute(uri: "/v1/models", method: .get) { r in
                let models = try #require(try json(r.body)["models"] as? [[String: Any]])
                #expect(models.map { $0["name"] as? String } == ["ials", "svd", "page-svd"])
                #expect((models[2]["hyperparameters"] as? [String: Any])?["epochs"] as? Int == 5)
            }
            // Readiness and the metrics list the page's model too.
            try await client.execute(uri: "/readyz", method: .get) { r in
                let models = try json(r.body)["models"] as? [String: Int]
                #expect(models?["page-svd"] == 1)
            }
            try await client.execute(uri: "/metrics", method: .get) { r in
                #expect(String(buffer: r.body).contains(#"recommender_model_version{model="page-svd",kind="svd"} 1"#))
            }
            try await client.execute(uri: "/v1/items/100/similar?model=page-svd&k=3", method: .get) { r in
                #expect(r.status == .ok)
                let o = try json(r.body)
                #expect(items(o, "similar").count == 3)
            }
            try await client.execute(uri: "/v1/users/1/recommendations?model=page-svd&k=4", method: .get) { r in
                #expect(r.status == .ok)
                let o = try json(r.body)
                #expect(items(o).count == 4)
            }
            // The same name again swaps a new version in.
            let again = try await client.execute(uri: "/v1/training", method: .post, headers: jsonHeaders,
                                                 body: body(#"{"algorithm": "svd", "name": "page-svd", "hyperparameters": {"epochs": 2}}"#)) { r in
                #expect(r.status == .accepted)
                return try json(r.body)
            }
            let second = try await Self.finished(client, try #require(again["id"] as? String))
            #expect(second["model_version"] as? Int == 2)
            try await client.execute(uri: "/v1/models/page-svd", method: .get) { r in
                let o = try json(r.body)
                #expect(o["version"] as? Int == 2)
            }
        }
    }

    @Test func oneRunAtATimeAndBadRequestsAreRefused() async throws {
        let folder = try TempFolder()
        let gate = Gate()
        let s = try ServerUnderTest(page: Self.withData(folder, gate: gate))
        try await s.live { client in
            let bad: [(String, HTTPResponse.Status, String)] = [
                (#"{"algorithm": "nope"}"#, .unprocessableContent, "unknown_algorithm"),
                (#"{"algorithm": "svd", "hyperparameters": {"epochs": 31}}"#, .unprocessableContent, "over_limit"),
                (#"{"algorithm": "svd", "hyperparameters": {"embedding-dim": 100000}}"#, .unprocessableContent, "invalid_hyperparameter"),
                (#"{"algorithm": "svd", "hyperparameters": {"epochs": "many"}}"#, .unprocessableContent, "invalid_hyperparameter"),
                (#"{"algorithm": "svd", "hyperparameters": {"colour": 3}}"#, .unprocessableContent, "invalid_hyperparameter"),
                (#"{"algorithm": "svd", "name": "ials"}"#, .conflict, "name_taken"),
                (#"{"algorithm": "svd", "name": "no spaces!"}"#, .badRequest, "invalid_parameter"),
                (#"{"algorithm": 3}"#, .badRequest, "invalid_body"),
                (#"{"algorithm": "svd""#, .badRequest, "malformed_json"),
            ]
            for (text, status, code) in bad {
                try await client.execute(uri: "/v1/training", method: .post, headers: jsonHeaders, body: body(text)) { r in
                    #expect(r.status == status, "\(text)")
                    #expect(errorCode(r.body) == code, "\(text)")
                }
            }
            let first = try await client.execute(uri: "/v1/training", method: .post, headers: jsonHeaders,
                                                 body: body(#"{"algorithm": "svd", "name": "held", "hyperparameters": {"epochs": 2}}"#)) { r in
                #expect(r.status == .accepted)
                return try json(r.body)
            }
            try await client.execute(uri: "/v1/training", method: .post, headers: jsonHeaders, body: body(#"{"algorithm": "svd", "name": "second"}"#)) { r in
                #expect(r.status == .conflict)
                #expect(errorCode(r.body) == "training_running")
            }
            try await client.execute(uri: "/v1/training", method: .get) { r in
                let o = try json(r.body)
                #expect(o["running"] as? String == first["id"] as? String)
                #expect((o["limits"] as? [String: Any])?["max_steps"] as? Int == 30)
            }
            gate.release()
            let run = try await Self.finished(client, try #require(first["id"] as? String))
            #expect(run["status"] as? String == "succeeded")
            for uri in ["/v1/training/nope", "/v1/training/nope/events"] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == .notFound)
                    #expect(errorCode(r.body) == "unknown_run")
                }
            }
        }
    }

    @Test func mapIsComputedOncePerModelVersion() async throws {
        let s = try ServerUnderTest()
        try await s.live { client in
            let first = try await client.execute(uri: "/v1/models/ials/map", method: .get) { r in
                #expect(r.status == .ok)
                return try json(r.body)
            }
            let points = try #require(first["points"] as? [[String: Any]])
            #expect(points.count == 40)
            #expect(first["cached"] as? Bool == false)
            #expect(Set(points.compactMap { $0["genre"] as? String }) == ["Comedy", "Drama"])
            #expect(points.allSatisfy { ($0["x"] as? Double)?.isFinite == true && ($0["norm"] as? Double).map { $0 > 0 } == true })
            #expect(points.first { $0["item"] as? String == "100" }?["title"] as? String == "Comedy Movie 0 (1990)")
            let ratings = points.reduce(0) { $0 + (($1["ratings"] as? Int) ?? 0) }
            #expect(ratings > 0)
            try await client.execute(uri: "/v1/models/ials/map", method: .get) { r in
                let again = try json(r.body)
                #expect(again["cached"] as? Bool == true)
                #expect((again["points"] as? [[String: Any]])?.first?["x"] as? Double == points.first?["x"] as? Double)
            }
            try await client.execute(uri: "/v1/models/nope/map", method: .get) { r in
                #expect(r.status == .notFound)
                #expect(errorCode(r.body) == "unknown_model")
            }
        }
    }
}
