import Recommender

/// One point of an embedding chart (title shown on hover).
struct EmbeddingChartPoint {
    var x: Double, y: Double
    var category: String?
    var label: String?
}

/// The charts of `map` and `norms`.
// TODO: draw with the library's ScatterChart and SVGLayout.grid once Charts is merged into main.
enum EmbeddingCharts {
    static func scatter(title: String, xLabel: String, yLabel: String, points: [EmbeddingChartPoint], width: Int, height: Int) throws -> String {
        throw EmbeddingCommandError(description: "charts are not available in this build yet")
    }

    static func grid(_ svgs: [String], columns: Int, title: String) throws -> String {
        throw EmbeddingCommandError(description: "charts are not available in this build yet")
    }
}
