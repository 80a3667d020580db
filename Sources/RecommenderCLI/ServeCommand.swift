import ArgumentParser
import Foundation
import Recommender
import RecommenderServer

/// `recommender serve --model [NAME=]DIR ...`: the models as a running HTTP service (parse, call
/// the server library, print).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve trained models over HTTP: JSON API under /v1, ratings store, background retraining, the page at /.")

    @Option(name: .customLong("model"), help: "A model file or the folder `train` wrote, optionally named: NAME=DIR (repeatable; the first is the default).")
    var models: [String]
    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port, printed).")
    var port = 8080
    @Option(help: "Retrain the default model in the background: a period (10m, 30s, 1h) or a count of new ratings (5000-ratings).")
    var retrainEvery: String?
    @Option(help: "The catalog algorithm of background retraining (default: the model's own, from its training record).")
    var algorithm: String?
    @Option(name: .customLong("param"), help: "A hyper-parameter of background retraining, NAME=VALUE (repeatable).")
    var settings: [String] = []
    @Option(help: "Seed of background retraining.")
    var seed: UInt64?
    @Option(help: "Threads of background retraining (default: all cores).")
    var threads: Int?
    /// Where a served model's training ratings (for exclude_rated, explanations, counts) live.
    enum HistoryPlace: String, ExpressibleByArgument, CaseIterable { case auto, memory, file }
    @Option(help: "Where factor models keep their users' training ratings: memory, file (read a user's row from the model file per request), or auto (file for model files over 64 MiB).")
    var history: HistoryPlace = .auto

    @Flag(help: "Reload a model when its file changes (a model trained elsewhere).")
    var watch = false
    @Option(help: "Folder for models trained from the page's Train panel (default: a folder in the temporary directory).")
    var pageModels: String?
    @OptionGroup(title: "The ratings store (--store) and the base data of background retraining")
    var data: DataOptions

    func validate() throws {
        guard !models.isEmpty else { throw ValidationError("give at least one --model DIR") }
        try OptionBounds.check(port, "--port", OptionBounds.port)
        try OptionBounds.check(threads, "--threads", OptionBounds.threads)
        if let retrainEvery, Retrainer.Schedule(retrainEvery) == nil {
            throw ValidationError("--retrain-every must be a period (10m, 30s, 1h) or a count of ratings (5000-ratings)")
        }
        if retrainEvery == nil && (algorithm != nil || !settings.isEmpty) {
            throw ValidationError("--algorithm and --param configure background retraining; give --retrain-every too")
        }
    }

    /// `NAME=PATH` or `PATH` (named after the folder).
    static func parseModel(_ text: String) -> (name: String, path: String) {
        if let eq = text.firstIndex(of: "="), !text[..<eq].contains("/") {
            return (String(text[..<eq]), String(text[text.index(after: eq)...]))
        }
        let url = URL(fileURLWithPath: text)
        let name = url.pathExtension == "recmodel" ? url.deletingPathExtension().lastPathComponent : url.lastPathComponent
        return (name.isEmpty ? "default" : name, text)
    }

    func run() async throws {
        let started = Date()
        var slots: [ModelSlot] = []
        for text in models {
            let (name, path) = Self.parseModel(text)
            guard !slots.contains(where: { $0.name == name }) else { throw ValidationError("two models are named '\(name)'; name them NAME=DIR") }
            let limit = switch history {
            case .auto: ServedModel.defaultHistoryInMemoryLimit
            case .memory: Int.max
            case .file: 0
            }
            slots.append(ModelSlot(model: try ServedModel(name: name, path: path, historyInMemoryUpTo: limit), path: path, historyInMemoryUpTo: limit))
        }
        // --store (in DataOptions): the ratings store, created if missing; POST /v1/users/{id}/ratings writes
        // to it, recommendations fold it in, retraining merges it into the base data.
        let store = try data.store.map { try RatingsStore(path: $0) }
        var retrainer: Retrainer?
        if let retrainEvery, let schedule = Retrainer.Schedule(retrainEvery) {
            let slot = slots[0]
            let name = algorithm ?? slot.current.record?.algorithm ?? slot.current.kind
            let algo = try AlgorithmCatalog.standard.algorithm(named: name)
            var hp = Hyperparameters()
            if algorithm == nil, let record = slot.current.record { hp = Hyperparameters(record.hyperparameters) }
            for s in settings {
                guard let eq = s.firstIndex(of: "=") else { throw ValidationError("--param takes NAME=VALUE, got '\(s)'") }
                let key = String(s[..<eq]), value = String(s[s.index(after: eq)...])
                guard let spec = algo.parameters.first(where: { $0.answers(to: key) }) else {
                    throw ValidationError("\(algo.name) has no hyper-parameter '\(key)'; it has: \(algo.parameters.map(\.name).joined(separator: ", "))")
                }
                hp.set(spec.name, try spec.parse(value, algorithm: algo.name))
            }
            let data = self.data
            let threads = self.threads
            retrainer = Retrainer(slot: slot, algorithm: algo, hyperparameters: hp, schedule: schedule, store: store, threads: threads, seed: seed,
                                  loadBase: { try data.loadWithoutStore(threads: threads ?? Parallelism.availableCores) },
                                  log: { line in FileHandle.standardError.write(Data((line + "\n").utf8)) })
        }
        // The page's Explore and Train panels work on the data set named by --dataset/--data-dir or --ratings.
        var page = PageServices()
        if data.dataset != nil || data.ratings != nil || data.dataDir != nil {
            let data = self.data
            let description = data.ratings.map { "--ratings \($0)" } ?? "\(data.datasetName) in \(data.dataDirectory.path)"
            page = PageServices(loadData: { try data.loadWithoutStore(threads: Parallelism.availableCores) }, dataDescription: description,
                                modelFolder: pageModels.map { URL(fileURLWithPath: $0) })
        }
        let state = ServerState(roster: ModelRoster(slots), store: store, retrainer: retrainer,
                                configuration: ServerConfiguration(host: host, port: port), page: page)
        let host = self.host
        let names = slots.map { "\($0.name) (\($0.current.kind), \($0.current.metadata.userIDs.count) users × \($0.current.metadata.itemIDs.count) items)" }
        let app = ServerApplication(state: state) { bound in
            let text = "serving \(names.joined(separator: ", ")) on http://\(host):\(bound)/ (ready in \(String(format: "%.2f", Date().timeIntervalSince(started))) s)\n"
                + "API: http://\(host):\(bound)/v1/openapi.json   page: http://\(host):\(bound)/   Ctrl-C stops\n"
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        let timer = retrainer?.start()
        let watcher = watch ? ModelFileWatcher.start(slots, log: { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }) : nil
        defer { timer?.cancel(); watcher?.cancel() }
        try await app.run()
    }
}

/// `recommender store import|export`: ratings in and out of the store (CSV).
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Move ratings in and out of the ratings store (CSV: user,item,rating[,timestamp[,source]]).",
        subcommands: [Import.self, Export.self, Info.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "import", abstract: "Add the ratings of a CSV file to the store.")
        @Argument(help: "The CSV file.") var file: String
        @Option(help: "The store (created if missing).") var store: String
        @Option(help: "The source recorded for lines without one.") var source = "import"
        func run() async throws {
            let events = try RatingsStore.readCSV(URL(fileURLWithPath: file), defaultSource: source)
            let db = try RatingsStore(path: store)
            try db.add(contentsOf: events)
            print("imported \(events.count) ratings into \(store) (\(try db.count()) in all)")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "export", abstract: "Write every rating of the store as CSV.")
        @Argument(help: "The CSV file to write.") var file: String
        @Option(help: "The store.") var store: String
        func run() async throws {
            guard FileManager.default.fileExists(atPath: store) else { throw ValidationError("no store at \(store)") }
            let n = try RatingsStore(path: store).exportCSV(to: URL(fileURLWithPath: file))
            print("exported \(n) ratings to \(file)")
        }
    }

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "info", abstract: "Count the store's ratings and list its schema versions.")
        @Option(help: "The store.") var store: String
        func run() async throws {
            guard FileManager.default.fileExists(atPath: store) else { throw ValidationError("no store at \(store)") }
            let db = try RatingsStore(path: store)
            print("\(store): \(try db.count()) ratings; schema: \(try db.appliedMigrations().joined(separator: "; "))")
        }
    }
}
