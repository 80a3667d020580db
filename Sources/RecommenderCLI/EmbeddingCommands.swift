import ArgumentParser
import Foundation
import Recommender
import RecommenderCharts

/// A command failure printed as one line (`Error: ...`) with a non-zero exit status.
struct EmbeddingCommandError: Error, CustomStringConvertible {
    let description: String
}

/// A loaded model that has item embeddings, with what the embedding commands need.
struct LoadedEmbeddingModel {
    /// The model file read.
    var file: URL
    /// The model's kind (e.g. `"mf"`).
    var kind: String
    /// One row per item.
    var embeddings: Matrix
    /// Id maps, catalog and training ratings.
    var metadata: ModelMetadata

    /// A short name for chart titles: the model's folder (or file) name.
    var displayName: String {
        file.lastPathComponent == ModelFile.name ? file.deletingLastPathComponent().lastPathComponent : file.lastPathComponent
    }

    /// Loads any registered model from a model file or its folder and checks it has item embeddings.
    /// - Throws: a missing, corrupt or foreign file's error; ``EmbeddingCommandError`` when the
    ///   model has no item embeddings.
    static func load(path: String, command: String) throws -> LoadedEmbeddingModel {
        let file = try ModelFile.url(at: path)
        let model = try AlgorithmCatalog.standard.loadModel(from: file)
        return try from(model, file: file, command: command)
    }

    /// Checks that `model` has item embeddings.
    static func from(_ model: any PersistableModel, file: URL, command: String) throws -> LoadedEmbeddingModel {
        let kind = kindName(of: model)
        guard let embedded = model as? any ItemEmbeddingModel else {
            throw EmbeddingCommandError(description: "\(file.path) holds a '\(kind)' model, which has no item embeddings; \(command) needs a model with item embeddings (such as mf or softmax)")
        }
        return LoadedEmbeddingModel(file: file, kind: kind, embeddings: embedded.itemEmbeddings, metadata: model.metadata)
    }

    private static func kindName(of model: any PersistableModel) -> String {
        func open<M: PersistableModel>(_: M) -> String { M.kind }
        return open(model)
    }
}

/// Where a chart goes: `--output` when given, else `name` next to the (first) model file.
func chartDestination(output: String?, besides file: URL, name: String) -> URL {
    if let output { return URL(fileURLWithPath: output) }
    return file.deletingLastPathComponent().appendingPathComponent(name)
}

/// Writes `text` to `url`, creating the folder when needed.
func writeChart(_ text: String, to url: URL) throws {
    do {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url, options: .atomic)
    } catch {
        throw EmbeddingCommandError(description: "\(url.path): could not write the chart: \(error.localizedDescription)")
    }
}

/// `recommender map`: a 2-D t-SNE map of a model's item embeddings, coloured by genre.
struct MapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Draw a 2-D t-SNE map of a model's movie embeddings, coloured by genre (SVG with hover titles).",
        discussion: """
        t-SNE uses the notebook's settings: cosine distance, PCA initialisation, early exaggeration 10 \
        for 250 iterations, learning rate max(N/40, 50). Each movie is coloured by one of its genres, \
        chosen at random (seeded), as in the notebook. Only 10 colours can be told apart: the 9 largest \
        genres are coloured and the rest are grey, or give --highlight to colour chosen genres only.
        """
    )

    @Option(help: "A model file, or the folder `recommender train` wrote it into.")
    var model: String

    @Option(help: "SVG file to write (default: map.svg next to the model file).")
    var output: String?

    @Option(help: "Random seed (t-SNE and the genre each movie is coloured by).")
    var seed: UInt64 = 0

    @Option(parsing: .unconditionalSingleValue,
            help: "A genre to colour (repeatable, at most 10); every other movie is grey. A movie with a highlighted genre takes it.")
    var highlight: [String] = []

    @Option(help: "t-SNE perplexity (must be smaller than the number of movies).")
    var perplexity: Double = 40

    @Option(help: "t-SNE iterations (the first 250 with early exaggeration).")
    var iterations: Int = 400

    func validate() throws {
        if highlight.count > 10 { throw ValidationError("--highlight: at most 10 genres can be told apart by colour, got \(highlight.count)") }
        try OptionBounds.check(perplexity, "--perplexity", OptionBounds.perplexity)
        try OptionBounds.check(iterations, "--iterations", OptionBounds.mapIterations)
    }

    func run() async throws {
        let loaded = try LoadedEmbeddingModel.load(path: model, command: "map")
        let destination = chartDestination(output: output, besides: loaded.file, name: "map.svg")
        let genreNames = loaded.metadata.catalog.genreNames
        let highlighted = try highlight.map { wanted in
            guard let name = genreNames.first(where: { $0.lowercased() == wanted.lowercased() }) else {
                throw EmbeddingCommandError(description: "--highlight: no genre '\(wanted)' in the model's catalog (genres: \(genreNames.isEmpty ? "none" : genreNames.joined(separator: ", ")))")
            }
            return name
        }
        let outcome = try Self.drawMap(loaded, seed: seed, perplexity: perplexity, iterations: iterations, highlighted: highlighted)
        try writeChart(outcome.svg, to: destination)
        print("wrote \(destination.path): t-SNE map of \(outcome.map.points.count) movies, \(Set(outcome.map.points.map(\.genre)).count) genres")
        print("t-SNE: \(outcome.map.tsne.iterations) iterations in \(String(format: "%.2f", outcome.seconds)) s, KL divergence \(String(format: "%.4f", outcome.map.tsne.klDivergence))")
    }

    /// Runs t-SNE on the item embeddings and draws the scatter chart.
    static func drawMap(_ loaded: LoadedEmbeddingModel, seed: UInt64, perplexity: Double, iterations: Int,
                        highlighted: [String] = []) throws
        -> (svg: String, map: EmbeddingInspection.ItemMap, seconds: Double) {
        var configuration = TSNE.Configuration.default
        configuration.seed = seed
        configuration.perplexity = perplexity
        configuration.iterations = iterations
        let start = DispatchTime.now()
        let map = try EmbeddingInspection.itemMap(embeddings: loaded.embeddings, catalog: loaded.metadata.catalog, configuration: configuration)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        // The chart colours the largest genres (or the highlighted ones; a movie with one of those
        // takes it instead of its random genre) and greys the rest.
        let points = map.points.map { p in
            let genre = highlighted.first { p.genres.contains($0) } ?? p.genre
            return ScatterPoint(x: Double(p.x), y: Double(p.y), category: genre,
                                label: "\(p.title) — \(p.genres.isEmpty ? EmbeddingInspection.unknownGenre : p.genres.joined(separator: ", "))")
        }
        var chart = ScatterChart(title: "Movie embeddings (t-SNE, perplexity \(formatNumber(perplexity))) — \(loaded.displayName)",
                                 xLabel: "t-SNE 1", yLabel: "t-SNE 2", points: points)
        chart.highlighted = highlighted
        return (chart.svg(width: 900, height: 700), map, seconds)
    }
}

/// `recommender norms`: embedding norm against number of ratings, one panel per model.
struct NormsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "norms",
        abstract: "Plot each movie's embedding norm against its number of training ratings, one panel per model (SVG with hover titles).",
        discussion: "Give --model several times to compare models side by side (the notebook compares init_stddev 0.5 and 0.05)."
    )

    @Option(help: "A model file, or the folder `recommender train` wrote it into; repeat to compare models.")
    var model: [String] = []

    @Option(help: "SVG file to write (default: norms.svg next to the first model file).")
    var output: String?

    @Flag(help: "Logarithmic number-of-ratings axis (movies without training ratings are then left out).")
    var logX = false

    func validate() throws {
        guard !model.isEmpty else { throw ValidationError("give at least one --model") }
    }

    func run() async throws {
        let models = try model.map { try LoadedEmbeddingModel.load(path: $0, command: "norms") }
        let destination = chartDestination(output: output, besides: models[0].file, name: "norms.svg")
        let outcome = try Self.drawNorms(models, logX: logX)
        try writeChart(outcome.svg, to: destination)
        print("wrote \(destination.path): embedding norm against number of ratings, \(models.count) panel\(models.count == 1 ? "" : "s")")
        for (loaded, rows) in zip(models, outcome.norms) {
            let norms = rows.map(\.norm)
            let mean = norms.isEmpty ? 0 : norms.reduce(0, +) / Float(norms.count)
            print("\(loaded.displayName) (\(loaded.kind)): \(rows.count) movies, norm min \(String(format: "%.3f", norms.min() ?? 0)), mean \(String(format: "%.3f", mean)), max \(String(format: "%.3f", norms.max() ?? 0))")
        }
    }

    /// Computes the norms of every model and draws one scatter panel per model.
    static func drawNorms(_ models: [LoadedEmbeddingModel], logX: Bool = false) throws -> (svg: String, norms: [[ItemEmbeddingNorm]]) {
        var panels: [String] = [], all: [[ItemEmbeddingNorm]] = []
        for loaded in models {
            let rows = try EmbeddingInspection.norms(embeddings: loaded.embeddings, seen: loaded.metadata.seen)
            let catalog = loaded.metadata.catalog
            let points = rows.map { r in
                ScatterPoint(x: Double(r.ratingCount), y: Double(r.norm),
                             label: "\(catalog.displayTitle(r.item)): norm \(String(format: "%.3f", r.norm)), \(r.ratingCount) ratings")
            }
            let chart = ScatterChart(title: "\(loaded.displayName) (\(loaded.kind))", xLabel: "number of ratings",
                                     yLabel: "embedding norm", points: points, logX: logX)
            panels.append(chart.svg(width: 560, height: 420))
            all.append(rows)
        }
        let svg = SVGLayout.grid(panels, columns: min(panels.count, 3), title: "Movie embedding norm against number of ratings")
        return (svg, all)
    }
}

/// A number without a trailing ".0" when it is whole.
func formatNumber(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
}
