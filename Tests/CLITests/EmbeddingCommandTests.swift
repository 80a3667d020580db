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
        #expect(p.stderr.hasPrefix("Error: --perplexity must be a number in 1...10000, got 0.0\n"), "\(p.stderr)")
        let i = try runRecommender(["map", "--model", "x", "--iterations", "0"])
        #expect(i.status == 64)
        #expect(i.stderr.hasPrefix("Error: --iterations must be in 1...100000, got 0\n"), "\(i.stderr)")
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

/// Golden tests of `recommender map` and `recommender norms` on matrix factorization model
/// files written by the test (hand-made embeddings, so the norms are known).
@Suite("recommender map / norms")
struct EmbeddingCommandGoldenTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("embedding-golden-\(UUID().uuidString)")

    /// A 12-movie MF model in DIR/name/model.recmodel: movie i has embedding (scale·(i+1), 0, scale)
    /// and i mod 4 training ratings; genres cycle Comedy, Drama, none.
    func writeModel(name: String, scale: Float) throws -> URL {
        let items = 12
        let catalog = ItemCatalog(titles: (1...items).map { "Movie \($0)" }, years: (0..<items).map { 1990 + $0 },
                                  genres: (0..<items).map { $0 % 3 == 2 ? [] : GenreSet(index: $0 % 3) }, genreNames: ["Comedy", "Drama"])
        var users: [Int32] = [], rated: [Int32] = []
        for i in 0..<items { for u in 0..<(i % 4) { users.append(Int32(u)); rated.append(Int32(i)) } }
        let seen = Interactions(users: users, items: rated, ratings: rated.map { _ in 4 }, userCount: 3, itemCount: items).byUser()
        let metadata = ModelMetadata(userIDs: IDMap((1...3).map { UserID($0) }), itemIDs: IDMap((1...items).map { ItemID($0) }),
                                     catalog: catalog, seen: seen, ratingScale: 1...5)
        let v = Matrix(rows: items, columns: 3, storage: (0..<items).flatMap { [scale * Float($0 + 1), 0, scale] })
        let u = Matrix(rows: 3, columns: 3, repeating: 0.1)
        let model = MatrixFactorizationModel(configuration: .init(embeddingDim: 3), userEmbeddings: u, itemEmbeddings: v,
                                             metadata: metadata, history: TrainingHistory(), trainingCount: seen.nonZeroCount)
        let folder = directory.appendingPathComponent(name)
        try model.save(to: folder.appendingPathComponent("model.recmodel"))
        return folder
    }

    @Test func normsPrintsOneSummaryPerModelAndWritesOnePanelEach() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let a = try writeModel(name: "stddev-0.5", scale: 1), b = try writeModel(name: "stddev-0.05", scale: 0.1)
        let r = try BinaryRunner.run(["norms", "--model", a.path, "--model", b.appendingPathComponent("model.recmodel").path])
        #expect(r.status == 0, "\(r.stderr)")
        // Norms √((i+1)² + 1) for i = 0..11: min √2, max √145, mean 6.6202 (computed by hand); ×0.1 for b.
        #expect(r.stdout == """
        wrote \(a.appendingPathComponent("norms.svg").path): embedding norm against number of ratings, 2 panels
        stddev-0.5 (mf): 12 movies, norm min 1.414, mean 6.620, max 12.042
        stddev-0.05 (mf): 12 movies, norm min 0.141, mean 0.662, max 1.204

        """)
        let svg = try String(contentsOf: a.appendingPathComponent("norms.svg"), encoding: .utf8)
        #expect(svg.components(separatedBy: "<circle class=\"point\"").count - 1 == 24)
        #expect(svg.contains("stddev-0.5 (mf)") && svg.contains("stddev-0.05 (mf)"))
        #expect(svg.contains("<title>Movie 4 (1993): norm 4.123, 3 ratings</title>"))
    }

    @Test func mapWritesTheChartAndReportsTheTSNERun() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let a = try writeModel(name: "run", scale: 1)
        let output = directory.appendingPathComponent("charts/map.svg")
        let r = try BinaryRunner.run(["map", "--model", a.path, "--perplexity", "3", "--iterations", "300", "--seed", "2", "--output", output.path])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first == "wrote \(output.path): t-SNE map of 12 movies, 3 genres")
        #expect(lines.last?.range(of: #"^t-SNE: 300 iterations in \d+\.\d\d s, KL divergence \d+\.\d{4}$"#, options: .regularExpression) != nil, "\(lines.last ?? "")")
        let svg = try String(contentsOf: output, encoding: .utf8)
        #expect(svg.components(separatedBy: "<circle class=\"point\"").count - 1 == 12)
        #expect(svg.contains("<title>Movie 3 (1992) — unknown</title>"))
        #expect(svg.contains("Movie embeddings (t-SNE, perplexity 3) — run"))
        // Default output: map.svg next to the model file. Same seed, same chart.
        let again = try BinaryRunner.run(["map", "--model", a.appendingPathComponent("model.recmodel").path, "--perplexity", "3", "--iterations", "300", "--seed", "2"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try String(contentsOf: a.appendingPathComponent("map.svg"), encoding: .utf8) == svg)
        // Too large a perplexity for 12 movies: one clear line.
        let big = try BinaryRunner.run(["map", "--model", a.path])
        #expect(big.status == 1)
        #expect(big.stderr == "Error: t-SNE perplexity 40.0 must be smaller than the number of points (12); choose a smaller perplexity\n")
    }
}
