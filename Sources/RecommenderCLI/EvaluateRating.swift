import ArgumentParser
import Foundation
import Recommender
import RecommenderCharts

/// `recommender evaluate --task rating`: cross-validates the rating algorithms and prints one
/// Markdown comparison table (and JSON with `--json`).
func runRatingEvaluation(_ command: EvaluateCommand) throws {
    let names = command.algorithms.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    guard !names.isEmpty else { throw ValidationError("--algorithms is empty") }
    let algorithms: [any RatingAlgorithm] = try names.map { name in
        guard let a = ratingAlgorithm(named: name) else {
            throw ValidationError("'\(name)' is not a rating-prediction algorithm; known: \(knownRatingAlgorithmNames.joined(separator: ", "))")
        }
        return a
    }
    let dataset = try command.data.load()
    guard dataset.hasExplicitRatings else { throw ValidationError("\(dataset.name) has no explicit ratings: use --task ranking") }
    let ratingProtocol: RatingProtocol
    let splits: [Split]
    switch command.evaluationProtocol {
    case .kfold:
        ratingProtocol = .kFold(folds: command.folds, seed: command.seed)
        splits = try ratingProtocol.splits(of: dataset)
    case .holdout:
        ratingProtocol = .holdout(testFraction: command.testFraction, seed: command.seed)
        splits = try ratingProtocol.splits(of: dataset)
    case .canonical:
        ratingProtocol = .canonical(directory: command.data.dataDirectory.appendingPathComponent("ml-100k"))
        splits = try ratingProtocol.splits(of: dataset)
    case .userStratified:
        ratingProtocol = .holdout(testFraction: command.testFraction, seed: command.seed)
        splits = [Splitter.userStratified(dataset.interactions, testFraction: command.testFraction, seed: command.seed)]
    case .leaveLastOut:
        ratingProtocol = .holdout(testFraction: 0, seed: command.seed)
        splits = [try Splitter.leaveLastOut(dataset.interactions)]
    }
    let description = command.evaluationProtocol == .kfold || command.evaluationProtocol == .holdout || command.evaluationProtocol == .canonical
        ? ratingProtocol.description : "\(command.evaluationProtocol.rawValue), seed \(command.seed)"
    let context = RatingFitContext(dataset: dataset, seed: command.seed)
    printError("\(dataset.name): \(dataset.interactions.count) ratings; \(description)")
    var results: [RatingEvaluationResult] = []
    for algorithm in algorithms {
        let result = try RatingEvaluation.run(algorithm, splits: splits, context: context) { fold, r in
            printError(String(format: "  %@ fold %d/%d: RMSE %.4f, MAE %.4f, fit %.3f s, predict %.3f s",
                              algorithm.name, fold + 1, splits.count, r.rmse, r.mae, r.fitSeconds, r.predictSeconds))
        }
        results.append(result)
    }
    print("Rating prediction on \(dataset.name), \(description) (mean ± std over folds)\n")
    print(RatingEvaluation.markdownTable(results))
    if let json = command.json {
        let text = try RatingEvaluation.json(results, dataset: dataset.name, protocolDescription: description)
        let url = URL(fileURLWithPath: json)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        printError("wrote \(json)")
    }
    let chart = BarChart(title: "Rating prediction on \(dataset.name): mean RMSE (\(description))", xLabel: "model",
                         yLabel: "RMSE (lower is better)", labels: results.map(\.model), values: results.map(\.rmse))
    let folder = URL(fileURLWithPath: command.output)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let chartURL = folder.appendingPathComponent("rating-rmse.svg")
    try chart.svg().write(to: chartURL, atomically: true, encoding: .utf8)
    printError("wrote \(chartURL.path)")
}

/// Prints a line to standard error (progress, notes), keeping standard output for results.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
