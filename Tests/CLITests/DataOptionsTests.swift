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

    @Test func conflictingInputsAreRejected() {
        #expect(throws: (any Error).self) { try DataOptions.parse(["--dataset", "ml-1m", "--ratings", "x.csv"]).validate() }
        // File options without a file are refused when loading (evaluate --train/--test also takes them).
        #expect(throws: (any Error).self) { try DataOptions.parse(["--items", "movies.csv"]).load() }
    }
}
