import Foundation
import Hummingbird
import NIOCore
import Recommender
import RecommenderServer
import Testing

/// The ratings store: durable writes through the API, fold-in of stored ratings, CSV in and out,
/// merging into training data.
@Suite("Ratings store", .serialized)
struct ServerStoreTests {
    @Test func postedRatingsChangeTheNextRecommendation() async throws {
        let s = try ServerUnderTest()
        try await s.live { client in
            // A new user: unknown until they rate.
            try await client.execute(uri: "/v1/users/newbie/recommendations", method: .get) { r in #expect(r.status == .notFound) }
            for item in ["121", "125", "133"] {
                try await client.execute(uri: "/v1/users/newbie/ratings", method: .post, headers: jsonHeaders,
                                         body: body(#"{"item": "\#(item)", "rating": 5}"#)) { r in
                    #expect(r.status == .created)
                    let o = try json(r.body)
                    #expect(o["user"] as? String == "newbie" && o["item"] as? String == item && o["source"] as? String == "api")
                }
            }
            try await client.execute(uri: "/v1/users/newbie/recommendations?k=5&explain=true", method: .get) { r in
                #expect(r.status == .ok)
                let o = try json(r.body)
                #expect(o["fold_in"] as? Bool == true)
                let ids = items(o)
                #expect(ids.count == 5)
                #expect(ids.allSatisfy { (Int($0) ?? 0) >= 120 })
                #expect(!ids.contains("121") && !ids.contains("125") && !ids.contains("133"))
            }
            try await client.execute(uri: "/v1/users/newbie/ratings", method: .get) { r in
                #expect(r.status == .ok)
                let o = try json(r.body)
                #expect(o["known_to_model"] as? Bool == false)
                #expect(((o["ratings"] as? [[String: Any]]) ?? []).compactMap { $0["item"] as? String } == ["121", "125", "133"])
            }
            // A known Comedy user (1) who now loves Drama: the top changes.
            var before: [String] = []
            try await client.execute(uri: "/v1/users/1/recommendations?k=5", method: .get) { r in
                let o = try json(r.body)
                before = items(o)
            }
            for item in 120..<132 {
                try await client.execute(uri: "/v1/users/1/ratings", method: .post, headers: jsonHeaders,
                                         body: body(#"{"item": \#(item), "rating": 5, "source": "test"}"#)) { r in #expect(r.status == .created) }
            }
            try await client.execute(uri: "/v1/users/1/recommendations?k=5", method: .get) { r in
                let after = items(try json(r.body))
                #expect(after != before)
                #expect(after.contains { (Int($0) ?? 0) >= 132 })
            }
            for (text, status, code) in [(#"{"item": "nope", "rating": 5}"#, 422, "unknown_item"),
                                         (#"{"item": "121", "rating": 50}"#, 422, "rating_out_of_range"),
                                         (#"{"item": "121"}"#, 400, "invalid_body"),
                                         (#"{"item": "121", "rating": 5, "timestamp": -1}"#, 400, "invalid_parameter"),
                                         ("[1,2]", 400, "invalid_body")] {
                try await client.execute(uri: "/v1/users/x/ratings", method: .post, headers: jsonHeaders, body: body(text)) { r in
                    #expect(r.status.code == status, "\(text)")
                    #expect(errorCode(r.body) == code, "\(text)")
                }
            }
            try await client.execute(uri: "/v1/users/never/ratings", method: .get) { r in #expect(r.status == .notFound) }
        }
        // Durable: a new store object on the same file sees every acknowledged write.
        let reopened = try RatingsStore(path: s.folder.url.appendingPathComponent("ratings.sqlite").path)
        #expect(try reopened.count() == 15)
        #expect(reopened.history(of: "newbie").map(\.item) == ["121", "125", "133"])
        #expect(try reopened.appliedMigrations().count == 1)
    }

    @Test func concurrentWritesAreAllStored() async throws {
        let folder = try TempFolder()
        let store = try RatingsStore(path: folder.url.appendingPathComponent("s.sqlite").path)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<200 {
                group.addTask { try await store.add(StoredRating(user: "u\(n % 7)", item: "i\(n)", rating: 3, timestamp: Int64(n), source: "t")) }
            }
            try await group.waitForAll()
        }
        #expect(try store.count() == 200)
        #expect(store.ratings(of: "u0").count == 29)
        #expect(try store.storedRatings(of: "u0").count == 29)
    }

    @Test func csvRoundTripAndErrors() throws {
        let folder = try TempFolder()
        let csv = folder.url.appendingPathComponent("in.csv")
        try "user,item,rating,timestamp,source\n1,101,4,100,ml\n2,\"x\",3.5\n\n7,102,5,200\n".replacingOccurrences(of: "\"x\"", with: "103")
            .write(to: csv, atomically: true, encoding: .utf8)
        let events = try RatingsStore.readCSV(csv)
        #expect(events.count == 3)
        #expect(events[0] == StoredRating(user: "1", item: "101", rating: 4, timestamp: 100, source: "ml"))
        #expect(events[2].source == "import")
        let store = try RatingsStore(path: folder.url.appendingPathComponent("s.sqlite").path)
        try store.add(contentsOf: events)
        let out = folder.url.appendingPathComponent("out.csv")
        #expect(try store.exportCSV(to: out) == 3)
        let back = try RatingsStore.readCSV(out)
        #expect(back.map(\.item) == ["101", "103", "102"] && back[0].timestamp == 100)
        let bad = folder.url.appendingPathComponent("bad.csv")
        try "1,101,4\n2,102,lots\n".write(to: bad, atomically: true, encoding: .utf8)
        #expect(throws: StoreError.self) { try RatingsStore.readCSV(bad) }
        do { _ = try RatingsStore.readCSV(bad); Issue.record("no error") } catch {
            #expect("\(error)".hasSuffix("bad.csv:2: rating 'lots' is not a finite number"))
        }
    }

    @Test func storedRatingsMergeIntoTrainingData() throws {
        let base = serverFixtureDataset()
        let merged = base.merging(stored: [
            StoredRating(user: "1", item: "100", rating: 1, timestamp: 1, source: "t"),  // replaces or adds user 1's rating of 100
            StoredRating(user: "new", item: "101", rating: 5, timestamp: 1, source: "t"),
            StoredRating(user: "new", item: "101", rating: 4, timestamp: 2, source: "t"),  // latest wins
            StoredRating(user: "new", item: "unknown", rating: 4, timestamp: 2, source: "t"),
        ])
        #expect(merged.userCount == base.userCount + 1)
        let newUser = try #require(merged.userIDs.index(of: "new"))
        let rows = (0..<merged.interactions.count).filter { merged.interactions.user(at: $0) == newUser }
        #expect(rows.count == 1 && merged.interactions.ratings[rows[0]] == 4)
        let user1 = (0..<merged.interactions.count).filter { merged.interactions.users[$0] == 0 && merged.interactions.items[$0] == 0 }
        #expect(user1.count == 1 && merged.interactions.ratings[user1[0]] == 1)
        #expect(merged.report.notes.last?.contains("1 stored ratings of items not in the data set left out") == true)
    }
}
