import ArgumentParser
import Foundation
import Recommender
import RecommenderCharts

extension EvaluateCommand {
    /// `evaluate --task ranking --model FILE [--model FILE2] --test test.csv`: scores fitted models
    /// (trained here or imported, e.g. from Spark) on held-out rows with raw ids, through the
    /// same ranking and metrics as an evaluation that fits (each model's training items excluded).
    func runModels() throws {
        guard task == .ranking else { throw ValidationError("--model scores ranking lists: give --task ranking") }
        guard let test else { throw ValidationError("--model needs --test FILE: the held-out rows (raw ids), e.g. DIR/split/test.csv of `export spark --split`") }
        guard train == nil else { throw ValidationError("--train fits algorithms; --model scores models already fitted on their own training data") }
        let refused: [(String, Bool)] = [("--algorithms", algorithms != nil), ("--param", !params.isEmpty), ("--save-splits", saveSplits != nil),
                                         ("--protocol", evaluationProtocol != .kfold), ("--folds", folds != "5"), ("--test-fraction", testFraction != "0.25"),
                                         ("--dataset", data.dataset != nil), ("--ratings", data.ratings != nil), ("--data-dir", data.dataDir != nil)]
        if let used = refused.first(where: { $0.1 }) {
            throw ValidationError("\(used.0) does not apply to --model: the models are fitted, and --test gives the held-out rows")
        }
        let k = try parseBounded(k, "-k", Int.self, 1...10_000)
        let threads = try threads.map { try parseBounded($0, "--threads", Int.self, 1...1024) } ?? Parallelism.availableCores
        var threshold: Float? = nil
        if let text = self.threshold {
            guard let t = Float(text), t.isFinite else { throw CLIError("--threshold must be a finite number, got '\(text)'") }
            threshold = t
        }
        let say = noteWriter(onStandardOutput: format == .table)
        var rows: [(result: RankingEvaluationResult, algorithm: String, hyperparameters: [(name: String, value: HyperparameterValue)])] = []
        var datasetName = ""
        for path in models {
            let url = try ModelFile.url(at: path)
            let loaded = try AlgorithmCatalog.standard.loadModel(from: url)
            let kind = type(of: loaded).kind
            guard let scorer = loaded as? any ItemScorer else { throw DataError.invalidInput("a '\(kind)' model cannot rank items") }
            let held = try GivenSplit.loadTest(URL(fileURLWithPath: test), for: loaded.metadata, options: data.fileOptions, threads: threads)
            var notes: [String] = []
            if held.unknownUsers > 0 { notes.append("\(held.unknownUsers) test user(s) unknown to the model (empty lists)") }
            if held.unknownItems > 0 { notes.append("\(held.unknownItems) test item(s) unknown to the model (never recommended)") }
            if held.rowsSeenInTraining > 0 {
                notes.append("\(held.rowsSeenInTraining) test row(s) are among the model's training interactions: is --test the held-out part of this model's split?")
            }
            for note in notes { printError("\(path): \(note)") }
            let record = (try? ModelArchive(contentsOf: url))?.trainingRecord()
            if datasetName.isEmpty { datasetName = record?.dataset ?? "" }
            var result = try RankingEvaluation.run(model: scorer, metadata: loaded.metadata, label: path, test: held, k: k,
                                                   relevanceThreshold: threshold, threads: threads)
            printError(String(format: "  %@ (%@): NDCG@%d %.4f, recommend %.4f s", path, kind, k, result.report.ndcg, result.recommendSeconds))
            if !exact, let inner = loaded as? any InnerProductScorer {
                result.retrieval = try compareThroughIndex(inner, modelURL: url, metadata: loaded.metadata, held: held, k: k,
                                                           threshold: threshold, threads: threads, path: path)
            } else if index != nil {
                printError("  \(path): --index hnsw skipped: a '\(kind)' model's scores are not inner products of user and item embeddings")
            }
            let settings = (record?.hyperparameters ?? [:]).sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
            rows.append((result, record?.algorithm ?? kind, settings))
        }
        let description = "fitted model(s) on the held-out rows of \(test)"
        let metricNames = rows.first?.result.report.named.map(\.name) ?? []
        var table = "| model | algorithm | " + metricNames.joined(separator: " | ") + " | recommend s |\n"
        table += "|---|---|" + String(repeating: "---:|", count: metricNames.count + 1) + "\n"
        for r in rows {
            table += "| \(r.result.model) | \(r.algorithm) | " + r.result.report.named.map { String(format: "%.4f", $0.value) }.joined(separator: " | ")
            table += String(format: " | %.4f |\n", r.result.recommendSeconds)
        }
        say("Ranking evaluation of \(description), k = \(k), \(rows.first?.result.report.userCount ?? 0) users, full ranking, training items excluded\n")
        say(table)
        say(Self.retrievalTable(rows.map(\.result), k: k))
        let document = EvaluationDocument(ranking: rows, dataset: datasetName, protocolDescription: description, seed: nil, k: k,
                                          relevanceThreshold: threshold)
        try emit(document)
    }
}

extension EvaluateCommand {
    /// The lists of a fitted model through its index (model.hnsw beside it, or one built in
    /// memory with `--index hnsw`) against the exact scan; `nil` when it has no index and none was asked for.
    func compareThroughIndex(_ model: some InnerProductScorer, modelURL: URL, metadata: ModelMetadata, held: HeldOutTest, k: Int,
                             threshold: Float?, threads: Int, path: String) throws -> RetrievalComparison? {
        var hnsw = try HNSWIndex.loadBeside(modelURL: modelURL, vectors: model.itemEmbeddings)
        if let found = hnsw, found.metric != .dot {
            printError("  \(path): its model.hnsw answers \(found.metric.rawValue), not the inner product of recommendations")
            hnsw = nil
        }
        if hnsw == nil, index != nil {
            hnsw = HNSWIndex.build(vectors: model.itemEmbeddings, metric: .dot, parameters: HNSWParameters(threads: threads))
            printError("  \(path): no model.hnsw beside the model: built an HNSW index in memory (M 16, efConstruction 200)")
        }
        guard let hnsw else { return nil }
        if let ef { hnsw.defaultEf = ef }
        let comparison = try RankingEvaluation.compareRetrieval(model: model, metadata: metadata, retriever: hnsw, name: "hnsw", ef: hnsw.defaultEf,
                                                                test: held.interactions, knownUsers: held.knownUsers, k: k,
                                                                relevanceThreshold: threshold, threads: threads)
        printError(String(format: "  %@ through the index (ef %d): NDCG@%d %.4f (exact %.4f, lost %.4f), list recall@%d %.4f", path, hnsw.defaultEf, k,
                          comparison.approximate.ndcg, comparison.exact.ndcg, comparison.ndcgLost, k, comparison.listRecall))
        return comparison
    }

    /// Prints `document` in `--format` (nothing more for a table) and writes it to `--json`.
    func emit(_ document: EvaluationDocument) throws {
        switch format {
        case .table: break
        case .json: print(try AnswerEncoding.json(document))
        case .csv: print(([document.csvHeader] + document.csvLines()).joined(separator: "\n"))
        }
        if let json {
            let url = URL(fileURLWithPath: json)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(try document.json().utf8).write(to: url)
            printError("wrote \(json)")
        }
    }
}
