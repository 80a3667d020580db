import Foundation
import Testing
@testable import Recommender
import RecommenderTestSupport

/// Regression tests for issue 10 (model files): forged fields, non-finite values, crash-safe
/// writes with their history.
@Suite struct ModelFileHardeningTests {
    /// `body` (a file without magic and checksum) made into a file with a valid checksum.
    func withChecksum(_ body: [UInt8]) -> [UInt8] {
        var bytes = ModelArchive.magic + body
        withUnsafeBytes(of: CRC32.checksum(bytes).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    func sample() -> ModelArchive {
        var a = ModelArchive(kind: "test")
        a.set("f", .floats([1, 2.5, -3]))
        a.set("s", .strings(["a", "b"]))
        a.set("t", .string("hello"))
        return a
    }

    // Item 5: edited length and count fields with a recomputed CRC crashed every reader.
    @Test func forgedLengthsAndCountsAreRefused() {
        let valid = Array(sample().encoded().dropFirst(8).dropLast(4))
        // Offsets of the u64 fields: after version (4), kind (4 + 4), count (4), name "f" (4 + 1), type (1).
        let lengthOffset = 4 + 8 + 4 + 5 + 1
        for forged: UInt64 in [UInt64.max, UInt64(Int.max), UInt64(Int.max) - 3, 1 << 62, 13] {
            var body = valid
            withUnsafeBytes(of: forged.littleEndian) { for k in 0..<8 { body[lengthOffset + k] = $0[k] } }
            #expect(throws: PersistenceError.self) { try ModelArchive(decoding: withChecksum(body)) }
            var count = valid
            withUnsafeBytes(of: forged.littleEndian) { for k in 0..<8 { count[lengthOffset + 8 + k] = $0[k] } }
            #expect(throws: PersistenceError.self) { try ModelArchive(decoding: withChecksum(count)) }
        }
        // A string length of 0xFFFFFFFF.
        var name = valid
        for k in 0..<4 { name[12 + 4 + k] = 0xFF }
        #expect(throws: PersistenceError.self) { try ModelArchive(decoding: withChecksum(name)) }
    }

    // Item 5: random edits with a recomputed checksum never crash the archive reader or any model decoder.
    @Test func randomEditsWithValidChecksumsNeverCrash() throws {
        let interactions = Interactions(users: [0, 0, 1, 2], items: [0, 1, 1, 2], ratings: [4, 5, 3, 2], userCount: 3, itemCount: 3)
        let models: [any PersistableModel] = [
            try SVD(SVDModel.Configuration(factors: 2, epochs: 2)).fit(interactions),
            try BPR(.init(factors: 2, epochs: 1)).fit(interactions),
            Popularity().fit(interactions),
        ]
        var generator = SeededGenerator(seed: 10)
        var refused = 0, accepted = 0
        for model in models {
            let valid = Array(model.archive().encoded().dropFirst(8).dropLast(4))
            for _ in 0..<300 {
                var body = valid
                for _ in 0..<(1 + generator.nextInt(below: 4)) {
                    let k = generator.nextInt(below: body.count)
                    body[k] = generator.nextInt(below: 3) == 0 ? 0xFF : UInt8(generator.nextInt(below: 256))
                }
                guard let archive = try? ModelArchive(decoding: withChecksum(body)) else { refused += 1; continue }
                for type in AlgorithmCatalog.standard.modelTypes {
                    if let decoded = try? type.decode(archive, path: "edited"), let scorer = decoded as? any ItemScorer,
                       decoded.metadata.userIDs.count > 0 {
                        _ = scorer.scores(forUser: 0)
                        accepted += 1
                    }
                }
            }
        }
        #expect(refused + accepted > 0)
    }

    // Found by FuzzModelArchive: a knn-baseline file whose k was forged to about 5·10¹¹ made every
    // prediction ask for a heap of k floats (2 TB). Such k and min_k are refused on load.
    @Test func forgedNeighbourCountsAreRefused() throws {
        let interactions = Interactions(users: [0, 0, 1, 2, 2], items: [0, 1, 1, 2, 0], ratings: [4, 5, 3, 2, 1], userCount: 3, itemCount: 3)
        let model = try KNNBaseline(.init(neighbors: 2, threads: 1)).fit(interactions)
        #expect(try KNNBaselineModel(archive: model.archive(), path: "valid") == model)
        let forged: [(String, Int64)] = [("neighbors", 1 << 39), ("neighbors", 0), ("neighbors", .max), ("neighbors", .min),
                                         ("min_neighbors", -1), ("min_neighbors", 1 << 40)]
        for (field, value) in forged {
            var archive = model.archive()
            archive.set(field, .int(value))
            #expect(throws: PersistenceError.self) { try KNNBaselineModel(archive: archive, path: "forged") }
        }
    }

    // bpr and ials files: a factor count near Int.max overflowed `users × factors` (a trap) before
    // the factor sections' lengths were checked. Counts beyond the model files' limit are refused.
    @Test(arguments: [Int.max, Int.max / 2, 1 << 40, 0, -1]) func forgedRankingFactorCountsAreRefused(factors: Int) throws {
        let interactions = Interactions(users: [0, 0, 1, 2], items: [0, 1, 1, 2], ratings: [1, 1, 1, 1], userCount: 3, itemCount: 3)
        let models: [(any PersistableModel, String)] = [
            (try BPR(.init(factors: 2, epochs: 1)).fit(interactions), "bpr.factors"),
            (try ImplicitALS(.init(factors: 2, iterations: 1)).fit(interactions), "ials.factors"),
        ]
        for (model, field) in models {
            var archive = model.archive()
            #expect(throws: Never.self) { try type(of: model).decode(archive, path: "valid") }
            archive.set(field, .int(Int64(factors)))
            #expect(throws: PersistenceError.self) { try type(of: model).decode(archive, path: "forged") }
        }
    }

    // Through the library any k ≥ 1 is allowed: one beyond a user's rated items predicts as k = all
    // of them do, and allocates no more than that.
    @Test func neighbourCountsBeyondTheRatedItemsPredictAsAll() throws {
        // 8 users × 5 items, four in five pairs rated, ratings that vary by user and item.
        var users = [Int32](), items = [Int32](), ratings = [Float]()
        for u in 0..<8 { for i in 0..<5 where (u + 2 * i) % 5 != 0 {
            users.append(Int32(u)); items.append(Int32(i)); ratings.append(Float(1 + (3 * u + 2 * i + u * i) % 5))
        } }
        let interactions = Interactions(users: users, items: items, ratings: ratings, userCount: 8, itemCount: 5)
        let all = try KNNBaseline(.init(neighbors: 5, minNeighbors: 0, shrinkage: 0, threads: 1)).fit(interactions)
        let huge = try KNNBaseline(.init(neighbors: 1 << 40, minNeighbors: 0, shrinkage: 0, threads: 1)).fit(interactions)
        let baselineOnly = try KNNBaseline(.init(neighbors: 5, minNeighbors: 100, shrinkage: 0, threads: 1)).fit(interactions)
        var adjusted = false
        for user in 0..<8 {
            let index = UserIndex(Int32(user))
            #expect(huge.scores(forUser: index) == all.scores(forUser: index))
            adjusted = adjusted || all.scores(forUser: index) != baselineOnly.scores(forUser: index)
        }
        #expect(adjusted, "the neighbourhood term should move some prediction off the baseline")
    }

    // Item 6: NaN or infinite parameters are never written, and never loaded.
    @Test func nonFiniteSectionsAreRefusedOnWriteAndLoad() throws {
        let folder = try TemporaryFolder("hard")
        var a = sample()
        a.set("f", .floats([1, .nan, .infinity]))
        let url = folder.path("m.recmodel")
        #expect(throws: PersistenceError.nonFiniteValues(path: url.path, section: "f", count: 2)) { try a.write(to: url) }
        #expect(!FileManager.default.fileExists(atPath: url.path))
        #expect(throws: PersistenceError.nonFiniteValues(path: "model", section: "f", count: 2)) { try ModelArchive(decoding: a.encoded()) }
        var d = sample()
        d.set("d", .double(-.infinity))
        #expect(throws: PersistenceError.self) { try ModelArchive(decoding: d.encoded()) }
        // Files of earlier writers stored NaN for "no threshold": still read as no threshold.
        var legacy = sample()
        legacy.set("feedback.threshold", .double(.nan))
        legacy.set("feedback.weighting", .string("binary"))
        let feedback = try ImplicitFeedback(archive: ModelArchive(decoding: legacy.encoded()), path: "legacy")
        #expect(feedback.threshold == nil)
    }

    // Item 15: model and history are written so that they always belong together.
    @Test func companionsBelongToTheirModel() throws {
        let folder = try TemporaryFolder("hard")
        let url = folder.path("out/model.recmodel")
        try sample().write(to: url, companions: [ModelCompanion(name: "history.csv", text: "epoch\n1\n")])
        #expect(try String(contentsOf: folder.path("out/history.csv"), encoding: .utf8) == "epoch\n1\n")
        #expect(try ModelArchive.mismatchedCompanions(ofModelAt: url).isEmpty)
        // An interrupted write: the new model is in place, its history still under a temporary name.
        var next = sample()
        next.set("t", .string("second"))
        let pending = ModelFileWriter.temporaryURL(for: folder.path("out/history.csv"))
        try Data("epoch\n2\n".utf8).write(to: pending)
        let checksum = Int64(CRC32.checksum(Array("epoch\n2\n".utf8)))
        next.set(ModelFileWriter.namesSection, .strings(["history.csv"]))
        next.set(ModelFileWriter.sizesSection, .int64s([8]))
        next.set(ModelFileWriter.checksumsSection, .int64s([checksum]))
        try Data(next.encoded()).write(to: url)
        // Reading the model finishes the write: the history is the new one.
        let read = try ModelArchive(contentsOf: url)
        #expect(try read.string("t") == "second")
        #expect(try String(contentsOf: folder.path("out/history.csv"), encoding: .utf8) == "epoch\n2\n")
        #expect(!FileManager.default.fileExists(atPath: pending.path))
        // A history edited by hand no longer belongs to the model: reported.
        try Data("edited".utf8).write(to: folder.path("out/history.csv"))
        #expect(try ModelArchive.mismatchedCompanions(ofModelAt: url) == ["history.csv"])
    }

    // Item 15: temporary files left by a killed writer are removed by the next write.
    @Test func staleTemporariesAreRemovedOnTheNextWrite() throws {
        let folder = try TemporaryFolder("hard")
        let url = folder.path("model.recmodel")
        // A pid that is certainly not running: a child that has exited.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let dead = child.processIdentifier
        let stale = [".model.recmodel.recommender-\(dead)-1f2e.tmp", ".history.csv.recommender-\(dead)-99.tmp", ".model.recmodel.3141592653.tmp"]
        for name in stale { try folder.write(name, "partial") }
        let live = ".model.recmodel.recommender-\(getpid())-abc.tmp"
        try folder.write(live, "another thread's write")
        try folder.write("notes.tmp", "not ours")
        try sample().write(to: url, companions: [ModelCompanion(name: "history.csv", text: "x")])
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.url.path).sorted()
        #expect(left == [live, "history.csv", "model.recmodel", "notes.tmp"].sorted())
    }

    // Item 13: a file in the way of the output folder is a clear message, not NSCocoaErrorDomain 516.
    @Test func outputProblemsAreClear() throws {
        let folder = try TemporaryFolder("hard")
        let file = try folder.write("taken", "x")
        do {
            try sample().write(to: file.appendingPathComponent("model.recmodel"))
            Issue.record("expected an error")
        } catch let e as PersistenceError {
            #expect(e.description.contains("is a file, not a folder"), "\(e)")
        }
    }
}

/// Regression tests for issue 10 (training): divergence and sizes beyond memory.
@Suite struct TrainingHardeningTests {
    static let data = RatingFixtures.random()

    // Item 6: a diverging trainer throws TrainingError.diverged and returns no model.
    @Test func divergingTrainersThrow() {
        #expect(throws: TrainingError.self) { try BPR(.init(learningRate: 1e30, epochs: 3)).fit(Self.data) }
        #expect(throws: TrainingError.self) { try SVD(SVDModel.Configuration(factors: 4, epochs: 5, learningRate: 1e10)).fit(Self.data) }
        #expect(throws: TrainingError.self) { try SVDpp(SVDppModel.Configuration(factors: 4, epochs: 3, learningRate: 1e10)).fit(Self.data) }
        do {
            _ = try BPR(.init(learningRate: 1e30, epochs: 3)).fit(Self.data)
        } catch let TrainingError.diverged(_, hint) {
            #expect(hint.contains("learning rate"))
        } catch { Issue.record("unexpected \(error)") }
    }

    // Item 3 (library guard): factor counts that overflow or exceed memory are refused before allocating.
    @Test(arguments: [Int.max, Int.max - 3, 100_000_000]) func hugeFactorCountsAreRefused(factors: Int) {
        #expect(throws: TrainingError.self) { try SVD(SVDModel.Configuration(factors: factors, epochs: 1)).fit(Self.data) }
        #expect(throws: TrainingError.self) { try SVDpp(SVDppModel.Configuration(factors: factors, epochs: 1)).fit(Self.data) }
        #expect(throws: TrainingError.self) { try ALS(ALSModel.Configuration(factors: factors, iterations: 1)).fit(Self.data) }
        #expect(throws: TrainingError.self) { try BPR(.init(factors: factors, epochs: 1)).fit(Self.data) }
        #expect(throws: TrainingError.self) { try ImplicitALS(.init(factors: factors, iterations: 1)).fit(Self.data) }
        #expect(throws: TrainingError.self) { _ = try parameterCount(Int.max, 2, what: "x") }
    }

    // Item 13: ease with a bad λ names the option instead of "not positive definite".
    @Test(arguments: [Float.nan, -400, 0, .infinity]) func easeNamesLambda(lambda: Float) {
        do {
            _ = try EASE(.init(lambda: lambda)).fit(Self.data)
            Issue.record("expected an error")
        } catch let TrainingError.invalidInput(message) {
            #expect(message.contains("λ"))
        } catch { Issue.record("unexpected \(error)") }
    }
}
