import Foundation
import Recommender
import RecommenderServer
import Testing

/// A served model may leave its training history in the model file (issue 12's memory target):
/// everything read through it must be what the in-memory history gives.
@Suite struct HistoryOnDiskTests {
    /// The same model file served both ways.
    func bothWays(_ algorithm: String, _ settings: Hyperparameters) throws -> (folder: TempFolder, memory: ServedModel, disk: ServedModel) {
        let folder = try TempFolder()
        try trainFixtureModel(algorithm, hyperparameters: settings, into: folder.url, name: "m")
        let path = folder.url.appendingPathComponent("m").path
        let memory = try ServedModel(name: "m", path: path, historyInMemoryUpTo: .max)
        let disk = try ServedModel(name: "m", path: path, historyInMemoryUpTo: 0)
        return (folder, memory, disk)
    }

    @Test func aFactorModelLeavesItsHistoryInTheFileOnlyWhenLarge() throws {
        let (_, memory, disk) = try bothWays("ials", ialsSettings)
        #expect(!memory.metadata.keepsHistoryOnDisk && memory.history == "memory")
        #expect(disk.metadata.keepsHistoryOnDisk && disk.history == "model file")
        #expect(disk.metadata.seen.nonZeroCount == 0)
        #expect(disk.metadata.seenEntryCount == memory.metadata.seen.nonZeroCount)
        // The default limit keeps a small model's history in memory.
        let folder = try TempFolder()
        try trainFixtureModel("ials", hyperparameters: ialsSettings, into: folder.url, name: "m")
        #expect(try !ServedModel(name: "m", path: folder.url.appendingPathComponent("m").path).metadata.keepsHistoryOnDisk)
    }

    @Test func rowsCountsAndSummariesMatchTheMemoryHistory() throws {
        let (_, memory, disk) = try bothWays("ials", ialsSettings)
        let a = memory.metadata, b = disk.metadata
        #expect(a.userIDs.count == b.userIDs.count && a.userIDs.count > 0)
        for user in -1...a.userIDs.count {
            let ra = a.seenRow(ofUser: UserIndex(user)), rb = b.seenRow(ofUser: UserIndex(user))
            #expect(ra.items == rb.items && ra.values == rb.values, "user \(user)")
            #expect(a.seenCount(ofUser: UserIndex(user)) == b.seenCount(ofUser: UserIndex(user)))
        }
        #expect(a.seenItemCounts() == b.seenItemCounts())
        let sa = try #require(a.seenRatingSummary()), sb = try #require(b.seenRatingSummary())
        #expect(sa.min == sb.min && sa.max == sb.max && sa.mean == sb.mean)
        // Saving a model whose history is on disk writes the history back in full.
        let again = try ModelArchive(decoding: { var x = ModelArchive(kind: "t"); x.store(b); return x.encoded() }()).metadata()
        #expect(again.seen == a.seen)
    }

    @Test func recommendationsAndExclusionsAreTheSame() throws {
        for (algorithm, settings) in [("ials", ialsSettings), ("svd", svdSettings)] {
            let (_, memory, disk) = try bothWays(algorithm, settings)
            let scorer = try #require(memory.model as? any ItemScorer), diskScorer = try #require(disk.model as? any ItemScorer)
            for user in 0..<memory.metadata.userIDs.count {
                let u = UserIndex(user)
                for excludeRated in [true, false] {
                    let options = RecommendationOptions(count: 10, excludeRated: excludeRated)
                    let x = Recommendations.forUser(u, scorer: scorer, metadata: memory.metadata, options: options)
                    let y = Recommendations.forUser(u, scorer: diskScorer, metadata: disk.metadata, options: options)
                    #expect(x == y, "\(algorithm) user \(user)")
                    if excludeRated {
                        let rated = Set(memory.metadata.seenRow(ofUser: UserIndex(user)).items)
                        #expect(!y.contains { rated.contains($0.item.rawValue) })
                    }
                }
                let filter = RetrievalFilter(options: RecommendationOptions(count: 10), metadata: disk.metadata, user: u)
                let expected = RetrievalFilter(options: RecommendationOptions(count: 10), metadata: memory.metadata, user: u)
                #expect(filter.excluded.sorted() == expected.excluded.sorted())
            }
            #expect(memory.metadata.history(of: 0).map(\.item) == disk.metadata.history(of: 0).map(\.item))
        }
    }

    @Test func theHistoryIsReadFromTheFileThatWasLoadedEvenAfterItIsReplaced() throws {
        let folder = try TempFolder()
        try trainFixtureModel("ials", hyperparameters: ialsSettings, into: folder.url, name: "m")
        let path = folder.url.appendingPathComponent("m").path
        let disk = try ServedModel(name: "m", path: path, historyInMemoryUpTo: 0)
        let before = (0..<disk.metadata.userIDs.count).map { disk.metadata.seenRow(ofUser: UserIndex($0)).items }
        // A retraining on other data renames a new file over the path.
        var other = serverFixtureDataset(seed: 99)
        other.name = "other"
        try trainFixtureModel("ials", hyperparameters: ialsSettings, into: folder.url, name: "m", dataset: other)
        let after = (0..<disk.metadata.userIDs.count).map { disk.metadata.seenRow(ofUser: UserIndex($0)).items }
        #expect(before == after)
        let fresh = try ServedModel(name: "m", path: path, historyInMemoryUpTo: 0)
        #expect((0..<fresh.metadata.userIDs.count).map { fresh.metadata.seenRow(ofUser: UserIndex($0)).items } != before)
    }

    @Test func reloadsAndRetrainingsKeepTheSlotsSetting() throws {
        let folder = try TempFolder()
        try trainFixtureModel("ials", hyperparameters: ialsSettings, into: folder.url, name: "m")
        let path = folder.url.appendingPathComponent("m").path
        let slot = ModelSlot(model: try ServedModel(name: "m", path: path, historyInMemoryUpTo: 0), path: path, historyInMemoryUpTo: 0)
        #expect(slot.current.metadata.keepsHistoryOnDisk)
        #expect(try slot.reload().metadata.keepsHistoryOnDisk)
        let retrainer = Retrainer(slot: slot, algorithm: try AlgorithmCatalog.standard.algorithm(named: "ials"), hyperparameters: ialsSettings,
                                  schedule: .ratings(1), store: nil, threads: 1, seed: 3, loadBase: { serverFixtureDataset() })
        let retrained = try retrainer.retrainNow()
        #expect(retrained.metadata.keepsHistoryOnDisk && retrained.version == 3)
        #expect(retrained.metadata.seenEntryCount == serverFixtureDataset().interactions.count)
    }

    @Test func aModelThatScoresFromItsHistoryKeepsItInMemory() throws {
        let folder = try TempFolder()
        try trainFixtureModel("item-knn", hyperparameters: [:], into: folder.url, name: "m")
        let model = try ServedModel(name: "m", path: folder.url.appendingPathComponent("m").path, historyInMemoryUpTo: 0)
        #expect(!model.metadata.keepsHistoryOnDisk && model.metadata.seen.nonZeroCount > 0)
    }

    @Test func aCorruptHistoryLeftOnDiskIsStillRefusedAtLoad() throws {
        let folder = try TempFolder()
        try trainFixtureModel("ials", hyperparameters: ialsSettings, into: folder.url, name: "m")
        let file = folder.url.appendingPathComponent("m/model.recmodel")
        var bytes = try [UInt8](Data(contentsOf: file))
        bytes[bytes.count / 2] ^= 0x40
        try Data(bytes).write(to: file)
        #expect(throws: PersistenceError.self) { try ServedModel(name: "m", path: file.path, historyInMemoryUpTo: 0) }
    }
}
