import Foundation

/// What an algorithm is for; it decides which evaluation ranks it and which outputs apply.
public enum AlgorithmTask: String, Sendable, CaseIterable, Codable {
    /// Predicting ratings (RMSE, MAE); the fitted model is a ``RatingPredictor``.
    case rating
    /// Ranking items per user (precision, recall, NDCG); the fitted model is an ``ItemScorer``.
    case ranking
}

/// What a fitted model of the catalog is: saved to and read from a model file, scoring items.
public typealias FittedModel = PersistableModel & ItemScorer

/// The one training contract: an algorithm declares its hyper-parameters in a table and fits
/// a model from training data, settings and a fit context.
///
/// The table (``parameters``) drives the command line, tuning, validation, the documentation
/// and the HTTP API. Add an algorithm by writing a type conforming to this protocol next to
/// its model, and one line in ``AlgorithmCatalog/standard`` (or ``AlgorithmCatalog/register(_:)``
/// from outside the package).
public protocol Algorithm: Sendable {
    /// The name used everywhere (`--algorithm`, `--algorithms`, the HTTP API); unique in a catalog.
    var name: String { get }
    /// One line saying what it is, with its paper.
    var summary: String { get }
    /// What it is for.
    var task: AlgorithmTask { get }
    /// Its hyper-parameters with bounds and defaults.
    var parameters: [HyperparameterSpec] { get }
    /// The model types its fits produce (read back from files by ``PersistableModel/kind``).
    var modelTypes: [any PersistableModel.Type] { get }
    /// The share of the ratings held out for validation when the user gives none (the
    /// notebook's matrix factorization holds out 10%); 0 trains on everything.
    var defaultValidationFraction: Double { get }
    /// Whether ``FitContext/validation`` is used (reported per step, or for early stopping).
    var usesValidation: Bool { get }
    /// Whether the algorithm needs explicit ratings (a rating model trained on all-1 implicit
    /// data learns nothing useful).
    var needsExplicitRatings: Bool { get }

    /// Fits a model.
    /// - Parameters:
    ///   - data: the data set and the interactions to train on.
    ///   - hyperparameters: explicit settings; the rest take the table's defaults.
    ///   - context: seed, threads, validation data, early stopping, observer.
    /// - Returns: the fitted model, which keeps `data`'s ids and catalog.
    /// - Throws: ``TrainingError`` (bad settings, empty data, divergence).
    func fit(_ data: TrainingData, hyperparameters: Hyperparameters, context: FitContext) throws -> any FittedModel
}

extension Algorithm {
    public var defaultValidationFraction: Double { 0 }
    public var usesValidation: Bool { false }
    public var needsExplicitRatings: Bool { task == .rating }

    /// Checks `hyperparameters` against the table and reads them.
    /// - Throws: ``TrainingError`` for unknown names and out-of-bounds values.
    public func reader(_ hyperparameters: Hyperparameters) throws -> HyperparameterReader {
        try HyperparameterReader(hyperparameters, specs: parameters, algorithm: name)
    }

    /// Checks settings before any work: the table's bounds, and for a ``Trainer`` the rules
    /// between settings that its configuration enforces.
    /// - Throws: ``TrainingError``.
    public func check(_ hyperparameters: Hyperparameters) throws {
        let r = try reader(hyperparameters)
        if let trainer = self as? any Trainer { try trainer.checkConfiguration(r) }
    }

    /// Fits on all of `dataset`'s interactions with default settings.
    public func fit(_ dataset: Dataset, hyperparameters: Hyperparameters = [:], context: FitContext = FitContext()) throws -> any FittedModel {
        try fit(TrainingData(dataset), hyperparameters: hyperparameters, context: context)
    }
}

/// The algorithms a program knows, by name, and the model types it can read back.
///
/// ``standard`` holds every algorithm of this library. Outside code extends a copy:
/// ```swift
/// var catalog = AlgorithmCatalog.standard
/// catalog.register(MyAlgorithm())
/// ```
public struct AlgorithmCatalog: Sendable {
    /// The algorithms, in registration order.
    public private(set) var algorithms: [any Algorithm]
    /// Names that stand for an algorithm per task (`best`: the most accurate of each task).
    public private(set) var aliases: [String: [AlgorithmTask: String]]
    /// Model types the catalog reads although none of its algorithms fits them: models
    /// trained elsewhere and imported (``SparkALSModel``).
    public private(set) var importedModelTypes: [any PersistableModel.Type] = []

    /// A catalog of `algorithms` (names must be unique).
    public init(_ algorithms: [any Algorithm] = [], aliases: [String: [AlgorithmTask: String]] = [:]) {
        self.algorithms = []
        self.aliases = aliases
        for a in algorithms { register(a) }
    }

    /// Adds `algorithm`; its name must be new.
    public mutating func register(_ algorithm: any Algorithm) {
        precondition(!algorithms.contains { $0.name == algorithm.name }, "an algorithm named '\(algorithm.name)' is already registered")
        algorithms.append(algorithm)
    }

    /// Makes ``loadModel(from:)`` read files of `type`, a model that no algorithm of the catalog
    /// fits (one imported from another engine); its kind must be new.
    public mutating func registerImported(_ type: any PersistableModel.Type) {
        precondition(!modelTypes.contains { $0.kind == type.kind }, "a model kind '\(type.kind)' is already registered")
        importedModelTypes.append(type)
    }

    /// Makes `alias` stand for `name` in `task`.
    public mutating func alias(_ alias: String, task: AlgorithmTask, to name: String) {
        aliases[alias, default: [:]][task] = name
    }

    /// The algorithm names, in registration order.
    public var names: [String] { algorithms.map(\.name) }

    /// The names of the algorithms for `task`, then the aliases valid for it.
    public func names(for task: AlgorithmTask) -> [String] {
        algorithms.filter { $0.task == task }.map(\.name) + aliases.filter { $0.value[task] != nil }.keys.sorted()
    }

    /// The algorithm named `name` (or an alias, resolved for `task`).
    /// - Throws: ``TrainingError/invalidInput(_:)`` listing the known names.
    public func algorithm(named name: String, task: AlgorithmTask? = nil) throws -> any Algorithm {
        if let a = algorithms.first(where: { $0.name == name }) {
            if let task, a.task != task {
                throw TrainingError.invalidInput("'\(name)' is a \(a.task.rawValue) algorithm, not a \(task.rawValue) one; \(task.rawValue) algorithms: \(names(for: task).joined(separator: ", "))")
            }
            return a
        }
        if let targets = aliases[name] {
            let target = task.flatMap { targets[$0] } ?? (targets.count == 1 ? targets.first?.value : targets[.rating])
            if let target, let a = algorithms.first(where: { $0.name == target }) { return a }
        }
        let known = task.map { names(for: $0) } ?? (names + aliases.keys.sorted())
        throw TrainingError.invalidInput("unknown algorithm '\(HyperparameterSpec.printable(name))'; known: \(known.joined(separator: ", "))")
    }

    /// Every model type the catalog's algorithms produce, then the imported ones.
    public var modelTypes: [any PersistableModel.Type] {
        var seen = Set<String>(), types: [any PersistableModel.Type] = []
        for a in algorithms { for t in a.modelTypes where seen.insert(t.kind).inserted { types.append(t) } }
        for t in importedModelTypes where seen.insert(t.kind).inserted { types.append(t) }
        return types
    }

    /// Reads a model file of any kind the catalog knows (older kind names included).
    /// - Throws: ``PersistenceError`` for a corrupt, foreign or unknown-kind file.
    public func loadModel(from url: URL) throws -> any PersistableModel {
        let archive = try ModelArchive(contentsOf: url)
        let types = modelTypes
        guard let type = types.first(where: { $0.kind == archive.kind || $0.formerKinds.contains(archive.kind) }) else {
            throw PersistenceError.wrongKind(path: url.path, found: archive.kind,
                                             expected: "one of " + types.map { $0.kind }.joined(separator: ", "))
        }
        return try type.decode(archive, path: url.path)
    }

    /// Reads the model file at `path`, or `model.recmodel` inside it when `path` is a folder.
    /// - Throws: ``DataError/missingFile(path:)``, or ``PersistenceError``.
    public func loadModel(path: String) throws -> any PersistableModel {
        try loadModel(from: ModelFile.url(at: path))
    }
}

extension PersistableModel {
    /// Opens the existential: `Self(archive:path:)` as `any PersistableModel`.
    /// (Calling `init` through an existential metatype crashes the Swift 6.3 compiler.)
    static func decode(_ archive: ModelArchive, path: String) throws -> any PersistableModel {
        try Self(archive: archive, path: path)
    }
}

/// An algorithm with a typed configuration: the trainer of a model type.
///
/// Swift code may use the typed form, `SVD(configuration).fit(data, context: context)`, which
/// returns the concrete model; the catalog and the command line use ``Algorithm/fit(_:hyperparameters:context:)``,
/// which applies the hyper-parameter table over ``configuration`` first. The table's defaults
/// are read from ``configuration``, so a trainer made with a custom configuration reports and
/// uses that configuration's values as its defaults.
public protocol Trainer: Algorithm {
    /// The typed settings.
    associatedtype Configuration: Sendable
    /// The fitted model type.
    associatedtype Model: FittedModel
    /// The settings used by ``fit(_:context:)``.
    var configuration: Configuration { get }
    /// A trainer with these settings.
    init(_ configuration: Configuration)
    /// ``configuration`` with every hyper-parameter of the table read from `settings`.
    /// - Throws: ``TrainingError`` for settings that contradict each other.
    func configured(_ settings: HyperparameterReader) throws -> Configuration
    /// Fits the model.
    /// - Throws: ``TrainingError``.
    func fit(_ data: TrainingData, context: FitContext) throws -> Model
}

extension Trainer {
    public func fit(_ data: TrainingData, hyperparameters: Hyperparameters, context: FitContext) throws -> any FittedModel {
        let configuration = try configured(reader(hyperparameters))
        return try Self(configuration).fit(data, context: context)
    }

    /// The model types of this trainer.
    public var modelTypes: [any PersistableModel.Type] { [Model.self] }

    /// Builds the configuration from `r`, for its errors only.
    func checkConfiguration(_ r: HyperparameterReader) throws { _ = try configured(r) }

    /// Fits the model with the default context (the configuration's seed and threads, no
    /// validation data, no observer).
    /// - Throws: ``TrainingError``.
    public func fit(_ data: TrainingData) throws -> Model { try fit(data, context: FitContext()) }
}

/// The catalog as data (names, tasks, summaries, hyper-parameter tables), for `recommender
/// algorithms --format json` and the HTTP API.
public struct CatalogDescription: Sendable, Codable, Equatable {
    /// One hyper-parameter.
    public struct Parameter: Sendable, Codable, Equatable {
        public var name: String
        public var type: String
        public var minimum: Double?
        public var maximum: Double?
        public var exclusiveMinimum: Bool?
        public var choices: [String]?
        public var `default`: HyperparameterValue?
        public var help: String
        public var symbol: String?
        public var aliases: [String]
    }
    /// One algorithm.
    public struct Entry: Sendable, Codable, Equatable {
        public var name: String
        public var task: String
        public var summary: String
        public var parameters: [Parameter]
    }
    /// The algorithms.
    public var algorithms: [Entry]

    /// Describes `algorithms`.
    public init(_ algorithms: [any Algorithm]) {
        self.algorithms = algorithms.map { a in
            Entry(name: a.name, task: a.task.rawValue, summary: a.summary, parameters: a.parameters.map { p in
                var out = Parameter(name: p.name, type: "", help: p.help, symbol: p.symbol, aliases: p.aliases)
                out.default = p.defaultValue
                switch p.kind {
                case .integer(let r): out.type = "integer"; out.minimum = Double(r.lowerBound); out.maximum = Double(r.upperBound)
                case let .real(r, open): out.type = "number"; out.minimum = r.lowerBound; out.maximum = r.upperBound; out.exclusiveMinimum = open
                case .choice(let names): out.type = "choice"; out.choices = names
                case .flag: out.type = "boolean"
                case let .integers(r, _): out.type = "integer list"; out.minimum = Double(r.lowerBound); out.maximum = Double(r.upperBound)
                }
                return out
            })
        }
    }

    /// Pretty-printed JSON.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
