import ArgumentParser
import Foundation
import Recommender
import RecommenderCharts

/// How an evaluation divides the data.
enum EvaluationProtocol: String, CaseIterable, ExpressibleByArgument {
    case kfold, holdout, canonical
    case userStratified = "user-stratified"
    case leaveLastOut = "leave-last-out"
}

extension AlgorithmTask: ExpressibleByArgument {}

/// `recommender evaluate`: compare several algorithms of the catalog on one protocol and print one table.
struct EvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate one or more algorithms on a protocol and print a comparison table (Markdown, optional JSON and chart).",
        discussion: "Rating algorithms: \(AlgorithmCatalog.standard.names(for: .rating).joined(separator: ", ")). "
            + "Ranking algorithms: \(AlgorithmCatalog.standard.names(for: .ranking).joined(separator: ", ")). "
            + "--param name=value sets a hyper-parameter of every listed algorithm that has it; prefix it with the algorithm "
            + "(svd.epochs=30) to set it for one."
    )

    @OptionGroup var data: DataOptions

    @Option(help: "rating (RMSE/MAE) or ranking (precision/recall/NDCG/MAP@k).")
    var task: AlgorithmTask = .rating

    @Option(help: "Comma-separated algorithm names (default: baseline,svd).")
    var algorithms: String?

    @Option(name: .customLong("model"), help: "Score a fitted model file (or the folder holding it) on --test instead of fitting algorithms (repeatable; ranking task).")
    var models: [String] = []

    @Option(name: .customLong("protocol"), help: "kfold, holdout, canonical (ML-100K u1..u5), user-stratified, leave-last-out.")
    var evaluationProtocol: EvaluationProtocol = .kfold

    @Option(parsing: .unconditional, help: "Number of folds for --protocol kfold (2...100).")
    var folds: String = "5"

    @Option(parsing: .unconditional, help: "Share of the data held out by holdout and user-stratified protocols, in (0, 1).")
    var testFraction: String = "0.25"

    @Option(parsing: .unconditional, help: "Random seed for the split and the models.")
    var seed: String = "0"

    @Option(name: .customShort("k"), parsing: .unconditional, help: "Cut-off for ranking metrics (1...10000).")
    var k: String = "10"

    @Option(parsing: .unconditional, help: "Ranking task: ratings at or above this value are positives (training) and relevant (test); default: every rating.")
    var threshold: String?

    @Option(name: .customLong("param"), parsing: .unconditionalSingleValue, help: "A hyper-parameter: name=value or algorithm.name=value (repeatable).")
    var params: [String] = []

    @Option(parsing: .unconditional, help: "Most threads (default: all cores).")
    var threads: String?

    @Option(help: "Write the results as JSON to this file.")
    var json: String?

    @Option(help: "The answer on standard output: table (Markdown, for people), json (docs/schemas/evaluation.schema.json) or csv (one row per algorithm).")
    var format: OutputFormat = .table

    @Option(help: "Training ratings of a split made elsewhere (with --test; read like --ratings, ids mapped through one data set built from both files).")
    var train: String?

    @Option(help: "Test ratings of the split given by --train.")
    var test: String?

    @Option(help: "Write each split's training and test ratings to this folder (split-N-train.csv, split-N-test.csv; raw ids), to evaluate them elsewhere or with --train/--test.")
    var saveSplits: String?

    @Option(help: "Folder for the comparison chart.")
    var output: String = "output/evaluate"

    @Option(help: "Ranking task: also rank through an approximate index and report the NDCG it loses against the exact scan: hnsw (built after each fit for models whose scores are inner products; with --model, the model.hnsw beside the model is used, and is built in memory when absent).")
    var index: TrainIndexKind?

    @Option(help: "The index's query-time candidate-list size (default 64; with --index, or a --model that has a model.hnsw).")
    var ef: Int?

    @Flag(help: "With --model: ignore a model.hnsw beside the model (exact lists only).")
    var exact = false

    func run() async throws {
        try OptionBounds.check(ef, "--ef", OptionBounds.ef)
        if index != nil || ef != nil, task != .ranking { throw ValidationError("--index and --ef apply to --task ranking") }
        if index != nil, exact { throw ValidationError("--index asks for the approximate lists, --exact for none: give one") }
        if !models.isEmpty { return try runModels() }
        if exact { throw ValidationError("--exact applies to --model (a fitted model with a model.hnsw beside it)") }
        let algorithms = self.algorithms ?? "baseline,svd"
        let catalog = AlgorithmCatalog.standard
        let names = algorithms.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw CLIError("--algorithms is empty") }
        let chosen = try names.map { (label: $0, algorithm: try catalog.algorithm(named: $0, task: task)) }
        let seed = try parseBounded(seed, "--seed", UInt64.self)
        let folds = try parseBounded(folds, "--folds", Int.self, 2...100)
        let k = try parseBounded(k, "-k", Int.self, 1...10_000)
        let threads = try threads.map { try parseBounded($0, "--threads", Int.self, 1...1024) }
        guard let fraction = Double(testFraction), fraction > 0, fraction < 1 else {
            throw CLIError("--test-fraction must be in (0, 1), got '\(testFraction)'")
        }
        var threshold: Float? = nil
        if let text = self.threshold {
            guard let t = Float(text), t.isFinite else { throw CLIError("--threshold must be a finite number, got '\(text)'") }
            threshold = t
        }
        var settings: [[String: String]] = Array(repeating: [:], count: chosen.count)
        for p in params {
            let parts = p.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else { throw CLIError("--param expects name=value, got '\(p)'") }
            let target = parts[0].split(separator: ".", maxSplits: 1).map(String.init)
            var applied = false
            for (index, entry) in chosen.enumerated() {
                let name: String
                if target.count == 2 { guard target[0] == entry.label || target[0] == entry.algorithm.name else { continue }; name = target[1] } else { name = target[0] }
                guard entry.algorithm.parameters.contains(where: { $0.answers(to: name) }) else {
                    if target.count == 2 { throw TrainingError.unknownHyperparameter(algorithm: entry.algorithm.name, name: name, known: entry.algorithm.parameters.map(\.name)) }
                    continue
                }
                settings[index][name] = parts[1]; applied = true
            }
            if !applied { throw CLIError("--param \(parts[0]) applies to none of \(names.joined(separator: ", "))") }
        }
        if let threshold, task == .ranking {
            for (index, entry) in chosen.enumerated() where entry.algorithm.parameters.contains(where: { $0.name == "threshold" }) && settings[index]["threshold"] == nil {
                settings[index]["threshold"] = String(threshold)
            }
        }
        let hyperparameters = try chosen.enumerated().map { index, entry in
            var h = Hyperparameters()
            for (name, text) in settings[index] {
                let spec = entry.algorithm.parameters.first { $0.answers(to: name) }!
                h.set(spec.name, try spec.parse(text, algorithm: entry.algorithm.name))
            }
            _ = try entry.algorithm.reader(h)
            return h
        }
        guard (train == nil) == (test == nil) else { throw ValidationError("give both --train and --test, or neither") }
        var given: (dataset: Dataset, split: Split)? = nil
        if let train, let test {
            guard evaluationProtocol == .kfold && folds == 5 && testFraction == "0.25" else {
                throw ValidationError("--protocol, --folds and --test-fraction make a split; they do not apply to --train/--test")
            }
            given = try data.loadSplit(train: train, test: test)
            for note in given?.dataset.report.notes ?? [] { printError(note) }
        }
        let dataset = try given?.dataset ?? data.load()
        let context = FitContext(seed: seed, threads: threads)
        var evaluation = Evaluation(dataset: dataset, protocolChoice: evaluationProtocol, folds: folds, testFraction: fraction, seed: seed,
                                    dataDirectory: data.dataDirectory)
        if let given, let train, let test {
            evaluation.given = (given.split, "given split: train \(train) (\(given.split.train.count) ratings), test \(test) (\(given.split.test.count) ratings)")
        }
        // The Markdown table is for people; with --format json or csv the answer alone is on stdout.
        let say = noteWriter(onStandardOutput: format == .table)
        let document: EvaluationDocument
        let chart: BarChart
        switch task {
        case .rating:
            guard dataset.hasExplicitRatings else { throw CLIError("\(dataset.name) has no explicit ratings: use --task ranking") }
            let (splits, description) = try evaluation.ratingSplits()
            printError("\(dataset.name): \(dataset.interactions.count) ratings; \(description)")
            if let saveSplits { try Self.save(splits, dataset: dataset, folder: saveSplits) }
            var rows: [(result: RatingEvaluationResult, algorithm: String, hyperparameters: [(name: String, value: HyperparameterValue)])] = []
            for (index, entry) in chosen.enumerated() {
                let result = try RatingEvaluation.run(entry.algorithm, hyperparameters: hyperparameters[index], label: entry.label,
                                                      dataset: dataset, splits: splits, context: context) { fold, r in
                    printError(String(format: "  %@ fold %d/%d: RMSE %.4f, MAE %.4f, fit %.3f s, predict %.3f s",
                                      entry.label, fold + 1, splits.count, r.rmse, r.mae, r.fitSeconds, r.predictSeconds))
                }
                rows.append((result, entry.algorithm.name, try entry.algorithm.reader(hyperparameters[index]).effective))
            }
            say("Rating prediction on \(dataset.name), \(description) (mean ± std over folds)\n")
            say(RatingEvaluation.markdownTable(rows.map(\.result)))
            document = EvaluationDocument(rating: rows, dataset: dataset.name, protocolDescription: description, seed: seed)
            // Mean over folds with the min–max spread of the folds; the axis starts near the values
            // when starting at 0 would make the bars look equal (BarChart.ValueAxisStart.automatic).
            chart = BarChart(title: "Rating prediction on \(dataset.name): mean RMSE over folds (\(description))", xLabel: "model",
                             yLabel: "RMSE (lower is better)", labels: rows.map(\.result.model),
                             foldValues: rows.map { $0.result.folds.map(\.rmse) }, spread: .minMax)
        case .ranking:
            let (split, description) = try evaluation.rankingSplit()
            if let saveSplits { try Self.save([split], dataset: dataset, folder: saveSplits) }
            var rows: [(result: RankingEvaluationResult, algorithm: String, hyperparameters: [(name: String, value: HyperparameterValue)])] = []
            for (index, entry) in chosen.enumerated() {
                let label = entry.label == entry.algorithm.name ? entry.label : "\(entry.label) (\(entry.algorithm.name))"
                let result = try RankingEvaluation.run(entry.algorithm, hyperparameters: hyperparameters[index], label: label, dataset: dataset,
                                                       split: split, k: k, relevanceThreshold: threshold, context: context,
                                                       index: self.index == nil ? nil : HNSWParameters(seed: seed, threads: threads), ef: ef)
                printError(String(format: "  %@: NDCG@%d %.4f, fit %.3f s, recommend %.4f s", label, k, result.report.ndcg, result.fitSeconds,
                                  result.recommendSeconds))
                if self.index != nil, result.retrieval == nil {
                    printError("  \(label): --index hnsw skipped: its scores are not inner products of user and item embeddings")
                }
                rows.append((result, entry.algorithm.name, try entry.algorithm.reader(hyperparameters[index]).effective))
            }
            let metricNames = rows.first?.result.report.named.map(\.name) ?? []
            var table = "| model | " + metricNames.joined(separator: " | ") + " | fit s | recommend s |\n"
            table += "|---|" + String(repeating: "---:|", count: metricNames.count + 2) + "\n"
            for r in rows {
                table += "| \(r.result.model) | " + r.result.report.named.map { String(format: "%.4f", $0.value) }.joined(separator: " | ")
                table += String(format: " | %.3f | %.4f |\n", r.result.fitSeconds, r.result.recommendSeconds)
            }
            say("Ranking evaluation on \(dataset.name): \(description), k = \(k), \(rows.first?.result.report.userCount ?? 0) users, full ranking over \(dataset.itemCount) items, training items excluded\n")
            say(table)
            say(Self.retrievalTable(rows.map(\.result), k: k))
            document = EvaluationDocument(ranking: rows, dataset: dataset.name, protocolDescription: description, seed: seed, k: k,
                                          relevanceThreshold: threshold)
            // One split: no folds, so no error bars (the title says so).
            chart = BarChart(title: "Ranking on \(dataset.name): NDCG@\(k) (\(description); one split, no error bars)", xLabel: "model",
                             yLabel: "NDCG@\(k) (higher is better)", labels: rows.map(\.result.model), values: rows.map(\.result.report.ndcg))
        }
        try emit(document)
        let folder = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let chartURL = folder.appendingPathComponent(task == .rating ? "rating-rmse.svg" : "ranking-ndcg.svg")
        var drawn = chart
        drawn.showsValues = true
        try drawn.svg(width: max(640, 110 * chart.labels.count), height: 420).write(to: chartURL, atomically: true, encoding: .utf8)
        printError("wrote \(chartURL.path)")
    }
}

extension EvaluateCommand {
    /// The table of the NDCG lost by approximate retrieval (empty when no row has a comparison).
    static func retrievalTable(_ results: [RankingEvaluationResult], k: Int) -> String {
        let compared = results.compactMap { r in r.retrieval.map { (r.model, $0) } }
        guard !compared.isEmpty else { return "" }
        var table = "\nNDCG lost by approximate retrieval (the same lists, training items excluded, from the exact scan and from the index)\n\n"
        table += "| model | index | ndcg@\(k) exact | ndcg@\(k) index | NDCG lost | recall@\(k) exact | recall@\(k) index | list recall@\(k) | short lists | exact s | index s |\n"
        table += "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for (model, c) in compared {
            let name = c.ef.map { "\(c.retriever), ef \($0)" } ?? c.retriever
            table += String(format: "| %@ | %@ | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %d | %.3f | %.3f |\n", model, name,
                            c.exact.ndcg, c.approximate.ndcg, c.ndcgLost, c.exact.recall, c.approximate.recall, c.listRecall,
                            c.shortLists, c.exactSeconds, c.approximateSeconds)
        }
        return table
    }

    /// Writes `splits` as `split-N-train.csv` / `split-N-test.csv` in `folder` (N from 1).
    static func save(_ splits: [Split], dataset: Dataset, folder: String) throws {
        let url = URL(fileURLWithPath: folder)
        for (n, split) in splits.enumerated() {
            try GivenSplit.write(split, dataset: dataset, train: url.appendingPathComponent("split-\(n + 1)-train.csv"),
                                 test: url.appendingPathComponent("split-\(n + 1)-test.csv"))
        }
        printError("wrote \(splits.count) split(s) to \(folder)/split-N-train.csv, split-N-test.csv")
    }
}

/// The splits an evaluation protocol makes of a data set.
struct Evaluation {
    var dataset: Dataset
    var protocolChoice: EvaluationProtocol
    var folds: Int
    var testFraction: Double
    var seed: UInt64
    var dataDirectory: URL
    /// A split made elsewhere (`--train/--test`) and its description; replaces the protocol.
    var given: (split: Split, description: String)? = nil

    /// The splits of the rating task and their description.
    func ratingSplits() throws -> ([Split], String) {
        if let given { return ([given.split], given.description) }
        switch protocolChoice {
        case .kfold:
            let p = RatingProtocol.kFold(folds: folds, seed: seed)
            return (try p.splits(of: dataset), p.description)
        case .holdout:
            let p = RatingProtocol.holdout(testFraction: testFraction, seed: seed)
            return (try p.splits(of: dataset), p.description)
        case .canonical:
            let p = RatingProtocol.canonical(directory: dataDirectory.appendingPathComponent("ml-100k"))
            return (try p.splits(of: dataset), p.description)
        case .userStratified:
            return ([Splitter.userStratified(dataset.interactions, testFraction: testFraction, seed: seed)], "user-stratified, seed \(seed)")
        case .leaveLastOut:
            return ([try Splitter.leaveLastOut(dataset.interactions)], "leave-last-out, seed \(seed)")
        }
    }

    /// The split of the ranking task and its description.
    func rankingSplit() throws -> (Split, String) {
        if let given { return (given.split, given.description) }
        switch protocolChoice {
        case .userStratified:
            return (Splitter.userStratified(dataset.interactions, testFraction: testFraction, seed: seed),
                    "user-stratified, test fraction \(testFraction), seed \(seed)")
        case .leaveLastOut:
            return (try Splitter.leaveLastOut(dataset.interactions), "leave-last-out (latest rating per user)")
        default:
            throw CLIError("ranking evaluation supports --protocol user-stratified or leave-last-out")
        }
    }
}
