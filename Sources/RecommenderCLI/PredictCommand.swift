import ArgumentParser
import Foundation
import Recommender

/// `recommender predict --model DIR --pairs pairs.csv`: predicted ratings of (user, item) pairs.
struct PredictCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predicted ratings of (user, item) pairs from a rating model (baseline, svd, svdpp, als, knn-baseline, bayesian-fm, mf).",
        discussion: "--pairs is a file of 'user,item' lines (comma, tab or semicolon; an optional header; further columns are ignored). "
            + "Unknown users or items get the model's documented fallback (the baseline part: μ + b_u, μ + b_i or μ; mf: the mean "
            + "training rating), marked in the fallback column (none, unknown-user, unknown-item, unknown-user-and-item). "
            + "csv: a header 'user,item,score,fallback' then one row per pair in input order, scores at full precision.")

    @Option(help: "The model file, or the folder `train` wrote it into.")
    var model: String
    @Option(help: "A file of 'user,item' lines (raw ids).")
    var pairs: String
    @Option(help: "table (for people), json (docs/schemas/predictions.schema.json) or csv (user,item,score,fallback).")
    var format: OutputFormat = .csv
    @Option(help: "Write the answer to this file instead of standard output.")
    var output: String?
    @Option(parsing: .unconditional, help: "Most threads (default: all cores; the scores are the same for any count).")
    var threads: String?

    func run() async throws {
        let threads = try threads.map { try parseBounded($0, "--threads", Int.self, 1...1024) } ?? Parallelism.availableCores
        let loaded = try AlgorithmCatalog.standard.loadModel(path: model)
        let kind = type(of: loaded).kind
        guard let predictor = loaded as? any RatingPredictor & PersistableModel else {
            throw DataError.invalidInput("a '\(kind)' model ranks items but does not predict ratings; `predict` needs a rating model "
                                         + "(\(AlgorithmCatalog.standard.names(for: .rating).joined(separator: ", ")))")
        }
        let file = try PairsFile(contentsOf: URL(fileURLWithPath: pairs))
        if file.columnCount > 2 { printError("\(pairs): columns after the second (user, item) are ignored") }
        let start = Date()
        let predictions = PairPredictions.predict(file.pairs, model: predictor, threads: threads)
        let document = PredictionsDocument(model: kind, ratingScale: loaded.metadata.ratingScale, predictions: predictions)
        try AnswerOutput.write(to: output) { out in
            switch format {
            case .csv:
                try out.line(PredictionsDocument.csvHeader)
                for line in document.csvLines() { try out.line(line) }
            case .json: try out.line(try AnswerEncoding.json(document))
            case .table:
                let rows = predictions.map { [$0.user, $0.item, String(format: "%.4f", $0.score), $0.fallback == .none ? "" : $0.fallback.rawValue] }
                for line in ConsoleTable(headers: ["user", "item", "score", "fallback"], rows: rows, rightAligned: [2], indent: "").lines() {
                    try out.line(line)
                }
            }
        }
        printError(String(format: "%d pairs predicted by '%@' in %.3f s, %d fallback(s)%@", predictions.count, kind,
                          Date().timeIntervalSince(start), document.fallbackCount, output.map { "; wrote \($0)" } ?? ""))
    }
}
