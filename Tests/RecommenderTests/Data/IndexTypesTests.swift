import Foundation
import Testing
@testable import Recommender
import RecommenderTestSupport

/// ``UserIndex`` and ``ItemIndex``: distinct wrappers of an `Int32` position. That one cannot be
/// passed where the other is expected is a compile-time property (no runtime test can show it);
/// these tests check what the wrappers must keep from the `Int32` they replaced: the integer
/// encoding, the id maps' numbering, the conversions and the memory layout.
@Suite struct IndexTypesTests {
    /// A document holding typed indices, and its twin holding the raw integers.
    struct Typed: Codable, Equatable {
        var user: UserIndex
        var item: ItemIndex
        var items: [ItemIndex]
        var maybe: UserIndex?
    }

    struct Raw: Codable, Equatable {
        var user: Int32
        var item: Int32
        var items: [Int32]
        var maybe: Int32?
    }

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }

    @Test func codableIsTheBareInteger() throws {
        let e = Self.encoder()
        #expect(String(decoding: try e.encode(UserIndex(5)), as: UTF8.self) == "5")
        #expect(String(decoding: try e.encode(ItemIndex(-1)), as: UTF8.self) == "-1")
        #expect(String(decoding: try e.encode([ItemIndex(0), 7, 1682]), as: UTF8.self) == "[0,7,1682]")
        let typed = Typed(user: 195, item: 241, items: [0, 49, 2_147_483_647], maybe: nil)
        let raw = Raw(user: 195, item: 241, items: [0, 49, 2_147_483_647], maybe: nil)
        let typedJSON = try e.encode(typed), rawJSON = try e.encode(raw)
        #expect(typedJSON == rawJSON, "\(String(decoding: typedJSON, as: UTF8.self))")
        #expect(try JSONDecoder().decode(Typed.self, from: rawJSON) == typed)
        #expect(try JSONDecoder().decode(Raw.self, from: typedJSON) == raw)
        var some = typed
        some.maybe = 3
        #expect(try JSONDecoder().decode(Typed.self, from: try e.encode(some)) == some)
        // A property list (another single-value encoding) round-trips too.
        let plist = try PropertyListEncoder().encode(some)
        #expect(try PropertyListDecoder().decode(Typed.self, from: plist) == some)
    }

    @Test func decodingRejectsWhatAnInt32Rejects() {
        for bad in ["1.5", "\"3\"", "2147483648", "-2147483649", "null"] {
            #expect(throws: DecodingError.self, "\(bad)") { try JSONDecoder().decode(ItemIndex.self, from: Data(bad.utf8)) }
        }
        #expect((try? JSONDecoder().decode(UserIndex.self, from: Data("-2147483648".utf8))) == UserIndex(Int32.min))
    }

    @Test func conversions() {
        let a = UserIndex(Int32(3)), b = UserIndex(3 as Int), c: UserIndex = 3
        #expect(a == b && b == c && a.rawValue == 3 && a.int == 3 && Int(a) == 3)
        let item = ItemIndex(1681)
        #expect(item.rawValue == 1681 && item.int == 1681 && Int(item) == 1681)
        #expect(item.description == "1681" && "\(item)" == "\(Int32(1681))" && "\([ItemIndex(1), 2])" == "\([Int32(1), 2])")
        #expect(ItemIndex(2) < ItemIndex(10) && !(UserIndex(4) < UserIndex(4)) && [ItemIndex(9), 1, 5].sorted() == [1, 5, 9])
        #expect(Set([ItemIndex(1), 1, 2]).count == 2)
        let unknown: UserIndex = -1
        #expect(unknown.rawValue == -1)
        // Same layout as the Int32 they wrap: arrays of them cost what [Int32] costs.
        #expect(MemoryLayout<UserIndex>.size == MemoryLayout<Int32>.size)
        #expect(MemoryLayout<ItemIndex>.stride == MemoryLayout<Int32>.stride)
        #expect(MemoryLayout<ItemIndex>.alignment == MemoryLayout<Int32>.alignment)
        #expect(MemoryLayout<ScoredIndex>.size == MemoryLayout<(Int32, Float)>.size)
    }

    @Test func interactionAccessorsAreTheTypedColumns() {
        let x = Interactions(users: [2, 0, 1], items: [5, 3, 4], ratings: [1, 2, 3], userCount: 3, itemCount: 6)
        #expect((0..<x.count).map { x.user(at: $0) } == [UserIndex(2), 0, 1])
        #expect((0..<x.count).map { x.item(at: $0) } == [ItemIndex(5), 3, 4])
        #expect((0..<x.count).allSatisfy { x.user(at: $0).rawValue == x.users[$0] && x.item(at: $0).rawValue == x.items[$0] })
    }

    @Test func idMapHandsOutTypedIndicesInInsertionOrder() {
        var users = IDMap<UserID>()
        #expect(users.insert("196") == UserIndex(0))
        #expect(users.insert("22") == UserIndex(1))
        #expect(users.insert("196") == UserIndex(0))
        #expect(users.index(of: "22") == UserIndex(1) && users.index(of: "7") == nil)
        #expect(users.id(at: UserIndex(1)) == "22" && users.count == 2)
        let items = IDMap<ItemID>(["242", "50", "377"])
        #expect(items.index(of: "50") == ItemIndex(1) && items.id(at: 2) == "377" && items.index(of: "196") == nil)
    }

    @Test func aLoadedDataSetMapsEachIdToItsTypedIndex() throws {
        let folder = try TemporaryFolder("index-types")
        let rows: [(user: String, item: String, rating: Float)] = [
            ("196", "242", 3), ("186", "302", 3), ("22", "377", 1), ("196", "50", 5), ("22", "50", 4), ("186", "267", 2),
        ]
        let text = "user,item,rating\n" + rows.map { "\($0.user),\($0.item),\(Int($0.rating))" }.joined(separator: "\n") + "\n"
        let dataset = try DelimitedRatingsLoader.load(ratings: try folder.write("ratings.csv", text), threads: 1)
        // Dense indices follow the order of first appearance.
        #expect(["196", "186", "22"].map { dataset.userIDs.index(of: UserID($0)) } == [UserIndex(0), 1, 2])
        #expect(["242", "302", "377", "50", "267"].map { dataset.itemIDs.index(of: ItemID($0)) } == [ItemIndex(0), 1, 2, 3, 4])
        #expect(dataset.userIDs.index(of: "999") == nil && dataset.itemIDs.index(of: "999") == nil)
        // Every interaction maps back to the ids of its line.
        let x = dataset.interactions
        let seen = (0..<x.count).map { k in
            "\(dataset.userIDs.id(at: x.user(at: k)).rawValue) \(dataset.itemIDs.id(at: x.item(at: k)).rawValue) \(x.ratings[k])"
        }
        #expect(seen.sorted() == rows.map { "\($0.user) \($0.item) \($0.rating)" }.sorted())
        // The model metadata answers with the same typed indices.
        let metadata = ModelMetadata(dataset: dataset, training: x)
        #expect(metadata.userIndex(of: "22") == UserIndex(2))
        #expect(metadata.lookUpItem("50").chosen == ItemIndex(3))
        let history = metadata.history(of: UserIndex(0))
        #expect(history.map(\.item) == [ItemIndex(0), 3] && history.map(\.rating) == [3, 5])
        #expect(metadata.seenCount(ofUser: 2) == 2 && metadata.seenCount(ofUser: 3) == 0 && metadata.seenCount(ofUser: -1) == 0)
    }
}
