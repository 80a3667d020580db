import Foundation
import Testing
import Recommender

/// CLI golden tests of `train --algorithm mf`, `similar` and `recommend`.
@Suite(.enabled(if: BinaryRunner.binaryURL != nil, "the recommender binary is not built next to the test bundle"))
struct MFCommandTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mf-cli-\(UUID().uuidString)")

    static let titles = ["Aladdin", "Toy Story", "Aladdin and the King of Thieves", "Heat", "Fargo", "Babe"]

    /// A tiny RecBole data set "tiny": 20 users × 6 movies.
    func writeDataset() throws -> URL {
        let folder = directory.appendingPathComponent("tiny")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var inter = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
        for u in 1...20 { for i in 1...6 where (u + i) % 3 != 0 { inter += "\(u)\t\(i)\t\((u * i) % 5 + 1)\t\(1000 + u * 10 + i)\n" } }
        try inter.write(to: folder.appendingPathComponent("tiny.inter"), atomically: true, encoding: .utf8)
        var item = "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
        for (k, t) in Self.titles.enumerated() { item += "\(k + 1)\t\(t)\t\(1990 + k)\t\(k % 2 == 0 ? "Comedy" : "Drama")\n" }
        try item.write(to: folder.appendingPathComponent("tiny.item"), atomically: true, encoding: .utf8)
        return directory
    }

    /// A hand-made MF model whose answers are known: item embeddings on the unit circle and two users.
    func writeModel() throws -> URL {
        let catalog = ItemCatalog(titles: Self.titles, years: (0..<6).map { 1990 + $0 }, genres: (0..<6).map { GenreSet(index: $0 % 2) },
                                  genreNames: ["Comedy", "Drama"])
        let seen = Interactions(users: [0, 0], items: [0, 3], ratings: [5, 4], userCount: 2, itemCount: 6).byUser()
        let metadata = ModelMetadata(userIDs: IDMap([UserID("1"), UserID("2")]), itemIDs: IDMap((1...6).map { ItemID($0) }),
                                     catalog: catalog, seen: seen, ratingScale: 1...5)
        let v = Matrix(rows: 6, columns: 2, storage: [2, 0, 0, 1, 1, 0.1, 1, 1, -1, 0, 0.4, 0.6])
        let u = Matrix(rows: 2, columns: 2, storage: [1, 2, -1, 0])
        var history = TrainingHistory()
        history.append(iteration: 0, ["train_error": 1, "test_error": 2])
        let model = MatrixFactorizationModel(configuration: .init(embeddingDim: 2), userEmbeddings: u, itemEmbeddings: v,
                                             metadata: metadata, history: history, trainingCount: 2)
        let url = directory.appendingPathComponent("hand/model.recmodel")
        try model.save(to: url)
        return url.deletingLastPathComponent()
    }

    @Test func trainPrintsTheNotebookMetricsAndWritesTheFiles() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = try writeDataset()
        let output = directory.appendingPathComponent("out")
        let result = try BinaryRunner.run(["train", "--algorithm", "mf", "--data-dir", data.path, "--dataset", "tiny",
                                                "--embedding-dim", "4", "--init-stddev", "0.5", "--learning-rate", "1",
                                                "--iterations", "20", "--seed", "3", "--output", output.path])
        #expect(result.status == 0, "\(result.stderr)")
        // Results on stdout, progress on stderr.
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines.first?.range(of: #"^trained mf on 72 interactions in \d+\.\d\d s; 8 held out: validation_rmse \d+\.\d{4}, validation_mae \d+\.\d{4}$"#,
                                   options: .regularExpression) != nil, "\(lines)")
        #expect(lines.dropFirst().first == "model: \(output.path)/model.recmodel")
        var errors = result.stderr.split(separator: "\n").map(String.init)
        // Every load reports what it read first.
        #expect(errors.first?.hasPrefix("loaded tiny: 80 lines → 80 ratings, 20 users, 6 movies; explicit ratings 1...5") == true, "\(errors)")
        errors.removeFirst()
        #expect(errors.first?.hasPrefix("training mf on tiny (20 users × 6 items): embedding-dim=4 init-stddev=0.5 iterations=20 learning-rate=1.0 optimizer=sgd") == true,
                "\(errors)")
        #expect(errors.last?.range(of: #"^mf: iteration 20/20: train_error \d+\.\d{4}, test_error \d+\.\d{4} \("#, options: .regularExpression) != nil, "\(errors)")
        for file in ["model.recmodel", "history.csv", "history.json", "history.svg"] {
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(file).path), "\(file)")
        }
        // The notebook's metrics every 10 iterations, in the history.
        let csv = try String(contentsOf: output.appendingPathComponent("history.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n").map(String.init)
        #expect(rows.first == "iteration,train_error,test_error")
        #expect(rows.dropFirst().map { $0.split(separator: ",").first.map(String.init) ?? "" } == ["0", "10", "20"])
        // The model file says how it was trained.
        let archive = try ModelArchive(contentsOf: output.appendingPathComponent("model.recmodel"))
        let record = try #require(archive.trainingRecord())
        #expect(record.algorithm == "mf" && record.seed == 3 && record.interactions == 72 && record.validationInteractions == 8)
        #expect(record.hyperparameters["embedding-dim"] == .integer(4))

        let regularized = try BinaryRunner.run(["train", "--algorithm", "mf", "--data-dir", data.path, "--dataset", "tiny",
                                                     "--embedding-dim", "3", "--iterations", "5", "--learning-rate", "1",
                                                     "--regularization", "0.1", "--gravity", "1", "--optimizer", "adam", "--output", output.path])
        #expect(regularized.status == 0, "\(regularized.stderr)")
        #expect(regularized.stderr.contains("mf: iteration 5/5: train_error_observed "))
        #expect(regularized.stderr.contains(", observed_loss ") && regularized.stderr.contains(", regularization_loss ") && regularized.stderr.contains(", gravity_loss "))
        let regularizedCSV = try String(contentsOf: output.appendingPathComponent("history.csv"), encoding: .utf8)
        #expect(regularizedCSV.hasPrefix("iteration,train_error_observed,test_error_observed,observed_loss,regularization_loss,gravity_loss\n0,"))

        // Options the algorithm does not have are refused, naming those it has.
        let refused = try BinaryRunner.run(["train", "--algorithm", "svd", "--data-dir", data.path, "--dataset", "tiny", "--gravity", "1",
                                            "--output", output.path])
        #expect(refused.status != 0)
        #expect(refused.stderr.hasPrefix("Error: --gravity does not apply to svd; its options: --embedding-dim, --epochs, --learning-rate,"), "\(refused.stderr)")
    }

    @Test func addRatingsTrainsANewUserMe() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = try writeDataset()
        let ratings = directory.appendingPathComponent("me.csv")
        try "title,rating\nHeat,5\n\"Babe\",1\n".write(to: ratings, atomically: true, encoding: .utf8)
        let output = directory.appendingPathComponent("me")
        let train = try BinaryRunner.run(["train", "--algorithm", "mf", "--data-dir", data.path, "--dataset", "tiny", "--embedding-dim", "3",
                                          "--iterations", "10", "--learning-rate", "1", "--add-ratings", ratings.path, "--output", output.path])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stderr.contains("me: Heat (1993) = 5.0\nme: Babe (1995) = 1.0\ntraining mf on tiny (20 users × 6 items): embedding-dim=3 "), "\(train.stderr)")
        #expect(train.stdout.hasPrefix("trained mf on 74 interactions in "))
        #expect(train.stdout.contains("; 8 held out: "))
        let recommend = try BinaryRunner.run(["recommend", "--model", output.path, "--user", "me", "-k", "3", "--exclude-rated"])
        #expect(recommend.status == 0, "\(recommend.stderr)")
        let lines = recommend.stdout.split(separator: "\n")
        #expect(lines.first == "Top 3 for user me (2 rated in training, excluded), model 'mf':")
        #expect(lines.count == 5)
        #expect(!recommend.stdout.contains("Heat (1993)") && !recommend.stdout.contains("Babe (1995)"))
    }

    @Test func divergenceIsAOneLineErrorAndSavesNothing() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = try writeDataset()
        let output = directory.appendingPathComponent("diverged")
        let result = try BinaryRunner.run(["train", "--algorithm", "mf", "--data-dir", data.path, "--dataset", "tiny",
                                           "--learning-rate", "10000", "--iterations", "50", "--output", output.path])
        #expect(result.status != 0)
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("Error: training diverged at iteration ") == true, "\(result.stderr)")
        #expect(result.stderr.contains("try a smaller learning-rate than 10000"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent("model.recmodel").path))
    }

    @Test func similarPrintsTheMatchNoteAndNeighbours() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try writeModel()
        let cosine = try BinaryRunner.run(["similar", "Aladdin", "--model", model.path, "--measure", "cosine", "-k", "3"])
        #expect(cosine.status == 0)
        #expect(cosine.stdout == """
            Nearest neighbors of : Aladdin (1990).
            [Found more than one matching movie. Other candidates: Aladdin and the King of Thieves (1992)]
            cosine score  title                                   genres
                   1.000  Aladdin (1990)                          Comedy
                   0.995  Aladdin and the King of Thieves (1992)  Comedy
                   0.707  Heat (1993)                             Drama
            
            """)
        let dot = try BinaryRunner.run(["similar", "4", "--model", model.appendingPathComponent("model.recmodel").path, "-k", "2"])
        #expect(dot.stdout == """
            Nearest neighbors of : Heat (1993).
            dot score  title           genres
                2.000  Aladdin (1990)  Comedy
                2.000  Heat (1993)     Drama
            
            """)
    }

    @Test func recommendForAUserAndForNewRatings() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try writeModel()
        let known = try BinaryRunner.run(["recommend", "--model", model.path, "--user", "1", "-k", "2", "--exclude-rated"])
        #expect(known.status == 0)
        #expect(known.stdout == """
            Top 2 for user 1 (2 rated in training, excluded), model 'mf':
            score  title             genres
            2.000  Toy Story (1991)  Drama
            1.600  Babe (1995)       Drama
            
            """)
        // Rated items are excluded by default; --no-exclude-rated keeps them.
        let byDefault = try BinaryRunner.run(["recommend", "--model", model.path, "--user", "1", "-k", "2"])
        #expect(byDefault.stdout == known.stdout)
        let kept = try BinaryRunner.run(["recommend", "--model", model.path, "--user", "1", "-k", "2", "--no-exclude-rated"])
        #expect(kept.status == 0)
        #expect(kept.stdout.hasPrefix("Top 2 for user 1 (2 rated in training), model 'mf':\n"))
        #expect(kept.stdout != known.stdout)
        let ratings = directory.appendingPathComponent("me.csv")
        try "Fargo, 5\n".write(to: ratings, atomically: true, encoding: .utf8)
        let fresh = try BinaryRunner.run(["recommend", "--model", model.path, "--ratings", ratings.path, "-k", "1", "--exclude-rated"])
        #expect(fresh.status == 0)
        #expect(fresh.stdout.hasPrefix("rated 5.0: Fargo (1994)\nTop 1 for these ratings (fold-in, rated excluded), model 'mf':\n"))
    }

    @Test func errorsAreOneLineWithANonZeroExit() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try writeModel()
        let unknown = try BinaryRunner.run(["similar", "Casablanca", "--model", model.path])
        #expect(unknown.status != 0)
        #expect(unknown.stdout.isEmpty)
        #expect(unknown.stderr == "Error: no item title or id matches 'Casablanca'\n")
        let user = try BinaryRunner.run(["recommend", "--model", model.path, "--user", "99"])
        #expect(user.status != 0 && user.stderr == "Error: unknown user '99' (the model knows 2 users)\n")
        let both = try BinaryRunner.run(["recommend", "--model", model.path, "--user", "1", "--ratings", "x.csv"])
        #expect(both.status != 0 && both.stderr.contains("give exactly one of --user, --ratings and --all-users"))
        let missing = try BinaryRunner.run(["similar", "Aladdin", "--model", directory.appendingPathComponent("nope").path])
        #expect(missing.status != 0 && missing.stderr.contains("file not found"))
    }
}
