import Foundation
import Testing
@testable import Recommender

/// Loading with `indexOrder: .id`: the fast parser numbers users and items by id while it reads
/// (``FastRatingsParser/rankByID(users:items:marks:maxUser:maxItem:threads:)``), and every loader gives
/// the data set that loading in the default order and then renumbering by id gives.
@Suite struct LoadingInIDOrderTests {
    private func temporaryFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("load-by-id-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A `userId,movieId,rating,timestamp` file in random row order: sparse ids (gaps, up to
    /// `maxID`), about one line in 40 a duplicate (user, item) pair with another rating.
    private func ratingsCSV(lines: Int, maxID: Int, seed: UInt64) -> String {
        var generator = SeededGenerator(seed: seed)
        var text = "userId,movieId,rating,timestamp\n"
        text.reserveCapacity(lines * 28)
        var previous: (Int, Int)? = nil
        for k in 0..<lines {
            var user = Int(generator.next() % UInt64(maxID / 7)) * 7 + 3
            var item = Int(generator.next() % UInt64(maxID / 3)) * 3 + 1
            if k % 40 == 39, let previous { (user, item) = previous }
            previous = (user, item)
            text += "\(user),\(item),\(Double(generator.next() % 10 + 1) / 2),\(1_000_000_000 + k)\n"
        }
        return text
    }

    @Test func theFastPathNumbersByIDAsRenumberingDoes() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("ratings.csv")
        // Over 4 MB, so the parser cuts it into chunks read in parallel.
        try ratingsCSV(lines: 200_000, maxID: 90_000, seed: 3).write(to: file, atomically: true, encoding: .utf8)
        let format = MovieLensCSVLoader.ratingsFormat(scale: 0.5...5)
        let parsed = try RatingsReader.read(url: file, format: format, threads: 2, order: .id)
        #expect(parsed.order == .id)
        #expect(parsed.duplicatesDropped > 0)
        #expect(parsed.userIDs.ids.map { Int($0.rawValue)! } == parsed.userIDs.ids.map { Int($0.rawValue)! }.sorted())

        let byID = try DelimitedRatingsLoader.load(ratings: file, indexOrder: .id, threads: 2)
        let renumbered = try DelimitedRatingsLoader.load(ratings: file, threads: 2).reindexed(.id)
        #expect(sameContent(byID, renumbered).isEmpty)
        // One thread gives the same (the marks and ranks are cut into other parts).
        let oneThread = try DelimitedRatingsLoader.load(ratings: file, indexOrder: .id, threads: 1)
        #expect(sameContent(oneThread, byID).isEmpty)
        // The general parser, then renumbering, agrees too.
        let general = try RatingsReader.read(url: file, format: format, allowFastPath: false)
        #expect(general.order == .firstAppearance)
        let generalByID = assembleDataset(name: "ratings", ratings: general, catalog: nil, users: nil, ratingScale: 0.5...5,
                                          explicit: true, files: [], order: .id)
        #expect(generalByID.userIDs == byID.userIDs && generalByID.itemIDs == byID.itemIDs)
        #expect(generalByID.interactions == byID.interactions)
    }

    @Test func aCatalogOnlyItemTakesItsPlaceByID() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("ml-test")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "userId,movieId,rating,timestamp\n5,30,4.0,1\n2,10,3.5,2\n5,10,2.0,3\n9,40,5.0,4\n"
            .write(to: dir.appendingPathComponent("ratings.csv"), atomically: true, encoding: .utf8)
        // Movie 20 has no rating; by id it comes between 10 and 30.
        try "movieId,title,genres\n10,Ten (1990),Drama\n20,Twenty (1991),Comedy\n30,Thirty (1992),Drama\n40,Forty (1993),Action\n"
            .write(to: dir.appendingPathComponent("movies.csv"), atomically: true, encoding: .utf8)
        let byID = try MovieLensCSVLoader.load(directory: dir, name: "ml-test", indexOrder: .id)
        #expect(byID.itemIDs.ids.map(\.rawValue) == ["10", "20", "30", "40"])
        #expect(byID.catalog.titles == ["Ten", "Twenty", "Thirty", "Forty"])
        #expect(byID.userIDs.ids.map(\.rawValue) == ["2", "5", "9"])
        #expect(sameContent(byID, try MovieLensCSVLoader.load(directory: dir, name: "ml-test").reindexed(.id)).isEmpty)
        // Through the locator too.
        let located = try DatasetLocator.load(name: "ml-test", dataDirectory: root, indexOrder: .id)
        #expect(located.itemIDs == byID.itemIDs && located.interactions == byID.interactions)
    }

    @Test func idsBeyondTheFlatLimitAreRenumberedAfterReading() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("big-ids.csv")
        let big = Int64(Int32.max) - 5
        try "user,item,rating,time\n\(big),7,1,10\n3,\(big),2,11\n3,7,4,12\n".write(to: file, atomically: true, encoding: .utf8)
        let parsed = try RatingsReader.read(url: file, format: MovieLensCSVLoader.ratingsFormat(scale: nil), order: .id)
        #expect(parsed.order == .firstAppearance)
        let byID = try DelimitedRatingsLoader.load(ratings: file, indexOrder: .id)
        #expect(byID.userIDs.ids.map(\.rawValue) == ["3", "\(big)"])
        #expect(byID.itemIDs.ids.map(\.rawValue) == ["7", "\(big)"])
        #expect(sameContent(byID, try DelimitedRatingsLoader.load(ratings: file).reindexed(.id)).isEmpty)
    }

    @Test func anIDBeyondTheFlatLimitStopsTheMarking() {
        // Bitmaps up to an id near Int32.max would take 256 MB a chunk: the marks stop instead.
        let marks = FastRatingsParser.IDMarks()
        var users: [Int32] = [3, 5], items: [Int32] = [700, 2]
        marks.mark(users: &users, items: &items, count: 2, maxUser: 5, maxItem: 700)
        #expect(marks.users.count == 1 && marks.users[0] == (1 << 3 | 1 << 5) && marks.items.count == 11)
        users = [2_000_000_000]; items = [1]
        marks.mark(users: &users, items: &items, count: 1, maxUser: 2_000_000_000, maxItem: 700)
        #expect(marks.overflowed && marks.users.isEmpty && marks.items.isEmpty)
        users = [1]
        marks.mark(users: &users, items: &items, count: 1, maxUser: 2_000_000_000, maxItem: 700)
        #expect(marks.users.isEmpty)
    }

    @Test func textIDsAreNumberedByTheirBytes() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("text.csv")
        try "user,item,rating\nbob,x,1\n10,y,2\nann,x,3\n9,z,4\n".write(to: file, atomically: true, encoding: .utf8)
        let byID = try DelimitedRatingsLoader.load(ratings: file, indexOrder: .id)
        #expect(byID.userIDs.ids.map(\.rawValue) == ["9", "10", "ann", "bob"])
        #expect(byID.itemIDs.ids.map(\.rawValue) == ["x", "y", "z"])
        #expect(sameContent(byID, try DelimitedRatingsLoader.load(ratings: file).reindexed(.id)).isEmpty)
    }
}
