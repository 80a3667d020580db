import ArgumentParser
import Foundation
import Recommender

/// What an evaluation measures.
enum EvaluationTask: String, CaseIterable, ExpressibleByArgument {
    /// Rating prediction: RMSE and MAE.
    case rating
    /// Top-N ranking: precision, recall, NDCG, MAP, hit rate, MRR, coverage at k.
    case ranking
}

/// How an evaluation divides the data.
enum EvaluationProtocol: String, CaseIterable, ExpressibleByArgument {
    case kfold, holdout, canonical
    case userStratified = "user-stratified"
    case leaveLastOut = "leave-last-out"
}

/// `recommender evaluate`: compare several algorithms on one protocol and print one table.
struct EvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate one or more algorithms on a protocol and print a comparison table (Markdown, optional JSON and chart)."
    )

    @OptionGroup var data: DataOptions

    @Option(help: "rating (RMSE/MAE) or ranking (precision/recall/NDCG/MAP@k).")
    var task: EvaluationTask = .rating

    @Option(help: "Comma-separated algorithm names.")
    var algorithms: String = "baseline,svd"

    @Option(name: .customLong("protocol"), help: "kfold, holdout, canonical (ML-100K u1..u5), user-stratified, leave-last-out.")
    var evaluationProtocol: EvaluationProtocol = .kfold

    @Option(help: "Number of folds for --protocol kfold.")
    var folds: Int = 5

    @Option(help: "Share of the data held out by holdout and user-stratified protocols.")
    var testFraction: Double = 0.25

    @Option(help: "Random seed for the split and the models.")
    var seed: UInt64 = 0

    @Option(name: .customShort("k"), help: "Cut-off for ranking metrics.")
    var k: Int = 10

    @Option(help: "Ranking task: ratings at or above this value are positives (training) and relevant (test); default: every rating.")
    var threshold: Float?

    @Option(help: "Write the results as JSON to this file.")
    var json: String?

    @Option(help: "Folder for the comparison chart.")
    var output: String = "output/evaluate"

    /// The parsed `--algorithms` list.
    var algorithmList: [Algorithm] {
        get throws {
            try algorithms.split(separator: ",").map { name in
                let trimmed = name.trimmingCharacters(in: .whitespaces)
                guard let a = Algorithm(rawValue: trimmed) else {
                    throw ValidationError("unknown algorithm '\(trimmed)'; known: \(Algorithm.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return a
            }
        }
    }

    func run() async throws {
        switch task {
        case .rating:
            try runRatingEvaluation(self)
        case .ranking:
            try RankingEvaluationCommand.run(self)
        }
    }
}
