import ArgumentParser
import Foundation
import Recommender
import RecommenderCharts

/// The ranking models the CLI can fit, by ``Algorithm``.
enum RankingModels {
    /// The algorithm `best` stands for in the ranking task: iALS with its tuned defaults
    /// (NDCG@10 ≈ 0.50 on ML-100K 75/25, ahead of EASE's 0.483).
    static let best: Algorithm = .ials

    static let supported: [Algorithm] = [.popularity, .itemKNN, .ials, .bpr, .ease, .best]

    /// Options a command may override; `nil` keeps the model's tuned default.
    struct Overrides {
        var threshold: Float? = nil
        var factors: Int? = nil
        var regularization: Float? = nil
        var iterations: Int? = nil
        var epochs: Int? = nil
        var learningRate: Float? = nil
        var alpha: Float? = nil
        var lambda: Float? = nil
        var neighbours: Int? = nil
        var similarity: ItemKNN.Similarity? = nil
        var solver: ImplicitALS.Solver? = nil
        var weighting: ImplicitFeedback.Weighting? = nil
        var seed: UInt64? = nil
        var threads: Int? = nil
    }

    /// Fits a ranking model with its tuned defaults, changed only where `o` says.
    static func fit(_ algorithm: Algorithm, training: Interactions, metadata: ModelMetadata, overrides o: Overrides,
                    progress: ((String) -> Void)? = nil) throws -> any ItemScorer & PersistableModel {
        func feedback(_ base: ImplicitFeedback) -> ImplicitFeedback {
            var f = base
            if let t = o.threshold { f.threshold = t }
            if let w = o.weighting { f.weighting = w }
            return f
        }
        try feedback(.default).checkHasPositives(training)
        switch algorithm {
        case .popularity:
            return Popularity(.init(feedback: feedback(.default))).fit(training, metadata: metadata)
        case .itemKNN:
            var c = ItemKNN.Configuration.default
            c.feedback = feedback(c.feedback)
            if let v = o.neighbours { c.neighbours = v }
            if let v = o.similarity { c.similarity = v }
            if let v = o.alpha { c.alpha = v }
            if let v = o.threads { c.threads = v }
            return ItemKNN(c).fit(training, metadata: metadata)
        case .ease:
            var c = EASE.Configuration.default
            c.feedback = feedback(c.feedback)
            if let v = o.lambda ?? o.regularization { c.lambda = v }
            if let v = o.threads { c.threads = v }
            return try EASE(c).fit(training, metadata: metadata)
        case .ials, .best:
            var c = ImplicitALS.Configuration.default
            c.feedback = feedback(c.feedback)
            if let v = o.factors { c.factors = v }
            if let v = o.regularization { c.regularization = v }
            if let v = o.iterations { c.iterations = v }
            if let v = o.alpha { c.alpha = v }
            if let v = o.solver { c.solver = v }
            if let v = o.seed { c.seed = v }
            if let v = o.threads { c.threads = v }
            return try ImplicitALS(c).fit(training, metadata: metadata) { p in
                progress?(String(format: "iteration %d: %.3f s", p.iteration, p.seconds))
            }
        case .bpr:
            var c = BPR.Configuration.default
            c.feedback = feedback(c.feedback)
            if let v = o.factors { c.factors = v }
            if let v = o.regularization { c.regularization = v }
            if let v = o.epochs ?? o.iterations { c.epochs = v }
            if let v = o.learningRate { c.learningRate = v }
            if let v = o.seed { c.seed = v }
            if let v = o.threads { c.threads = v }
            return try BPR(c).fit(training, metadata: metadata)
        default:
            throw ValidationError("'\(algorithm.rawValue)' is not a ranking model; ranking models: \(supported.map(\.rawValue).joined(separator: ", "))")
        }
    }
}

extension ItemKNN.Similarity: ExpressibleByArgument {}
extension ImplicitALS.Solver: ExpressibleByArgument {}
extension ImplicitFeedback.Weighting: ExpressibleByArgument {}

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
        let overrides = RankingModels.Overrides(threshold: command.threshold, seed: command.seed == 0 ? nil : command.seed)
        let metadata = ModelMetadata(dataset: dataset, training: split.train)
        var rows: [(name: String, report: RankingReport, fit: Double, predict: Double)] = []
        for algorithm in algorithms {
            let start = DispatchTime.now()
            let model = try RankingModels.fit(algorithm, training: split.train, metadata: metadata, overrides: overrides)
            let fitted = DispatchTime.now()
            var predictSeconds = 0.0
            let report = RankingEvaluation.evaluate(test: split.test, k: command.k, relevanceThreshold: command.threshold) { users in
                let t0 = DispatchTime.now()
                let lists = TopNRecommender.recommend(model, metadata: metadata, users: users, k: command.k)
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
        let protocolText = command.evaluationProtocol == .userStratified
            ? "user-stratified, test fraction \(command.testFraction), seed \(command.seed)" : "leave-last-out (latest rating per user)"
        print("Ranking evaluation on \(dataset.name): \(protocolText), k = \(command.k), \(rows.first?.report.userCount ?? 0) users, full ranking over \(dataset.itemCount) items, training items excluded\n")
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
        if !rows.isEmpty {
            let folder = URL(fileURLWithPath: command.output)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let chart = BarChart(title: "NDCG@\(command.k) on \(dataset.name) (\(command.evaluationProtocol.rawValue))", xLabel: "model",
                                 yLabel: "NDCG@\(command.k)", labels: rows.map(\.name), values: rows.map(\.report.ndcg))
            let url = folder.appendingPathComponent("ranking-ndcg.svg")
            try chart.svg().write(to: url, atomically: true, encoding: .utf8)
            print("wrote \(url.path)")
        }
    }

    static func seconds(since start: DispatchTime) -> Double { seconds(from: start, to: DispatchTime.now()) }
    static func seconds(from a: DispatchTime, to b: DispatchTime) -> Double { Double(b.uptimeNanoseconds - a.uptimeNanoseconds) / 1e9 }
}
