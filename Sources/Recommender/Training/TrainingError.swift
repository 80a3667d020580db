/// Why a fit failed: the one error type of every algorithm's training.
///
/// Messages name hyper-parameters by their table names (``HyperparameterSpec/name``), which
/// are also the command-line option names, never other spellings.
public enum TrainingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// There is nothing to train on (no interactions, or none left after a threshold).
    case emptyTraining
    /// The training data or a setting cannot be trained on; the message says why and what to do.
    case invalidInput(String)
    /// A hyper-parameter value is of the wrong type or out of bounds.
    case invalidHyperparameter(algorithm: String, name: String, reason: String)
    /// A hyper-parameter the algorithm does not have; `known` lists those it has.
    case unknownHyperparameter(algorithm: String, name: String, known: [String])
    /// The parameters became NaN or infinite at `iteration` (epoch, sweep); nothing was fitted.
    case diverged(iteration: Int, hint: String)

    public var description: String {
        switch self {
        case .emptyTraining:
            return "nothing to train on: the training data has no interactions"
        case .invalidInput(let message):
            return message
        case let .invalidHyperparameter(algorithm, name, reason):
            return "\(algorithm): invalid \(name): \(reason)"
        case let .unknownHyperparameter(algorithm, name, known):
            return "\(algorithm) has no hyper-parameter '\(HyperparameterSpec.printable(name))'; it has: \(known.joined(separator: ", "))"
        case let .diverged(iteration, hint):
            return "training diverged at iteration \(iteration): the parameters are not finite; \(hint)"
        }
    }
}
