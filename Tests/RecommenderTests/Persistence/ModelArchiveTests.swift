import Foundation
import Testing
@testable import Recommender

@Suite struct ModelArchiveTests {
    func sample() -> ModelArchive {
        var a = ModelArchive(kind: "test")
        a.set("f", .floats([1, 2.5, -3]))
        a.set("i", .int32s([7, 8]))
        a.set("s", .strings(["a", "Señor", ""]))
        a.set("n", .int(-42))
        a.set("d", .double(0.125))
        a.set("t", .string("hello"))
        return a
    }

    @Test func roundTripsEverySectionType() throws {
        let decoded = try ModelArchive(decoding: sample().encoded())
        #expect(decoded.kind == "test")
        #expect(try decoded.floats("f") == [1, 2.5, -3])
        #expect(try decoded.int32s("i") == [7, 8])
        #expect(try decoded.strings("s") == ["a", "Señor", ""])
        #expect(try decoded.int("n") == -42)
        #expect(try decoded.double("d") == 0.125)
        #expect(try decoded.string("t") == "hello")
    }

    @Test func rejectsCorruptTruncatedAndForeignFiles() {
        var bytes = sample().encoded()
        bytes[20] ^= 0xFF
        #expect(throws: PersistenceError.checksumMismatch(path: "model")) { try ModelArchive(decoding: bytes) }
        let good = sample().encoded()
        #expect(throws: PersistenceError.self) { try ModelArchive(decoding: Array(good.prefix(good.count - 9))) }
        #expect(throws: PersistenceError.notAModelFile(path: "model")) { try ModelArchive(decoding: Array("user,item\n".utf8)) }
    }

    @Test func missingSectionIsAClearError() throws {
        let decoded = try ModelArchive(decoding: sample().encoded())
        #expect(throws: PersistenceError.badSection(path: "model", name: "nope", reason: "missing or not a float array")) {
            try decoded.floats("nope")
        }
        #expect(throws: PersistenceError.self) { try decoded.floats("f", count: 4) }
    }

    @Test func writesAtomicallyAndReadsBack() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("archive-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("m.recmodel")
        try sample().write(to: url)
        try sample().write(to: url)  // overwrite in place
        let read = try ModelArchive(contentsOf: url, expectedKind: "test")
        #expect(try read.floats("f") == [1, 2.5, -3])
        #expect(throws: PersistenceError.self) { try ModelArchive(contentsOf: url, expectedKind: "mf") }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test func metadataRoundTrips() throws {
        let users = IDMap<UserID>(["1", "2"]), items = IDMap<ItemID>(["10", "20", "30"])
        let catalog = ItemCatalog(titles: ["A", "B", "C"], years: [1995, nil, 2001], genres: [[], GenreSet(index: 1), GenreSet(index: 0)], genreNames: ["Drama", "Comedy"])
        let seen = Interactions(users: [0, 1, 1], items: [2, 0, 1], ratings: [5, 3, 4], userCount: 2, itemCount: 3).byUser()
        let meta = ModelMetadata(userIDs: users, itemIDs: items, catalog: catalog, seen: seen, ratingScale: 1...5)
        var archive = ModelArchive(kind: "x")
        archive.store(meta)
        let back = try ModelArchive(decoding: archive.encoded()).metadata()
        #expect(back == meta)
    }
}
