import ArgumentParser
import Recommender

/// The `--explain` lines of `recommender recommend`: "because you liked …" for each result.
enum ExplainOutput {
    /// One line per recommended item naming the history items that contributed most.
    /// - Throws: ``DataError/invalidInput(_:)`` when the model cannot explain its scores.
    static func lines(for rows: [RecommendedItem], model: any PersistableModel, history: [(item: ItemIndex, rating: Float)],
                      reasons: Int = 3) throws -> [String] {
        guard let explainable = model as? any ExplainableScorer else {
            throw DataError.invalidInput("a '\(type(of: model).kind)' model cannot explain its recommendations; use item-knn, ease or ials")
        }
        var out = ["", "Because you liked:"]
        for row in rows {
            let why = Explanations.becauseYouLiked(row.item, history: history, model: explainable, metadata: model.metadata, count: reasons)
            let text = why.isEmpty ? "(no positive contribution from your items)"
                : why.map { "\($0.title) (\(String(format: "%.3f", $0.contribution)))" }.joined(separator: "; ")
            out.append("  \(row.title) ← \(text)")
        }
        return out
    }
}
