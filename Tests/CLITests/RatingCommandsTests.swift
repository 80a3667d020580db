import Foundation
import Testing

/// The rating commands end to end on a small synthetic ratings file.
@Suite struct RatingCommandsTests {
    static func ratingsFile() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-rating-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var lines = ["user,item,rating"]
        for u in 0..<30 { for i in 0..<20 where (u * 7 + i * 3) % 5 < 3 { lines.append("u\(u),m\(i),\(1 + (u + 2 * i) % 5)") } }
        let file = dir.appendingPathComponent("ratings.csv")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test func evaluatePrintsTableJSONAndChart() throws {
        let file = try Self.ratingsFile()
        let dir = file.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = dir.appendingPathComponent("out.json").path
        let r = try BinaryRunner.run(["evaluate", "--ratings", file.path, "--algorithms", "baseline,svd,svdpp,als,knn-baseline",
                                      "--folds", "3", "--seed", "0", "--json", json, "--output", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdoutLines.contains { $0.hasPrefix("| model | RMSE | MAE |") })
        for name in ["baseline", "svd", "svdpp", "als", "knn-baseline"] { #expect(r.stdout.contains("| \(name) | ")) }
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
        let results = object?["results"] as? [[String: Any]] ?? []
        #expect(results.count == 5 && results.allSatisfy { ($0["metrics"] as? [String: Any])?["rmse"] is Double })
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("rating-rmse.svg").path))
    }

    @Test func unknownAlgorithmIsOneClearError() throws {
        let file = try Self.ratingsFile()
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let r = try BinaryRunner.run(["evaluate", "--ratings", file.path, "--algorithms", "baseline,nope"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("unknown algorithm 'nope'; known: baseline, svd"), "\(r.stderr)")
    }

    @Test func tuneSortsByRMSEAndTrainWritesAModel() throws {
        let file = try Self.ratingsFile()
        let dir = file.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: dir) }
        let t = try BinaryRunner.run(["tune", "--ratings", file.path, "--algorithm", "svd", "--grid", "factors=2,4;lr=0.005,0.01",
                                      "--folds", "2", "--seed", "0"])
        #expect(t.status == 0, "\(t.stderr)")
        let rows = t.stdoutLines.filter { $0.hasPrefix("| ") && !$0.hasPrefix("| factors") }
        #expect(rows.count == 4)
        let rmses = rows.compactMap { Double($0.split(separator: "|")[2].split(separator: " ")[0]) }
        #expect(rmses.count == 4 && rmses == rmses.sorted())
        let bad = try BinaryRunner.run(["tune", "--ratings", file.path, "--algorithm", "svd", "--grid", "nope=1"])
        #expect(bad.status != 0 && bad.stderr.contains("svd has no hyper-parameter 'nope'"), "\(bad.stderr)")
        let out = dir.appendingPathComponent("model").path
        let train = try BinaryRunner.run(["train", "--ratings", file.path, "--algorithm", "svdpp", "--epochs", "30", "--test-fraction", "0.2",
                                          "--patience", "2", "--output", out])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("validation_rmse"), "\(train.stdout)")
        #expect(FileManager.default.fileExists(atPath: out + "/model.recmodel") && FileManager.default.fileExists(atPath: out + "/history.csv"))
    }
}
