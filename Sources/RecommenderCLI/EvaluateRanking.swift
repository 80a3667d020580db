import ArgumentParser
import Foundation
import Recommender

/// The ranking models the CLI can fit, by ``Algorithm``.
enum RankingModels {
    /// The algorithm `best` stands for in the ranking task.
    static let best: Algorithm = .ease

    static let supported: [Algorithm] = [.popularity, .itemKNN, .ials, .bpr, .ease, .best]

    /// Fits a ranking model with its tuned defaults.
    static func fit(_ algorithm: Algorithm, training: Interactions, metadata: ModelMetadata, seed: UInt64,
                    feedback: ImplicitFeedback) throws -> any ItemScorer {
        switch algorithm {
        case .popularity:
            return Popularity(.init(feedback: feedback)).fit(training, metadata: metadata)
        case .itemKNN:
            var c = ItemKNN.Configuration.default
            c.feedback = feedback
            return ItemKNN(c).fit(training, metadata: metadata)
        case .ease, .best:
            var c = EASE.Configuration.default
            c.feedback = feedback
            return try EASE(c).fit(training, metadata: metadata)
        default:
            throw ValidationError("--algorithm \(algorithm.rawValue) is not a ranking model; ranking models: \(supported.map(\.rawValue).joined(separator: ", "))")
        }
    }
}

/// `recommender evaluate --task ranking`.
enum RankingEvaluationCommand {
    static func run(_ command: EvaluateCommand) throws {
        let algorithms = try command.algorithmList
        for a in algorithms where !RankingModels.supported.contains(a) {
            throw ValidationError("'\(a.rawValue)' is not a ranking model; ranking models: \(RankingModels.supported.map(\.rawValue).joined(separator: ", "))")
        }
        guard command.k > 0 else { throw ValidationError("-k must be positive") }
        let dataset = try command.data.load()
        let split: Split
        switch command.evaluationProtocol {
        case .userStratified:
            guard (0.0..<1.0).contains(command.testFraction), command.testFraction > 0 else {
                throw ValidationError("--test-fraction must be in (0, 1)")
            }
            split = Splitter.userStratified(dataset.interactions, testFraction: command.testFraction, seed: command.seed)
        case .leaveLastOut:
            split = try Splitter.leaveLastOut(dataset.interactions)
        default:
            throw ValidationError("ranking evaluation supports --protocol user-stratified or leave-last-out")
        }
        let feedback = ImplicitFeedback(threshold: command.threshold)
        let metadata = ModelMetadata(dataset: dataset, training: split.train)
        var rows: [(name: String, report: RankingReport, fit: Double, predict: Double)] = []
        for algorithm in algorithms {
            let start = DispatchTime.now()
            let model = try RankingModels.fit(algorithm, training: split.train, metadata: metadata, seed: command.seed, feedback: feedback)
            let fitted = DispatchTime.now()
            var predictSeconds = 0.0
            let report = RankingEvaluation.evaluate(test: split.test, k: command.k, relevanceThreshold: command.threshold) { users in
                let t0 = DispatchTime.now()
                let lists = TopNRecommender.recommend(model, users: users, k: command.k, excluding: metadata.seen)
                predictSeconds = seconds(since: t0)
                return lists
            }
            let name = algorithm == .best ? "best (\(RankingModels.best.rawValue))" : algorithm.rawValue
            rows.append((name, report, seconds(from: start, to: fitted), predictSeconds))
        }
        let names = rows.first?.report.named.map(\.name) ?? []
        var table = "| model | " + names.joined(separator: " | ") + " | fit s | recommend s |\n"
        table += "|---|" + String(repeating: "---:|", count: names.count + 2) + "\n"
        for r in rows {
            table += "| \(r.name) | " + r.report.named.map { String(format: "%.4f", $0.value) }.joined(separator: " | ")
            table += String(format: " | %.3f | %.4f |\n", r.fit, r.predict)
        }
        print("Ranking evaluation on \(dataset.name): \(command.evaluationProtocol.rawValue), test fraction \(command.testFraction), seed \(command.seed), k = \(command.k), \(rows.first?.report.userCount ?? 0) users, full ranking over \(dataset.itemCount) items, training items excluded\n")
        print(table)
        if let path = command.json {
            let results: [[String: Any]] = rows.map { r in
                var metrics: [String: Any] = [:]
                for (n, v) in r.report.named { metrics[n] = v; metrics[n + "_per_fold"] = [v] }
                return ["model": r.name, "metrics": metrics, "fit_seconds_per_fold": [r.fit], "predict_seconds_per_fold": [r.predict],
                        "users": r.report.userCount]
            }
            let object: [String: Any] = ["task": "ranking", "dataset": dataset.name, "protocol": command.evaluationProtocol.rawValue,
                                         "test_fraction": command.testFraction, "seed": command.seed, "k": command.k, "folds": 1,
                                         "relevance_threshold": command.threshold.map { Double($0) as Any } ?? NSNull(),
                                         "results": results]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            try data.write(to: URL(fileURLWithPath: path))
            print("wrote \(path)")
        }
        // TODO(charts): BarChart of ndcg@k per model into --output once Charts is merged into main.
    }

    static func seconds(since start: DispatchTime) -> Double { seconds(from: start, to: DispatchTime.now()) }
    static func seconds(from a: DispatchTime, to b: DispatchTime) -> Double { Double(b.uptimeNanoseconds - a.uptimeNanoseconds) / 1e9 }
}
