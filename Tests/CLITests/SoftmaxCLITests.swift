import Foundation
import Testing

/// Runs the built `recommender` binary and returns (exit code, stdout, stderr).
private func runRecommender(_ arguments: [String]) throws -> (Int32, String, String) {
    let r = try BinaryRunner.run(arguments)
    return (r.status, r.stdout, r.stderr)
}

/// A tiny RecBole-layout data set in a temporary folder: two taste groups of users.
private func writeSoftmaxTinyDataset() throws -> URL {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("softmax-cli-\(UInt32.random(in: 0...UInt32.max))")
    let folder = root.appendingPathComponent("tiny")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    var inter = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
    for user in 1...40 {
        let base = user % 2 == 0 ? 1 : 7
        for k in 0..<4 { inter += "\(user)\t\(base + (user + k) % 6)\t\(1 + (user + k) % 5)\t\(1000 + k)\n" }
    }
    var item = "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
    let genres = ["Action", "Comedy", "Drama Romance"]
    for i in 1...12 { item += "\(i)\tMovie \(i)\t\(1990 + i % 3)\t\(genres[i % 3])\n" }
    try inter.write(to: folder.appendingPathComponent("tiny.inter"), atomically: true, encoding: .utf8)
    try item.write(to: folder.appendingPathComponent("tiny.item"), atomically: true, encoding: .utf8)
    return root
}

@Suite struct SoftmaxCLITests {
    @Test func trainSoftmaxWritesModelAndHistory() throws {
        let root = try writeSoftmaxTinyDataset()
        defer { try? FileManager.default.removeItem(at: root) }
        let output = root.appendingPathComponent("out").path
        let (status, stdout, stderr) = try runRecommender([
            "train", "--algorithm", "softmax", "--data-dir", root.path, "--dataset", "tiny", "--embedding-dim", "6",
            "--iterations", "30", "--batch-size", "8", "--learning-rate", "0.5", "--label-mode", "exclude", "--output", output,
        ])
        #expect(status == 0, "stderr: \(stderr)")
        #expect(stdout.hasPrefix("trained softmax on "), "stdout: \(stdout)")
        #expect(stderr.contains("softmax: iteration 30/30: train_loss "), "stderr: \(stderr)")
        #expect(stderr.contains(", precision_at_10 "))
        for file in ["model.recmodel", "history.csv", "history.json", "history.svg"] {
            #expect(FileManager.default.fileExists(atPath: output + "/" + file), "\(file) missing")
        }
        let csv = try String(contentsOfFile: output + "/history.csv", encoding: .utf8)
        #expect(csv.hasPrefix("iteration,train_loss,test_loss,precision_at_10,recall_at_10,ndcg_at_10\n0,"), "\(csv)")
        #expect(csv.split(separator: "\n").count == 1 + 4)
    }

    @Test func queryCommandsReadSoftmaxModels() throws {
        let root = try writeSoftmaxTinyDataset()
        defer { try? FileManager.default.removeItem(at: root) }
        let output = root.appendingPathComponent("out").path
        let (status, _, stderr) = try runRecommender([
            "train", "--algorithm", "softmax", "--data-dir", root.path, "--dataset", "tiny", "--embedding-dim", "6",
            "--iterations", "20", "--batch-size", "8", "--learning-rate", "0.5", "--output", output,
        ])
        #expect(status == 0, "stderr: \(stderr)")
        let similar = try runRecommender(["similar", "Movie 2", "--model", output, "--measure", "cosine", "-k", "3"])
        #expect(similar.0 == 0, "stderr: \(similar.2)")
        #expect(similar.1.contains("Movie 2") && similar.1.contains("cosine"))
        let recommend = try runRecommender(["recommend", "--model", output, "--user", "4", "-k", "3", "--exclude-rated"])
        #expect(recommend.0 == 0, "stderr: \(recommend.2)")
        #expect(recommend.1.contains("model 'softmax'"))
        let norms = try runRecommender(["norms", "--model", output])
        #expect(norms.0 == 0 && FileManager.default.fileExists(atPath: output + "/norms.svg"), "stderr: \(norms.2)")
        let map = try runRecommender(["map", "--model", output, "--perplexity", "3", "--iterations", "50"])
        #expect(map.0 == 0 && FileManager.default.fileExists(atPath: output + "/map.svg"), "stderr: \(map.2)")
    }

    @Test func badSoftmaxOptionsFailWithOneLine() throws {
        let root = try writeSoftmaxTinyDataset()
        defer { try? FileManager.default.removeItem(at: root) }
        let (status, _, stderr) = try runRecommender([
            "train", "--algorithm", "softmax", "--data-dir", root.path, "--dataset", "tiny", "--hidden-dims", "35,20",
        ])
        #expect(status != 0)
        #expect(stderr.contains("last layer has 20 units"), "stderr: \(stderr)")
        #expect(stderr.split(separator: "\n").count == 1, "stderr: \(stderr)")
    }
}
