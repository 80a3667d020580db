import ArgumentParser
import Foundation
import Recommender

/// The splits whose training part `export spark --split` can write.
enum ExportSplit: String, CaseIterable, ExpressibleByArgument {
    case none
    case userStratified = "user-stratified"
    case leaveLastOut = "leave-last-out"
}

extension SparkALSImport.ColdPolicy: ExpressibleByArgument {}

/// `recommender export …`: data for other engines.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the data for another training engine (Apache Spark).",
        subcommands: [ExportSparkCommand.self]
    )
}

/// `recommender export spark --output DIR [data options] [--split user-stratified ...]`.
struct ExportSparkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spark",
        abstract: "Write interactions with dense integer ids, the id maps and the catalog as partitioned CSV for Spark's ALS (docs/spark.md).",
        discussion: "Writes DIR/manifest.json, DIR/interactions/part-NNNNN.csv (user,item,rating; dense ids), DIR/users.csv and "
            + "DIR/items.csv. With --split, only the training part is exported, and both parts are written with raw ids as "
            + "DIR/split/train.csv and DIR/split/test.csv, so that an imported model is evaluated on the rows it never saw.\n\n"
            + "Example (one command per line):\n"
            + "recommender export spark --dataset ml-100k --split user-stratified --seed 42 --output export\n"
            + "python3 scripts/spark/train_als.py --input export --output factors --implicit --rank 64\n"
            + "recommender import spark-als --factors factors --export export --output spark-model\n"
            + "recommender evaluate --task ranking --model spark-model --test export/split/test.csv")

    @OptionGroup var data: DataOptions

    @Option(help: "The export folder (created; an earlier export there is replaced).")
    var output: String

    @Option(help: "Export only the training part of this split (none, user-stratified, leave-last-out); the test part goes to DIR/split/test.csv.")
    var split: ExportSplit = .none

    @Option(parsing: .unconditional, help: "Held-out share of each user's ratings for --split user-stratified, in (0, 1).")
    var testFraction: String = "0.25"

    @Option(parsing: .unconditional, help: "Seed of --split user-stratified (the same split as `evaluate --protocol user-stratified --seed`).")
    var seed: String = "42"

    @Option(parsing: .unconditional, help: "Number of interaction part files (1...10000; default: one per 2 million rows).")
    var partitions: String?

    @Option(parsing: .unconditional, help: "Most threads (default: all cores).")
    var threads: String?

    func run() async throws {
        let seed = try parseBounded(seed, "--seed", UInt64.self)
        let partitions = try partitions.map { try parseBounded($0, "--partitions", Int.self, 1...10_000) }
        let threads = try threads.map { try parseBounded($0, "--threads", Int.self, 1...1024) } ?? Parallelism.availableCores
        guard let fraction = Double(testFraction), fraction > 0, fraction < 1 else {
            throw CLIError("--test-fraction must be in (0, 1), got '\(testFraction)'")
        }
        if split != .userStratified && (testFraction != "0.25" || self.seed != "42") {
            throw ValidationError("--test-fraction and --seed apply to --split user-stratified only")
        }
        let start = Date()
        let dataset = try data.load(threads: threads)
        let request: SparkExport.SplitRequest?
        switch split {
        case .none: request = nil
        case .userStratified:
            request = .init(split: Splitter.userStratified(dataset.interactions, testFraction: fraction, seed: seed), method: split.rawValue,
                            testFraction: fraction, seed: seed)
        case .leaveLastOut:
            request = .init(split: try Splitter.leaveLastOut(dataset.interactions), method: split.rawValue)
        }
        let loaded = Date()
        let manifest = try SparkExport.write(dataset, split: request, to: URL(fileURLWithPath: output), partitions: partitions,
                                             createdBy: "recommender \(RecommenderCommand.configuration.version)", threads: threads)
        let seconds = Date().timeIntervalSince(loaded)
        var line = "exported \(manifest.dataset): \(manifest.interactions) interactions, \(manifest.users) users, \(manifest.items) items "
            + "in \(manifest.interactionFiles.count) part file(s)"
        if let s = manifest.split { line += "; \(s.method) split: train \(s.train.rows) rows (exported), test \(s.test.rows) rows in \(output)/\(s.test.path)" }
        print(line)
        printError(String(format: "load %.2f s, export %.2f s; wrote %@/%@ (fingerprint %@)", loaded.timeIntervalSince(start), seconds,
                          output, SparkExport.manifestName, manifest.fingerprint))
    }
}

/// `recommender import …`: models trained by other engines.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Build a model file from another engine's output (Apache Spark's ALS factors).",
        subcommands: [ImportSparkALSCommand.self]
    )
}

/// `recommender import spark-als --factors DIR --export DIR --output DIR`.
struct ImportSparkALSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spark-als",
        abstract: "Build a model file (kind spark-als) from the factors scripts/spark/train_als.py wrote and the export it trained on.",
        discussion: "The model answers recommend, similar, evaluate --model, fold-in (--ratings), --explain and index build like an ials model.")

    @Option(help: "The folder train_als.py --output wrote (spark_als.json, user_factors/, item_factors/).")
    var factors: String

    @Option(help: "The export folder Spark trained on (recommender export spark --output).")
    var export: String

    @Option(help: "Folder for model.recmodel.")
    var output: String

    @Option(help: "Users and items of the export without factors (no training interaction): zero (zero vectors) or error.")
    var cold: SparkALSImport.ColdPolicy = .zero

    func run() async throws {
        let result = try SparkALSImport.run(factors: URL(fileURLWithPath: factors), export: URL(fileURLWithPath: export), cold: cold)
        let record = SparkALSImport.trainingRecord(result)
        let written = Date()
        let url = try TrainingOutput.write(model: result.model, record: record, history: TrainingHistory(), chart: nil,
                                           to: URL(fileURLWithPath: output))
        let writeSeconds = Date().timeIntervalSince(written)
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        let run = result.model.run
        print("imported spark-als (\(run.implicitPrefs ? "implicit" : "explicit"), rank \(run.rank), regParam \(run.regParam), alpha \(run.alpha), "
              + "\(run.maxIter) iterations, Spark \(run.sparkVersion ?? "?")): \(result.model.metadata.userIDs.count) users, "
              + "\(result.model.metadata.itemIDs.count) items; \(result.coldUsers) user(s) and \(result.coldItems) item(s) without factors (zero vectors)")
        printError(String(format: "read and checked in %.2f s, wrote %@ (%.1f MB) in %.2f s", result.seconds, url.path,
                          Double(size) / 1e6, writeSeconds))
    }
}
