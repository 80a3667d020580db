import Foundation
import Testing
@testable import Recommender

@Suite struct IndexOrderTests {
    /// Each row as (user id, item id, rating, timestamp): what a renumbering must not change.
    private func rows(_ d: Dataset) -> [String] {
        (0..<d.interactions.count).map { k in
            "\(d.userIDs.id(at: d.interactions.user(at: k)))|\(d.itemIDs.id(at: d.interactions.item(at: k)))|"
                + "\(d.interactions.ratings[k])|\(d.interactions.timestamps?[k] ?? -1)"
        }
    }

    /// Users with mixed ids (integers, a leading zero, text), items with integer ids, and a
    /// catalog and a user table that name their row's id.
    private func mixedDataset() -> Dataset {
        let users = ["10", "b", "9", "007", "B", "0", "a"], items = ["3", "12", "1", "2"]
        let rows: [(Int32, Int32, Float)] = [(0, 0, 5), (1, 1, 4), (2, 2, 3), (3, 3, 2), (4, 0, 1), (5, 1, 2), (6, 2, 3),
                                             (0, 3, 4), (2, 0, 5), (5, 3, 1)]
        let interactions = Interactions(users: rows.map(\.0), items: rows.map(\.1), ratings: rows.map(\.2),
                                        timestamps: rows.indices.map { Int64(100 + $0) }, userCount: users.count, itemCount: items.count)
        let catalog = ItemCatalog(titles: items.map { "title \($0)" }, years: items.map { Int($0).map { 1990 + $0 } },
                                  genres: items.indices.map { GenreSet(rawValue: UInt64(1) << UInt64($0)) }, genreNames: ["w", "x", "y", "z"])
        let table = UserTable(ages: users.indices.map { 20 + $0 }, sexes: users.map { _ in "F" },
                              occupations: users.map { "job of \($0)" }, zipCodes: users.map { "zip \($0)" })
        return Dataset(name: "mixed", userIDs: IDMap(users.map { UserID($0) }), itemIDs: IDMap(items.map { ItemID($0) }),
                       interactions: interactions, catalog: catalog, userTable: table)
    }

    @Test func idOrderRenumbersEveryPartAndKeepsTheRows() {
        let original = mixedDataset()
        let sorted = original.reindexed(.id)
        // Canonical integers first, by value; then the other ids by their bytes ("007" < "B" < "a" < "b").
        #expect(sorted.userIDs.ids.map(\.rawValue) == ["0", "9", "10", "007", "B", "a", "b"])
        #expect(sorted.itemIDs.ids.map(\.rawValue) == ["1", "2", "3", "12"])
        // The same rows in the same order, each naming the same user, item, rating and time.
        #expect(rows(sorted) == rows(original))
        #expect(sorted.interactions.ratings == original.interactions.ratings)
        #expect(sorted.interactions.timestamps == original.interactions.timestamps)
        // The catalog and the user table moved with their ids.
        for i in 0..<sorted.itemCount {
            let id = sorted.itemIDs.ids[i].rawValue
            let before = original.itemIDs.index(of: ItemID(id))!.int
            #expect(sorted.catalog.titles[i] == "title \(id)")
            #expect(sorted.catalog.years[i] == original.catalog.years[before])
            #expect(sorted.catalog.genres[i] == original.catalog.genres[before])
        }
        #expect(sorted.catalog.genreNames == original.catalog.genreNames)
        for u in 0..<sorted.userCount {
            let id = sorted.userIDs.ids[u].rawValue
            let before = original.userIDs.index(of: UserID(id))!.int
            #expect(sorted.userTable?.occupations[u] == "job of \(id)")
            #expect(sorted.userTable?.ages[u] == original.userTable?.ages[before])
            #expect(sorted.userTable?.zipCodes[u] == "zip \(id)")
        }
        // Renumbering twice in the same order changes nothing more.
        #expect(sameContent(sorted.reindexed(.id), sorted).isEmpty)
    }

    @Test func firstAppearanceFollowsTheRowsThenTheRest() {
        var data = mixedDataset()
        data.reindex(.id)
        let back = data.reindexed(.firstAppearance)
        // Users and items in the order the rows name them first.
        #expect(back.userIDs.ids.map(\.rawValue) == ["10", "b", "9", "007", "B", "0", "a"])
        #expect(back.itemIDs.ids.map(\.rawValue) == ["3", "12", "1", "2"])
        #expect(rows(back) == rows(data))
        // An item no row names keeps its place after the named ones.
        var extra = mixedDataset()
        extra.itemIDs.insert(ItemID("0"))
        extra.interactions.itemCount += 1
        extra.catalog = ItemCatalog(titles: extra.catalog.titles + ["title 0"], years: extra.catalog.years + [nil],
                                    genres: extra.catalog.genres + [[]], genreNames: extra.catalog.genreNames)
        let byID = extra.reindexed(.id)
        #expect(byID.itemIDs.ids.map(\.rawValue) == ["0", "1", "2", "3", "12"])
        let reordered = byID.reindexed(.firstAppearance)
        #expect(reordered.itemIDs.ids.map(\.rawValue) == ["3", "12", "1", "2", "0"])
        #expect(reordered.catalog.titles.last == "title 0")
    }

    @Test func firstAppearanceIsTheRowsOrderEvenAfterADroppedDuplicate() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("index-order-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("dup.csv")
        // "ann" is named first by a line that a later duplicate replaces.
        try "ann,x,1\nbob,y,2\nann,x,3\n".write(to: file, atomically: true, encoding: .utf8)
        let loaded = try DelimitedRatingsLoader.load(ratings: file)
        #expect(loaded.report.duplicatesDropped == 1 && loaded.userIDs.ids == ["ann", "bob"])
        #expect(loaded.interactions.ratings == [2, 3])
        let byRows = loaded.reindexed(.firstAppearance)
        #expect(byRows.userIDs.ids == ["bob", "ann"] && byRows.itemIDs.ids == ["y", "x"])
        #expect(rows(byRows) == rows(loaded))
    }

    @Test func idOrderComparesIntegersByValueAndTextByBytes() {
        let precedes = IndexOrder.idPrecedes
        #expect(precedes("2", "10") && !precedes("10", "2"))
        #expect(precedes("0", "1"))
        // "007" and "01" are not canonical integers: they are text, after every integer.
        #expect(precedes("7", "007") && precedes("1000000", "01") && !precedes("01", "5"))
        // Integers too long for 64 bits still compare by value, and before text.
        let twenty = String(repeating: "9", count: 20), twentyOne = "1" + String(repeating: "0", count: 20)
        #expect(precedes(twenty, twentyOne) && precedes(twentyOne, "a") && precedes("999999999999999999", twenty))
        #expect(precedes("Z", "a") && precedes("a", "ab") && precedes("-1", "a"))
        // The sort agrees with the comparison, across the 18-digit split of its fast path.
        let ids = ["b", "10", twentyOne, "007", "999999999999999999", "3", twenty, "", "0", "1000000000000000000"]
        let order = IndexOrder.permutation(ids, order: .id, rows: UnsafeBufferPointer(start: nil, count: 0)).map { ids[Int($0)] }
        #expect(order == ids.sorted(by: precedes))
        #expect(order.first == "0" && order.last == "b")
    }

    @Test func theRowOrderOfTheFileDoesNotChangeTheIndices() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("index-order-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var lines: [String] = []
        var generator = SeededGenerator(seed: 7)
        var seen = Set<String>()
        while lines.count < 400 {
            let user = Int(generator.next() % 60) + 1, item = Int(generator.next() % 90) * 3 + 1
            guard seen.insert("\(user),\(item)").inserted else { continue }
            lines.append("\(user),\(item),\(Int(generator.next() % 5) + 1)")
        }
        let a = dir.appendingPathComponent("a.csv"), b = dir.appendingPathComponent("b.csv")
        try (lines.joined(separator: "\n") + "\n").write(to: a, atomically: true, encoding: .utf8)
        try (lines.reversed().joined(separator: "\n") + "\n").write(to: b, atomically: true, encoding: .utf8)
        let first = try DelimitedRatingsLoader.load(ratings: a).reindexed(.id)
        let second = try DelimitedRatingsLoader.load(ratings: b).reindexed(.id)
        #expect(first.userIDs == second.userIDs && first.itemIDs == second.itemIDs)
        #expect(first.userIDs.ids.map { Int($0.rawValue)! } == first.userIDs.ids.map { Int($0.rawValue)! }.sorted())
        #expect(Set(rows(first)) == Set(rows(second)))
        // The same (user index, item index, rating) triples: index for index, the same data.
        func triples(_ d: Dataset) -> Set<String> {
            Set((0..<d.interactions.count).map { "\(d.interactions.users[$0]),\(d.interactions.items[$0]),\(d.interactions.ratings[$0])" })
        }
        #expect(triples(first) == triples(second))
    }

    @Test func aFileSortedByUserAndItemIDGetsItsColumnsAsThePerUserView() throws {
        // Sorted by user, then by item id; item 50 appears first, so in first-appearance order a
        // later user's items are not in index order.
        var text = "user,item,rating\n1,50,4\n1,60,3\n"
        for user in 2...40 { for item in stride(from: 10, through: 60, by: 10) where (user + item / 10) % 3 != 0 { text += "\(user),\(item),\(item / 10 % 5 + 1)\n" } }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("index-order-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("sorted.csv")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let loaded = try DelimitedRatingsLoader.load(ratings: file)
        let firstSeen = loaded.interactions.users.withUnsafeBufferPointer { u in
            loaded.interactions.items.withUnsafeBufferPointer { it in ColumnOrder.order(users: u, items: it, 0..<u.count) }
        }
        #expect(firstSeen.byUser && !firstSeen.byItemWithinUser)
        let sorted = loaded.reindexed(.id)
        let byID = sorted.interactions.users.withUnsafeBufferPointer { u in
            sorted.interactions.items.withUnsafeBufferPointer { it in ColumnOrder.order(users: u, items: it, 0..<u.count) }
        }
        #expect(byID.byUser && byID.byItemWithinUser)
        let views = sorted.interactions.csrViews(threads: 2)
        #expect(views.byUser == sorted.interactions.byUser(threads: 1))
        #expect(views.byItem == sorted.interactions.byItem(threads: 1))
        #expect(views.byUser.columns == sorted.interactions.items && views.byUser.values == sorted.interactions.ratings)
    }

    @Test func theThreadCountDoesNotChangeTheResult() {
        // Enough rows for the remapping to be cut into parts.
        let n = 1_200_000, users = 5_000, items = 3_000
        var generator = SeededGenerator(seed: 11)
        var u = [Int32](repeating: 0, count: n), it = [Int32](repeating: 0, count: n)
        for k in 0..<n { u[k] = Int32(generator.next() % UInt64(users)); it[k] = Int32(generator.next() % UInt64(items)) }
        let interactions = Interactions(users: u, items: it, ratings: [Float](repeating: 1, count: n), userCount: users, itemCount: items)
        // Ids in a scrambled order (index k is id 7919·k mod the count, plus one).
        let data = Dataset(name: "big", userIDs: IDMap((0..<users).map { UserID((7919 * $0) % users + 1) }),
                           itemIDs: IDMap((0..<items).map { ItemID((7919 * $0) % items + 1) }), interactions: interactions,
                           catalog: ItemCatalog(placeholderFor: IDMap((0..<items).map { ItemID((7919 * $0) % items + 1) })))
        let one = data.reindexed(.id, threads: 1), two = data.reindexed(.id, threads: 2)
        #expect(sameContent(one, two).isEmpty)
        #expect(one.userIDs.ids.map(\.rawValue) == (1...users).map(String.init))
        // Row k still names the same user and item.
        for k in stride(from: 0, to: n, by: 997) {
            #expect(one.userIDs.id(at: one.interactions.user(at: k)) == data.userIDs.id(at: data.interactions.user(at: k)))
            #expect(one.itemIDs.id(at: one.interactions.item(at: k)) == data.itemIDs.id(at: data.interactions.item(at: k)))
        }
    }
}
