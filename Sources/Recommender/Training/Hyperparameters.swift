import Foundation

/// The value of one hyper-parameter.
public enum HyperparameterValue: Sendable, Hashable, CustomStringConvertible {
    /// A whole number (factors, epochs, neighbours, ...).
    case integer(Int)
    /// A real number (learning rate, regularisation, ...).
    case real(Double)
    /// One of a fixed set of names (solver, optimizer, similarity, ...).
    case choice(String)
    /// On or off.
    case flag(Bool)
    /// A list of whole numbers (layer sizes).
    case integers([Int])

    public var description: String {
        switch self {
        case .integer(let v): return String(v)
        case .real(let v):
            if v == v.rounded() && abs(v) < 1e15 { return String(format: "%.1f", v) }
            // Values that came from a Float print as that Float (0.005, not 0.004999999888241291).
            return Double(Float(v)) == v ? String(Float(v)) : String(v)
        case .choice(let v): return v
        case .flag(let v): return v ? "true" : "false"
        case .integers(let v): return v.map(String.init).joined(separator: ",")
        }
    }

}

extension HyperparameterValue: Codable {
    /// Encodes as a plain JSON value: a number, a string, a boolean or an array of numbers.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .integer(let v): try c.encode(v)
        case .real(let v): try c.encode(v)
        case .choice(let v): try c.encode(v)
        case .flag(let v): try c.encode(v)
        case .integers(let v): try c.encode(v)
        }
    }

    /// Decodes a plain JSON value (integers before reals).
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let v = try? c.decode(Bool.self) { self = .flag(v) }
        else if let v = try? c.decode(Int.self) { self = .integer(v) }
        else if let v = try? c.decode(Double.self) { self = .real(v) }
        else if let v = try? c.decode(String.self) { self = .choice(v) }
        else { self = .integers(try c.decode([Int].self)) }
    }
}

/// The declaration of one hyper-parameter of an ``Algorithm``: its name, type, bounds,
/// default, help and the symbol the model's documentation uses for it.
///
/// One table of these per algorithm drives the command line (`train`, `tune`, `evaluate`),
/// validation, the documentation and the HTTP API, so they cannot disagree.
public struct HyperparameterSpec: Sendable, Equatable {
    /// What values a hyper-parameter takes, with its bounds.
    public enum Kind: Sendable, Equatable {
        /// A whole number in `range`.
        case integer(ClosedRange<Int>)
        /// A finite real number in `range`; with `exclusiveLowerBound` the lower bound itself is refused.
        case real(ClosedRange<Double>, exclusiveLowerBound: Bool)
        /// One of `names`.
        case choice([String])
        /// `true` or `false`.
        case flag
        /// A comma-separated list of 1 to `maxCount` whole numbers, each in `range`.
        case integers(ClosedRange<Int>, maxCount: Int)
    }

    /// The name, kebab-case, as on the command line (`--embedding-dim`) and in the HTTP API.
    public var name: String
    /// Other names accepted for it (older or shorter spellings such as `factors`, `lr`).
    public var aliases: [String]
    /// Its type and bounds.
    public var kind: Kind
    /// The documented default; `nil` when it depends on other settings (``help`` says how).
    public var defaultValue: HyperparameterValue?
    /// One line of help.
    public var help: String
    /// The symbol in the model's equations (e.g. `k`, `λ`, `γ`), when it has one.
    public var symbol: String?

    /// Declares a hyper-parameter.
    public init(_ name: String, _ kind: Kind, default defaultValue: HyperparameterValue?, help: String,
                symbol: String? = nil, aliases: [String] = []) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
        self.symbol = symbol
        self.aliases = aliases
    }

    /// An integer hyper-parameter.
    public static func integer(_ name: String, _ range: ClosedRange<Int>, default value: Int?, help: String,
                               symbol: String? = nil, aliases: [String] = []) -> HyperparameterSpec {
        HyperparameterSpec(name, .integer(range), default: value.map { .integer($0) }, help: help, symbol: symbol, aliases: aliases)
    }

    /// A real hyper-parameter in `range` (`exclusiveLowerBound` refuses the lower bound itself).
    ///
    /// A default read from a `Float` configuration (`Double(c.learningRate)`) is stored as the
    /// shortest decimal that gives the same `Float`, so help texts and reports show `0.015`,
    /// not `0.014999999664723873`; the model reads back the same `Float`.
    public static func real(_ name: String, _ range: ClosedRange<Double>, exclusiveLowerBound: Bool = false, default value: Double?,
                            help: String, symbol: String? = nil, aliases: [String] = []) -> HyperparameterSpec {
        HyperparameterSpec(name, .real(range, exclusiveLowerBound: exclusiveLowerBound), default: value.map { .real(shortestDecimal($0)) },
                           help: help, symbol: symbol, aliases: aliases)
    }

    /// `x` as the shortest decimal of its `Float` when `x` is exactly a `Float`; else `x`.
    static func shortestDecimal(_ x: Double) -> Double {
        guard x.isFinite, Double(Float(x)) == x, let d = Double(String(Float(x))), Float(d) == Float(x) else { return x }
        return d
    }

    /// A choice among the cases of `E`.
    public static func choice<E: CaseIterable & RawRepresentable>(_ name: String, _ type: E.Type, default value: E?, help: String,
                                                                 symbol: String? = nil, aliases: [String] = []) -> HyperparameterSpec
    where E.RawValue == String {
        HyperparameterSpec(name, .choice(E.allCases.map(\.rawValue)), default: value.map { .choice($0.rawValue) }, help: help,
                           symbol: symbol, aliases: aliases)
    }

    /// An on/off hyper-parameter.
    public static func flag(_ name: String, default value: Bool, help: String, aliases: [String] = []) -> HyperparameterSpec {
        HyperparameterSpec(name, .flag, default: .flag(value), help: help, aliases: aliases)
    }

    /// Whether `name` names this hyper-parameter (its name or an alias).
    public func answers(to name: String) -> Bool { self.name == name || aliases.contains(name) }

    /// `"λ as "` for a hyper-parameter with a symbol, for messages.
    var symbolPrefix: String { symbol.map { "\($0) as " } ?? "" }

    /// A short description of the accepted values, e.g. `integer in 1...1024`.
    public var accepted: String {
        switch kind {
        case .integer(let r): return "an integer in \(r.lowerBound)...\(r.upperBound)"
        case let .real(r, open): return "a number in \(open ? "(" : "[")\(Self.format(r.lowerBound)), \(Self.format(r.upperBound))]"
        case .choice(let names): return "one of \(names.joined(separator: ", "))"
        case .flag: return "true or false"
        case let .integers(r, n): return "1 to \(n) comma-separated integers in \(r.lowerBound)...\(r.upperBound)"
        }
    }

    static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }

    /// Parses and checks a value given as text (`"64"`, `"0.05"`, `"cg"`, `"true"`, `"64,35"`).
    /// - Throws: ``TrainingError/invalidHyperparameter(algorithm:name:reason:)`` naming the
    ///   accepted values.
    public func parse(_ text: String, algorithm: String) throws -> HyperparameterValue {
        let t = text.trimmingCharacters(in: .whitespaces)
        func fail() -> TrainingError {
            TrainingError.invalidHyperparameter(algorithm: algorithm, name: name, reason: "expected \(symbolPrefix)\(accepted), got '\(Self.printable(t))'")
        }
        switch kind {
        case .integer:
            guard let v = Int(t) else { throw fail() }
            return try validate(.integer(v), algorithm: algorithm)
        case .real:
            guard let v = Double(t) else { throw fail() }
            return try validate(.real(v), algorithm: algorithm)
        case .choice:
            return try validate(.choice(t), algorithm: algorithm)
        case .flag:
            switch t.lowercased() {
            case "true", "1", "yes", "on": return .flag(true)
            case "false", "0", "no", "off": return .flag(false)
            default: throw fail()
            }
        case .integers:
            let parts = t.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let values = parts.compactMap { Int($0) }
            guard values.count == parts.count else { throw fail() }
            return try validate(.integers(values), algorithm: algorithm)
        }
    }

    /// Checks a value's type and bounds; integers are accepted where reals are expected.
    /// - Throws: ``TrainingError/invalidHyperparameter(algorithm:name:reason:)``.
    public func validate(_ value: HyperparameterValue, algorithm: String) throws -> HyperparameterValue {
        func fail(_ shown: String) -> TrainingError {
            TrainingError.invalidHyperparameter(algorithm: algorithm, name: name, reason: "expected \(symbolPrefix)\(accepted), got \(shown)")
        }
        switch (kind, value) {
        case let (.integer(r), .integer(v)):
            guard r.contains(v) else { throw fail(String(v)) }
            return value
        case let (.integer(r), .real(v)):
            guard v.isFinite, v == v.rounded(), v >= Double(r.lowerBound), v <= Double(r.upperBound) else { throw fail(String(v)) }
            return .integer(Int(v))
        case let (.real(r, open), .real(v)):
            guard v.isFinite, r.contains(v), !(open && v == r.lowerBound) else { throw fail(String(v)) }
            return value
        case let (.real(r, open), .integer(v)):
            let x = Double(v)
            guard r.contains(x), !(open && x == r.lowerBound) else { throw fail(String(v)) }
            return .real(x)
        case let (.choice(names), .choice(v)):
            guard names.contains(v) else { throw fail("'\(Self.printable(v))'") }
            return value
        case (.flag, .flag):
            return value
        case let (.integers(r, n), .integers(v)):
            guard !v.isEmpty, v.count <= n, v.allSatisfy({ r.contains($0) }) else { throw fail(v.map(String.init).joined(separator: ",")) }
            return value
        default:
            throw fail(value.description)
        }
    }

    /// `text` with control characters escaped, for messages.
    static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(80) {
            if scalar.value < 0x20 || scalar.value == 0x7f { out += String(format: "\\u{%02X}", scalar.value) } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }
}

/// Hyper-parameter settings: the values a user set explicitly, by name. Values not set take
/// the algorithm's documented defaults (read them through ``HyperparameterReader``).
public struct Hyperparameters: Sendable, Equatable, Codable, ExpressibleByDictionaryLiteral {
    /// The explicit settings by name.
    public private(set) var values: [String: HyperparameterValue]

    /// Settings from a dictionary.
    public init(_ values: [String: HyperparameterValue] = [:]) { self.values = values }

    public init(dictionaryLiteral elements: (String, HyperparameterValue)...) {
        self.values = Dictionary(elements, uniquingKeysWith: { _, last in last })
    }

    /// Sets `name` to `value`.
    public mutating func set(_ name: String, _ value: HyperparameterValue) { values[name] = value }

    /// A copy with `name` set to `value`.
    public func setting(_ name: String, _ value: HyperparameterValue) -> Hyperparameters {
        var copy = self
        copy.set(name, value)
        return copy
    }

    /// Whether nothing is set.
    public var isEmpty: Bool { values.isEmpty }
}

/// Reads an algorithm's hyper-parameters: checks every explicit setting against the table
/// (unknown names, types, bounds) and answers each one with the setting or its default.
public struct HyperparameterReader: Sendable {
    /// The algorithm's name, for messages.
    public let algorithm: String
    /// The algorithm's table.
    public let specs: [HyperparameterSpec]
    /// The checked explicit settings, by canonical name.
    public let explicit: [String: HyperparameterValue]

    /// Checks `settings` against `specs`.
    /// - Throws: ``TrainingError/unknownHyperparameter(algorithm:name:known:)`` for a name the
    ///   table does not have; ``TrainingError/invalidHyperparameter(algorithm:name:reason:)``
    ///   for a value of the wrong type or out of bounds.
    public init(_ settings: Hyperparameters, specs: [HyperparameterSpec], algorithm: String) throws {
        self.algorithm = algorithm
        self.specs = specs
        var checked: [String: HyperparameterValue] = [:]
        var spelling: [String: String] = [:]
        for (name, value) in settings.values.sorted(by: { $0.key < $1.key }) {
            guard let spec = specs.first(where: { $0.answers(to: name) }) else {
                throw TrainingError.unknownHyperparameter(algorithm: algorithm, name: name, known: specs.map(\.name))
            }
            // Two spellings of one parameter (`lr` and `learning-rate`): refuse, never pick one silently.
            if let other = spelling[spec.name] {
                throw TrainingError.invalidHyperparameter(algorithm: algorithm, name: spec.name,
                                                          reason: "set twice, as '\(other)' and as '\(HyperparameterSpec.printable(name))'")
            }
            spelling[spec.name] = HyperparameterSpec.printable(name)
            checked[spec.name] = try spec.validate(value, algorithm: algorithm)
        }
        self.explicit = checked
    }

    /// Whether `name` was set explicitly.
    public func isSet(_ name: String) -> Bool { explicit[name] != nil }

    /// The setting of `name`, else its default, else `nil`.
    public func value(_ name: String) -> HyperparameterValue? {
        guard let spec = specs.first(where: { $0.name == name }) else {
            preconditionFailure("\(algorithm) reads hyper-parameter '\(name)' that its table does not declare")
        }
        return explicit[name] ?? spec.defaultValue
    }

    /// An integer hyper-parameter (`nil` when unset and without a default).
    public func integer(_ name: String) -> Int? {
        switch value(name) {
        case .integer(let v)?: return v
        case .real(let v)?: return Int(v)
        default: return nil
        }
    }

    /// A real hyper-parameter as `Double` (`nil` when unset and without a default).
    public func real(_ name: String) -> Double? {
        switch value(name) {
        case .real(let v)?: return v
        case .integer(let v)?: return Double(v)
        default: return nil
        }
    }

    /// A real hyper-parameter as `Float`.
    public func float(_ name: String) -> Float? { real(name).map { Float($0) } }

    /// A choice hyper-parameter as its enum.
    public func choice<E: RawRepresentable>(_ name: String, as type: E.Type = E.self) -> E? where E.RawValue == String {
        if case .choice(let v)? = value(name) { return E(rawValue: v) }
        return nil
    }

    /// A flag hyper-parameter.
    public func flag(_ name: String) -> Bool? {
        if case .flag(let v)? = value(name) { return v }
        return nil
    }

    /// An integer-list hyper-parameter.
    public func integers(_ name: String) -> [Int]? {
        if case .integers(let v)? = value(name) { return v }
        return nil
    }

    /// Every hyper-parameter with its effective value (explicit or default), in table order;
    /// for reports, model files and the HTTP API.
    public var effective: [(name: String, value: HyperparameterValue)] {
        specs.compactMap { spec in value(spec.name).map { (spec.name, $0) } }
    }
}
