import ArgumentParser
import Foundation
import Recommender
import RecommenderCharts

/// `recommender train`: fit any algorithm of the catalog and write its model, history and chart.
struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model; write model.recmodel, history.csv, history.json and history.svg into --output.",
        discussion: "Algorithms: \(AlgorithmCatalog.standard.names.joined(separator: ", ")) (best: bayesian-fm). "
            + "`recommender algorithms NAME` lists an algorithm's hyper-parameters with bounds and defaults; "
            + "set them with the named options below or --param name=value. Options that do not apply are refused."
    )

    @OptionGroup var data: DataOptions

    @Option(help: "The algorithm (see `recommender algorithms`).")
    var algorithm: String = "mf"

    @OptionGroup(title: "Hyper-parameters")
    var options: AlgorithmOptions

    @Option(parsing: .unconditional, help: "Random seed of the split and the fit (default: the algorithm's documented seed; 0 is a seed).")
    var seed: String?

    @Option(parsing: .unconditional, help: "Most threads to use (default: all cores; results do not depend on it).")
    var threads: String?

    @Option(help: "Folder to write the model file, history and chart into.")
    var output: String = "output/model"

    @Option(parsing: .unconditional, help: "Share of the ratings held out for validation (mf: 0.1, the notebook's; rating models: 0; softmax: the share of users it holds out).")
    var testFraction: String?

    @Option(parsing: .unconditional, help: "Early stopping: steps without validation improvement before stopping (needs --test-fraction > 0).")
    var patience: String?

    @Option(help: "A CSV of your own ratings ('title or id, rating' lines), added to the training data as user \"me\".")
    var addRatings: String?
    @Option(help: "Also build an approximate nearest-neighbour index of the item embeddings beside the model: hnsw (see `index build`).")
    var index: TrainIndexKind?

    func run() async throws {
        let catalog = AlgorithmCatalog.standard
        let algorithm = try catalog.algorithm(named: algorithm)
        var settings = try options.hyperparameters(for: algorithm)
        let seed = try seed.map { try parseBounded($0, "--seed", UInt64.self) }
        let threads = try threads.map { try parseBounded($0, "--threads", Int.self, 1...1024) }
        let patience = try patience.map { try parseBounded($0, "--patience", Int.self, 1...1_000_000) }
        var validationFraction: Double? = nil
        if let testFraction {
            guard let f = Double(testFraction), f.isFinite else { throw CLIError("--test-fraction must be a number, got '\(testFraction)'") }
            if let spec = algorithm.parameters.first(where: { $0.name == "test-fraction" }) {
                settings.set(spec.name, try spec.parse(testFraction, algorithm: algorithm.name))
            } else {
                guard f >= 0, f < 1 else { throw CLIError("--test-fraction must be in [0, 1), got \(testFraction)") }
                validationFraction = f
            }
        }
        guard !output.isEmpty else { throw CLIError("--output must name a folder") }
        let folder = URL(fileURLWithPath: output)
        var request = TrainingRequest(algorithm: algorithm, hyperparameters: settings, dataset: try data.load(),
                                      validationFraction: validationFraction, seed: seed, threads: threads,
                                      earlyStopping: patience.map { EarlyStopping(patience: $0) })
        if let addRatings {
            let dataset = request.dataset
            let lookup = ModelMetadata(dataset: dataset, training: .empty(userCount: dataset.userCount, itemCount: dataset.itemCount))
            let ratings = try UserRatingsFile(contentsOf: URL(fileURLWithPath: addRatings), catalog: lookup)
            for entry in ratings.entries {
                let titles = entry.lookup.matches.map { dataset.catalog.displayTitle($0) }
                let extra = titles.count > 1 ? " (also matched: \(titles.dropFirst().prefix(3).joined(separator: "; "))\(titles.count > 4 ? "; …" : ""))" : ""
                printError("me: \(titles[0]) = \(entry.rating)\(extra)")
            }
            request.newUser = (UserID("me"), ratings.history)
        }
        try TrainingSession.validate(request)
        // Fail before a long fit, not after it.
        try TrainingOutput.prepare(folder)
        let effective = try algorithm.reader(settings).effective
        printError("training \(algorithm.name) on \(request.dataset.name) (\(request.dataset.userCount) users × \(request.dataset.itemCount) items): "
                   + describe(effective))
        let progress = ProgressReporter(label: algorithm.name)
        let result = try TrainingSession.run(request) { progress.report($0) }
        progress.finish()
        let chart = result.history.rows.count > 1
            ? result.history.chart(groups: result.history.defaultGroups, title: "\(algorithm.name) on \(request.dataset.name): " + describe(effective))
            : nil
        let url = try TrainingOutput.write(model: result.model, record: result.record, history: result.history, chart: chart, to: folder)
        var line = String(format: "trained %@ on %d interactions in %.2f s", algorithm.name, result.record.interactions, result.record.seconds)
        if !result.validation.isEmpty {
            line += "; \(result.validation.count) held out"
            let shown = result.validationMetrics.isEmpty ? (result.history.last.map { row in
                result.history.metricNames.compactMap { name in row.values[name].map { TrainingMetric(name, $0) } }
            } ?? []) : result.validationMetrics
            if !shown.isEmpty { line += ": " + shown.map { "\($0.name) \(String(format: "%.4f", $0.value))" }.joined(separator: ", ") }
        }
        print(line)
        print("model: \(url.path)")
        if let line = try TrainIndexHook.run(index, model: result.model, modelURL: url, threads: threads) { print(line) }
        if !result.history.rows.isEmpty {
            print("history: \(folder.appendingPathComponent("history.csv").path), history.json" + (chart != nil ? ", history.svg" : ""))
        }
    }
}

/// Parses an integer option, refusing non-numbers and values outside `range` with the option's name.
func parseBounded<T: FixedWidthInteger>(_ text: String, _ option: String, _ type: T.Type, _ range: ClosedRange<T>? = nil) throws -> T {
    guard let value = T(text.trimmingCharacters(in: .whitespaces)) else {
        let bounds = range.map { "\($0.lowerBound)...\($0.upperBound)" } ?? "\(T.min)...\(T.max)"
        throw CLIError("\(option) must be an integer in \(bounds), got '\(text)'")
    }
    if let range, !range.contains(value) {
        throw CLIError("\(option) must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
    }
    return value
}
