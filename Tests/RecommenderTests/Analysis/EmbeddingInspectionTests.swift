import Foundation
import Testing
@testable import Recommender
import RecommenderTestSupport

/// A minimal model with item embeddings, standing in for every real one (mf, softmax).
struct FakeEmbeddingModel: ItemEmbeddingModel, PersistableModel {
    static let kind = "fake-embedding"
    var itemEmbeddings: Matrix
    var metadata: ModelMetadata

    init(itemEmbeddings: Matrix, metadata: ModelMetadata) {
        self.itemEmbeddings = itemEmbeddings
        self.metadata = metadata
    }

    func archive() -> ModelArchive {
        var a = ModelArchive(kind: Self.kind)
        a.set("items", .int(Int64(itemEmbeddings.rows)))
        a.set("dim", .int(Int64(itemEmbeddings.columns)))
        a.set("item_embeddings", .floats(itemEmbeddings.storage))
        a.store(metadata)
        return a
    }

    init(archive: ModelArchive, path: String) throws {
        let rows = try archive.int("items", path: path), columns = try archive.int("dim", path: path)
        itemEmbeddings = Matrix(rows: rows, columns: columns, storage: try archive.floats("item_embeddings", count: rows * columns, path: path))
        metadata = try archive.metadata(path: path)
    }

    /// Four users, `items` items; item i is rated by the users 0..<min(i, 4); genres cycle.
    static func sample(items: Int = 6, dimension: Int = 3, seed: UInt64 = 1) -> FakeEmbeddingModel {
        var users: [Int32] = [], rated: [Int32] = [], ratings: [Float] = []
        for i in 0..<items { for u in 0..<min(i, 4) { users.append(Int32(u)); rated.append(Int32(i)); ratings.append(Float(1 + (i + u) % 5)) } }
        let seen = Interactions(users: users, items: rated, ratings: ratings, userCount: 4, itemCount: items).byUser()
        let genreNames = ["Action", "Comedy", "Drama"]
        let genres: [GenreSet] = (0..<items).map { i in
            switch i % 4 { case 0: return []; case 1: return GenreSet(index: 0); case 2: return [GenreSet(index: 1), GenreSet(index: 2)]; default: return GenreSet(index: 2) }
        }
        let catalog = ItemCatalog(titles: (0..<items).map { "Movie \($0)" }, years: (0..<items).map { 1990 + $0 }, genres: genres, genreNames: genreNames)
        let metadata = ModelMetadata(userIDs: IDMap((1...4).map { UserID($0) }), itemIDs: IDMap((0..<items).map { ItemID(100 + $0) }),
                                     catalog: catalog, seen: seen, ratingScale: 1...5)
        var generator = SeededGenerator(seed: seed)
        return FakeEmbeddingModel(itemEmbeddings: Matrix(rows: items, columns: dimension, normalStandardDeviation: 1, generator: &generator), metadata: metadata)
    }
}

@Suite struct EmbeddingInspectionTests {
    @Test func normsAndRatingCountsByHand() throws {
        let embeddings = Matrix(rows: 3, columns: 2, storage: [3, 4, 0, 0, -1, 1])
        let seen = Interactions(users: [0, 1, 1, 2, 2], items: [0, 0, 2, 0, 2], ratings: [5, 4, 3, 2, 1], userCount: 3, itemCount: 3).byUser()
        let rows = try EmbeddingInspection.norms(embeddings: embeddings, seen: seen)
        #expect(rows.map(\.item) == [0, 1, 2])
        #expect(rows.map(\.ratingCount) == [3, 0, 2])
        #expect(abs(rows[0].norm - 5) < 1e-6 && rows[1].norm == 0 && abs(rows[2].norm - Float(2).squareRoot()) < 1e-6)
        #expect(EmbeddingInspection.columnCounts(seen) == [3, 0, 2])
        #expect(throws: DataError.self) { try EmbeddingInspection.norms(embeddings: Matrix(rows: 2, columns: 2), seen: seen) }
    }

    @Test func normsOfAModelUseItsMetadata() throws {
        let model = FakeEmbeddingModel.sample(items: 7)
        let rows = try EmbeddingInspection.norms(of: model)
        #expect(rows.map(\.ratingCount) == [0, 1, 2, 3, 4, 4, 4])
        for r in rows { #expect(abs(r.norm - model.itemEmbeddings.rowNorms()[Int(r.item)]) < 1e-6) }
    }

    @Test func oneRandomGenrePerItemSeeded() {
        let names = ["Action", "Comedy", "Drama", "War"]
        let all = GenreSet(rawValue: 0b1111)
        let catalog = ItemCatalog(titles: (0..<400).map { "m\($0)" }, years: Array(repeating: nil, count: 400),
                                  genres: [[], GenreSet(index: 3)] + Array(repeating: all, count: 398), genreNames: names)
        let a = EmbeddingInspection.randomGenres(catalog, seed: 7)
        #expect(a == EmbeddingInspection.randomGenres(catalog, seed: 7))
        #expect(a != EmbeddingInspection.randomGenres(catalog, seed: 8))
        #expect(a[0] == EmbeddingInspection.unknownGenre)
        #expect(a[1] == "War")
        // Items with four genres get each about a quarter of the time (398 draws).
        for name in names {
            let count = a.dropFirst(2).filter { $0 == name }.count
            #expect(count > 60 && count < 140, "\(name) drawn \(count) times out of 398")
        }
    }

    @Test func itemMapOfAModelLabelsEveryItem() throws {
        let model = FakeEmbeddingModel.sample(items: 24, dimension: 4)
        let map = try EmbeddingInspection.itemMap(of: model, configuration: .init(perplexity: 5, iterations: 80, seed: 3, threads: 1))
        #expect(map.points.count == 24)
        #expect(map.tsne.iterations == 80)
        #expect(map.points.allSatisfy { $0.x.isFinite && $0.y.isFinite })
        #expect(map.points[0].genre == EmbeddingInspection.unknownGenre && map.points[0].genres.isEmpty)
        #expect(map.points[1].genre == "Action" && map.points[1].title == "Movie 1 (1991)")
        #expect(["Comedy", "Drama"].contains(map.points[2].genre) && map.points[2].genres == ["Comedy", "Drama"])
        #expect(map.points.map(\.genre) == EmbeddingInspection.randomGenres(model.metadata.catalog, seed: 3))
        #expect(zipEqualLength(map.points, 0..<24).allSatisfy { $0.0.x == map.tsne.embedding[$0.1, 0] && $0.0.y == map.tsne.embedding[$0.1, 1] })
        #expect(throws: TSNEError.perplexityTooLarge(perplexity: 40, pointCount: 24)) { try EmbeddingInspection.itemMap(of: model) }
    }

    @Test func fakeModelRoundTripsThroughAModelFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("embedding-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = FakeEmbeddingModel.sample()
        let file = dir.appendingPathComponent(ModelFile.name)
        try model.save(to: file)
        let back = try FakeEmbeddingModel.load(from: file)
        #expect(back.itemEmbeddings == model.itemEmbeddings && back.metadata == model.metadata)
        // A folder resolves to the model file inside it; a path that does not exist is a clear error.
        #expect(try ModelFile.url(at: dir.path).path == file.path)
        #expect(try ModelFile.url(at: file.path).path == file.path)
        #expect(throws: DataError.missingFile(path: dir.appendingPathComponent("nope").path)) { try ModelFile.url(at: dir.appendingPathComponent("nope").path) }
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(throws: DataError.missingFile(path: empty.appendingPathComponent(ModelFile.name).path)) { try ModelFile.url(at: empty.path) }
        // The catalog does not know the test's kind: a clear wrong-kind error, not a crash.
        #expect { try AlgorithmCatalog.standard.loadModel(path: dir.path) } throws: { error in
            guard case .wrongKind(_, let found, _)? = error as? PersistenceError else { return false }
            return found == FakeEmbeddingModel.kind
        }
    }
}
