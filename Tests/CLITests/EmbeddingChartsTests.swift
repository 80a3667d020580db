import Foundation
import Testing
@testable import Recommender
import RecommenderTestSupport
@testable import RecommenderCLI

/// The chart side of `recommender map` and `recommender norms`, driven with a small model
/// built in the test (the model registry cannot list a test type).
@Suite("map / norms charts")
struct EmbeddingChartsTests {
    /// 30 items in three genre groups (plus items without genre), 5 users.
    static func model(name: String, scale: Float = 1) -> LoadedEmbeddingModel {
        let items = 30
        var users: [Int32] = [], rated: [Int32] = [], ratings: [Float] = []
        for i in 0..<items { for u in 0..<(i % 5) { users.append(Int32(u)); rated.append(Int32(i)); ratings.append(4) } }
        let seen = Interactions(users: users, items: rated, ratings: ratings, userCount: 5, itemCount: items).byUser()
        let genres: [GenreSet] = (0..<items).map { i in i % 10 == 9 ? [] : GenreSet(index: i % 3) }
        let catalog = ItemCatalog(titles: (0..<items).map { "Film & <\($0)>" }, years: (0..<items).map { _ in 1999 },
                                  genres: genres, genreNames: ["Western", "Comedy", "Drama"])
        let metadata = ModelMetadata(userIDs: IDMap((1...5).map { UserID($0) }), itemIDs: IDMap((1...items).map { ItemID($0) }),
                                     catalog: catalog, seen: seen, ratingScale: 1...5)
        var generator = SeededGenerator(seed: 5)
        var embeddings = Matrix(rows: items, columns: 4, normalStandardDeviation: 0.1, generator: &generator)
        for i in 0..<items { embeddings[i, i % 3] += 1; for c in 0..<4 { embeddings[i, c] *= scale } }
        return LoadedEmbeddingModel(file: URL(fileURLWithPath: "/tmp/\(name)/model.recmodel"), kind: "fake", embeddings: embeddings, metadata: metadata)
    }

    static func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test func mapDrawsEveryMovieWithItsGenreAndHoverTitle() throws {
        let loaded = Self.model(name: "run-a")
        let outcome = try MapCommand.drawMap(loaded, seed: 1, perplexity: 5, iterations: 100)
        let svg = outcome.svg
        #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"))
        #expect(Self.count("<circle class=\"point\"", in: svg) == 30)
        #expect(svg.contains("Movie embeddings (t-SNE, perplexity 5) — run-a"))
        // Hover titles are escaped and list every genre of the movie.
        #expect(svg.contains("<title>Film &amp; &lt;0&gt; (1999) — Western</title>"))
        #expect(svg.contains("<title>Film &amp; &lt;9&gt; (1999) — unknown</title>"))
        // Legend: the genres by number of movies (ties in order of first appearance), with their counts.
        let legend = ["Western (9)", "Comedy (9)", "Drama (9)", "unknown (3)"].map { svg.range(of: ">\($0)<")?.lowerBound }
        #expect(legend.allSatisfy { $0 != nil })
        #expect(zip(legend, legend.dropFirst()).allSatisfy { $0.0! < $0.1! })
        #expect(outcome.map.tsne.iterations == 100)
        // Same seed, same chart.
        #expect(try MapCommand.drawMap(loaded, seed: 1, perplexity: 5, iterations: 100).svg == svg)
        #expect(throws: TSNEError.perplexityTooLarge(perplexity: 40, pointCount: 30)) {
            try MapCommand.drawMap(loaded, seed: 1, perplexity: 40, iterations: 10)
        }
    }

    @Test func mapHighlightColoursChosenGenresOnly() throws {
        let loaded = Self.model(name: "run-a")
        let svg = try MapCommand.drawMap(loaded, seed: 1, perplexity: 5, iterations: 50, highlighted: ["Drama"]).svg
        #expect(svg.contains(">Drama (9)<"))
        #expect(svg.contains(">other: 3 more (21)<"))
        #expect(Self.count("fill=\"#c4c4c4\"", in: svg) >= 21)   // ChartPalette.other
    }

    @Test func normsDrawsOnePanelPerModel() throws {
        let a = Self.model(name: "stddev-0.5"), b = Self.model(name: "stddev-0.05", scale: 0.1)
        let outcome = try NormsCommand.drawNorms([a, b])
        #expect(outcome.norms.count == 2)
        #expect(outcome.norms[0].map(\.ratingCount) == (0..<30).map { $0 % 5 })
        for (x, y) in zipEqualLength(outcome.norms[0], outcome.norms[1]) { #expect(abs(y.norm - 0.1 * x.norm) < 1e-5) }
        let svg = outcome.svg
        #expect(svg.contains("Movie embedding norm against number of ratings"))
        #expect(svg.contains("stddev-0.5 (fake)") && svg.contains("stddev-0.05 (fake)"))
        #expect(Self.count("<circle class=\"point\"", in: svg) == 60)
        let norm = String(format: "%.3f", outcome.norms[0][7].norm)
        #expect(svg.contains("<title>Film &amp; &lt;7&gt; (1999): norm \(norm), 2 ratings</title>"))
        // On a log axis the movies without ratings are left out.
        #expect(Self.count("<circle class=\"point\"", in: try NormsCommand.drawNorms([a], logX: true).svg) == 24)
    }

    @Test func aModelWithoutEmbeddingsIsAClearError() throws {
        struct NoEmbeddings: PersistableModel {
            static let kind = "plain"
            var metadata: ModelMetadata
            func archive() -> ModelArchive { ModelArchive(kind: Self.kind) }
            init(archive: ModelArchive, path: String) throws { metadata = try archive.metadata(path: path) }
            init(metadata: ModelMetadata) { self.metadata = metadata }
        }
        let model = NoEmbeddings(metadata: Self.model(name: "x").metadata)
        let file = URL(fileURLWithPath: "/tmp/m/model.recmodel")
        let error = #expect(throws: EmbeddingCommandError.self) { try LoadedEmbeddingModel.from(model, file: file, command: "norms") }
        #expect(error?.description == "/tmp/m/model.recmodel holds a 'plain' model, which has no item embeddings; norms needs a model with item embeddings (such as mf or softmax)")
    }
}
