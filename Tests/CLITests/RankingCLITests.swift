import Foundation
import Testing

/// Runs the built `recommender` binary on a tiny RecBole data set written to a temporary folder.
@Suite struct RankingCLITests {
    static let binary: URL = {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("recommender")
    }()
    static var binaryExists: Bool { FileManager.default.isExecutableFile(atPath: binary.path) }

    /// 30 users × 12 items in two taste blocks, 6 ratings each, with timestamps.
    func makeDataDirectory() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ranking-cli-\(UInt32.random(in: 0...UInt32.max))")
        let folder = root.appendingPathComponent("tiny")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var lines = ["user_id:token\titem_id:token\trating:float\ttimestamp:float"]
        for u in 0..<30 {
            let block = u < 15 ? 0 : 6
            for k in 0..<6 where k != u % 6 { lines.append("\(u + 1)\t\(block + k + 1)\t\(3 + (u + k) % 3)\t\(1000 + 10 * k + u)") }
        }
        try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("tiny.inter"), atomically: true, encoding: .utf8)
        return root
    }

    func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    @Test(.enabled(if: binaryExists, "the recommender binary was not built next to the test bundle"))
    func evaluateRankingPrintsTableAndJSON() throws {
        let root = try makeDataDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let json = root.appendingPathComponent("out.json").path
        let r = try run(["evaluate", "--task", "ranking", "--algorithms", "popularity,item-knn,ease", "--protocol", "user-stratified",
                         "--test-fraction", "0.25", "--seed", "42", "-k", "3",
                         "--data-dir", root.path, "--dataset", "tiny", "--json", json, "--output", root.appendingPathComponent("charts").path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("| model | ndcg@3 | precision@3 | recall@3 | map@3 |"))
        #expect(r.stdout.contains("| ease |"))
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
        let results = object?["results"] as? [[String: Any]] ?? []
        #expect(results.map { $0["model"] as? String } == ["popularity", "item-knn", "ease"])
        let metrics = results.last?["metrics"] as? [String: Any]
        let ndcg = metrics?["ndcg@3"] as? Double ?? -1
        #expect(ndcg > 0.3 && ndcg <= 1, "ease ndcg@3 = \(ndcg)")
        #expect(results.last?["fit_seconds_per_fold"] is Double)
        #expect((results.last?["fit_seconds_folds"] as? [Double])?.count == 1)
        #expect(object?["task"] as? String == "ranking" && object?["k"] as? Int == 3 && object?["seed"] as? Int == 42)
        #expect((results.last?["hyperparameters"] as? [String: Any])?["regularization"] is Double)
        let svg = try String(contentsOf: root.appendingPathComponent("charts/ranking-ndcg.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg") || svg.contains("<svg"))
    }

    @Test(.enabled(if: binaryExists, "the recommender binary was not built next to the test bundle"))
    func trainWritesAModelFileAndBadInputFailsWithOneLine() throws {
        let root = try makeDataDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("model").path
        let r = try run(["train", "--algorithm", "ials", "--embedding-dim", "4", "--iterations", "3", "--data-dir", root.path, "--dataset", "tiny", "--output", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: out + "/model.recmodel"))
        // the shared recommend command serves the ranking model, with explanations
        let rec = try run(["recommend", "--model", out, "--user", "1", "-k", "2", "--exclude-rated", "--explain"])
        #expect(rec.status == 0, "\(rec.stderr)")
        #expect(rec.stdout.contains("model 'ials'") && rec.stdout.contains("Because you liked:"))
        // fold-in of a new user's ratings (item ids 1 and 2 are in the first taste block)
        let ratings = root.appendingPathComponent("me.csv")
        try "1,5\n2,4\n3,5\n".write(to: ratings, atomically: true, encoding: .utf8)
        let folded = try run(["recommend", "--model", out, "--ratings", ratings.path, "-k", "2", "--exclude-rated"])
        #expect(folded.status == 0, "\(folded.stderr)")
        let lines = folded.stdout.split(separator: "\n").suffix(2).map { String($0) }
        #expect(lines.allSatisfy { line in ["4", "5", "6"].contains(line.split(separator: " ").dropFirst().first.map(String.init) ?? "") },
                "fold-in should recommend the rest of the first block: \(lines)")
        let bad = try run(["evaluate", "--task", "ranking", "--algorithms", "svd", "--data-dir", root.path, "--dataset", "tiny"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("'svd' is a rating algorithm, not a ranking one"), "\(bad.stderr)")
    }
}
