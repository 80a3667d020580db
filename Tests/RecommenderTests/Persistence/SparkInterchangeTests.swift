import Foundation
import RecommenderTestSupport
import Testing
@testable import Recommender

/// The Spark round trip without Spark: export, factor files written the way Spark writes them,
/// import, model file, evaluation of the fitted model.
@Suite struct SparkInterchangeTests {
    /// 6 users × 5 items; item 4 is never rated (cold), user 5 rates nothing (cold); raw ids and
    /// titles with commas and quotes; ratings with halves and one that is not a half.
    static func dataset() -> Dataset {
        let users = [0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4].map { Int32($0) }
        let items = [0, 1, 2, 0, 3, 1, 2, 3, 0, 2, 1, 3].map { Int32($0) }
        let ratings: [Float] = [5, 3.5, 1, 4, 2, 4.5, 3, 2.25, 5, 1, 2, 4]
        let userIDs = IDMap(["u1", "u,2", "u\"3", "4", "5", "6"].map { UserID($0) })
        let itemIDs = IDMap(["i1", "i,2", "i3", "i4", "i5"].map { ItemID($0) })
        let catalog = ItemCatalog(titles: ["Heat (1995)", "Crouching Tiger, Hidden Dragon (2000)", "A \"Quoted\" Title", "Plain", "Never Rated"],
                                  years: [1995, 2000, nil, 1980, 2001],
                                  genres: [GenreSet(index: 0), GenreSet(index: 1).union(GenreSet(index: 2)), GenreSet(), GenreSet(index: 2), GenreSet(index: 0)],
                                  genreNames: ["Action", "Drama", "Sci-Fi"])
        return Dataset(name: "tiny", userIDs: userIDs, itemIDs: itemIDs,
                       interactions: Interactions(users: users, items: items, ratings: ratings, userCount: 6, itemCount: 5),
                       catalog: catalog, ratingScale: 1...5)
    }

    static let rank = 3

    /// Deterministic factors: user u, column c → (u + 1)·0.1 − c·0.05 (tiny ones in E notation).
    static func userFactor(_ u: Int, _ c: Int) -> Float { Float(u + 1) * 0.1 - Float(c) * 0.05 }
    static func itemFactor(_ i: Int, _ c: Int) -> Float { c == 2 ? 1.5e-5 * Float(i + 1) : Float(i) * -0.2 + Float(c + 1) * 0.3 }

    /// Writes Spark-style factor folders: part files with headers, `_SUCCESS`, `.crc` files,
    /// rows in no particular order, numbers as Java prints floats (`1.5E-5`).
    static func writeFactors(_ folder: TemporaryFolder, fingerprint: String, users: [Int], items: [Int], implicit: Bool = true,
                             record: String? = nil) throws {
        func java(_ x: Float) -> String {
            let text = x.description
            return text.contains("e") ? text.replacingOccurrences(of: "e", with: "E") : text
        }
        func write(_ name: String, _ ids: [Int], _ value: (Int, Int) -> Float) throws {
            let header = "id," + (0..<rank).map { "f\($0)" }.joined(separator: ",") + "\n"
            let half = ids.count / 2
            for (part, chunk) in [Array(ids[half...]), Array(ids[..<half]), []].enumerated() {
                let body = chunk.map { id in "\(id)," + (0..<rank).map { java(value(id, $0)) }.joined(separator: ",") + "\n" }.joined()
                try folder.write("\(name)/part-0000\(part)-abc-c000.csv", chunk.isEmpty ? "" : header + body)
                try folder.write("\(name)/.part-0000\(part)-abc-c000.csv.crc", "junk")
            }
            try folder.write("\(name)/_SUCCESS", "")
        }
        try write("factors/user_factors", users, userFactor)
        try write("factors/item_factors", items, itemFactor)
        try folder.write("factors/spark_als.json", record ?? """
            {"format": "swift-recommender-spark-factors", "version": 1, "export_fingerprint": "\(fingerprint)",
             "implicit_prefs": \(implicit), "rank": \(rank), "reg_param": 0.1, "alpha": 0.4, "max_iter": 15, "seed": 42,
             "spark_version": "4.3.0", "master": "local[2]", "timings": {"fit_seconds": 1.5}}
            """)
    }

    @Test func exportReadsBackExactly() throws {
        let folder = try TemporaryFolder("spark-export")
        let data = Self.dataset()
        let manifest = try SparkExport.write(data, to: folder.url.appendingPathComponent("export"), partitions: 3)
        #expect(manifest.interactionFiles.map(\.path) == ["interactions/part-00000.csv", "interactions/part-00001.csv", "interactions/part-00002.csv"])
        #expect(manifest.interactionFiles.map(\.rows) == [4, 4, 4])
        #expect(manifest.users == 6 && manifest.items == 5 && manifest.interactions == 12 && manifest.explicit)
        #expect(manifest.ratingScale == [1, 5] && manifest.split == nil)
        let first = try String(contentsOf: folder.url.appendingPathComponent("export/interactions/part-00000.csv"), encoding: .utf8)
        #expect(first == "user,item,rating\n0,0,5.0\n0,1,3.5\n0,2,1.0\n1,0,4.0\n")
        let back = try SparkExport.read(from: folder.url.appendingPathComponent("export"))
        #expect(back.userIDs == data.userIDs && back.itemIDs == data.itemIDs)
        #expect(back.catalog == data.catalog)
        #expect(back.interactions == data.interactions)
        #expect(back.ratingScale == 1...5)
        // The same data give the same fingerprint; a changed file is refused.
        let again = try SparkExport.write(data, to: folder.url.appendingPathComponent("export"), partitions: 3)
        #expect(again.fingerprint == manifest.fingerprint)
        try folder.write("export/interactions/part-00001.csv", "user,item,rating\n1,3,2.0\n2,1,4.5\n2,2,3.0\n2,3,2.5\n")
        #expect(throws: DataError.self) { try SparkExport.read(from: folder.url.appendingPathComponent("export")) }
    }

    @Test func exportRefusesAFolderThatIsNotAnExport() throws {
        let folder = try TemporaryFolder("spark-export")
        try folder.write("mine/notes.txt", "keep me")
        #expect(throws: DataError.invalidInput("\(folder.url.appendingPathComponent("mine").path): the folder is not empty and is not an earlier export (no manifest.json); choose a new or empty folder")) {
            try SparkExport.write(Self.dataset(), to: folder.url.appendingPathComponent("mine"))
        }
        #expect(try String(contentsOf: folder.url.appendingPathComponent("mine/notes.txt"), encoding: .utf8) == "keep me")
    }

    @Test func exportOfASplitWritesTheTrainingPartAndBothRawParts() throws {
        let folder = try TemporaryFolder("spark-export")
        let data = Self.dataset()
        let split = Splitter.userStratified(data.interactions, testFraction: 0.34, seed: 3)
        let manifest = try SparkExport.write(data, split: .init(split: split, method: "user-stratified", testFraction: 0.34, seed: 3),
                                             to: folder.url.appendingPathComponent("export"))
        #expect(manifest.interactions == split.train.count)
        #expect(manifest.split?.train.rows == split.train.count && manifest.split?.test.rows == split.test.count)
        #expect(manifest.split?.seed == 3 && manifest.split?.method == "user-stratified")
        let back = try SparkExport.read(from: folder.url.appendingPathComponent("export"))
        #expect(back.interactions == split.train)
        let given = try GivenSplit.load(train: folder.url.appendingPathComponent("export/split/train.csv"),
                                        test: folder.url.appendingPathComponent("export/split/test.csv"))
        #expect(given.split.train.count == split.train.count && given.split.test.count == split.test.count)
    }

    @Test func importBuildsAModelThatScoresWithSparksFactors() throws {
        let folder = try TemporaryFolder("spark-import")
        let manifest = try SparkExport.write(Self.dataset(), to: folder.url.appendingPathComponent("export"))
        // Spark returns factors only for users 0–4 and items 0–3 (those with interactions).
        try Self.writeFactors(folder, fingerprint: manifest.fingerprint, users: [0, 1, 2, 3, 4], items: [0, 1, 2, 3])
        let result = try SparkALSImport.run(factors: folder.url.appendingPathComponent("factors"), export: folder.url.appendingPathComponent("export"))
        #expect(result.coldUsers == 1 && result.coldItems == 1)
        let model = result.model
        #expect(model.run.rank == 3 && model.run.implicitPrefs && model.run.regParam == 0.1 && model.run.alpha == 0.4)
        #expect(model.run.dataset == "tiny")
        for u in 0..<6 {
            let scores = model.scores(forUser: UserIndex(u))
            for i in 0..<5 {
                var expected: Float = 0
                if u < 5 && i < 4 { for c in 0..<3 { expected += Self.userFactor(u, c) * Self.itemFactor(i, c) } }
                #expect(abs(scores[i] - expected) <= 1e-6, "user \(u) item \(i)")
            }
        }
        #expect(model.itemFactors.row(4) == [0, 0, 0] && model.userFactors.row(5) == [0, 0, 0])
        #expect(model.metadata.history(of: 0).map(\.item) == [0, 1, 2])

        // The model file reads back through the catalog, provenance included.
        let file = folder.url.appendingPathComponent("model/model.recmodel")
        try TrainingOutput.write(model: model, record: SparkALSImport.trainingRecord(result), history: TrainingHistory(), chart: nil,
                                 to: folder.url.appendingPathComponent("model"))
        let loaded = try #require(try AlgorithmCatalog.standard.loadModel(from: file) as? SparkALSModel)
        #expect(loaded.userFactors == model.userFactors && loaded.itemFactors == model.itemFactors && loaded.run == model.run)
        #expect(loaded.metadata == model.metadata)
        let record = try #require(try ModelArchive(contentsOf: file).trainingRecord())
        #expect(record.algorithm == "spark-als" && record.hyperparameters["rank"] == .integer(3) && record.hyperparameters["implicit-prefs"] == .flag(true))
        #expect(record.seconds == 1.5)
    }

    @Test func coldRowsAreZeroOrAnErrorAndMissingTrainedRowsAlwaysAnError() throws {
        let folder = try TemporaryFolder("spark-import")
        let manifest = try SparkExport.write(Self.dataset(), to: folder.url.appendingPathComponent("export"))
        try Self.writeFactors(folder, fingerprint: manifest.fingerprint, users: [0, 1, 2, 3, 4], items: [0, 1, 2, 3])
        let factors = folder.url.appendingPathComponent("factors"), export = folder.url.appendingPathComponent("export")
        #expect(throws: DataError.invalidInput("1 user(s) have no interaction in the export, so Spark learned no factors for them (e.g. '6'); import with --cold zero to give them zero vectors")) {
            try SparkALSImport.run(factors: factors, export: export, cold: .error)
        }
        try Self.writeFactors(folder, fingerprint: manifest.fingerprint, users: [0, 1, 2, 4], items: [0, 1, 2, 3])
        #expect(throws: DataError.invalidInput("Spark's output has no factors for 1 user(s) that have interactions in the export (e.g. '4'): the user_factors part files are incomplete")) {
            try SparkALSImport.run(factors: factors, export: export)
        }
        try Self.writeFactors(folder, fingerprint: "00000000", users: [0, 1, 2, 3, 4], items: [0, 1, 2, 3])
        #expect(throws: DataError.self) { try SparkALSImport.run(factors: factors, export: export) }
    }

    /// A bad line in a factor file is `file:line: reason`.
    @Test(arguments: [
        ("id,f0,f1,f2\n0,0.1,0.2\n", 2, "expected 4 fields (id and 3 factors), found 3"),
        ("id,f0,f1,f2\n0,0.1,0.2,0.3,0.4\n", 2, "more than 4 fields (id and 3 factors)"),
        ("id,f0,f1,f2\n0,0.1,NaN,0.3\n", 2, "factor f1 'NaN' is not a finite number"),
        ("id,f0,f1,f2\n0,0.1,0.2,\n", 2, "factor f2 '' is not a finite number"),
        ("id,f0,f1,f2\n1,0.1,0.2,0.3\n9,0.1,0.2,0.3\n", 3, "user id '9' is not a dense id in 0..<6"),
        ("id,f0,f1,f2\n-1,0.1,0.2,0.3\n", 2, "user id '-1' is not a dense id in 0..<6"),
        ("id,f0,f1,f2\n5,0.1,0.2,0.3\n5,0.1,0.2,0.3\n", 3, "user id 5 appears twice"),
        ("id,f0,f1\n0,0.1,0.2\n", 1, "the header has 2 factor columns, but spark_als.json says rank 3"),
        ("0,0.1,0.2,0.3\n", 1, "expected the header 'id,f0,…,f2' (Spark's CSV with header=true)"),
    ])
    func malformedFactorFilesNameTheLine(text: String, line: Int, reason: String) throws {
        let folder = try TemporaryFolder("spark-import")
        let manifest = try SparkExport.write(Self.dataset(), to: folder.url.appendingPathComponent("export"))
        try Self.writeFactors(folder, fingerprint: manifest.fingerprint, users: [0, 1, 2, 3, 4], items: [0, 1, 2, 3])
        let bad = try folder.write("factors/user_factors/part-00003-abc-c000.csv", text)
        #expect(throws: DataError.malformedLine(file: bad.path, line: line, reason: reason)) {
            try SparkALSImport.run(factors: folder.url.appendingPathComponent("factors"), export: folder.url.appendingPathComponent("export"))
        }
    }

    @Test func aBadRecordOrAMissingFolderIsAClearError() throws {
        let folder = try TemporaryFolder("spark-import")
        let manifest = try SparkExport.write(Self.dataset(), to: folder.url.appendingPathComponent("export"))
        try Self.writeFactors(folder, fingerprint: manifest.fingerprint, users: [0, 1, 2, 3, 4], items: [0, 1, 2, 3],
                              record: #"{"format": "swift-recommender-spark-factors", "version": 1, "implicit_prefs": true, "rank": 0, "reg_param": 0.1, "alpha": 1, "max_iter": 1}"#)
        let record = folder.url.appendingPathComponent("factors/spark_als.json").path
        #expect(throws: DataError.invalidInput("\(record): rank must be in 1...4096, got 0")) {
            try SparkALSImport.run(factors: folder.url.appendingPathComponent("factors"), export: folder.url.appendingPathComponent("export"))
        }
        #expect(throws: DataError.missingFile(path: folder.url.appendingPathComponent("nothing/spark_als.json").path)) {
            try SparkALSImport.run(factors: folder.url.appendingPathComponent("nothing"), export: folder.url.appendingPathComponent("export"))
        }
    }

    /// Fold-in solves Spark's row problem (penalty λ·n) against the frozen item factors, and the
    /// explanations add up to the fold-in score.
    @Test(arguments: [true, false])
    func foldInSolvesSparksRowProblem(implicit: Bool) throws {
        let folder = try TemporaryFolder("spark-import")
        let manifest = try SparkExport.write(Self.dataset(), to: folder.url.appendingPathComponent("export"))
        try Self.writeFactors(folder, fingerprint: manifest.fingerprint, users: [0, 1, 2, 3, 4], items: [0, 1, 2, 3], implicit: implicit)
        let model = try SparkALSImport.run(factors: folder.url.appendingPathComponent("factors"), export: folder.url.appendingPathComponent("export")).model
        let history: [(item: ItemIndex, rating: Float)] = [(0, 4), (2, 2), (3, 5)]
        let x = model.userVector(forHistory: history).map(Double.init)
        let f = 3, lambda = 0.1 * 3, alpha = 0.4
        let y = (0..<5).map { i in (0..<f).map { Double(model.itemFactors[i, $0]) } }
        var a = [[Double]](repeating: [Double](repeating: 0, count: f), count: f), b = [Double](repeating: 0, count: f)
        if implicit {
            for i in 0..<5 { for p in 0..<f { for q in 0..<f { a[p][q] += y[i][p] * y[i][q] } } }
            for (j, r) in history {
                let c = 1 + alpha * Double(r)
                for p in 0..<f { b[p] += c * y[Int(j)][p]; for q in 0..<f { a[p][q] += (c - 1) * y[Int(j)][p] * y[Int(j)][q] } }
            }
        } else {
            for (j, r) in history { for p in 0..<f { b[p] += Double(r) * y[Int(j)][p]; for q in 0..<f { a[p][q] += y[Int(j)][p] * y[Int(j)][q] } } }
        }
        for p in 0..<f { a[p][p] += lambda }
        for p in 0..<f {
            let residual = (0..<f).reduce(0.0) { $0 + a[p][$1] * x[$1] } - b[p]
            #expect(abs(residual) < 1e-4, "row \(p): residual \(residual)")
        }
        let scores = model.scores(forHistory: history)
        let parts = model.contributions(to: 1, history: history)
        #expect(parts.count == 3)
        #expect(abs(parts.reduce(Float(0)) { $0 + $1.contribution } - scores[1]) < 1e-4)
    }

    /// Scoring a saved model on the held-out file gives the metrics of the evaluation that fits it.
    @Test func evaluatingAFittedModelMatchesFittingInTheEvaluation() throws {
        let dataset = Fixtures.sideFeatureDataset(users: 60, items: 40, density: 0.4, seed: 5, rounded: true)
        let split = Splitter.userStratified(dataset.interactions, testFraction: 0.25, seed: 9)
        let folder = try TemporaryFolder("spark-eval")
        let test = folder.url.appendingPathComponent("test.csv")
        try GivenSplit.write(split, dataset: dataset, train: folder.url.appendingPathComponent("train.csv"), test: test)
        let algorithm = ImplicitALS(.init(factors: 8, iterations: 5, threads: 1))
        let context = FitContext(seed: 1, threads: 1)
        let fitted = try RankingEvaluation.run(algorithm, dataset: dataset, split: split, k: 5, context: context)
        let model = try algorithm.fit(TrainingData(dataset, training: split.train), context: context)
        let held = try GivenSplit.loadTest(test, for: model.metadata)
        #expect(held.unknownUsers == 0 && held.rowsSeenInTraining == 0)
        let scored = try RankingEvaluation.run(model: model, metadata: model.metadata, label: "saved", test: held, k: 5, threads: 1)
        #expect(scored.report.userCount == fitted.report.userCount)
        #expect(abs(scored.report.ndcg - fitted.report.ndcg) < 1e-12)
        #expect(abs(scored.report.recall - fitted.report.recall) < 1e-12)
    }

    /// Test users and items the model does not know count against it.
    @Test func unknownTestUsersAndItemsCountAsMisses() throws {
        let folder = try TemporaryFolder("spark-eval")
        let data = Self.dataset()
        let metadata = ModelMetadata(dataset: data, training: data.interactions)
        let test = try folder.write("test.csv", "user,item,rating\nu1,i4,4\nnew,i1,5\nu1,brand-new,3\n")
        let held = try GivenSplit.loadTest(test, for: metadata)
        #expect(held.unknownUsers == 1 && held.unknownItems == 1 && held.knownUsers == 6 && held.knownItems == 5)
        #expect(held.interactions.userCount == 7 && held.interactions.itemCount == 6)
        let model = PopularityModelStub(itemCount: 5)
        let result = try RankingEvaluation.run(model: model, metadata: metadata, label: "stub", test: held, k: 2, threads: 1)
        // u1: relevant {i4, brand-new}; i5 and i4 are its top 2 (i1–i3 rated) → a hit; "new": an empty list → a miss.
        #expect(result.report.userCount == 2)
        #expect(abs(result.report.hitRate - 0.5) < 1e-12)
    }
}

/// Scores item i as i (so the highest index ranks first).
struct PopularityModelStub: ItemScorer {
    let itemCount: Int
    func scores(forUser user: UserIndex) -> [Float] { (0..<itemCount).map(Float.init) }
}
