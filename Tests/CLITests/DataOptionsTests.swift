import Foundation
import Testing
@testable import RecommenderCLI

@Suite struct DataOptionsTests {
    @Test func ownRatingsFileWithColumnsByName() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-dataoptions-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("mine.tsv")
        try "when\tbuyer\tproduct\n10\talice\tbook\n11\tbob\tpen\n12\talice\tpen\n".write(to: file, atomically: true, encoding: .utf8)
        let options = try DataOptions.parse(["--ratings", file.path, "--user-column", "buyer", "--item-column", "product",
                                             "--rating-column", "none", "--timestamp-column", "when"])
        let dataset = try options.load()
        #expect(dataset.userCount == 2 && dataset.itemCount == 2 && dataset.interactions.count == 3)
        #expect(!dataset.hasExplicitRatings)
        #expect(dataset.interactions.timestamps == [10, 11, 12])
        #expect(dataset.userIDs.ids == ["alice", "bob"])
    }

    @Test func indexOrderRenumbersTheLoadedDataAndTheSplit() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-dataoptions-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("r.csv"), train = dir.appendingPathComponent("train.csv"), test = dir.appendingPathComponent("test.csv")
        try "30,7,4\n4,12,3\n30,2,5\n100,7,1\n".write(to: file, atomically: true, encoding: .utf8)
        try "30,7,4\n4,12,3\n".write(to: train, atomically: true, encoding: .utf8)
        try "100,7,1\n30,2,5\n".write(to: test, atomically: true, encoding: .utf8)
        let asRead = try DataOptions.parse(["--ratings", file.path]).load()
        #expect(asRead.userIDs.ids == ["30", "4", "100"] && asRead.itemIDs.ids == ["7", "12", "2"])
        let byID = try DataOptions.parse(["--ratings", file.path, "--index-order", "id"]).load()
        #expect(byID.userIDs.ids == ["4", "30", "100"] && byID.itemIDs.ids == ["2", "7", "12"])
        #expect(byID.interactions.users == [1, 0, 1, 2] && byID.interactions.items == [1, 2, 0, 1])
        // A split given as two files: the split's rows follow the renumbered data set.
        let (dataset, split) = try DataOptions.parse(["--index-order", "id"]).loadSplit(train: train.path, test: test.path)
        #expect(dataset.userIDs.ids == ["4", "30", "100"])
        #expect(split.train == dataset.interactions.subset(split.trainRows) && split.test == dataset.interactions.subset(split.testRows))
        #expect(split.test.users.map { dataset.userIDs.ids[Int($0)].rawValue } == ["100", "30"])
        #expect(throws: (any Error).self) { try DataOptions.parse(["--index-order", "sorted"]) }
    }

    @Test func conflictingInputsAreRejected() {
        #expect(throws: (any Error).self) { try DataOptions.parse(["--dataset", "ml-1m", "--ratings", "x.csv"]).validate() }
        // File options without a file are refused when loading (evaluate --train/--test also takes them).
        #expect(throws: (any Error).self) { try DataOptions.parse(["--items", "movies.csv"]).load() }
    }
}
