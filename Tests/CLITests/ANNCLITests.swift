import Foundation
import Testing
import RecommenderTestSupport

/// The HNSW index through the command line (issue 13): `train --index hnsw`, `recommend` through
/// the index and `--exact`, a corrupt `model.hnsw` refused with its path, and `evaluate`'s report
/// of the NDCG lost by approximate retrieval (fitting with `--index hnsw`, and a fitted `--model`
/// that has an index).
@Suite struct ANNCLITests {
    /// 90 users × 400 items, ~35 ratings each, item popularity a power law (seeded LCG).
    final class Workspace: @unchecked Sendable {
        let folder: TemporaryFolder
        let ratings: URL
        init() throws {
            folder = try TemporaryFolder("ann-cli")
            var text = "user,item,rating\n"
            var state: UInt64 = 1234
            func next() -> Double {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Double(state >> 11) / Double(1 << 53)
            }
            for u in 0..<90 {
                var chosen = Set<Int>()
                while chosen.count < 35 { chosen.insert(Int(400 * pow(next(), 2.2)) % 400) }
                for i in chosen.sorted() { text += "u\(u),i\(i),\(1 + Int(next() * 5))\n" }
            }
            ratings = try folder.write("ratings.csv", text)
        }
        func path(_ name: String) -> String { folder.path(name).path }
    }

    static func metrics(_ json: String) throws -> [[String: Any]] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
        return (object?["results"] as? [[String: Any]] ?? []).map { $0["metrics"] as? [String: Any] ?? [:] }
    }

    @Test func trainWithAnIndexRecommendsThroughItAndRefusesACorruptOne() throws {
        let w = try Workspace()
        let model = w.path("ials")
        let train = try BinaryRunner.run(["train", "--algorithm", "ials", "--ratings", w.ratings.path, "--embedding-dim", "8",
                                          "--iterations", "3", "--output", model, "--index", "hnsw"], timeout: 120)
        #expect(train.status == 0, "\(train.stderr)")
        let index = URL(fileURLWithPath: model).appendingPathComponent("model.hnsw")
        #expect(FileManager.default.fileExists(atPath: index.path))
        let viaIndex = try BinaryRunner.run(["recommend", "--model", model, "--user", "u3", "--format", "csv", "--ef", "200"], timeout: 60)
        let exact = try BinaryRunner.run(["recommend", "--model", model, "--user", "u3", "--format", "csv", "--exact"], timeout: 60)
        #expect(viaIndex.status == 0 && exact.status == 0, "\(viaIndex.stderr) \(exact.stderr)")
        func items(_ r: BinaryRunner.Result) -> Set<String> {
            Set(r.stdoutLines.dropFirst().compactMap { line in line.split(separator: ",").dropFirst(2).first.map(String.init) })
        }
        #expect(items(viaIndex).count == 10)
        // 400 items, ef 200: the graph finds the exact top 10.
        #expect(items(viaIndex) == items(exact))
        // A flipped byte in the payload: a clear error naming the file, no crash, no silent exact scan.
        var bytes = try Data(contentsOf: index)
        bytes[bytes.count - 100] ^= 0x20
        try bytes.write(to: index)
        let corrupt = try BinaryRunner.run(["recommend", "--model", model, "--user", "u3"], timeout: 60)
        #expect(corrupt.status != 0 && !corrupt.signalled)
        #expect(corrupt.stderr.contains("model.hnsw"), "\(corrupt.stderr)")
    }

    @Test func evaluateReportsTheNDCGLostByTheIndex() throws {
        let w = try Workspace()
        let json = w.path("eval.json")
        let fitted = try BinaryRunner.run(["evaluate", "--task", "ranking", "--ratings", w.ratings.path, "--algorithms", "ials,popularity",
                                           "--param", "ials.embedding-dim=8", "--param", "ials.iterations=3", "--protocol", "user-stratified",
                                           "--seed", "3", "--index", "hnsw", "--ef", "16", "--save-splits", w.path("split"),
                                           "--json", json, "--output", w.path("charts")], timeout: 180)
        #expect(fitted.status == 0, "\(fitted.stderr)")
        #expect(fitted.stdout.contains("NDCG lost by approximate retrieval"))
        #expect(fitted.stdout.contains("| ials | hnsw, ef 16 |"))
        #expect(fitted.stderr.contains("popularity: --index hnsw skipped"))
        let results = try Self.metrics(json)
        let ials = try #require(results.first)
        let exactNDCG = try #require(ials["ndcg@10"] as? Double), indexNDCG = try #require(ials["ndcg@10_hnsw"] as? Double)
        let lost = try #require(ials["ndcg@10_lost_by_hnsw"] as? Double)
        #expect(abs(lost - (exactNDCG - indexNDCG)) < 1e-9)
        #expect((ials["list_recall@10_hnsw"] as? Double ?? 0) > 0.5)
        #expect(ials["short_lists_hnsw"] as? Double == 0)
        #expect(results.last?["ndcg@10_hnsw"] == nil)

        // A fitted model with a model.hnsw beside it: evaluate --model compares by itself; --exact does not.
        let model = w.path("model")
        let train = try BinaryRunner.run(["train", "--algorithm", "ials", "--ratings", w.path("split/split-1-train.csv"), "--embedding-dim", "8",
                                          "--iterations", "3", "--output", model, "--index", "hnsw"], timeout: 120)
        #expect(train.status == 0, "\(train.stderr)")
        let scored = try BinaryRunner.run(["evaluate", "--task", "ranking", "--model", model, "--test", w.path("split/split-1-test.csv"),
                                           "--json", w.path("model.json")], timeout: 120)
        #expect(scored.status == 0, "\(scored.stderr)")
        #expect(scored.stdout.contains("NDCG lost by approximate retrieval"))
        #expect(try Self.metrics(w.path("model.json")).first?["ndcg@10_lost_by_hnsw"] is Double)
        let exactOnly = try BinaryRunner.run(["evaluate", "--task", "ranking", "--model", model, "--test", w.path("split/split-1-test.csv"),
                                              "--exact"], timeout: 120)
        #expect(exactOnly.status == 0, "\(exactOnly.stderr)")
        #expect(!exactOnly.stdout.contains("NDCG lost"))
        // Options that do not fit are refused with one line.
        let rating = try BinaryRunner.run(["evaluate", "--ratings", w.ratings.path, "--algorithms", "baseline", "--index", "hnsw"], timeout: 60)
        #expect(rating.status != 0 && rating.stderr.contains("--task ranking"))
    }
}
