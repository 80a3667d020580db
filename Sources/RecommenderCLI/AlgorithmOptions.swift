import ArgumentParser
import Foundation
import Recommender

/// Hyper-parameters on the command line: the spelled-out options of the notebook and the
/// README (`--embedding-dim 35`), and `--param name=value` for every entry of an algorithm's
/// table (`recommender algorithms NAME` lists them). Each option sets the hyper-parameter of
/// the same name; an option the chosen algorithm does not have is refused with the list of
/// those it has. Values are checked against the table's bounds.
struct AlgorithmOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Embedding dimension, the number of latent factors (k).")
    var embeddingDim: String?
    @Option(parsing: .unconditional, help: "Standard deviation of the initial embeddings.")
    var initStddev: String?
    @Option(parsing: .unconditional, help: "Learning rate.")
    var learningRate: String?
    @Option(parsing: .unconditional, help: "Iterations (full-batch steps, ALS sweeps).")
    var iterations: String?
    @Option(parsing: .unconditional, help: "Epochs (passes of SGD over the data).")
    var epochs: String?
    @Option(parsing: .unconditional, help: "Optimizer (mf: sgd, momentum, adagrad, adam; softmax: adagrad, adam, sgd).")
    var optimizer: String?
    @Option(parsing: .unconditional, help: "Regularization coefficient (λ).")
    var regularization: String?
    @Option(parsing: .unconditional, help: "Gravity coefficient (mf: the notebook's gravity_coeff).")
    var gravity: String?
    @Option(parsing: .unconditional, help: "Ranking models: ratings at or above it are positives.")
    var threshold: String?
    @Option(parsing: .unconditional, help: "Ranking models: weight of a positive (binary, rating).")
    var weighting: String?
    @Option(parsing: .unconditional, help: "ials confidence scale α; item-knn conditional-probability damping.")
    var alpha: String?
    @Option(parsing: .unconditional, help: "Neighbours kept per item (item-knn, knn-baseline).")
    var neighbours: String?
    @Option(parsing: .unconditional, help: "item-knn similarity: cosine, jaccard, conditional-probability.")
    var similarity: String?
    @Option(parsing: .unconditional, help: "ials least-squares solver: cg or cholesky.")
    var solver: String?
    @Option(parsing: .unconditional, help: "softmax: hidden layer sizes, comma-separated.")
    var hiddenDims: String?
    @Option(parsing: .unconditional, help: "softmax: hidden activation, linear or relu.")
    var activation: String?
    @Flag(help: "softmax: give the hidden layers biases.")
    var hiddenBias = false
    @Option(parsing: .unconditional, help: "softmax: leak (the notebook) or exclude.")
    var labelMode: String?
    @Option(parsing: .unconditional, help: "softmax: training batch size.")
    var batchSize: String?
    @Option(parsing: .unconditional, help: "softmax: matrix multiply backend, openblas or swift.")
    var gemm: String?
    @Option(name: .customLong("param"), parsing: .unconditionalSingleValue,
            help: "Any hyper-parameter of the algorithm's table: name=value (repeatable; see `recommender algorithms NAME`).")
    var params: [String] = []

    /// The settings given, by option name, in the order of the table above then `--param`.
    func given() throws -> [(option: String, name: String, value: String)] {
        var out: [(String, String, String)] = []
        let spelled: [(String, String?)] = [
            ("embedding-dim", embeddingDim), ("init-stddev", initStddev), ("learning-rate", learningRate), ("iterations", iterations),
            ("epochs", epochs), ("optimizer", optimizer), ("regularization", regularization), ("gravity", gravity),
            ("threshold", threshold), ("weighting", weighting), ("alpha", alpha), ("neighbours", neighbours),
            ("similarity", similarity), ("solver", solver), ("hidden-dims", hiddenDims), ("activation", activation),
            ("label-mode", labelMode), ("batch-size", batchSize), ("gemm", gemm),
        ]
        for (name, value) in spelled { if let value { out.append(("--\(name)", name, value)) } }
        if hiddenBias { out.append(("--hidden-bias", "hidden-bias", "true")) }
        for p in params {
            let parts = p.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw CLIError("--param expects name=value, got '\(p)'")
            }
            out.append(("--param \(parts[0])", parts[0], parts[1]))
        }
        return out
    }

    /// The hyper-parameters these options set for `algorithm`, checked against its table.
    /// - Throws: a message naming the option that does not apply and listing those that do,
    ///   or the table's bounds for a bad value.
    func hyperparameters(for algorithm: any Algorithm) throws -> Hyperparameters {
        var settings = Hyperparameters()
        var seen = Set<String>()
        for (option, name, text) in try given() {
            guard let spec = algorithm.parameters.first(where: { $0.answers(to: name) }) else {
                throw CLIError("\(option) does not apply to \(algorithm.name); its options: "
                                      + algorithm.parameters.map { "--\($0.name)" }.joined(separator: ", ")
                                      + " (or --param name=value)")
            }
            guard seen.insert(spec.name).inserted else { throw CLIError("\(spec.name) is given twice") }
            settings.set(spec.name, try spec.parse(text, algorithm: algorithm.name))
        }
        try algorithm.check(settings)
        return settings
    }
}

/// `name=value` pairs of the effective settings, for one-line summaries.
func describe(_ settings: [(name: String, value: HyperparameterValue)]) -> String {
    settings.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
}
