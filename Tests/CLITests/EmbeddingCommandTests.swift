import Foundation
import Recommender
import Testing

/// Runs the built `recommender` binary (see ``BinaryRunner``).
private func runRecommender(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let r = try BinaryRunner.run(arguments)
    return (r.status, r.stdout, r.stderr)
}

/// Error paths of `recommender map` and `recommender norms`: one clear line, non-zero exit.
@Suite("recommender map / norms errors")
struct EmbeddingCommandErrorTests {
    static func temporaryFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("embedding-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test(arguments: ["map", "norms"])
    func missingModelFile(command: String) throws {
        let dir = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("nope.recmodel").path
        let r = try runRecommender([command, "--model", missing])
        #expect(r.status == 1)
        #expect(r.stdout == "")
        #expect(r.stderr == "Error: \(missing): file not found\n")
        // A folder without model.recmodel names the file it looked for.
        let folder = try runRecommender([command, "--model", dir.path])
        #expect(folder.status == 1)
        #expect(folder.stderr == "Error: \(dir.appendingPathComponent("model.recmodel").path): file not found\n")
    }

    @Test(arguments: ["map", "norms"])
    func notAModelFileOrUnknownKind(command: String) throws {
        let dir = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = dir.appendingPathComponent("ratings.csv")
        try "user,item,rating\n1,2,3\n".write(to: text, atomically: true, encoding: .utf8)
        let r = try runRecommender([command, "--model", text.path])
        #expect(r.status == 1)
        #expect(r.stderr == "Error: \(text.path): not a recommender model file (bad magic bytes)\n")

        let foreign = dir.appendingPathComponent("model.recmodel")
        try ModelArchive(kind: "no-such-kind").write(to: foreign)
        let k = try runRecommender([command, "--model", dir.path])
        #expect(k.status == 1)
        #expect(k.stderr.hasPrefix("Error: \(foreign.path): holds a 'no-such-kind' model, expected 'one of "))
        #expect(k.stderr.split(separator: "\n").count == 1)

        var bytes = [UInt8](try Data(contentsOf: foreign))
        bytes[bytes.count - 6] ^= 0x5A
        try Data(bytes).write(to: foreign)
        let c = try runRecommender([command, "--model", foreign.path])
        #expect(c.status == 1)
        #expect(c.stderr.contains("corrupt") || c.stderr.contains("truncated"))
        #expect(c.stderr.split(separator: "\n").count == 1)
    }

    @Test func badOptionsAreRejectedBeforeLoading() throws {
        let p = try runRecommender(["map", "--model", "x", "--perplexity", "0"])
        #expect(p.status == 64)
        #expect(p.stderr.hasPrefix("Error: --perplexity must be positive\n"))
        let i = try runRecommender(["map", "--model", "x", "--iterations", "0"])
        #expect(i.status == 64)
        #expect(i.stderr.hasPrefix("Error: --iterations must be at least 1\n"))
        let n = try runRecommender(["norms"])
        #expect(n.status == 64)
        #expect(n.stderr.hasPrefix("Error: give at least one --model\n"))
    }

    @Test func benchTSNEPrintsTimeAndKL() throws {
        let r = try runRecommender(["bench", "tsne", "--points", "40", "--dimension", "5", "--repeats", "1", "--threads", "1"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("tsne: 40 points × d=5, perplexity 13.0, 400 iterations, 1 threads: ") == true)
        #expect(lines.first?.contains(", KL divergence ") == true)
        #expect(lines.last?.hasPrefix("best: ") == true)
    }
}
