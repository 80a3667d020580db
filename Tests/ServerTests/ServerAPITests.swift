import Foundation
import Hummingbird
import NIOCore
import Recommender
import RecommenderServer
import Testing

/// The JSON API against the real server on 127.0.0.1 (an ephemeral port), models trained in the test.
@Suite("Server API", .serialized)
struct ServerAPITests {
    @Test func healthModelsAndOpenAPI() async throws {
        let s = try ServerUnderTest()
        try await s.live { client in
            try await client.execute(uri: "/healthz", method: .get) { r in
                #expect(r.status == .ok)
                let o = try json(r.body)
                #expect(o["status"] as? String == "ok")
            }
            try await client.execute(uri: "/readyz", method: .get) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/v1/models", method: .get) { r in
                #expect(r.status == .ok)
                let o = try json(r.body)
                let models = try #require(o["models"] as? [[String: Any]])
                #expect(models.map { $0["name"] as? String } == ["ials", "svd"])
                #expect(o["default"] as? String == "ials")
                let ials = models[0]
                #expect(ials["algorithm"] as? String == "ials")
                #expect((ials["hyperparameters"] as? [String: Any])?["embedding-dim"] as? Int == 8)
                let data = try #require(ials["data"] as? [String: Any])
                #expect(data["dataset"] as? String == "server-fixture")
                #expect(data["users"] as? Int == 60 && data["items"] as? Int == 40)
                #expect(ials["trained_at"] is String)
                #expect((ials["capabilities"] as? [String])?.contains("explain") == true)
                #expect(((models[1]["metrics"] as? [String: Any]) ?? [:]).isEmpty == false)
            }
            try await client.execute(uri: "/v1/models/svd", method: .get) { r in
                #expect(r.status == .ok)
                let o = try json(r.body)
                #expect(o["kind"] as? String == "svd")
            }
            try await client.execute(uri: "/v1/models/nope", method: .get) { r in
                #expect(r.status == .notFound)
                #expect(errorCode(r.body) == "unknown_model")
            }
            try await client.execute(uri: "/v1/openapi.json", method: .get) { r in
                #expect(r.status == .ok)
                let o = try json(r.body)
                #expect(o["openapi"] as? String == "3.1.0")
                #expect((o["paths"] as? [String: Any])?["/v1/users/{id}/recommendations"] != nil)
            }
        }
    }

    @Test func recommendationsForKnownUserFollowTheirGroup() async throws {
        let s = try ServerUnderTest()
        let model = s.state.roster.slots[0].current
        try await s.live { client in
            // User 1 (index 0) is in group A: likes the Comedy movies, ids 100..<120.
            try await client.execute(uri: "/v1/users/1/recommendations?k=5", method: .get) { r in
                #expect(r.status == .ok)
                let o = try json(r.body)
                #expect(o["model"] as? String == "ials")
                #expect(o["fold_in"] as? Bool == false)
                let ids = items(o)
                #expect(ids.count == 5)
                #expect(ids.allSatisfy { (Int($0) ?? 0) < 120 })
                // The same as the library's one recommend path.
                let scorer = try #require(model.model as? any ItemScorer)
                let expected = Recommendations.forUser(0, scorer: scorer, metadata: model.metadata,
                                                       options: RecommendationOptions(count: 5)).map(\.id.rawValue)
                #expect(ids == expected)
                // Rated items are excluded.
                let rated = Set(model.metadata.history(of: 0).map { model.metadata.itemIDs.id(at: $0.item).rawValue })
                #expect(rated.isDisjoint(with: ids))
            }
            try await client.execute(uri: "/v1/users/1/recommendations?k=40&exclude_rated=false&genre=Drama&explain=true", method: .get) { r in
                #expect(r.status == .ok)
                let o = try json(r.body)
                let rows = try #require(o["recommendations"] as? [[String: Any]])
                #expect(rows.count == 20)
                #expect(rows.allSatisfy { ($0["genres"] as? [String]) == ["Drama"] })
                #expect(rows.allSatisfy { $0["because"] is [Any] })
            }
            for (uri, status, code) in [("/v1/users/9999/recommendations", 404, "unknown_user"),
                                        ("/v1/users/1/recommendations?k=0", 400, "invalid_parameter"),
                                        ("/v1/users/1/recommendations?k=100000", 400, "invalid_parameter"),
                                        ("/v1/users/1/recommendations?k=abc", 400, "invalid_parameter"),
                                        ("/v1/users/1/recommendations?exclude_rated=maybe", 400, "invalid_parameter"),
                                        ("/v1/users/1/recommendations?explain=", 400, "invalid_parameter"),
                                        ("/v1/users/1/recommendations?genre=Western", 422, "unknown_genre"),
                                        ("/v1/users/1/recommendations?model=x", 404, "unknown_model"),
                                        ("/v1/users/1/recommendations?model=svd&explain=true", 422, "not_supported"),
                                        ("/v1/nothing/here", 404, "not_found")] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status.code == status, "\(uri)")
                    #expect(errorCode(r.body) == code, "\(uri)")
                }
            }
            // A documented path asked with a method it does not have: 405 with Allow, not 404.
            for (uri, method, allow) in [("/healthz", HTTPRequest.Method.trace, "GET"), ("/v1/users/1/recommendations", .delete, "GET"),
                                         ("/v1/users/1/ratings", .put, "GET, POST"), ("/v1/predict", .get, "POST"), ("/v1/items/50/similar", HTTPRequest.Method("QUERY")!, "GET")] {
                try await client.execute(uri: uri, method: method) { r in
                    #expect(r.status.code == 405, "\(method) \(uri)")
                    #expect(errorCode(r.body) == "method_not_allowed", "\(method) \(uri)")
                    #expect(r.headers["allow"] == allow, "\(method) \(uri)")
                }
            }
        }
    }

    @Test func adHocHistoryFoldsIn() async throws {
        let s = try ServerUnderTest()
        try await s.live { client in
            let history = #"{"ratings": [{"item": "125", "rating": 5}, {"item": 130, "rating": 5}, {"item": "131", "rating": 4}], "k": 5, "explain": true}"#
            try await client.execute(uri: "/v1/recommendations", method: .post, headers: jsonHeaders, body: body(history)) { r in
                #expect(r.status == .ok)
                let o = try json(r.body)
                #expect(o["fold_in"] as? Bool == true)
                let ids = items(o)
                #expect(ids.count == 5)
                #expect(ids.allSatisfy { (Int($0) ?? 0) >= 120 })  // a Drama fan gets Drama movies
                #expect(!ids.contains("125") && !ids.contains("130"))
                let first = try #require((o["recommendations"] as? [[String: Any]])?.first)
                let because = try #require(first["because"] as? [[String: Any]])
                #expect(!because.isEmpty)
                #expect(because.allSatisfy { ["125", "130", "131"].contains($0["item"] as? String ?? "") })
            }
            let bad: [(String, Int, String)] = [
                ("{", 400, "malformed_json"),
                ("", 400, "malformed_json"),
                (#"{"ratings": "no"}"#, 400, "invalid_body"),
                (#"{"ratings": [{"item": "125"}]}"#, 400, "invalid_body"),
                (#"{"ratings": [{"item": "125", "rating": "5"}]}"#, 400, "invalid_body"),
                (#"{"ratings": [{"item": "nope", "rating": 5}]}"#, 422, "unknown_item"),
                (#"{"ratings": [{"item": "125", "rating": 9}]}"#, 422, "rating_out_of_range"),
                // Valid JSON numbers a Float cannot hold: 1e-300 rounds to 0 (then out of the 1...5 scale), 1e300 is refused.
                (#"{"ratings": [{"item": "125", "rating": 1e-300}]}"#, 422, "rating_out_of_range"),
                (#"{"ratings": [{"item": "125", "rating": 1e300}]}"#, 400, "invalid_body"),
                (#"{"ratings": [], "k": 0}"#, 400, "invalid_parameter"),
                (#"{"ratings": [], "k": 1001}"#, 400, "invalid_parameter"),
                (#"{"ratings": [], "model": "svd", "explain": true}"#, 422, "not_supported"),
            ]
            for (text, status, code) in bad {
                try await client.execute(uri: "/v1/recommendations", method: .post, headers: jsonHeaders, body: body(text)) { r in
                    #expect(r.status.code == status, "\(text)")
                    #expect(errorCode(r.body) == code, "\(text)")
                }
            }
            let huge = "{\"ratings\": [" + String(repeating: "{\"item\": \"125\", \"rating\": 5},", count: 40_000) + "{\"item\": \"125\", \"rating\": 5}]}"
            try await client.execute(uri: "/v1/recommendations", method: .post, headers: jsonHeaders, body: body(huge)) { r in
                #expect(r.status == .contentTooLarge)
                #expect(errorCode(r.body) == "body_too_large")
            }
        }
    }

    @Test func similarItemsSearchAndPredict() async throws {
        let s = try ServerUnderTest()
        try await s.live { client in
            try await client.execute(uri: "/v1/items/105/similar?k=6&measure=cosine", method: .get) { r in
                #expect(r.status == .ok)
                let o = try json(r.body)
                let ids = items(o, "similar")
                #expect(ids.count == 6)
                #expect(ids.first == "105")  // the item itself first under cosine
                #expect(ids.filter { (Int($0) ?? 0) < 120 }.count >= 5)
            }
            try await client.execute(uri: "/v1/items/105/similar?measure=dot&model=svd", method: .get) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/v1/items/105/similar?measure=euclid", method: .get) { r in
                #expect(r.status == .badRequest); #expect(errorCode(r.body) == "invalid_parameter")
            }
            try await client.execute(uri: "/v1/items/999/similar", method: .get) { r in
                #expect(r.status == .notFound); #expect(errorCode(r.body) == "unknown_item")
            }
            try await client.execute(uri: "/v1/items?query=drama+movie+3&limit=50", method: .get) { r in
                #expect(r.status == .ok)
                let o = try json(r.body)
                let titles = ((o["items"] as? [[String: Any]]) ?? []).compactMap { $0["title"] as? String }
                #expect(titles.count == 10)  // Drama Movie 30...39
                #expect(titles.allSatisfy { $0.hasPrefix("Drama Movie 3") })
            }
            try await client.execute(uri: "/v1/items?query=x&limit=0", method: .get) { r in #expect(r.status == .badRequest) }
            let pairs = #"{"model": "svd", "pairs": [{"user": "1", "item": "101"}, {"user": 2, "item": 101}]}"#
            try await client.execute(uri: "/v1/predict", method: .post, headers: jsonHeaders, body: body(pairs)) { r in
                #expect(r.status == .ok)
                let o = try json(r.body)
                let p = try #require(o["predictions"] as? [[String: Any]])
                #expect(p.count == 2)
                let first = try #require(p[0]["rating"] as? Double), second = try #require(p[1]["rating"] as? Double)
                #expect((1...5).contains(first) && (1...5).contains(second))
                // The library's prediction, clamped to the scale.
                let svd = s.state.roster.slots[1].current
                let predictor = try #require(svd.model as? any RatingPredictor)
                let u = try #require(svd.metadata.userIndex(of: "1")), i = try #require(svd.metadata.itemIDs.index(of: "101"))
                #expect(abs(first - Double(min(max(predictor.predict(user: u, item: i), 1), 5))) < 1e-5)
            }
            for (text, status, code) in [(#"{"pairs": [{"user": "1", "item": "101"}]}"#, 422, "not_supported"),
                                         (#"{"model": "svd", "pairs": []}"#, 400, "invalid_parameter"),
                                         (#"{"model": "svd", "pairs": [{"user": "zz", "item": "101"}]}"#, 422, "unknown_user"),
                                         (#"{"model": "svd", "pairs": [{"user": true, "item": "101"}]}"#, 400, "invalid_body")] {
                try await client.execute(uri: "/v1/predict", method: .post, headers: jsonHeaders, body: body(text)) { r in
                    #expect(r.status.code == status, "\(text)")
                    #expect(errorCode(r.body) == code, "\(text)")
                }
            }
        }
    }

    @Test func concurrentQueriesAgree() async throws {
        let s = try ServerUnderTest()
        try await s.live { client in
            var first: ByteBuffer?
            try await client.execute(uri: "/v1/users/3/recommendations?k=10", method: .get) { r in first = r.body }
            let expected = first
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<32 {
                    group.addTask {
                        try await client.execute(uri: "/v1/users/3/recommendations?k=10", method: .get) { r in r.status == .ok && r.body == expected }
                    }
                }
                for try await same in group { #expect(same) }
            }
        }
    }
}
