import Foundation
import Testing

/// Checks JSON answers against the schemas of docs/schemas with python3's `jsonschema`
/// (Draft 2020-12); the test that needs it is skipped, with the reason, when it is absent.
enum SchemaCheck {
    /// docs/schemas of this package.
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/schemas")

    static let available: Bool = (try? python(["-c", "import jsonschema"]).status) == 0

    static func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `nil` when `json` is valid against docs/schemas/`schema`.schema.json, else the validator's message.
    static func problems(_ json: String, schema: String) throws -> String? {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("answer-\(UUID().uuidString).json")
        try json.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let script = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[2]))
        jsonschema.Draft202012Validator.check_schema(schema)
        errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[1]))), key=str)
        print("\\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors))
        sys.exit(1 if errors else 0)
        """
        let r = try python(["-c", script, file.path, folder.appendingPathComponent("\(schema).schema.json").path])
        return r.status == 0 ? nil : r.output
    }
}

/// `--format json|csv` answers, `recommend --all-users`, `predict` and `evaluate --train/--test`
/// end to end on a small generated ratings file.
@Suite struct AnswerFormatsCLITests {
    /// A folder with `ratings.csv` (30 users × 20 items, string ids, ratings 1...5) and a
    /// trained svd model in `svd/`.
    final class Workspace {
        let folder: URL
        var ratings: URL { folder.appendingPathComponent("ratings.csv") }
        var model: String { folder.appendingPathComponent("svd").path }

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-answers-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var lines = ["user,item,rating,timestamp"]
            var time = 100_000
            for u in 0..<30 {
                for i in 0..<20 where (u * 7 + i * 3) % 5 < 3 {
                    time += 1
                    lines.append("u\(u),m\(i),\(1 + (u + 2 * i) % 5),\(time)")
                }
            }
            try (lines.joined(separator: "\n") + "\n").write(to: ratings, atomically: true, encoding: .utf8)
            let train = try BinaryRunner.run(["train", "--ratings", ratings.path, "--algorithm", "svd", "--param", "embedding-dim=4",
                                              "--param", "epochs=5", "--output", model])
            guard train.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: train.stderr]) }
        }

        func write(_ name: String, _ text: String) throws -> String {
            let url = folder.appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }

        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

        deinit { try? FileManager.default.removeItem(at: folder) }
    }

    @Test(.enabled(if: SchemaCheck.available, "python3 with the jsonschema module is not installed (pip install jsonschema)"))
    func everyJSONAnswerMatchesItsSchema() throws {
        let w = try Workspace()
        let newUser = try w.write("me.csv", "m1,5\nm3,1\n")
        let pairs = try w.write("pairs.csv", "user,item\nu1,m2\nu1,nope\nnobody,m2\n")
        let runs: [(schema: String, arguments: [String])] = [
            ("recommendations", ["recommend", "--model", w.model, "--user", "u1", "-k", "3", "--format", "json"]),
            ("recommendations", ["recommend", "--model", w.model, "--all-users", "-k", "2", "--format", "json"]),
            ("recommendations", ["recommend", "--model", w.model, "--ratings", newUser, "-k", "2", "--format", "json"]),
            ("similar", ["similar", "m1", "--model", w.model, "-k", "3", "--measure", "cosine", "--format", "json"]),
            ("predictions", ["predict", "--model", w.model, "--pairs", pairs, "--format", "json"]),
            ("evaluation", ["evaluate", "--ratings", w.ratings.path, "--algorithms", "baseline,svd", "--param", "svd.epochs=3", "--folds", "2",
                            "--format", "json", "--output", w.path("charts")]),
            ("evaluation", ["evaluate", "--task", "ranking", "--ratings", w.ratings.path, "--algorithms", "popularity,ease",
                            "--protocol", "user-stratified", "-k", "5", "--format", "json", "--output", w.path("charts")]),
            ("explore", ["explore", "--ratings", w.ratings.path, "--top", "3", "--min-ratings", "1", "--format", "json"]),
        ]
        for run in runs {
            let r = try BinaryRunner.run(run.arguments)
            #expect(r.status == 0, "\(run.arguments.joined(separator: " ")): \(r.stderr)")
            // stdout is the document alone: notes went to stderr.
            #expect((try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) != nil, "not one JSON document: \(r.stdout.prefix(200))")
            let problems = try SchemaCheck.problems(r.stdout, schema: run.schema)
            #expect(problems == nil, "\(run.arguments.joined(separator: " ")) against \(run.schema).schema.json: \(problems ?? "")")
        }
    }

    @Test func csvAnswersHaveTheDocumentedHeadersAndTheBatchEqualsSingleCalls() throws {
        let w = try Workspace()
        let topn = w.path("out/topn.csv")
        let all = try BinaryRunner.run(["recommend", "--model", w.model, "--all-users", "-k", "3", "--format", "csv", "--output", topn])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.isEmpty && all.stderr.contains("rows for 30 users"))
        let lines = try String(contentsOfFile: topn, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.first == "user,rank,item,score" && lines.count == 1 + 30 * 3)
        for user in ["u0", "u17", "u29"] {
            let one = try BinaryRunner.run(["recommend", "--model", w.model, "--user", user, "-k", "3", "--format", "csv"])
            #expect(one.status == 0 && one.stderr.contains("Top 3 for user \(user)"))
            #expect(Array(one.stdoutLines.dropFirst().filter { !$0.isEmpty }) == lines.filter { $0.hasPrefix(user + ",") })
        }
        let two = try BinaryRunner.run(["recommend", "--model", w.model, "--all-users", "-k", "3", "--format", "csv", "--threads", "1"])
        #expect(two.stdoutLines.filter { !$0.isEmpty } == lines, "the lists must not depend on the thread count")

        let pairs = try w.write("pairs.tsv", "u1\tm2\nu1\tnope\nnobody\tm2\n")
        let predict = try BinaryRunner.run(["predict", "--model", w.model, "--pairs", pairs])
        #expect(predict.status == 0, "\(predict.stderr)")
        let rows = predict.stdoutLines.filter { !$0.isEmpty }.map { $0.split(separator: ",").map(String.init) }
        #expect(rows.first == ["user", "item", "score", "fallback"] && rows.count == 4)
        #expect(rows.dropFirst().map { $0[3] } == ["none", "unknown-item", "unknown-user"])
        #expect(rows.dropFirst().allSatisfy { Float($0[2]).map { (1...5).contains($0) } ?? false })

        let similar = try BinaryRunner.run(["similar", "m1", "--model", w.model, "-k", "2", "--format", "csv"])
        #expect(similar.stdoutLines.first == "query,rank,item,score" && similar.stdoutLines.dropFirst().first?.hasPrefix("m1,1,") == true)
        let evaluate = try BinaryRunner.run(["evaluate", "--ratings", w.ratings.path, "--algorithms", "baseline", "--folds", "2", "--format", "csv",
                                             "--output", w.path("charts")])
        #expect(evaluate.stdoutLines.first == "model,algorithm,task,dataset,folds,k,rmse,mae,rmse_std,mae_std,fit_seconds_per_fold,predict_seconds_per_fold")
        #expect(evaluate.stdoutLines.dropFirst().first?.hasPrefix("baseline,baseline,rating,ratings,2,,") == true)
        let explore = try BinaryRunner.run(["explore", "--ratings", w.ratings.path, "--format", "csv"])
        #expect(explore.stdoutLines.first == "table,row,column,value" && explore.stdout.contains("\ndataset,users,value,30\n"))
    }

    @Test func evaluateOnGivenFilesEqualsTheBuiltInProtocol() throws {
        let w = try Workspace()
        let splits = w.path("splits")
        let builtIn = try BinaryRunner.run(["evaluate", "--ratings", w.ratings.path, "--algorithms", "baseline", "--folds", "3", "--seed", "0",
                                            "--save-splits", splits, "--json", w.path("kfold.json"), "--output", w.path("charts")])
        #expect(builtIn.status == 0, "\(builtIn.stderr)")
        let perFold = try Self.metric(w.path("kfold.json"), "rmse_per_fold")
        #expect(perFold.count == 3)
        for n in 1...3 {
            let given = try BinaryRunner.run(["evaluate", "--train", "\(splits)/split-\(n)-train.csv", "--test", "\(splits)/split-\(n)-test.csv",
                                              "--algorithms", "baseline", "--seed", "0", "--json", w.path("given.json"), "--output", w.path("charts")])
            #expect(given.status == 0, "\(given.stderr)")
            #expect(given.stdout.contains("given split: train"))
            let rmse = try Self.metric(w.path("given.json"), "rmse_per_fold")
            #expect(rmse.count == 1 && abs(rmse[0] - perFold[n - 1]) < 1e-6, "fold \(n): \(rmse) vs \(perFold[n - 1])")
        }
        // Ranking: the same split through files gives the same metrics.
        let ranking = try BinaryRunner.run(["evaluate", "--task", "ranking", "--ratings", w.ratings.path, "--algorithms", "ease",
                                            "--protocol", "user-stratified", "-k", "5", "--save-splits", w.path("rsplit"),
                                            "--json", w.path("r1.json"), "--output", w.path("charts")])
        #expect(ranking.status == 0, "\(ranking.stderr)")
        let rankingGiven = try BinaryRunner.run(["evaluate", "--task", "ranking", "--train", w.path("rsplit/split-1-train.csv"),
                                                 "--test", w.path("rsplit/split-1-test.csv"), "--algorithms", "ease", "-k", "5",
                                                 "--json", w.path("r2.json"), "--output", w.path("charts")])
        #expect(rankingGiven.status == 0, "\(rankingGiven.stderr)")
        for name in ["ndcg@5", "precision@5", "recall@5", "map@5"] {
            let a = try Self.metric(w.path("r1.json"), name + "_per_fold"), b = try Self.metric(w.path("r2.json"), name + "_per_fold")
            #expect(a.count == 1 && b.count == 1 && abs(a[0] - b[0]) < 1e-6, "\(name): \(a) vs \(b)")
        }
    }

    @Test func badInputIsRefusedWithOneLine() throws {
        let w = try Workspace()
        let bad = try w.write("bad.csv", "u1,m2\nu1,m3\nu2\n")
        let predict = try BinaryRunner.run(["predict", "--model", w.model, "--pairs", bad])
        #expect(predict.status != 0 && predict.stderr.contains("bad.csv:3: expected 'user,item'"))
        let explain = try BinaryRunner.run(["recommend", "--model", w.model, "--user", "u1", "--explain", "--format", "json"])
        #expect(explain.status != 0 && explain.stderr.contains("--explain"))
        let three = try BinaryRunner.run(["recommend", "--model", w.model, "--user", "u1", "--all-users"])
        #expect(three.status != 0 && three.stderr.contains("exactly one of --user, --ratings and --all-users"))
        let half = try BinaryRunner.run(["evaluate", "--train", w.ratings.path, "--algorithms", "baseline"])
        #expect(half.status != 0 && half.stderr.contains("give both --train and --test"))
        let folds = try BinaryRunner.run(["evaluate", "--train", w.ratings.path, "--test", w.ratings.path, "--folds", "3"])
        #expect(folds.status != 0 && folds.stderr.contains("do not apply to --train/--test"))
        let popularity = w.path("pop")
        #expect(try BinaryRunner.run(["train", "--ratings", w.ratings.path, "--algorithm", "popularity", "--output", popularity]).status == 0)
        let ranking = try BinaryRunner.run(["predict", "--model", popularity, "--pairs", bad])
        #expect(ranking.status != 0 && ranking.stderr.contains("does not predict ratings"))
    }

    static func metric(_ path: String, _ name: String) throws -> [Double] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        let results = object?["results"] as? [[String: Any]] ?? []
        return (results.first?["metrics"] as? [String: Any])?[name] as? [Double] ?? []
    }
}
